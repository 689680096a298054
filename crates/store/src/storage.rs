//! Crash-safe storage for samod.
//!
//! samod's `Storage` trait is infallible and samod persists asynchronously, while a clerk
//! must know when a registration is safe on disk. [`DurableStorage`] closes that gap:
//!
//! - every `put` writes a temp file, fsyncs it, renames it into place and fsyncs the
//!   directory, so a `kill -9` leaves either the old state or the new file, never half;
//! - a snapshot (compaction) is read back and checked before its `put` returns, and samod
//!   deletes the incrementals it supersedes only after that;
//! - once any `put` fails, the storage is *poisoned*: it refuses every later delete (so a
//!   failed compaction can never cost the incrementals) and every write acknowledgement
//!   reports the failure;
//! - it records which change hashes are durable, so the store can wait until a user's
//!   change is on disk before it says "saved" ([`DurableStorage::wait_durable`]);
//! - on load, a chunk whose checksum fails (a corrupt or truncated file) is moved to the
//!   quarantine directory and reported ([`DurableStorage::problems`]) instead of being
//!   silently skipped; the rest of the document still opens.
//!
//! The key layout is samod's (and automerge-repo's nodefs adapter's), so JS tools can
//! read a data directory: `<2 chars of id>/<rest of id>/{incremental,snapshot}/<hash>`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::ChangeHash;
use samod::storage::{Storage, StorageKey};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

/// A problem found in the files of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageProblem {
    /// The samod document id the file belonged to.
    pub document_id: String,
    /// Where the damaged file was moved.
    pub quarantined_to: PathBuf,
    /// What was wrong with it.
    pub reason: String,
}

#[derive(Default)]
struct State {
    /// Change hashes known to be on disk, per document id string.
    durable: HashMap<String, HashSet<ChangeHash>>,
    /// The first write failure, if any; once set, deletes are refused.
    failure: Option<String>,
    problems: Vec<StorageProblem>,
    /// Where superseded snapshots go instead of being deleted, and how many to keep.
    retention: Option<SnapshotRetention>,
}

/// Superseded compaction snapshots kept for recovery: a document's earlier whole states,
/// in case a bad change (or a bad peer) must be looked behind.
#[derive(Debug, Clone)]
struct SnapshotRetention {
    dir: PathBuf,
    keep: usize,
}

/// samod storage that writes atomically, fails loudly and reports durability.
#[derive(Clone)]
pub struct DurableStorage {
    root: PathBuf,
    quarantine: PathBuf,
    state: Arc<Mutex<State>>,
    written: Arc<Notify>,
}

impl std::fmt::Debug for DurableStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableStorage")
            .field("root", &self.root)
            .finish()
    }
}

/// Why a change could not be confirmed durable.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DurabilityError {
    /// A write to disk failed (disk full, permissions, I/O error).
    #[error("写入磁盘失败：{0} (write to disk failed)")]
    WriteFailed(String),
    /// The storage did not confirm the write in time.
    #[error("存储在 {0:?} 内未确认写入 (storage did not confirm the write)")]
    Timeout(Duration),
}

impl DurableStorage {
    /// Storage rooted at `root`; damaged files go to `quarantine`.
    pub fn new(root: PathBuf, quarantine: PathBuf) -> io::Result<Self> {
        fs::create_dir_all(&root)?;
        // Files quarantined in earlier sessions stay reported until someone deals with them.
        let problems = earlier_quarantined(&quarantine);
        Ok(Self {
            root,
            quarantine,
            state: Arc::new(Mutex::new(State {
                problems,
                ..State::default()
            })),
            written: Arc::new(Notify::new()),
        })
    }

    /// Keeps the `keep` most recent superseded snapshots of each document in
    /// `dir/<document id>/` (named `<nanoseconds since 1970>-<hash>`, so names sort by
    /// age) instead of deleting them when samod compacts. 0 deletes them, as samod does.
    pub fn keep_superseded_snapshots(&self, dir: PathBuf, keep: usize) {
        self.lock().retention = (keep > 0).then_some(SnapshotRetention { dir, keep });
    }

