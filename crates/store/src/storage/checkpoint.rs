//! Checkpoints: letting the journal go once what it holds is safe in the documents'
//! files, compacting the documents that gathered enough changes on the way.
//!
//! At a checkpoint the committer starts a new journal segment, copies into it the records
//! of documents that are not due for compaction (cheap: a few changes each), and hands the
//! due documents to a disk worker. The worker compacts each (every file of the document
//! loaded, saved as one snapshot, fsynced, read back and loaded, and only then the files
//! it replaces removed), then removes the sealed segments. A document is compacted only
//! when it pays (enough changes or bytes waiting) and at most once per
//! [`StoragePolicy::compact_every`].

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use automerge::{Automerge, ChangeHash};
use sha2::{Digest, Sha256};

use super::files::{COUNTERS, count, remove, sync_dir, sync_file, write_atomically};
use super::{DurableStorage, Log, Pending, StoragePolicy, engine};
use super::{check_chunk, is_snapshot};

/// Whether a document's waiting changes are worth a compaction.
fn pays(pending: &[Pending], policy: &StoragePolicy) -> bool {
    pending.len() >= policy.compact_changes
        || pending.iter().map(|p| p.data.len()).sum::<usize>() >= policy.compact_bytes
}

impl DurableStorage {
    /// Runs a checkpoint if one is due (on the committer, between batches).
    pub(super) fn checkpoint_if_due(&self) {
        if self.inner.closed.load(Ordering::Acquire) || self.failure().is_some() {
            return;
        }
        let mut log = self.log();
        let due = log.journal.as_ref().is_some_and(|j| {
            j.bytes >= log.policy.checkpoint_bytes
                || (log.fresh && log.last_checkpoint.elapsed() >= log.policy.checkpoint_every)
        });
        if !due || log.checkpoint_running {
            return;
        }
        let now = Instant::now();
        let policy = log.policy;
        let Log {
            journal,
            pending,
            last_compaction,
            ..
        } = &mut *log;
        let Some(journal) = journal.as_mut() else {
            return;
        };
        let mut compact = Vec::new();
        let mut carried = Vec::new();
        for (doc, waiting) in pending.drain() {
            let rested = last_compaction
                .get(&doc)
                .is_none_or(|t| now.duration_since(*t) >= policy.compact_every);
            if rested && pays(&waiting, &policy) {
                last_compaction.insert(doc.clone(), now);
                compact.push(doc);
            } else {
                carried.push((doc, waiting));
            }
        }
        let step = journal.rotate().and_then(|sealed| {
            journal.append(
                carried
                    .iter()
                    .flat_map(|(_, w)| w.iter().map(|p| (p.key.as_str(), p.data.as_slice()))),
            )?;
            Ok(sealed)
        });
        pending.extend(carried);
        log.fresh = false;
        log.last_checkpoint = now;
        let sealed = match step {
            Ok(sealed) => sealed,
            Err(e) => {
                drop(log);
                self.fail(format!("journal checkpoint: {e}"));
                return;
            }
        };
        log.checkpoint_running = true;
        drop(log);
        let this = self.clone();
        // The answer is not awaited: the worker reports through the storage itself.
        drop(engine::on_worker(move || {
            this.finish_checkpoint(&compact, &sealed);
        }));
    }

    /// On a disk worker: compacts the due documents, then lets the sealed segments go.
    fn finish_checkpoint(&self, compact: &[String], sealed: &[PathBuf]) {
        let mut result = Ok(());
        for doc in compact {
            if let Err(e) = self.compact(doc) {
                result = Err(format!("compacting {doc}: {e}"));
                break;
            }
        }
        let result = result.and_then(|()| {
            sealed
                .iter()
                .try_for_each(|s| remove(s))
                .map_err(|e| format!("removing a journal segment: {e}"))
        });
        if let Err(e) = result {
            // The sealed segments stay: the next open replays them.
            self.fail(e);
        }
        let mut log = self.log();
        log.checkpoint_running = false;
        drop(log);
        self.inner.checkpoint_done.notify_all();
    }

