//! Concurrent edits of one field, shown to a person with who wrote each value and when,
//! and resolved by a change that supersedes them all.

use automerge::{ActorId, Automerge, ObjId, ObjType, ReadDoc};
use chrono::{DateTime, FixedOffset};
use fengqiao_model::{Case, CaseId, PersonId, ResolutionId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Store;
use crate::record::{
    CASE_SUBRECORDS, case_obj, case_sub, map_in, put_at, strip_subrecords, to_json,
};
use crate::store::{HashMap, WhoIndex};
use crate::{DocName, StoreError, is_legally_significant, now_cst, record};

/// One of several concurrent values of a field, with who wrote it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictValue {
    pub value: Value,
    pub person: Option<PersonId>,
    pub person_name: Option<String>,
    pub device: Option<String>,
    pub written_at: Option<DateTime<FixedOffset>>,
}

/// A field of a case where laptops wrote concurrently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub case_id: CaseId,
    pub case_number: String,
    pub field: String,
    /// Route, responsible unit, dates…: never resolved automatically (see
    /// [`is_legally_significant`]).
    pub legally_significant: bool,
    pub values: Vec<ConflictValue>,
}

/// A recorded conflict decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    pub id: ResolutionId,
    pub field: String,
    pub chosen: Value,
    pub discarded: Vec<Value>,
    pub resolved_by: PersonId,
    pub resolved_by_name: String,
    pub resolved_at: DateTime<FixedOffset>,
    pub reason: String,
}

/// The ops one change wrote, with its time and author.
pub(super) struct ChangeSpan {
    start_op: u64,
    max_op: u64,
    time: i64,
    author: Option<Vec<u8>>,
}

/// Finds the change (and so the time and author) that wrote an op.
pub(super) struct ChangeIndex {
    by_actor: HashMap<ActorId, Vec<ChangeSpan>>,
}

impl ChangeIndex {
    pub(super) fn new(d: &Automerge) -> Self {
        let mut by_actor: HashMap<ActorId, Vec<ChangeSpan>> = HashMap::new();
        for c in d.get_changes_meta(&[]) {
            by_actor
                .entry(c.actor.clone().into_owned())
                .or_default()
                .push(ChangeSpan {
                    start_op: c.start_op,
                    max_op: c.max_op,
                    time: c.timestamp,
                    author: author_of(d, &c.actor, c.author.as_ref()),
                });
        }
        Self { by_actor }
    }

    pub(super) fn find(&self, op: &ObjId) -> Option<(ActorId, i64, Option<Vec<u8>>)> {
        let automerge::ObjId::Id(counter, actor, _) = op else {
            return None;
        };
        self.by_actor
            .get(actor)?
            .iter()
            .find(|c| c.start_op <= *counter && *counter <= c.max_op)
            .map(|c| (actor.clone(), c.time, c.author.clone()))
    }
}

