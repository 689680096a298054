//! Attachments (附件): evidence on a case, its events and notes (the case's `attachments`
//! map) or on a field visit (the visit record's own `attachments` map). A record names
//! the bytes by hash; the bytes are in the blob store (`blobs.rs`), written before the
//! record so no record points at bytes this device lost.
//!
//! Who may fetch a blob from this device is decided like every read: a device may have the
//! bytes only if it may receive a document here that refers to them
//! ([`Store::may_serve_blob`]); knowing a hash is not enough.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ObjId, ObjType, ReadDoc, transaction::Transactable};
use fengqiao_model::attachment::{
    DEFAULT_MAX_FILE_BYTES, DEFAULT_QUOTA_BYTES, bare_file_name, media_type_of,
};
use fengqiao_model::{AttachedTo, Attachment, AttachmentId, Role, VisitId, Withdrawal};
use serde::Serialize;
use serde_json::Value;

use super::Store;
use crate::blobs::{BlobHash, BlobStore};
use crate::record::{self, UnreadableRecord, case_obj, known_form, map_in, str_field, to_json};
use crate::{DocName, StoreError, now_cst};

/// The key of an owner's map of attachments.
const ATTACHMENTS: &str = "attachments";
/// The directory's `meta` keys of the county's limits.
const MAX_FILE_BYTES: &str = "attachment_max_file_bytes";
const QUOTA_BYTES: &str = "attachment_quota_bytes";

/// The county's limits on attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AttachmentLimits {
    /// The largest file that may be attached.
    pub max_file_bytes: u64,
    /// Above this many bytes of attachments in a data directory, its user is warned.
    pub quota_bytes: u64,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        AttachmentLimits {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            quota_bytes: DEFAULT_QUOTA_BYTES,
        }
    }
}

/// An attachment as a list shows it: the record, and whether its bytes are here yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttachmentView {
    #[serde(flatten)]
    pub attachment: Attachment,
    /// Whether the bytes are on this device; if not, the next sync brings them.
    pub present: bool,
}

/// What [`Store::attach`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attached {
    pub attachment: Attachment,
    /// Set when the directory's attachments now pass the county's quota.
    pub over_quota: Option<QuotaWarning>,
}

/// The data directory's attachments pass the county's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuotaWarning {
    pub used_bytes: u64,
    pub quota_bytes: u64,
}

impl std::fmt::Display for QuotaWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "本机附件已占 {}，超过县里设定的 {}；请同步后清理已撤回的附件 (attachments over quota)",
            human_bytes(self.used_bytes),
            human_bytes(self.quota_bytes)
        )
    }
}

/// `n` bytes for a person: KB, MB or GB with one decimal.
pub fn human_bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f >= K * K * K {
        format!("{:.1} GB", f / (K * K * K))
    } else if f >= K * K {
        format!("{:.1} MB", f / (K * K))
    } else if f >= K {
        format!("{:.1} KB", f / K)
    } else {
        format!("{n} B")
    }
}

/// What a sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sweep {
    pub removed: Vec<String>,
    pub freed_bytes: u64,
}

/// The attachments' bytes on this device, as `doctor` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttachmentHealth {
    /// Blobs here whose bytes hash to their name.
    pub whole: usize,
    pub bytes: u64,
    /// Blobs live records here name and the next sync brings.
    pub awaiting: usize,
    /// Blobs whose bytes did not read or hash right, moved to `quarantine/` so the next
    /// sync fetches them again: hash and why.
    pub damaged: Vec<(String, String)>,
}

/// One reference to a blob from a document this device holds.
#[derive(Debug, Clone)]
pub(super) struct BlobRef {
    doc: DocName,
    size: u64,
    live: bool,
}

impl Store {
    /// The data directory's blob store.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// The county's limits (the defaults where the office set none).
    pub fn attachment_limits(&self) -> Result<AttachmentLimits, StoreError> {
        let read = |d: &automerge::Automerge, key: &str| {
            map_in(d, "meta").and_then(|m| str_field(d, &m, key).parse::<u64>().ok())
        };
        let (max, quota) = self
            .read(&DocName::Directory, |d| {
                (read(d, MAX_FILE_BYTES), read(d, QUOTA_BYTES))
            })?
            .unwrap_or_default();
        let default = AttachmentLimits::default();
        Ok(AttachmentLimits {
            max_file_bytes: max.filter(|n| *n > 0).unwrap_or(default.max_file_bytes),
            quota_bytes: quota.filter(|n| *n > 0).unwrap_or(default.quota_bytes),
        })
    }

