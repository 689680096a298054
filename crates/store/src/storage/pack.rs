//! A change's bytes as the journal stores them: without what the reader can compute again.
//!
//! An Automerge change chunk is `magic (4) | checksum (4) | type (1) | length (LEB128) |
//! body`, and its body starts with its dependencies: a count, then 32-byte hashes. The
//! checksum is the first four bytes of the change's hash, SHA-256 of everything after it;
//! and a dependency is almost always the hash of a change journaled a few records before
//! (the document's previous change). Hashes do not compress, so these 36 bytes were most
//! of what a live change costs in a compressed journal. Packed, a change leaves out its
//! checksum and every dependency that is an earlier record of the same stream, named by
//! how many records back it is; the reader hashes each record it decodes and puts them
//! back. A change that would not come back byte for byte is stored as it is.

use sha2::{Digest, Sha256};

use super::chunk::{leb128_u64, write_leb128};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Chunk type of an uncompressed change (compressed ones are stored as they are).
const CHANGE: u8 = 1;
const RAW: u8 = 0;
const PACKED: u8 = 1;

/// How far back (in records) a dependency may be named.
const REACH: usize = 4096;

/// The hashes of the records of one stream since it last started afresh, in order (`None`
/// for a record that is not a change). Writer and reader each keep one, reset together.
#[derive(Debug, Default)]
pub(super) struct Recent {
    hashes: Vec<Option<[u8; 32]>>,
}

impl Recent {
    pub fn reset(&mut self) {
        self.hashes.clear();
    }

    fn push(&mut self, hash: Option<[u8; 32]>) {
        if self.hashes.len() >= 2 * REACH {
            self.hashes.drain(..REACH);
        }
        self.hashes.push(hash);
    }

    /// How many records back `hash` is, if within reach.
    fn distance(&self, hash: &[u8]) -> Option<usize> {
        self.hashes
            .iter()
            .rev()
            .take(REACH)
            .position(|h| h.as_ref().is_some_and(|h| h.as_slice() == hash))
            .map(|i| i + 1)
    }

    fn back(&self, distance: usize) -> Option<[u8; 32]> {
        let at = self.hashes.len().checked_sub(distance)?;
        self.hashes.get(at).copied().flatten()
    }
}

/// A LEB128 number at `at` in `bytes`, moving `at` past it.
fn read_leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut rest = bytes.get(*at..)?;
    let before = rest.len();
    let value = leb128_u64(&mut rest)?;
    *at += before - rest.len();
    Some(value)
}

/// The hash of an uncompressed change chunk whose checksum holds.
fn change_hash(bytes: &[u8]) -> Option<[u8; 32]> {
    if bytes.len() < 9 || bytes[..4] != MAGIC || bytes[8] != CHANGE {
        return None;
    }
    let hash: [u8; 32] = Sha256::digest(&bytes[8..]).into();
    (hash[..4] == bytes[4..8]).then_some(hash)
}

/// Where a change's dependencies are: the offset of their count and of the first hash,
/// and how many there are.
fn deps_of(bytes: &[u8]) -> Option<(usize, usize, usize)> {
    let mut at = 9;
    let body_len = usize::try_from(read_leb(bytes, &mut at)?).ok()?;
    if at.checked_add(body_len)? != bytes.len() {
        return None;
    }
    let count_at = at;
    let count = usize::try_from(read_leb(bytes, &mut at)?).ok()?;
    (at.checked_add(count.checked_mul(32)?)? <= bytes.len()).then_some((count_at, at, count))
}

/// Writes `data` packed if that is lossless (and worth it), else as it is; notes it in
/// `recent`.
pub(super) fn pack(data: &[u8], recent: &mut Recent, out: &mut Vec<u8>) {
    let hash = change_hash(data);
    let packed = hash.and_then(|_| pack_change(data, recent));
    match packed {
        Some(p) if unpack(&p, recent).as_deref() == Some(data) => {
            out.push(PACKED);
            out.extend_from_slice(&p);
        }
        _ => {
            out.push(RAW);
            out.extend_from_slice(data);
        }
    }
    recent.push(hash);
}

fn pack_change(data: &[u8], recent: &Recent) -> Option<Vec<u8>> {
    let (_, first, count) = deps_of(data)?;
    let elided: Vec<(usize, usize)> = (0..count)
        .filter_map(|i| {
            let dep = &data[first + 32 * i..first + 32 * (i + 1)];
            recent.distance(dep).map(|d| (i, d))
        })
        .collect();
    if elided.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(data.len());
    write_leb128(&mut out, elided.len() as u64);
    for (i, d) in &elided {
        write_leb128(&mut out, *i as u64);
        write_leb128(&mut out, *d as u64);
    }
    // Magic and type stay (they are what the reader checks), the checksum goes.
    out.extend_from_slice(&data[..4]);
    out.extend_from_slice(&data[8..first]);
    let mut next = elided.iter().map(|(i, _)| *i).peekable();
    for i in 0..count {
        if next.peek() == Some(&i) {
            next.next();
        } else {
            out.extend_from_slice(&data[first + 32 * i..first + 32 * (i + 1)]);
        }
    }
    out.extend_from_slice(&data[first + 32 * count..]);
    Some(out)
}

