//! Registering cases and working them: events, notes and field edits, each one durable
//! change in the case's township-and-quarter document.

use automerge::{ObjType, ReadDoc};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use fengqiao_model::{
    Case, CaseEvent, CaseId, CaseNumber, CaseStatus, EventId, EventKind, Note, NoteId,
    Registration, validate,
};
use fengqiao_rules::{
    CaseClocks, CaseFacts, DueThresholds, HolidayCalendar, LawContext, case_clocks,
};
use serde::Serialize;
use serde_json::Value;

use super::Store;
use crate::record::{
    CASE_SUBRECORDS, UnreadableRecord, case_obj, case_sub, get_path, known_form, map_at,
    merge_into, obj_field, put_at, set_path, strip_subrecords, to_json,
};
use crate::store::{FIXED_CASE_FIELDS, code_of};
use crate::{Conflict, DocName, MergeRecord, Resolution, StoreError, now_cst, record};

/// A case with everything recorded on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRecord {
    pub case: Case,
    pub status: CaseStatus,
    pub events: Vec<CaseEvent>,
    pub notes: Vec<Note>,
    /// Files attached to the case, its events and notes, withdrawn ones included.
    pub attachments: Vec<fengqiao_model::Attachment>,
    pub conflicts: Vec<Conflict>,
    pub resolutions: Vec<Resolution>,
    /// Events, notes and resolutions on the case this version could not read (a newer
    /// version's, or damaged): shown, and the clocks say they are incomplete, rather than
    /// computed without them in silence. They stay in the document as they are.
    pub unreadable: Vec<UnreadableRecord>,
    pub document: String,
    /// Active merges into this case; their cases' events and notes are in the lists above.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<MergeRecord>,
    /// The active merge that absorbed this case into another, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<MergeRecord>,
    /// For an accusation kept apart (第三十条第三款): whether its accuser and text are
    /// shown here (and restored into `case`), or withheld from this device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_apart: Option<KeptApart>,
}

/// Where an accusation's part kept apart stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeptApart {
    /// Shown: this device holds the confidential grant.
    Shown,
    /// Shown to the device that registered it, until it hands it over.
    AwaitingHandover,
    /// Not on this device, as the law requires.
    Withheld,
}

impl CaseRecord {
    /// The events among [`CaseRecord::unreadable`].
    pub fn unreadable_events(&self) -> impl Iterator<Item = &UnreadableRecord> {
        self.unreadable.iter().filter(|u| u.collection == "events")
    }

    /// What the case's clocks depend on besides its readable events (the receiving unit's
    /// kind from the county's law context), including how many events could not be read,
    /// so the clocks say they are incomplete.
    pub fn clock_facts(&self, law: &LawContext) -> CaseFacts {
        CaseFacts {
            unreadable_events: self.unreadable_events().count(),
            ..law.facts(&self.case.registration)
        }
    }

    /// The case's statutory clocks as of `today`, with the default warning thresholds:
    /// what the case page and `case show` both show.
    pub fn clocks(
        &self,
        law: &LawContext,
        calendar: &HolidayCalendar,
        today: NaiveDate,
    ) -> CaseClocks {
        case_clocks(
            &self.clock_facts(law),
            &self.events,
            calendar,
            today,
            &DueThresholds::default(),
        )
    }
}

impl Store {
    /// Validates and registers a case; returns it once it is safe on disk.
    pub fn add_case(&self, registration: Registration) -> Result<Case, StoreError> {
        self.add_case_at(registration, now_cst())
    }

    /// [`Store::add_case`] with an explicit registration time (demo data, imports).
    pub fn add_case_at(
        &self,
        mut registration: Registration,
        at: DateTime<FixedOffset>,
    ) -> Result<Case, StoreError> {
        self.require_case_writer()?;
        registration.township = registration.township.trim().to_owned();
        let registration = self.with_receiving_unit(registration)?;
        let townships = self.townships()?;
        let names: Vec<String> = townships.iter().map(|t| t.name.clone()).collect();
        validate::validate_registration(&registration, &names, at.date_naive())
            .map_err(StoreError::Invalid)?;
        if !self.in_scope(&registration.township) {
            return Err(StoreError::NotPermitted(format!(
                "在 {} 登记案件（县目录中本设备负责：{}）",
                registration.township,
                self.directory_device()?.scope.join("、")
            )));
        }
        let code = code_of(&townships, &registration.township)?;
        let name = DocName::cases_for(&code, registration.received_on);
        let year = at.year();
        let sequence = self.next_sequence(year)?;
        let mut case = Case {
            id: CaseId::generate(),
            number: CaseNumber {
                device_code: self.identity.device_code.clone(),
                year,
                sequence,
            },
            registered_at: at,
            registered_by: self.identity.person.id,
            source_number: String::new(),
            registration,
        };
        // An accuser and an accusation never enter the case document (第三十条第三款).
        if super::confidential::is_kept_apart(&case.registration) {
            self.keep_apart(&mut case)?;
        }
        let registered = CaseEvent {
            id: EventId::generate(),
            kind: EventKind::Registered,
            date: case.registration.received_on,
            recorded_at: at,
            recorded_by: self.identity.person.id,
            remark: String::new(),
        };
        let mut value = to_json(&case)?;
        if let Value::Object(fields) = &mut value {
            let mut events = serde_json::Map::new();
            events.insert(registered.id.to_string(), to_json(&registered)?);
            fields.insert("events".into(), Value::Object(events));
            fields.insert("notes".into(), Value::Object(Default::default()));
            fields.insert("resolutions".into(), Value::Object(Default::default()));
            fields.insert("documents".into(), Value::Object(Default::default()));
            fields.insert("attachments".into(), Value::Object(Default::default()));
        }
        let key = case.id.to_string();
        self.write(&name, |tx| {
            let cases = map_at(tx, "cases")?;
            record::put_record(tx, &cases, &key, &value)?;
            Ok(())
        })?;
        Ok(case)
    }