    /// The directory holding the documents.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the sets half-updated in a way
        // that matters (they only grow), so recover from poisoning.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Problems found while loading documents (quarantined files).
    pub fn problems(&self) -> Vec<StorageProblem> {
        self.lock().problems.clone()
    }

    /// The first write failure, if the storage is poisoned.
    pub fn failure(&self) -> Option<String> {
        self.lock().failure.clone()
    }

    /// Whether `hash` is known to be on disk: written by this process, or loaded from disk.
    pub fn is_on_disk(&self, doc: &str, hash: &ChangeHash) -> bool {
        self.lock()
            .durable
            .get(doc)
            .is_some_and(|s| s.contains(hash))
    }

    fn is_durable(&self, doc: &str, hash: &ChangeHash) -> Result<bool, DurabilityError> {
        let state = self.lock();
        if state.durable.get(doc).is_some_and(|s| s.contains(hash)) {
            return Ok(true);
        }
        match &state.failure {
            // Once a write failed, nothing not yet on disk can be promised.
            Some(f) => Err(DurabilityError::WriteFailed(f.clone())),
            None => Ok(false),
        }
    }

    /// Waits until `hash` of document `doc` is on disk, or the storage fails.
    pub async fn wait_durable(
        &self,
        doc: &str,
        hash: ChangeHash,
        timeout: Duration,
    ) -> Result<(), DurabilityError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.written.notified();
            if self.is_durable(doc, &hash)? {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return if self.is_durable(doc, &hash)? {
                    Ok(())
                } else {
                    Err(DurabilityError::Timeout(timeout))
                };
            }
        }
    }

    /// Records the changes of a chunk read from disk as durable. A snapshot's file name is
    /// its heads' compaction hash, not a change hash, so its heads are read from the chunk.
    fn note_loaded(&self, key: &StorageKey, bytes: &[u8]) {
        let Some(doc) = key.into_iter().next() else {
            return;
        };
        if is_snapshot(key) {
            if let Some(heads) = snapshot_heads(bytes) {
                self.mark_durable(doc, heads);
            }
        } else if let Ok(Some(hash)) = incremental_hash(key, bytes) {
            self.mark_durable(doc, [hash]);
        }
    }

    fn mark_durable(&self, doc: &str, hashes: impl IntoIterator<Item = ChangeHash>) {
        self.lock()
            .durable
            .entry(doc.to_owned())
            .or_default()
            .extend(hashes);
        self.written.notify_waiters();
    }

    fn fail(&self, what: String) {
        tracing::error!(error = %what, "storage write failed; deletes are refused from now on");
        let mut state = self.lock();
        if state.failure.is_none() {
            state.failure = Some(what);
        }
        drop(state);
        self.written.notify_waiters();
    }

    /// Where the files of document `id` live.
    pub(crate) fn document_dir(&self, id: &str) -> PathBuf {
        // Split the document id like the nodefs adapter, to keep directories small.
        if id.len() > 2 {
            self.root.join(&id[..2]).join(&id[2..])
        } else {
            self.root.join(id)
        }
    }

    fn path_of(&self, key: &StorageKey) -> PathBuf {
        let mut parts = key.into_iter();
        let mut path = match parts.next() {
            Some(first) => self.document_dir(first),
            None => self.root.clone(),
        };
        for part in parts {
            path.push(part);
        }
        path
    }

    fn key_of(&self, path: &Path) -> Option<StorageKey> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let mut parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if parts.len() >= 2 {
            let joined = format!("{}{}", parts[0], parts[1]);
            parts.splice(0..2, [joined]);
        }
        StorageKey::from_parts(parts).ok()
    }

    fn quarantine_file(&self, key: &StorageKey, path: &Path, reason: String) {
        let document_id = key.into_iter().next().cloned().unwrap_or_default();
        let name = key.into_iter().cloned().collect::<Vec<_>>().join("_");
        let target = self.quarantine.join(format!(
            "{}-{name}",
            crate::time::now_cst().format("%Y%m%dT%H%M%S")
        ));
        let moved = fs::create_dir_all(&self.quarantine).and_then(|_| fs::rename(path, &target));
        let note = format!("{document_id}\n{reason}\n");
        if let Err(e) = write_atomically(&target.with_extension("reason"), note.as_bytes()) {
            tracing::warn!(error = %e, "could not record why a file was quarantined");
        }
        if let Err(e) = &moved {
            tracing::error!(path = %path.display(), error = %e, "could not quarantine a damaged file");
        }
        tracing::error!(%document_id, file = %path.display(), %reason, "damaged document file quarantined");
        self.lock().problems.push(StorageProblem {
            document_id,
            quarantined_to: if moved.is_ok() {
                target
            } else {
                path.to_owned()
            },
            reason,
        });
    }

    /// Reads every file under `prefix`, checking each chunk; damaged ones are quarantined.
    fn load_range_blocking(&self, prefix: &StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let mut out = HashMap::new();
        let dir = self.path_of(prefix);
        let mut stack = vec![dir];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_some_and(|e| e == "tmp") {
                    // Another process's temp file is a write that never completed (it was
                    // never acknowledged). One of this process's may be a put in flight —
                    // a document loading while a peer's change is saved — and removing it
                    // would fail that put and poison the storage.
                    if !written_by_this_process(&path) {
                        let _ = fs::remove_file(&path);
                    }
                    continue;
                }
                let Some(key) = self.key_of(&path) else {
                    continue;
                };
                if !prefix.is_prefix_of(&key) {
                    continue;
                }
                match fs::read(&path) {
                    Ok(bytes) => match check_chunk(&key, &bytes) {
                        Ok(()) => {
                            self.note_loaded(&key, &bytes);
                            out.insert(key, bytes);
                        }
                        Err(reason) => self.quarantine_file(&key, &path, reason),
                    },
                    Err(e) => self.quarantine_file(&key, &path, format!("无法读取：{e}")),
                }
            }
        }
        out
    }

    fn put_blocking(&self, key: &StorageKey, data: &[u8]) -> io::Result<()> {
        let path = self.path_of(key);
        let invalid = |reason: String| io::Error::new(io::ErrorKind::InvalidData, reason);
        check_chunk(key, data).map_err(invalid)?;
        if fs::read(&path).is_ok_and(|existing| existing == data) {
            // samod re-saves what it loads (its record of what is on disk starts empty in
            // every process), and every process re-puts a document's genesis. Files are
            // content-addressed, so identical bytes are already written and verified:
            // don't write or fsync them again.
            self.note_loaded(key, data);
            return Ok(());
        }
        write_atomically(&path, data)?;
        let hashes = if is_snapshot(key) {
            // Read the snapshot back and load it before samod is told it is saved,
            // because samod then deletes the incrementals it replaces.
            let back = fs::read(&path)?;
            if back != data {
                return Err(io::Error::other(
                    "snapshot read back differs from what was written",
                ));
            }
            let doc = automerge::Automerge::load(&back)
                .map_err(|e| invalid(format!("snapshot does not load: {e}")))?;
            doc.get_changes_meta(&[]).iter().map(|c| c.hash).collect()
        } else {
            incremental_hash(key, data)
                .map_err(invalid)?
                .into_iter()
                .collect::<Vec<_>>()
        };
        if let Some(doc) = key.into_iter().next() {
            self.mark_durable(doc, hashes);
        }
        Ok(())
    }

    /// Writes changes of a document as incremental files (each written, fsynced and
    /// renamed like any other), outside samod: for a document repaired from a peer's
    /// copy, which samod may hold nothing of in this session.
    pub(crate) fn write_changes(
        &self,
        document_id: &str,
        changes: &[automerge::Change],
    ) -> io::Result<()> {
        for change in changes {
            let key = StorageKey::from_parts([
                document_id.to_owned(),
                "incremental".to_owned(),
                change.hash().to_string(),
            ])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
            self.put_blocking(&key, change.raw_bytes())?;
        }
        Ok(())
    }

    /// Marks the quarantined files of a document as dealt with (the document was
    /// repaired): they stay in the quarantine folder, and are no longer reported as gaps.
    pub(crate) fn settle_problems(&self, document_id: &str) -> Vec<PathBuf> {
        let mut settled = Vec::new();
        let mut state = self.lock();
        state.problems.retain(|p| {
            if p.document_id != document_id {
                return true;
            }
            settled.push(p.quarantined_to.clone());
            false
        });
        drop(state);
        for earlier in earlier_quarantined(&self.quarantine) {
            if earlier.document_id == document_id && !settled.contains(&earlier.quarantined_to) {
                settled.push(earlier.quarantined_to);
            }
        }
        for file in &settled {
            let reason = file.with_extension("reason");
            if let Err(e) = fs::rename(&reason, file.with_extension("repaired")) {
                tracing::warn!(file = %reason.display(), error = %e, "could not mark a quarantined file as repaired");
            }
        }
        settled
    }

    fn delete_blocking(&self, key: &StorageKey) -> io::Result<()> {
        if let Some(f) = self.failure() {
            return Err(io::Error::other(format!(
                "refusing delete after a failed write ({f})"
            )));
        }
        let path = self.path_of(key);
        let retention = self.lock().retention.clone();
        if let Some(retention) = retention.filter(|_| is_snapshot(key)) {
            return self.retire_snapshot(key, &path, &retention);
        }
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
        if let Some(parent) = path.parent() {
            sync_dir(parent)?;
        }
        Ok(())
    }
}

