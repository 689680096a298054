//! The storage's own tests; the crash tests are in `tests/tests/crash.rs`.
use super::chunk::check_document_checksum;
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

thread_local! {
    /// The seal of the storages a test opens: plain, or (the `sealed` module's runs) one
    /// data key for the whole test, so a storage reopened after a "crash" reads its files.
    static SEAL: std::cell::RefCell<crate::seal::Seal> =
        std::cell::RefCell::new(crate::seal::Seal::plain());
}

fn storage(dir: &Path) -> DurableStorage {
    let seal = SEAL.with(|s| s.borrow().clone());
    DurableStorage::sealed(dir.join("docs"), dir.join("quarantine"), seal).unwrap()
}

/// A document file's content, opened as the storage opens it (sealed or not).
fn plain_file(storage: &DurableStorage, path: &Path) -> Vec<u8> {
    storage
        .read_file(&storage.key_of(path).unwrap(), path)
        .unwrap()
}

/// The storage tests again on an encrypted directory: the same guarantees, sealed files.
mod sealed {
    use super::*;

    fn sealed(test: fn()) {
        SEAL.with(|s| *s.borrow_mut() = crate::seal::Seal::new(&crate::seal::DataKey::generate()));
        test();
        SEAL.with(|s| *s.borrow_mut() = crate::seal::Seal::plain());
    }

    macro_rules! sealed_tests {
        ($($name:ident),* $(,)?) => {
            $(
                #[test]
                fn $name() {
                    sealed(super::$name);
                }
            )*
        };
    }

    sealed_tests!(
        a_burst_of_writes_shares_one_journal_sync,
        a_snapshot_from_samod_is_kept_as_the_changes_it_adds,
        a_change_acknowledged_before_its_parent_was_queued_brings_the_parent_along,
        replay_after_a_crash_restores_files_the_crash_tore_or_lost,
        a_checkpoint_compacts_a_busy_document_and_drops_the_old_segment,
        superseded_snapshots_are_kept_up_to_the_limit_then_the_oldest_go,
        a_failed_write_poisons_the_storage_and_fails_the_waiting_writers,
        a_close_that_cannot_write_the_files_keeps_the_journal,
        a_load_during_checkpoints_sees_every_acknowledged_change,
        a_document_carried_for_many_checkpoints_gets_its_files,
        changes_that_waited_too_long_get_their_files_without_further_writes,
    );

    /// What a stolen disk shows of a sealed storage: no text of any change, in any file
    /// or journal segment, whether the process closed or died.
    #[test]
    fn no_file_of_a_sealed_storage_holds_a_change_s_text() {
        sealed(|| {
            for close in [false, true] {
                let dir = tempfile::tempdir().unwrap();
                let storage = storage(dir.path());
                let rt = runtime();
                let (_, changes) = changes(30);
                for c in &changes {
                    let (key, bytes) = incremental("abcdefgh", c);
                    rt.block_on(Storage::put(&storage, key, bytes));
                }
                if close {
                    storage.close();
                } else {
                    storage.detach();
                }
                let mut files = 0;
                let mut stack = vec![dir.path().to_owned()];
                while let Some(d) = stack.pop() {
                    for e in fs::read_dir(&d).unwrap().flatten() {
                        let p = e.path();
                        if p.is_dir() {
                            stack.push(p);
                            continue;
                        }
                        files += 1;
                        let bytes = fs::read(&p).unwrap();
                        for needle in ["走访记录", "note1"] {
                            assert!(
                                memchr::memmem::find(&bytes, needle.as_bytes()).is_none(),
                                "{} shows {needle}",
                                p.display()
                            );
                        }
                    }
                }
                assert!(files > 0);
            }
        });
    }

