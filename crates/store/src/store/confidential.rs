//! Accusations kept apart (第三十条第三款): an accuser's identity and the accusation's text
//! never enter a case document, which every laptop of the township holds (the accused may
//! work there). They are split off when the case is registered, before anything is
//! written:
//!
//! - the case document gets the case with its petitioners replaced by
//!   [`WITHHELD_PERSON`] and its content by [`WITHHELD_CONTENT`]: number, township, route,
//!   status, dates and clocks stay, which is what township work needs;
//! - the part kept apart ([`ConfidentialPart`]) goes to `confidential/<year>`, a document
//!   only office devices with the confidential grant and the county server receive
//!   (`access.rs`). A device that may not hold it — a township laptop registering in a
//!   village — keeps it in a sealed outbox file until it hands it over to one that may
//!   (`fengqiao_sync`'s hand-over), then deletes it. Its Automerge history never held it.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use fengqiao_model::case::{Content, Petitioner};
use fengqiao_model::{Attachment, Case, CaseId, ContentType, Registration, Withdrawal};
use serde::{Deserialize, Serialize};

use super::Store;
use crate::record::{self, known_form, map_at, map_in, to_json};
use crate::{DocName, StoreError};

/// What a case document shows in place of the accuser.
pub const WITHHELD_PERSON: &str = "检举人信息依法保密";
/// What a case document shows in place of the accusation.
pub const WITHHELD_CONTENT: &str = "检举控告内容依法保密（第三十条第三款）";

/// The outbox of parts waiting to be handed over, under the data directory.
const OUTBOX: &str = "confidential/outbox";

/// An accusation's part kept apart: who accuses and what they say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfidentialPart {
    pub case_id: CaseId,
    pub number: String,
    /// The township's name (the case document's), to check the registering device's scope.
    pub township: String,
    pub received_on: NaiveDate,
    pub petitioners: Vec<Petitioner>,
    #[serde(default)]
    pub representatives: Vec<Petitioner>,
    pub content: Content,
    /// The device that registered the case.
    pub registered_by_device: String,
    pub registered_at: DateTime<FixedOffset>,
    /// The accusation's materials (letters, scans), by attachment id: their bytes travel
    /// with the part at the hand-over.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attachments: BTreeMap<String, Attachment>,
}

impl ConfidentialPart {
    /// The document it belongs in: the year the case was registered.
    pub fn document(&self) -> DocName {
        DocName::Confidential {
            year: self.registered_at.year(),
        }
    }
}

/// Whether a registration is kept apart: an accusation (检举控告类), or any case marked
/// confidential.
pub fn is_kept_apart(registration: &Registration) -> bool {
    registration.flags.confidential || registration.content_type == Some(ContentType::Accusation)
}

/// Whether a case was split at registration (its case document shows the placeholder).
pub(super) fn is_split(case: &Case) -> bool {
    case.registration.flags.confidential
        && case
            .registration
            .petitioners
            .first()
            .is_some_and(|p| p.name == WITHHELD_PERSON)
}

/// What a receiver decided about one part handed over to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverVerdict {
    pub case_id: CaseId,
    /// `None`: kept, durable. `Some(why)`: refused; the sender keeps it.
    pub refused: Option<String>,
}

/// What waits in this device's outbox to be handed over.
#[derive(Debug, Default)]
pub struct Outbox {
    /// The parts, oldest first.
    pub parts: Vec<ConfidentialPart>,
    /// Files that do not read, with why.
    pub unreadable: Vec<(std::path::PathBuf, String)>,
}

impl Store {
    /// Whether this device may hold accusers' identities (by the directory).
    pub fn reads_confidential(&self) -> bool {
        self.directory_device()
            .is_ok_and(|d| d.reads_confidential())
    }

    /// Splits an accusation's part off `case` (which keeps what township work needs) and
    /// makes it durable where this device may keep it, before the case is written.
    pub(super) fn keep_apart(&self, case: &mut Case) -> Result<(), StoreError> {
        let reg = &mut case.registration;
        reg.flags.confidential = true;
        let part = ConfidentialPart {
            case_id: case.id,
            number: case.number.to_string(),
            township: reg.township.clone(),
            received_on: reg.received_on,
            petitioners: std::mem::take(&mut reg.petitioners),
            representatives: std::mem::take(&mut reg.representatives),
            content: std::mem::take(&mut reg.content),
            registered_by_device: self.identity.device_id.clone(),
            registered_at: case.registered_at,
            attachments: BTreeMap::new(),
        };
        reg.petitioners = vec![Petitioner {
            name: WITHHELD_PERSON.to_owned(),
            anonymous: true,
            ..Petitioner::default()
        }];
        reg.content = Content {
            request: WITHHELD_CONTENT.to_owned(),
            ..Content::default()
        };
        if self.reads_confidential() {
            self.put_confidential(std::slice::from_ref(&part))
        } else {
            self.put_outbox(&part)
        }
    }

