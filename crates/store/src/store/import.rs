//! Writing many cases at once — a county's earlier records, the demo county — and importing
//! them again. An import is keyed on each case's source number: a second run of the same
//! file creates nothing, and a changed row updates only the fields that changed. Cases are
//! written per document: many cases, one wait for the disk.

use std::collections::{BTreeMap, HashMap};

use automerge::{ChangeHash, ObjType, ReadDoc};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use fengqiao_model::{Case, CaseEvent, CaseId, CaseNumber, EventId, Note, NoteId, validate};
pub use fengqiao_model::{ImportedCase, ImportedEvent, ImportedNote};
use serde_json::Value;

use super::Store;
use super::cases::check_event_payload;
use crate::record::{
    case_obj, get_path, hex_heads, map_at, put_at, read_value, strip_subrecords, to_json,
};
use crate::store::code_of;
use crate::{CaseRecord, DocName, StoreError, china_offset, now_cst, record};

/// The most cases written in one transaction: a document's batch is cut in pieces of this
/// size, so one change stays a size peers apply in moments.
const BATCH: usize = 1_000;

/// How many cases' changes are committed to disk together: one group commit (one
/// `fdatasync` of the journal) for the documents they are in.
const GROUP: usize = 2_500;

/// Changes made in memory and not yet known to be on disk, with what they wrote: nothing
/// of them is reported written until [`Store::save_group`] has them durable. samod hands
/// each to the storage as it is made; the storage's committer groups what arrives
/// together, so the documents of a group share its journal `fdatasync`s.
#[derive(Default)]
struct Group {
    changes: Vec<(samod::DocHandle, ChangeHash)>,
    cases: usize,
    created: Vec<(CaseId, String)>,
    updated: Vec<String>,
}

impl Group {
    fn add(&mut self, handle: &samod::DocHandle, change: Option<ChangeHash>, cases: usize) {
        if let Some(hash) = change {
            self.changes.push((handle.clone(), hash));
        }
        self.cases += cases;
    }
}

/// Why the store refuses one case of an import. `index` is the case's place in what was
/// given; the caller names the file's row and column.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRefusal {
    pub index: usize,
    /// The registration field concerned (`township`, `content.request`, …), or `""`.
    pub field: String,
    /// Why, in Chinese.
    pub why: String,
}

/// What importing one case does.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportAction {
    /// A new case.
    Create,
    /// The case is here already, as the source has it (but for `kept`).
    Unchanged { number: String, kept: Vec<String> },
    /// The case is here; the source changed some of its fields, or brings events or
    /// notes it lacks.
    Update(CaseUpdate),
}

/// The changes a re-import makes to a case already here.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseUpdate {
    pub id: CaseId,
    pub number: String,
    pub document: DocName,
    /// Each changed field (`content.request`, `petitioners`, …) with its new stored value.
    pub fields: Vec<(String, Value)>,
    /// Fields the source gives differently that were edited here since they were imported:
    /// kept as they are (a re-import never undoes a clerk's work).
    pub kept: Vec<String>,
    /// Events the case lacks.
    pub events: Vec<ImportedEvent>,
    /// Notes the case lacks.
    pub notes: Vec<ImportedNote>,
}

/// One case of a plan and what it will do.
#[derive(Debug, Clone)]
pub struct PlannedCase {
    pub index: usize,
    pub case: ImportedCase,
    pub action: ImportAction,
}

/// What an import would write, decided before anything is written: a dry run shows it,
/// a real run carries it out.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub cases: Vec<PlannedCase>,
    pub refused: Vec<ImportRefusal>,
}

