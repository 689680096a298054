//! The statutory paperwork on a case (受理告知书, 信访处理意见书, …): issued from the case,
//! recorded in the case. The wording and typesetting are the pure `fengqiao-paperwork`
//! crate's; this file keeps the records and the lifecycle events.
//!
//! Invariants:
//! - **A document is a record on its case**, in the case's `documents` map: kind, number,
//!   dates, who, template version, every field value used and the SHA-256 of the fonts and
//!   the PDF. [`Store::render_document`] typesets it again from those and refuses, naming
//!   both hashes, when the bytes differ. Records are written once: a correction is a new
//!   record (`supersedes`), a service is another record.
//! - **Issuing is one change**: the record and its lifecycle events (a 受理告知书's 受理 and
//!   告知, a letter's 转送, …) are written in one transaction; an opinion's reply event is
//!   written with its service (送达), dated the day the petitioner received it, since T7 and
//!   T9 run from receipt (第三十五、三十六条).
//! - **Numbers never repeat.** A number is the county's pattern filled with the year, this
//!   device's code and a sequence counted per (pattern, year) on this device, made durable
//!   before use and kept above every number of this device the case documents already hold
//!   (`paper_index.rs`), so a restored data directory does not count again.
//! - Older cases have no `documents` map: the first document creates one. Two laptops that
//!   do so concurrently leave two maps under one key; reads take the union (`get_all`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc};
use chrono::{Datelike, NaiveDate};
use fengqiao_model::{CaseEvent, CaseId, EventId, EventKind};
use fengqiao_paperwork::{
    self as paper, CaseDocument, DocKind, DocumentId, DocumentRecord, Effect, Fields, FontData,
    FontSet, Numbering, PaperEntry, ServiceId, ServiceRecord, Templates,
};
use fengqiao_rules::{CaseFacts, ClockId, DueThresholds, case_clocks, check_new_event};
use serde_json::Value;

use super::case_list::read_case;
use super::{CaseRecord, Store};
use crate::docs::DocName;
use crate::error::StoreError;
use crate::now_cst;
use crate::paper_index::{PaperIndex, PaperRow};
use crate::record::{self, UnreadableRecord, case_obj, case_sub, hex_heads, map_at, to_json};

mod fill;
use fill::{case_state, current_kinds, defaults, forwarding_wording, issuing_unit};

/// Directory `meta` keys under which a county's template versions are kept (TOML text).
const TEMPLATE_KEY_PREFIX: &str = "paperwork-templates:";

/// What a clerk asks for.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub kind: DocKind,
    /// The document's date (成文日期); today when `None`.
    pub date: Option<NaiveDate>,
    /// What the clerk supplies (`reason`, `reply`, …; see [`DocKind::inputs`]).
    pub inputs: Fields,
    /// The number of the document this one corrects.
    pub corrects: Option<String>,
}

/// A document just issued.
#[derive(Debug, Clone)]
pub struct Issued {
    pub document: DocumentRecord,
    /// The lifecycle events recorded with it.
    pub events: Vec<CaseEvent>,
    pub pdf: Vec<u8>,
    /// The pages as laid out, for a preview.
    pub layout: paper::Layout,
}

/// One kind of document as the case page offers it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentOffer {
    pub kind: DocKind,
    /// Why the case's state does not allow it; `None` when it does.
    pub refused: Option<String>,
    /// What the clerk supplies, with the values the case suggests.
    pub inputs: Vec<(paper::Input, String)>,
}

/// A stored document typeset again.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub document: CaseDocument,
    pub pdf: Vec<u8>,
    pub layout: paper::Layout,
}

/// Every paper entry on a case, from each `documents` map written under the case (more
/// than one when laptops created it concurrently), and the entries this version cannot
/// read (damaged, or written by a newer version): the case page names those
/// ([`CaseRecord::unreadable`]), never drops them in silence.
pub(super) fn paper_entries<R: ReadDoc>(
    d: &R,
    case: &ObjId,
) -> (Vec<PaperEntry>, Vec<UnreadableRecord>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (value, obj) in d.get_all(case, "documents").unwrap_or_default() {
        if !matches!(value, automerge::Value::Object(ObjType::Map)) {
            continue;
        }
        if let Value::Object(entries) = record::read_value(d, &obj, ObjType::Map) {
            for (key, entry) in entries {
                match record::decode::<PaperEntry>("documents", &key, &entry) {
                    Ok(e) => out.push(e),
                    Err(u) => bad.push(u),
                }
            }
        }
    }
    (out, bad)
}