    fn put_outbox(&self, part: &ConfidentialPart) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(part).map_err(|e| StoreError::BadDocumentData {
            doc: OUTBOX.into(),
            reason: e.to_string(),
        })?;
        self.dir
            .write_private(&format!("{OUTBOX}/{}.json", part.case_id), &bytes)
    }

    fn outbox_part(&self, case: CaseId) -> Result<Option<ConfidentialPart>, StoreError> {
        let Some(bytes) = self.dir.read_private(&format!("{OUTBOX}/{case}.json"))? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::BadDocumentData {
                doc: format!("{OUTBOX}/{case}"),
                reason: e.to_string(),
            })
    }

    /// Files an accusation's material with its part: in `confidential/<year>` on a granted
    /// device, in the outbox before the hand-over; refused on a laptop that handed the
    /// part over already (new materials go to the office).
    pub(super) fn attach_kept_apart(
        &self,
        case: &Case,
        attachment: &Attachment,
    ) -> Result<(), StoreError> {
        if let Some(mut part) = self.outbox_part(case.id)? {
            part.attachments
                .insert(attachment.id.to_string(), attachment.clone());
            return self.put_outbox(&part);
        }
        if !self.reads_confidential() {
            return Err(StoreError::NotPermitted(format!(
                "为检举控告案件 {} 添加材料（检举材料已移交县信访局，新材料请交县信访局附入）",
                case.number
            )));
        }
        let (key, value) = (attachment.id.to_string(), to_json(attachment)?);
        self.write_in_part(case, |tx, part| {
            let map = super::attachments::attachments_map(tx, part)?;
            record::put_record(tx, &map, &key, &value)?;
            Ok(())
        })
    }

    /// Withdraws an accusation's material, wherever its part is kept here.
    pub(super) fn withdraw_kept_apart(
        &self,
        case: &Case,
        key: &str,
        reason: &str,
    ) -> Result<Attachment, StoreError> {
        let by = self.identity.person.clone();
        if let Some(mut part) = self.outbox_part(case.id)? {
            let Some(a) = part.attachments.get_mut(key) else {
                return Err(StoreError::NoSuchCase(key.to_owned()));
            };
            if a.withdrawn.is_none() {
                a.withdrawn = Some(Withdrawal {
                    by: by.id,
                    by_name: by.name.clone(),
                    at: crate::now_cst(),
                    reason: reason.trim().to_owned(),
                });
            }
            let done = a.clone();
            self.put_outbox(&part)?;
            return Ok(done);
        }
        self.write_in_part(case, |tx, part| {
            super::attachments::withdraw_in(tx, part, key, by.id, &by.name, reason)
        })
    }

    /// Runs `f` on the case's part in its `confidential/<year>` document.
    fn write_in_part<T>(
        &self,
        case: &Case,
        f: impl FnOnce(
            &mut automerge::transaction::Transaction<'_>,
            &automerge::ObjId,
        ) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let name = DocName::Confidential {
            year: case.registered_at.year(),
        };
        let key = case.id.to_string();
        self.write(&name, |tx| {
            let cases = map_at(tx, "cases")?;
            match automerge::ReadDoc::get(tx, &cases, &key)? {
                Some((automerge::Value::Object(automerge::ObjType::Map), part)) => f(tx, &part),
                _ => Err(StoreError::NotPermitted(format!(
                    "修改案件 {} 的保密部分（本机尚未收到它）",
                    case.number
                ))),
            }
        })
    }

    /// Writes parts into their `confidential/<year>` documents, durably.
    fn put_confidential(&self, parts: &[ConfidentialPart]) -> Result<(), StoreError> {
        let mut by_doc: BTreeMap<DocName, Vec<&ConfidentialPart>> = BTreeMap::new();
        for p in parts {
            by_doc.entry(p.document()).or_default().push(p);
        }
        for (name, parts) in by_doc {
            let values = parts
                .iter()
                .map(|p| Ok((p.case_id.to_string(), to_json(p)?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            self.write(&name, |tx| {
                let cases = map_at(tx, "cases")?;
                for (key, value) in &values {
                    record::update_record(tx, &cases, key, value, known_form::<ConfidentialPart>)?;
                }
                Ok(())
            })?;
            self.catalogue_add(&name)?;
        }
        Ok(())
    }

    /// The part kept apart of `case`, where this device may see it: from
    /// `confidential/<year>` on a granted device, or from its own outbox before the
    /// hand-over. `None` elsewhere.
    pub fn confidential_part(&self, case: &Case) -> Result<Option<ConfidentialPart>, StoreError> {
        if let Some(part) = self.outbox_part(case.id)? {
            return Ok(Some(part));
        }
        if !self.reads_confidential() {
            return Ok(None);
        }
        self.stored_part(case.registered_at.year(), case.id)
    }

    /// The part held in `confidential/<year>` for a case, if any.
    fn stored_part(&self, year: i32, case: CaseId) -> Result<Option<ConfidentialPart>, StoreError> {
        let name = DocName::Confidential { year };
        let key = case.to_string();
        Ok(self
            .read(&name, |d| {
                let cases = map_in(d, "cases")?;
                match automerge::ReadDoc::get(d, &cases, &key) {
                    Ok(Some((automerge::Value::Object(automerge::ObjType::Map), obj))) => {
                        let mut value = record::read_value(d, &obj, automerge::ObjType::Map);
                        // Materials are read from every map a concurrent first attach made.
                        if let serde_json::Value::Object(o) = &mut value {
                            o.remove("attachments");
                        }
                        let mut part = serde_json::from_value::<ConfidentialPart>(value).ok()?;
                        part.attachments = super::attachments::attachments_of(d, &obj)
                            .0
                            .into_iter()
                            .map(|a| (a.id.to_string(), a))
                            .collect();
                        Some(part)
                    }
                    _ => None,
                }
            })?
            .flatten())
    }

    /// Puts an accusation's part back into the case where this device may see it, and
    /// says whether it did.
    pub(super) fn restore_kept_apart(
        &self,
        record: &mut super::CaseRecord,
    ) -> Result<(), StoreError> {
        let reg = &record.case.registration;
        let split = reg.flags.confidential
            && reg
                .petitioners
                .first()
                .is_some_and(|p| p.name == WITHHELD_PERSON);
        if !split {
            return Ok(());
        }
        let awaiting = self
            .dir
            .root
            .join(format!("{OUTBOX}/{}.json", record.case.id))
            .is_file();
        record.kept_apart = Some(match self.confidential_part(&record.case)? {
            Some(part) => {
                let reg = &mut record.case.registration;
                reg.petitioners = part.petitioners;
                reg.representatives = part.representatives;
                reg.content = part.content;
                record.attachments.extend(part.attachments.into_values());
                record.attachments.sort_by_key(|a| (a.attached_at, a.id));
                if awaiting {
                    super::KeptApart::AwaitingHandover
                } else {
                    super::KeptApart::Shown
                }
            }
            None => super::KeptApart::Withheld,
        });
        Ok(())
    }

    /// Gives or takes the confidential grant of an office device. Only a device that holds
    /// the grant passes it on, so an office laptop cannot grant itself.
    pub fn set_confidential_grant(&self, device: &str, grant: bool) -> Result<(), StoreError> {
        self.require_role(fengqiao_model::Role::keeps_directory, "授予保密权限")?;
        if !self.reads_confidential() {
            return Err(StoreError::NotPermitted(
                "授予保密权限（只有持有保密权限的设备才能授予）".into(),
            ));
        }
        let table = self.access();
        let Some(mut target) = table.enrolled(device).cloned() else {
            return Err(StoreError::NotPermitted(format!(
                "授予保密权限：县目录中没有设备 {device}"
            )));
        };
        if grant && target.role != fengqiao_model::Role::Office {
            return Err(StoreError::BadValue {
                field: "device".into(),
                value: target.name.clone(),
                why: "只有县信访局的设备可以持有检举人信息（第三十条第三款）".into(),
            });
        }
        target.confidential = grant;
        let value = to_json(&target)?;
        self.write(&DocName::Directory, |tx| {
            let devices = map_at(tx, "devices")?;
            record::update_record(
                tx,
                &devices,
                &target.id,
                &value,
                known_form::<fengqiao_model::Device>,
            )
        })
    }

    /// The parts this device registered and has not handed over yet, and the outbox files
    /// that do not read (named, left in place: they hold an accuser's words and only a
    /// person may decide what becomes of them).
    pub fn pending_handover(&self) -> Result<Outbox, StoreError> {
        let dir = self.dir.root.join(OUTBOX);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Outbox::default()),
            Err(source) => return Err(StoreError::Io { path: dir, source }),
        };
        let mut outbox = Outbox::default();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".json") {
                continue;
            }
            // `None`: handed over (and removed) since the listing.
            let read = self
                .dir
                .read_private(&format!("{OUTBOX}/{name}"))
                .and_then(|bytes| {
                    bytes
                        .map(|b| serde_json::from_slice::<ConfidentialPart>(&b))
                        .transpose()
                        .map_err(|e| StoreError::BadDocumentData {
                            doc: format!("{OUTBOX}/{name}"),
                            reason: e.to_string(),
                        })
                });
            match read {
                Ok(Some(part)) => outbox.parts.push(part),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(file = %entry.path().display(), error = %e, "an outbox file does not read");
                    outbox.unreadable.push((entry.path(), e.to_string()));
                }
            }
        }
        outbox.parts.sort_by_key(|p| p.registered_at);
        outbox.unreadable.sort();
        Ok(outbox)
    }

    /// Receives parts handed over by `from` (a device id authenticated by the transport):
    /// each is kept only if this device may hold them, `from` is enrolled and unrevoked,
    /// registered it, and may write the case's township. Kept parts are durable when this
    /// returns.
    pub fn receive_handover(
        &self,
        from: &str,
        parts: &[ConfidentialPart],
    ) -> Result<Vec<HandoverVerdict>, StoreError> {
        let table = self.access();
        let refuse_all = |why: &str| {
            parts
                .iter()
                .map(|p| HandoverVerdict {
                    case_id: p.case_id,
                    refused: Some(why.to_owned()),
                })
                .collect()
        };
        if !self.reads_confidential() {
            return Ok(refuse_all("本机没有保密授权，不接收检举人信息"));
        }
        if table.enrolled(from).is_none_or(|d| d.revoked) {
            return Ok(refuse_all("移交设备未在县目录中登记或已吊销"));
        }
        let mut verdicts = Vec::new();
        let mut kept = Vec::new();
        for part in parts {
            let code = table.township_code(&part.township).map(str::to_owned);
            let missing = part
                .attachments
                .values()
                .filter(|a| a.is_live())
                .find(|a| a.hash.parse().is_ok_and(|h| !self.blobs().has(&h)));
            // What a sender claims of a part is checked against what it cannot choose: its
            // own case-number prefix, and who handed over a part this case has already (a
            // laptop of the township sees the case's id and must not replace its accuser).
            let prefix = table
                .device(from)
                .map(|d| d.code.clone())
                .unwrap_or_default();
            let numbered_by_sender = part
                .number
                .parse::<fengqiao_model::CaseNumber>()
                .is_ok_and(|n| n.device_code == prefix);
            let taken_by_another = self
                .stored_part(part.registered_at.year(), part.case_id)?
                .is_some_and(|p| p.registered_by_device != from);
            let why = if part.registered_by_device != from || !numbered_by_sender {
                Some("不是移交设备登记的案件".to_owned())
            } else if taken_by_another {
                Some("该案件的检举材料已由登记它的设备移交，不能替换".to_owned())
            } else if let Some(a) = missing {
                Some(format!("材料 {} 的内容未随附", a.file_name))
            } else {
                match code {
                    None => Some(format!("县目录中没有乡镇 {}", part.township)),
                    Some(code) => {
                        let doc = DocName::cases_for(&code, part.received_on);
                        (table.access(from, &doc) != crate::Access::ReadWrite)
                            .then(|| format!("移交设备无权登记 {} 的案件", part.township))
                    }
                }
            };
            if why.is_none() {
                kept.push(part.clone());
            }
            verdicts.push(HandoverVerdict {
                case_id: part.case_id,
                refused: why,
            });
        }
        self.put_confidential(&kept)?;
        Ok(verdicts)
    }

    /// Deletes the outbox files of parts a receiver kept, and their materials' bytes
    /// that nothing else here refers to.
    pub fn handed_over(&self, cases: &[CaseId]) -> Result<(), StoreError> {
        let mut materials = Vec::new();
        for id in cases {
            if let Some(part) = self.outbox_part(*id)? {
                materials.extend(
                    part.attachments
                        .values()
                        .filter_map(|a| a.hash.parse::<crate::blobs::BlobHash>().ok()),
                );
            }
        }
        // The bytes are with the office now, so they go even if an outbox file that does
        // not read names them too: the laptop keeps no copy (第三十条第三款).
        self.remove_outbox(cases)?;
        let still = self.blob_references()?;
        for hash in materials {
            if !still.contains_key(&hash) {
                self.blobs().remove(&hash)?;
            }
        }
        Ok(())
    }

    fn remove_outbox(&self, cases: &[CaseId]) -> Result<(), StoreError> {
        let dir = self.dir.root.join(OUTBOX);
        for id in cases {
            let path = dir.join(format!("{id}.json"));
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(StoreError::Io { path, source }),
            }
        }
        if !cases.is_empty() {
            std::fs::File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(StoreError::io(&dir))?;
        }
        Ok(())
    }
}