impl DurableStorage {
    /// Moves a superseded snapshot into the retention directory, then removes that
    /// document's oldest ones beyond `keep`.
    fn retire_snapshot(
        &self,
        key: &StorageKey,
        path: &Path,
        retention: &SnapshotRetention,
    ) -> io::Result<()> {
        let mut parts = key.into_iter();
        let (Some(doc), Some(hash)) = (parts.next(), parts.nth(1)) else {
            return Ok(());
        };
        let dir = retention.dir.join(doc);
        fs::create_dir_all(&dir)?;
        let stamp = crate::time::now_cst()
            .timestamp_nanos_opt()
            .unwrap_or_default();
        match fs::rename(path, dir.join(format!("{stamp:024}-{hash}"))) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
        if let Some(parent) = path.parent() {
            sync_dir(parent)?;
        }
        let mut kept: Vec<PathBuf> = fs::read_dir(&dir)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        kept.sort();
        let excess = kept.len().saturating_sub(retention.keep);
        for old in &kept[..excess] {
            fs::remove_file(old)?;
        }
        sync_dir(&dir)
    }
}

pub(crate) fn earlier_quarantined(quarantine: &Path) -> Vec<StorageProblem> {
    let Ok(entries) = fs::read_dir(quarantine) else {
        return Vec::new();
    };
    let mut out: Vec<StorageProblem> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "reason"))
        .filter_map(|p| {
            let text = fs::read_to_string(&p).ok()?;
            let (document_id, reason) = text.split_once('\n')?;
            Some(StorageProblem {
                document_id: document_id.to_owned(),
                quarantined_to: p.with_extension(""),
                reason: format!("（此前已隔离）{}", reason.trim()),
            })
        })
        .collect();
    out.sort_by(|a, b| a.quarantined_to.cmp(&b.quarantined_to));
    out
}

