//! The access trail: who opened a confidential case, exported cases, or issued a document
//! on a confidential case — which person, on which device, when, and which cases.
//!
//! Where it lives: each device appends to its own document, `access/<device id>`
//! ([`DocName::AccessTrail`]), which only that device may change and only the office and
//! the server receive (`access.rs`; [`fengqiao_model::Role::reads_access_trail`]). Every
//! receiver vets each change by its author (`authority.rs`), so a change to device A's
//! trail written by device B is refused by the office, the server and every honest relay.
//!
//! Appended, never edited: an entry is one new record keyed by a UUIDv7 in one change, and
//! the store has no call that changes or removes one. A device that rewrote its own
//! entries anyway (another program with its key) leaves operations that overwrite earlier
//! ones in its document's history; the reader names such changes ([`TrailGap`]).
//!
//! Who reads it: [`Store::access_trail`], for roles the directory lets read it; it says
//! which devices' trails it holds only in part (a device attested heads this laptop lacks,
//! the document is damaged) or not at all.

use std::collections::HashMap;

use automerge::{Automerge, ChangeHash, ReadDoc};
use chrono::{DateTime, Utc};
use fengqiao_model::PersonId;
use serde::{Deserialize, Serialize};

use super::{CaseRecord, Store};
use crate::docs::DocName;
use crate::error::StoreError;
use crate::record::{self, Unreadable, UnreadableRecord, map_at, map_in, to_json};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessAction {
    /// A confidential case was opened (its page, `case show`).
    OpenConfidential,
    /// Cases were exported (`fengqiao export`).
    ExportCases,
    /// A document (文书) was issued on a confidential case.
    IssueDocument,
}

impl AccessAction {
    /// Its Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            AccessAction::OpenConfidential => "打开保密案件",
            AccessAction::ExportCases => "导出案件",
            AccessAction::IssueDocument => "出具文书",
        }
    }
}

/// One entry of a device's trail, as stored. The device is the document's, never a field:
/// only that device writes its trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// A UUIDv7, the entry's key.
    pub id: String,
    pub action: AccessAction,
    /// When, as a UTC instant.
    pub at: DateTime<Utc>,
    /// The person using the device (the author of the change, too).
    pub person: PersonId,
    /// Their name as the device knew it then.
    pub person_name: String,
    /// The case numbers concerned: the one opened, the one a document is on, the
    /// confidential cases among those exported.
    #[serde(default)]
    pub cases: Vec<String>,
    /// The document's number (文号), for an issued document.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
    /// How many cases an export held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// What else identifies the act (an export's format and filter).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// An entry as the office reads it: with its device and the names the directory gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRecord {
    pub device_id: String,
    /// The device's name in the directory (its id when the directory has none).
    pub device_name: String,
    /// The person's name in the directory, else the name the entry carries.
    pub who: String,
    #[serde(flatten)]
    pub entry: AccessEntry,
}

impl AccessRecord {
    /// What was done, in Chinese: the act, how many cases, which, the document number,
    /// and what else identifies it.
    pub fn what_zh(&self) -> String {
        let e = &self.entry;
        let mut what = e.action.zh().to_owned();
        if let Some(n) = e.count {
            what.push_str(&format!(" {n} 件"));
        }
        if !e.cases.is_empty() {
            what.push_str(&format!(" {}", e.cases.join("、")));
        }
        if !e.document.is_empty() {
            what.push_str(&format!(" {}", e.document));
        }
        if !e.detail.is_empty() {
            what.push_str(&format!("（{}）", e.detail));
        }
        what
    }

    /// When, in China Standard Time, to the second.
    pub fn at_cst(&self) -> String {
        self.entry
            .at
            .with_timezone(&crate::time::china_offset())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}

/// Why a device's trail is held only in part, or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TrailGapReason {
    /// The device signed heads of its trail that this laptop does not hold yet.
    Behind { missing: usize },
    /// Nothing of it is here, yet the device signed that it has one.
    NotHeld,
    /// The document is damaged here (see `fengqiao doctor`).
    Damaged { reason: String },
    /// Changes in it overwrite or delete earlier entries: the trail was edited.
    Edited { changes: Vec<String> },
    /// Entries this version cannot read (a newer version's, or damaged).
    Unreadable { entries: usize },
}

