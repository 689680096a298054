//! The write-ahead journal: where a group commit makes many writes durable with one
//! `fdatasync`.
//!
//! A journal is a directory of segments (`<n>.wal`, appended in order). A segment is one
//! raw-deflate stream cut into *frames*, one per append: `"FQJ2"`, a flags byte, the
//! compressed length and its CRC-32 (little-endian `u32`s), then the compressed bytes,
//! which end at a sync flush, so each frame decodes as soon as it is on disk. Inside, the
//! records: the storage key's length (`u16`), the data's length (`u32`), the key (a
//! change's `<doc>/incremental/<hash>` without its hash, which the change's bytes give)
//! and the data (a change packed without its checksum and the parents journaled just
//! before it, `pack.rs`).
//!
//! Why one stream: a live stream's changes are ~110 bytes each and alike (the same actor,
//! documents, column layout), and compressed one by one they stay ~160 bytes on disk;
//! across records they take ~50. The price is that a frame decodes only after the ones
//! before it: every 64 KiB of records the compressor starts afresh (a *restart* frame),
//! so damage costs at most the frames up to the next restart, and is reported.
//!
//! A frame is acknowledged only after the `fdatasync` that covers it, so a torn frame can
//! only be the last one of the newest segment: a write nobody was told was saved.
//!
//! In an encrypted directory each frame's compressed bytes are sealed (`seal.rs`) before
//! the CRC is taken, bound to their segment and offset: the CRC still finds a torn tail,
//! and a frame that does not open is damage like one that does not inflate.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

use super::files::{COUNTERS, count, remove, sync_dir};
use super::pack::{Recent, pack, unpack_record};
use crate::seal::Seal;

const MAGIC: [u8; 4] = *b"FQJ2";
/// Magic, flags, compressed length, CRC.
const HEADER: usize = 13;
/// Flag: the compressor started afresh at this frame; decoding may begin here.
const RESTART: u8 = 1;
/// Records between restarts.
const RESTART_EVERY: usize = 64 << 10;

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
    /// The current segment's deflate stream, and the changes it holds since its restart.
    compress: Compress,
    recent: Recent,
    /// Record bytes compressed since the stream last started afresh.
    since_restart: usize,
    restart_every: usize,
    /// An append failed part way: the segment's stream cannot go on.
    broken: bool,
    seal: Seal,
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
    pub fn open(dir: &Path, seal: &Seal) -> io::Result<(Journal, Replay)> {
        fs::create_dir_all(dir)?;
        let replay = Journal::read(dir, seal)?;
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
                compress: new_stream(),
                recent: Recent::default(),
                since_restart: 0,
                restart_every: RESTART_EVERY,
                broken: false,
                seal: seal.clone(),
                #[cfg(test)]
                fail_appends: false,
            },
            replay,
        ))
    }

    /// Reads every segment in `dir` without opening the journal for writing.
    pub fn read(dir: &Path, seal: &Seal) -> io::Result<Replay> {
        let mut replay = Replay::default();
        for (seq, path) in segments(dir)? {
            if read_records(&fs::read(&path)?, seq, seal, &mut replay.records) {
                replay.damaged.push(path);
            }
        }
        Ok(replay)
    }

    /// The number of the current segment (later segments have higher numbers).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Appends `records` as one frame and waits until they are on disk.
    pub fn append<'a>(
        &mut self,
        records: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> io::Result<()> {
        if self.broken {
            return Err(io::Error::other(
                "an earlier journal append failed part way; the segment takes no more",
            ));
        }
        #[cfg(test)]
        if self.fail_appends {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "no space left on device",
            ));
        }
        let restart = self.since_restart == 0 || self.since_restart >= self.restart_every;
        if restart {
            self.compress.reset();
            self.recent.reset();
            self.since_restart = 0;
        }
        // From here the stream moves on (`recent` notes each record, the compressor takes
        // them in): a failure leaves the segment unusable.
        self.broken = true;
        let mut plain = Vec::new();
        for (key, data) in records {
            encode(stored_key(key), data, &mut self.recent, &mut plain)?;
        }
        if plain.is_empty() {
            self.broken = false;
            return Ok(());
        }
        let packed = deflate(&mut self.compress, &plain)?;
        let packed = self.seal.seal(&frame_role(self.seq, self.bytes), &packed)?;
        let len = u32::try_from(packed.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
        let mut frame = Vec::with_capacity(HEADER + packed.len());
        frame.extend_from_slice(&MAGIC);
        frame.push(if restart { RESTART } else { 0 });
        frame.extend_from_slice(&len.to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(&packed).to_le_bytes());
        frame.extend_from_slice(&packed);
        self.file.write_all(&frame)?;
        count(&COUNTERS.bytes_written, frame.len() as u64);
        self.file.sync_data()?;
        count(&COUNTERS.syncs, 1);
        self.broken = false;
        self.since_restart += plain.len();
        self.bytes += frame.len() as u64;
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
        self.since_restart = 0;
        self.recent.reset();
        self.broken = false;
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

fn new_stream() -> Compress {
    Compress::new(Compression::default(), false)
}

fn encode(key: &str, data: &[u8], recent: &mut Recent, out: &mut Vec<u8>) -> io::Result<()> {
    let key_len = u16::try_from(key.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "storage key too long"))?;
    let mut packed = Vec::with_capacity(data.len() + 1);
    pack(data, recent, &mut packed);
    let data_len = u32::try_from(packed.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record over 4 GiB"))?;
    out.extend_from_slice(&key_len.to_le_bytes());
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&packed);
    Ok(())
}

