//! The storage's threads: one committer and a small pool of disk workers, for the whole
//! process, however many writes are pending.
//!
//! Why one committer: writes that arrive within a short window (from any document, and
//! any storage of the process) share one journal `fdatasync` per storage; a thread per
//! write (tokio's `spawn_blocking`, as before) grew to hundreds under a live stream and
//! paid an fsync, a rename and a directory fsync for each change. The workers read
//! documents for samod and compact them, so a long compaction never holds up a commit.

use std::io;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use samod::storage::StorageKey;
use tokio::sync::oneshot;

use super::{DurableStorage, Inner};

/// How long the committer waits for another write before it commits a batch, unless a
/// writer is waiting in person (a clerk's own change is committed at once)…
pub(super) const WINDOW: Duration = Duration::from_millis(8);
/// …and how long a batch may keep gathering while writes keep coming. A peer's changes
/// arrive one sync message at a time as the server applies them, a few milliseconds
/// apart: a window counted from the first write alone cut one such burst into three or
/// four commits, each with its fsync.
const MAX_WINDOW: Duration = Duration::from_millis(32);
/// A batch closes early at this many writes or bytes.
const MAX_WRITES: usize = 1024;
const MAX_BYTES: usize = 8 << 20;
/// How often an idle committer looks for checkpoints that are due.
const TICK: Duration = Duration::from_secs(1);
/// Disk workers: reads for samod, compactions, checkpoints.
const WORKERS: usize = 2;

/// One write waiting for its group commit.
pub(super) struct Job {
    pub storage: DurableStorage,
    pub key: StorageKey,
    pub data: Vec<u8>,
    /// Someone waits for this write in person: commit without waiting for the window.
    pub urgent: bool,
    pub done: oneshot::Sender<io::Result<()>>,
}

type Work = Box<dyn FnOnce() + Send>;

struct Engine {
    jobs: Mutex<Sender<Job>>,
    work: Mutex<Sender<Work>>,
    /// Storages whose checkpoints the committer runs when due.
    live: Mutex<Vec<Weak<Inner>>>,
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (work, work_rx) = mpsc::channel::<Work>();
        if let Err(e) = std::thread::Builder::new()
            .name("fengqiao-commit".into())
            .spawn(move || committer(job_rx))
        {
            // The receiver is gone with the closure: every write fails loudly instead.
            tracing::error!(error = %e, "cannot start the storage committer thread");
        }
        let work_rx = Arc::new(Mutex::new(work_rx));
        for i in 0..WORKERS {
            let rx = work_rx.clone();
            if let Err(e) = std::thread::Builder::new()
                .name(format!("fengqiao-disk-{i}"))
                .spawn(move || worker(&rx))
            {
                tracing::error!(error = %e, "cannot start a storage worker thread");
            }
        }
        Engine {
            jobs: Mutex::new(jobs),
            work: Mutex::new(work),
            live: Mutex::new(Vec::new()),
        }
    })
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Queues a write; its `done` answers once it is durable (or failed).
pub(super) fn submit(job: Job) {
    // A send fails only if the committer is gone; the dropped `done` then reports it.
    let _ = locked(&engine().jobs).send(job);
}

/// Runs `f` on a disk worker.
pub(super) fn on_worker<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> oneshot::Receiver<T> {
    let (tx, rx) = oneshot::channel();
    let _ = locked(&engine().work).send(Box::new(move || {
        let _ = tx.send(f());
    }));
    rx
}

/// Lets the committer run `storage`'s checkpoints when they are due.
pub(super) fn register(storage: &Arc<Inner>) {
    let mut live = locked(&engine().live);
    live.retain(|w| w.strong_count() > 0);
    live.push(Arc::downgrade(storage));
}

fn worker(rx: &Mutex<Receiver<Work>>) {
    loop {
        let next = locked(rx).recv();
        match next {
            Ok(work) => work(),
            Err(_) => return,
        }
    }
}

fn committer(rx: Receiver<Job>) {
    loop {
        let first = match rx.recv_timeout(TICK) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                checkpoints_due();
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let started = Instant::now();
        let mut last = started;
        let mut urgent = first.urgent;
        let mut bytes = first.data.len();
        let mut batch = vec![first];
        while !urgent && batch.len() < MAX_WRITES && bytes < MAX_BYTES {
            let left = WINDOW
                .saturating_sub(last.elapsed())
                .min(MAX_WINDOW.saturating_sub(started.elapsed()));
            match rx.recv_timeout(left) {
                Ok(job) => {
                    last = Instant::now();
                    urgent |= job.urgent;
                    bytes += job.data.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        // Whatever else is already queued rides along for free.
        while batch.len() < MAX_WRITES {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit(batch);
        checkpoints_due();
    }
}

/// One group commit: the batch's writes, storage by storage.
fn commit(batch: Vec<Job>) {
    let mut groups: Vec<(DurableStorage, Vec<Job>)> = Vec::new();
    for job in batch {
        match groups
            .iter_mut()
            .find(|(s, _)| Arc::ptr_eq(&s.inner, &job.storage.inner))
        {
            Some((_, jobs)) => jobs.push(job),
            None => groups.push((job.storage.clone(), vec![job])),
        }
    }
    for (storage, jobs) in groups {
        storage.commit_group(jobs);
    }
}

fn checkpoints_due() {
    let live: Vec<Arc<Inner>> = locked(&engine().live)
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for inner in live {
        DurableStorage { inner }.checkpoint_if_due();
    }
}
