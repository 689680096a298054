//! Offline bundles: one file that carries documents (or only the changes a peer lacks)
//! from one laptop to another on a USB stick — signed by the laptop that wrote it, sealed
//! for the laptops that may read it, and applied exactly as the network would apply what
//! that laptop sends.
//!
//! Typical workflow:
//! 1. On the receiving laptop, `fengqiao bundle state have.json` records what it already has
//!    ([`PeerState`]); carry the file over (optional — without it the bundle holds
//!    everything).
//! 2. On the sending laptop, `fengqiao bundle export out.fqb --since have.json` writes
//!    [`export`]: only the changes the receiver lacks, of the documents this laptop may
//!    write (nobody would take the others from it), signed with this laptop's device key
//!    and sealed for every enrolled, unrevoked device of the county as this laptop's
//!    directory has it (with `--for PEER`, [`export_to`] seals it for that one device).
//!    A laptop that is not enrolled can still export; receivers refuse its bundle.
//! 3. On the receiving laptop, `fengqiao bundle import out.fqb` runs [`import`]:
//!    - the file is checked whole (format, version, lengths, checksum) and its signature
//!      verified against the device key named in its header;
//!    - the signer is looked up in the receiver's own directory: an unknown device is
//!      refused (whatever name the header claims), so is a revoked one. Nothing in the
//!      bundle, nor `device.json`, decides what the signer may do;
//!    - the receiver unwraps the content key sealed for it (a laptop that is not a
//!      recipient cannot read the bundle) and decrypts the documents;
//!    - each document the signer may not write is skipped (and reported when it carries
//!      anything the receiver lacks); in the others
//!      every change passes the same per-change author check as changes from the network
//!      ([`Store::vet_incoming`]), and refused changes are reported;
//!    - every document is merged into a scratch copy first ([`Store::check_merge`]); only
//!      if all of them merge is anything applied. A corrupt, truncated, forged, foreign or
//!      unmergeable bundle leaves the receiver's data unchanged.
//!
//! Format, version 2 (all integers little-endian):
//! `b"FQBUNDLE"` · `u16` version · `u32` header length · header · sealed contents ·
//! SHA-256 of everything before it · ed25519 signature by the exporting device.
//!
//! - The header is JSON, in the clear: county, exporting device id (its ed25519 public key,
//!   hex — the iroh endpoint id) and name, time, the ephemeral X25519 public key, the
//!   recipients (device id and the content key wrapped for it) and the sealed contents'
//!   length. It names no document and holds no case data.
//! - The sealed contents are the contents encrypted with ChaCha20-Poly1305 under the
//!   bundle's random content key, with everything before them as associated data.
//!   Contents: `u32` index length · index (JSON: each document's name, length and
//!   SHA-256) · the documents' bytes in index order.
//! - The signature is over `fengqiao/bundle/2/signature\n` and the SHA-256. How the
//!   content key is wrapped for each recipient (X25519 from the ed25519 device keys,
//!   HKDF-SHA256, ChaCha20-Poly1305) is described in the `seal` submodule.
//!
//! Version 3 is version 2 whose index also lists attachments' bytes (each blob's BLAKE3
//! hash and length), after the documents: a bundle carries the blobs its documents refer
//! to that the receiver lacks, so evidence travels with the records. A bundle without
//! blobs is still written as version 2, which older builds read. Every blob is checked
//! against its hash before anything is applied (one wrong blob refuses the whole bundle);
//! a blob is kept only if a record the receiver holds refers to it.
//!
//! Version 1 bundles (unsigned, in the clear) are refused: there is no unsigned import.

mod blobs;
mod seal;

use std::collections::BTreeMap;
use std::sync::Arc;

