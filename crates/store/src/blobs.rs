//! The data directory's content-addressed blob store: the bytes of attachments, named by
//! their BLAKE3 hash, under `blobs/<first two hex digits>/<hash>`.
//!
//! A blob is written whole or not at all (temp file, fsync, rename) before the record that
//! names it, so a record never points at bytes a crash lost on the device that attached
//! them. Only a blob fetched in a sync round ([`Arriving`]) is put in
//! place without waiting for the disk: the peer still holds it, so one a crash lost or tore
//! reads as absent or damaged (`doctor`) and the next round fetches it again. That fsync
//! was a third of a 20 MB transfer. In an encrypted directory each blob is sealed under
//! the data key like every other file. Every read for use checks the bytes against the
//! hash: a damaged blob is an error naming it, never wrong evidence shown as right. Bytes
//! read to send to a peer are checked by the peer ([`BlobStore::open_to_send`]).
//!
//! A transfer from a peer lands in `blobs/partial/<hash>` as it arrives, so an interrupted
//! one resumes where it stopped; it becomes a blob only once the whole hashes right
//! (`partial.rs`).

use std::borrow::Cow;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::seal::{OVERHEAD, Seal};
use crate::storage::write_atomically;

mod partial;

pub use partial::Arriving;

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

/// A blob on its way to a peer: its whole length, and its bytes from where the peer asked.
pub struct Outgoing {
    pub total: u64,
    pub reader: Box<dyn io::Read + Send>,
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("total", &self.total)
            .finish()
    }
}

/// The bytes of attachments in a data directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    seal: Seal,
}

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
        self.write(&hash, bytes)?;
        Ok(hash)
    }

    /// Stores bytes received for `expected`, refusing them unless they hash to it;
    /// durable when it returns.
    pub fn put_verified(&self, expected: &BlobHash, bytes: &[u8]) -> Result<(), StoreError> {
        Self::check(expected, BlobHash::of(bytes))?;
        self.write(expected, bytes)
    }

    fn check(expected: &BlobHash, actual: BlobHash) -> Result<(), StoreError> {
        if actual == *expected {
            Ok(())
        } else {
            Err(StoreError::BlobMismatch {
                hash: expected.to_string(),
                actual: actual.to_string(),
            })
        }
    }

    fn write(&self, hash: &BlobHash, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.path(hash);
        if path.is_file() {
            return Ok(());
        }
        let sealed = self
            .seal
            .seal(&Self::role(hash), bytes)
            .map_err(|e| Self::sealed_error(&path, e))?;
        write_atomically(&path, &sealed).map_err(StoreError::io(&path))
    }

    /// The blob's bytes, checked against its hash; `None` when it is not here.
    pub fn get(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(plain) = self.read_unchecked(hash)? else {
            return Ok(None);
        };
        Self::check(hash, BlobHash::of(&plain))?;
        Ok(Some(plain))
    }

    /// The blob's length and its bytes from `offset` on, for a peer. Not hashed here: the
    /// receiver checks every byte against the hash before it keeps any ([`Arriving`]) and
    /// `doctor` checks them at rest. A plain directory's file is read as it is sent, so a
    /// server answering many laptops holds a block of each, not the whole; a sealed one is
    /// opened whole first.
    pub fn open_to_send(
        &self,
        hash: &BlobHash,
        offset: u64,
    ) -> Result<Option<Outgoing>, StoreError> {
        let path = self.path(hash);
        if self.seal.is_sealed() {
            return Ok(self.read_unchecked(hash)?.map(|plain| {
                let total = plain.len() as u64;
                let mut reader = io::Cursor::new(plain);
                reader.set_position(offset);
                Outgoing {
                    total,
                    reader: Box::new(reader),
                }
            }));
        }
        let mut file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        let total = file.metadata().map_err(StoreError::io(&path))?.len();
        io::Seek::seek(&mut file, io::SeekFrom::Start(offset)).map_err(StoreError::io(&path))?;
        Ok(Some(Outgoing {
            total,
            reader: Box::new(file),
        }))
    }

    fn read_unchecked(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(hash);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        let opened = self
            .seal
            .open(&Self::role(hash), &bytes)
            .map_err(|e| Self::sealed_error(&path, e))?;
        // A plain directory's file is the blob itself: no copy.
        Ok(Some(match opened {
            Cow::Owned(plain) => plain,
            Cow::Borrowed(_) => bytes,
        }))
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
    fn a_blob_is_sent_from_where_the_peer_asked() {
        for (_dir, blobs) in stores() {
            let scan: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
            let hash = blobs.put(&scan).expect("put");
            let mut out = blobs
                .open_to_send(&hash, 100_000)
                .expect("open")
                .expect("here");
            assert_eq!(out.total, 300_000);
            let mut rest = Vec::new();
            std::io::Read::read_to_end(&mut out.reader, &mut rest).expect("read");
            assert_eq!(rest, scan[100_000..]);
            assert!(
                blobs
                    .open_to_send(&BlobHash::of(b"absent"), 0)
                    .expect("open")
                    .is_none()
            );
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
            let mut arriving = blobs.arriving(&hash).expect("arriving");
            arriving.append(&scan[..70_000]).expect("first");
            drop(arriving);
            if blobs.seal.is_sealed() {
                // A crash while the second frame was being written leaves half of it.
                let path = blobs.partial_path(&hash);
                let mut f = fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .expect("open");
                std::io::Write::write_all(&mut f, &[200, 0, 0, 0, 1, 2, 3]).expect("torn");
            }
            assert_eq!(blobs.partial_len(&hash).expect("len"), 70_000);
            let mut arriving = blobs.arriving(&hash).expect("resume");
            assert_eq!(arriving.len(), 70_000);
            arriving.append(&scan[70_000..]).expect("rest");
            arriving.finish().expect("finish");
            assert_eq!(blobs.get(&hash).expect("get"), Some(scan));
            assert!(!blobs.partial_path(&hash).exists());
        }
    }

    #[test]
    fn a_partial_transfer_of_wrong_bytes_is_refused_and_removed() {
        for (_dir, blobs) in stores() {
            let hash = BlobHash::of(b"expected");
            let mut arriving = blobs.arriving(&hash).expect("arriving");
            arriving.append(b"not what was asked").expect("append");
            assert!(matches!(
                arriving.finish(),
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
        let mut arriving = blobs.arriving(&hash).expect("arriving");
        arriving.append(text.as_bytes()).expect("partial");
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
