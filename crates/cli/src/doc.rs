//! `fengqiao doc`: the statutory paperwork — which documents exist and what each needs,
//! issuing one from a case (its number, its lifecycle events, the PDF), the documents of a
//! case, typesetting a stored one again, recording its service, and the county's
//! templates.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use fengqiao_store::paperwork::{CaseDocument, DocKind, Fields, Templates};
use fengqiao_store::{IssueRequest, Store};

#[derive(Debug, Subcommand)]
pub enum DocCommand {
    /// Every kind of document, its legal basis and what a clerk supplies; with --case,
    /// which ones the case's state allows and why not the others.
    Kinds {
        /// A case number or id.
        #[arg(long)]
        case: Option<String>,
    },
    /// Issue a document from a case: it gets its number, the case records it and its
    /// lifecycle events, and the PDF is written to --out.
    Issue {
        /// The case number or id.
        case: String,
        /// The kind (`fengqiao doc kinds`), by code or Chinese name.
        kind: String,
        /// The document's date (成文日期), YYYY-MM-DD; default today.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Where to write the PDF.
        #[arg(long, value_parser = crate::out::user_path)]
        out: Option<PathBuf>,
        /// A field the document needs, KEY=VALUE (repeat): reason, reply, findings…
        #[arg(long = "field", value_name = "KEY=VALUE")]
        fields: Vec<String>,
        /// The number of a document of the same kind this one corrects (a new version).
        #[arg(long)]
        corrects: Option<String>,
    },
    /// The documents issued on a case.
    List {
        /// The case number or id.
        case: String,
    },
    /// Typeset a stored document again (the same bytes as when it was issued).
    Render {
        /// The document number (文号).
        number: String,
        /// Where to write the PDF.
        #[arg(long, value_parser = crate::out::user_path)]
        out: PathBuf,
    },
    /// Record that the petitioner received a document (送达); an opinion's reply is
    /// recorded with it, and the 30 days to ask for review run from this date.
    Serve {
        /// The document number (文号).
        number: String,
        /// The day it was received, YYYY-MM-DD; default today.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// 直接送达 (default), 邮寄送达, 留置送达…
        #[arg(long, default_value = "")]
        method: String,
    },
    /// The county's document templates: show the ones in force, or store a new version.
    #[command(subcommand)]
    Template(TemplateCommand),
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Print the templates in force (TOML; edit a copy and `set` it).
    Show,
    /// Store a new version from a TOML file (office and admin devices).
    Set {
        #[arg(value_parser = crate::out::user_path)]
        file: PathBuf,
    },
}

/// `doc kinds` without a case: what needs no store.
pub fn run_doc_without_store(cmd: &DocCommand, json: bool) -> Result<()> {
    match cmd {
        DocCommand::Kinds { case: None } => kinds(json),
        _ => anyhow::bail!("内部错误：此文书命令需要打开数据目录 (needs the store)"),
    }
}

pub fn run_doc(store: &Store, cmd: &DocCommand, json: bool) -> Result<()> {
    if let DocCommand::Kinds { case: None } = cmd {
        return kinds(json);
    }
    match cmd {
        DocCommand::Kinds { case } => offers(store, case.as_deref().unwrap_or_default(), json),
        DocCommand::Issue {
            case,
            kind,
            date,
            out,
            fields,
            corrects,
        } => issue(
            store,
            case,
            kind,
            *date,
            out.as_deref(),
            fields,
            corrects.clone(),
            json,
        ),
        DocCommand::List { case } => list(store, case, json),
        DocCommand::Render { number, out } => render(store, number, out, json),
        DocCommand::Serve {
            number,
            date,
            method,
        } => serve(store, number, *date, method, json),
        DocCommand::Template(TemplateCommand::Show) => {
            outln!("{}", store.paper_templates()?.text.trim_end());
            Ok(())
        }
        DocCommand::Template(TemplateCommand::Set { file }) => set_templates(store, file, json),
    }
}

