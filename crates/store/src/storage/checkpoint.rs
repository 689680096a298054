//! Checkpoints: letting the journal go once what it holds is safe elsewhere, compacting
//! the documents that gathered enough changes on the way.
//!
//! At a checkpoint the committer starts a new journal segment and sorts the documents
//! with pending changes: *compact* (enough changes or bytes wait, and it was not compacted
//! within [`StoragePolicy::compact_every`]), *write* (one of its changes was carried by
//! [`StoragePolicy::carry_checkpoints`] checkpoints or waited [`StoragePolicy::carry_for`]:
//! its files are written and fsynced), or *carry*. A disk worker then compacts each due
//! document (its files and pending changes loaded, saved as one snapshot, fsynced, read
//! back and loaded, and only then the files and pending changes it replaces dropped),
//! writes the files of the others that waited too long, copies into the new segment the
//! records of every change still pending only in the old segments, and only then removes
//! the old segments.

use std::collections::HashSet;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

use automerge::{Automerge, ChangeHash};
use sha2::{Digest, Sha256};

use super::files::{COUNTERS, count, remove, sync_dir, write_atomically, write_synced};
use super::pending::{Pending, document_files};
use super::{DurableStorage, StoragePolicy, engine};
use super::{check_chunk, is_snapshot};

/// Whether a document's waiting changes are worth a compaction.
fn pays(pending: &[Pending], policy: &StoragePolicy) -> bool {
    pending.len() >= policy.compact_changes
        || pending.iter().map(|p| p.data.len()).sum::<usize>() >= policy.compact_bytes
}

/// At a close, compacting a document costs one fsync against one per change written:
/// worth it for fewer changes than at a checkpoint.
fn pays_at_close(pending: &[Pending], policy: &StoragePolicy) -> bool {
    pending.len().saturating_mul(4) >= policy.compact_changes
        || pending
            .iter()
            .map(|p| p.data.len())
            .sum::<usize>()
            .saturating_mul(4)
            >= policy.compact_bytes
}

/// The change hash a pending change's or an incremental file's name carries.
fn named_hash(name: &str) -> Option<ChangeHash> {
    name.rsplit('/').next()?.parse().ok()
}

/// What a checkpoint's disk worker does.
struct Plan {
    compact: Vec<String>,
    write: Vec<String>,
    /// The segments sealed at the rotation…
    sealed: Vec<PathBuf>,
    /// …all numbered below this one.
    sealed_below: u64,
}

impl DurableStorage {
    /// Runs a checkpoint if one is due (on the committer, between batches).
    pub(super) fn checkpoint_if_due(&self) {
        if self.inner.closed.load(Ordering::Acquire) || self.failure().is_some() {
            return;
        }
        let mut log = self.log();
        let policy = log.policy;
        let Some(bytes) = log.journal.as_ref().map(|j| j.bytes) else {
            return;
        };
        let since = log.last_checkpoint.elapsed();
        let due = bytes >= policy.checkpoint_bytes
            || (log.fresh && since >= policy.checkpoint_every)
            // Changes carried in a journal nothing is written to any more still get
            // their files in time.
            || (since >= policy.carry_for && !self.pending().is_empty());
        if !due || log.checkpoint_running {
            return;
        }
        let now = Instant::now();
        let (mut compact, mut write) = (Vec::new(), Vec::new());
        for (doc, waiting) in self.pending().iter() {
            let rested = log
                .last_compaction
                .get(doc)
                .is_none_or(|t| now.duration_since(*t) >= policy.compact_every);
            if rested && pays(waiting, &policy) {
                log.last_compaction.insert(doc.clone(), now);
                compact.push(doc.clone());
            } else if waiting.iter().any(|p| {
                p.carried >= policy.carry_checkpoints
                    || now.duration_since(p.committed) >= policy.carry_for
            }) {
                write.push(doc.clone());
            }
        }
        let Some(journal) = log.journal.as_mut() else {
            return;
        };
        let rotated = journal.rotate().map(|sealed| (sealed, journal.seq()));
        log.fresh = false;
        log.last_checkpoint = now;
        let (sealed, sealed_below) = match rotated {
            Ok(r) => r,
            Err(e) => {
                drop(log);
                self.fail(format!("journal checkpoint: {e}"));
                return;
            }
        };
        log.checkpoint_running = true;
        drop(log);
        let plan = Plan {
            compact,
            write,
            sealed,
            sealed_below,
        };
        let this = self.clone();
        // The answer is not awaited: the worker reports through the storage itself.
        drop(engine::on_worker(move || this.finish_checkpoint(&plan)));
    }

    /// On a disk worker: compacts and writes what is due, carries the rest into the
    /// current segment, then lets the sealed segments go.
    fn finish_checkpoint(&self, plan: &Plan) {
        let result = (|| -> Result<(), String> {
            for doc in &plan.compact {
                self.compact(doc)
                    .map_err(|e| format!("compacting {doc}: {e}"))?;
            }
            for doc in &plan.write {
                let old: Vec<Pending> = self
                    .pending_of(doc)
                    .into_iter()
                    .filter(|p| p.segment < plan.sealed_below)
                    .collect();
                self.write_pending(doc, &old)
                    .map_err(|e| format!("writing the files of {doc}: {e}"))?;
            }
            self.carry(plan.sealed_below)
                .map_err(|e| format!("carrying journal records: {e}"))?;
            plan.sealed
                .iter()
                .try_for_each(|s| remove(s))
                .map_err(|e| format!("removing a journal segment: {e}"))
        })();
        if let Err(e) = result {
            // The sealed segments stay: the next open replays them.
            self.fail(e);
        }
        let mut log = self.log();
        log.checkpoint_running = false;
        drop(log);
        self.inner.checkpoint_done.notify_all();
    }