    /// A sealed file with a flipped byte is quarantined and reported by its name.
    #[test]
    fn a_flipped_byte_in_a_sealed_file_is_reported_naming_the_file() {
        sealed(|| {
            let dir = tempfile::tempdir().unwrap();
            let (_, changes) = changes(3);
            let path = {
                let storage = storage(dir.path());
                let rt = runtime();
                for c in &changes {
                    let (key, bytes) = incremental("abcdefgh", c);
                    rt.block_on(Storage::put(&storage, key, bytes));
                }
                storage.close();
                storage.path_of(&incremental("abcdefgh", &changes[1]).0)
            };
            let mut bytes = fs::read(&path).unwrap();
            let at = bytes.len() / 2;
            bytes[at] ^= 0x01;
            fs::write(&path, &bytes).unwrap();
            let storage = storage(dir.path());
            let loaded =
                storage.load_range_blocking(&StorageKey::from_parts(["abcdefgh"]).unwrap());
            assert_eq!(loaded.len(), 2, "the damaged file is not loaded");
            let problems = storage.problems();
            assert_eq!(problems.len(), 1, "{problems:?}");
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                problems[0].reason.contains(&name) && problems[0].reason.contains("认证失败"),
                "{problems:?}"
            );
        });
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn incremental(doc_id: &str, change: &automerge::Change) -> (StorageKey, Vec<u8>) {
    let key = StorageKey::from_parts([doc_id, "incremental", &change.hash().to_string()]).unwrap();
    (key, change.raw_bytes().to_vec())
}

/// `n` changes to one document, oldest first.
fn changes(n: usize) -> (automerge::AutoCommit, Vec<automerge::Change>) {
    let mut doc = automerge::AutoCommit::new();
    let mut out = Vec::new();
    for i in 0..n {
        doc.put(
            automerge::ROOT,
            format!("note{i}"),
            format!("第{i}次走访记录"),
        )
        .unwrap();
        out.push(doc.get_last_local_change().unwrap());
    }
    (doc, out)
}

fn journal_segments(dir: &Path) -> usize {
    fs::read_dir(dir.join("docs.journal"))
        .map(|d| d.flatten().count())
        .unwrap_or(0)
}

#[test]
fn a_burst_of_writes_shares_one_journal_sync() {
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    let rt = runtime();
    let doc_id = "abcdefgh";
    let (_, changes) = changes(40);
    let before = disk_counts();
    // 40 puts at once, as samod issues them for a peer's changes to several documents.
    rt.block_on(futures::future::join_all(changes.iter().map(|c| {
        let (key, bytes) = incremental(doc_id, c);
        Storage::put(&storage, key, bytes)
    })));
    let after = disk_counts();
    let loaded = storage.load_range_blocking(&StorageKey::from_parts([doc_id]).unwrap());
    for c in &changes {
        assert!(storage.is_on_disk(doc_id, &c.hash()));
        // In the journal alone, and loaded as if it were its file.
        let (key, bytes) = incremental(doc_id, c);
        assert!(!storage.path_of(&key).exists());
        assert_eq!(loaded.get(&key), Some(&bytes));
    }
    // Other tests of this process may commit at the same time: count ours loosely, but a
    // sync per change (the old way: two per put) cannot pass.
    let commits = after.commits - before.commits;
    assert!((1..=10).contains(&commits), "{commits} commits for 40 puts");
    assert!(storage.failure().is_none());
}

#[test]
fn a_snapshot_from_samod_is_kept_as_the_changes_it_adds() {
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    let rt = runtime();
    let doc_id = "abcdefgh";
    let (mut doc, changes) = changes(12);
    // The first ten were put one by one; samod then compacts, and the snapshot is the
    // only carrier of the last two.
    for c in &changes[..10] {
        let (key, bytes) = incremental(doc_id, c);
        rt.block_on(Storage::put(&storage, key, bytes));
    }
    let snapshot = StorageKey::from_parts([doc_id, "snapshot", "compacted"]).unwrap();
    rt.block_on(Storage::put(&storage, snapshot.clone(), doc.save()));
    assert!(
        !storage.path_of(&snapshot).exists(),
        "no whole document written"
    );
    for c in &changes {
        assert!(storage.is_on_disk(doc_id, &c.hash()));
    }
    // samod deletes what the snapshot superseded: ignored, or the changes would be gone.
    rt.block_on(Storage::delete(
        &storage,
        incremental(doc_id, &changes[0]).0,
    ));
    let loaded = rt.block_on(Storage::load_range(
        &storage,
        StorageKey::from_parts([doc_id]).unwrap(),
    ));
    for c in &changes {
        assert!(loaded.contains_key(&incremental(doc_id, c).0));
    }
    // A reopened storage sees the whole document.
    storage.close();
    let again = self::storage(dir.path());
    let loaded = again.load_range_blocking(&StorageKey::from_parts([doc_id]).unwrap());
    let mut back = automerge::Automerge::new();
    for bytes in loaded.values() {
        back.load_incremental(bytes).unwrap();
    }
    assert_eq!(back.get_heads(), doc.get_heads());
}

#[test]
fn a_change_acknowledged_before_its_parent_was_queued_brings_the_parent_along() {
    // Two writers of one document: the first commits `a` and is descheduled before it
    // hands `a` to the storage; the second commits `b` on top and waits for it. A kill
    // then must not leave `b` on disk without `a` (automerge would hold `b` back).
    let dir = tempfile::tempdir().unwrap();
    let doc_id = "abcdefgh";
    let (mut doc, changes) = changes(3);
    let (parent, child) = (&changes[1], &changes[2]);
    {
        let storage = storage(dir.path());
        let rt = runtime();
        let (key, bytes) = incremental(doc_id, &changes[0]);
        rt.block_on(Storage::put(&storage, key, bytes));
        let queued = storage
            .queue_change(doc_id, doc.document(), child.hash())
            .unwrap();
        rt.block_on(queued.durable()).unwrap();
        assert!(storage.is_on_disk(doc_id, &child.hash()));
        assert!(
            storage.is_on_disk(doc_id, &parent.hash()),
            "the child was acknowledged without its parent"
        );
        storage.detach();
    }
    let storage = storage(dir.path());
    let loaded = storage.load_range_blocking(&StorageKey::from_parts([doc_id]).unwrap());
    let mut back = automerge::Automerge::new();
    for bytes in loaded.values() {
        back.load_incremental(bytes).unwrap();
    }
    assert_eq!(back.get_heads(), doc.get_heads());
    assert_eq!(back.get_changes(&[]).len(), 3, "a change is held back");
}

#[test]
fn replay_after_a_crash_restores_files_the_crash_tore_or_lost() {
    let dir = tempfile::tempdir().unwrap();
    let doc_id = "abcdefgh";
    let (doc, changes) = changes(5);
    let paths: Vec<PathBuf> = {
        let storage = storage(dir.path());
        let rt = runtime();
        for c in &changes {
            let (key, bytes) = incremental(doc_id, c);
            rt.block_on(Storage::put(&storage, key, bytes));
        }
        // No close: the process dies with the journal holding the changes.
        storage.detach();
        changes
            .iter()
            .map(|c| storage.path_of(&incremental(doc_id, c).0))
            .collect()
    };
    assert_eq!(journal_segments(dir.path()), 1);
    // Acknowledged from the journal alone: no change has a file.
    assert!(paths.iter().all(|p| !p.exists()));
    // What a power cut can leave of files renamed but not yet fsynced (by an earlier
    // replay or a checkpoint that did not finish).
    fs::create_dir_all(paths[1].parent().unwrap()).unwrap();
    fs::write(&paths[1], b"").unwrap();
    fs::write(&paths[2], &changes[2].raw_bytes()[..10]).unwrap();
    let storage = storage(dir.path());
    assert_eq!(
        journal_segments(dir.path()),
        1,
        "old segments go after replay"
    );
    assert!(paths.iter().all(|p| p.exists()), "replay writes every file");
    let loaded = storage.load_range_blocking(&StorageKey::from_parts([doc_id]).unwrap());
    assert!(storage.problems().is_empty(), "{:?}", storage.problems());
    let mut back = automerge::Automerge::new();
    for bytes in loaded.values() {
        back.load_incremental(bytes).unwrap();
    }
    let mut doc = doc;
    assert_eq!(back.get_heads(), doc.get_heads());
}

#[test]
fn a_checkpoint_compacts_a_busy_document_and_drops_the_old_segment() {
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    storage.set_policy(StoragePolicy {
        checkpoint_bytes: 1,
        checkpoint_every: Duration::ZERO,
        compact_changes: 8,
        compact_bytes: usize::MAX,
        compact_every: Duration::ZERO,
        ..StoragePolicy::default()
    });
    let rt = runtime();
    let (busy, quiet) = ("abcdefgh", "zyxwvuts");
    let (mut doc, changes) = changes(20);
    for c in &changes {
        let (key, bytes) = incremental(busy, c);
        rt.block_on(Storage::put(&storage, key, bytes));
    }
    // One change: not worth compacting, even at close.
    let (_, few) = self::changes(1);
    for c in &few {
        let (key, bytes) = incremental(quiet, c);
        rt.block_on(Storage::put(&storage, key, bytes));
    }
    // The committer checkpoints between batches and on its idle tick.
    let deadline = Instant::now() + Duration::from_secs(10);
    let snapshots = storage.document_dir(busy).join("snapshot");
    while fs::read_dir(&snapshots).map_or(0, |d| d.count()) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    storage.close();
    let snapshot: Vec<PathBuf> = fs::read_dir(&snapshots)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(snapshot.len(), 1, "{snapshot:?}");
    assert!(automerge::Automerge::load(&plain_file(&storage, &snapshot[0])).is_ok());
    // Its changes went from the journal into snapshots: none ever had a file.
    assert!(!storage.document_dir(busy).join("incremental").exists());
    let again = self::storage(dir.path());
    let loaded = again.load_range_blocking(&StorageKey::from_parts([busy]).unwrap());
    let mut back = automerge::Automerge::new();
    for bytes in loaded.values() {
        back.load_incremental(bytes).unwrap();
    }
    assert_eq!(back.get_heads(), doc.get_heads());
    again.close();
    // The quiet document's change got its file at close.
    for c in &few {
        assert!(storage.path_of(&incremental(quiet, c).0).exists());
    }
    assert_eq!(
        journal_segments(dir.path()),
        0,
        "a clean close removes the journal"
    );
    assert!(storage.failure().is_none(), "{:?}", storage.failure());
}

#[test]
fn superseded_snapshots_are_kept_up_to_the_limit_then_the_oldest_go() {
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    let rt = runtime();
    let doc_id = "abcdefgh";
    let kept_dir = dir.path().join("superseded");
    storage.keep_superseded_snapshots(kept_dir.clone(), 2);
    let mut doc = automerge::AutoCommit::new();
    let mut compacted = Vec::new();
    for n in 0..4 {
        doc.put(automerge::ROOT, "request", format!("第{n}次修改"))
            .unwrap();
        let (key, bytes) = incremental(doc_id, &doc.get_last_local_change().unwrap());
        rt.block_on(Storage::put(&storage, key, bytes));
        storage.compact(doc_id).unwrap();
        let snapshots: Vec<PathBuf> = fs::read_dir(storage.document_dir(doc_id).join("snapshot"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(snapshots.len(), 1, "one snapshot in the document at a time");
        compacted.push(fs::read(&snapshots[0]).unwrap());
    }
    let mut kept: Vec<PathBuf> = fs::read_dir(kept_dir.join(doc_id))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    kept.sort();
    // The first three were superseded; the two newest of them are kept, byte for byte.
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(fs::read(&kept[0]).unwrap(), compacted[1]);
    assert_eq!(fs::read(&kept[1]).unwrap(), compacted[2]);
    // Kept sealed as the document's snapshot was.
    let hash = kept[1]
        .to_string_lossy()
        .rsplit('-')
        .next()
        .unwrap()
        .to_owned();
    let role = format!("{doc_id}/snapshot/{hash}");
    let back = storage.read_file_joined(&role, &kept[1]).unwrap();
    assert!(automerge::Automerge::load(&back).is_ok());
    storage.close();
}

#[test]
fn a_failed_write_poisons_the_storage_and_fails_the_waiting_writers() {
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    let rt = runtime();
    let doc_id = "abcdefgh";
    let (_, changes) = changes(2);
    // An earlier, good write of the same document.
    let (key, bytes) = incremental(doc_id, &changes[0]);
    rt.block_on(Storage::put(&storage, key, bytes));
    assert!(storage.failure().is_none());
    // The disk "fills up": the journal cannot be appended to.
    storage.log().journal.as_mut().unwrap().fail_appends = true;
    let (key, bytes) = incremental(doc_id, &changes[1]);
    rt.block_on(Storage::put(&storage, key, bytes));
    let failure = storage.failure().expect("the failed put is recorded");
    assert!(failure.contains("group commit"), "{failure}");
    // What was saved stays saved; a writer waiting for the failed change hears about
    // the failure, not "saved".
    assert!(
        rt.block_on(storage.wait_durable(doc_id, changes[0].hash(), Duration::from_secs(1)))
            .is_ok()
    );
    let waited =
        rt.block_on(storage.wait_durable(doc_id, changes[1].hash(), Duration::from_secs(1)));
    assert!(
        matches!(waited, Err(DurabilityError::WriteFailed(_))),
        "{waited:?}"
    );
    // A poisoned storage leaves its journal for the next open, which has the saved change.
    storage.close();
    assert_eq!(journal_segments(dir.path()), 1);
    let again = self::storage(dir.path());
    let loaded = again.load_range_blocking(&StorageKey::from_parts([doc_id]).unwrap());
    assert!(loaded.contains_key(&incremental(doc_id, &changes[0]).0));
    again.close();
}

#[test]
fn a_close_that_cannot_write_the_files_keeps_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let doc_id = "abcdefgh";
    let (_, changes) = changes(1);
    {
        let storage = storage(dir.path());
        let rt = runtime();
        let (key, bytes) = incremental(doc_id, &changes[0]);
        rt.block_on(Storage::put(&storage, key, bytes));
        // The document's directory cannot be created: a file stands in its way.
        let doc_dir = storage.document_dir(doc_id);
        fs::create_dir_all(doc_dir.parent().unwrap()).unwrap();
        fs::write(&doc_dir, b"not a directory").unwrap();
        storage.close();
        let failure = storage.failure().expect("the failed close is recorded");
        assert!(failure.contains("closing"), "{failure}");
        assert_eq!(journal_segments(dir.path()), 1, "the journal stays");
        fs::remove_file(&doc_dir).unwrap();
    }
    let storage = storage(dir.path());
    let loaded = storage.load_range_blocking(&StorageKey::from_parts([doc_id]).unwrap());
    assert!(loaded.contains_key(&incremental(doc_id, &changes[0]).0));
    storage.close();
    assert!(storage.failure().is_none(), "{:?}", storage.failure());
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_load_during_checkpoints_sees_every_acknowledged_change() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    // A checkpoint after every batch, compacting every few changes: loads keep landing
    // in the middle of one.
    storage.set_policy(StoragePolicy {
        checkpoint_bytes: 1,
        checkpoint_every: Duration::ZERO,
        compact_changes: 3,
        compact_bytes: usize::MAX,
        compact_every: Duration::ZERO,
        carry_checkpoints: 2,
        carry_for: Duration::from_secs(3600),
    });
    let doc_id = "abcdefgh";
    let prefix = StorageKey::from_parts([doc_id]).unwrap();
    let (_, changes) = changes(120);
    let acknowledged = AtomicUsize::new(0);
    let writing = AtomicBool::new(true);
    let compactions = disk_counts().compactions;
    let loads = std::thread::scope(|s| {
        let loaders: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut loads = 0;
                    while writing.load(Ordering::Acquire) {
                        let saved = acknowledged.load(Ordering::Acquire);
                        let mut doc = automerge::Automerge::new();
                        for bytes in storage.load_range_blocking(&prefix).values() {
                            doc.load_incremental(bytes).unwrap();
                        }
                        for c in &changes[..saved] {
                            assert!(
                                doc.get_change_meta_by_hash(&c.hash()).is_some(),
                                "a load missed an acknowledged change"
                            );
                        }
                        loads += 1;
                    }
                    loads
                })
            })
            .collect();
        let rt = runtime();
        for (i, c) in changes.iter().enumerate() {
            let (key, bytes) = incremental(doc_id, c);
            rt.block_on(Storage::put(&storage, key, bytes));
            acknowledged.store(i + 1, Ordering::Release);
        }
        writing.store(false, Ordering::Release);
        loaders
            .into_iter()
            .map(|l| l.join().unwrap())
            .sum::<usize>()
    });
    assert!(loads >= 10, "only {loads} loads");
    assert!(
        disk_counts().compactions >= compactions + 5,
        "the document was compacted while it was loaded"
    );
    assert!(storage.problems().is_empty(), "{:?}", storage.problems());
    storage.close();
    assert!(storage.failure().is_none(), "{:?}", storage.failure());
}

