//! Reading cases: the list (answered from the case index while a document's files are
//! unchanged), one case whole, and the histories the clocks are computed from.

use automerge::{Automerge, ObjId, ObjType, ReadDoc, ValueRef};
use chrono::{DateTime, NaiveDate};
use fengqiao_model::{Case, CaseEvent, CaseId, CaseStatus, Note, Route, event};
use serde::{Deserialize, Serialize};

use super::Store;
use crate::index::IndexRow;
use crate::record::{
    CASE_SUBRECORDS, case_obj, decode, decode_map, hex_heads, map_in, strip_subrecords,
};
use crate::storage::DurableStorage;
use crate::store::{ChangeIndex, WhoIndex, to_conflict};
use crate::{CaseRecord, DocName, Resolution, StoreError, record};

/// One row of the case list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub id: CaseId,
    pub number: String,
    /// The number in the system the case was imported from; empty if registered here.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source_number: String,
    pub received_on: NaiveDate,
    pub township: String,
    pub village: String,
    /// The first petitioner's name, or the first representative's.
    pub petitioner: String,
    pub request: String,
    pub channel: String,
    pub route: Option<Route>,
    pub status: CaseStatus,
    pub has_conflicts: bool,
    pub document: String,
}

/// Filters for [`Store::list_cases`]; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub township: Option<String>,
    pub status: Option<CaseStatus>,
    pub route: Option<Route>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Matched against number, names, village and content.
    pub text: Option<String>,
}