/// A device whose trail the answer does not hold whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailGap {
    pub device_id: String,
    pub device_name: String,
    pub reason: TrailGapReason,
}

impl TrailGap {
    /// A Chinese description: which device, and why.
    pub fn zh(&self) -> String {
        let why = match &self.reason {
            TrailGapReason::Behind { missing } => {
                format!("该设备已签名确认的 {missing} 个更改本机尚未收到，缺少其最近的访问记录")
            }
            TrailGapReason::NotHeld => "本机没有该设备的访问记录，而该设备已签名确认它有".into(),
            TrailGapReason::Damaged { reason } => format!("其访问记录文档已损坏：{reason}"),
            TrailGapReason::Edited { changes } => format!(
                "其访问记录被改动或删除过（{} 个更改覆盖了先前的记录）",
                changes.len()
            ),
            TrailGapReason::Unreadable { entries } => {
                format!("{entries} 条记录本机无法读取（由较新版本记录或已损坏）")
            }
        };
        format!("设备“{}”：{why}", self.device_name)
    }
}

/// The trail as one laptop holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccessTrail {
    /// Newest first.
    pub entries: Vec<AccessRecord>,
    /// Devices whose trail is not whole here: the answer is incomplete.
    pub gaps: Vec<TrailGap>,
    /// Devices of the directory with no trail here and no signed word of one: most have
    /// opened nothing confidential; one that did and has not synced since is among them.
    pub unheard: Vec<String>,
}

impl Store {
    /// Reads a case for a person to see (its page, `case show`): a confidential case's
    /// opening is recorded in this device's access trail first, and it is not shown when
    /// that cannot be recorded.
    pub fn open_case(&self, key: &str) -> Result<CaseRecord, StoreError> {
        let record = self.case(key)?;
        if record.case.registration.flags.confidential {
            self.record_access(
                AccessAction::OpenConfidential,
                vec![record.case.number.to_string()],
                String::new(),
                None,
                String::new(),
            )?;
        }
        Ok(record)
    }

    /// Records an export of `count` cases (`detail`: the format and filter), naming the
    /// confidential ones among them. Call before the cases leave the store.
    pub fn record_export(
        &self,
        count: usize,
        confidential: Vec<String>,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.record_access(
            AccessAction::ExportCases,
            confidential,
            String::new(),
            Some(u64::try_from(count).unwrap_or(u64::MAX)),
            detail.to_owned(),
        )
    }

    /// Appends one entry to this device's trail, durably. The only write to a trail.
    pub(super) fn record_access(
        &self,
        action: AccessAction,
        cases: Vec<String>,
        document: String,
        count: Option<u64>,
        detail: String,
    ) -> Result<(), StoreError> {
        let entry = AccessEntry {
            id: uuid::Uuid::now_v7().to_string(),
            action,
            at: crate::now_cst().with_timezone(&Utc),
            person: self.identity.person.id,
            person_name: self.identity.person.name.clone(),
            cases,
            document,
            count,
            detail,
        };
        let value = to_json(&entry)?;
        let own = DocName::AccessTrail {
            id: self.identity.device_id.clone(),
        };
        self.write(&own, |tx| {
            let entries = map_at(tx, "entries")?;
            record::put_record(tx, &entries, &entry.id, &value)?;
            Ok(())
        })?;
        tracing::info!(action = action.zh(), "access recorded");
        Ok(())
    }