/// The heads recorded in a document chunk's header: after the magic, checksum, type and
/// length come the number of actors and the actor ids, then the heads. Reading them is
/// cheap compared with loading the document.
fn snapshot_heads(bytes: &[u8]) -> Option<Vec<ChangeHash>> {
    if bytes.len() < 9 || bytes[..4] != MAGIC || bytes[8] != 0 {
        return None;
    }
    let mut cursor = &bytes[9..];
    leb128_u64(&mut cursor)?; // chunk length
    let actors = leb128_u64(&mut cursor)?;
    for _ in 0..actors {
        let len = leb128_u64(&mut cursor)? as usize;
        cursor = cursor.get(len..)?;
    }
    let heads = leb128_u64(&mut cursor)?;
    let mut out = Vec::new();
    for _ in 0..heads {
        let hash = cursor.get(..32)?;
        out.push(ChangeHash::try_from(hash).ok()?);
        cursor = &cursor[32..];
    }
    Some(out)
}

fn is_snapshot(key: &StorageKey) -> bool {
    key.into_iter().nth(1).is_some_and(|p| p == "snapshot")
}

/// Writes `data` to `path` so that a crash leaves either nothing new or the whole file.
pub(crate) fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    write_atomically_with(path, data, false)
}

/// As [`write_atomically`], for secrets: the file is readable by its owner alone from the
/// moment it exists (mode 0600 on Unix), so the key is never briefly world-readable.
pub(crate) fn write_secret_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    write_atomically_with(path, data, true)
}

