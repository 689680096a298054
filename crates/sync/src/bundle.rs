//! Offline bundles: one file that carries documents (or only the changes a peer lacks)
//! from one laptop to another on a USB stick.
//!
//! Typical workflow:
//! 1. On the receiving laptop, `fengqiao bundle state have.json` records what it already has
//!    ([`PeerState`]); carry the file over (optional — without it the bundle holds
//!    everything).
//! 2. On the sending laptop, `fengqiao bundle export out.fqb --since have.json` writes
//!    [`export`]: only the changes the receiver lacks.
//! 3. On the receiving laptop, `fengqiao bundle import out.fqb` runs [`import`]: the whole
//!    file is verified (format, version, county, every checksum, every document's bytes)
//!    before anything is applied, so a corrupt, truncated or foreign bundle changes nothing.
//!
//! Format, version 1 (all integers little-endian):
//! `b"FQBUNDLE"` · `u16` version · `u32` header length · header (JSON: county, sender,
//! time, and for each document its name, length and SHA-256) · the documents' bytes in
//! header order · SHA-256 of everything before it.

use std::collections::BTreeMap;

use fengqiao_store::{DocName, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"FQBUNDLE";
/// The bundle format version this build writes and reads.
pub const BUNDLE_VERSION: u16 = 1;

/// Why a bundle was refused. Nothing is applied when any of these occurs.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file does not start like a bundle.
    #[error("不是枫桥同步包（文件头不符） (not a Fengqiao bundle)")]
    NotABundle,
    /// A bundle from a newer (or unknown) format version.
    #[error(
        "同步包格式版本 {0} 不受支持（本程序支持 {BUNDLE_VERSION}） (unsupported bundle version)"
    )]
    UnsupportedVersion(u16),
    /// The file ends before its declared contents.
    #[error(
        "同步包不完整：应有 {expected} 字节，实际 {actual} 字节（文件被截断） (truncated bundle)"
    )]
    Truncated { expected: usize, actual: usize },
    /// A checksum does not match: the file was altered or damaged.
    #[error("同步包校验失败：{what} 的校验和不符（文件被改动或损坏） (checksum mismatch)")]
    Corrupt { what: String },
    /// The header cannot be read.
    #[error("同步包头无法解析：{0} (bad header)")]
    BadHeader(String),
    /// The bundle belongs to another county's directory.
    #[error("同步包来自 {bundle}，不属于本县（{ours}） (bundle from another county)")]
    ForeignCounty { bundle: String, ours: String },
    /// A document's bytes are not valid Automerge data.
    #[error("没有与设备“{0}”同步过的记录（fengqiao peers 可列出已知设备） (unknown peer)")]
    UnknownPeer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One document in a bundle's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEntry {
    /// The document's name, e.g. `cases/gangkou/2026-Q4`.
    pub name: String,
    /// Byte length of its data.
    pub len: usize,
    /// SHA-256 of its data, hex.
    pub sha256: String,
}

/// A bundle's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    pub county: String,
    pub from_device: String,
    pub from_device_name: String,
    pub created_at: String,
    pub documents: Vec<BundleEntry>,
}

/// What a laptop already has: the heads of each of its documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerState {
    pub county: String,
    pub device: String,
    pub documents: BTreeMap<String, Vec<String>>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub from_device_name: String,
    pub documents: usize,
    pub bytes: usize,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The heads of every document `store` holds, to hand to the sending laptop.
pub fn peer_state(store: &Store) -> Result<PeerState, BundleError> {
    let mut documents = BTreeMap::new();
    for name in store.catalogue()? {
        if let Some(heads) = store.document_heads(&name)? {
            documents.insert(name.to_string(), heads);
        }
    }
    Ok(PeerState {
        county: store.identity().county.clone(),
        device: store.identity().device_id.clone(),
        documents,
    })
}

/// What this laptop knows `peer` (an endpoint id) has, from the last network round with
/// it: a bundle made from it carries only what came after.
pub fn remembered_state(store: &Store, peer: &str) -> Result<PeerState, BundleError> {
    let book = crate::PeerBook::load(store.data_dir())
        .map_err(|e| BundleError::BadHeader(e.to_string()))?;
    let record = book
        .peers
        .iter()
        .find(|(id, r)| id.as_str() == peer || id.starts_with(peer) || r.name == peer)
        .map(|(id, r)| (id.clone(), r.heads.clone()))
        .ok_or_else(|| BundleError::UnknownPeer(peer.to_owned()))?;
    Ok(PeerState {
        county: store.identity().county.clone(),
        device: record.0,
        documents: record.1,
    })
}

