//! Crash-safe storage for samod, with group commit.
//!
//! samod's `Storage` trait is infallible and samod persists asynchronously, while a clerk
//! must know when a registration is safe on disk. [`DurableStorage`] closes that gap:
//!
//! - a change is acknowledged (its `put` returns, [`DurableStorage::wait_durable`] says
//!   "saved") only once the journal record holding it is `fdatasync`ed; changes that
//!   arrive within a few milliseconds of each other, from any document, share that one
//!   sync (a *group commit*, `engine.rs`), and a clerk's own write does not wait for the
//!   window;
//! - until a checkpoint, the journal is the only place a change lives: no file of its own
//!   is written at commit. The storage keeps it in memory (`pending.rs`), and every read
//!   — samod's loads, the index's file listings, compaction, health — sees it as the file
//!   `<2 chars of id>/<rest>/incremental/<hash>` it stands for (samod's and automerge-repo's
//!   nodefs layout, in which the documents' files stay, so JS tools read a closed data
//!   directory as before);
//! - a *checkpoint* (every half minute, or when the journal grows) starts a new journal
//!   segment, compacts the documents that gathered enough changes into a verified
//!   snapshot (their changes never get a file), writes and fsyncs the files of documents
//!   whose changes waited too long, carries the other documents' records into the new
//!   segment, and only then drops the old segments. A document being compacted stays
//!   visible to loads until its snapshot is in place. A clean close compacts or writes
//!   (fsynced) everything pending and removes the journal;
//! - opening replays the journal a crash left: each change it holds is written to its
//!   file and fsynced, so `kill -9` (or a power cut) loses nothing acknowledged;
//! - the storage, not samod, decides when a document is compacted: samod's own snapshot
//!   puts (after every ~10 changes) are reduced to the changes they add, and its deletes
//!   are ignored. A snapshot is read back and loaded before what it replaces goes;
//! - once any write fails, the storage is *poisoned*: nothing more is deleted and every
//!   acknowledgement still waiting reports the failure;
//! - on load, a chunk whose checksum fails (a corrupt or truncated file) is moved to the
//!   quarantine directory and reported ([`DurableStorage::problems`]) instead of being
//!   silently skipped; the rest of the document still opens.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use automerge::ChangeHash;
use samod::DocHandle;
use samod::storage::{Storage, StorageKey};
use tokio::sync::Notify;

mod checkpoint;
mod chunk;
mod commit;
mod engine;
mod files;
mod journal;
mod pack;
mod pending;

use chunk::{check_chunk, incremental_hash, is_snapshot, snapshot_heads};
pub use files::{DiskCounts, disk_counts};
use files::{remove, sync_dir, written_by_this_process};
pub(crate) use files::{write_atomically, write_secret_atomically, write_unsynced};
use journal::Journal;
use pending::PendingMap;
pub(crate) use pending::journaled_chunks;

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
    /// Handles of the documents open in the repo this storage serves, so a samod
    /// snapshot can be reduced to the changes it adds without loading it.
    handles: HashMap<String, DocHandle>,
    /// Change hashes known to be on disk, per document id string.
    durable: HashMap<String, HashSet<ChangeHash>>,
    /// Changes of this process handed to the committer and not yet durable, per document
    /// id string: what `queue_change` need not queue again ahead of a child.
    queued: HashMap<String, HashSet<ChangeHash>>,
    /// Key prefixes (`<doc>`, `<doc>/incremental`) whose files this process has read
    /// (`load_range`): each sound file's changes are in `durable` since, so a put under
    /// them need not look for its file.
    read_whole: HashSet<String>,
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

/// samod storage that commits in groups, fails loudly and reports durability.
#[derive(Clone)]
pub struct DurableStorage {
    inner: Arc<Inner>,
}