impl Store {
    /// The list rows of every case document (of one township, if given): from the index
    /// where it is current, else from the document, refreshing the index.
    pub(super) fn indexed_rows(
        &self,
        township_code: Option<&str>,
    ) -> Result<Vec<(DocName, Vec<IndexRow>)>, StoreError> {
        let mut ready = Vec::new();
        let mut to_read = Vec::new();
        for name in self.case_documents()? {
            if township_code.is_some_and(|code| name.township() != Some(code)) {
                continue;
            }
            let id = name.document_id(&self.identity.county).to_string();
            let loaded = self.handles().get(&name).cloned();
            match loaded {
                Some(handle) => {
                    // In memory: the document may hold changes the disk does not have yet,
                    // so match on heads, not on files.
                    let heads = handle.with_document(|d| hex_heads(&d.get_heads()));
                    match self.index.rows_for_heads(&id, &heads) {
                        Some(rows) => ready.push((name, rows)),
                        None => to_read.push((name, id, handle)),
                    }
                }
                None => {
                    let files = self.storage.listing(&id);
                    match self.index.rows_for_files(&id, &files) {
                        Some(rows) => ready.push((name, rows)),
                        None => {
                            if let Some(handle) = self.doc(&name, false)? {
                                to_read.push((name, id, handle));
                            }
                        }
                    }
                }
            }
        }
        // Documents are independent: read them on both cores.
        let index = &self.index;
        let storage = &self.storage;
        let read: Vec<(DocName, Vec<IndexRow>)> = std::thread::scope(|s| {
            let per_thread = to_read.len().div_ceil(2).max(1);
            let workers: Vec<_> = to_read
                .chunks(per_thread)
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|(name, id, handle)| {
                                let (rows, key) = handle.with_document(|d| {
                                    (index_rows(d, name), index_key(storage, id, d))
                                });
                                if let Some((files, heads)) = key {
                                    index.store(id, files, heads, &rows);
                                }
                                (name.clone(), rows)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .filter_map(|w| w.join().ok())
                .flatten()
                .collect()
        });
        ready.extend(read);
        Ok(ready)
    }

    /// Lists cases matching `filter`, newest first.
    pub fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError> {
        let code = match &filter.township {
            Some(t) => Some(self.township_code_of(t)?),
            None => None,
        };
        let absorbed = self.absorbed_cases()?;
        let mut all: Vec<CaseSummary> = self
            .indexed_rows(code.as_deref())?
            .into_iter()
            .flat_map(|(_, rows)| rows)
            .filter(|row| matches_filter(row, filter) && !absorbed.contains(&row.summary.id))
            .map(|row| row.summary)
            .collect();
        all.sort_by(|a, b| {
            b.received_on
                .cmp(&a.received_on)
                .then_with(|| b.number.cmp(&a.number))
        });
        Ok(all)
    }

    /// Every case matching `filter` with its sorted events: what clocks are computed from.
    /// Reads each document once, so a Today view over thousands of cases stays cheap.
    pub fn histories(
        &self,
        filter: &CaseFilter,
    ) -> Result<Vec<(Case, Vec<CaseEvent>)>, StoreError> {
        let wanted: std::collections::HashSet<CaseId> =
            self.list_cases(filter)?.into_iter().map(|c| c.id).collect();
        let mut out = Vec::with_capacity(wanted.len());
        for name in self.case_documents()? {
            let read = self.read(&name, |d| {
                let Some(cases) = map_in(d, "cases") else {
                    return Vec::new();
                };
                d.map_range(&cases, ..)
                    .filter(|item| {
                        item.key
                            .parse::<CaseId>()
                            .is_ok_and(|id| wanted.contains(&id))
                    })
                    .filter_map(|item| {
                        let mut value = record::read_value(d, &item.id(), ObjType::Map);
                        let (mut events, unreadable) = decode_map::<CaseEvent>(&value, "events");
                        event::sort_events(&mut events);
                        strip_subrecords(&mut value);
                        // Named in the log; `Store::case` shows them and `doctor` counts them.
                        for u in &unreadable {
                            tracing::warn!(case = %item.key, record = %u.zh(), "unreadable event");
                        }
                        decode::<Case>("cases", &item.key, &value)
                            .inspect_err(|u| tracing::warn!(record = %u.zh(), "unreadable case"))
                            .ok()
                            .map(|mut case| {
                                let reg = &mut case.registration;
                                reg.route = fengqiao_rules::route_in_force(&events, reg.route);
                                (case, events)
                            })
                    })
                    .collect::<Vec<_>>()
            })?;
            out.extend(read.into_iter().flatten());
        }
        Ok(out)
    }

    /// The clocks of every open case as of `today` (what 今日, 仅超期, 统计, `case list
    /// --overdue` and `fengqiao report` show), computed with the county's holiday notices
    /// in `calendar` and the directory's units.
    pub fn clock_index(
        &self,
        calendar: &fengqiao_rules::HolidayCalendar,
        today: NaiveDate,
    ) -> Result<crate::reports::ClockIndex, StoreError> {
        let histories = self.histories(&CaseFilter::default())?;
        let law = self.law_context()?;
        Ok(crate::reports::index(
            histories
                .iter()
                .map(|(case, events)| (case.id, &case.registration, events.as_slice())),
            calendar,
            &law,
            today,
        ))
    }

    /// One case with its events, notes, conflicts and resolutions; a case that absorbed
    /// others by a merge shows their events and notes too.
    pub fn case(&self, key: &str) -> Result<CaseRecord, StoreError> {
        let mut record = self.case_alone(key)?;
        self.attach_merges(&mut record)?;
        // The route in force: the latest 分流, else the registration's (see `law.rs`).
        let reg = &mut record.case.registration;
        reg.route = fengqiao_rules::route_in_force(&record.events, reg.route);
        self.restore_kept_apart(&mut record)?;
        Ok(record)
    }

    /// One case as its own document holds it, without merges.
    pub(super) fn case_alone(&self, key: &str) -> Result<CaseRecord, StoreError> {
        let (name, id) = self.locate(key)?;
        let directory = self.who_index()?;
        let record = self
            .read(&name, |d| read_case(d, &name, id, &directory))?
            .ok_or_else(|| StoreError::NoSuchCase(key.to_owned()))??;
        Ok(record)
    }
}

/// What to key a document's index entry on, taken while `d` is locked (call it inside
/// `with_document`): its listing and heads, so that no other writer's change lands between
/// the rows read from `d` and the files they are filed under — an entry filed under a
/// listing that includes a change its rows lack hides that case from every later list.
/// `None` when the document is missing changes or not all on disk: a crash must never
/// leave rows for changes that were not saved, and a document with a gap is read (and its
/// gap reported, see `Store::gaps`) every time until it is whole.
pub(super) fn index_key(
    storage: &DurableStorage,
    id: &str,
    d: &Automerge,
) -> Option<(Vec<String>, Vec<String>)> {
    let heads = d.get_heads();
    let whole = d.get_missing_deps(&[]).is_empty();
    (whole && heads.iter().all(|h| storage.is_on_disk(id, h)))
        .then(|| (storage.listing(id), hex_heads(&heads)))
}

pub(super) fn index_rows(d: &Automerge, name: &DocName) -> Vec<IndexRow> {
    let Some(cases) = map_in(d, "cases") else {
        return Vec::new();
    };
    let doc_name = name.to_string();
    d.map_range(&cases, ..)
        .filter_map(|item| {
            let ValueRef::Object(_) = item.value else {
                return None;
            };
            index_row(d, &item.id(), &doc_name)
        })
        .collect()
}

/// A map's scalar text fields, and its objects, in one pass (a `get` per field costs a
/// seek each: at county scale the list index was most of an import's time).
struct Fields {
    text: std::collections::HashMap<String, String>,
    objects: std::collections::HashMap<String, ObjId>,
    conflict: bool,
}

fn fields_of(d: &Automerge, obj: &ObjId) -> Fields {
    let mut out = Fields {
        text: Default::default(),
        objects: Default::default(),
        conflict: false,
    };
    for item in d.map_range(obj, ..) {
        let skip = CASE_SUBRECORDS.contains(&item.key.as_ref());
        out.conflict |= item.conflict && !skip;
        match &item.value {
            ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => {
                out.text.insert(item.key.to_string(), s.to_string());
            }
            ValueRef::Object(_) => {
                out.objects.insert(item.key.to_string(), item.id());
            }
            _ => {}
        }
    }
    out
}

/// Whether anything inside `obj` has concurrent values.
fn has_conflict(d: &Automerge, obj: &ObjId) -> bool {
    match d.object_type(obj) {
        Ok(ObjType::Map | ObjType::Table) => d.map_range(obj, ..).any(|i| {
            i.conflict || (matches!(i.value, ValueRef::Object(_)) && has_conflict(d, &i.id()))
        }),
        Ok(ObjType::List) => d.list_range(obj, ..).any(|i| {
            i.conflict || (matches!(i.value, ValueRef::Object(_)) && has_conflict(d, &i.id()))
        }),
        _ => false,
    }
}

/// The list row of a case, and the text a search looks through: read field by field in
/// one pass over each map, deriving status from event kinds alone, so the list stays fast
/// at county scale.
pub(super) fn index_row(d: &Automerge, obj: &ObjId, doc: &str) -> Option<IndexRow> {
    let case = fields_of(d, obj);
    let text = |f: &Fields, k: &str| f.text.get(k).cloned().unwrap_or_default();
    let mut conflict = case.conflict;
    let mut search = String::new();
    let mut request = String::new();
    if let Some(content) = case.objects.get("content") {
        let c = fields_of(d, content);
        conflict = conflict || has_conflict(d, content);
        request = text(&c, "request");
        search.push_str(&text(&c, "facts"));
    }
    let mut petitioner = String::new();
    for list in ["petitioners", "representatives"] {
        let Some(l) = case.objects.get(list) else {
            continue;
        };
        for item in d.list_range(l, ..) {
            conflict |= item.conflict;
            if let ValueRef::Object(_) = item.value {
                let p = fields_of(d, &item.id());
                conflict |= p.conflict || p.objects.values().any(|o| has_conflict(d, o));
                let name = text(&p, "name");
                // The first petitioner's name, or the first representative's.
                if petitioner.is_empty() && item.index == 0 {
                    petitioner = name.clone();
                }
                search.push(' ');
                search.push_str(&name);
            }
        }
    }
    for (key, o) in &case.objects {
        if !matches!(key.as_str(), "content" | "petitioners" | "representatives")
            && !CASE_SUBRECORDS.contains(&key.as_str())
        {
            conflict = conflict || has_conflict(d, o);
        }
    }
    let mut events: Vec<super::law::RowEvent> = Vec::new();
    if let Some(events_obj) = case.objects.get("events") {
        for e in d.map_range(events_obj, ..) {
            let ValueRef::Object(_) = e.value else {
                continue;
            };
            let f = fields_of(d, &e.id());
            let recorded_at = DateTime::parse_from_rfc3339(&text(&f, "recorded_at")).ok();
            events.push((
                text(&f, "date"),
                recorded_at,
                e.key.into_owned(),
                text(&f, "kind"),
                text(&f, "route"),
            ));
        }
    }
    events.sort();
    let status = event::status_of_codes(events.iter().map(|(_, _, _, kind, _)| kind.as_str()));
    let route = super::law::route_in_force_of_row(&events, &text(&case, "route"));
    let summary = CaseSummary {
        id: text(&case, "id").parse().ok()?,
        number: text(&case, "number"),
        source_number: text(&case, "source_number"),
        received_on: text(&case, "received_on").parse().ok()?,
        township: text(&case, "township"),
        village: text(&case, "village"),
        petitioner,
        request,
        channel: text(&case, "channel"),
        route,
        status,
        has_conflicts: conflict,
        document: doc.to_owned(),
    };
    Some(IndexRow { summary, search })
}

/// The list row of a case not yet read back: from the stored form just written (an
/// import's new cases), giving what [`index_row`] would read from the document.
pub(super) fn row_from_value(value: &serde_json::Value, doc: &str) -> Option<IndexRow> {
    use serde_json::Value;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let content = value.get("content").cloned().unwrap_or(Value::Null);
    let mut search = text(&content, "facts");
    let mut petitioner = String::new();
    for list in ["petitioners", "representatives"] {
        for (i, p) in value
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = text(p, "name");
            if petitioner.is_empty() && i == 0 {
                petitioner = name.clone();
            }
            search.push(' ');
            search.push_str(&name);
        }
    }
    let mut events: Vec<super::law::RowEvent> = value
        .get("events")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(key, e)| {
            (
                text(e, "date"),
                DateTime::parse_from_rfc3339(&text(e, "recorded_at")).ok(),
                key.clone(),
                text(e, "kind"),
                text(e, "route"),
            )
        })
        .collect();
    events.sort();
    let summary = CaseSummary {
        id: text(value, "id").parse().ok()?,
        number: text(value, "number"),
        source_number: text(value, "source_number"),
        received_on: text(value, "received_on").parse().ok()?,
        township: text(value, "township"),
        village: text(value, "village"),
        petitioner,
        request: text(&content, "request"),
        channel: text(value, "channel"),
        route: super::law::route_in_force_of_row(&events, &text(value, "route")),
        status: event::status_of_codes(events.iter().map(|(_, _, _, kind, _)| kind.as_str())),
        has_conflicts: false,
        document: doc.to_owned(),
    };
    Some(IndexRow { summary, search })
}