    /// Sets the county's limits (office and admin devices).
    pub fn put_attachment_limits(&self, limits: AttachmentLimits) -> Result<(), StoreError> {
        self.require_role(Role::maintains_county_records, "修改附件限额")?;
        self.write(&DocName::Directory, |tx| {
            let meta = record::map_at(tx, "meta")?;
            tx.put(&meta, MAX_FILE_BYTES, limits.max_file_bytes.to_string())?;
            tx.put(&meta, QUOTA_BYTES, limits.quota_bytes.to_string())?;
            Ok(())
        })
    }

    /// Attaches `bytes` (read from a file named `file_name`) to a case, or to one of its
    /// events or notes. The bytes are durable in the blob store before the record is
    /// written. An empty file or one over the county's cap is refused, naming it.
    pub fn attach(
        &self,
        case_key: &str,
        on: AttachedTo,
        file_name: &str,
        bytes: &[u8],
        caption: &str,
    ) -> Result<Attached, StoreError> {
        self.require_case_writer()?;
        if matches!(on, AttachedTo::Visit(_)) {
            return Err(StoreError::BadValue {
                field: "on".into(),
                value: "visit".into(),
                why: "下访的附件请在下访页添加".into(),
            });
        }
        let (name, record) = self.case_in_document(case_key)?;
        let id = record.case.id;
        let found = match on {
            AttachedTo::Case | AttachedTo::Visit(_) => true,
            AttachedTo::Event(e) => record.events.iter().any(|x| x.id == e),
            AttachedTo::Note(n) => record.notes.iter().any(|x| x.id == n),
        };
        if !found {
            return Err(StoreError::BadValue {
                field: "on".into(),
                value: serde_json::to_string(&on).unwrap_or_default(),
                why: format!("案件 {} 上没有这条{}", record.case.number, on.label()),
            });
        }
        let attachment = self.stage_attachment(on, file_name, bytes, caption)?;
        // An accusation's materials are kept apart with its accuser (第三十条第三款).
        if super::confidential::is_split(&record.case) {
            self.attach_kept_apart(&record.case, &attachment)?;
            return self.attached(attachment);
        }
        let value = to_json(&attachment)?;
        let key = attachment.id.to_string();
        self.write(&name, |tx| {
            let case = case_obj(tx, id)?;
            let map = attachments_map(tx, &case)?;
            record::put_record(tx, &map, &key, &value)?;
            Ok(())
        })?;
        self.attached(attachment)
    }

    /// Attaches a file to a field visit of `township` in `year`.
    pub fn attach_to_visit(
        &self,
        township: &str,
        year: i32,
        visit: VisitId,
        file_name: &str,
        bytes: &[u8],
        caption: &str,
    ) -> Result<Attached, StoreError> {
        self.require_case_writer()?;
        let name = DocName::Visits {
            township: self.township_code_of(township)?,
            year,
        };
        let key = visit.to_string();
        let exists = self
            .read(&name, |d| {
                map_in(d, "visits").is_some_and(|m| matches!(d.get(&m, &key), Ok(Some(_))))
            })?
            .unwrap_or(false);
        if !exists {
            return Err(StoreError::BadValue {
                field: "visit".into(),
                value: key,
                why: format!("{township} {year} 年没有这次下访"),
            });
        }
        let attachment =
            self.stage_attachment(AttachedTo::Visit(visit), file_name, bytes, caption)?;
        let value = to_json(&attachment)?;
        let attachment_key = attachment.id.to_string();
        self.write(&name, |tx| {
            let visits = record::map_at(tx, "visits")?;
            let visit = match tx.get(&visits, &key)? {
                Some((automerge::Value::Object(ObjType::Map), obj)) => obj,
                _ => {
                    return Err(StoreError::NoSuchCase(key.clone()));
                }
            };
            let map = attachments_map(tx, &visit)?;
            record::put_record(tx, &map, &attachment_key, &value)?;
            Ok(())
        })?;
        self.attached(attachment)
    }

    /// A case as its document holds it, and that document: one lookup for a read and the
    /// write that follows it.
    fn case_in_document(&self, case_key: &str) -> Result<(DocName, super::CaseRecord), StoreError> {
        let record = self.case_alone(case_key)?;
        let name = record
            .document
            .parse::<DocName>()
            .map_err(|e| StoreError::BadDocumentData {
                doc: record.document.clone(),
                reason: e.to_string(),
            })?;
        Ok((name, record))
    }