struct Inner {
    root: PathBuf,
    quarantine: PathBuf,
    /// How document files and journal frames are sealed (plain unless encrypted).
    seal: crate::seal::Seal,
    state: Mutex<State>,
    written: Notify,
    log: Mutex<Log>,
    /// Changes acknowledged from the journal alone, by document id (lock order: `log`,
    /// then this).
    pending: Mutex<PendingMap>,
    /// Held shared by a load for its whole read of a document, exclusively while a
    /// checkpoint replaces files and pending changes by what supersedes them, so a load
    /// sees the old set or the new one, never neither.
    replacing: RwLock<()>,
    /// Signalled when a checkpoint finishes (a close waits for the one under way).
    checkpoint_done: Condvar,
    /// Closed (or its store dropped): writes go straight to their files, fsynced one by
    /// one, and the committer leaves the journal alone.
    closed: AtomicBool,
}

/// When the storage checkpoints and compacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoragePolicy {
    /// A checkpoint is due once the journal's current segment holds this many bytes…
    pub checkpoint_bytes: u64,
    /// …or this long after the last one, if anything was written since.
    pub checkpoint_every: Duration,
    /// A document is compacted at a checkpoint once this many of its changes wait in the
    /// journal…
    pub compact_changes: usize,
    /// …or this many bytes of them,
    pub compact_bytes: usize,
    /// and at most once in this long (its records are carried to the next segment
    /// meanwhile: a few hundred bytes each).
    pub compact_every: Duration,
    /// A change not compacted after this many checkpoints carried it…
    pub carry_checkpoints: u32,
    /// …or this long after it was committed gets its own file, fsynced, so the journal
    /// stays bounded.
    pub carry_for: Duration,
}

impl Default for StoragePolicy {
    fn default() -> Self {
        Self {
            checkpoint_bytes: 8 << 20,
            checkpoint_every: Duration::from_secs(30),
            compact_changes: 64,
            compact_bytes: 256 << 10,
            compact_every: Duration::from_secs(60),
            carry_checkpoints: 16,
            carry_for: Duration::from_secs(600),
        }
    }
}

struct Log {
    /// `None` once the storage is closed (or if the journal could not be opened).
    journal: Option<Journal>,
    /// Something was committed since the last checkpoint.
    fresh: bool,
    last_checkpoint: Instant,
    checkpoint_running: bool,
    last_compaction: HashMap<String, Instant>,
    policy: StoragePolicy,
}

impl Log {
    /// The journal appends go to; an error once the storage is closed.
    fn open_journal(&mut self) -> io::Result<&mut Journal> {
        self.journal
            .as_mut()
            .ok_or_else(|| io::Error::other("the storage's journal is not open"))
    }
}