/// The number of an issued document this version cannot read, as far as it still reads:
/// the numbering safeguard must count it, whatever else it holds.
fn salvaged_row(u: &UnreadableRecord, case_id: CaseId) -> Option<PaperRow> {
    let numbering: Numbering = serde_json::from_value(u.stored.get("numbering")?.clone()).ok()?;
    Some(PaperRow {
        number: u.stored.get("number")?.as_str()?.to_owned(),
        case_id,
        pattern: numbering.pattern,
        year: numbering.year,
        device: numbering.device,
        seq: numbering.seq,
    })
}

/// The case's `documents` map to write into, created by the first document.
fn documents_map<T: Transactable>(tx: &mut T, case: &ObjId) -> Result<ObjId, StoreError> {
    match tx.get(case, "documents")? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => Ok(obj),
        _ => Ok(tx.put_object(case, "documents", ObjType::Map)?),
    }
}

fn index_rows(d: &Automerge) -> Vec<PaperRow> {
    let Some(cases) = super::map_in(d, "cases") else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for item in d.map_range(&cases, ..) {
        let Ok(case_id) = item.key.parse::<CaseId>() else {
            continue;
        };
        let (entries, unreadable) = paper_entries(d, &item.id());
        rows.extend(unreadable.iter().filter_map(|u| salvaged_row(u, case_id)));
        for entry in entries {
            if let PaperEntry::Issued(r) = entry {
                rows.push(PaperRow {
                    number: r.number,
                    case_id,
                    pattern: r.numbering.pattern,
                    year: r.numbering.year,
                    device: r.numbering.device,
                    seq: r.numbering.seq,
                });
            }
        }
    }
    rows
}

fn bad(field: &str, value: impl ToString, why: impl Into<String>) -> StoreError {
    StoreError::BadValue {
        field: field.into(),
        value: value.to_string(),
        why: why.into(),
    }
}

fn refused(kind: DocKind, why: impl Into<String>) -> StoreError {
    StoreError::DocumentRefused {
        kind: kind.zh().into(),
        why: why.into(),
    }
}

impl Store {
    // ----- templates and fonts -----