    /// Checks a file against the county's limits, stores its bytes durably, and makes the
    /// record naming them.
    fn stage_attachment(
        &self,
        on: AttachedTo,
        file_name: &str,
        bytes: &[u8],
        caption: &str,
    ) -> Result<Attachment, StoreError> {
        let file_name = bare_file_name(file_name);
        if bytes.is_empty() {
            return Err(StoreError::BadValue {
                field: "file".into(),
                value: file_name,
                why: "文件是空的（0 字节），不能作为附件".into(),
            });
        }
        let limits = self.attachment_limits()?;
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(StoreError::BadValue {
                field: "file".into(),
                value: file_name,
                why: format!(
                    "文件 {}，超过县里设定的单个附件上限 {}",
                    human_bytes(bytes.len() as u64),
                    human_bytes(limits.max_file_bytes)
                ),
            });
        }
        let hash = self.blobs.put(bytes)?;
        Ok(Attachment {
            id: AttachmentId::generate(),
            on,
            hash: hash.to_string(),
            media_type: media_type_of(&file_name),
            file_name,
            size: bytes.len() as u64,
            caption: caption.trim().to_owned(),
            attached_by: self.identity.person.id,
            attached_by_name: self.identity.person.name.clone(),
            attached_at: now_cst(),
            withdrawn: None,
        })
    }

    fn attached(&self, attachment: Attachment) -> Result<Attached, StoreError> {
        let quota = self.attachment_limits()?.quota_bytes;
        let used = self.blobs.total_bytes()?;
        Ok(Attached {
            attachment,
            over_quota: (used > quota).then_some(QuotaWarning {
                used_bytes: used,
                quota_bytes: quota,
            }),
        })
    }

    /// The attachments of a case and of its events and notes, withdrawn ones included
    /// (a list shows them struck through), oldest first.
    pub fn attachments(&self, case_key: &str) -> Result<Vec<AttachmentView>, StoreError> {
        // The case as read, with an accusation's materials where this device may see them.
        let mut record = self.case_alone(case_key)?;
        self.restore_kept_apart(&mut record)?;
        Ok(self.views(record.attachments))
    }

    /// The attachments of a field visit.
    pub fn visit_attachments(
        &self,
        township: &str,
        year: i32,
        visit: VisitId,
    ) -> Result<Vec<AttachmentView>, StoreError> {
        let name = DocName::Visits {
            township: self.township_code_of(township)?,
            year,
        };
        let key = visit.to_string();
        let found = self
            .read(&name, |d| {
                let visits = map_in(d, "visits")?;
                match d.get(&visits, &key) {
                    Ok(Some((automerge::Value::Object(ObjType::Map), obj))) => {
                        Some(attachments_of(d, &obj).0)
                    }
                    _ => None,
                }
            })?
            .flatten()
            .unwrap_or_default();
        Ok(self.views(found))
    }

    fn views(&self, mut found: Vec<Attachment>) -> Vec<AttachmentView> {
        found.sort_by_key(|a| (a.attached_at, a.id));
        found
            .into_iter()
            .map(|attachment| AttachmentView {
                present: attachment
                    .hash
                    .parse::<BlobHash>()
                    .is_ok_and(|h| self.blobs.has(&h)),
                attachment,
            })
            .collect()
    }

    /// Withdraws an attachment of a case: a recorded change naming who, when and why; the
    /// record stays, and the bytes stay until a sweep finds nothing else refers to them.
    pub fn withdraw_attachment(
        &self,
        case_key: &str,
        attachment: AttachmentId,
        reason: &str,
    ) -> Result<Attachment, StoreError> {
        self.require_case_writer()?;
        let (name, record) = self.case_in_document(case_key)?;
        let (id, case) = (record.case.id, record.case);
        let key = attachment.to_string();
        let by = self.identity.person.clone();
        if super::confidential::is_split(&case)
            && self
                .confidential_part(&case)?
                .is_some_and(|p| p.attachments.contains_key(&key))
        {
            return self.withdraw_kept_apart(&case, &key, reason);
        }
        self.write(&name, |tx| {
            let case = case_obj(tx, id)?;
            withdraw_in(tx, &case, &key, by.id, &by.name, reason)
        })
    }

    /// Withdraws an attachment of a field visit, as [`Store::withdraw_attachment`].
    pub fn withdraw_visit_attachment(
        &self,
        township: &str,
        year: i32,
        visit: VisitId,
        attachment: AttachmentId,
        reason: &str,
    ) -> Result<Attachment, StoreError> {
        self.require_case_writer()?;
        let name = DocName::Visits {
            township: self.township_code_of(township)?,
            year,
        };
        let (visit, key) = (visit.to_string(), attachment.to_string());
        let by = self.identity.person.clone();
        self.write(&name, |tx| {
            let visits = record::map_at(tx, "visits")?;
            let Some((automerge::Value::Object(ObjType::Map), owner)) = tx.get(&visits, &visit)?
            else {
                return Err(StoreError::BadValue {
                    field: "visit".into(),
                    value: visit.clone(),
                    why: "没有这次下访".into(),
                });
            };
            withdraw_in(tx, &owner, &key, by.id, &by.name, reason)
        })
    }

    /// The bytes of an attachment this device holds a record of; `None` when the record
    /// is here and the bytes not yet (the next sync brings them). A hash no record here
    /// names is refused like one this device may not read.
    pub fn attachment_bytes(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, StoreError> {
        if !self.blob_references()?.contains_key(hash) {
            return Err(StoreError::NotPermitted(format!(
                "读取附件 {hash}（本机没有引用它的记录）"
            )));
        }
        self.blobs.get(hash)
    }

    /// Blobs named by live attachments in documents here and not yet in the blob store,
    /// with their sizes: what a sync round fetches after the documents.
    pub fn missing_blobs(&self) -> Result<Vec<(BlobHash, u64)>, StoreError> {
        Ok(self
            .blob_references()?
            .into_iter()
            .filter(|(hash, refs)| refs.iter().any(|r| r.live) && !self.blobs.has(hash))
            .map(|(hash, refs)| (hash, refs.iter().map(|r| r.size).max().unwrap_or(0)))
            .collect())
    }

    /// Whether `device` may have the blob's bytes from this device: some document held
    /// here refers to it and the directory lets that device receive the document.
    pub fn may_serve_blob(&self, device: &str, hash: &BlobHash) -> Result<bool, StoreError> {
        let access = self.access();
        Ok(self.blob_references()?.get(hash).is_some_and(|refs| {
            refs.iter()
                .any(|r| access.access(device, &r.doc).can_read())
        }))
    }

    /// The blobs live attachments in the given documents refer to: what a bundle for a
    /// reader of those documents carries.
    pub fn blobs_referenced_by(&self, docs: &[DocName]) -> Result<Vec<BlobHash>, StoreError> {
        let wanted: BTreeSet<&DocName> = docs.iter().collect();
        Ok(self
            .blob_references()?
            .into_iter()
            .filter(|(_, refs)| refs.iter().any(|r| r.live && wanted.contains(&r.doc)))
            .map(|(hash, _)| hash)
            .collect())
    }

    /// Removes blobs no live attachment here refers to, and partial transfers of them.
    pub fn sweep_blobs(&self) -> Result<Sweep, StoreError> {
        // An outbox file that does not read may name any blob: sweep nothing until it does.
        if let Some((file, reason)) = self.pending_handover()?.unreadable.into_iter().next() {
            return Err(StoreError::BadDocumentData {
                doc: file.display().to_string(),
                reason: format!("{reason}（待移交的检举材料无法读取，修复前不清理附件）"),
            });
        }
        let refs = self.blob_references()?;
        let mut sweep = Sweep::default();
        for (hash, size) in self.blobs.list()? {
            let live = refs.get(&hash).is_some_and(|r| r.iter().any(|r| r.live));
            if !live {
                self.blobs.remove(&hash)?;
                sweep.removed.push(hash.to_string());
                sweep.freed_bytes += size;
            }
        }
        Ok(sweep)
    }

    /// Reads every blob back and checks it against its hash; a damaged one is moved to
    /// `quarantine/blob-<hash>` (kept for inspection), so a sync fetches it again.
    pub fn attachment_health(&self) -> Result<AttachmentHealth, StoreError> {
        let mut health = AttachmentHealth::default();
        for (hash, size) in self.blobs.list()? {
            match self.blobs.get(&hash) {
                Ok(_) => {
                    health.whole += 1;
                    health.bytes += size;
                }
                Err(e) => {
                    let quarantine = self.dir.quarantine();
                    std::fs::create_dir_all(&quarantine).map_err(StoreError::io(&quarantine))?;
                    self.blobs
                        .move_to(&hash, &quarantine.join(format!("blob-{hash}")))?;
                    health.damaged.push((hash.to_string(), e.to_string()));
                }
            }
        }
        health.awaiting = self.missing_blobs()?.len();
        Ok(health)
    }

    /// Every blob the case and visit documents here refer to, with where from.
    pub(super) fn blob_references(&self) -> Result<BTreeMap<BlobHash, Vec<BlobRef>>, StoreError> {
        let mut out: BTreeMap<BlobHash, Vec<BlobRef>> = BTreeMap::new();
        let docs = self.catalogue()?.into_iter().filter(|n| {
            matches!(
                n,
                DocName::Cases { .. } | DocName::Visits { .. } | DocName::Confidential { .. }
            )
        });
        for doc in docs {
            let found = self
                .read(&doc, |d| {
                    let top = match doc {
                        DocName::Visits { .. } => "visits",
                        _ => "cases",
                    };
                    let Some(map) = map_in(d, top) else {
                        return Vec::new();
                    };
                    d.map_range(&map, ..)
                        .flat_map(|item| attachments_of(d, &item.id()).0)
                        .collect::<Vec<_>>()
                })?
                .unwrap_or_default();
            for a in found {
                if let Ok(hash) = a.hash.parse::<BlobHash>() {
                    out.entry(hash).or_default().push(BlobRef {
                        doc: doc.clone(),
                        size: a.size,
                        live: a.is_live(),
                    });
                }
            }
        }
        // Materials of accusations waiting in the outbox: readable only as the part is.
        for part in self.pending_handover()?.parts {
            for a in part.attachments.values() {
                if let Ok(hash) = a.hash.parse::<BlobHash>() {
                    out.entry(hash).or_default().push(BlobRef {
                        doc: part.document(),
                        size: a.size,
                        live: a.is_live(),
                    });
                }
            }
        }
        Ok(out)
    }
}