    /// The case documents this device holds.
    pub(super) fn case_documents(&self) -> Result<Vec<DocName>, StoreError> {
        Ok(self
            .catalogue()?
            .into_iter()
            .filter(|n| matches!(n, DocName::Cases { .. }))
            .collect())
    }

    /// Finds which document holds a case (by id or case number).
    pub(super) fn locate(&self, key: &str) -> Result<(DocName, CaseId), StoreError> {
        let key = key.trim();
        // A case id is looked up in the documents themselves: through the list index,
        // every write made the next lookup re-read its whole document (the index keys on
        // the document's files), so a clerk's edit loop re-read ~250 cases per edit.
        if let Ok(id) = key.parse::<CaseId>() {
            for name in self.case_documents()? {
                let holds = self.read(&name, |d| {
                    crate::record::map_in(d, "cases")
                        .is_some_and(|cases| matches!(d.get(&cases, key), Ok(Some(_))))
                })?;
                if holds == Some(true) {
                    return Ok((name, id));
                }
            }
        }
        for (name, rows) in self.indexed_rows(None)? {
            if let Some(row) = rows
                .iter()
                .find(|r| r.summary.number == key || r.summary.id.to_string() == key)
            {
                return Ok((name, row.summary.id));
            }
        }
        Err(StoreError::NoSuchCase(key.to_owned()))
    }

    /// Records an event on a case.
    pub fn add_event(
        &self,
        key: &str,
        kind: EventKind,
        date: NaiveDate,
        remark: &str,
    ) -> Result<CaseEvent, StoreError> {
        self.require_case_writer()?;
        let (name, id) = self.locate(key)?;
        let today = now_cst().date_naive();
        if date > today {
            return Err(StoreError::BadValue {
                field: "date".into(),
                value: date.to_string(),
                why: "事件日期不能晚于今天".into(),
            });
        }
        check_event_payload(&kind, date, today)?;
        self.check_lifecycle(key, &kind, date)?;
        let event = CaseEvent {
            id: EventId::generate(),
            kind,
            date,
            recorded_at: now_cst(),
            recorded_by: self.identity.person.id,
            remark: remark.to_owned(),
        };
        let value = to_json(&event)?;
        let key = event.id.to_string();
        self.write(&name, |tx| {
            let events = case_sub(tx, id, "events")?;
            record::put_record(tx, &events, &key, &value)?;
            Ok(())
        })?;
        Ok(event)
    }