fn write_atomically_with(path: &Path, data: &[u8], secret: bool) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("path has no parent directory"))?;
    fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per write: samod may save the same key from two tasks at once (a peer's
    // sync and a local create), and a shared temp name would let one rename the other's.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.{}.{n}.tmp", std::process::id()));
    {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = secret;
        let mut f = options.open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir)
}

/// Whether a temp file's name (`.<file>.<pid>.<n>.tmp`) carries this process's id.
fn written_by_this_process(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.rsplit('.').nth(2) == Some(std::process::id().to_string().as_str())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Checks a stored chunk for damage: a truncated or altered file fails here.
///
/// Incrementals are single changes, parsed and verified in full (they are small).
/// Snapshots are whole documents; their chunk checksums are verified without
/// decompressing, so opening the store does not load every document twice.
fn check_chunk(key: &StorageKey, bytes: &[u8]) -> Result<(), String> {
    if is_snapshot(key) {
        check_document_checksum(bytes)
    } else {
        incremental_hash(key, bytes).map(|_| ())
    }
}

/// The hash of an incremental change chunk (None for keys that are not changes).
fn incremental_hash(key: &StorageKey, bytes: &[u8]) -> Result<Option<ChangeHash>, String> {
    if key.into_iter().nth(1).is_some_and(|p| p == "incremental") {
        let change = automerge::Change::try_from(bytes).map_err(|e| format!("变更块损坏：{e}"))?;
        Ok(Some(change.hash()))
    } else {
        Ok(None)
    }
}

fn check_document_checksum(bytes: &[u8]) -> Result<(), String> {
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 9 || rest[..4] != MAGIC {
            return Err("文件头损坏（不是 automerge 数据块）".into());
        }
        let checksum = &rest[4..8];
        let chunk_type = rest[8];
        let mut cursor = &rest[9..];
        let len = leb128_u64(&mut cursor).ok_or("长度字段损坏")? as usize;
        if cursor.len() < len {
            return Err(format!(
                "文件被截断：需要 {len} 字节，只有 {} 字节",
                cursor.len()
            ));
        }
        let data = &cursor[..len];
        let mut hasher = Sha256::new();
        hasher.update([chunk_type]);
        let mut len_bytes = Vec::with_capacity(10);
        write_leb128(&mut len_bytes, len as u64);
        hasher.update(&len_bytes);
        hasher.update(data);
        let digest = hasher.finalize();
        // Compressed changes carry the checksum of their uncompressed form; leave those to
        // automerge's own load.
        if chunk_type != 2 && digest[..4] != *checksum {
            return Err("校验和不符（文件内容被改动或损坏）".into());
        }
        rest = &cursor[len..];
    }
    Ok(())
}