    /// Appends to the current segment the record of every change still pending whose
    /// newest record is in a segment numbered below `sealed_below`.
    fn carry(&self, sealed_below: u64) -> io::Result<()> {
        let old: Vec<(String, Vec<u8>)> = self
            .pending()
            .values()
            .flatten()
            .filter(|p| p.segment < sealed_below)
            .map(|p| (p.key.clone(), p.data.clone()))
            .collect();
        if old.is_empty() {
            return Ok(());
        }
        let mut log = self.log();
        let journal = log.open_journal()?;
        journal.append(old.iter().map(|(k, d)| (k.as_str(), d.as_slice())))?;
        let seq = journal.seq();
        let carried: HashSet<&str> = old.iter().map(|(k, _)| k.as_str()).collect();
        for p in self.pending().values_mut().flatten() {
            if p.segment < sealed_below && carried.contains(p.key.as_str()) {
                p.segment = seq;
                p.carried += 1;
            }
        }
        Ok(())
    }

    /// Gives pending changes of `doc` their own files, durably (each written to a temp
    /// file, fsynced and renamed, then each directory fsynced once), and drops them from
    /// the pending set.
    fn write_pending(&self, doc: &str, entries: &[Pending]) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut dirs = HashSet::new();
        for p in entries {
            let path = self.path_of_joined(&p.key);
            let sealed = self.inner.seal.seal(&super::file_role(&p.key), &p.data)?;
            write_synced(&path, &sealed)?;
            if let Some(parent) = path.parent() {
                dirs.insert(parent.to_owned());
            }
        }
        for d in &dirs {
            sync_dir(d)?;
        }
        let keys = entries.iter().map(|p| p.key.clone()).collect();
        let _replacing = self.replacing();
        self.forget_pending(doc, &keys);
        Ok(())
    }

    /// Compacts document `doc`: its files and pending changes become one verified
    /// snapshot, and what it replaces goes (under [`Self::replacing`], so a load sees the
    /// document before or after, whole either way).
    pub(super) fn compact(&self, doc: &str) -> io::Result<()> {
        let dir = self.document_dir(doc);
        let inputs = document_files(&dir)?;
        let pending = self.pending_of(doc);
        if inputs.is_empty() && pending.is_empty() {
            return Ok(());
        }
        let mut loaded = Automerge::new();
        let mut files = Vec::new();
        for path in &inputs {
            let Some(key) = self.key_of(path) else {
                continue;
            };
            // A damaged file (a sealed one that does not open too) is left for the next
            // load to quarantine and report.
            let bytes = match self.read_file(&key, path) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::InvalidData => continue,
                Err(e) => return Err(e),
            };
            if check_chunk(&key, &bytes).is_err() || loaded.load_incremental(&bytes).is_err() {
                continue;
            }
            files.push((key, path.clone()));
        }
        for p in &pending {
            // Checked when committed; one that does not load stays pending.
            let _ = loaded.load_incremental(&p.data);
        }
        // A change whose dependencies are missing waits in automerge's queue and is not
        // saved: its file or pending change stays.
        let held = |name: &str| {
            named_hash(name).is_some_and(|h| loaded.get_change_meta_by_hash(&h).is_some())
        };
        let files: Vec<_> = files
            .into_iter()
            .filter(|(key, path)| is_snapshot(key) || held(&path.to_string_lossy()))
            .collect();
        let superseded: HashSet<String> = pending
            .iter()
            .filter(|p| held(&p.key))
            .map(|p| p.key.clone())
            .collect();
        let mut heads = loaded.get_heads();
        heads.sort();
        let bytes = loaded.save();
        let name = compaction_name(&heads);
        let target = dir.join("snapshot").join(&name);
        let target_key = format!("{doc}/snapshot/{name}");
        let sealed = self
            .inner
            .seal
            .seal(&super::file_role(&target_key), &bytes)?;
        write_atomically(&target, &sealed)?;
        // Read back and loaded before anything it replaces goes.
        let back = self.read_file_joined(&target_key, &target)?;
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
        let _replacing = self.replacing();
        for (key, path) in files {
            if path == target {
                continue;
            }
            match retention.as_ref().filter(|_| is_snapshot(&key)) {
                Some(r) => self.retire_snapshot(&key, &path, r)?,
                None => remove(&path)?,
            }
        }
        self.forget_pending(doc, &superseded);
        // Removals need not be durable: a file that comes back holds changes the snapshot
        // has too.
        Ok(())
    }

    /// Closes the storage: every pending change is compacted into its document's snapshot
    /// or written to its file, durably, and the journal is removed. Writes after this are
    /// written and fsynced one by one.
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
        let policy = log.policy;
        let journal = log.journal.take();
        drop(log);
        if self.failure().is_some() {
            // Leave the journal for the next open to replay.
            return;
        }
        let docs: Vec<String> = self.pending().keys().cloned().collect();
        let result = docs
            .iter()
            .try_for_each(|doc| {
                if pays_at_close(&self.pending_of(doc), &policy) {
                    self.compact(doc)?;
                }
                // What compaction left out, or all of a document not worth compacting.
                self.write_pending(doc, &self.pending_of(doc))
            })
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
