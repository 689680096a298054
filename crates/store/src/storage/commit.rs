//! One storage's part of a group commit, and the replay of its journal at open.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::sync::atomic::Ordering;
use std::time::Instant;

use automerge::{Automerge, ChangeHash, ReadDoc};
use samod::storage::StorageKey;
use tokio::sync::oneshot;

use super::engine::{self, Job};
use super::files::{COUNTERS, count, sync_file, write_unsynced};
use super::journal::Journal;
use super::pending::Pending;
use super::{DurableStorage, StorageProblem, check_chunk, incremental_hash};
use super::{is_snapshot, snapshot_heads, sync_dir};

/// A change to journal: its key (parts joined by `/`), its file and its bytes.
struct Entry {
    doc: String,
    key: String,
    hash: ChangeHash,
    data: Vec<u8>,
}

/// Changes handed to the committer by [`DurableStorage::queue_change`].
pub(crate) struct Queued {
    answers: Vec<oneshot::Receiver<io::Result<()>>>,
}

impl Queued {
    /// Waits until every queued change is durable, or reports why one is not.
    pub(crate) async fn durable(self) -> io::Result<()> {
        for answer in self.answers {
            answer
                .await
                .map_err(|_| io::Error::other("the storage committer stopped"))??;
        }
        Ok(())
    }
}

fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason)
}

impl DurableStorage {
    /// Hands `data` to the committer and waits until it is durable. `urgent`: a person
    /// waits for it, so the batch commits at once.
    pub(super) async fn commit(
        &self,
        key: StorageKey,
        data: Vec<u8>,
        urgent: bool,
    ) -> io::Result<()> {
        let (done, answer) = oneshot::channel();
        engine::submit(Job {
            storage: self.clone(),
            key,
            data,
            urgent,
            done,
        });
        answer
            .await
            .map_err(|_| io::Error::other("the storage committer stopped"))?
    }

    /// Puts `data` under `key` without waiting for the commit window (a document's
    /// genesis, written as a document is created); a failure poisons the storage.
    pub(crate) async fn put_now(&self, key: StorageKey, data: Vec<u8>) {
        if let Err(e) = self.commit(key.clone(), data, true).await {
            self.fail(format!("{key}: {e}"));
        }
    }

    /// Queues a change this process has just made to `doc`, after those of its ancestors
    /// that the storage neither holds nor has queued; [`Queued::durable`] then waits for
    /// all of them. Call it while the document is still locked: the committer writes in
    /// the order it is handed work, so the journal never holds a change ahead of its
    /// parents. Otherwise two writers of one document race — the second's change, which
    /// depends on the first's, is journaled and acknowledged, a `kill -9` lands before the
    /// first is queued, and on reload automerge holds back the acknowledged change for
    /// want of its parent.
    pub(crate) fn queue_change(
        &self,
        document_id: &str,
        doc: &Automerge,
        hash: ChangeHash,
    ) -> io::Result<Queued> {
        let mut unqueued = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![hash];
        while let Some(h) = stack.pop() {
            if !seen.insert(h) || self.is_on_disk_or_queued(document_id, &h) {
                continue;
            }
            let change = doc.get_change_by_hash(&h).ok_or_else(|| {
                invalid(format!(
                    "change {h} of {document_id} is not in the document"
                ))
            })?;
            stack.extend(change.deps().iter().copied());
            unqueued.push(change);
        }
        // Parents first (the walk found children first), though a writer waits for all.
        unqueued.reverse();
        let mut answers = Vec::with_capacity(unqueued.len());
        for change in unqueued {
            let key = StorageKey::from_parts([
                document_id.to_owned(),
                "incremental".to_owned(),
                change.hash().to_string(),
            ])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
            self.note_queued(document_id, change.hash());
            let (done, answer) = oneshot::channel();
            engine::submit(Job {
                storage: self.clone(),
                key,
                data: change.raw_bytes().to_vec(),
                urgent: true,
                done,
            });
            answers.push(answer);
        }
        Ok(Queued { answers })
    }