    /// Every device's trail held here, newest first; with `case` (a number or id), the
    /// entries naming that case. Only for roles the directory lets read the trail.
    pub fn access_trail(&self, case: Option<&str>) -> Result<AccessTrail, StoreError> {
        let role = self.directory_role()?;
        if !role.reads_access_trail() {
            return Err(StoreError::NotPermitted(format!(
                "查看访问记录仅限县信访局（县目录中本设备的角色：{role}）"
            )));
        }
        let wanted: Option<Vec<String>> = case.map(|c| {
            let mut keys = vec![c.trim().to_owned()];
            if let Ok(record) = self.case(c) {
                keys.push(record.case.number.to_string());
            }
            keys
        });
        let people: HashMap<PersonId, String> =
            self.people()?.into_iter().map(|p| (p.id, p.name)).collect();
        let attested: HashMap<String, Vec<String>> = self
            .attestations()?
            .into_iter()
            .filter(|a| a.document == format!("access/{}", a.device))
            .map(|a| (a.device, a.heads))
            .collect();
        let damaged: HashMap<String, String> = self
            .gaps()?
            .into_iter()
            .filter(|g| matches!(g.name, Some(DocName::AccessTrail { .. })))
            .map(|g| (g.document.clone(), g.zh()))
            .collect();
        let mut trail = AccessTrail::default();
        for device in self.devices()? {
            let name = DocName::AccessTrail {
                id: device.id.clone(),
            };
            let gap = |reason| TrailGap {
                device_id: device.id.clone(),
                device_name: device.name.clone(),
                reason,
            };
            if let Some(reason) = damaged.get(&name.to_string()) {
                trail.gaps.push(gap(TrailGapReason::Damaged {
                    reason: reason.clone(),
                }));
            }
            let heads = attested.get(&device.id);
            let Some(read) = self.read(&name, |d| read_trail(d, heads))? else {
                match heads {
                    Some(_) => trail.gaps.push(gap(TrailGapReason::NotHeld)),
                    None => trail.unheard.push(device.name.clone()),
                }
                continue;
            };
            if read.missing > 0 {
                trail.gaps.push(gap(TrailGapReason::Behind {
                    missing: read.missing,
                }));
            }
            if !read.edits.is_empty() {
                trail.gaps.push(gap(TrailGapReason::Edited {
                    changes: read.edits,
                }));
            }
            if !read.unreadable.is_empty() {
                trail.gaps.push(gap(TrailGapReason::Unreadable {
                    entries: read.unreadable.len(),
                }));
            }
            for entry in read.entries {
                if let Some(keys) = &wanted
                    && !entry.cases.iter().any(|c| keys.contains(c))
                {
                    continue;
                }
                trail.entries.push(AccessRecord {
                    device_id: device.id.clone(),
                    device_name: device.name.clone(),
                    who: people
                        .get(&entry.person)
                        .cloned()
                        .unwrap_or_else(|| entry.person_name.clone()),
                    entry,
                });
            }
        }
        trail
            .entries
            .sort_by(|a, b| (b.entry.at, &b.entry.id).cmp(&(a.entry.at, &a.entry.id)));
        Ok(trail)
    }
}

/// What one trail document holds.
struct TrailRead {
    entries: Vec<AccessEntry>,
    unreadable: Vec<UnreadableRecord>,
    /// Changes (hex) with an operation that overwrites or deletes an earlier one.
    edits: Vec<String>,
    /// Attested heads this copy lacks.
    missing: usize,
}

fn read_trail(d: &Automerge, attested: Option<&Vec<String>>) -> TrailRead {
    let (entries, unreadable) = match map_in(d, "entries") {
        Some(obj) => {
            let value = record::read_value(d, &obj, automerge::ObjType::Map);
            record::decode_map::<AccessEntry>(&serde_json::json!({ "entries": value }), "entries")
        }
        None => (
            Vec::new(),
            vec![UnreadableRecord {
                collection: "entries".into(),
                id: String::new(),
                why: Unreadable::Damaged,
                detail: "no entries map".into(),
                stored: serde_json::Value::Null,
            }],
        ),
    };
    // Appending creates new keys only: an operation with predecessors overwrites or
    // deletes what was there.
    let edits = d
        .get_changes(&[])
        .iter()
        .filter(|c| c.decode().operations.iter().any(|op| !op.pred.is_empty()))
        .map(|c| c.hash().to_string())
        .collect();
    let missing = attested.map_or(0, |heads| {
        heads
            .iter()
            .filter(|h| {
                h.parse::<ChangeHash>()
                    .map_or(true, |h| d.get_change_by_hash(&h).is_none())
            })
            .count()
    });
    TrailRead {
        entries,
        unreadable,
        edits,
        missing,
    }
}