impl ImportPlan {
    fn count(&self, f: impl Fn(&ImportAction) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.action)).count()
    }

    /// Cases it would create.
    pub fn to_create(&self) -> usize {
        self.count(|a| matches!(a, ImportAction::Create))
    }

    /// Cases it would change.
    pub fn to_update(&self) -> usize {
        self.count(|a| matches!(a, ImportAction::Update(_)))
    }

    /// Cases already here as the source has them.
    pub fn unchanged(&self) -> usize {
        self.count(|a| matches!(a, ImportAction::Unchanged { .. }))
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOutcome {
    /// The new cases: id and the county's number.
    pub created: Vec<(CaseId, String)>,
    /// The numbers of the cases changed.
    pub updated: Vec<String>,
    pub unchanged: usize,
}

/// Where an existing case with a source number is.
#[derive(Debug, Clone)]
struct Existing {
    id: CaseId,
    document: DocName,
}

impl Store {
    /// Writes many cases at once and returns their ids (the demo county; tests). Every case
    /// is new: cases with a source number already here are refused, as is any invalid one.
    pub fn import_cases(
        &self,
        cases: Vec<ImportedCase>,
        progress: impl FnMut(usize),
    ) -> Result<Vec<CaseId>, StoreError> {
        let plan = self.plan_import(cases)?;
        if let Some(refusal) = plan.refused.first() {
            return Err(StoreError::BadValue {
                field: refusal.field.clone(),
                value: format!("第 {} 件", refusal.index + 1),
                why: refusal.why.clone(),
            });
        }
        if let Some(here) = plan
            .cases
            .iter()
            .find(|c| !matches!(c.action, ImportAction::Create))
        {
            return Err(StoreError::BadValue {
                field: "source_number".into(),
                value: here.case.source_number.clone(),
                why: "本县已有这件案件".into(),
            });
        }
        Ok(self
            .apply_import(plan, progress)?
            .created
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    /// Decides what importing `cases` would do, writing nothing: each case is checked like
    /// a registration (and its history's dates and details), then matched on its source
    /// number against the cases here. A case whose source number is here already is
    /// compared field by field (only the fields the source gave) and by its events and
    /// notes.
    pub fn plan_import(&self, cases: Vec<ImportedCase>) -> Result<ImportPlan, StoreError> {
        self.require_case_writer()?;
        let townships = self.townships()?;
        let names: Vec<String> = townships.iter().map(|t| t.name.clone()).collect();
        let today = now_cst().date_naive();
        let mut existing = self.cases_by_source_number()?;
        // A case in a damaged document is invisible: importing it again would make it twice.
        if let Some(gap) = self.gaps()?.into_iter().find(|g| g.may_hold_cases()) {
            return Err(StoreError::BadDocumentData {
                doc: gap.document.clone(),
                reason: format!(
                    "{}；导入前须先恢复（fengqiao repair），否则无法确认哪些案件已经导入过",
                    gap.zh()
                ),
            });
        }
        // Asked once: each reads the directory.
        let home_unit = self.home_unit()?;
        let device = self.directory_device()?;
        let in_scope = |t: &str| device.scope.is_empty() || device.scope.iter().any(|s| s == t);
        let mut plan = ImportPlan::default();
        // Cases here already, to compare: (place in the plan, where the case is).
        let mut to_compare: Vec<(usize, Existing)> = Vec::new();
        for (index, mut case) in cases.into_iter().enumerate() {
            let refuse = |field: &str, why: String| ImportRefusal {
                index,
                field: field.to_owned(),
                why,
            };
            case.source_number = case.source_number.trim().to_owned();
            let reg = &mut case.registration;
            reg.township = reg.township.trim().to_owned();
            reg.received_by = reg.received_by.trim().to_owned();
            if reg.received_by.is_empty() {
                reg.received_by = home_unit.clone();
            }
            if let Err(errors) = validate::validate_registration(
                &case.registration,
                &names,
                case.registered_at.date_naive(),
            ) {
                for e in errors {
                    plan.refused.push(refuse(e.field(), e.to_string()));
                }
                continue;
            }
            if !in_scope(&case.registration.township) {
                plan.refused.push(refuse(
                    "township",
                    format!(
                        "本设备无权在 {} 登记案件（县目录中本设备负责：{}）",
                        case.registration.township,
                        device.scope.join("、")
                    ),
                ));
                continue;
            }
            if let Some(why) = history_problem(&case, today) {
                plan.refused.push(refuse("events", why));
                continue;
            }
            let found = if case.source_number.is_empty() {
                None
            } else {
                existing.get(&case.source_number).cloned()
            };
            match found {
                Some(found) if found.len() > 1 => {
                    plan.refused.push(refuse(
                        "source_number",
                        format!(
                            "本县已有 {} 件原编号为 {} 的案件，请先合并重复案件",
                            found.len(),
                            case.source_number
                        ),
                    ));
                    continue;
                }
                Some(found) if !found.is_empty() => {
                    to_compare.push((plan.cases.len(), found[0].clone()));
                }
                Some(_) => {
                    plan.refused.push(refuse(
                        "source_number",
                        format!("原编号 {} 在本次导入中重复", case.source_number),
                    ));
                    continue;
                }
                None => {
                    if !case.source_number.is_empty() {
                        // A second case with this number in one run would make it twice.
                        existing.insert(case.source_number.clone(), Vec::new());
                    }
                }
            }
            plan.cases.push(PlannedCase {
                index,
                case,
                action: ImportAction::Create,
            });
        }
        self.compare_with_stored(&mut plan, to_compare)?;
        Ok(plan)
    }

    /// Decides, for each case of the plan that is here already, what re-importing it
    /// changes (reading each document once).
    fn compare_with_stored(
        &self,
        plan: &mut ImportPlan,
        to_compare: Vec<(usize, Existing)>,
    ) -> Result<(), StoreError> {
        let mut by_doc: BTreeMap<DocName, Vec<(usize, CaseId)>> = BTreeMap::new();
        for (i, e) in to_compare {
            by_doc.entry(e.document).or_default().push((i, e.id));
        }
        let who = self.who_index()?;
        for (name, cases) in by_doc {
            let actions = self
                .read(&name, |d| {
                    cases
                        .iter()
                        .map(|(i, id)| {
                            let record = super::case_list::read_case(d, &name, *id, &who)?;
                            let obj = case_obj(d, *id)?;
                            let case = &plan.cases[*i].case;
                            Ok((*i, changes_to(d, &obj, case, &record, &name)?))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()
                })?
                .transpose()?
                .unwrap_or_default();
            for (i, update) in actions {
                plan.cases[i].action = if update.fields.is_empty()
                    && update.events.is_empty()
                    && update.notes.is_empty()
                {
                    ImportAction::Unchanged {
                        number: update.number,
                        kept: update.kept,
                    }
                } else {
                    ImportAction::Update(update)
                };
            }
        }
        Ok(())
    }

    /// Carries out a plan: new cases grouped by document, up to [`BATCH`] to a transaction
    /// and one wait for the disk per document; then the updates, likewise. A case is
    /// counted written only once its document is on disk. `progress` is told how many
    /// cases are done.
    pub fn apply_import(
        &self,
        plan: ImportPlan,
        mut progress: impl FnMut(usize),
    ) -> Result<ImportOutcome, StoreError> {
        self.require_case_writer()?;
        let townships = self.townships()?;
        let mut outcome = ImportOutcome::default();
        let mut new_cases = Vec::new();
        let mut updates: BTreeMap<DocName, Vec<CaseUpdate>> = BTreeMap::new();
        for planned in plan.cases {
            match planned.action {
                ImportAction::Create => new_cases.push(planned.case),
                ImportAction::Unchanged { .. } => outcome.unchanged += 1,
                ImportAction::Update(u) => updates.entry(u.document.clone()).or_default().push(u),
            }
        }
        let mut done = outcome.unchanged;
        progress(done);
        let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
        for c in &new_cases {
            *per_year.entry(c.registered_at.year()).or_default() += 1;
        }
        // Numbers are durable before use: a run cut short skips some, never repeats one.
        let mut next_seq: BTreeMap<i32, u32> = BTreeMap::new();
        for (year, n) in per_year {
            next_seq.insert(year, self.reserve_sequences(year, n)?);
        }
        let mut by_doc: BTreeMap<DocName, Vec<(CaseId, String, Value)>> = BTreeMap::new();
        for c in new_cases {
            let year = c.registered_at.year();
            let seq = next_seq.entry(year).or_insert(1);
            let number = CaseNumber {
                device_code: self.identity.device_code.clone(),
                year,
                sequence: *seq,
            };
            *seq += 1;
            let code = code_of(&townships, &c.registration.township)?;
            let name = DocName::cases_for(&code, c.registration.received_on);
            let (id, value) = self.case_value(c, number.clone())?;
            by_doc
                .entry(name)
                .or_default()
                .push((id, number.to_string(), value));
        }
        // Listed first, all in one directory change; a document listed that a cut-short
        // run never created is made by the next.
        self.catalogue_add_all(&by_doc.keys().cloned().collect::<Vec<_>>())?;
        let mut group = Group::default();
        // New rows to index: document id and handle, the heads they were read at, rows.
        type Indexed = (
            String,
            samod::DocHandle,
            Vec<String>,
            Vec<crate::index::IndexRow>,
        );
        let mut indexed: Vec<Indexed> = Vec::new();
        for (name, cases) in by_doc {
            let handle = self.must_doc(&name)?;
            self.require_write(&name)?;
            let id = name.document_id(&self.identity.county).to_string();
            // The list's rows of the document before, if the index has them: the new
            // cases' rows are added from what was written instead of read back.
            let (before, empty) = handle.with_document(|d| {
                let empty = crate::record::map_in(d, "cases").is_none_or(|m| d.length(&m) == 0);
                (hex_heads(&d.get_heads()), empty)
            });
            let mut rows = match self.index.rows_for_heads(&id, &before) {
                None if empty => Some(Vec::new()),
                rows => rows,
            };
            let mut last = before;
            for batch in cases.chunks(BATCH) {
                let (heads_before, change) = handle.with_document(|doc| {
                    let heads = hex_heads(&doc.get_heads());
                    let ((), hash) = self.commit_with(doc, import_options(), |tx| {
                        let map = map_at(tx, "cases")?;
                        for (id, _, value) in batch {
                            record::put_record(tx, &map, &id.to_string(), value)?;
                        }
                        Ok(())
                    })?;
                    Ok::<_, StoreError>((heads, hash))
                })?;
                if let Some(hash) = change {
                    // Only this run's changes since: a peer's change merged meanwhile
                    // would be missing from the rows.
                    if heads_before != last {
                        rows = None;
                    }
                    last = hex_heads(&[hash]);
                }
                if let Some(rows) = &mut rows {
                    let doc_name = name.to_string();
                    rows.extend(
                        batch
                            .iter()
                            .filter_map(|(_, _, v)| super::case_list::row_from_value(v, &doc_name)),
                    );
                }
                group.add(&handle, change, batch.len());
                group
                    .created
                    .extend(batch.iter().map(|(id, number, _)| (*id, number.clone())));
                if group.cases >= GROUP {
                    done += self.save_group(&mut group, &mut outcome)?;
                    progress(done);
                }
            }
            if let Some(rows) = rows {
                indexed.push((id, handle.clone(), last, rows));
            }
        }
        for (name, changes) in updates {
            let handle = self.must_doc(&name)?;
            self.require_write(&name)?;
            for batch in changes.chunks(BATCH) {
                let ((), change) = handle.with_document(|doc| {
                    self.commit_with(doc, import_options(), |tx| {
                        for u in batch {
                            self.write_update(tx, u)?;
                        }
                        Ok(())
                    })
                })?;
                group.add(&handle, change, batch.len());
                group.updated.extend(batch.iter().map(|u| u.number.clone()));
                if group.cases >= GROUP {
                    done += self.save_group(&mut group, &mut outcome)?;
                    progress(done);
                }
            }
        }
        done += self.save_group(&mut group, &mut outcome)?;
        progress(done);
        // On disk now: the new cases' rows may go in the index.
        for (id, handle, heads, rows) in indexed {
            // Only at the heads the rows were read at (a peer's change may have landed
            // since), keyed as the case index keys its entries (see `index_key`).
            let key = handle.with_document(|d| {
                super::case_list::index_key(&self.storage, &id, d).filter(|(_, h)| *h == heads)
            });
            if let Some((files, heads)) = key {
                self.index.store(&id, files, heads, &rows);
            }
        }
        // Build the list index now, while the documents are in memory.
        self.indexed_rows(None)?;
        Ok(outcome)
    }

    /// Commits a group's changes to disk together and only then counts what they wrote;
    /// returns how many cases that was.
    fn save_group(
        &self,
        group: &mut Group,
        outcome: &mut ImportOutcome,
    ) -> Result<usize, StoreError> {
        let group = std::mem::take(group);
        for (handle, hash) in &group.changes {
            self.wait_durable(handle, *hash)?;
        }
        outcome.created.extend(group.created);
        outcome.updated.extend(group.updated);
        Ok(group.cases)
    }

    /// Every case here as its document holds it, with events and notes (not merged ones):
    /// what a full export writes. Each document is read once.
    pub fn case_records(&self) -> Result<Vec<CaseRecord>, StoreError> {
        let absorbed = self.absorbed_cases()?;
        let wanted: Vec<Existing> = self
            .indexed_rows(None)?
            .into_iter()
            .flat_map(|(name, rows)| {
                rows.into_iter().map(move |r| Existing {
                    id: r.summary.id,
                    document: name.clone(),
                })
            })
            .filter(|e| !absorbed.contains(&e.id))
            .collect();
        let mut records = self.records_of(&wanted.iter().collect::<Vec<_>>())?;
        records.sort_by(|a, b| {
            (a.case.registration.received_on, &a.case.number)
                .cmp(&(b.case.registration.received_on, &b.case.number))
        });
        Ok(records)
    }

    /// The cases here that carry a source number, by it (several when two laptops
    /// imported the same case apart).
    fn cases_by_source_number(&self) -> Result<HashMap<String, Vec<Existing>>, StoreError> {
        let mut out: HashMap<String, Vec<Existing>> = HashMap::new();
        let absorbed = self.absorbed_cases()?;
        for (name, rows) in self.indexed_rows(None)? {
            for row in rows {
                let s = row.summary;
                if !s.source_number.is_empty() && !absorbed.contains(&s.id) {
                    out.entry(s.source_number).or_default().push(Existing {
                        id: s.id,
                        document: name.clone(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The records of the given cases, reading each document once.
    fn records_of(&self, wanted: &[&Existing]) -> Result<Vec<CaseRecord>, StoreError> {
        let mut by_doc: BTreeMap<&DocName, Vec<CaseId>> = BTreeMap::new();
        for e in wanted {
            by_doc.entry(&e.document).or_default().push(e.id);
        }
        let who = self.who_index()?;
        let mut out = Vec::with_capacity(wanted.len());
        for (name, ids) in by_doc {
            let read = self.read(name, |d| {
                ids.iter()
                    .map(|id| super::case_list::read_case(d, name, *id, &who))
                    .collect::<Vec<_>>()
            })?;
            for r in read.into_iter().flatten() {
                match r {
                    Ok(record) => out.push(record),
                    // Damaged: named in the log; `doctor` reports it.
                    Err(e) => tracing::warn!(doc = %name, error = %e, "unreadable case"),
                }
            }
        }
        Ok(out)
    }

    /// A new case's stored form: the case, its registration event, its history on the
    /// original dates, its notes.
    fn case_value(
        &self,
        c: ImportedCase,
        number: CaseNumber,
    ) -> Result<(CaseId, Value), StoreError> {
        let me = &self.identity.person;
        let case = Case {
            id: CaseId::generate(),
            number,
            registered_at: c.registered_at,
            registered_by: me.id,
            source_number: c.source_number,
            registration: c.registration,
        };
        let mut events = serde_json::Map::new();
        let registered = ImportedEvent::new(
            fengqiao_model::EventKind::Registered,
            case.registration.received_on,
        );
        for e in std::iter::once(registered).chain(c.events) {
            let e = self.event_of(e, case.registered_at);
            events.insert(e.id.to_string(), to_json(&e)?);
        }
        let mut notes = serde_json::Map::new();
        for n in c.notes {
            let n = self.note_of(n, case.registered_at);
            notes.insert(n.id.to_string(), to_json(&n)?);
        }
        let mut value = to_json(&case)?;
        if let Value::Object(fields) = &mut value {
            fields.insert("events".into(), Value::Object(events));
            fields.insert("notes".into(), Value::Object(notes));
            fields.insert("resolutions".into(), Value::Object(Default::default()));
        }
        Ok((case.id, value))
    }

    /// An event on its original date, recorded as of that day (10:00 China time), so the
    /// clocks run as if it had been entered on time.
    fn event_of(&self, e: ImportedEvent, registered_at: DateTime<FixedOffset>) -> CaseEvent {
        CaseEvent {
            id: EventId::generate(),
            recorded_at: morning_of(e.date).unwrap_or(registered_at),
            kind: e.kind,
            date: e.date,
            recorded_by: self.identity.person.id,
            remark: e.remark,
        }
    }

    fn note_of(&self, n: ImportedNote, registered_at: DateTime<FixedOffset>) -> Note {
        let me = &self.identity.person;
        Note {
            id: NoteId::generate(),
            author: me.id,
            author_name: if n.author_name.trim().is_empty() {
                me.name.clone()
            } else {
                n.author_name
            },
            written_at: n.written_at.unwrap_or(registered_at),
            text: n.text,
        }
    }

    fn write_update(
        &self,
        tx: &mut automerge::transaction::Transaction<'_>,
        u: &CaseUpdate,
    ) -> Result<(), StoreError> {
        let obj = case_obj(tx, u.id)?;
        for (path, value) in &u.fields {
            match record::resolve_path(tx, &obj, path) {
                Some((parent, prop)) => put_at(tx, &parent, prop, value)?,
                // A nested map an older record lacks: write its top-level field whole.
                None => {
                    let top = path.split('.').next().unwrap_or(path);
                    let current = read_value(tx, &obj, ObjType::Map);
                    let mut whole = current.get(top).cloned().unwrap_or(Value::Null);
                    if !whole.is_object() {
                        whole = Value::Object(Default::default());
                    }
                    crate::record::set_path(&mut whole, &path[top.len() + 1..], value.clone());
                    record::put_value(tx, &obj, top, &whole)?;
                }
            }
        }
        let registered_at = match tx.get(&obj, "registered_at")? {
            Some((automerge::Value::Scalar(s), _)) => s
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .unwrap_or_else(now_cst),
            _ => now_cst(),
        };
        if !u.events.is_empty() {
            let events = crate::record::case_sub(tx, u.id, "events")?;
            for e in &u.events {
                let e = self.event_of(e.clone(), registered_at);
                record::put_record(tx, &events, &e.id.to_string(), &to_json(&e)?)?;
            }
        }
        if !u.notes.is_empty() {
            let notes = crate::record::case_sub(tx, u.id, "notes")?;
            for n in &u.notes {
                let n = self.note_of(n.clone(), registered_at);
                record::put_record(tx, &notes, &n.id.to_string(), &to_json(&n)?)?;
            }
        }
        Ok(())
    }
}

/// An import's change: now, marked as an import's.
fn import_options() -> automerge::transaction::CommitOptions {
    automerge::transaction::CommitOptions::default()
        .with_time(now_cst().timestamp())
        .with_message(IMPORT_MESSAGE.to_owned())
}

fn morning_of(date: NaiveDate) -> Option<DateTime<FixedOffset>> {
    date.and_hms_opt(10, 0, 0)
        .and_then(|t| t.and_local_timezone(china_offset()).single())
}

/// What is wrong with an imported history, if anything: an event after today or before
/// the item was received, or details the law rules out (see `check_event_payload`).
fn history_problem(case: &ImportedCase, today: NaiveDate) -> Option<String> {
    let received = case.registration.received_on;
    for e in &case.events {
        let name = e.kind.zh();
        if e.date > today {
            return Some(format!("{name}（{}）晚于今天", e.date));
        }
        if e.date < received {
            return Some(format!("{name}（{}）早于收到日期 {received}", e.date));
        }
        if let Err(err) = check_event_payload(&e.kind, e.date, today) {
            return Some(format!("{name}（{}）：{err}", e.date));
        }
    }
    None
}

/// The message on every change an import makes: how a later import tells the fields it
/// wrote (which it may update) from a clerk's edits (which it keeps).
pub(crate) const IMPORT_MESSAGE: &str = "fengqiao:import";

/// What re-importing `case` changes on the stored `record` (its map `obj` in `d`): each
/// field the source gives that differs from what is stored, where the stored value was
/// written by an import (not edited here since); and the events and notes it lacks.
fn changes_to(
    d: &automerge::Automerge,
    obj: &automerge::ObjId,
    case: &ImportedCase,
    record: &CaseRecord,
    document: &DocName,
) -> Result<CaseUpdate, StoreError> {
    let stored = {
        let mut v = to_json(&record.case)?;
        strip_subrecords(&mut v);
        v
    };
    let incoming = to_json(&Case {
        registration: case.registration.clone(),
        ..record.case.clone()
    })?;
    let all = leaf_paths(&incoming);
    let paths = case.provided.as_ref().unwrap_or(&all);
    let mut fields = Vec::new();
    let mut kept = Vec::new();
    for path in paths {
        let before = get_path(&stored, path).unwrap_or(&Value::Null);
        let after = get_path(&incoming, path).unwrap_or(&Value::Null);
        if before == after {
            continue;
        }
        if written_by_import(d, obj, path) {
            fields.push((path.clone(), after.clone()));
        } else {
            kept.push(path.clone());
        }
    }
    let events = case
        .events
        .iter()
        .filter(|e| {
            !record
                .events
                .iter()
                .any(|h| h.date == e.date && h.kind == e.kind)
        })
        .cloned()
        .collect();
    let notes = case
        .notes
        .iter()
        .filter(|n| !record.notes.iter().any(|h| h.text == n.text))
        .cloned()
        .collect();
    Ok(CaseUpdate {
        id: record.case.id,
        number: record.case.number.to_string(),
        document: document.clone(),
        fields,
        kept,
        events,
        notes,
    })
}

/// Whether the value at `path` in `obj` (and everything inside it) was last written by an
/// import. A conflict is never an import's alone.
fn written_by_import(d: &automerge::Automerge, obj: &automerge::ObjId, path: &str) -> bool {
    let Some((parent, prop)) = record::resolve_path(d, obj, path) else {
        return true;
    };
    let values = d.get_all(&parent, prop).unwrap_or_default();
    match values.as_slice() {
        [] => true,
        [(value, id)] => by_import(d, id) && inside_by_import(d, value, id),
        _ => false,
    }
}

fn by_import(d: &automerge::Automerge, id: &automerge::ObjId) -> bool {
    d.hash_for_opid(id)
        .and_then(|h| d.get_change_meta_by_hash(&h))
        .is_some_and(|m| m.message.as_deref() == Some(IMPORT_MESSAGE))
}

fn inside_by_import(
    d: &automerge::Automerge,
    value: &automerge::Value<'_>,
    id: &automerge::ObjId,
) -> bool {
    let automerge::Value::Object(kind) = value else {
        return true;
    };
    let children: Vec<(automerge::Value<'_>, automerge::ObjId)> = match kind {
        ObjType::Map | ObjType::Table => d
            .map_range(id, ..)
            .flat_map(|item| d.get_all(id, item.key.as_ref()).unwrap_or_default())
            .collect(),
        ObjType::List | ObjType::Text => (0..d.length(id))
            .flat_map(|i| d.get_all(id, i).unwrap_or_default())
            .collect(),
    };
    children
        .iter()
        .all(|(v, child)| by_import(d, child) && inside_by_import(d, v, child))
}

/// The paths a registration's fields are compared at: nested maps (`content`, `flags`) by
/// their fields, everything else whole (a list of petitioners, a source).
fn leaf_paths(case: &Value) -> Vec<String> {
    let Value::Object(fields) = case else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in fields {
        if super::FIXED_CASE_FIELDS.contains(&k.as_str()) {
            continue;
        }
        match v {
            Value::Object(inner) if k == "content" || k == "flags" => {
                out.extend(inner.keys().map(|i| format!("{k}.{i}")));
            }
            _ => out.push(k.clone()),
        }
    }
    out
}