use fengqiao_model::Device;
use fengqiao_store::blobs::BlobHash;
use fengqiao_store::{Access, AccessTable, DocName, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use self::seal::{SIGNATURE_LEN, SealError, WRAPPED_LEN};

const MAGIC: &[u8; 8] = b"FQBUNDLE";
/// The bundle format version this build writes and reads.
pub const BUNDLE_VERSION: u16 = 3;
/// The version written when a bundle carries no blobs (readable by builds before 3).
const VERSION_WITHOUT_BLOBS: u16 = 2;
/// Magic, version and header length.
const PREFIX_LEN: usize = MAGIC.len() + 2 + 4;
/// The checksum and the signature after the sealed contents.
const TRAILER_LEN: usize = 32 + SIGNATURE_LEN;

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
    /// A version 1 bundle: unsigned and unencrypted, no longer accepted.
    #[error(
        "这是旧版（第 1 版）同步包：没有签名、没有加密，已不再接受；请在导出的笔记本上升级枫桥后重新导出 (version 1 bundles are no longer accepted)"
    )]
    Version1,
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
    /// The signature is not the named device's: the file was forged or altered.
    #[error("同步包签名无效：文件被改动过，或并非由包头所称的设备 {device} 导出 (bad signature)")]
    BadSignature { device: String },
    /// The bundle belongs to another county's directory.
    #[error("同步包来自 {bundle}，不属于本县（{ours}） (bundle from another county)")]
    ForeignCounty { bundle: String, ours: String },
    /// The signing device is not in this laptop's directory.
    #[error(
        "同步包由未登记的设备 {device} 导出（包内自称“{claimed_name}”，未经核实）；本县目录中没有这台设备，拒绝导入 (bundle signed by a device that is not enrolled)"
    )]
    UnknownSigner {
        device: String,
        claimed_name: String,
    },
    /// The signing device was revoked.
    #[error(
        "同步包由设备“{name}”（{device}）导出，该设备已吊销，拒绝导入 (bundle signed by a revoked device)"
    )]
    RevokedSigner { device: String, name: String },
    /// This laptop is not one of the devices the bundle was sealed for.
    #[error(
        "本机不是该同步包的收件设备，无法读取（该包是为 {recipients} 台设备封装的） (this device is not a recipient)"
    )]
    NotARecipient { recipients: usize },
    /// The sealed contents cannot be opened although this laptop is a recipient.
    #[error("同步包内容无法解密：{0}（文件被改动或损坏） (cannot decrypt)")]
    Undecryptable(String),
    /// Export: nobody to seal the bundle for.
    #[error("没有可接收同步包的设备：{0} (no recipients)")]
    NoRecipients(String),
    /// A document would not merge; nothing was applied.
    #[error("文档 {document} 无法合并，整个同步包未导入，本机数据未改动：{source}")]
    MergeFailed {
        document: String,
        source: Box<StoreError>,
    },
    /// `--for` a peer this laptop has never synced with.
    #[error("没有与设备“{0}”同步过的记录（fengqiao peers 可列出已知设备） (unknown peer)")]
    UnknownPeer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One recipient in a bundle's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The recipient's device id (ed25519 public key, hex).
    pub device: String,
    /// The content key wrapped for it, hex.
    pub wrapped_key: String,
}

/// A bundle's header, in the clear and covered by the signature. `from_device_name` is
/// the exporter's claim; import names the signer from its own directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    pub county: String,
    pub from_device: String,
    pub from_device_name: String,
    pub created_at: String,
    /// The bundle's ephemeral X25519 public key, hex.
    pub ephemeral_key: String,
    pub recipients: Vec<Recipient>,
    /// Length of the sealed contents.
    pub sealed_len: u64,
}

/// One document in a bundle's (sealed) index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEntry {
    /// The document's name, e.g. `cases/gangkou/2026-Q4`.
    pub name: String,
    /// Byte length of its data.
    pub len: usize,
    /// SHA-256 of its data, hex.
    pub sha256: String,
}

/// One attachment's bytes in a bundle's (sealed) index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobEntry {
    /// BLAKE3 of the bytes, hex.
    pub hash: String,
    pub len: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct Index {
    documents: Vec<BundleEntry>,
    /// Version 3: the blobs after the documents, in this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    blobs: Vec<BlobEntry>,
}