impl std::fmt::Debug for DurableStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableStorage")
            .field("root", &self.inner.root)
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
    /// Storage rooted at `root`; damaged files go to `quarantine`. Replays the journal
    /// (`<root>.journal/`) a crash left: every change it holds is in its file, on disk,
    /// before this returns.
    pub fn new(root: PathBuf, quarantine: PathBuf) -> io::Result<Self> {
        Self::sealed(root, quarantine, crate::seal::Seal::plain())
    }

    /// As [`DurableStorage::new`], every document file and journal frame sealed by `seal`.
    pub fn sealed(root: PathBuf, quarantine: PathBuf, seal: crate::seal::Seal) -> io::Result<Self> {
        fs::create_dir_all(&root)?;
        // Files quarantined in earlier sessions stay reported until someone deals with them.
        let problems = earlier_quarantined(&quarantine);
        let storage = Self {
            inner: Arc::new(Inner {
                root,
                quarantine,
                seal,
                state: Mutex::new(State {
                    problems,
                    ..State::default()
                }),
                written: Notify::new(),
                log: Mutex::new(Log {
                    journal: None,
                    fresh: false,
                    last_checkpoint: Instant::now(),
                    checkpoint_running: false,
                    last_compaction: HashMap::new(),
                    policy: StoragePolicy::default(),
                }),
                pending: Mutex::new(HashMap::new()),
                replacing: RwLock::new(()),
                checkpoint_done: Condvar::new(),
                closed: AtomicBool::new(false),
            }),
        };
        storage.replay()?;
        engine::register(&storage.inner);
        Ok(storage)
    }

    /// Where the journal of this storage lives: beside the documents, so a reader of the
    /// document directory never mistakes it for a document.
    fn journal_dir(&self) -> PathBuf {
        journal_dir_of(&self.inner.root)
    }

    /// Changes when checkpoints and compactions happen (tests make them frequent).
    pub fn set_policy(&self, policy: StoragePolicy) {
        self.log().policy = policy;
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.inner.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lets the storage find the changes a samod snapshot adds in the document itself.
    pub(crate) fn register_handle(&self, handle: &DocHandle) {
        self.lock()
            .handles
            .insert(handle.document_id().to_string(), handle.clone());
    }

    /// Keeps the `keep` most recent superseded snapshots of each document in
    /// `dir/<document id>/` (named `<nanoseconds since 1970>-<hash>`, so names sort by
    /// age) instead of deleting them when samod compacts. 0 deletes them, as samod does.
    pub fn keep_superseded_snapshots(&self, dir: PathBuf, keep: usize) {
        self.lock().retention = (keep > 0).then_some(SnapshotRetention { dir, keep });
    }

    /// The directory holding the documents.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the sets half-updated in a way
        // that matters (they only grow), so recover from poisoning.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
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

    fn is_on_disk_or_queued(&self, doc: &str, hash: &ChangeHash) -> bool {
        let state = self.lock();
        state.durable.get(doc).is_some_and(|s| s.contains(hash))
            || state.queued.get(doc).is_some_and(|s| s.contains(hash))
    }

    fn note_queued(&self, doc: &str, hash: ChangeHash) {
        let mut state = self.lock();
        // Made durable meanwhile (by samod's own put): nothing would ever clear the entry.
        if state.durable.get(doc).is_some_and(|s| s.contains(&hash)) {
            return;
        }
        state.queued.entry(doc.to_owned()).or_default().insert(hash);
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
            let notified = self.inner.written.notified();
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
        let mut state = self.lock();
        let hashes: Vec<ChangeHash> = hashes.into_iter().collect();
        if let Some(queued) = state.queued.get_mut(doc) {
            for h in &hashes {
                queued.remove(h);
            }
            if queued.is_empty() {
                state.queued.remove(doc);
            }
        }
        state
            .durable
            .entry(doc.to_owned())
            .or_default()
            .extend(hashes);
        drop(state);
        self.inner.written.notify_waiters();
    }

    fn fail(&self, what: String) {
        tracing::error!(error = %what, "storage write failed; deletes are refused from now on");
        let mut state = self.lock();
        if state.failure.is_none() {
            state.failure = Some(what);
        }
        drop(state);
        self.inner.written.notify_waiters();
    }

    /// The bytes to write in the file of `key`: sealed under its key when the directory is
    /// encrypted.
    pub(super) fn seal_file<'a>(
        &self,
        key: &StorageKey,
        data: &'a [u8],
    ) -> io::Result<std::borrow::Cow<'a, [u8]>> {
        Ok(self.inner.seal.seal(&file_role(&key.to_string()), data)?)
    }

    /// The content of the file of `key` at `path`: a sealed file that does not open (flipped
    /// bytes, moved from another name) is an error naming it.
    pub(super) fn read_file(&self, key: &StorageKey, path: &Path) -> io::Result<Vec<u8>> {
        self.read_file_joined(&key.to_string(), path)
    }

    pub(super) fn read_file_joined(&self, key: &str, path: &Path) -> io::Result<Vec<u8>> {
        let bytes = fs::read(path)?;
        match self.inner.seal.open(&file_role(key), &bytes) {
            Ok(std::borrow::Cow::Borrowed(_)) => Ok(bytes),
            Ok(std::borrow::Cow::Owned(plain)) => Ok(plain),
            Err(e) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}：{e}", path.display()),
            )),
        }
    }

    /// Whether the file of `key` at `path` holds `data` already (content-addressed files
    /// are written once).
    pub(super) fn holds_file(&self, key: &StorageKey, path: &Path, data: &[u8]) -> bool {
        self.read_file(key, path)
            .is_ok_and(|existing| existing == data)
    }

    /// Where the files of document `id` live.
    pub(crate) fn document_dir(&self, id: &str) -> PathBuf {
        // Split the document id like the nodefs adapter, to keep directories small.
        if id.len() > 2 {
            self.inner.root.join(&id[..2]).join(&id[2..])
        } else {
            self.inner.root.join(id)
        }
    }

    fn path_of(&self, key: &StorageKey) -> PathBuf {
        let mut parts = key.into_iter();
        let mut path = match parts.next() {
            Some(first) => self.document_dir(first),
            None => self.inner.root.clone(),
        };
        for part in parts {
            path.push(part);
        }
        path
    }

    fn key_of(&self, path: &Path) -> Option<StorageKey> {
        let rel = path.strip_prefix(&self.inner.root).ok()?;
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
        let target = self.inner.quarantine.join(format!(
            "{}-{name}",
            crate::time::now_cst().format("%Y%m%dT%H%M%S")
        ));
        let moved =
            fs::create_dir_all(&self.inner.quarantine).and_then(|_| fs::rename(path, &target));
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

    /// Reads every file under `prefix`, checking each chunk (damaged ones are
    /// quarantined), and the pending changes there as if they were files.
    fn load_range_blocking(&self, prefix: &StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let mut out = HashMap::new();
        let _reading = self.reading();
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
                match self.read_file(&key, &path) {
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
        // Checked when committed, and marked durable then.
        out.extend(self.pending_under(prefix));
        self.lock().read_whole.insert(prefix.to_string());
        out
    }

    fn put_blocking(&self, key: &StorageKey, data: &[u8]) -> io::Result<()> {
        let path = self.path_of(key);
        let invalid = |reason: String| io::Error::new(io::ErrorKind::InvalidData, reason);
        check_chunk(key, data).map_err(invalid)?;
        if self.holds_file(key, &path, data) {
            // samod re-saves what it loads (its record of what is on disk starts empty in
            // every process), and every process re-puts a document's genesis. Files are
            // content-addressed, so identical bytes are already written and verified:
            // don't write or fsync them again.
            self.note_loaded(key, data);
            return Ok(());
        }
        write_atomically(&path, &self.seal_file(key, data)?)?;
        let hashes = if is_snapshot(key) {
            // Read the snapshot back and load it before samod is told it is saved,
            // because samod then deletes the incrementals it replaces.
            let back = self.read_file(key, &path)?;
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
        for earlier in earlier_quarantined(&self.inner.quarantine) {
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
        let mut kept: Vec<PathBuf> = fs::read_dir(&dir)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        kept.sort();
        let excess = kept.len().saturating_sub(retention.keep);
        for old in &kept[..excess] {
            remove(old)?;
        }
        sync_dir(&dir)
    }
}

/// What a document file's seal binds it to: its storage key (`<doc>/incremental/<hash>`).
pub(crate) fn file_role(key: &str) -> String {
    format!("documents/{key}")
}

/// The journal directory of the storage rooted at `root`.
pub(crate) fn journal_dir_of(root: &Path) -> PathBuf {
    let mut name = root.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
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

impl Storage for DurableStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        if let Some((_, bytes)) = self
            .pending_under(&key)
            .into_iter()
            .find(|(k, _)| *k == key)
        {
            return Some(bytes);
        }
        let path = self.path_of(&key);
        let this = self.clone();
        let read = engine::on_worker(move || match this.read_file(&key, &path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::error!(file = %path.display(), error = %e, "cannot read");
                None
            }
        });
        read.await.ok().flatten()
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let this = self.clone();
        engine::on_worker(move || this.load_range_blocking(&prefix))
            .await
            .unwrap_or_default()
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        if let Err(e) = self.commit(key.clone(), data, false).await {
            self.fail(format!("{key}: {e}"));
        }
    }

    async fn delete(&self, key: StorageKey) {
        // The storage compacts documents itself (checkpoint.rs), and samod's snapshots are
        // never written whole, so what samod asks to delete may be all there is of a
        // change: nothing is deleted on its word.
        tracing::trace!(%key, "samod delete ignored: the storage compacts on its own");
    }
}

#[cfg(test)]
mod tests;