fn leb128_u64(input: &mut &[u8]) -> Option<u64> {
    let mut result = 0u64;
    for (i, byte) in input.iter().enumerate().take(10) {
        result |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *input = &input[i + 1..];
            return Some(result);
        }
    }
    None
}

fn write_leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

impl Storage for DurableStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let path = this.path_of(&key);
            match fs::read(&path) {
                Ok(bytes) => Some(bytes),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => {
                    tracing::error!(file = %path.display(), error = %e, "cannot read");
                    None
                }
            }
        })
        .await
        .ok()
        .flatten()
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.load_range_blocking(&prefix))
            .await
            .unwrap_or_default()
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        let this = self.clone();
        let result = tokio::task::spawn_blocking(move || {
            let r = this.put_blocking(&key, &data);
            (key, r)
        })
        .await;
        match result {
            Ok((_, Ok(()))) => {}
            Ok((key, Err(e))) => self.fail(format!("{key}: {e}")),
            Err(e) => self.fail(format!("write task failed: {e}")),
        }
    }

    async fn delete(&self, key: StorageKey) {
        let this = self.clone();
        let result = tokio::task::spawn_blocking(move || {
            let r = this.delete_blocking(&key);
            (key, r)
        })
        .await;
        if let Ok((key, Err(e))) = result {
            tracing::warn!(%key, error = %e, "delete not done");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    #[test]
    fn snapshot_heads_reads_the_heads_of_a_saved_document() {
        let mut a = automerge::AutoCommit::new();
        a.put(automerge::ROOT, "township", "港口镇").unwrap();
        let mut b = a.fork();
        a.put(automerge::ROOT, "village", "西村").unwrap();
        b.put(automerge::ROOT, "village", "东岸村").unwrap();
        a.merge(&mut b).unwrap();
        let mut heads = a.get_heads();
        let mut read = snapshot_heads(&a.save()).unwrap();
        heads.sort();
        read.sort();
        assert_eq!(heads.len(), 2);
        assert_eq!(read, heads);
    }

    #[test]
    fn loading_leaves_this_process_s_writes_in_flight_and_removes_dead_ones() {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            DurableStorage::new(dir.path().join("docs"), dir.path().join("quarantine")).unwrap();
        let doc_dir = dir
            .path()
            .join("docs")
            .join("ab")
            .join("cdefgh")
            .join("incremental");
        fs::create_dir_all(&doc_dir).unwrap();
        let ours = doc_dir.join(format!(".c0ffee.{}.7.tmp", std::process::id()));
        let dead = doc_dir.join(".c0ffee.4000000000.7.tmp");
        fs::write(&ours, b"half a change").unwrap();
        fs::write(&dead, b"half a change").unwrap();
        let prefix = StorageKey::from_parts(["abcdefgh"]).unwrap();
        let loaded = storage.load_range_blocking(&prefix);
        assert!(loaded.is_empty());
        assert!(ours.exists(), "a write in flight was removed");
        assert!(!dead.exists(), "a dead process's temp file was kept");
        assert!(storage.problems().is_empty());
    }

    #[test]
    fn superseded_snapshots_are_kept_up_to_the_limit_then_the_oldest_go() {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            DurableStorage::new(dir.path().join("docs"), dir.path().join("quarantine")).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let doc_id = "abcdefgh";
        let mut doc = automerge::AutoCommit::new();
        let mut snapshot = |n: usize| {
            doc.put(automerge::ROOT, "request", format!("第{n}次修改"))
                .unwrap();
            let bytes = doc.save();
            let key = StorageKey::from_parts([doc_id, "snapshot", &format!("s{n}")]).unwrap();
            rt.block_on(Storage::put(&storage, key.clone(), bytes.clone()));
            (key, bytes)
        };
        // Without retention a superseded snapshot is simply deleted.
        let (first, _) = snapshot(0);
        rt.block_on(Storage::delete(&storage, first.clone()));
        assert!(!storage.path_of(&first).exists());
        let kept_dir = dir.path().join("superseded");
        assert!(!kept_dir.exists());

        storage.keep_superseded_snapshots(kept_dir.clone(), 2);
        let mut written = Vec::new();
        for n in 1..=4 {
            let (key, bytes) = snapshot(n);
            rt.block_on(Storage::delete(&storage, key.clone()));
            assert!(!storage.path_of(&key).exists(), "moved out of the document");
            written.push(bytes);
        }
        let mut kept: Vec<PathBuf> = fs::read_dir(kept_dir.join(doc_id))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        kept.sort();
        assert_eq!(kept.len(), 2, "{kept:?}");
        // The two newest, byte for byte, and each still a loadable document.
        assert_eq!(fs::read(&kept[0]).unwrap(), written[2]);
        assert_eq!(fs::read(&kept[1]).unwrap(), written[3]);
        assert!(kept[1].to_string_lossy().ends_with("-s4"));
        assert!(automerge::Automerge::load(&fs::read(&kept[1]).unwrap()).is_ok());
        // Incrementals are still deleted outright.
        let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        let inc = StorageKey::from_parts([doc_id, "incremental", "i1"]).unwrap();
        rt.block_on(Storage::put(&storage, inc.clone(), change));
        rt.block_on(Storage::delete(&storage, inc.clone()));
        assert!(!storage.path_of(&inc).exists());
        assert_eq!(fs::read_dir(kept_dir.join(doc_id)).unwrap().count(), 2);
    }

    #[test]
    fn a_flipped_byte_in_a_snapshot_fails_its_checksum() {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "request", "反映宅基地纠纷")
            .unwrap();
        let mut bytes = doc.save_nocompress();
        assert!(check_document_checksum(&bytes).is_ok());
        let last = bytes.len() - 3;
        bytes[last] ^= 0x55;
        assert!(check_document_checksum(&bytes).is_err());
        assert!(
            check_document_checksum(&bytes[..bytes.len() / 2])
                .unwrap_err()
                .contains("截断")
        );
    }

    #[test]
    fn a_failed_write_poisons_the_storage_and_refuses_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            DurableStorage::new(dir.path().join("docs"), dir.path().join("quarantine")).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "request", "反映宅基地纠纷")
            .unwrap();
        let change = doc.get_last_local_change().unwrap();
        let doc_id = "abcdefgh";
        // An earlier, good write of the same document.
        let good = StorageKey::from_parts([doc_id, "incremental", "good"]).unwrap();
        rt.block_on(Storage::put(
            &storage,
            good.clone(),
            change.raw_bytes().to_vec(),
        ));
        assert!(storage.failure().is_none());
        // The disk "fills up": the snapshot directory cannot be created.
        fs::write(
            storage.path_of(&StorageKey::from_parts([doc_id, "snapshot"]).unwrap()),
            b"not a directory",
        )
        .unwrap();
        let snapshot = StorageKey::from_parts([doc_id, "snapshot", "compacted"]).unwrap();
        rt.block_on(Storage::put(&storage, snapshot, doc.save()));
        let failure = storage.failure().expect("the failed put is recorded");
        assert!(failure.contains("snapshot"), "{failure}");
        // samod would now delete the incrementals the snapshot replaces: refused.
        rt.block_on(Storage::delete(&storage, good.clone()));
        assert!(
            storage.path_of(&good).exists(),
            "the incremental survives a failed compaction"
        );
        // What was saved stays saved; a writer waiting for a new change hears about the
        // failure, not "saved".
        assert!(
            rt.block_on(storage.wait_durable(doc_id, change.hash(), Duration::from_secs(1)))
                .is_ok()
        );
        doc.put(automerge::ROOT, "facts", "邻居建房占地").unwrap();
        let unsaved = doc.get_last_local_change().unwrap();
        let waited =
            rt.block_on(storage.wait_durable(doc_id, unsaved.hash(), Duration::from_secs(1)));
        assert!(
            matches!(waited, Err(DurabilityError::WriteFailed(_))),
            "{waited:?}"
        );
    }
}