impl Store {
    /// Every open conflict in the cases this device holds.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let who = self.who_index()?;
        let mut out = Vec::new();
        // The index knows which documents hold conflicts; only those are read.
        for (name, rows) in self.indexed_rows(None)? {
            if !rows.iter().any(|r| r.summary.has_conflicts) {
                continue;
            }
            if let Some(list) = self.read(&name, |d| doc_conflicts(d, &who))? {
                out.extend(list);
            }
        }
        Ok(out)
    }

    /// Resolves a conflict by choosing one of its values (1-based `choice`), recording
    /// who decided, when and why.
    pub fn resolve_conflict(
        &self,
        key: &str,
        field: &str,
        choice: usize,
        reason: &str,
    ) -> Result<Resolution, StoreError> {
        self.require_case_writer()?;
        let record = self.case(key)?;
        let conflict = record
            .conflicts
            .iter()
            .find(|c| c.field == field)
            .ok_or_else(|| StoreError::NoSuchConflict {
                case: key.into(),
                field: field.into(),
            })?;
        if choice == 0 || choice > conflict.values.len() {
            return Err(StoreError::BadChoice {
                count: conflict.values.len(),
            });
        }
        let chosen = conflict.values[choice - 1].value.clone();
        let discarded: Vec<Value> = conflict
            .values
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != choice - 1)
            .map(|(_, v)| v.value.clone())
            .collect();
        let resolution = Resolution {
            id: ResolutionId::generate(),
            field: field.to_owned(),
            chosen: chosen.clone(),
            discarded,
            resolved_by: self.identity.person.id,
            resolved_by_name: self.identity.person.name.clone(),
            resolved_at: now_cst(),
            reason: reason.to_owned(),
        };
        // The record already says where the case lives; don't search the index again.
        let name: DocName = record
            .document
            .parse()
            .map_err(|e: crate::docs::BadDocName| StoreError::BadDocumentData {
                doc: record.document.clone(),
                reason: e.to_string(),
            })?;
        let id = record.case.id;
        let value = to_json(&resolution)?;
        let rkey = resolution.id.to_string();
        let field = field.to_owned();
        self.write(&name, move |tx| {
            let case_obj = case_obj(tx, id)?;
            let (obj, prop) = record::resolve_path(tx, &case_obj, &field).ok_or_else(|| {
                StoreError::NoSuchConflict {
                    case: id.to_string(),
                    field: field.clone(),
                }
            })?;
            // A new put depends on every concurrent value, so it supersedes them all.
            put_at(tx, &obj, prop, &chosen)?;
            let resolutions = case_sub(tx, id, "resolutions")?;
            record::put_record(tx, &resolutions, &rkey, &value)?;
            Ok(())
        })?;
        Ok(resolution)
    }
}

pub(super) fn doc_conflicts(d: &Automerge, who: &WhoIndex) -> Vec<Conflict> {
    let Some(cases) = map_in(d, "cases") else {
        return Vec::new();
    };
    let mut changes: Option<ChangeIndex> = None;
    let mut out = Vec::new();
    for item in d.map_range(&cases, ..) {
        let raw = record::conflicts_in(d, &item.id(), CASE_SUBRECORDS);
        if raw.is_empty() {
            continue;
        }
        let value = record::read_value(d, &item.id(), ObjType::Map);
        let mut stripped = value.clone();
        strip_subrecords(&mut stripped);
        let Ok(case) = serde_json::from_value::<Case>(stripped) else {
            continue;
        };
        let changes = changes.get_or_insert_with(|| ChangeIndex::new(d));
        out.extend(raw.into_iter().map(|r| to_conflict(r, &case, changes, who)));
    }
    out
}

/// The person (Automerge author bytes) behind a change: automerge 0.12 stores the
/// author once per actor in a document, so a change may not carry it itself.
pub(super) fn author_of(
    d: &Automerge,
    actor: &ActorId,
    on_change: Option<&automerge::Author<'_>>,
) -> Option<Vec<u8>> {
    on_change
        .map(|a| a.as_bytes().to_vec())
        .or_else(|| d.get_author_for_actor(actor).map(|a| a.as_bytes().to_vec()))
}

pub(super) fn to_conflict(
    raw: record::RawConflict,
    case: &Case,
    changes: &ChangeIndex,
    who: &WhoIndex,
) -> Conflict {
    let values = raw
        .values
        .into_iter()
        .map(|v| {
            let who_wrote = changes
                .find(&v.op)
                .map(|(actor, time, author)| who.attribute(&actor, author.as_deref(), time))
                .unwrap_or_default();
            ConflictValue {
                value: v.value,
                person: who_wrote.person,
                person_name: who_wrote.person_name,
                device: who_wrote.device,
                written_at: who_wrote.at,
            }
        })
        .collect();
    Conflict {
        case_id: case.id,
        case_number: case.number.to_string(),
        legally_significant: is_legally_significant(&raw.path),
        field: raw.path,
        values,
    }
}
