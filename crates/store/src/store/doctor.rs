//! `doctor`: every document's health (loads, sizes, changes, records this version cannot
//! read, each case's events, notes and resolutions included) and what the storage
//! quarantined.

use automerge::{Automerge, ObjType, ReadDoc};
use fengqiao_model::{Case, CaseEvent, Note};
use serde::Serialize;
use serde_json::Value;

use super::Store;
use crate::record::{UnreadableRecord, decode, decode_map, hex_heads, map_in, strip_subrecords};
use crate::{DocName, Resolution, StorageProblem, StoreError, record};

/// Health of one document, for `doctor`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentReport {
    pub name: String,
    pub document_id: String,
    /// Whether this device holds the document by the directory's rights (a township
    /// laptop holds its townships' documents, not the others' the catalogue names).
    pub for_this_device: bool,
    pub loaded: bool,
    pub files: usize,
    pub bytes_on_disk: u64,
    pub changes: usize,
    pub operations: usize,
    pub records: usize,
    /// Records this version cannot read, one line each: a case, or an event, note or
    /// resolution of one (`<case id>/事件 <id>…`), damaged or written by a newer version.
    pub damaged_records: Vec<String>,
    /// Changes other changes depend on that are not here (a change file lost): the hash
    /// chain is broken and what depends on them cannot be read.
    pub missing_changes: Vec<String>,
}

/// The store's health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoctorReport {
    pub documents: Vec<DocumentReport>,
    pub attachments: crate::AttachmentHealth,
    pub problems: Vec<StorageProblemReport>,
    pub storage_failure: Option<String>,
}

/// A quarantined file, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StorageProblemReport {
    pub document: String,
    pub quarantined_to: String,
    pub reason: String,
}

impl Store {
    /// Health of every document: loads, sizes, change counts, damaged records.
    pub fn doctor(&self) -> Result<DoctorReport, StoreError> {
        let mut documents = Vec::new();
        let table = self.access();
        let me = &self.identity.device_id;
        // A directory being founded lists no device yet: it is all this device's.
        let founding = self.is_founding() || table.has_no_devices();
        for name in self.catalogue()? {
            let id = name.document_id(&self.identity.county);
            let (files, bytes_on_disk) = self.storage.stored_size(&id.to_string());
            let stats = self.read(&name, |d| {
                let stats = d.stats();
                let (records, damaged) = count_records(d, &name);
                (
                    stats.num_changes as usize,
                    stats.num_ops as usize,
                    records,
                    damaged,
                    hex_heads(&d.get_missing_deps(&[])),
                )
            })?;
            let (loaded, (changes, operations, records, damaged_records, missing_changes)) =
                match stats {
                    Some(s) => (true, s),
                    None => (false, (0, 0, 0, Vec::new(), Vec::new())),
                };
            documents.push(DocumentReport {
                name: name.to_string(),
                document_id: id.to_string(),
                for_this_device: founding || table.access(me, &name).can_read(),
                loaded,
                files,
                bytes_on_disk,
                changes,
                operations,
                records,
                damaged_records,
                missing_changes,
            });
        }
        let problems = self
            .storage
            .problems()
            .into_iter()
            .map(|p: StorageProblem| StorageProblemReport {
                document: self
                    .name_of_id(&p.document_id)
                    .unwrap_or(p.document_id.clone()),
                quarantined_to: p.quarantined_to.display().to_string(),
                reason: p.reason,
            })
            .collect();
        Ok(DoctorReport {
            attachments: self.attachment_health()?,
            documents,
            problems,
            storage_failure: self.storage.failure(),
        })
    }

    /// Quarantined files found so far (they are found as documents load).
    pub fn storage_problems(&self) -> Vec<StorageProblem> {
        self.storage.problems()
    }

    pub(super) fn name_of_id(&self, id: &str) -> Option<String> {
        self.catalogue()
            .ok()?
            .into_iter()
            .find(|n| n.document_id(&self.identity.county).to_string() == id)
            .map(|n| n.to_string())
    }
}