/// What a laptop already has: the heads of each of its documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerState {
    pub county: String,
    pub device: String,
    pub documents: BTreeMap<String, Vec<String>>,
    /// The attachments' bytes it has (hashes): a bundle for it leaves them out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<String>,
}

/// Whom a bundle is sealed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipients {
    /// Every enrolled, unrevoked device in the exporter's directory.
    County,
    /// One device, by id.
    Device(String),
}

/// A written bundle and what it holds.
#[derive(Debug, Clone)]
pub struct Exported {
    pub bytes: Vec<u8>,
    pub documents: Vec<BundleEntry>,
    pub blobs: Vec<BlobEntry>,
    /// The recipients' device ids.
    pub recipients: Vec<String>,
}

/// A document of the bundle that contributed nothing, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub document: String,
    pub reason: String,
}

/// Changes of a document that were refused one by one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedChanges {
    pub document: String,
    /// One line per refused change: device and reason.
    pub reasons: Vec<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The signer's device id.
    pub from_device: String,
    /// The signer's name as this laptop's directory has it.
    pub from_device_name: String,
    /// Documents that brought changes this laptop lacked and accepted.
    pub documents: usize,
    pub bytes: usize,
    pub skipped: Vec<Skipped>,
    pub refused: Vec<RefusedChanges>,
    /// Attachments' bytes stored (each checked against its hash).
    pub blobs: usize,
    pub blob_bytes: usize,
    /// Blobs no record held here refers to: not stored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blobs_unreferenced: Vec<String>,
}

/// An opened bundle: checked, signer known and current, contents decrypted.
#[derive(Debug, Clone)]
pub struct OpenedBundle {
    pub header: BundleHeader,
    /// The signer as the receiver's directory has it.
    pub signer: Device,
    pub documents: Vec<(DocName, Vec<u8>)>,
    /// Attachments' bytes, each already checked against its hash.
    pub blobs: Vec<(BlobHash, Vec<u8>)>,
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The authorisation rules of `store`'s directory. The store publishes them when it
/// first loads the directory, so a freshly opened store (the CLI's) is made to load it.
fn directory_rules(store: &Store) -> Result<Arc<AccessTable>, BundleError> {
    store.document_heads(&DocName::Directory)?;
    Ok(store.access())
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
        blobs: store
            .blobs()
            .list()?
            .into_iter()
            .map(|(h, _)| h.to_string())
            .collect(),
    })
}

/// What this laptop knows `peer` (an endpoint id) has, from the last network round with
/// it: a bundle made from it carries only what came after.
pub fn remembered_state(store: &Store, peer: &str) -> Result<PeerState, BundleError> {
    let book =
        crate::PeerBook::load(store.data()).map_err(|e| BundleError::BadHeader(e.to_string()))?;
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
        blobs: Vec::new(),
    })
}

/// Writes a bundle of every document `store` holds and may write (with `since`, only what
/// that peer lacks), sealed for every enrolled, unrevoked device of the county.
pub fn export(store: &Store, since: Option<&PeerState>) -> Result<Vec<u8>, BundleError> {
    Ok(export_to(store, since, &Recipients::County)?.bytes)
}

/// Writes a bundle (with `since`, only what that peer lacks) sealed for `to`.
pub fn export_to(
    store: &Store,
    since: Option<&PeerState>,
    to: &Recipients,
) -> Result<Exported, BundleError> {
    export_to_with(store, since, to, &|hash| {
        store.blobs().get(hash).ok().flatten()
    })
}

