//! Changes that live only in the journal until a checkpoint, and the reads that see them
//! as if they were the files they stand for.
//!
//! Why no file at commit: under a live stream, a file per change (create, write, rename)
//! cost the server about a third of its CPU in the filesystem allocating inodes, and the
//! file was removed again at the next compaction. The journal already holds the change
//! durably; the files are written only for what a checkpoint does not compact.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{MutexGuard, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use samod::storage::StorageKey;

use super::DurableStorage;
use super::journal::Journal;

/// A change acknowledged from its journal record alone.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    /// The storage key's parts joined by `/` (`<document id>/incremental/<hash>`).
    pub key: String,
    pub data: Vec<u8>,
    /// When it was committed.
    pub committed: Instant,
    /// Checkpoints that copied its record into a new segment.
    pub carried: u32,
    /// The journal segment holding its newest record: the segments before it may go once
    /// no pending change's newest record is in them.
    pub segment: u64,
}

impl Pending {
    /// Its name in its document's directory (`incremental/<hash>`).
    pub fn name(&self) -> &str {
        self.key.split_once('/').map_or("", |(_, rest)| rest)
    }
}

/// Pending changes by document id, oldest first.
pub(super) type PendingMap = HashMap<String, Vec<Pending>>;

/// Every file of a document directory (snapshots, then incrementals; no temp files).
pub(super) fn document_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for sub in ["snapshot", "incremental"] {
        let entries = match fs::read_dir(dir.join(sub)) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_file() && path.extension().is_none_or(|e| e != "tmp") {
                out.push(path);
            }
        }
    }
    // Snapshots first: loading the history before the changes on top is the cheap order.
    Ok(out)
}

/// The name of `path` relative to its document directory (`incremental/<hash>`).
fn relative_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let sub = path.parent()?.file_name()?.to_str()?;
    Some(format!("{sub}/{name}"))
}

impl DurableStorage {
    pub(super) fn pending(&self) -> MutexGuard<'_, PendingMap> {
        self.inner.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Held while reading a document's files and pending changes as one set.
    pub(super) fn reading(&self) -> RwLockReadGuard<'_, ()> {
        self.inner
            .replacing
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Held while files and pending changes are replaced by what supersedes them.
    pub(super) fn replacing(&self) -> RwLockWriteGuard<'_, ()> {
        self.inner
            .replacing
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The pending changes of document `doc`, oldest first.
    pub(super) fn pending_of(&self, doc: &str) -> Vec<Pending> {
        self.pending().get(doc).cloned().unwrap_or_default()
    }

    /// The pending changes whose keys start with `prefix`, keyed as their files would be.
    pub(super) fn pending_under(&self, prefix: &StorageKey) -> Vec<(StorageKey, Vec<u8>)> {
        let pending = self.pending();
        let docs: Vec<&Vec<Pending>> = match prefix.into_iter().next() {
            Some(doc) => pending.get(doc.as_str()).into_iter().collect(),
            None => pending.values().collect(),
        };
        docs.into_iter()
            .flatten()
            .filter_map(|p| {
                let key = StorageKey::from_parts(p.key.split('/')).ok()?;
                prefix.is_prefix_of(&key).then(|| (key, p.data.clone()))
            })
            .collect()
    }

    /// Drops from the pending set the changes of `doc` named in `keys`: what superseded
    /// them is durable. The caller holds [`Self::replacing`].
    pub(super) fn forget_pending(&self, doc: &str, keys: &HashSet<String>) {
        let mut pending = self.pending();
        if let Some(waiting) = pending.get_mut(doc) {
            waiting.retain(|p| !keys.contains(&p.key));
            if waiting.is_empty() {
                pending.remove(doc);
            }
        }
    }

    /// Whether the storage holds anything of document `id`, in files or pending.
    pub(crate) fn holds(&self, id: &str) -> bool {
        self.pending().contains_key(id) || self.document_dir(id).exists()
    }

    /// The ids of every document the storage holds, in files or pending (unsorted).
    pub(crate) fn document_ids(&self) -> Vec<String> {
        let mut ids: HashSet<String> = self.pending().keys().cloned().collect();
        for prefix in fs::read_dir(&self.inner.root)
            .into_iter()
            .flatten()
            .flatten()
        {
            let head = prefix.file_name().to_string_lossy().into_owned();
            for rest in fs::read_dir(prefix.path()).into_iter().flatten().flatten() {
                if rest.path().is_dir() {
                    ids.insert(format!("{head}{}", rest.file_name().to_string_lossy()));
                }
            }
        }
        ids.into_iter().collect()
    }

    /// The sorted names of a document's files (`incremental/<hash>`, `snapshot/<name>`),
    /// its pending changes counted as the files they stand for: what identifies the
    /// document's stored state (the case index keys its entries on it).
    pub(crate) fn listing(&self, id: &str) -> Vec<String> {
        let _reading = self.reading();
        let mut out: Vec<String> = document_files(&self.document_dir(id))
            .unwrap_or_default()
            .iter()
            .filter_map(|p| relative_name(p))
            .collect();
        out.extend(self.pending_of(id).iter().map(|p| p.name().to_owned()));
        out.sort();
        out.dedup();
        out
    }

    /// The bytes of every file of document `id` and of its pending changes, without
    /// checking them (a damaged file is the quarantine's business, at load).
    pub(crate) fn stored_chunks(&self, id: &str) -> Vec<Vec<u8>> {
        let _reading = self.reading();
        let mut out: Vec<Vec<u8>> = document_files(&self.document_dir(id))
            .unwrap_or_default()
            .iter()
            .filter_map(|p| self.read_file(&self.key_of(p)?, p).ok())
            .collect();
        out.extend(self.pending_of(id).into_iter().map(|p| p.data));
        out
    }

    /// How many files document `id` has and their bytes, its pending changes counted as
    /// the files they stand for.
    pub(crate) fn stored_size(&self, id: &str) -> (usize, u64) {
        let _reading = self.reading();
        let mut names = HashSet::new();
        let mut bytes = 0;
        for path in document_files(&self.document_dir(id)).unwrap_or_default() {
            if let (Some(name), Ok(meta)) = (relative_name(&path), fs::metadata(&path)) {
                bytes += meta.len();
                names.insert(name);
            }
        }
        for p in self.pending_of(id) {
            if names.insert(p.name().to_owned()) {
                bytes += p.data.len() as u64;
            }
        }
        (names.len(), bytes)
    }
}

/// The changes the journal of the storage rooted at `root` holds, as (document id, name in
/// its directory, bytes), read without changing anything: what an offline check of a data
/// directory adds to the files of a session that did not close cleanly.
pub(crate) fn journaled_chunks(
    root: &Path,
    seal: &crate::seal::Seal,
) -> io::Result<Vec<(String, String, Vec<u8>)>> {
    let dir = super::journal_dir_of(root);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    Ok(Journal::read(&dir, seal)?
        .records
        .into_iter()
        .filter_map(|r| {
            let (doc, name) = r.key.split_once('/')?;
            Some((doc.to_owned(), name.to_owned(), r.data))
        })
        .collect())
}