pub(super) fn count_records(d: &Automerge, name: &DocName) -> (usize, Vec<String>) {
    match name {
        DocName::Cases { .. } => {
            let Some(cases) = map_in(d, "cases") else {
                return (0, Vec::new());
            };
            let mut n = 0;
            let mut damaged = Vec::new();
            for item in d.map_range(&cases, ..) {
                n += 1;
                let mut v = record::read_value(d, &item.id(), ObjType::Map);
                // The case's events, notes and resolutions, read by the decoder the case
                // page uses: one a newer version wrote is named as such.
                let (_, events) = decode_map::<CaseEvent>(&v, "events");
                let (_, notes) = decode_map::<Note>(&v, "notes");
                let (_, resolutions) = decode_map::<Resolution>(&v, "resolutions");
                for u in events.iter().chain(&notes).chain(&resolutions) {
                    damaged.push(format!("{}/{}", item.key, u.zh()));
                }
                strip_subrecords(&mut v);
                if let Err(u) = decode::<Case>("cases", &item.key, &v) {
                    damaged.push(u.zh());
                }
            }
            (n, damaged)
        }
        other => {
            let n = other
                .containers()
                .iter()
                .filter_map(|c| map_in(d, c))
                .map(|m| d.length(&m))
                .sum();
            let mut damaged = Vec::new();
            for (collection, check) in typed_collections(other) {
                if let Some(m) = map_in(d, collection) {
                    let records = record::read_value(d, &m, ObjType::Map);
                    damaged.extend(check(&records, collection).iter().map(|u| u.zh()));
                }
            }
            (n, damaged)
        }
    }
}

/// Checks every record of one collection with this version's type.
type CollectionCheck = fn(&Value, &str) -> Vec<UnreadableRecord>;

/// The records of a collection this version cannot read as `T`.
fn unreadable_in<T: for<'de> serde::Deserialize<'de>>(
    records: &Value,
    collection: &str,
) -> Vec<UnreadableRecord> {
    match records {
        Value::Object(o) => o
            .iter()
            .filter_map(|(id, v)| decode::<T>(collection, id, v).err())
            .collect(),
        _ => Vec::new(),
    }
}

/// The collections of typed records in each kind of document (cases are checked above,
/// with their sub-records; the directory's catalogue, calendars and actors are scalars).
fn typed_collections(name: &DocName) -> &'static [(&'static str, CollectionCheck)] {
    use fengqiao_model::{Device, FieldVisit, IntakeItem, IntakePickup, Leader, OrgUnit, Person};
    use fengqiao_roster::state::{Change, Leave, Slot, Swap};
    match name {
        DocName::Cases { .. } => &[],
        DocName::Confidential { .. } => &[("cases", unreadable_in::<crate::ConfidentialPart>)],
        DocName::Directory => &[
            ("units", unreadable_in::<OrgUnit>),
            ("people", unreadable_in::<Person>),
            ("devices", unreadable_in::<Device>),
            ("leaders", unreadable_in::<Leader>),
        ],
        DocName::Visits { .. } => &[("visits", unreadable_in::<FieldVisit>)],
        DocName::Roster { .. } => &[
            ("slots", unreadable_in::<Slot>),
            ("leave", unreadable_in::<Leave>),
            ("swaps", unreadable_in::<Swap>),
            ("changes", unreadable_in::<Change>),
            ("bookings", unreadable_in::<fengqiao_roster::Booking>),
        ],
        DocName::Decisions { .. } => &[
            ("merges", unreadable_in::<crate::MergeRecord>),
            ("unmerges", unreadable_in::<crate::UnmergeRecord>),
            ("dismissals", unreadable_in::<crate::Dismissal>),
        ],
        DocName::Intake { .. } => &[
            ("items", unreadable_in::<IntakeItem>),
            ("pickups", unreadable_in::<IntakePickup>),
        ],
        DocName::Device { .. } => &[("attestations", unreadable_in::<crate::Attestation>)],
        DocName::AccessTrail { .. } => &[("entries", unreadable_in::<crate::AccessEntry>)],
    }
}