/// `plain` through the stream, ending at a sync flush (so all of it decodes from what is
/// written).
fn deflate(stream: &mut Compress, plain: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(plain.len() / 2 + 64);
    let start = stream.total_in();
    loop {
        let consumed = usize::try_from(stream.total_in() - start).unwrap_or(usize::MAX);
        let rest = plain.get(consumed..).unwrap_or_default();
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64));
        }
        stream
            .compress_vec(rest, &mut out, FlushCompress::Sync)
            .map_err(io::Error::other)?;
        let consumed = usize::try_from(stream.total_in() - start).unwrap_or(usize::MAX);
        // The flush is complete once the input is in and output space was left over.
        if consumed >= plain.len() && out.len() < out.capacity() {
            return Ok(out);
        }
    }
}

/// One frame's records through the segment's inflate stream; `None` if they do not decode.
fn inflate(stream: &mut Decompress, packed: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(packed.len() * 3 + 64);
    let start = stream.total_in();
    loop {
        let consumed = usize::try_from(stream.total_in() - start).ok()?;
        let (in_before, out_before) = (stream.total_in(), out.len());
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64));
        }
        stream
            .decompress_vec(packed.get(consumed..)?, &mut out, FlushDecompress::Sync)
            .ok()?;
        let consumed = usize::try_from(stream.total_in() - start).ok()?;
        if consumed >= packed.len() && out.len() < out.capacity() {
            return Some(out);
        }
        if stream.total_in() == in_before && out.len() == out_before {
            // No progress with room to spare: the bytes end in the middle of something.
            return None;
        }
    }
}

/// The records of one decoded frame; `None` if they do not parse to its end.
fn records_of(mut plain: &[u8], recent: &mut Recent, out: &mut Vec<Record>) -> Option<()> {
    let mut found = Vec::new();
    while !plain.is_empty() {
        let key_len = u16::from_le_bytes(plain.get(..2)?.try_into().ok()?) as usize;
        let data_len = u32::from_le_bytes(plain.get(2..6)?.try_into().ok()?) as usize;
        let key = std::str::from_utf8(plain.get(6..6 + key_len)?).ok()?;
        let packed = plain.get(6 + key_len..(6 + key_len).checked_add(data_len)?)?;
        let data = unpack_record(packed, recent)?;
        found.push(Record {
            key: whole_key(key, &data),
            data,
        });
        plain = &plain[6 + key_len + data_len..];
    }
    out.extend(found);
    Some(())
}

