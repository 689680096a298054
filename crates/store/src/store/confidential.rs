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
use fengqiao_model::{Case, CaseId, ContentType, Registration};
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

/// What a receiver decided about one part handed over to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverVerdict {
    pub case_id: CaseId,
    /// `None`: kept, durable. `Some(why)`: refused; the sender keeps it.
    pub refused: Option<String>,
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
            let bytes = serde_json::to_vec(&part).map_err(|e| StoreError::BadDocumentData {
                doc: OUTBOX.into(),
                reason: e.to_string(),
            })?;
            self.dir
                .write_private(&format!("{OUTBOX}/{}.json", part.case_id), &bytes)
        }
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
        if let Some(bytes) = self
            .dir
            .read_private(&format!("{OUTBOX}/{}.json", case.id))?
        {
            return serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                StoreError::BadDocumentData {
                    doc: format!("{OUTBOX}/{}", case.id),
                    reason: e.to_string(),
                }
            });
        }
        if !self.reads_confidential() {
            return Ok(None);
        }
        let name = DocName::Confidential {
            year: case.registered_at.year(),
        };
        let key = case.id.to_string();
        Ok(self
            .read(&name, |d| {
                let cases = map_in(d, "cases")?;
                match automerge::ReadDoc::get(d, &cases, &key) {
                    Ok(Some((automerge::Value::Object(automerge::ObjType::Map), obj))) => {
                        let value = record::read_value(d, &obj, automerge::ObjType::Map);
                        serde_json::from_value::<ConfidentialPart>(value).ok()
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

    /// The parts this device registered and has not handed over yet.
    pub fn pending_handover(&self) -> Result<Vec<ConfidentialPart>, StoreError> {
        let dir = self.dir.root.join(OUTBOX);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(StoreError::Io { path: dir, source }),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if let Some(bytes) = self.dir.read_private(&format!("{OUTBOX}/{id}.json"))? {
                let part =
                    serde_json::from_slice(&bytes).map_err(|e| StoreError::BadDocumentData {
                        doc: format!("{OUTBOX}/{name}"),
                        reason: e.to_string(),
                    })?;
                out.push(part);
            }
        }
        out.sort_by_key(|p: &ConfidentialPart| p.registered_at);
        Ok(out)
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
            let why = if part.registered_by_device != from {
                Some("不是移交设备登记的案件".to_owned())
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

    /// Deletes the outbox files of parts a receiver kept.
    pub fn handed_over(&self, cases: &[CaseId]) -> Result<(), StoreError> {
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