/// Writes a bundle of every document `store` holds; with `since`, only what that peer
/// lacks (documents it already has in full are left out).
pub fn export(store: &Store, since: Option<&PeerState>) -> Result<Vec<u8>, BundleError> {
    let ours = &store.identity().county;
    if let Some(peer) = since
        && peer.county != *ours
    {
        return Err(BundleError::ForeignCounty {
            bundle: peer.county.clone(),
            ours: ours.clone(),
        });
    }
    let mut entries = Vec::new();
    let mut payload = Vec::new();
    let table = store.access();
    // A known peer gets only what the directory lets it hold, as over the network.
    let allowed = |name: &DocName| match since {
        Some(peer) if table.device(&peer.device).is_some() => {
            table.access(&peer.device, name).can_read()
        }
        _ => true,
    };
    for name in store.catalogue()? {
        if !allowed(&name) {
            continue;
        }
        let peer_heads = since.and_then(|p| p.documents.get(&name.to_string()));
        if let (Some(theirs), Some(mine)) = (peer_heads, store.document_heads(&name)?)
            && *theirs == mine
        {
            continue;
        }
        let bytes = match peer_heads {
            Some(heads) => store.export_changes_since(&name, heads)?,
            None => store.export_document(&name)?,
        };
        let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
            continue;
        };
        entries.push(BundleEntry {
            name: name.to_string(),
            len: bytes.len(),
            sha256: hex(&sha256(&bytes)),
        });
        payload.extend_from_slice(&bytes);
    }
    let header = BundleHeader {
        county: ours.clone(),
        from_device: store.identity().device_id.clone(),
        from_device_name: store.identity().device_name.clone(),
        created_at: fengqiao_store::now_cst().to_rfc3339(),
        documents: entries,
    };
    let header_bytes =
        serde_json::to_vec(&header).map_err(|e| BundleError::BadHeader(e.to_string()))?;
    let mut out = Vec::with_capacity(payload.len() + header_bytes.len() + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&BUNDLE_VERSION.to_le_bytes());
    let header_len = u32::try_from(header_bytes.len())
        .map_err(|_| BundleError::BadHeader("header too large".into()))?;
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(&header_bytes);
    out.extend_from_slice(&payload);
    let digest = sha256(&out);
    out.extend_from_slice(&digest);
    Ok(out)
}

/// A verified bundle: its header and each document's name and bytes.
pub type VerifiedBundle<'a> = (BundleHeader, Vec<(DocName, &'a [u8])>);

/// Parses and verifies a bundle without touching any store: every check but the county.
pub fn verify(bytes: &[u8]) -> Result<VerifiedBundle<'_>, BundleError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    let fixed = MAGIC.len() + 2 + 4;
    if bytes.len() < fixed + 32 {
        return Err(BundleError::Truncated {
            expected: fixed + 32,
            actual: bytes.len(),
        });
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != BUNDLE_VERSION {
        return Err(BundleError::UnsupportedVersion(version));
    }
    let header_len = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
    let header_end = fixed + header_len;
    if bytes.len() < header_end + 32 {
        return Err(BundleError::Truncated {
            expected: header_end + 32,
            actual: bytes.len(),
        });
    }
    let header: BundleHeader = serde_json::from_slice(&bytes[fixed..header_end])
        .map_err(|e| BundleError::BadHeader(e.to_string()))?;
    let payload_len: usize = header.documents.iter().map(|d| d.len).sum();
    let expected = header_end + payload_len + 32;
    if bytes.len() != expected {
        return Err(if bytes.len() < expected {
            BundleError::Truncated {
                expected,
                actual: bytes.len(),
            }
        } else {
            BundleError::Corrupt {
                what: "文件长度".into(),
            }
        });
    }
    let (body, digest) = bytes.split_at(expected - 32);
    if sha256(body) != digest {
        return Err(BundleError::Corrupt {
            what: "整个同步包".into(),
        });
    }
    let mut documents = Vec::new();
    let mut at = header_end;
    for entry in &header.documents {
        let data = &bytes[at..at + entry.len];
        at += entry.len;
        if hex(&sha256(data)) != entry.sha256 {
            return Err(BundleError::Corrupt {
                what: format!("文档 {}", entry.name),
            });
        }
        let name: DocName = entry
            .name
            .parse()
            .map_err(|e| BundleError::BadHeader(format!("{e}")))?;
        Store::check_document_bytes(&name, data)?;
        documents.push((name, data));
    }
    Ok((header, documents))
}

/// Verifies a bundle completely, then merges its documents into `store`.
pub fn import(store: &Store, bytes: &[u8]) -> Result<ImportReport, BundleError> {
    let (header, documents) = verify(bytes)?;
    let ours = &store.identity().county;
    if header.county != *ours {
        return Err(BundleError::ForeignCounty {
            bundle: header.county,
            ours: ours.clone(),
        });
    }
    // The directory first: it lists the other documents.
    let mut ordered: Vec<_> = documents.iter().collect();
    ordered.sort_by_key(|(name, _)| *name != DocName::Directory);
    let mut total = 0;
    for (name, data) in &ordered {
        store.import_document(name, data)?;
        total += data.len();
    }
    Ok(ImportReport {
        from_device_name: header.from_device_name,
        documents: documents.len(),
        bytes: total,
    })
}
