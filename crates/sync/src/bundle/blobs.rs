//! Attachments' bytes in a bundle (version 3): which blobs go, how they are read back and
//! checked, and which the receiver keeps.

use std::collections::BTreeSet;

use fengqiao_store::blobs::BlobHash;
use fengqiao_store::{DocName, Store, StoreError};

use super::{BlobEntry, BundleError, PeerState};

/// Appends to `data` the bytes of every blob live attachments in `readable` refer to and
/// the peer (when known) lacks; returns their index entries. A blob whose bytes are not
/// here is left out: the receiver fetches it at its next network sync.
pub(super) fn carried(
    store: &Store,
    readable: &[DocName],
    since: Option<&PeerState>,
    blob_bytes: &dyn Fn(&BlobHash) -> Option<Vec<u8>>,
    data: &mut Vec<u8>,
) -> Result<Vec<BlobEntry>, BundleError> {
    let has: BTreeSet<&str> = since
        .map(|p| p.blobs.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let mut entries = Vec::new();
    for hash in store.blobs_referenced_by(readable)? {
        let hex = hash.to_string();
        if has.contains(hex.as_str()) {
            continue;
        }
        let Some(bytes) = blob_bytes(&hash) else {
            continue;
        };
        entries.push(BlobEntry {
            hash: hex,
            len: bytes.len(),
        });
        data.extend_from_slice(&bytes);
    }
    Ok(entries)
}

/// Reads the blobs after the documents, refusing the bundle if any does not hash to its
/// name (nothing is applied then).
pub(super) fn read(
    entries: &[BlobEntry],
    mut rest: &[u8],
) -> Result<Vec<(BlobHash, Vec<u8>)>, BundleError> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let hash: BlobHash = entry
            .hash
            .parse()
            .map_err(|e| BundleError::BadHeader(format!("{e}")))?;
        let (bytes, after) = rest.split_at(entry.len.min(rest.len()));
        rest = after;
        let actual = BlobHash::of(bytes);
        if actual != hash {
            return Err(BundleError::Store(StoreError::BlobMismatch {
                hash: hash.to_string(),
                actual: actual.to_string(),
            }));
        }
        out.push((hash, bytes.to_vec()));
    }
    Ok(out)
}

/// What the receiver kept of a bundle's blobs.
pub(super) struct Kept {
    pub stored: usize,
    pub bytes: usize,
    pub unreferenced: Vec<String>,
}

/// Stores the blobs some live attachment here names and lacks bytes for; reports the ones
/// no record here refers to (a bundle cannot place bytes a receiver's records do not ask
/// for).
pub(super) fn store_wanted(
    store: &Store,
    blobs: Vec<(BlobHash, Vec<u8>)>,
) -> Result<Kept, BundleError> {
    let mut kept = Kept {
        stored: 0,
        bytes: 0,
        unreferenced: Vec::new(),
    };
    if blobs.is_empty() {
        return Ok(kept);
    }
    let wanted: BTreeSet<BlobHash> = store.missing_blobs()?.into_iter().map(|(h, _)| h).collect();
    for (hash, bytes) in blobs {
        if store.blobs().has(&hash) {
            continue;
        }
        if !wanted.contains(&hash) {
            kept.unreferenced.push(hash.to_string());
            continue;
        }
        store.blobs().put_verified(&hash, &bytes)?;
        kept.stored += 1;
        kept.bytes += bytes.len();
    }
    Ok(kept)
}