/// The frame at the start of `bytes`: its flags, compressed bytes and whole length, if it
/// is whole and its checksum holds.
fn frame(bytes: &[u8]) -> Option<(u8, &[u8], usize)> {
    if bytes.len() < HEADER || bytes[..4] != MAGIC {
        return None;
    }
    let flags = bytes[4];
    let len = u32::from_le_bytes(bytes[5..9].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(bytes[9..13].try_into().ok()?);
    let packed = bytes.get(HEADER..HEADER.checked_add(len)?)?;
    (crc32fast::hash(packed) == crc).then_some((flags, packed, HEADER + len))
}

/// What a sealed frame is bound to: its segment and its offset there.
fn frame_role(seq: u64, offset: u64) -> String {
    format!("journal/{seq}/{offset}")
}

/// Appends the records of one segment's good frames to `out`; whether any were lost
/// before the end (damage rather than a torn last write). After a bad frame, the frames up
/// to the next restart cannot be decoded: they are skipped and count as damage.
fn read_records(bytes: &[u8], seq: u64, seal: &Seal, out: &mut Vec<Record>) -> bool {
    let mut at = 0;
    let mut damaged = false;
    let mut stream: Option<Decompress> = None;
    let mut recent = Recent::default();
    while at < bytes.len() {
        if let Some((flags, packed, len)) = frame(&bytes[at..]) {
            if flags & RESTART != 0 {
                stream = Some(Decompress::new(false));
                recent.reset();
            }
            let opened = seal.open(&frame_role(seq, at as u64), packed).ok();
            let decoded = stream
                .as_mut()
                .zip(opened)
                .and_then(|(s, packed)| inflate(s, &packed))
                .and_then(|plain| records_of(&plain, &mut recent, out));
            if decoded.is_none() {
                damaged = true;
                stream = None;
            }
            at += len;
            continue;
        }
        // Look for the next good frame; none means this was the torn tail.
        let next = memchr::memmem::find_iter(&bytes[at + 1..], &MAGIC)
            .map(|i| at + 1 + i)
            .find(|&i| frame(&bytes[i..]).is_some());
        match next {
            Some(i) => {
                damaged = true;
                stream = None;
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
            let (mut journal, replay) = Journal::open(dir.path(), &Seal::plain()).unwrap();
            assert!(replay.records.is_empty());
            append_all(&mut journal, &recs[..3]);
            journal.rotate().unwrap();
            append_all(&mut journal, &recs[3..]);
        }
        let (_, replay) = Journal::open(dir.path(), &Seal::plain()).unwrap();
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
            let (mut journal, _) = Journal::open(dir.path(), &Seal::plain()).unwrap();
            journal
                .append([
                    (key.as_str(), change.raw_bytes()),
                    (other.0, other.1.as_slice()),
                ])
                .unwrap();
        }
        let stored = fs::read(dir.path().join(segment_name(1))).unwrap();
        assert!(memchr::memmem::find(&stored, change.hash().to_string().as_bytes()).is_none());
        let (_, replay) = Journal::open(dir.path(), &Seal::plain()).unwrap();
        let keys: Vec<&str> = replay.records.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, [key.as_str(), other.0]);
        assert_eq!(replay.records[0].data, change.raw_bytes());
    }

    /// The journal's segment after appending each record as its own frame, and where each
    /// frame ends.
    fn framed(
        dir: &Path,
        recs: &[(String, Vec<u8>)],
        restart_every: usize,
    ) -> (Vec<u8>, Vec<usize>) {
        framed_with(dir, recs, restart_every, &Seal::plain())
    }

    fn framed_with(
        dir: &Path,
        recs: &[(String, Vec<u8>)],
        restart_every: usize,
        seal: &Seal,
    ) -> (Vec<u8>, Vec<usize>) {
        let (mut journal, _) = Journal::open(dir, seal).unwrap();
        journal.restart_every = restart_every;
        let mut ends = Vec::new();
        for r in recs {
            append_all(&mut journal, std::slice::from_ref(r));
            ends.push(journal.bytes as usize);
        }
        (
            fs::read(dir.join(segment_name(journal.seq()))).unwrap(),
            ends,
        )
    }

    fn keys(out: &[Record]) -> Vec<&str> {
        out.iter().map(|r| r.key.as_str()).collect()
    }

    #[test]
    fn a_torn_last_frame_is_dropped_silently_and_damage_costs_the_frames_to_the_next_restart() {
        let dir = tempfile::tempdir().unwrap();
        let recs = records(4);
        let (whole, ends) = framed(dir.path(), &recs, RESTART_EVERY);
        // A crash in the middle of the last append: the first three are intact.
        let mut out = Vec::new();
        assert!(!read_records(
            &whole[..whole.len() - 5],
            1,
            &Seal::plain(),
            &mut out
        ));
        assert_eq!(keys(&out), [&recs[0].0, &recs[1].0, &recs[2].0]);
        // A flipped byte in the second frame: the first is read; the frames after it need
        // its bytes to decode and no restart came, so they are lost too, and reported.
        let mut flipped = whole.clone();
        flipped[ends[0] + HEADER + 1] ^= 0x40;
        let mut out = Vec::new();
        assert!(read_records(&flipped, 1, &Seal::plain(), &mut out));
        assert_eq!(keys(&out), [&recs[0].0]);
    }

    #[test]
    fn sealed_frames_hide_their_records_and_find_a_torn_tail_and_damage_as_plain_ones_do() {
        let seal = Seal::new(&crate::seal::DataKey::generate());
        let dir = tempfile::tempdir().unwrap();
        let recs: Vec<(String, Vec<u8>)> = (0..4)
            .map(|i| {
                (
                    format!("doc{i}/incremental/h{i}"),
                    b"petitioner 13800138000".to_vec(),
                )
            })
            .collect();
        let (whole, ends) = framed_with(dir.path(), &recs, 1, &seal);
        assert!(memchr::memmem::find(&whole, b"13800138000").is_none());
        assert!(memchr::memmem::find(&whole, b"doc1").is_none());
        let mut out = Vec::new();
        assert!(!read_records(&whole, 1, &seal, &mut out));
        assert_eq!(keys(&out).len(), 4);
        // Torn tail: dropped in silence, as in a plain journal.
        let mut out = Vec::new();
        assert!(!read_records(&whole[..whole.len() - 5], 1, &seal, &mut out));
        assert_eq!(keys(&out), [&recs[0].0, &recs[1].0, &recs[2].0]);
        // A frame with a good CRC that does not open (flipped and CRC recomputed, as an
        // attacker would): damage, reported, and the next restart decodes again.
        let mut flipped = whole.clone();
        let start = ends[0];
        flipped[start + HEADER + 30] ^= 0x40;
        let len = u32::from_le_bytes(flipped[start + 5..start + 9].try_into().unwrap()) as usize;
        let crc = crc32fast::hash(&flipped[start + HEADER..start + HEADER + len]);
        flipped[start + 9..start + 13].copy_from_slice(&crc.to_le_bytes());
        let mut out = Vec::new();
        assert!(read_records(&flipped, 1, &seal, &mut out));
        assert_eq!(keys(&out), [&recs[0].0, &recs[2].0, &recs[3].0]);
        // A segment read under another number (renamed) does not open.
        let mut out = Vec::new();
        assert!(read_records(&whole, 2, &seal, &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn after_damage_decoding_resumes_at_the_next_restart() {
        let dir = tempfile::tempdir().unwrap();
        let recs = records(4);
        // Every frame a restart: damage costs only its own frame.
        let (whole, ends) = framed(dir.path(), &recs, 1);
        let mut flipped = whole.clone();
        flipped[ends[0] + HEADER + 1] ^= 0x40;
        let mut out = Vec::new();
        assert!(read_records(&flipped, 1, &Seal::plain(), &mut out));
        assert_eq!(keys(&out), [&recs[0].0, &recs[2].0, &recs[3].0]);
    }

    #[test]
    fn alike_changes_take_under_half_their_size_in_the_journal() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        let mut recs = Vec::new();
        for i in 0..200 {
            doc.put(automerge::ROOT, format!("r{i:03}"), i as i64)
                .unwrap();
            let change = doc.get_last_local_change().unwrap();
            recs.push((
                format!("2abcdefghijkmnop/incremental/{}", change.hash()),
                change.raw_bytes().to_vec(),
            ));
        }
        let plain: usize = recs.iter().map(|(k, d)| k.len() + d.len()).sum();
        let dir = tempfile::tempdir().unwrap();
        let (whole, _) = framed(dir.path(), &recs, RESTART_EVERY);
        assert!(
            whole.len() * 2 < plain,
            "{} bytes on disk for {plain} bytes of records",
            whole.len()
        );
        let mut out = Vec::new();
        assert!(!read_records(&whole, 1, &Seal::plain(), &mut out));
        let back: Vec<(String, Vec<u8>)> = out.into_iter().map(|r| (r.key, r.data)).collect();
        assert_eq!(back, recs);
    }
}