pub(super) fn matches_filter(row: &IndexRow, f: &CaseFilter) -> bool {
    let s = &row.summary;
    if f.township.as_ref().is_some_and(|t| *t != s.township)
        || f.status.is_some_and(|st| st != s.status)
        || f.route.is_some_and(|r| Some(r) != s.route)
        || f.from.is_some_and(|d| s.received_on < d)
        || f.to.is_some_and(|d| s.received_on > d)
    {
        return false;
    }
    match f.text.as_deref().map(str::trim) {
        Some(q) if !q.is_empty() => {
            s.number.contains(q)
                || (!s.source_number.is_empty() && s.source_number.contains(q))
                || s.petitioner.contains(q)
                || s.village.contains(q)
                || s.request.contains(q)
                || row.search.contains(q)
        }
        _ => true,
    }
}

pub(super) fn read_case(
    d: &Automerge,
    name: &DocName,
    id: CaseId,
    who: &WhoIndex,
) -> Result<CaseRecord, StoreError> {
    let obj = case_obj(d, id)?;
    let mut value = record::read_value(d, &obj, ObjType::Map);
    let (mut events, mut unreadable) = decode_map::<CaseEvent>(&value, "events");
    event::sort_events(&mut events);
    let (mut notes, bad_notes) = decode_map::<Note>(&value, "notes");
    notes.sort_by_key(|n| (n.written_at, n.id));
    let (mut resolutions, bad_resolutions) = decode_map::<Resolution>(&value, "resolutions");
    resolutions.sort_by_key(|r| r.resolved_at);
    unreadable.extend(bad_notes);
    unreadable.extend(bad_resolutions);
    unreadable.extend(super::papers::paper_entries(d, &obj).1);
    let (mut attachments, bad_attachments) = super::attachments::attachments_of(d, &obj);
    attachments.sort_by_key(|a| (a.attached_at, a.id));
    unreadable.extend(bad_attachments);
    strip_subrecords(&mut value);
    let case: Case = serde_json::from_value(value).map_err(|e| StoreError::DamagedRecord {
        doc: name.to_string(),
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    let raw = record::conflicts_in(d, &obj, CASE_SUBRECORDS);
    // Who wrote what needs the whole change history: only build it when there is a conflict.
    let changes = (!raw.is_empty()).then(|| ChangeIndex::new(d));
    let conflicts = changes
        .map(|changes| {
            raw.into_iter()
                .map(|r| to_conflict(r, &case, &changes, who))
                .collect()
        })
        .unwrap_or_default();
    Ok(CaseRecord {
        status: event::status_of(&events),
        case,
        events,
        notes,
        attachments,
        conflicts,
        resolutions,
        unreadable,
        document: name.to_string(),
        merged_from: Vec::new(),
        merged_into: None,
        kept_apart: None,
    })
}
