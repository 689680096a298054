//! The data directory's content-addressed blob store: the bytes of attachments, named by
//! their BLAKE3 hash, under `blobs/<first two hex digits>/<hash>`.
//!
//! A blob is written whole or not at all (temp file, fsync, rename) before the record that
//! names it, so a record never points at bytes a crash lost on the device that attached
//! them. Only a blob fetched in a sync round ([`BlobStore::put_fetched`]) is renamed into
//! place without waiting for the disk: the peer still holds it, so one a crash lost or tore
//! reads as absent or damaged (`doctor`) and the next round fetches it again. That fsync
//! was a third of a 20 MB transfer. In an encrypted directory each blob is sealed under the data key like every other
//! file. Every read checks the bytes against the hash: a damaged blob is an error naming
//! it, never wrong evidence shown as right.
//!
//! A transfer from a peer lands in `blobs/partial/<hash>` chunk by chunk, so an interrupted
//! one resumes where it stopped; it becomes a blob only once the whole hashes right.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::seal::{OVERHEAD, Seal};
use crate::storage::{write_atomically, write_unsynced};

/// The BLAKE3 hash naming a blob.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobHash([u8; 32]);

impl BlobHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> BlobHash {
        BlobHash(*blake3::hash(bytes).as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(bytes: [u8; 32]) -> BlobHash {
        BlobHash(bytes)
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobHash({self})")
    }
}

/// Text that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” 不是有效的附件哈希（应为 64 位十六进制） (not a blob hash)")]
pub struct BadBlobHash(pub String);

impl FromStr for BlobHash {
    type Err = BadBlobHash;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || BadBlobHash(s.to_owned());
        if t.len() != 64 || !t.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(BlobHash(out))
    }
}

impl TryFrom<String> for BlobHash {
    type Error = BadBlobHash;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<BlobHash> for String {
    fn from(h: BlobHash) -> String {
        h.to_string()
    }
}

/// The bytes of attachments in a data directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    seal: Seal,
}

/// The largest chunk of a partial transfer sealed on its own.
const MAX_PARTIAL_CHUNK: usize = 4 * 1024 * 1024;

impl BlobStore {
    /// The blob store under `root` (a data directory's `blobs/`).
    pub fn new(root: impl Into<PathBuf>, seal: Seal) -> BlobStore {
        BlobStore {
            root: root.into(),
            seal,
        }
    }

    fn path(&self, hash: &BlobHash) -> PathBuf {
        let hex = hash.to_string();
        self.root.join(&hex[..2]).join(hex)
    }

    fn partial_path(&self, hash: &BlobHash) -> PathBuf {
        self.root.join("partial").join(hash.to_string())
    }

    fn role(hash: &BlobHash) -> String {
        format!("blob/{hash}")
    }