    /// Every template version the county stored, by key.
    fn county_templates(&self) -> Result<BTreeMap<String, String>, StoreError> {
        Ok(self
            .collection_records(&DocName::Directory, "meta")?
            .into_iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix(TEMPLATE_KEY_PREFIX)?.to_owned();
                Some((key, v.as_str()?.to_owned()))
            })
            .collect())
    }

    /// The templates in force: the county's highest version, else the built-in defaults.
    /// A stored version that no longer reads is skipped with a warning.
    pub fn paper_templates(&self) -> Result<Templates, StoreError> {
        let mut best: Option<Templates> = None;
        for (key, text) in self.county_templates()? {
            match Templates::from_county_toml(&text) {
                Ok(t)
                    if best
                        .as_ref()
                        .is_none_or(|b| (t.version, &t.key) > (b.version, &b.key)) =>
                {
                    best = Some(t)
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(%key, error = %e, "ignoring damaged document templates"),
            }
        }
        Ok(best.unwrap_or_else(Templates::builtin))
    }

    /// The templates a document was issued with.
    fn templates_by_key(&self, key: &str) -> Result<Templates, StoreError> {
        if let Some(t) = Templates::builtin_version(key) {
            return Ok(t);
        }
        let text = self.county_templates()?.remove(key).ok_or_else(|| {
            bad(
                "template",
                key,
                "本机没有这个版本的文书模板（目录尚未同步？）",
            )
        })?;
        Ok(Templates::from_county_toml(&text)?)
    }

    /// Stores a new version of the county's templates (office and admin devices). The
    /// text is checked first, every error naming its key; the version must be above the
    /// one in force.
    pub fn put_paper_templates(&self, text: &str) -> Result<Templates, StoreError> {
        self.require_role(
            fengqiao_model::Role::maintains_county_records,
            "修改文书模板",
        )?;
        let templates = Templates::from_county_toml(text)?;
        let current = self.paper_templates()?;
        if templates.version <= current.version {
            return Err(bad(
                "version",
                templates.version,
                format!("新模板的版本号须大于现行的 {}", current.version),
            ));
        }
        self.paper_fonts(&templates)?;
        let key = format!("{TEMPLATE_KEY_PREFIX}{}", templates.key);
        let text = text.to_owned();
        self.write(&DocName::Directory, |tx| {
            let meta = map_at(tx, "meta")?;
            tx.put(&meta, key.as_str(), text.as_str())?;
            Ok(())
        })?;
        Ok(templates)
    }

    /// Where a county's own fonts are put on each laptop: `<data dir>/fonts/`.
    pub fn paper_font_dir(&self) -> PathBuf {
        self.dir.root.join("fonts")
    }

    /// The fonts `templates` name: the bundled ones, or files in [`Store::paper_font_dir`].
    pub fn paper_fonts(&self, templates: &Templates) -> Result<FontSet, StoreError> {
        let load = |name: &str| -> Result<Option<FontData>, StoreError> {
            if name.trim().is_empty() {
                return Ok(None);
            }
            Ok(Some(FontData::from_file(
                &self.paper_font_dir().join(name.trim()),
            )?))
        };
        Ok(FontSet::with(
            load(&templates.fonts.title)?,
            load(&templates.fonts.body)?,
        ))
    }

    // ----- the index of numbers -----

    /// Every issued document's row with the case document holding it, from the paper
    /// index where it is current.
    fn paper_rows(&self) -> Result<Vec<(DocName, PaperRow)>, StoreError> {
        let index = PaperIndex::new(self.dir.index().join("papers"), self.dir.seal().clone());
        let mut out = Vec::new();
        for name in self.case_documents()? {
            let id = name.document_id(&self.identity.county).to_string();
            let loaded = self.handles().get(&name).cloned();
            let handle = match loaded {
                Some(h) => {
                    let heads = h.with_document(|d| hex_heads(&d.get_heads()));
                    if let Some(rows) = index.rows_for_heads(&id, &heads) {
                        out.extend(rows.into_iter().map(|r| (name.clone(), r)));
                        continue;
                    }
                    h
                }
                None => {
                    let files = self.storage.listing(&id);
                    if let Some(rows) = index.rows_for_files(&id, &files) {
                        out.extend(rows.into_iter().map(|r| (name.clone(), r)));
                        continue;
                    }
                    match self.doc(&name, false)? {
                        Some(h) => h,
                        None => continue,
                    }
                }
            };
            // As the case index (see `index_key`).
            let (rows, key) = handle.with_document(|d| {
                (
                    index_rows(d),
                    super::case_list::index_key(&self.storage, &id, d),
                )
            });
            if let Some((files, heads)) = key {
                index.store(&id, files, heads, &rows);
            }
            out.extend(rows.into_iter().map(|r| (name.clone(), r)));
        }
        Ok(out)
    }

    /// The next number of `pattern` in `year` on this device.
    fn next_document_number(
        &self,
        pattern: &str,
        year: i32,
        rows: &[(DocName, PaperRow)],
    ) -> Result<(String, Numbering), StoreError> {
        let device = self.identity.device_code.clone();
        let used = rows
            .iter()
            .map(|(_, r)| r)
            .filter(|r| r.device == device && r.pattern == pattern && r.year == year)
            .map(|r| r.seq)
            .max()
            .unwrap_or(0);
        let series = format!(
            "papers-{}-{year}",
            &paper::sha256_hex(pattern.as_bytes())[..16]
        );
        let mut seq = self.dir.reserve_named_above(&series, used)?;
        // Two patterns could in principle spell one number: never hand out one held.
        loop {
            let number = paper::format_number(pattern, year, &device, seq);
            if !rows.iter().any(|(_, r)| r.number == number) {
                return Ok((
                    number,
                    Numbering {
                        pattern: pattern.to_owned(),
                        year,
                        device,
                        seq,
                    },
                ));
            }
            seq = self.dir.reserve_named_above(&series, seq)?;
        }
    }

    /// The case document and case holding document `number`.
    fn locate_document(&self, number: &str) -> Result<(DocName, CaseId), StoreError> {
        let number = number.trim();
        self.paper_rows()?
            .into_iter()
            .find(|(_, r)| r.number == number)
            .map(|(name, r)| (name, r.case_id))
            .ok_or_else(|| StoreError::NoSuchDocument(number.to_owned()))
    }

    /// The documents of case `id` in document `name`.
    fn papers_at(&self, name: &DocName, id: CaseId) -> Result<Vec<CaseDocument>, StoreError> {
        let entries = self
            .read(name, |d| {
                case_obj(d, id).map(|obj| paper_entries(d, &obj).0)
            })?
            .ok_or_else(|| StoreError::NoSuchCase(id.to_string()))??;
        Ok(paper::case_documents(entries))
    }

    /// Case `id` of document `name`, as [`Store::case`] reads it (merges included),
    /// without looking it up again.
    fn case_at(&self, name: &DocName, id: CaseId) -> Result<CaseRecord, StoreError> {
        let who = self.who_index()?;
        let mut record = self
            .read(name, |d| read_case(d, name, id, &who))?
            .ok_or_else(|| StoreError::NoSuchCase(id.to_string()))??;
        self.attach_merges(&mut record)?;
        Ok(record)
    }

    /// Document `number` and where it is, without reading its case.
    fn find_paper(&self, number: &str) -> Result<(DocName, CaseId, CaseDocument), StoreError> {
        let (name, id) = self.locate_document(number)?;
        let document = self
            .papers_at(&name, id)?
            .into_iter()
            .find(|d| d.record.number == number.trim())
            .ok_or_else(|| StoreError::NoSuchDocument(number.trim().to_owned()))?;
        Ok((name, id, document))
    }

    // ----- reading -----

    /// The documents issued on a case, with their services and corrections, in issue order.
    pub fn case_papers(&self, case_key: &str) -> Result<Vec<CaseDocument>, StoreError> {
        let (name, id) = self.locate(case_key)?;
        self.papers_at(&name, id)
    }

    /// One document by its number, with its case.
    pub fn find_document(&self, number: &str) -> Result<(CaseRecord, CaseDocument), StoreError> {
        let (name, id, document) = self.find_paper(number)?;
        Ok((self.case_at(&name, id)?, document))
    }

    /// What the case's state allows, kind by kind, with suggested inputs.
    pub fn document_offers(&self, case_key: &str) -> Result<Vec<DocumentOffer>, StoreError> {
        Ok(self.paperwork_of(case_key)?.1)
    }

    /// The documents of a case and what its state allows, with one lookup of the case
    /// (what the case page shows).
    pub fn paperwork_of(
        &self,
        case_key: &str,
    ) -> Result<(Vec<CaseDocument>, Vec<DocumentOffer>), StoreError> {
        let (name, id) = self.locate(case_key)?;
        let case = self.case_at(&name, id)?;
        let papers = self.papers_at(&name, id)?;
        let current = current_kinds(&papers);
        let facts = case.clock_facts(&self.law_context()?);
        let state = case_state(&case, &facts, &current);
        let offers = paper::offers(&state)
            .into_iter()
            .map(|offer| {
                let defaults = defaults(offer.kind, &case, &facts, &papers);
                DocumentOffer {
                    kind: offer.kind,
                    refused: offer.refused,
                    inputs: offer
                        .kind
                        .inputs()
                        .iter()
                        .map(|i| (*i, defaults.get(i.key).cloned().unwrap_or_default()))
                        .collect(),
                }
            })
            .collect();
        Ok((papers, offers))
    }

    // ----- issuing -----

    /// Issues a document on a case: checks the case's state allows it (or that it
    /// corrects a current document of the same kind), fills the county's template —
    /// refusing with every missing field named —, gives it the next number, typesets it,
    /// and writes the record and its lifecycle events in one change.
    pub fn issue_document(
        &self,
        case_key: &str,
        request: IssueRequest,
    ) -> Result<Issued, StoreError> {
        self.require_case_writer()?;
        let kind = request.kind;
        let today = now_cst().date_naive();
        let date = request.date.unwrap_or(today);
        if date > today {
            return Err(bad("date", date, "文书日期不能晚于今天"));
        }
        // The case is looked up once: at county scale each lookup reads the case index.
        let (name, id) = self.locate(case_key)?;
        let case = self.case_at(&name, id)?;
        if date < case.case.registration.received_on {
            return Err(bad("date", date, "文书日期不能早于收到信访事项的日期"));
        }
        let papers = self.papers_at(&name, id)?;
        let facts = case.clock_facts(&self.law_context()?);
        let (supersedes, version) = match request.corrects.as_deref().map(str::trim) {
            Some(number) => {
                let old = papers
                    .iter()
                    .find(|d| d.record.number == number)
                    .ok_or_else(|| StoreError::NoSuchDocument(number.to_owned()))?;
                if old.record.kind != kind {
                    return Err(refused(
                        kind,
                        format!("{number} 是{}，不是{}", old.record.kind.zh(), kind.zh()),
                    ));
                }
                if let Some(newer) = &old.superseded_by {
                    return Err(refused(
                        kind,
                        format!("{number} 已由 {newer} 更正，请更正最新版本"),
                    ));
                }
                (Some(old.record.id), old.record.version + 1)
            }
            None => {
                let current = current_kinds(&papers);
                let offer = paper::offer(kind, &case_state(&case, &facts, &current));
                if let Some(why) = offer.refused {
                    return Err(refused(kind, why));
                }
                (None, 1)
            }
        };

        let templates = self.paper_templates()?;
        let fonts = self.paper_fonts(&templates)?;
        let mut fields = paper::case_fields(&case.case, &case.events);
        for (k, v) in defaults(kind, &case, &facts, &papers) {
            fields.insert(k, v);
        }
        for (k, v) in &request.inputs {
            if !v.trim().is_empty() {
                fields.insert(k.clone(), v.clone());
            }
        }
        paper::normalise_inputs(kind, &mut fields)?;
        let county = self.identity.county.clone();
        fields.insert("county".into(), county.clone());
        let unit = issuing_unit(kind, &case, &papers, &fields);
        fields.insert("issuer".into(), templates.issuer_for(&county, &unit));
        fields.insert("date".into(), paper::zh_date(date));
        fields.insert("year".into(), date.year().to_string());
        self.computed_fields(kind, &case, &facts, &papers, date, &mut fields)?;
        // Check every field before a number is taken (a number taken is never reused).
        fields.insert("number".into(), "—".into());
        templates.compose(kind, &fields)?;
        let accepted = case
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Accepted | EventKind::FastTrack));
        let event_kinds = if kind.effect() == Effect::AtIssue && supersedes.is_none() {
            kind.events(&fields, accepted)
        } else {
            Vec::new()
        };
        // The lifecycle the law sets holds for documents as for events typed in.
        self.check_paper_events(&case, &facts, &event_kinds, date)?;

        let rows = self.paper_rows()?;
        let pattern = templates.number_pattern(kind)?.to_owned();
        let (number, numbering) = self.next_document_number(&pattern, date.year(), &rows)?;
        fields.insert("number".into(), number.clone());
        let doc_id = DocumentId::generate();
        let rendered = paper::render(&templates, kind, &fields, &fonts, &doc_id.to_string(), date)?;

        let at = now_cst();
        let events: Vec<CaseEvent> = event_kinds
            .into_iter()
            .map(|k| CaseEvent {
                id: EventId::generate(),
                kind: k,
                date,
                recorded_at: at,
                recorded_by: self.identity.person.id,
                remark: number.clone(),
            })
            .collect();
        let document = DocumentRecord {
            id: doc_id,
            case_id: case.case.id,
            kind,
            number,
            numbering,
            version,
            supersedes,
            issued_on: date,
            issued_at: at,
            issued_by: self.identity.person.id,
            issued_by_name: self.identity.person.name.clone(),
            device: self.identity.device_code.clone(),
            template: templates.key.clone(),
            fields,
            fonts: fonts.hashes(),
            typesetter: paper::TYPESETTER.to_owned(),
            sha256: rendered.sha256.clone(),
            events: events.iter().map(|e| e.id).collect(),
        };
        self.write_paper(
            &name,
            id,
            &PaperEntry::Issued(Box::new(document.clone())),
            &events,
        )?;
        if case.case.registration.flags.confidential {
            self.record_access(
                super::AccessAction::IssueDocument,
                vec![case.case.number.to_string()],
                document.number.clone(),
                None,
                kind.zh().to_owned(),
            )?;
        }
        Ok(Issued {
            document,
            events,
            pdf: rendered.pdf,
            layout: rendered.layout,
        })
    }

    /// Fields the store computes: the extended due date from the clocks, the title of
    /// the document a receipt is for.
    fn computed_fields(
        &self,
        kind: DocKind,
        case: &CaseRecord,
        facts: &CaseFacts,
        papers: &[CaseDocument],
        date: NaiveDate,
        fields: &mut Fields,
    ) -> Result<(), StoreError> {
        match kind {
            DocKind::ExtensionNotice => {
                let Some(days) = fields.get("days").and_then(|d| d.parse::<u32>().ok()) else {
                    return Ok(()); // compose names the missing field
                };
                let mut events = case.events.clone();
                events.push(CaseEvent {
                    id: EventId::generate(),
                    kind: EventKind::Extended {
                        days,
                        approved_by: String::new(),
                        reason: String::new(),
                    },
                    date,
                    recorded_at: now_cst(),
                    recorded_by: self.identity.person.id,
                    remark: String::new(),
                });
                let clocks = case_clocks(
                    facts,
                    &events,
                    &self.holiday_calendar()?,
                    date,
                    &DueThresholds::default(),
                );
                let due = clocks
                    .get(ClockId::T6)
                    .map(|r| r.deadline.due)
                    .ok_or_else(|| refused(kind, "无法计算延期后的办结期限（第三十四条）"))?;
                fields.insert("new_due_date".into(), paper::zh_date(due));
            }
            DocKind::ForwardingLetter => {
                let assigned = fields.get("mode").is_some_and(|m| m == "交办");
                let (basis, request) = forwarding_wording(
                    facts.office,
                    fill::route_of(case),
                    facts.content_type,
                    assigned,
                );
                fields.insert("forward_basis".into(), basis);
                fields.insert("forward_request".into(), request);
            }
            DocKind::ServiceReceipt => {
                let number = fields.get("served_number").cloned().unwrap_or_default();
                if !number.is_empty() {
                    let served = papers
                        .iter()
                        .find(|d| d.record.number == number)
                        .ok_or_else(|| refused(kind, format!("本案没有文号为 {number} 的文书")))?;
                    let templates = self.templates_by_key(&served.record.template)?;
                    let title = templates
                        .compose(served.record.kind, &served.record.fields)
                        .map(|c| c.title)
                        .unwrap_or_else(|_| served.record.kind.zh().to_owned());
                    fields.insert("served_title".into(), title);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Refuses, as [`Store::add_event`] would, lifecycle events the case's history makes
    /// impossible (a reply before the 受理, an extension past 30 days or outside a running
    /// T5…), before anything is written or a number taken.
    fn check_paper_events(
        &self,
        case: &CaseRecord,
        facts: &CaseFacts,
        kinds: &[EventKind],
        date: NaiveDate,
    ) -> Result<(), StoreError> {
        if kinds.is_empty() {
            return Ok(());
        }
        let calendar = self.holiday_calendar()?;
        let today = now_cst().date_naive();
        let received = CaseFacts::earliest_event_date(&case.case.registration);
        let mut history = case.events.clone();
        for kind in kinds {
            check_new_event(facts, received, &history, kind, date, today, &calendar)?;
            history.push(CaseEvent {
                id: EventId::generate(),
                kind: kind.clone(),
                date,
                recorded_at: now_cst(),
                recorded_by: self.identity.person.id,
                remark: String::new(),
            });
        }
        Ok(())
    }

    fn write_paper(
        &self,
        name: &DocName,
        id: CaseId,
        entry: &PaperEntry,
        events: &[CaseEvent],
    ) -> Result<(), StoreError> {
        let key = match entry {
            PaperEntry::Issued(r) => r.id.to_string(),
            PaperEntry::Served(s) => s.id.to_string(),
        };
        let value = to_json(entry)?;
        let events: Vec<(String, Value)> = events
            .iter()
            .map(|e| Ok((e.id.to_string(), to_json(e)?)))
            .collect::<Result<_, StoreError>>()?;
        self.write(name, |tx| {
            let case = case_obj(tx, id)?;
            let event_map = case_sub(tx, id, "events")?;
            for (key, value) in &events {
                record::put_record(tx, &event_map, key, value)?;
            }
            let documents = documents_map(tx, &case)?;
            record::put_record(tx, &documents, &key, &value)?;
            Ok(())
        })
    }

    // ----- service and re-rendering -----

    /// Records that the petitioner received document `number` on `served_on` (送达). An
    /// opinion's reply event is recorded with it, dated that day: the petitioner's 30 days
    /// to ask for review (T7) or re-review (T9) run from it.
    pub fn serve_document(
        &self,
        number: &str,
        served_on: NaiveDate,
        method: &str,
    ) -> Result<ServiceRecord, StoreError> {
        self.require_case_writer()?;
        let (name, id, document) = self.find_paper(number)?;
        let record = &document.record;
        if let Some(newer) = &document.superseded_by {
            return Err(bad(
                "number",
                number,
                format!("已由 {newer} 更正，请送达最新版本"),
            ));
        }
        if let Some(s) = &document.served {
            return Err(bad("number", number, format!("已于 {} 送达", s.served_on)));
        }
        let today = now_cst().date_naive();
        if served_on > today {
            return Err(bad("date", served_on, "送达日期不能晚于今天"));
        }
        if served_on < record.issued_on {
            return Err(bad(
                "date",
                served_on,
                format!("送达日期不能早于文书日期 {}", record.issued_on),
            ));
        }
        let event_kinds = if record.kind.effect() == Effect::AtService {
            record.kind.events(&record.fields, true)
        } else {
            Vec::new()
        };
        if !event_kinds.is_empty() {
            let case = self.case_at(&name, id)?;
            let facts = case.clock_facts(&self.law_context()?);
            self.check_paper_events(&case, &facts, &event_kinds, served_on)?;
        }
        let at = now_cst();
        let events: Vec<CaseEvent> = event_kinds
            .into_iter()
            .map(|k| CaseEvent {
                id: EventId::generate(),
                kind: k,
                date: served_on,
                recorded_at: at,
                recorded_by: self.identity.person.id,
                remark: record.number.clone(),
            })
            .collect();
        let method = match method.trim() {
            "" => "直接送达".to_owned(),
            m => m.to_owned(),
        };
        let service = ServiceRecord {
            id: ServiceId::generate(),
            document: record.id,
            number: record.number.clone(),
            served_on,
            method,
            recorded_at: at,
            recorded_by: self.identity.person.id,
            events: events.iter().map(|e| e.id).collect(),
        };
        self.write_paper(&name, id, &PaperEntry::Served(service.clone()), &events)?;
        Ok(service)
    }

    /// Typesets document `number` again from its record: the same templates, fields and
    /// fonts give the same bytes on any replica. Refused, naming both hashes and the
    /// likely cause, when the bytes differ from those issued.
    pub fn render_document(&self, number: &str) -> Result<Rendered, StoreError> {
        let (_, _, document) = self.find_paper(number)?;
        let record = &document.record;
        let templates = self.templates_by_key(&record.template)?;
        let fonts = self.paper_fonts(&templates)?;
        let changed = |now: String, why: &str| StoreError::DocumentChanged {
            number: record.number.clone(),
            issued: record.sha256.clone(),
            now,
            why: why.to_owned(),
        };
        if fonts.hashes() != record.fonts {
            return Err(changed(String::new(), "本机的文书字体与签发时不同"));
        }
        if record.typesetter != paper::TYPESETTER {
            return Err(changed(
                String::new(),
                &format!(
                    "签发时的排版程序是 {}，本机是 {}",
                    record.typesetter,
                    paper::TYPESETTER
                ),
            ));
        }
        let rendered = paper::render(
            &templates,
            record.kind,
            &record.fields,
            &fonts,
            &record.id.to_string(),
            record.issued_on,
        )?;
        if rendered.sha256 != record.sha256 {
            return Err(changed(rendered.sha256, "记录中的字段或模板被改动"));
        }
        Ok(Rendered {
            pdf: rendered.pdf,
            layout: rendered.layout,
            document,
        })
    }
}