/// The owner's map of attachments to write into, created by the first attachment. Two
/// laptops creating it at once make two maps; [`attachments_of`] reads them all.
pub(super) fn attachments_map<T: Transactable>(
    tx: &mut T,
    owner: &ObjId,
) -> Result<ObjId, StoreError> {
    match tx.get(owner, ATTACHMENTS)? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => Ok(obj),
        _ => Ok(tx.put_object(owner, ATTACHMENTS, ObjType::Map)?),
    }
}

/// Every attachment under an owner (a case or a visit), from each of its maps, and those
/// this version cannot read.
pub(super) fn attachments_of<R: ReadDoc>(
    d: &R,
    owner: &ObjId,
) -> (Vec<Attachment>, Vec<UnreadableRecord>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (value, obj) in d.get_all(owner, ATTACHMENTS).unwrap_or_default() {
        if !matches!(value, automerge::Value::Object(ObjType::Map)) {
            continue;
        }
        if let Value::Object(entries) = record::read_value(d, &obj, ObjType::Map) {
            for (key, entry) in entries {
                match record::decode::<Attachment>(ATTACHMENTS, &key, &entry) {
                    Ok(a) => out.push(a),
                    Err(u) => bad.push(u),
                }
            }
        }
    }
    (out, bad)
}