    /// Adds a note to a case.
    pub fn add_note(&self, key: &str, text: &str) -> Result<Note, StoreError> {
        self.require_case_writer()?;
        if text.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required { field: "note.text" },
            ]));
        }
        let (name, id) = self.locate(key)?;
        let note = Note {
            id: NoteId::generate(),
            author: self.identity.person.id,
            author_name: self.identity.person.name.clone(),
            written_at: now_cst(),
            text: text.to_owned(),
        };
        let value = to_json(&note)?;
        let note_key = note.id.to_string();
        self.write(&name, |tx| {
            let notes = case_sub(tx, id, "notes")?;
            record::put_record(tx, &notes, &note_key, &value)?;
            Ok(())
        })?;
        Ok(note)
    }

    /// Sets one field of a case, e.g. `route`, `lead_unit`, `content.request`,
    /// `flags.supervised` or `petitioners.0.phone`. `value` is text; it is read as the
    /// field's type, checked against the model, and stored in canonical form.
    pub fn set_field(&self, key: &str, field: &str, value: &str) -> Result<(), StoreError> {
        self.require_case_writer()?;
        let top = field.split('.').next().unwrap_or_default();
        if FIXED_CASE_FIELDS.contains(&top) || CASE_SUBRECORDS.contains(&top) {
            return Err(StoreError::FieldNotSettable {
                field: field.into(),
                why: "编号、登记信息和历史记录不可直接修改".into(),
            });
        }
        self.check_route_settable(key, top)?;
        if matches!(top, "petitioners" | "representatives" | "content")
            && self
                .case_alone(key)?
                .case
                .registration
                .petitioners
                .first()
                .is_some_and(|p| p.name == super::confidential::WITHHELD_PERSON)
        {
            return Err(StoreError::FieldNotSettable {
                field: field.into(),
                why: "检举控告案件的检举人和内容依法另行保存，不写入案件文档（第三十条第三款）"
                    .into(),
            });
        }
        let (name, id) = self.locate(key)?;
        let townships: Vec<String> = self.townships()?.into_iter().map(|t| t.name).collect();
        let field = field.to_owned();
        let text = value.to_owned();
        self.write(&name, move |tx| {
            let case_obj = case_obj(tx, id)?;
            let current = record::read_value(tx, &case_obj, ObjType::Map);
            let new_value = typed_value(&current, &field, &text)?;
            let mut updated = current.clone();
            set_path(&mut updated, &field, new_value.clone()).ok_or_else(|| {
                StoreError::FieldNotSettable {
                    field: field.clone(),
                    why: "没有这个字段".into(),
                }
            })?;
            strip_subrecords(&mut updated);
            let case: Case = serde_json::from_value(updated).map_err(|e| StoreError::BadValue {
                field: field.clone(),
                value: text.clone(),
                why: e.to_string(),
            })?;
            validate::validate_registration(
                &case.registration,
                &townships,
                case.registered_at.date_naive(),
            )
            .map_err(StoreError::Invalid)?;
            // Store the canonical form (codes, not the Chinese aliases a clerk may type).
            let canonical = get_path(&to_json(&case)?, &field)
                .cloned()
                .unwrap_or(new_value);
            let (obj, prop) = record::resolve_path(tx, &case_obj, &field).ok_or_else(|| {
                StoreError::FieldNotSettable {
                    field: field.clone(),
                    why: "没有这个字段".into(),
                }
            })?;
            // A map (say `flags`) is merged key by key, so what a newer version added
            // inside it stays; every other field is put whole, leaving its siblings be.
            if let (automerge::Prop::Map(key), Value::Object(_)) = (&prop, &canonical)
                && let Some(child) = obj_field(tx, &obj, key.as_str())
                && tx.object_type(&child).ok() == Some(ObjType::Map)
            {
                let mut known = current.clone();
                strip_subrecords(&mut known);
                let seen = known_form::<Case>(&known);
                let stored = get_path(&current, &field).cloned().unwrap_or(Value::Null);
                let seen = seen.as_ref().and_then(|s| get_path(s, &field));
                return merge_into(tx, &child, &stored, seen, &canonical);
            }
            put_at(tx, &obj, prop, &canonical)?;
            Ok(())
        })
    }
}

/// Reads `text` as the JSON type the field has now (or as the model expects).
pub(super) fn typed_value(current: &Value, field: &str, text: &str) -> Result<Value, StoreError> {
    let bad = |why: &str| StoreError::BadValue {
        field: field.into(),
        value: text.into(),
        why: why.into(),
    };
    match get_path(current, field) {
        Some(Value::Bool(_)) => match text.trim() {
            "true" | "是" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "否" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(bad("应为 true/false（是/否）")),
        },
        Some(Value::Number(_)) => text
            .trim()
            .parse::<i64>()
            .map(|n| Value::Number(n.into()))
            .map_err(|_| bad("应为整数")),
        Some(Value::Array(_)) => Ok(Value::Array(
            text.split([',', '，', '、'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.into()))
                .collect(),
        )),
        Some(Value::Object(_)) => {
            serde_json::from_str(text).map_err(|e| bad(&format!("应为 JSON 对象：{e}")))
        }
        Some(Value::Null) | None if text.trim().is_empty() => Ok(Value::Null),
        _ => Ok(Value::String(text.to_owned())),
    }
}

/// Checks what the law and common sense ask of the new kinds' payloads: a hearing session
/// sat on at least one day, none after today, and the event is dated its first day; a
/// follow-up is due after it is set.
pub(super) fn check_event_payload(
    kind: &EventKind,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let bad = |field: &str, value: String, why: &str| {
        Err(StoreError::BadValue {
            field: field.into(),
            value,
            why: why.into(),
        })
    };
    match kind {
        EventKind::HearingSession { days, .. } => {
            let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
                return bad("days", String::new(), "听证/评议会至少要有一天");
            };
            if *last > today {
                return bad("days", last.to_string(), "听证/评议日期不能晚于今天");
            }
            if *first != date {
                return bad("date", date.to_string(), "事件日期应为听证/评议的第一天");
            }
            Ok(())
        }
        EventKind::FollowUpScheduled { due } if *due < date => {
            bad("due", due.to_string(), "回访期限不能早于安排日期")
        }
        _ => Ok(()),
    }
}