/// [`export_to`], taking each blob's bytes from `blob_bytes` (`None`: not here, left
/// out). Tests stand in a patched exporter with it; receivers check every blob anyway.
pub fn export_to_with(
    store: &Store,
    since: Option<&PeerState>,
    to: &Recipients,
    blob_bytes: &dyn Fn(&BlobHash) -> Option<Vec<u8>>,
) -> Result<Exported, BundleError> {
    let ours = &store.identity().county;
    if let Some(peer) = since
        && peer.county != *ours
    {
        return Err(BundleError::ForeignCounty {
            bundle: peer.county.clone(),
            ours: ours.clone(),
        });
    }
    let table = directory_rules(store)?;
    let recipients: Vec<String> = match to {
        Recipients::Device(id) => vec![id.clone()],
        Recipients::County => {
            let mut ids: Vec<String> = store
                .devices()?
                .into_iter()
                .filter(|d| !d.revoked && table.enrolled(&d.id).is_some())
                .map(|d| d.id)
                .collect();
            ids.sort();
            ids.dedup();
            ids
        }
    };
    if recipients.is_empty() {
        return Err(BundleError::NoRecipients(
            "本机目录中没有已登记且未吊销的设备".into(),
        ));
    }
    // A known peer gets only what the directory lets it hold, as over the network.
    let reader = match (to, since) {
        (Recipients::Device(id), _) => Some(id.as_str()),
        (Recipients::County, Some(peer)) => Some(peer.device.as_str()),
        (Recipients::County, None) => None,
    };
    // An accuser's identity (第三十条第三款) travels only in a bundle sealed for one
    // device the directory grants it to: every recipient can open a bundle.
    let confidential_ok = matches!(to, Recipients::Device(id)
        if table.device(id).is_some_and(Device::reads_confidential));
    let allowed = |name: &DocName| match reader {
        _ if matches!(name, DocName::Confidential { .. }) && !confidential_ok => false,
        Some(id) if table.device(id).is_some() => table.access(id, name).can_read(),
        _ => true,
    };
    let mut entries = Vec::new();
    let mut data = Vec::new();
    let mut readable = Vec::new();
    for name in store.catalogue()? {
        if allowed(&name) {
            readable.push(name.clone());
        }
        // A receiver takes from the signer only documents the signer may write (as its own
        // directory says; this laptop's copy is the best guess here): the rest would be
        // skipped there, and need not travel.
        if !allowed(&name) || !store.may_write(&name) {
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
        data.extend_from_slice(&bytes);
    }
    let blob_entries = blobs::carried(store, &readable, since, blob_bytes, &mut data)?;
    let version = if blob_entries.is_empty() {
        VERSION_WITHOUT_BLOBS
    } else {
        BUNDLE_VERSION
    };
    let index = serde_json::to_vec(&Index {
        documents: entries.clone(),
        blobs: blob_entries.clone(),
    })
    .map_err(|e| BundleError::BadHeader(e.to_string()))?;
    let index_len = u32::try_from(index.len())
        .map_err(|_| BundleError::BadHeader("同步包目录过大 (index too large)".into()))?;
    let mut contents = Vec::with_capacity(4 + index.len() + data.len());
    contents.extend_from_slice(&index_len.to_le_bytes());
    contents.extend_from_slice(&index);
    contents.extend_from_slice(&data);
    drop(data);

    let content_key = seal::random_key();
    let ephemeral = seal::random_key();
    let mut sealed_for = Vec::with_capacity(recipients.len());
    for id in &recipients {
        let key = seal::device_key(id).map_err(|_| {
            BundleError::NoRecipients(format!("“{id}” 不是有效的设备 id (bad device id)"))
        })?;
        let wrapped = seal::wrap(&content_key, ephemeral, &key).map_err(|_| {
            BundleError::NoRecipients(format!("无法为设备 {id} 封装密钥 (cannot wrap key)"))
        })?;
        sealed_for.push(Recipient {
            device: id.clone(),
            wrapped_key: hex(&wrapped),
        });
    }
    // Poly1305 adds a 16-byte tag.
    let sealed_len = contents.len() as u64 + 16;
    let header = BundleHeader {
        county: ours.clone(),
        from_device: store.identity().device_id.clone(),
        from_device_name: store.identity().device_name.clone(),
        created_at: fengqiao_store::now_cst().to_rfc3339(),
        ephemeral_key: hex(&seal::ephemeral_public(ephemeral)),
        recipients: sealed_for,
        sealed_len,
    };
    let header_bytes =
        serde_json::to_vec(&header).map_err(|e| BundleError::BadHeader(e.to_string()))?;
    let header_len = u32::try_from(header_bytes.len())
        .map_err(|_| BundleError::BadHeader("header too large".into()))?;
    let mut out = Vec::with_capacity(PREFIX_LEN + header_bytes.len() + contents.len() + 128);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(&header_bytes);
    let sealed = seal::seal_contents(&content_key, &contents, &out)
        .map_err(|_| BundleError::BadHeader("同步包内容无法加密 (cannot encrypt)".into()))?;
    drop(contents);
    if sealed.len() as u64 != sealed_len {
        return Err(BundleError::BadHeader(
            "密文长度与声明不符 (sealed length mismatch)".into(),
        ));
    }
    out.extend_from_slice(&sealed);
    let digest = sha256(&out);
    out.extend_from_slice(&digest);
    out.extend_from_slice(&seal::sign(store.device_secret_key(), &digest));
    Ok(Exported {
        bytes: out,
        documents: entries,
        blobs: blob_entries,
        recipients,
    })
}

/// A bundle whose structure, checksum and signature are sound (not yet decrypted).
#[derive(Debug, Clone)]
pub struct Inspected<'a> {
    pub header: BundleHeader,
    /// Everything before the sealed contents (their associated data).
    prefix: &'a [u8],
    sealed: &'a [u8],
}

