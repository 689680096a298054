//! From a table to cases: each row read through the mapping into an [`ImportedCase`], or
//! refused with its row, column, value and why — every problem of the row, so a clerk fixes
//! a row once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveTime};
use fengqiao_model::{
    Channel, Content, ContentType, ImportedCase, ImportedEvent, LeaderId, PersonId, Petitioner,
    Registration, Route, Source, event, validate,
};

use crate::ImportError;
use crate::cells::{self, People};
use crate::dates::{parse_date, parse_datetime};
use crate::mapping::{Field, Mapping};
use crate::table::{SourceKind, Table, column_letter};

/// What the county's directory says, and the day: what rows are checked against.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub townships: Vec<String>,
    pub leaders: Vec<(LeaderId, String)>,
    pub people: Vec<(PersonId, String)>,
    pub today: NaiveDate,
}

impl People for Directory {
    fn name_of(&self, id: PersonId) -> Option<String> {
        self.people
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, n)| n.clone())
    }

    fn id_of(&self, name: &str) -> Option<PersonId> {
        self.people.iter().find(|(_, n)| n == name).map(|(p, _)| *p)
    }
}

/// A row that will not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// The row as the spreadsheet numbers it.
    pub row: usize,
    /// The column: its header and letter (`乡镇（H列）`), or `""` for the whole row.
    pub column: String,
    /// The value refused.
    pub value: String,
    /// Why, in Chinese.
    pub why: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行", self.row)?;
        if !self.column.is_empty() {
            write!(f, "，{}", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, "，“{}”", self.value)?;
        }
        write!(f, "：{}", self.why)
    }
}

/// A row read into a case.
#[derive(Debug, Clone)]
pub struct MappedRow {
    pub row: usize,
    pub case: ImportedCase,
}

/// A table read through a mapping.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub kind: SourceKind,
    /// Data rows in the file (blank rows aside).
    pub total: usize,
    pub rows: Vec<MappedRow>,
    pub refusals: Vec<Refusal>,
    columns: BTreeMap<Field, Vec<usize>>,
    headers: Vec<String>,
}

impl Mapped {
    /// The rows refused, by number.
    pub fn refused_rows(&self) -> BTreeSet<usize> {
        self.refusals.iter().map(|r| r.row).collect()
    }

    /// A column's name for a refusal: header and letter.
    fn column_name(&self, field: Field) -> String {
        self.columns
            .get(&field)
            .and_then(|c| c.first())
            .map(|i| column_name(&self.headers, *i))
            .unwrap_or_default()
    }

    /// Every refusal of a run: the rows the mapping refused and what the store refused of
    /// the cases (by their place in [`Mapped::rows`], field and why), by row.
    pub fn with_store_refusals<'a>(
        &self,
        store: impl IntoIterator<Item = (usize, &'a str, &'a str)>,
    ) -> Vec<Refusal> {
        let mut all = self.refusals.clone();
        all.extend(
            store
                .into_iter()
                .map(|(index, field, why)| self.refusal_for(index, field, why)),
        );
        all.sort_by_key(|r| r.row);
        all
    }

    /// The refusal for what the store refused of the case at `index` in [`Mapped::rows`]:
    /// the store names a case field, this names its column.
    pub fn refusal_for(&self, index: usize, field: &str, why: &str) -> Refusal {
        let Some(row) = self.rows.get(index) else {
            return Refusal {
                row: 0,
                column: String::new(),
                value: String::new(),
                why: why.to_owned(),
            };
        };
        let field = Field::of_path(field);
        Refusal {
            row: row.row,
            column: field.map(|f| self.column_name(f)).unwrap_or_default(),
            value: match field {
                Some(Field::Township) => row.case.registration.township.clone(),
                Some(Field::SourceNumber) => row.case.source_number.clone(),
                _ => String::new(),
            },
            why: why.to_owned(),
        }
    }
}

fn column_name(headers: &[String], i: usize) -> String {
    format!(
        "{}（{}列）",
        headers.get(i).map_or("", String::as_str),
        column_letter(i)
    )
}

