//! Reading automerge chunks without loading them: checksums, a change's hash, a saved
//! document's heads. Enough to tell a damaged file from a good one when the store opens.

use automerge::ChangeHash;
use samod::storage::StorageKey;
use sha2::{Digest, Sha256};

/// The heads recorded in a document chunk's header: after the magic, checksum, type and
/// length come the number of actors and the actor ids, then the heads. Reading them is
/// cheap compared with loading the document.
pub(super) fn snapshot_heads(bytes: &[u8]) -> Option<Vec<ChangeHash>> {
    if bytes.len() < 9 || bytes[..4] != MAGIC || bytes[8] != 0 {
        return None;
    }
    let mut cursor = &bytes[9..];
    leb128_u64(&mut cursor)?; // chunk length
    let actors = leb128_u64(&mut cursor)?;
    for _ in 0..actors {
        let len = leb128_u64(&mut cursor)? as usize;
        cursor = cursor.get(len..)?;
    }
    let heads = leb128_u64(&mut cursor)?;
    let mut out = Vec::new();
    for _ in 0..heads {
        let hash = cursor.get(..32)?;
        out.push(ChangeHash::try_from(hash).ok()?);
        cursor = &cursor[32..];
    }
    Some(out)
}

pub(super) fn is_snapshot(key: &StorageKey) -> bool {
    key.into_iter().nth(1).is_some_and(|p| p == "snapshot")
}

/// The first bytes of every automerge chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Checks a stored chunk for damage: a truncated or altered file fails here.
///
/// Incrementals are single changes, parsed and verified in full (they are small).
/// Snapshots are whole documents; their chunk checksums are verified without
/// decompressing, so opening the store does not load every document twice.
pub(super) fn check_chunk(key: &StorageKey, bytes: &[u8]) -> Result<(), String> {
    if is_snapshot(key) {
        check_document_checksum(bytes)
    } else {
        incremental_hash(key, bytes).map(|_| ())
    }
}

/// The hash of an incremental change chunk (None for keys that are not changes).
pub(super) fn incremental_hash(
    key: &StorageKey,
    bytes: &[u8],
) -> Result<Option<ChangeHash>, String> {
    if key.into_iter().nth(1).is_some_and(|p| p == "incremental") {
        let change = automerge::Change::try_from(bytes).map_err(|e| format!("变更块损坏：{e}"))?;
        Ok(Some(change.hash()))
    } else {
        Ok(None)
    }
}

pub(super) fn check_document_checksum(bytes: &[u8]) -> Result<(), String> {
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 9 || rest[..4] != MAGIC {
            return Err("文件头损坏（不是 automerge 数据块）".into());
        }
        let checksum = &rest[4..8];
        let chunk_type = rest[8];
        let mut cursor = &rest[9..];
        let len = leb128_u64(&mut cursor).ok_or("长度字段损坏")? as usize;
        if cursor.len() < len {
            return Err(format!(
                "文件被截断：需要 {len} 字节，只有 {} 字节",
                cursor.len()
            ));
        }
        let data = &cursor[..len];
        let mut hasher = Sha256::new();
        hasher.update([chunk_type]);
        let mut len_bytes = Vec::with_capacity(10);
        write_leb128(&mut len_bytes, len as u64);
        hasher.update(&len_bytes);
        hasher.update(data);
        let digest = hasher.finalize();
        // Compressed changes carry the checksum of their uncompressed form; leave those to
        // automerge's own load.
        if chunk_type != 2 && digest[..4] != *checksum {
            return Err("校验和不符（文件内容被改动或损坏）".into());
        }
        rest = &cursor[len..];
    }
    Ok(())
}

pub(super) fn leb128_u64(input: &mut &[u8]) -> Option<u64> {
    let mut result = 0u64;
    for (i, byte) in input.iter().enumerate().take(10) {
        result |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *input = &input[i + 1..];
            return Some(result);
        }
    }
    None
}

pub(super) fn write_leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
