//! Files written so that a crash leaves the old state or the new one, never half, and the
//! counts of what that costs the disk (fsyncs, renames, unlinks, bytes).

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the storage asked of the disk in this process, for benchmarks and `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiskCounts {
    /// `fsync`/`fdatasync` calls, on files and directories alike.
    pub syncs: u64,
    /// Files renamed into place.
    pub renames: u64,
    /// Files removed.
    pub unlinks: u64,
    /// Bytes written to files (journal and documents).
    pub bytes_written: u64,
    /// Group commits: journal appends that acknowledged one or more writes.
    pub commits: u64,
    /// Writes those commits acknowledged.
    pub committed_writes: u64,
    /// Documents compacted into a snapshot by the storage.
    pub compactions: u64,
}

pub(super) struct Counters {
    pub syncs: AtomicU64,
    pub renames: AtomicU64,
    pub unlinks: AtomicU64,
    pub bytes_written: AtomicU64,
    pub commits: AtomicU64,
    pub committed_writes: AtomicU64,
    pub compactions: AtomicU64,
}

pub(super) static COUNTERS: Counters = Counters {
    syncs: AtomicU64::new(0),
    renames: AtomicU64::new(0),
    unlinks: AtomicU64::new(0),
    bytes_written: AtomicU64::new(0),
    commits: AtomicU64::new(0),
    committed_writes: AtomicU64::new(0),
    compactions: AtomicU64::new(0),
};

pub(super) fn count(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// The disk work of every storage of this process so far.
pub fn disk_counts() -> DiskCounts {
    let c = &COUNTERS;
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    DiskCounts {
        syncs: get(&c.syncs),
        renames: get(&c.renames),
        unlinks: get(&c.unlinks),
        bytes_written: get(&c.bytes_written),
        commits: get(&c.commits),
        committed_writes: get(&c.committed_writes),
        compactions: get(&c.compactions),
    }
}

/// Writes `data` to `path` so that a crash leaves either nothing new or the whole file.
pub(crate) fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    write_via_temp(path, data, false, Sync::FileAndDir)
}

/// As [`write_atomically`], for secrets: the file is readable by its owner alone from the
/// moment it exists (mode 0600 on Unix), so the key is never briefly world-readable.
pub(crate) fn write_secret_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    write_via_temp(path, data, true, Sync::FileAndDir)
}

/// Puts `data` at `path` whole (a reader sees the old file or the new one) without
/// waiting for the disk: the journal holds it durably until the file is fsynced.
pub(crate) fn write_unsynced(path: &Path, data: &[u8]) -> io::Result<()> {
    write_via_temp(path, data, false, Sync::Nothing)
}

/// As [`write_atomically`] but without the directory's fsync, which the caller does once
/// for many files.
pub(super) fn write_synced(path: &Path, data: &[u8]) -> io::Result<()> {
    write_via_temp(path, data, false, Sync::File)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sync {
    Nothing,
    File,
    FileAndDir,
}

fn write_via_temp(path: &Path, data: &[u8], secret: bool, sync: Sync) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("path has no parent directory"))?;
    fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per write: two writers may save the same key at once, and a shared temp
    // name would let one rename the other's.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
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
        count(&COUNTERS.bytes_written, data.len() as u64);
        if sync != Sync::Nothing {
            f.sync_all()?;
            count(&COUNTERS.syncs, 1);
        }
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    count(&COUNTERS.renames, 1);
    if sync == Sync::FileAndDir {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Whether a temp file's name (`.<file>.<pid>.<n>.tmp`) carries this process's id.
pub(super) fn written_by_this_process(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.rsplit('.').nth(2) == Some(std::process::id().to_string().as_str())
}

pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()?;
    count(&COUNTERS.syncs, 1);
    Ok(())
}

/// Makes an existing file's contents durable.
pub(super) fn sync_file(path: &Path) -> io::Result<()> {
    fs::File::open(path)?.sync_all()?;
    count(&COUNTERS.syncs, 1);
    Ok(())
}

/// Removes a file; one already gone is fine.
pub(super) fn remove(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {
            count(&COUNTERS.unlinks, 1);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