/// Marks the attachment `key` under `owner` withdrawn, in whichever of its maps it is.
pub(super) fn withdraw_in<T: Transactable + ReadDoc>(
    tx: &mut T,
    owner: &ObjId,
    key: &str,
    by: fengqiao_model::PersonId,
    by_name: &str,
    reason: &str,
) -> Result<Attachment, StoreError> {
    let maps: Vec<ObjId> = tx
        .get_all(owner, ATTACHMENTS)?
        .into_iter()
        .filter(|(v, _)| matches!(v, automerge::Value::Object(ObjType::Map)))
        .map(|(_, o)| o)
        .collect();
    for map in maps {
        let Some((automerge::Value::Object(ObjType::Map), obj)) = tx.get(&map, key)? else {
            continue;
        };
        let stored = record::read_value(tx, &obj, ObjType::Map);
        let mut attachment: Attachment =
            serde_json::from_value(stored).map_err(|e| StoreError::DamagedRecord {
                doc: String::new(),
                id: key.to_owned(),
                reason: e.to_string(),
            })?;
        if attachment.withdrawn.is_some() {
            return Ok(attachment);
        }
        attachment.withdrawn = Some(Withdrawal {
            by,
            by_name: by_name.to_owned(),
            at: now_cst(),
            reason: reason.trim().to_owned(),
        });
        record::update_record(
            tx,
            &map,
            key,
            &to_json(&attachment)?,
            known_form::<Attachment>,
        )?;
        return Ok(attachment);
    }
    Err(StoreError::BadValue {
        field: "attachment".into(),
        value: key.to_owned(),
        why: "这个案件上没有这件附件".into(),
    })
}
