//! The write-ahead journal: where a group commit makes many writes durable with one
//! `fdatasync`.
//!
//! A journal is a directory of segments (`<n>.wal`, appended in order). Each record is
//! `"FQJ1"`, the payload's length and its CRC-32 (little-endian `u32`s), then the payload:
//! the storage key's length (`u16`), the key (its parts joined by `/`; a change's key
//! `<doc>/incremental/<hash>` is stored without its hash, which the change's bytes give:
//! the hash was a third of a live stream's journal) and the bytes. A
//! record is acknowledged only after the `fdatasync` that covers it, so a torn record can
//! only be the last one of the newest segment: a write nobody was told was saved. A bad
//! record anywhere else is damage, reported, and reading resumes at the next good record.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::files::{COUNTERS, count, remove, sync_dir};

const MAGIC: [u8; 4] = *b"FQJ1";
const HEADER: usize = 12;

/// One journal record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record {
    /// The storage key's parts joined by `/` (samod guarantees no part contains one).
    pub key: String,
    pub data: Vec<u8>,
}

/// What reading the segments found.
#[derive(Debug, Default)]
pub(super) struct Replay {
    pub records: Vec<Record>,
    /// Segments with a bad record before their end (not a torn tail), to report.
    pub damaged: Vec<PathBuf>,
}

/// The open journal of one storage.
#[derive(Debug)]
pub(super) struct Journal {
    dir: PathBuf,
    seq: u64,
    file: File,
    /// Bytes in the current segment.
    pub bytes: u64,
    /// Segments before the current one: kept until what they hold is safe elsewhere.
    sealed: Vec<PathBuf>,
    /// Tests make appends fail as a full disk would.
    #[cfg(test)]
    pub fail_appends: bool,
}

fn segment_name(seq: u64) -> String {
    format!("{seq:016}.wal")
}

fn segments(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let seq = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".wal"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(seq) = seq {
            out.push((seq, path));
        }
    }
    out.sort();
    Ok(out)
}

impl Journal {
    /// Opens the journal in `dir`: reads every segment there (they become sealed) and
    /// starts a new one after them.
    pub fn open(dir: &Path) -> io::Result<(Journal, Replay)> {
        fs::create_dir_all(dir)?;
        let replay = Journal::read(dir)?;
        let found = segments(dir)?;
        let last = found.last().map_or(0, |(seq, _)| *seq);
        let sealed = found.into_iter().map(|(_, path)| path).collect();
        let seq = last + 1;
        let file = create_segment(dir, seq)?;
        Ok((
            Journal {
                dir: dir.to_owned(),
                seq,
                file,
                bytes: 0,
                sealed,
                #[cfg(test)]
                fail_appends: false,
            },
            replay,
        ))
    }

    /// Reads every segment in `dir` without opening the journal for writing.
    pub fn read(dir: &Path) -> io::Result<Replay> {
        let mut replay = Replay::default();
        for (_, path) in segments(dir)? {
            if read_records(&fs::read(&path)?, &mut replay.records) {
                replay.damaged.push(path);
            }
        }
        Ok(replay)
    }

    /// The number of the current segment (later segments have higher numbers).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Appends `records` and waits until they are on disk.
    pub fn append<'a>(
        &mut self,
        records: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> io::Result<()> {
        let mut buf = Vec::new();
        for (key, data) in records {
            encode(stored_key(key), data, &mut buf)?;
        }
        if buf.is_empty() {
            return Ok(());
        }
        #[cfg(test)]
        if self.fail_appends {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "no space left on device",
            ));
        }
        self.file.write_all(&buf)?;
        count(&COUNTERS.bytes_written, buf.len() as u64);
        self.file.sync_data()?;
        count(&COUNTERS.syncs, 1);
        self.bytes += buf.len() as u64;
        Ok(())
    }

    /// Starts a new segment; the current one joins the sealed ones, which are returned
    /// (all of them: the caller removes them once their records are safe elsewhere).
    pub fn rotate(&mut self) -> io::Result<Vec<PathBuf>> {
        let seq = self.seq + 1;
        let file = create_segment(&self.dir, seq)?;
        let old = self.dir.join(segment_name(self.seq));
        self.file = file;
        self.seq = seq;
        self.bytes = 0;
        let mut sealed = std::mem::take(&mut self.sealed);
        sealed.push(old);
        Ok(sealed)
    }

    /// Segments sealed when the journal was opened, handed over once.
    pub fn take_sealed(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.sealed)
    }

    /// Removes every segment, the current one included: everything they held is safe
    /// elsewhere. The journal must not be appended to afterwards.
    pub fn remove_all(&mut self) -> io::Result<()> {
        for (_, path) in segments(&self.dir)? {
            remove(&path)?;
        }
        Ok(())
    }
}

fn create_segment(dir: &Path, seq: u64) -> io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(segment_name(seq)))?;
    // The segment's name must survive a crash with the records appended to it.
    sync_dir(dir)?;
    Ok(file)
}

/// A change's key without its hash (`<doc>/incremental`); any other key whole.
fn stored_key(key: &str) -> &str {
    match key.rsplit_once('/') {
        Some((head, hash))
            if head.ends_with("/incremental")
                && hash.len() == 64
                && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            head
        }
        _ => key,
    }
}