/// Checks a bundle without any store: format, version, lengths, checksum, and that it is
/// signed by the device its header names. Says nothing about whether that device is
/// enrolled; [`import`] decides that from the receiver's directory.
pub fn inspect(bytes: &[u8]) -> Result<Inspected<'_>, BundleError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    if bytes.len() < PREFIX_LEN {
        return Err(BundleError::Truncated {
            expected: PREFIX_LEN + TRAILER_LEN,
            actual: bytes.len(),
        });
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    match version {
        VERSION_WITHOUT_BLOBS | BUNDLE_VERSION => {}
        1 => return Err(BundleError::Version1),
        other => return Err(BundleError::UnsupportedVersion(other)),
    }
    let header_len = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
    let header_end = PREFIX_LEN.saturating_add(header_len);
    if bytes.len() < header_end.saturating_add(TRAILER_LEN) {
        return Err(BundleError::Truncated {
            expected: header_end.saturating_add(TRAILER_LEN),
            actual: bytes.len(),
        });
    }
    let header: BundleHeader = serde_json::from_slice(&bytes[PREFIX_LEN..header_end])
        .map_err(|e| BundleError::BadHeader(e.to_string()))?;
    // A declared length is only compared, never allocated.
    let expected = usize::try_from(header.sealed_len)
        .ok()
        .and_then(|n| n.checked_add(header_end))
        .and_then(|n| n.checked_add(TRAILER_LEN))
        .unwrap_or(usize::MAX);
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
    let body_end = expected - TRAILER_LEN;
    let digest = sha256(&bytes[..body_end]);
    if digest[..] != bytes[body_end..body_end + 32] {
        return Err(BundleError::Corrupt {
            what: "整个同步包".into(),
        });
    }
    let bad_signature = || BundleError::BadSignature {
        device: header.from_device.clone(),
    };
    let signer = seal::device_key(&header.from_device).map_err(|_| bad_signature())?;
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(&bytes[body_end + 32..]);
    seal::verify(&signer, &digest, &signature).map_err(|_| bad_signature())?;
    Ok(Inspected {
        prefix: &bytes[..header_end],
        sealed: &bytes[header_end..body_end],
        header,
    })
}

