//! A blob arriving from a peer ([`Arriving`]): written to `blobs/partial/<hash>` and hashed
//! as its bytes come in, so that a cut transfer resumes where it stopped and a whole one is
//! kept without reading or writing its bytes again.
//!
//! In a plain directory the partial file is the blob's first bytes as they are, and a whole
//! one that hashes right is renamed into place. In an encrypted one it is a run of frames
//! (a `u32` length, then a chunk sealed under a role naming the hash and the offset, so
//! frames cannot be reordered or moved between transfers); a whole one is opened, checked
//! and sealed as the blob. Nothing here is waited onto the disk: the peer still holds the
//! bytes, a torn frame is dropped when the transfer resumes, and in either kind the hash of
//! the whole decides what is kept.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::PathBuf;

use super::{BlobHash, BlobStore};
use crate::StoreError;
use crate::storage::write_unsynced;

/// The largest chunk of a partial transfer sealed (or, plain, written) on its own.
const MAX_SEALED_CHUNK: usize = 4 * 1024 * 1024;

/// A blob being received: its partial file (opened for appending when the first bytes
/// come, so a refused ask leaves no file), and the hash of what it holds so far.
pub struct Arriving {
    blobs: BlobStore,
    hash: BlobHash,
    path: PathBuf,
    file: Option<File>,
    len: u64,
    hasher: blake3::Hasher,
}

impl std::fmt::Debug for Arriving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Arriving")
            .field("hash", &self.hash)
            .field("len", &self.len)
            .finish()
    }
}

impl BlobStore {
    pub(super) fn partial_path(&self, hash: &BlobHash) -> PathBuf {
        self.root.join("partial").join(hash.to_string())
    }

    /// Each sealed chunk is bound to its hash and its offset.
    fn partial_role(hash: &BlobHash, offset: u64) -> String {
        format!("partial/{hash}/{offset}")
    }

    /// The transfer of `hash` this device holds a part of, or a new one. A frame a crash
    /// tore is dropped here, so the transfer resumes from the last whole one.
    pub fn arriving(&self, hash: &BlobHash) -> Result<Arriving, StoreError> {
        let mut hasher = blake3::Hasher::new();
        let held = self.held(hash, &mut |plain| {
            hasher.update(plain);
        })?;
        Ok(Arriving {
            blobs: self.clone(),
            hash: *hash,
            path: self.partial_path(hash),
            file: None,
            len: held,
            hasher,
        })
    }

    /// How many bytes of `hash` a partial transfer holds (0 if none).
    pub fn partial_len(&self, hash: &BlobHash) -> Result<u64, StoreError> {
        if self.seal.is_sealed() {
            return self.held(hash, &mut |_| {});
        }
        let path = self.partial_path(hash);
        match fs::metadata(&path) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// Walks the partial file's bytes in order, cutting off a torn tail; how many there are.
    fn held(&self, hash: &BlobHash, each: &mut dyn FnMut(&[u8])) -> Result<u64, StoreError> {
        let path = self.partial_path(hash);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        if !self.seal.is_sealed() {
            each(&bytes);
            return Ok(bytes.len() as u64);
        }
        let (mut at, mut offset) = (0usize, 0u64);
        while let Some(len) = bytes.get(at..at + 4) {
            let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
            let Some(frame) = bytes.get(at + 4..at + 4 + len) else {
                break;
            };
            // A frame that does not open was torn by a crash (nothing is synced): the
            // transfer resumes before it.
            let Ok(plain) = self.seal.open(&Self::partial_role(hash, offset), frame) else {
                break;
            };
            each(&plain);
            offset += plain.len() as u64;
            at += 4 + len;
        }
        if at < bytes.len() {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(StoreError::io(&path))?;
            f.set_len(at as u64).map_err(StoreError::io(&path))?;
        }
        Ok(offset)
    }

    /// Drops a partial transfer.
    pub fn discard_partial(&self, hash: &BlobHash) -> Result<(), StoreError> {
        let path = self.partial_path(hash);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }
}

impl Arriving {
    /// The blob arriving.
    pub fn hash(&self) -> &BlobHash {
        &self.hash
    }

    /// How many bytes of the blob are here.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn file(&mut self) -> Result<&mut File, StoreError> {
        let file = match self.file.take() {
            Some(f) => f,
            None => {
                if let Some(dir) = self.path.parent() {
                    fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
                }
                fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map_err(StoreError::io(&self.path))?
            }
        };
        Ok(self.file.insert(file))
    }

    /// Appends the next bytes.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        for chunk in bytes.chunks(MAX_SEALED_CHUNK) {
            if self.blobs.seal.is_sealed() {
                let role = BlobStore::partial_role(&self.hash, self.len);
                let sealed = self
                    .blobs
                    .seal
                    .seal(&role, chunk)
                    .map_err(|e| BlobStore::sealed_error(&self.path, e))?;
                let mut frame = Vec::with_capacity(sealed.len() + 4);
                frame.extend_from_slice(&(sealed.len() as u32).to_le_bytes());
                frame.extend_from_slice(&sealed);
                self.file()?
                    .write_all(&frame)
                    .map_err(StoreError::io(&self.path))?;
            } else {
                self.file()?
                    .write_all(chunk)
                    .map_err(StoreError::io(&self.path))?;
            }
            self.hasher.update(chunk);
            self.len += chunk.len() as u64;
        }
        Ok(())
    }

    /// Keeps the whole blob if its bytes hash right; otherwise removes them and returns
    /// the mismatch.
    pub fn finish(self) -> Result<(), StoreError> {
        let mut arriving = self;
        // An empty blob is never asked for, but if one were, its file must exist.
        arriving.file()?;
        let Arriving {
            blobs,
            hash,
            path,
            file,
            hasher,
            len,
        } = arriving;
        drop(file);
        let actual = BlobHash(*hasher.finalize().as_bytes());
        if let Err(e) = BlobStore::check(&hash, actual) {
            blobs.discard_partial(&hash)?;
            return Err(e);
        }
        let target = blobs.path(&hash);
        if !blobs.seal.is_sealed() {
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
            }
            return fs::rename(&path, &target).map_err(StoreError::io(&target));
        }
        let mut whole = Vec::new();
        blobs.held(&hash, &mut |plain| whole.extend_from_slice(plain))?;
        // Frames are bound to their offsets, so only a cut could make them differ.
        if whole.len() as u64 != len {
            return Err(BlobStore::sealed_error(&path, "传输中断留下了不完整的片段"));
        }
        let sealed = blobs
            .seal
            .seal(&BlobStore::role(&hash), &whole)
            .map_err(|e| BlobStore::sealed_error(&target, e))?;
        write_unsynced(&target, &sealed).map_err(StoreError::io(&target))?;
        blobs.discard_partial(&hash)
    }

    /// Drops what arrived.
    pub fn discard(self) -> Result<(), StoreError> {
        drop(self.file);
        self.blobs.discard_partial(&self.hash)
    }
}