/// The whole key of a record stored under `key`: a change's hash put back from its bytes.
fn whole_key(key: &str, data: &[u8]) -> String {
    let is_change = key
        .split_once('/')
        .is_some_and(|(_, rest)| rest == "incremental");
    if is_change && let Ok(change) = automerge::Change::try_from(data) {
        return format!("{key}/{}", change.hash());
    }
    // Not a change, or a damaged one: the key as stored, which no load accepts.
    key.to_owned()
}

fn encode(key: &str, data: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
    let key_len = u16::try_from(key.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "storage key too long"))?;
    let len = u32::try_from(2 + key.len() + data.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record over 4 GiB"))?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(&key_len.to_le_bytes());
    crc.update(key.as_bytes());
    crc.update(data);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(&key_len.to_le_bytes());
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(data);
    Ok(())
}

/// The record at the start of `bytes` and its length, if it is whole and its checksum
/// holds.
fn decode(bytes: &[u8]) -> Option<(Record, usize)> {
    if bytes.len() < HEADER || bytes[..4] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(bytes[4..8].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(bytes[8..12].try_into().ok()?);
    let payload = bytes.get(HEADER..HEADER.checked_add(len)?)?;
    if crc32fast::hash(payload) != crc || payload.len() < 2 {
        return None;
    }
    let key_len = u16::from_le_bytes([payload[0], payload[1]]) as usize;
    let key = std::str::from_utf8(payload.get(2..2 + key_len)?).ok()?;
    let data = payload[2 + key_len..].to_vec();
    Some((
        Record {
            key: whole_key(key, &data),
            data,
        },
        HEADER + len,
    ))
}

/// Appends the good records of one segment to `out`; whether a bad one came before the
/// end (damage rather than a torn last write).
fn read_records(bytes: &[u8], out: &mut Vec<Record>) -> bool {
    let mut at = 0;
    let mut damaged = false;
    while at < bytes.len() {
        if let Some((record, len)) = decode(&bytes[at..]) {
            out.push(record);
            at += len;
            continue;
        }
        // Look for the next good record; none means this was the torn tail.
        let next = memchr::memmem::find_iter(&bytes[at + 1..], &MAGIC)
            .map(|i| at + 1 + i)
            .find(|&i| decode(&bytes[i..]).is_some());
        match next {
            Some(i) => {
                damaged = true;
                at = i;
            }
            None => break,
        }
    }
    damaged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(n: usize) -> Vec<(String, Vec<u8>)> {
        (0..n)
            .map(|i| (format!("doc{i}/incremental/h{i}"), vec![i as u8; 10 + i]))
            .collect()
    }

    fn append_all(journal: &mut Journal, recs: &[(String, Vec<u8>)]) {
        journal
            .append(recs.iter().map(|(k, d)| (k.as_str(), d.as_slice())))
            .unwrap();
    }

    #[test]
    fn records_come_back_in_order_across_segments() {
        let dir = tempfile::tempdir().unwrap();
        let recs = records(6);
        {
            let (mut journal, replay) = Journal::open(dir.path()).unwrap();
            assert!(replay.records.is_empty());
            append_all(&mut journal, &recs[..3]);
            journal.rotate().unwrap();
            append_all(&mut journal, &recs[3..]);
        }
        let (_, replay) = Journal::open(dir.path()).unwrap();
        let back: Vec<(String, Vec<u8>)> = replay
            .records
            .into_iter()
            .map(|r| (r.key, r.data))
            .collect();
        assert_eq!(back, recs);
        assert!(replay.damaged.is_empty());
    }

    #[test]
    fn a_change_is_journalled_without_its_hash_and_read_back_with_it() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "village", "西村").unwrap();
        let change = doc.get_last_local_change().unwrap();
        let key = format!("2abcdefgh/incremental/{}", change.hash());
        let other = ("2abcdefgh/snapshot/feed", b"whole".to_vec());
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut journal, _) = Journal::open(dir.path()).unwrap();
            journal
                .append([
                    (key.as_str(), change.raw_bytes()),
                    (other.0, other.1.as_slice()),
                ])
                .unwrap();
        }
        let stored = fs::read(dir.path().join(segment_name(1))).unwrap();
        assert!(memchr::memmem::find(&stored, change.hash().to_string().as_bytes()).is_none());
        let (_, replay) = Journal::open(dir.path()).unwrap();
        let keys: Vec<&str> = replay.records.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, [key.as_str(), other.0]);
        assert_eq!(replay.records[0].data, change.raw_bytes());
    }

    #[test]
    fn a_torn_last_record_is_dropped_silently_and_damage_before_the_end_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let recs = records(4);
        let segment = {
            let (mut journal, _) = Journal::open(dir.path()).unwrap();
            append_all(&mut journal, &recs);
            dir.path().join(segment_name(1))
        };
        let whole = fs::read(&segment).unwrap();
        // A crash in the middle of the last append: the first three are intact.
        fs::write(&segment, &whole[..whole.len() - 5]).unwrap();
        let mut out = Vec::new();
        assert!(!read_records(&fs::read(&segment).unwrap(), &mut out));
        assert_eq!(out.len(), 3);
        // A flipped byte in the second record: the others are still read, and it is damage.
        let mut flipped = whole.clone();
        let second = HEADER + 2 + recs[0].0.len() + recs[0].1.len() + HEADER + 3;
        flipped[second] ^= 0x40;
        let mut out = Vec::new();
        assert!(read_records(&flipped, &mut out));
        let keys: Vec<&str> = out.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, [&recs[0].0, &recs[2].0, &recs[3].0]);
    }
}