    fn sealed_error(path: &Path, reason: impl fmt::Display) -> StoreError {
        StoreError::Sealed {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// Whether the blob is here (its file exists; [`BlobStore::get`] checks its bytes).
    pub fn has(&self, hash: &BlobHash) -> bool {
        self.path(hash).is_file()
    }

    /// Stores `bytes` and returns their hash; durable when it returns.
    pub fn put(&self, bytes: &[u8]) -> Result<BlobHash, StoreError> {
        let hash = BlobHash::of(bytes);
        self.write(&hash, bytes, true)?;
        Ok(hash)
    }

    /// Stores bytes received for `expected`, refusing them unless they hash to it.
    pub fn put_verified(&self, expected: &BlobHash, bytes: &[u8]) -> Result<(), StoreError> {
        self.put_checked(expected, bytes, true)
    }

    /// [`BlobStore::put_verified`] for bytes a peer that keeps them sent in a round: not
    /// waited onto the disk (see the module's comment).
    pub fn put_fetched(&self, expected: &BlobHash, bytes: &[u8]) -> Result<(), StoreError> {
        self.put_checked(expected, bytes, false)
    }

    fn put_checked(
        &self,
        expected: &BlobHash,
        bytes: &[u8],
        durable: bool,
    ) -> Result<(), StoreError> {
        let actual = BlobHash::of(bytes);
        if actual != *expected {
            return Err(StoreError::BlobMismatch {
                hash: expected.to_string(),
                actual: actual.to_string(),
            });
        }
        self.write(expected, bytes, durable)
    }

    fn write(&self, hash: &BlobHash, bytes: &[u8], durable: bool) -> Result<(), StoreError> {
        let path = self.path(hash);
        if path.is_file() {
            return Ok(());
        }
        let sealed = self
            .seal
            .seal(&Self::role(hash), bytes)
            .map_err(|e| Self::sealed_error(&path, e))?;
        if durable {
            write_atomically(&path, &sealed)
        } else {
            write_unsynced(&path, &sealed)
        }
        .map_err(StoreError::io(&path))
    }

    /// The blob's bytes, checked against its hash; `None` when it is not here.
    pub fn get(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(hash);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        let plain = self
            .seal
            .open(&Self::role(hash), &bytes)
            .map_err(|e| Self::sealed_error(&path, e))?
            .into_owned();
        let actual = BlobHash::of(&plain);
        if actual != *hash {
            return Err(StoreError::BlobMismatch {
                hash: hash.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(Some(plain))
    }

    /// Removes a blob (a sweep, once nothing refers to it).
    pub fn remove(&self, hash: &BlobHash) -> Result<(), StoreError> {
        let path = self.path(hash);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// Moves a blob's file to `to` (a damaged one, out of the way of a fresh copy).
    pub fn move_to(&self, hash: &BlobHash, to: &Path) -> Result<(), StoreError> {
        let path = self.path(hash);
        fs::rename(&path, to).map_err(StoreError::io(&path))
    }

    /// Every blob here with its size on disk.
    pub fn list(&self) -> Result<Vec<(BlobHash, u64)>, StoreError> {
        let mut out = Vec::new();
        let shards = match fs::read_dir(&self.root) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(source) => {
                return Err(StoreError::Io {
                    path: self.root.clone(),
                    source,
                });
            }
        };
        for shard in shards.flatten() {
            let name = shard.file_name().to_string_lossy().into_owned();
            if name.len() != 2 {
                continue;
            }
            let Ok(files) = fs::read_dir(shard.path()) else {
                continue;
            };
            for file in files.flatten() {
                let Ok(hash) = file.file_name().to_string_lossy().parse::<BlobHash>() else {
                    continue;
                };
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                out.push((hash, size));
            }
        }
        out.sort();
        Ok(out)
    }

    /// The bytes the blobs take on disk.
    pub fn total_bytes(&self) -> Result<u64, StoreError> {
        Ok(self.list()?.iter().map(|(_, n)| n).sum())
    }

    /// How many bytes of `hash` a partial transfer already holds (0 if none). A chunk a
    /// crash cut short is dropped here, so the transfer resumes from the last whole one.
    pub fn partial_len(&self, hash: &BlobHash) -> Result<u64, StoreError> {
        let path = self.partial_path(hash);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        let (chunks, whole) = self.partial_chunks(hash, &bytes, false)?;
        if whole < bytes.len() {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(StoreError::io(&path))?;
            f.set_len(whole as u64).map_err(StoreError::io(&path))?;
        }
        Ok(chunks.iter().map(|c| c.len() as u64).sum())
    }

    /// Appends bytes received for `hash` after those [`BlobStore::partial_len`] counts.
    pub fn append_partial(&self, hash: &BlobHash, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.partial_path(hash);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
        }
        let mut offset = self.partial_len(hash)? as usize;
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(StoreError::io(&path))?;
        for chunk in bytes.chunks(MAX_PARTIAL_CHUNK) {
            let sealed = self
                .seal
                .seal(&Self::partial_role(hash, offset), chunk)
                .map_err(|e| Self::sealed_error(&path, e))?;
            let mut frame = Vec::with_capacity(sealed.len() + 4);
            frame.extend_from_slice(&(sealed.len() as u32).to_le_bytes());
            frame.extend_from_slice(&sealed);
            file.write_all(&frame).map_err(StoreError::io(&path))?;
            offset += chunk.len();
        }
        file.sync_data().map_err(StoreError::io(&path))
    }

    /// Each sealed chunk is bound to its hash and its offset, so chunks cannot be
    /// reordered or moved between transfers without failing to open.
    fn partial_role(hash: &BlobHash, offset: usize) -> String {
        format!("partial/{hash}/{offset}")
    }

    /// The opened chunks of a partial file and how many of its bytes are whole frames.
    fn partial_chunks(
        &self,
        hash: &BlobHash,
        bytes: &[u8],
        strict: bool,
    ) -> Result<(Vec<Vec<u8>>, usize), StoreError> {
        let path = self.partial_path(hash);
        let mut chunks = Vec::new();
        let mut at = 0usize;
        let mut offset = 0usize;
        while at + 4 <= bytes.len() {
            let mut len = [0u8; 4];
            len.copy_from_slice(&bytes[at..at + 4]);
            let len = u32::from_le_bytes(len) as usize;
            let Some(frame) = bytes.get(at + 4..at + 4 + len) else {
                break;
            };
            let plain = self
                .seal
                .open(&Self::partial_role(hash, offset), frame)
                .map_err(|e| Self::sealed_error(&path, e))?;
            offset += plain.len();
            chunks.push(plain.into_owned());
            at += 4 + len;
        }
        if strict && at != bytes.len() {
            return Err(Self::sealed_error(&path, "传输中断留下了不完整的片段"));
        }
        Ok((chunks, at))
    }

    /// Turns a complete partial transfer into the blob, once its bytes hash to `hash`;
    /// otherwise the partial is removed and the mismatch returned.
    pub fn finish_partial(&self, hash: &BlobHash) -> Result<(), StoreError> {
        let path = self.partial_path(hash);
        let bytes = fs::read(&path).map_err(StoreError::io(&path))?;
        let (chunks, _) = self.partial_chunks(hash, &bytes, true)?;
        let whole = chunks.concat();
        let result = self.put_verified(hash, &whole);
        if matches!(result, Err(StoreError::BlobMismatch { .. })) || result.is_ok() {
            self.discard_partial(hash)?;
        }
        result
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

/// The bytes a sealed blob of `plain` bytes takes on disk (for quota checks before writing).
pub fn stored_size(plain: u64, sealed: bool) -> u64 {
    if sealed {
        plain + OVERHEAD as u64
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::DataKey;

    fn stores() -> Vec<(tempfile::TempDir, BlobStore)> {
        [Seal::plain(), Seal::new(&DataKey::generate())]
            .into_iter()
            .map(|seal| {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = BlobStore::new(dir.path().join("blobs"), seal);
                (dir, store)
            })
            .collect()
    }

    #[test]
    fn a_blob_reads_back_by_its_hash_and_a_damaged_one_is_refused() {
        for (_dir, blobs) in stores() {
            let photo = b"\xff\xd8\xff\xe0 a photograph of the site".repeat(100);
            let hash = blobs.put(&photo).expect("put");
            assert!(blobs.has(&hash));
            assert_eq!(blobs.get(&hash).expect("get").as_deref(), Some(&photo[..]));
            assert_eq!(blobs.list().expect("list").len(), 1);
            // Another blob's bytes under this name: refused, never shown as this one.
            let other = blobs.put(b"something else").expect("put");
            fs::copy(blobs.path(&other), blobs.path(&hash)).expect("swap");
            assert!(blobs.get(&hash).is_err(), "swapped bytes must not read");
            let absent = BlobHash::of(b"absent");
            assert_eq!(blobs.get(&absent).expect("get"), None);
        }
    }

    #[test]
    fn received_bytes_that_do_not_match_their_hash_are_refused() {
        for (_dir, blobs) in stores() {
            let claimed = BlobHash::of(b"the real letter");
            let err = blobs
                .put_verified(&claimed, b"a forged letter")
                .expect_err("mismatch");
            assert!(matches!(err, StoreError::BlobMismatch { .. }), "{err}");
            assert!(!blobs.has(&claimed));
        }
    }

    #[test]
    fn a_partial_transfer_resumes_and_a_torn_chunk_is_dropped() {
        for (_dir, blobs) in stores() {
            let scan: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
            let hash = BlobHash::of(&scan);
            blobs.append_partial(&hash, &scan[..70_000]).expect("first");
            // A crash while the second chunk was being written leaves half a frame.
            let path = blobs.partial_path(&hash);
            let mut f = fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .expect("open");
            f.write_all(&[200, 0, 0, 0, 1, 2, 3]).expect("torn");
            drop(f);
            assert_eq!(blobs.partial_len(&hash).expect("len"), 70_000);
            blobs.append_partial(&hash, &scan[70_000..]).expect("rest");
            blobs.finish_partial(&hash).expect("finish");
            assert_eq!(blobs.get(&hash).expect("get"), Some(scan));
            assert!(!path.exists());
        }
    }

    #[test]
    fn a_partial_transfer_of_wrong_bytes_is_refused_and_removed() {
        for (_dir, blobs) in stores() {
            let hash = BlobHash::of(b"expected");
            blobs
                .append_partial(&hash, b"not what was asked")
                .expect("append");
            assert!(matches!(
                blobs.finish_partial(&hash),
                Err(StoreError::BlobMismatch { .. })
            ));
            assert!(!blobs.has(&hash));
            assert_eq!(blobs.partial_len(&hash).expect("len"), 0);
        }
    }

    #[test]
    fn a_sealed_blob_holds_no_plain_bytes() {
        let (_dir, blobs) = stores().pop().expect("sealed store");
        let text = "检举人张三的来信全文".repeat(20);
        let hash = blobs.put(text.as_bytes()).expect("put");
        let raw = fs::read(blobs.path(&hash)).expect("read");
        assert!(!raw.windows(9).any(|w| w == "检举人".as_bytes()));
        blobs
            .append_partial(&hash, text.as_bytes())
            .expect("partial");
        let raw = fs::read(blobs.partial_path(&hash)).expect("read");
        assert!(!raw.windows(9).any(|w| w == "检举人".as_bytes()));
    }

    #[test]
    fn hashes_read_back_from_their_text() {
        let h = BlobHash::of(b"x");
        assert_eq!(h.to_string().parse::<BlobHash>(), Ok(h));
        assert!("abc".parse::<BlobHash>().is_err());
        assert!("zz".repeat(32).parse::<BlobHash>().is_err());
    }
}