    /// The committer's work for this storage's writes of one batch: one journal append
    /// and `fdatasync` for all of them; then every write is answered.
    pub(super) fn commit_group(&self, jobs: Vec<Job>) {
        if self.inner.closed.load(Ordering::Acquire) {
            // After close nothing journals: each write is written and fsynced alone.
            for job in jobs {
                let _ = job.done.send(self.put_blocking(&job.key, &job.data));
            }
            return;
        }
        let mut entries: Vec<Entry> = Vec::new();
        let mut in_batch: HashSet<(String, ChangeHash)> = HashSet::new();
        let mut waiting = Vec::new();
        for job in jobs {
            let Some(doc) = (&job.key).into_iter().next().cloned() else {
                let _ = job.done.send(Err(invalid("empty storage key".into())));
                continue;
            };
            let found = if is_snapshot(&job.key) {
                self.snapshot_changes(&doc, &job.data, &in_batch)
            } else if (&job.key)
                .into_iter()
                .nth(1)
                .is_some_and(|p| p == "incremental")
            {
                self.incremental_change(&doc, &job.key, &job.data)
            } else {
                // Anything else (samod's storage id): rare, written alone.
                let _ = job.done.send(self.put_blocking(&job.key, &job.data));
                continue;
            };
            match found {
                Ok(new) => {
                    for entry in new {
                        if in_batch.insert((entry.doc.clone(), entry.hash)) {
                            entries.push(entry);
                        }
                    }
                    waiting.push(job.done);
                }
                Err(Fallback::Invalid(e)) => {
                    let _ = job.done.send(Err(e));
                }
                Err(Fallback::WriteWhole) => {
                    // A snapshot whose new changes could not be found: written whole, as
                    // samod meant it (verified before it counts).
                    let _ = job.done.send(self.put_blocking(&job.key, &job.data));
                }
            }
        }
        let result = self.journal_entries(&entries);
        if let Err(e) = &result {
            self.fail(format!("group commit of {} changes: {e}", entries.len()));
        }
        for done in waiting {
            let _ = done.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
            });
        }
    }

    /// An incremental put: its change, unless it is already on disk.
    fn incremental_change(
        &self,
        doc: &str,
        key: &StorageKey,
        data: &[u8],
    ) -> Result<Vec<Entry>, Fallback> {
        let hash = match incremental_hash(key, data) {
            Ok(Some(h)) => h,
            Ok(None) => return Err(Fallback::WriteWhole),
            Err(reason) => return Err(Fallback::Invalid(invalid(reason))),
        };
        if self.is_on_disk(doc, &hash) {
            return Ok(Vec::new());
        }
        // samod re-saves what it loads and every process re-puts a document's genesis:
        // identical bytes already in place were checked when they were read (a pending
        // change of this process is on disk already, above). Once a document's files were
        // all read, what they hold is known: a live stream's new changes cost no lookup.
        let read_whole = {
            let state = self.lock();
            state.read_whole.contains(doc)
                || state.read_whole.contains(&format!("{doc}/incremental"))
        };
        let path = self.path_of(key);
        if !read_whole && self.holds_file(key, &path, data) {
            self.mark_durable(doc, [hash]);
            return Ok(Vec::new());
        }
        Ok(vec![Entry {
            doc: doc.to_owned(),
            key: key.to_string(),
            hash,
            data: data.to_vec(),
        }])
    }

    /// A samod snapshot (samod compacts every ~10 changes): only the changes it holds
    /// that are not on disk yet, taken from the document samod holds (or, failing that,
    /// from the snapshot itself), so a live stream does not rewrite whole documents.
    fn snapshot_changes(
        &self,
        doc: &str,
        data: &[u8],
        in_batch: &HashSet<(String, ChangeHash)>,
    ) -> Result<Vec<Entry>, Fallback> {
        let Some(heads) = snapshot_heads(data) else {
            return Err(Fallback::WriteWhole);
        };
        let known =
            |h: &ChangeHash| in_batch.contains(&(doc.to_owned(), *h)) || self.is_on_disk(doc, h);
        if heads.iter().all(known) {
            return Ok(Vec::new());
        }
        let handle = self.lock().handles.get(doc).cloned();
        let from_handle =
            handle.and_then(|h| h.with_document(|d| missing_changes(doc, d, &heads, &known)));
        if let Some(entries) = from_handle {
            return Ok(entries);
        }
        let loaded = Automerge::load(data)
            .map_err(|e| Fallback::Invalid(invalid(format!("snapshot does not load: {e}"))))?;
        missing_changes(doc, &loaded, &heads, &known).ok_or(Fallback::WriteWhole)
    }

    /// Appends `entries` to the journal (one `fdatasync`); from then on they are pending:
    /// no file is written for them until a checkpoint decides what they become.
    fn journal_entries(&self, entries: &[Entry]) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut log = self.log();
        let journal = log.open_journal()?;
        journal.append(entries.iter().map(|e| (e.key.as_str(), e.data.as_slice())))?;
        count(&COUNTERS.commits, 1);
        count(&COUNTERS.committed_writes, entries.len() as u64);
        let (segment, committed) = (journal.seq(), Instant::now());
        // Visible to loads before anyone is told it is saved.
        let mut pending = self.pending();
        for e in entries {
            pending.entry(e.doc.clone()).or_default().push(Pending {
                key: e.key.clone(),
                data: e.data.clone(),
                committed,
                carried: 0,
                segment,
            });
        }
        drop(pending);
        log.fresh = true;
        drop(log);
        let mut by_doc: HashMap<&str, Vec<ChangeHash>> = HashMap::new();
        for e in entries {
            by_doc.entry(&e.doc).or_default().push(e.hash);
        }
        for (doc, hashes) in by_doc {
            self.mark_durable(doc, hashes);
        }
        Ok(())
    }

    pub(super) fn path_of_joined(&self, key: &str) -> std::path::PathBuf {
        match StorageKey::from_parts(key.split('/')) {
            Ok(k) => self.path_of(&k),
            Err(_) => self.inner.root.join(key),
        }
    }

    /// Opens the journal; what an earlier session left in it is put in its files again
    /// where a crash left them missing or torn, made durable there, and the old segments
    /// go. A damaged segment is kept in quarantine and reported.
    pub(super) fn replay(&self) -> io::Result<()> {
        let dir = self.journal_dir();
        let (mut journal, replay) = Journal::open(&dir, &self.inner.seal)?;
        let mut rewritten = 0;
        let mut dirs = HashSet::new();
        for record in &replay.records {
            let path = self.path_of_joined(&record.key);
            let Ok(key) = StorageKey::from_parts(record.key.split('/')) else {
                continue;
            };
            if check_chunk(&key, &record.data).is_err() {
                continue;
            }
            let on_disk = self.read_file_joined(&record.key, &path);
            if !on_disk.is_ok_and(|on_disk| on_disk == record.data) {
                let sealed = self
                    .inner
                    .seal
                    .seal(&super::file_role(&record.key), &record.data)?;
                write_unsynced(&path, &sealed)?;
                rewritten += 1;
            }
            sync_file(&path)?;
            if let Some(parent) = path.parent() {
                dirs.insert(parent.to_owned());
            }
        }
        for d in &dirs {
            sync_dir(d)?;
        }
        for damaged in &replay.damaged {
            self.quarantine_segment(damaged);
        }
        for old in journal.take_sealed() {
            super::remove(&old)?;
        }
        if !replay.records.is_empty() {
            tracing::info!(
                records = replay.records.len(),
                rewritten,
                "storage journal replayed after an unclean stop"
            );
        }
        self.log().journal = Some(journal);
        Ok(())
    }

    fn quarantine_segment(&self, segment: &std::path::Path) {
        let name = segment
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = self.inner.quarantine.join(format!(
            "{}-journal-{name}",
            crate::time::now_cst().format("%Y%m%dT%H%M%S")
        ));
        let reason = "日志段有损坏的记录，其后的记录已读取 (journal segment has a damaged record)";
        let copied =
            fs::create_dir_all(&self.inner.quarantine).and_then(|_| fs::copy(segment, &target));
        if let Err(e) = super::write_atomically(
            &target.with_extension("reason"),
            format!("journal\n{reason}\n").as_bytes(),
        ) {
            tracing::warn!(error = %e, "could not record why a journal segment was quarantined");
        }
        tracing::error!(segment = %segment.display(), "damaged storage journal segment");
        self.lock().problems.push(StorageProblem {
            document_id: "journal".into(),
            quarantined_to: if copied.is_ok() {
                target
            } else {
                segment.to_owned()
            },
            reason: reason.into(),
        });
    }
}

enum Fallback {
    /// The bytes are not what their key says: refused.
    Invalid(io::Error),
    /// Written whole, the old way.
    WriteWhole,
}

/// The changes behind `heads` that `known` does not have, walking back from the heads;
/// `None` when `doc` lacks one of them.
fn missing_changes(
    doc_id: &str,
    doc: &Automerge,
    heads: &[ChangeHash],
    known: &dyn Fn(&ChangeHash) -> bool,
) -> Option<Vec<Entry>> {
    let mut stack: Vec<ChangeHash> = heads.to_vec();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while let Some(hash) = stack.pop() {
        if known(&hash) || !seen.insert(hash) {
            continue;
        }
        let change = doc.get_change_by_hash(&hash)?;
        stack.extend(change.deps().iter().copied());
        out.push(Entry {
            doc: doc_id.to_owned(),
            key: format!("{doc_id}/incremental/{hash}"),
            hash,
            data: change.raw_bytes().to_vec(),
        });
    }
    // Oldest first, so a replay writes a change before the ones that depend on it.
    out.reverse();
    Some(out)
}