#[test]
fn a_document_carried_for_many_checkpoints_gets_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    storage.set_policy(StoragePolicy {
        checkpoint_bytes: 1,
        checkpoint_every: Duration::ZERO,
        compact_changes: usize::MAX,
        compact_bytes: usize::MAX,
        compact_every: Duration::ZERO,
        carry_checkpoints: 3,
        carry_for: Duration::from_secs(3600),
    });
    let rt = runtime();
    let (quiet, busy) = ("zyxwvuts", "abcdefgh");
    let (_, one) = changes(1);
    let (key, bytes) = incremental(quiet, &one[0]);
    rt.block_on(Storage::put(&storage, key.clone(), bytes.clone()));
    assert!(!storage.path_of(&key).exists());
    // Another document's writes make checkpoints; each carries the quiet change along.
    let (_, stream) = changes(200);
    for c in &stream {
        let (k, b) = incremental(busy, c);
        rt.block_on(Storage::put(&storage, k, b));
        if storage.pending_of(quiet).is_empty() {
            break;
        }
    }
    wait_for("the quiet change's file", || {
        storage.pending_of(quiet).is_empty()
    });
    assert_eq!(plain_file(&storage, &storage.path_of(&key)), bytes);
    // Once the checkpoint under way ends, the journal no longer holds it.
    wait_for("its record to leave the journal", || {
        journal::Journal::read(&storage.journal_dir(), &storage.inner.seal)
            .is_ok_and(|j| j.records.iter().all(|r| r.key != key.to_string()))
    });
    storage.close();
    assert!(storage.failure().is_none(), "{:?}", storage.failure());
}

#[test]
fn changes_that_waited_too_long_get_their_files_without_further_writes() {
    let dir = tempfile::tempdir().unwrap();
    let storage = storage(dir.path());
    storage.set_policy(StoragePolicy {
        checkpoint_bytes: u64::MAX,
        checkpoint_every: Duration::from_secs(3600),
        compact_changes: usize::MAX,
        compact_bytes: usize::MAX,
        compact_every: Duration::ZERO,
        carry_checkpoints: u32::MAX,
        carry_for: Duration::from_millis(300),
    });
    let rt = runtime();
    let doc_id = "abcdefgh";
    let (_, few) = changes(3);
    for c in &few {
        let (key, bytes) = incremental(doc_id, c);
        rt.block_on(Storage::put(&storage, key, bytes));
    }
    // The committer's idle tick finds them old enough.
    wait_for("the files", || storage.pending_of(doc_id).is_empty());
    for c in &few {
        assert!(storage.path_of(&incremental(doc_id, c).0).exists());
    }
    wait_for("the old segment to go", || {
        journal_segments(dir.path()) == 1
    });
    storage.close();
}
