//! Writing many cases at once (a county's earlier records, the demo county): one change
//! per document instead of one per case.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use fengqiao_model::{
    Case, CaseEvent, CaseId, CaseNumber, EventId, EventKind, Note, NoteId, Registration, validate,
};
use serde_json::Value;

use super::Store;
use crate::record::{map_at, to_json};
use crate::store::code_of;
use crate::{DocName, StoreError, china_offset, record};

/// A complete case as demo data or an import brings it: registration, history, notes.
#[derive(Debug, Clone)]
pub struct ImportedCase {
    pub registration: Registration,
    pub registered_at: DateTime<FixedOffset>,
    /// Events after registration, in any order.
    pub events: Vec<(EventKind, NaiveDate)>,
    pub notes: Vec<String>,
}

impl Store {
    /// Writes many cases at once: one change per case, one wait for the disk per
    /// document. Each case is validated like [`Store::add_case`]. `progress` is called
    /// with the number of cases written so far.
    pub fn import_cases(
        &self,
        cases: Vec<ImportedCase>,
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<CaseId>, StoreError> {
        self.require_case_writer()?;
        let townships = self.townships()?;
        let names: Vec<String> = townships.iter().map(|t| t.name.clone()).collect();
        let mut by_doc: BTreeMap<DocName, Vec<Value>> = BTreeMap::new();
        let mut ids = Vec::with_capacity(cases.len());
        let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
        for c in &cases {
            *per_year.entry(c.registered_at.year()).or_default() += 1;
        }
        let mut next_seq: BTreeMap<i32, u32> = BTreeMap::new();
        for (year, n) in per_year {
            next_seq.insert(year, self.reserve_sequences(year, n)?);
        }
        for c in cases {
            validate::validate_registration(&c.registration, &names, c.registered_at.date_naive())
                .map_err(StoreError::Invalid)?;
            let code = code_of(&townships, &c.registration.township)?;
            let year = c.registered_at.year();
            let seq = next_seq.entry(year).or_insert(1);
            let case = Case {
                id: CaseId::generate(),
                number: CaseNumber {
                    device_code: self.identity.device_code.clone(),
                    year,
                    sequence: *seq,
                },
                registered_at: c.registered_at,
                registered_by: self.identity.person.id,
                registration: c.registration,
            };
            *seq += 1;
            let mut events = serde_json::Map::new();
            let mut notes = serde_json::Map::new();
            let registered = (EventKind::Registered, case.registration.received_on);
            for (kind, date) in std::iter::once(registered).chain(c.events) {
                let at = date
                    .and_hms_opt(10, 0, 0)
                    .and_then(|t| t.and_local_timezone(china_offset()).single())
                    .unwrap_or(case.registered_at);
                let e = CaseEvent {
                    id: EventId::generate(),
                    kind,
                    date,
                    recorded_at: at,
                    recorded_by: self.identity.person.id,
                    remark: String::new(),
                };
                events.insert(e.id.to_string(), to_json(&e)?);
            }
            for text in c.notes {
                let n = Note {
                    id: NoteId::generate(),
                    author: self.identity.person.id,
                    author_name: self.identity.person.name.clone(),
                    written_at: case.registered_at,
                    text,
                };
                notes.insert(n.id.to_string(), to_json(&n)?);
            }
            let mut value = to_json(&case)?;
            if let Value::Object(fields) = &mut value {
                fields.insert("events".into(), Value::Object(events));
                fields.insert("notes".into(), Value::Object(notes));
                fields.insert("resolutions".into(), Value::Object(Default::default()));
            }
            ids.push(case.id);
            by_doc
                .entry(DocName::cases_for(&code, case.registration.received_on))
                .or_default()
                .push(value);
        }
        let mut written = 0;
        for (name, values) in by_doc {
            let handle = self.must_doc(&name)?;
            let last = handle.with_document(|doc| {
                let mut last = None;
                for value in &values {
                    let key = value
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let time = value
                        .get("registered_at")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .map_or(0, |t| t.timestamp());
                    let ((), hash) = self.commit_as(doc, time, |tx| {
                        let cases = map_at(tx, "cases")?;
                        record::put_record(tx, &cases, &key, value)?;
                        Ok(())
                    })?;
                    last = hash.or(last);
                }
                Ok::<_, StoreError>(last)
            })?;
            if let Some(hash) = last {
                self.wait_durable(&handle, hash)?;
            }
            written += values.len();
            progress(written);
        }
        // Build the list index now, while the documents are in memory.
        self.indexed_rows(None)?;
        Ok(ids)
    }
}