fn kinds(json: bool) -> Result<()> {
    if json {
        let kinds: Vec<_> = DocKind::ALL
            .iter()
            .map(|k| {
                serde_json::json!({
                    "kind": k.code(),
                    "name": k.zh(),
                    "basis": k.basis(),
                    "inputs": k.inputs().iter().map(|i| serde_json::json!({
                        "key": i.key, "label": i.label, "required": i.required,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&kinds)?);
        return Ok(());
    }
    for k in DocKind::ALL {
        outln!("{:<22} {}  {}", k.code(), k.zh(), k.basis());
        for i in k.inputs() {
            let need = if i.required { "必填" } else { "可选" };
            outln!("    --field {}=…  {}（{need}）", i.key, i.label);
        }
    }
    Ok(())
}

fn offers(store: &Store, case: &str, json: bool) -> Result<()> {
    let offers = store.document_offers(case)?;
    if json {
        let rows: Vec<_> = offers
            .iter()
            .map(|o| {
                serde_json::json!({
                    "kind": o.kind.code(),
                    "name": o.kind.zh(),
                    "allowed": o.refused.is_none(),
                    "refused": o.refused,
                    "inputs": o.inputs.iter().map(|(i, v)| serde_json::json!({
                        "key": i.key, "label": i.label, "required": i.required, "suggested": v,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    for o in offers {
        match &o.refused {
            None => {
                outln!("可签发  {:<22} {}", o.kind.code(), o.kind.zh());
                for (i, v) in &o.inputs {
                    let need = if i.required { "必填" } else { "可选" };
                    let suggested = if v.is_empty() {
                        String::new()
                    } else {
                        format!("，建议：{v}")
                    };
                    outln!("    --field {}=…  {}（{need}{suggested}）", i.key, i.label);
                }
            }
            Some(why) => outln!("不可    {:<22} {}：{why}", o.kind.code(), o.kind.zh()),
        }
    }
    Ok(())
}

fn parse_fields(pairs: &[String]) -> Result<Fields> {
    let mut fields = Fields::new();
    for pair in pairs {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--field 应为 KEY=VALUE，收到“{pair}”");
        };
        fields.insert(k.trim().to_owned(), v.to_owned());
    }
    Ok(fields)
}

fn write_pdf(path: &Path, pdf: &[u8]) -> Result<()> {
    std::fs::write(path, pdf).with_context(|| format!("写入 {}", path.display()))
}

#[allow(clippy::too_many_arguments)]
fn issue(
    store: &Store,
    case: &str,
    kind: &str,
    date: Option<NaiveDate>,
    out: Option<&Path>,
    fields: &[String],
    corrects: Option<String>,
    json: bool,
) -> Result<()> {
    let kind = DocKind::parse(kind)?;
    let issued = store.issue_document(
        case,
        IssueRequest {
            kind,
            date,
            inputs: parse_fields(fields)?,
            corrects,
        },
    )?;
    if let Some(path) = out {
        write_pdf(path, &issued.pdf)?;
    }
    let d = &issued.document;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "document": d,
                "events": issued.events,
                "pdf": out.map(|p| p.display().to_string()),
            }))?
        );
        return Ok(());
    }
    outln!(
        "已签发 {} {}（第{}版，{}）",
        d.kind.zh(),
        d.number,
        d.version,
        d.issued_on
    );
    for e in &issued.events {
        outln!("  已记录：{} {}", e.date, e.kind.zh());
    }
    if d.kind.effect() == fengqiao_store::paperwork::Effect::AtService {
        outln!(
            "  送达后请记录：fengqiao doc serve {} --date 收到日期",
            d.number
        );
    }
    match out {
        Some(path) => outln!("  PDF：{}（SHA-256 {}）", path.display(), d.sha256),
        None => outln!(
            "  未写出 PDF；需要时：fengqiao doc render {} --out 文件.pdf",
            d.number
        ),
    }
    Ok(())
}

fn describe(d: &CaseDocument) -> String {
    let r = &d.record;
    let mut line = format!(
        "{}  {}  {}  第{}版  {}签发",
        r.issued_on,
        r.number,
        r.kind.zh(),
        r.version,
        r.issued_by_name
    );
    if let Some(s) = &d.served {
        line.push_str(&format!("  已送达（{}，{}）", s.method, s.served_on));
    }
    if let Some(newer) = &d.superseded_by {
        line.push_str(&format!("  已由 {newer} 更正"));
    }
    line
}

fn list(store: &Store, case: &str, json: bool) -> Result<()> {
    let papers = store.case_papers(case)?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&papers)?);
        return Ok(());
    }
    if papers.is_empty() {
        outln!("案件 {case} 尚未签发文书");
    }
    for d in &papers {
        outln!("{}", describe(d));
    }
    Ok(())
}

fn render(store: &Store, number: &str, out: &Path, json: bool) -> Result<()> {
    let rendered = store.render_document(number)?;
    write_pdf(out, &rendered.pdf)?;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "document": rendered.document,
                "pdf": out.display().to_string(),
            }))?
        );
    } else {
        outln!(
            "{} 已写出到 {}（与签发时一致，SHA-256 {}）",
            number,
            out.display(),
            rendered.document.record.sha256
        );
    }
    Ok(())
}

fn serve(
    store: &Store,
    number: &str,
    date: Option<NaiveDate>,
    method: &str,
    json: bool,
) -> Result<()> {
    let date = date.unwrap_or_else(|| fengqiao_store::now_cst().date_naive());
    let service = store.serve_document(number, date, method)?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&service)?);
    } else {
        outln!(
            "{} 已送达（{}，{}）",
            number,
            service.method,
            service.served_on
        );
        if !service.events.is_empty() {
            outln!(
                "  已记录答复，复查（复核）申请期限自 {} 起算",
                service.served_on
            );
        }
    }
    Ok(())
}

fn set_templates(store: &Store, file: &Path, json: bool) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("读取 {}", file.display()))?;
    let templates: Templates = store.put_paper_templates(&text)?;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "key": templates.key, "version": templates.version,
            }))?
        );
    } else {
        outln!(
            "文书模板第{}版已保存（{}）",
            templates.version,
            templates.key
        );
    }
    Ok(())
}