/// Reads every row of `table` through `mapping`, checking each against `dir`.
pub fn map_table(table: &Table, mapping: &Mapping, dir: &Directory) -> Result<Mapped, ImportError> {
    let columns = resolve_columns(table, mapping)?;
    let mut event_dates = Vec::new();
    for (header, kind) in &mapping.event_dates {
        let i = find(&table.headers, header).ok_or_else(|| ImportError::MissingColumn {
            header: header.clone(),
            field: format!("[event_dates] {kind}"),
            present: table.headers.join("、"),
        })?;
        event_dates.push((i, kind.clone()));
    }
    let mut mapped = Mapped {
        kind: table.kind.clone(),
        total: table.rows.len(),
        rows: Vec::new(),
        refusals: Vec::new(),
        columns,
        headers: table.headers.clone(),
    };
    let provided: Vec<String> = mapped
        .columns
        .iter()
        .filter(|(_, c)| !c.is_empty())
        .flat_map(|(f, _)| f.paths().iter().map(|p| (*p).to_owned()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for row in &table.rows {
        let mut reader = RowReader {
            row,
            mapped: &mapped,
            mapping,
            dir,
            refusals: Vec::new(),
        };
        let case = reader.read(&event_dates, &provided);
        let refusals = reader.refusals;
        if refusals.is_empty()
            && let Some(case) = case
        {
            mapped.rows.push(MappedRow {
                row: row.number,
                case,
            });
        } else {
            mapped.refusals.extend(refusals);
        }
    }
    refuse_duplicates(&mut mapped, table);
    Ok(mapped)
}

/// A source number twice in one file: neither row can say which is right.
fn refuse_duplicates(mapped: &mut Mapped, table: &Table) {
    let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
    for r in &mapped.rows {
        seen.entry(r.case.source_number.clone())
            .or_default()
            .push(r.row);
    }
    // The column the number came from (the first non-empty of its candidates).
    let candidates = mapped
        .columns
        .get(&Field::SourceNumber)
        .cloned()
        .unwrap_or_default();
    let column_of = |row: usize| {
        let cells = table.rows.iter().find(|r| r.number == row);
        candidates
            .iter()
            .find(|i| cells.is_some_and(|c| !c.cell(**i).is_empty()))
            .map(|i| column_name(&table.headers, *i))
            .unwrap_or_default()
    };
    let mut refused = Vec::new();
    mapped.rows.retain(|r| {
        let rows = &seen[&r.case.source_number];
        if rows.len() < 2 {
            return true;
        }
        let others: Vec<String> = rows
            .iter()
            .filter(|n| **n != r.row)
            .map(|n| n.to_string())
            .collect();
        refused.push(Refusal {
            row: r.row,
            column: column_of(r.row),
            value: r.case.source_number.clone(),
            why: format!("原编号在文件中重复（另见第 {} 行）", others.join("、")),
        });
        false
    });
    mapped.refusals.extend(refused);
    mapped.refusals.sort_by_key(|r| r.row);
}

fn find(headers: &[String], wanted: &str) -> Option<usize> {
    let norm = |s: &str| s.trim().replace(['\u{3000}', ' '], "");
    headers.iter().position(|h| norm(h) == norm(wanted))
}

/// Each field's columns in this file; refuses a file that lacks a column the mapping
/// names or one every case needs.
fn resolve_columns(
    table: &Table,
    mapping: &Mapping,
) -> Result<BTreeMap<Field, Vec<usize>>, ImportError> {
    let mut out = BTreeMap::new();
    for field in Field::ALL {
        let headers = mapping.columns.get(field).cloned().unwrap_or_default();
        let found: Vec<usize> = headers
            .iter()
            .filter_map(|h| find(&table.headers, h))
            .collect();
        let must = mapping.named.contains(field) || (field.required() && !headers.is_empty());
        if found.is_empty() && must {
            let nothing_known = Field::ALL.iter().all(|f| {
                mapping
                    .columns
                    .get(f)
                    .is_none_or(|hs| hs.iter().all(|h| find(&table.headers, h).is_none()))
            });
            return Err(if nothing_known {
                ImportError::NoKnownColumn {
                    present: table.headers.join("、"),
                    kind: table.kind.to_string(),
                }
            } else {
                ImportError::MissingColumn {
                    header: headers.join("”或“"),
                    field: format!("{}（{}）", field.header(), field.key()),
                    present: table.headers.join("、"),
                }
            });
        }
        out.insert(*field, found);
    }
    Ok(out)
}

struct RowReader<'a> {
    row: &'a crate::table::Row,
    mapped: &'a Mapped,
    mapping: &'a Mapping,
    dir: &'a Directory,
    refusals: Vec<Refusal>,
}

impl RowReader<'_> {
    /// The first non-empty cell among the field's columns, and its column.
    fn cell(&self, field: Field) -> (&str, Option<usize>) {
        let cols = self
            .mapped
            .columns
            .get(&field)
            .map_or(&[][..], Vec::as_slice);
        cols.iter()
            .map(|i| (self.row.cell(*i), Some(*i)))
            .find(|(c, _)| !c.is_empty())
            .unwrap_or(("", cols.first().copied()))
    }

    fn refuse(&mut self, field: Field, value: &str, why: impl Into<String>) {
        let column = self
            .cell(field)
            .1
            .map(|i| column_name(&self.mapped.headers, i))
            .unwrap_or_default();
        self.refusals.push(Refusal {
            row: self.row.number,
            column,
            value: value.to_owned(),
            why: why.into(),
        });
    }

    fn text(&self, field: Field) -> String {
        self.cell(field).0.to_owned()
    }

    fn vocab<T>(
        &mut self,
        field: Field,
        table: &str,
        parse: impl Fn(&str) -> Result<T, fengqiao_model::UnknownTerm>,
    ) -> Option<T> {
        let text = self.text(field);
        if text.is_empty() {
            return None;
        }
        match parse(self.mapping.value(table, &text)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.refuse(field, &text, e.to_string());
                None
            }
        }
    }

    fn date(&mut self, field: Field) -> Option<NaiveDate> {
        let text = self.text(field);
        if text.is_empty() {
            return None;
        }
        let parsed = parse_date(&text, &self.mapping.date_formats);
        if parsed.is_none() {
            self.refuse(
                field,
                &text,
                "不是可识别的日期（可写作 2026-03-01、2026/3/1、2026年3月1日）",
            );
        }
        parsed
    }

    fn read(
        &mut self,
        event_dates: &[(usize, String)],
        provided: &[String],
    ) -> Option<ImportedCase> {
        let source_number = self.text(Field::SourceNumber);
        if source_number.is_empty() {
            self.refuse(
                Field::SourceNumber,
                "",
                "原编号为空：没有它，再次导入时无法认出这件案件",
            );
        }
        let received_on = self.date(Field::ReceivedOn);
        if received_on.is_none() && self.text(Field::ReceivedOn).is_empty() {
            self.refuse(Field::ReceivedOn, "", "收到日期为空");
        }
        let channel = self.vocab(Field::Channel, "channel", Channel::parse);
        if channel.is_none() && self.text(Field::Channel).is_empty() {
            self.refuse(Field::Channel, "", "渠道为空");
        }
        let township = self.text(Field::Township);
        if township.is_empty() {
            self.refuse(Field::Township, "", "乡镇为空");
        } else if !self.dir.townships.contains(&township) {
            self.refuse(
                Field::Township,
                &township.clone(),
                format!(
                    "不是本县（市）目录中的乡镇；可选：{}",
                    self.dir.townships.join("、")
                ),
            );
        }
        let request = self.text(Field::Request);
        if request.is_empty() {
            self.refuse(Field::Request, "", "诉求为空");
        }
        let source = self.source(received_on);
        let petitioners = self.petitioners();
        let representatives: Vec<Petitioner> = cells::lines(&self.text(Field::Representatives))
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| cells::parse_person_line(l))
            .collect();
        let head_count = match self.text(Field::HeadCount) {
            t if t.is_empty() => petitioners.len().max(representatives.len()).max(1) as u32,
            t => match t.parse::<u32>() {
                Ok(n) if n > 0 => n,
                _ => {
                    self.refuse(Field::HeadCount, &t, "人数应为正整数");
                    1
                }
            },
        };
        let responsible_leader = match self.text(Field::ResponsibleLeader) {
            t if t.is_empty() => None,
            t => match self.dir.leaders.iter().find(|(_, n)| *n == t) {
                Some((id, _)) => Some(*id),
                None => {
                    self.refuse(Field::ResponsibleLeader, &t, "不在本县目录的领导名单中");
                    None
                }
            },
        };
        let flags = match cells::parse_flags(&self.text(Field::Flags), self.mapping) {
            Ok(f) => f,
            Err(why) => {
                let t = self.text(Field::Flags);
                self.refuse(Field::Flags, &t, why);
                Default::default()
            }
        };
        let registration = Registration {
            channel: channel.unwrap_or(Channel::Visit),
            source,
            received_on: received_on.unwrap_or_default(),
            petitioners,
            head_count,
            representatives,
            township,
            village: self.text(Field::Village),
            content: Content {
                request,
                facts: self.text(Field::Facts),
                reasons: self.text(Field::Reasons),
            },
            content_type: self.vocab(Field::ContentType, "content_type", ContentType::parse),
            route: self.vocab(Field::Route, "route", Route::parse),
            route_list_version: self.text(Field::RouteListVersion),
            complaint_type: self.text(Field::ComplaintType),
            received_by: self.text(Field::ReceivedBy),
            lead_unit: self.text(Field::LeadUnit),
            co_units: cells::list(&self.text(Field::CoUnits)),
            handler: self.text(Field::Handler),
            responsible_leader,
            first_visit_owner: self.text(Field::FirstVisitOwner),
            flags,
        };
        let registered_at = match self.text(Field::RegisteredAt) {
            t if t.is_empty() => received_on.and_then(|d| {
                parse_datetime(&d.to_string(), &[], NaiveTime::from_hms_opt(9, 0, 0)?)
            }),
            t => {
                let at = parse_datetime(&t, &self.mapping.date_formats, NaiveTime::MIN);
                if at.is_none() {
                    self.refuse(
                        Field::RegisteredAt,
                        &t,
                        "不是可识别的日期时间（可写作 2026-03-01 09:30）",
                    );
                }
                at
            }
        };
        let events = self.events(&registration, event_dates);
        let notes = cells::lines(&self.text(Field::Notes))
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| cells::parse_note_line(l, self.mapping))
            .collect();
        if !self.refusals.is_empty() {
            return None;
        }
        let registered_at = registered_at?;
        let today = self.dir.today;
        if registered_at.date_naive() > today {
            let t = self.text(Field::RegisteredAt);
            self.refuse(Field::RegisteredAt, &t, "登记时间晚于今天");
        }
        if registered_at.date_naive() < registration.received_on {
            let t = self.text(Field::RegisteredAt);
            self.refuse(Field::RegisteredAt, &t, "登记时间早于收到日期");
        }
        if let Err(errors) =
            validate::validate_registration(&registration, &self.dir.townships, today)
        {
            for e in errors {
                let field = Field::of_path(e.field()).unwrap_or(Field::Request);
                let value = self.text(field);
                self.refuse(field, &value, e.to_string());
            }
        }
        self.check_history(&registration, &events);
        if !self.refusals.is_empty() {
            return None;
        }
        Some(ImportedCase {
            registration,
            registered_at,
            source_number,
            events,
            notes,
            provided: Some(provided.to_vec()),
        })
    }

    fn source(&mut self, received_on: Option<NaiveDate>) -> Source {
        let kind = self.text(Field::Source);
        let unit = self.text(Field::SourceUnit);
        let date = self
            .date(Field::SourceDate)
            .or(received_on)
            .unwrap_or_default();
        match self.mapping.value("source", &kind) {
            "" | "own" | "自行登记" => Source::Own,
            "forwarded" | "转送" | "forwarded-from" => Source::ForwardedFrom {
                unit,
                received_on: date,
            },
            "assigned" | "交办" | "assigned-by" => Source::AssignedBy {
                unit,
                received_on: date,
            },
            _ => {
                self.refuse(Field::Source, &kind, "来源应为 自行登记、转送 或 交办");
                Source::Own
            }
        }
    }

    /// Petitioners from the aligned columns: line *n* of each is petitioner *n*.
    fn petitioners(&mut self) -> Vec<Petitioner> {
        let names = self.text(Field::Petitioner);
        let phones = self.text(Field::Phone);
        let ids = self.text(Field::IdNumber);
        let addresses = self.text(Field::Address);
        let agents = self.text(Field::Agent);
        let anonymous = self.text(Field::Anonymous);
        let columns = [&names, &phones, &ids, &addresses, &agents, &anonymous].map(|c| {
            cells::lines(c)
                .into_iter()
                .map(|l| cells::unescape(l.trim()))
                .collect::<Vec<_>>()
        });
        let count = columns.iter().map(Vec::len).max().unwrap_or(0);
        let at = |c: usize, i: usize| columns[c].get(i).cloned().unwrap_or_default();
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let anon = at(5, i);
            let anonymous = match cells::parse_bool(&anon) {
                Some(b) => b,
                None => {
                    self.refuse(Field::Anonymous, &anon, "匿名应为 是 或 否");
                    false
                }
            };
            out.push(Petitioner {
                name: at(0, i),
                phone: at(1, i),
                id_number: at(2, i),
                address: at(3, i),
                agent: at(4, i),
                anonymous,
            });
        }
        out
    }

    fn events(
        &mut self,
        registration: &Registration,
        event_dates: &[(usize, String)],
    ) -> Vec<ImportedEvent> {
        let mut out = Vec::new();
        let text = self.text(Field::Events);
        for line in cells::lines(&text) {
            if line.trim().is_empty() {
                continue;
            }
            match cells::parse_event_line(line, self.mapping, self.dir) {
                // The registration is the received date; a source that lists it adds nothing.
                Ok(e) if e.kind == fengqiao_model::EventKind::Registered => {
                    if e.date != registration.received_on {
                        self.refuse(
                            Field::Events,
                            line,
                            format!("登记日期与收到日期 {} 不同", registration.received_on),
                        );
                    }
                }
                Ok(e) => out.push(e),
                Err(why) => self.refuse(Field::Events, line, why),
            }
        }
        for (i, code) in event_dates {
            let cell = self.row.cell(*i).to_owned();
            if cell.is_empty() {
                continue;
            }
            let column = column_name(&self.mapped.headers, *i);
            let Some(date) = parse_date(&cell, &self.mapping.date_formats) else {
                self.refusals.push(Refusal {
                    row: self.row.number,
                    column,
                    value: cell,
                    why: "不是可识别的日期".into(),
                });
                continue;
            };
            match cells::dated_kind(code, Some((registration.route, &registration.lead_unit))) {
                Some(kind) => {
                    if !out.iter().any(|e| e.kind == kind && e.date == date) {
                        out.push(ImportedEvent::new(kind, date));
                    }
                }
                None => self.refusals.push(Refusal {
                    row: self.row.number,
                    column,
                    value: cell,
                    why: format!("{code} 需要途径或责任单位，本行没有"),
                }),
            }
        }
        out
    }

    /// Dates no later than today and no earlier than receipt; the status the source
    /// states, if any, is the one the history leads to.
    fn check_history(&mut self, registration: &Registration, events: &[ImportedEvent]) {
        for e in events {
            let line = format!("{} {}", e.date, e.kind.zh());
            if e.date > self.dir.today {
                self.refuse(Field::Events, &line, "事件日期晚于今天");
            } else if e.date < registration.received_on {
                self.refuse(
                    Field::Events,
                    &line,
                    format!("事件日期早于收到日期 {}", registration.received_on),
                );
            }
        }
        let stated = self.text(Field::Status);
        if stated.is_empty() {
            return;
        }
        let mapped = self.mapping.value("status", &stated);
        let Some(status) = fengqiao_model::CaseStatus::parse(mapped) else {
            self.refuse(
                Field::Status,
                &stated,
                format!(
                    "不是有效的状态；可选：{}",
                    fengqiao_model::CaseStatus::ALL
                        .iter()
                        .map(|s| s.zh())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            );
            return;
        };
        let mut history: Vec<(NaiveDate, usize, fengqiao_model::EventCode)> = events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.date, i, e.kind.event_code()))
            .collect();
        history.sort();
        let derived = history
            .iter()
            .fold(fengqiao_model::CaseStatus::Registered, |s, (_, _, c)| {
                event::status_after(s, *c)
            });
        if derived != status {
            self.refuse(
                Field::Status,
                &stated,
                format!(
                    "与办理过程不符：按办理过程应为“{}”；请补全办理过程（状态由事件推出，不能单独导入）",
                    derived.zh()
                ),
            );
        }
    }
}