/// Opens a bundle for `store`: [`inspect`], then the county, the signer against this
/// laptop's directory (unknown and revoked devices are refused), this laptop's wrapped
/// key, the contents and every document's checksum and bytes. Applies nothing.
pub fn open(store: &Store, bytes: &[u8]) -> Result<OpenedBundle, BundleError> {
    let Inspected {
        header,
        prefix,
        sealed,
    } = inspect(bytes)?;
    let ours = &store.identity().county;
    if header.county != *ours {
        return Err(BundleError::ForeignCounty {
            bundle: header.county,
            ours: ours.clone(),
        });
    }
    let table = directory_rules(store)?;
    let signer = match table.device(&header.from_device) {
        None => {
            return Err(BundleError::UnknownSigner {
                device: header.from_device,
                claimed_name: header.from_device_name,
            });
        }
        Some(d) if d.revoked => {
            return Err(BundleError::RevokedSigner {
                device: d.id.clone(),
                name: d.name.clone(),
            });
        }
        Some(d) => d.clone(),
    };
    let own = store.device_secret_key();
    let own_id = store.identity().device_id.as_str();
    let Some(mine) = header.recipients.iter().find(|r| r.device == own_id) else {
        return Err(BundleError::NotARecipient {
            recipients: header.recipients.len(),
        });
    };
    let undecryptable = |what: &str| BundleError::Undecryptable(what.to_owned());
    let wrapped = data_encoding::HEXLOWER
        .decode(mine.wrapped_key.as_bytes())
        .ok()
        .filter(|w| w.len() == WRAPPED_LEN)
        .ok_or_else(|| undecryptable("本机的内容密钥格式不对"))?;
    let ephemeral: [u8; 32] = data_encoding::HEXLOWER
        .decode(header.ephemeral_key.as_bytes())
        .ok()
        .and_then(|e| e.try_into().ok())
        .ok_or_else(|| undecryptable("临时公钥格式不对"))?;
    let content_key = seal::unwrap(&wrapped, &ephemeral, own).map_err(|e| match e {
        SealError::WeakKey => undecryptable("临时公钥无效"),
        _ => undecryptable("本机的内容密钥解不开"),
    })?;
    let contents = seal::open_contents(&content_key, sealed, prefix)
        .map_err(|_| undecryptable("内容认证失败"))?;
    let (documents, blobs) = read_contents(&contents)?;
    Ok(OpenedBundle {
        header,
        signer,
        documents,
        blobs,
    })
}

/// Documents and blobs of a bundle's contents.
type Contents = (Vec<(DocName, Vec<u8>)>, Vec<(BlobHash, Vec<u8>)>);

/// Splits decrypted contents into documents and blobs, checking every length, checksum
/// and blob hash.
fn read_contents(contents: &[u8]) -> Result<Contents, BundleError> {
    let truncated = |expected: usize| BundleError::Truncated {
        expected,
        actual: contents.len(),
    };
    if contents.len() < 4 {
        return Err(truncated(4));
    }
    let index_len =
        u32::from_le_bytes([contents[0], contents[1], contents[2], contents[3]]) as usize;
    let index_end = 4usize.saturating_add(index_len);
    if contents.len() < index_end {
        return Err(truncated(index_end));
    }
    let index: Index = serde_json::from_slice(&contents[4..index_end])
        .map_err(|e| BundleError::BadHeader(e.to_string()))?;
    let expected = index
        .documents
        .iter()
        .map(|d| d.len)
        .chain(index.blobs.iter().map(|b| b.len))
        .try_fold(index_end, |sum, len| sum.checked_add(len))
        .unwrap_or(usize::MAX);
    if contents.len() != expected {
        return Err(if contents.len() < expected {
            truncated(expected)
        } else {
            BundleError::Corrupt {
                what: "内容长度".into(),
            }
        });
    }
    let mut documents = Vec::with_capacity(index.documents.len());
    let mut at = index_end;
    for entry in &index.documents {
        let data = &contents[at..at + entry.len];
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
        if documents.iter().any(|(n, _)| *n == name) {
            return Err(BundleError::BadHeader(format!(
                "文档 {name} 在同步包中出现了两次 (document listed twice)"
            )));
        }
        Store::check_document_bytes(&name, data)?;
        documents.push((name, data.to_vec()));
    }
    let blobs = blobs::read(&index.blobs, &contents[at..])?;
    Ok((documents, blobs))
}