    /// Compacts document `doc`: all its files become one verified snapshot, and the
    /// files it replaces go.
    pub(super) fn compact(&self, doc: &str) -> io::Result<()> {
        let dir = self.document_dir(doc);
        let inputs = document_files(&dir)?;
        if inputs.is_empty() {
            return Ok(());
        }
        let mut loaded = Automerge::new();
        let mut used = Vec::new();
        for path in &inputs {
            let Some(key) = self.key_of(path) else {
                continue;
            };
            let bytes = fs::read(path)?;
            // A damaged file is left for the next load to quarantine and report.
            if check_chunk(&key, &bytes).is_err() || loaded.load_incremental(&bytes).is_err() {
                continue;
            }
            used.push((key, path.clone()));
        }
        let mut heads = loaded.get_heads();
        heads.sort();
        let bytes = loaded.save();
        let name = compaction_name(&heads);
        let snapshot_dir = dir.join("snapshot");
        let target = snapshot_dir.join(&name);
        write_atomically(&target, &bytes)?;
        // Read back and loaded before anything it replaces is removed.
        let back = fs::read(&target)?;
        let mut back_heads = Automerge::load(&back)
            .map_err(|e| io::Error::other(format!("compacted snapshot does not load: {e}")))?
            .get_heads();
        back_heads.sort();
        if back != bytes || back_heads != heads {
            return Err(io::Error::other(
                "compacted snapshot read back differs from what was written",
            ));
        }
        count(&COUNTERS.compactions, 1);
        let retention = self.lock().retention.clone();
        for (key, path) in used {
            if path == target {
                continue;
            }
            match retention.as_ref().filter(|_| is_snapshot(&key)) {
                Some(r) => self.retire_snapshot(&key, &path, r)?,
                None => remove(&path)?,
            }
        }
        // Removals need not be durable: a file that comes back holds changes the snapshot
        // has too.
        Ok(())
    }

    /// Closes the storage: every change waiting in the journal is made durable in its
    /// file (or its document compacted), and the journal is removed. Writes after this
    /// are written and fsynced one by one.
    pub fn close(&self) {
        let mut log = self.log();
        while log.checkpoint_running {
            log = self
                .inner
                .checkpoint_done
                .wait(log)
                .unwrap_or_else(|p| p.into_inner());
        }
        self.inner.closed.store(true, Ordering::Release);
        let pending: Vec<(String, Vec<Pending>)> = log.pending.drain().collect();
        let policy = log.policy;
        let journal = log.journal.take();
        drop(log);
        if self.failure().is_some() {
            // Leave the journal for the next open to replay.
            return;
        }
        let mut result = Ok(());
        let mut dirs = HashSet::new();
        for (doc, waiting) in &pending {
            let step = if pays(waiting, &policy) {
                self.compact(doc)
            } else {
                waiting.iter().try_for_each(|p| {
                    if let Some(parent) = p.path.parent() {
                        dirs.insert(parent.to_owned());
                    }
                    match sync_file(&p.path) {
                        // Compacted away meanwhile: the snapshot holds it.
                        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                        other => other,
                    }
                })
            };
            if let Err(e) = step {
                result = Err(e);
                break;
            }
        }
        let result = result
            .and_then(|()| dirs.iter().try_for_each(|d| sync_dir(d)))
            .and_then(|()| match journal {
                Some(mut j) => j.remove_all(),
                None => Ok(()),
            });
        if let Err(e) = result {
            // The journal stays: the next open replays it.
            self.fail(format!("closing the storage: {e}"));
        }
    }

    /// Stops journalling without a checkpoint (the store was dropped without `close`):
    /// the journal stays for the next open to replay.
    pub(crate) fn detach(&self) {
        self.inner.closed.store(true, Ordering::Release);
    }
}

/// Every file of a document directory (snapshots and incrementals, no temp files).
fn document_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
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

/// A snapshot's file name: the SHA-256 of its sorted heads, as samod names its own.
fn compaction_name(heads: &[ChangeHash]) -> String {
    let mut hasher = Sha256::new();
    for h in heads {
        hasher.update(h.as_ref());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