/// A packed change's bytes again, from the records before it.
fn unpack(packed: &[u8], recent: &Recent) -> Option<Vec<u8>> {
    let mut at = 0;
    let n = usize::try_from(read_leb(packed, &mut at)?).ok()?;
    let mut elided = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        let i = usize::try_from(read_leb(packed, &mut at)?).ok()?;
        let d = usize::try_from(read_leb(packed, &mut at)?).ok()?;
        elided.push((i, recent.back(d)?));
    }
    let rest = packed.get(at..)?;
    if rest.len() < 5 || rest[..4] != MAGIC || rest[4] != CHANGE {
        return None;
    }
    // The chunk without its checksum: magic, type, length, dependency count.
    let mut cursor = 5;
    let body_len = usize::try_from(read_leb(rest, &mut cursor)?).ok()?;
    let count = usize::try_from(read_leb(rest, &mut cursor)?).ok()?;
    let mut body = Vec::with_capacity(body_len + 1 + 10);
    body.push(CHANGE);
    body.extend_from_slice(rest.get(5..cursor)?);
    let mut from = cursor;
    let mut elided = elided.into_iter().peekable();
    for i in 0..count {
        match elided.peek() {
            Some((j, hash)) if *j == i => {
                body.extend_from_slice(hash);
                elided.next();
            }
            _ => {
                body.extend_from_slice(rest.get(from..from + 32)?);
                from += 32;
            }
        }
    }
    if elided.next().is_some() {
        return None;
    }
    body.extend_from_slice(rest.get(from..)?);
    let hash: [u8; 32] = Sha256::digest(&body).into();
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&hash[..4]);
    out.extend_from_slice(&body);
    // The length must describe what came back, or this was not a packed change.
    deps_of(&out).map(|_| out)
}

/// The record data at the start of `bytes` (kind byte included), as it was before `pack`;
/// notes it in `recent`. `None` when a packed change does not come back whole.
pub(super) fn unpack_record(bytes: &[u8], recent: &mut Recent) -> Option<Vec<u8>> {
    let (kind, rest) = bytes.split_first()?;
    let data = match *kind {
        RAW => rest.to_vec(),
        PACKED => unpack(rest, recent)?,
        _ => return None,
    };
    recent.push(change_hash(&data));
    Some(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    #[test]
    fn changes_come_back_byte_for_byte_without_checksum_or_known_parents() {
        let mut a = automerge::AutoCommit::new();
        let mut changes = Vec::new();
        for i in 0..20 {
            a.put(automerge::ROOT, format!("r{i}"), i as i64).unwrap();
            changes.push(a.get_last_local_change().unwrap().raw_bytes().to_vec());
        }
        // A merge: two parents, one journaled, one not.
        let mut b = a.fork();
        b.put(automerge::ROOT, "b", "东岸村").unwrap();
        a.put(automerge::ROOT, "a", "西村").unwrap();
        let from_a = a.get_last_local_change().unwrap().raw_bytes().to_vec();
        a.merge(&mut b).unwrap();
        a.put(automerge::ROOT, "after", 1).unwrap();
        changes.push(from_a);
        changes.push(a.get_last_local_change().unwrap().raw_bytes().to_vec());
        changes.push(b"not a change".to_vec());

        let (mut writer, mut reader) = (Recent::default(), Recent::default());
        let mut saved = 0;
        for data in &changes {
            let mut out = Vec::new();
            pack(data, &mut writer, &mut out);
            saved += (1 + data.len()).saturating_sub(out.len());
            assert_eq!(unpack_record(&out, &mut reader).as_deref(), Some(&data[..]));
        }
        // 20 with a parent journaled before (36 bytes each), the merge one of two.
        assert!(saved >= 20 * 30, "saved {saved} bytes");
    }

    #[test]
    fn a_reader_that_lacks_the_parent_refuses_the_record() {
        let mut a = automerge::AutoCommit::new();
        a.put(automerge::ROOT, "x", 1).unwrap();
        let first = a.get_last_local_change().unwrap().raw_bytes().to_vec();
        a.put(automerge::ROOT, "y", 2).unwrap();
        let second = a.get_last_local_change().unwrap().raw_bytes().to_vec();
        let mut writer = Recent::default();
        let mut out = Vec::new();
        pack(&first, &mut writer, &mut out);
        out.clear();
        pack(&second, &mut writer, &mut out);
        assert_eq!(out[0], PACKED);
        assert_eq!(unpack_record(&out, &mut Recent::default()), None);
    }
}
