//! What is written for a spreadsheet: the export's rows (the columns the default mapping
//! reads back, so an export imports into another county whole), the blank template, and
//! the refused rows beside an input so they can be fixed and imported again. Every cell
//! goes through `spreadsheet_cell` (formula injection).

use fengqiao_model::{
    Case, CaseEvent, CaseStatus, EventKind, LeaderId, Note, Source, spreadsheet_cell,
};

use crate::ImportError;
use crate::cells::{self, People};
use crate::mapping::Field;
use crate::rows::Refusal;
use crate::table::Table;

/// The export's own number column, before the template's columns.
pub const NUMBER_HEADER: &str = "案件编号";

/// The template's headers: one per field, in order.
pub fn template_headers() -> Vec<&'static str> {
    Field::ALL.iter().map(|f| f.header()).collect()
}

/// The export's headers: the case number, then the template's.
pub fn export_headers() -> Vec<&'static str> {
    std::iter::once(NUMBER_HEADER)
        .chain(template_headers())
        .collect()
}

/// A case with what the export writes of it.
pub struct ExportCase<'a> {
    pub case: &'a Case,
    /// Sorted, as the case page shows them.
    pub events: &'a [CaseEvent],
    pub notes: &'a [Note],
    pub status: CaseStatus,
}

/// One case as the export's row (cells in [`export_headers`] order, not yet neutralised).
pub fn export_row(
    c: &ExportCase<'_>,
    leader_name: &dyn Fn(LeaderId) -> Option<String>,
    people: &dyn People,
) -> Vec<String> {
    let case = c.case;
    let reg = &case.registration;
    let petitioner_lines = |f: &dyn Fn(&fengqiao_model::Petitioner) -> String| {
        reg.petitioners
            .iter()
            .map(|p| cells::escape(&f(p)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (source, source_unit, source_date) = match &reg.source {
        Source::Own => ("自行登记", String::new(), String::new()),
        Source::ForwardedFrom { unit, received_on } => {
            ("转送", unit.clone(), received_on.to_string())
        }
        Source::AssignedBy { unit, received_on } => ("交办", unit.clone(), received_on.to_string()),
    };
    let mut out = vec![case.number.to_string()];
    for field in Field::ALL {
        out.push(match field {
            Field::SourceNumber => case.source_number.clone(),
            Field::RegisteredAt => case.registered_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            Field::ReceivedOn => reg.received_on.to_string(),
            Field::Channel => reg.channel.zh().to_owned(),
            Field::Source => source.to_owned(),
            Field::SourceUnit => source_unit.clone(),
            Field::SourceDate => source_date.clone(),
            Field::Township => reg.township.clone(),
            Field::Village => reg.village.clone(),
            Field::Petitioner => petitioner_lines(&|p| p.name.clone()),
            Field::Phone => petitioner_lines(&|p| p.phone.clone()),
            Field::IdNumber => petitioner_lines(&|p| p.id_number.clone()),
            Field::Address => petitioner_lines(&|p| p.address.clone()),
            Field::Agent => petitioner_lines(&|p| p.agent.clone()),
            Field::Anonymous => {
                if reg.petitioners.iter().any(|p| p.anonymous) {
                    petitioner_lines(&|p| if p.anonymous { "是" } else { "否" }.to_owned())
                } else {
                    String::new()
                }
            }
            Field::HeadCount => reg.head_count.to_string(),
            Field::Representatives => reg
                .representatives
                .iter()
                .map(cells::person_line)
                .collect::<Vec<_>>()
                .join("\n"),
            Field::Request => reg.content.request.clone(),
            Field::Facts => reg.content.facts.clone(),
            Field::Reasons => reg.content.reasons.clone(),
            Field::ContentType => reg
                .content_type
                .map(|t| t.zh().to_owned())
                .unwrap_or_default(),
            Field::Route => reg.route.map(|r| r.zh().to_owned()).unwrap_or_default(),
            Field::RouteListVersion => reg.route_list_version.clone(),
            Field::ComplaintType => reg.complaint_type.clone(),
            Field::ReceivedBy => reg.received_by.clone(),
            Field::LeadUnit => reg.lead_unit.clone(),
            Field::CoUnits => reg.co_units.join("、"),
            Field::Handler => reg.handler.clone(),
            Field::ResponsibleLeader => reg
                .responsible_leader
                .map(|l| leader_name(l).unwrap_or_else(|| l.to_string()))
                .unwrap_or_default(),
            Field::FirstVisitOwner => reg.first_visit_owner.clone(),
            Field::Flags => cells::flags_text(&reg.flags),
            Field::Status => c.status.zh().to_owned(),
            Field::Events => c
                .events
                .iter()
                .filter(|e| !matches!(e.kind, EventKind::Registered))
                .map(|e| cells::event_line(&e.kind, e.date, &e.remark, people))
                .collect::<Vec<_>>()
                .join("\n"),
            Field::Notes => c
                .notes
                .iter()
                .map(cells::note_line)
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    out
}

/// Writes rows as CSV for Excel: UTF-8 with a byte-order mark (Excel detects UTF-8 only
/// with one), every cell neutralised.
pub fn csv_bytes<I, R, S>(headers: &[&str], rows: I) -> Result<Vec<u8>, ImportError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut buf = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        let fail = |e: csv::Error| ImportError::Write(e.to_string());
        w.write_record(headers).map_err(fail)?;
        for row in rows {
            let cells: Vec<String> = row
                .into_iter()
                .map(|c| spreadsheet_cell(c.as_ref()).into_owned())
                .collect();
            w.write_record(&cells).map_err(fail)?;
        }
        w.flush().map_err(|e| ImportError::Write(e.to_string()))?;
    }
    Ok(buf)
}

/// Writes rows as an .xlsx workbook: the headers bold and frozen, text cells throughout
/// (a phone or ID number stays as typed).
pub fn xlsx_bytes<I, R, S>(headers: &[&str], rows: I, notes: bool) -> Result<Vec<u8>, ImportError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ImportError::Write(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@").set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name("案件").map_err(fail)?;
    for (i, h) in headers.iter().enumerate() {
        let col = u16::try_from(i).map_err(|_| ImportError::Write("列太多".into()))?;
        sheet.write_with_format(0, col, *h, &bold).map_err(fail)?;
        sheet.set_column_width(col, 14).map_err(fail)?;
        sheet.set_column_format(col, &text).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    for (r, row) in rows.into_iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| ImportError::Write("行太多".into()))?;
        for (c, cell) in row.into_iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| ImportError::Write("列太多".into()))?;
            let cell = cell.as_ref();
            if !cell.is_empty() {
                sheet.write_string(r, c, cell).map_err(fail)?;
            }
        }
    }
    if notes {
        let help = book.add_worksheet();
        help.set_name("说明").map_err(fail)?;
        help.write_with_format(0, 0, "列", &bold).map_err(fail)?;
        help.write_with_format(0, 1, "内容", &bold).map_err(fail)?;
        help.set_column_width(0, 14).map_err(fail)?;
        help.set_column_width(1, 90).map_err(fail)?;
        for (i, f) in Field::ALL.iter().enumerate() {
            let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
            help.write(r, 0, f.header()).map_err(fail)?;
            help.write(r, 1, explain(*f)).map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// What a template column holds, for the template's 说明 sheet.
pub fn explain(f: Field) -> &'static str {
    match f {
        Field::SourceNumber => "必填。原系统中的编号；再次导入同一文件时据此认出已导入的案件",
        Field::RegisteredAt => "登记时间，如 2026-03-01 09:30；空则取收到日期 9:00",
        Field::ReceivedOn => "必填。收到日期，如 2026-03-01、2026/3/1、2026年3月1日",
        Field::Channel => "必填。来信、来访、网上、来电、领导接访、下访、网格、12345转办",
        Field::Source => "自行登记（空同）、转送 或 交办",
        Field::SourceUnit => "转送或交办的单位",
        Field::SourceDate => "转送或交办单位收到的日期；空则同收到日期",
        Field::Township => "必填。乡镇（街道），须在本县目录中",
        Field::Village => "村（社区）",
        Field::Petitioner => "信访人姓名；多人时每行一人，以下几列逐行对应",
        Field::Phone => "联系电话，每行对应一名信访人",
        Field::IdNumber => "身份证号，每行对应一名信访人",
        Field::Address => "住址，每行对应一名信访人",
        Field::Agent => "代理人，每行对应一名信访人",
        Field::Anonymous => "是/否，每行对应一名信访人",
        Field::HeadCount => "人数；空则为登记的人数",
        Field::Representatives => "群体访代表，每行一人：姓名；电话；身份证号；住址；代理人",
        Field::Request => "必填。诉求",
        Field::Facts => "事实",
        Field::Reasons => "理由",
        Field::ContentType => "建议意见类、检举控告类、申诉求决类",
        Field::Route => {
            "分流途径：纪检举报、涉法涉诉、仲裁、申诉复审、行政职责、矛盾纠纷、信访诉求"
        }
        Field::RouteListVersion => "分类目录版本，如 2026-Q1",
        Field::ComplaintType => "问题类型",
        Field::ReceivedBy => "受理登记单位；空则为本机所在单位",
        Field::LeadUnit => "责任单位",
        Field::CoUnits => "协办单位，以顿号分隔",
        Field::Handler => "承办人",
        Field::ResponsibleLeader => "包案领导，须在本县领导名单中",
        Field::FirstVisitOwner => "首办负责人",
        Field::Flags => "集体访、越级、重复访、初信初访、重大紧急、督办、涉密，以顿号分隔",
        Field::Status => "状态；填写时须与办理过程相符（状态由办理过程推出）",
        Field::Events => "办理过程，每行一件：日期 事件：详情，如 2026-03-05 交办：司法局",
        Field::Notes => "备注，每行一条；可写作 [2026-03-05 14:30 张三] 正文",
    }
}

/// The refused rows as CSV beside the input: the file's own columns and cells, then why
/// (every reason of the row), so the rows can be fixed and imported again with the same
/// mapping (the added column is not read).
pub fn refused_file(table: &Table, refusals: &[Refusal]) -> Result<Vec<u8>, ImportError> {
    let mut why: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for r in refusals {
        let mut text = String::new();
        if !r.column.is_empty() {
            text.push_str(&r.column);
            text.push('：');
        }
        if !r.value.is_empty() {
            text.push_str(&format!("“{}” ", r.value));
        }
        text.push_str(&r.why);
        why.entry(r.row).or_default().push(text);
    }
    let mut headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
    headers.push(REFUSAL_HEADER);
    let width = table.headers.len();
    let rows = table.rows.iter().filter_map(|row| {
        let reasons = why.get(&row.number)?;
        let mut cells: Vec<String> = (0..width)
            .map(|i| row.cells.get(i).cloned().unwrap_or_default())
            .collect();
        cells.push(reasons.join("；"));
        Some(cells)
    });
    csv_bytes(&headers, rows)
}

/// The column the refused-rows file adds.
pub const REFUSAL_HEADER: &str = "未导入原因";