/// What the per-change author check let through, and what it refused.
struct VetOutcome {
    /// Change chunks this laptop lacks and accepts.
    accepted: Vec<u8>,
    /// How many changes this laptop lacked (accepted or not).
    new_changes: usize,
    refused: Vec<String>,
}

/// The per-change check the network applies to what `signer` delivers: each change this
/// laptop lacks is decided by its author's rights in this laptop's directory
/// ([`Store::vet_incoming`]). The one place that check is called. Bytes that do not merge
/// with this laptop's copy are an error.
fn vet(
    store: &Store,
    name: &DocName,
    signer: &str,
    bytes: &[u8],
) -> Result<VetOutcome, StoreError> {
    let vetted = store.vet_incoming(name, signer, bytes)?;
    Ok(VetOutcome {
        accepted: vetted.accepted,
        new_changes: vetted.accepted_changes + vetted.refused.len(),
        refused: vetted.refused.iter().map(ToString::to_string).collect(),
    })
}

/// Why a document of the signer's is not taken at all, or `None` if it may write it.
fn not_writable(access: Access) -> Option<&'static str> {
    match access {
        Access::ReadWrite => None,
        Access::ReadOnly => Some("导出设备对该文档只有只读权限，其改动不予接收"),
        Access::None => Some("导出设备无权持有该文档"),
    }
}

/// Opens and checks a bundle completely, then merges into `store` exactly what the
/// network would accept from its signer — all documents or none.
pub fn import(store: &Store, bytes: &[u8]) -> Result<ImportReport, BundleError> {
    let OpenedBundle {
        header,
        signer,
        documents,
        blobs,
    } = open(store, bytes)?;
    let table = directory_rules(store)?;
    let own = store.identity().device_id.clone();
    let mut skipped = Vec::new();
    let mut refused = Vec::new();
    let mut accepted = Vec::new();
    for (name, data) in documents {
        // What the network would never send this device, a bundle does not place on it
        // either (a county bundle carries every township's documents).
        if !table.access(&own, &name).can_read() {
            continue;
        }
        if let Some(reason) = not_writable(table.access(&signer.id, &name)) {
            // Reported only when it holds something this laptop lacks: a township
            // laptop's bundle always carries the directory, which it only reads.
            let news = vet(store, &name, &signer.id, &data).map_or(1, |v| v.new_changes);
            if news > 0 {
                skipped.push(Skipped {
                    document: name.to_string(),
                    reason: reason.to_owned(),
                });
            }
            continue;
        }
        let vetted =
            vet(store, &name, &signer.id, &data).map_err(|source| BundleError::MergeFailed {
                document: name.to_string(),
                source: Box::new(source),
            })?;
        if !vetted.refused.is_empty() {
            refused.push(RefusedChanges {
                document: name.to_string(),
                reasons: vetted.refused,
            });
        }
        if !vetted.accepted.is_empty() {
            accepted.push((name, vetted.accepted));
        }
    }
    // All or nothing: every document must merge into a scratch copy first (what was
    // accepted of it, which may be less than the bundle carried).
    for (name, data) in &accepted {
        store
            .check_merge(name, data)
            .map_err(|source| BundleError::MergeFailed {
                document: name.to_string(),
                source: Box::new(source),
            })?;
    }
    // The directory first: it lists the other documents.
    accepted.sort_by_key(|(name, _)| *name != DocName::Directory);
    let mut total = 0;
    for (name, data) in &accepted {
        store.import_document(name, data)?;
        total += data.len();
    }
    // The records first, so the blobs they name are wanted.
    let kept = blobs::store_wanted(store, blobs)?;
    Ok(ImportReport {
        from_device: header.from_device,
        from_device_name: signer.name,
        documents: accepted.len(),
        bytes: total,
        skipped,
        refused,
        blobs: kept.stored,
        blob_bytes: kept.bytes,
        blobs_unreferenced: kept.unreferenced,
    })
}
