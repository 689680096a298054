//! `import cases FILE [--mapping M] [--dry-run]` and `import template [FILE]`: a county's
//! existing records in, from CSV or Excel, through a mapping (crate `fengqiao-import`),
//! planned by the store (new, changed or already here, keyed on the source number) and
//! written many cases to one wait for the disk.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use fengqiao_import::{Directory, Mapping, Refusal, Table, read_cases, write};
use fengqiao_store::{ImportAction, Store, now_cst};
use serde_json::json;

use crate::case::print_json;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import cases from a CSV (UTF-8 or GB18030) or Excel (.xlsx) file.
    Cases(CasesArgs),
    /// Write the blank spreadsheet (.xlsx, or .csv) with the default mapping's headers.
    Template(TemplateArgs),
}

#[derive(Debug, Args)]
pub struct CasesArgs {
    /// The file to import.
    #[arg(value_parser = crate::out::user_path)]
    file: PathBuf,
    /// The mapping (TOML): which column is which field, how values map to ours.
    #[arg(long, value_parser = crate::out::user_path)]
    mapping: Option<PathBuf>,
    /// Check every row and report what would be written; write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Where to write it: .xlsx (with a 说明 sheet) or .csv.
    #[arg(default_value = "案件导入模板.xlsx", value_parser = crate::out::user_path)]
    file: PathBuf,
    /// Also write the default mapping, to copy and edit for a county's own headers.
    #[arg(long, value_parser = crate::out::user_path)]
    mapping: Option<PathBuf>,
}

pub fn run_import(store: &Store, cmd: &ImportCommand, json_out: bool) -> Result<()> {
    match cmd {
        ImportCommand::Cases(args) => cases(store, args, json_out),
        ImportCommand::Template(args) => template(args, json_out),
    }
}

/// The import commands that need no store (the template).
pub fn run_without_store(cmd: &ImportCommand, json_out: bool) -> Result<()> {
    match cmd {
        ImportCommand::Template(args) => template(args, json_out),
        ImportCommand::Cases(_) => {
            bail!("内部错误：导入案件需要打开数据目录 (import needs the store)")
        }
    }
}

/// The directory's names and today, which rows are checked against.
pub fn directory_of(store: &Store) -> Result<Directory> {
    Ok(Directory {
        townships: store.townships()?.into_iter().map(|t| t.name).collect(),
        leaders: store
            .leaders()?
            .into_iter()
            .map(|l| (l.id, l.name))
            .collect(),
        people: store
            .people()?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
        today: now_cst().date_naive(),
    })
}

fn read_mapping(path: Option<&Path>) -> Result<Mapping> {
    match path {
        None => Ok(Mapping::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("读取映射文件 {}", p.display()))?;
            Ok(Mapping::from_toml(&text, &p.display().to_string())?)
        }
    }
}

fn cases(store: &Store, args: &CasesArgs, json_out: bool) -> Result<()> {
    let mapping = read_mapping(args.mapping.as_deref())?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("读取 {}", args.file.display()))?;
    let name = args.file.display().to_string();
    run_cases(store, args, &mapping, &bytes, &name, json_out)
}

fn run_cases(
    store: &Store,
    args: &CasesArgs,
    mapping: &Mapping,
    bytes: &[u8],
    name: &str,
    json_out: bool,
) -> Result<()> {
    let dir = directory_of(store)?;
    let (table, mapped) = read_cases(bytes, name, mapping, &dir)?;
    let plan = store.plan_import(mapped.rows.iter().map(|r| r.case.clone()).collect())?;
    let refusals = mapped.with_store_refusals(
        plan.refused
            .iter()
            .map(|r| (r.index, r.field.as_str(), r.why.as_str())),
    );
    let refused_rows = refusals
        .iter()
        .map(|r| r.row)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let row_of = |index: usize| mapped.rows.get(index).map(|r| r.row);
    let updates: Vec<serde_json::Value> = plan
        .cases
        .iter()
        .filter_map(|c| match &c.action {
            ImportAction::Update(u) => Some(json!({
                "row": row_of(c.index),
                "number": u.number,
                "source_number": c.case.source_number,
                "fields": u.fields.iter().map(|(f, _)| f).collect::<Vec<_>>(),
                "kept": u.kept,
                "events": u.events.len(),
                "notes": u.notes.len(),
            })),
            ImportAction::Unchanged { number, kept } if !kept.is_empty() => Some(json!({
                "row": row_of(c.index),
                "number": number,
                "source_number": c.case.source_number,
                "fields": [],
                "kept": kept,
                "events": 0,
                "notes": 0,
            })),
            _ => None,
        })
        .collect();
    let (create, update, unchanged) = (plan.to_create(), plan.to_update(), plan.unchanged());
    if !json_out {
        outln!("{}：{}，{} 行", name, mapped.kind, mapped.total);
        for r in &refusals {
            outln!("  未导入 {r}");
        }
        for u in &updates {
            outln!(
                "  {} 第 {} 行 → {}（原编号 {}）：{}",
                if describe_changes(u).is_empty() {
                    "保留"
                } else {
                    "更新"
                },
                u["row"],
                u["number"].as_str().unwrap_or(""),
                u["source_number"].as_str().unwrap_or(""),
                describe_update(u)
            );
        }
    }
    let verb = if args.dry_run { "将" } else { "已" };
    let outcome = if args.dry_run || create + update == 0 {
        None
    } else {
        let bar = progress_bar(create + update + unchanged, json_out);
        let outcome = store.apply_import(plan, |n| bar.set_position(n as u64))?;
        bar.finish_and_clear();
        Some(outcome)
    };
    let refused_file = if refusals.is_empty() || args.dry_run {
        None
    } else {
        let path = fengqiao_import::refused_path(&args.file);
        write_refused(&table, &refusals, &path)?;
        Some(path)
    };
    if json_out {
        print_json(&json!({
            "file": name,
            "source": mapped.kind.to_string(),
            "rows": mapped.total,
            "dry_run": args.dry_run,
            "create": create,
            "update": update,
            "unchanged": unchanged,
            "refused_rows": refused_rows,
            "refusals": refusals,
            "updates": updates,
            "created": outcome.as_ref().map(|o| o.created.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>()),
            "refused_file": refused_file.as_ref().map(|p| p.display().to_string()),
        }))?;
    } else {
        if create + update == 0 && refused_rows == 0 && unchanged > 0 {
            outln!("没有新内容：{unchanged} 件案件都已导入过且没有变化，未写入任何内容");
        } else {
            outln!(
                "{verb}新建 {create} 件，{verb}更新 {update} 件，已导入过且无变化 {unchanged} 件，不能导入 {refused_rows} 行{}",
                if args.dry_run {
                    "（试导入，未写入任何内容）"
                } else {
                    ""
                }
            );
        }
        if let Some(p) = &refused_file {
            outln!("不能导入的行已写入 {}，改正后可再次导入", p.display());
        }
    }
    if refused_rows > 0 {
        bail!(
            "{refused_rows} 行{}（见上）",
            if args.dry_run {
                "不能导入"
            } else {
                "未导入"
            }
        );
    }
    Ok(())
}

fn describe_update(u: &serde_json::Value) -> String {
    let mut parts = describe_changes(u);
    let kept: Vec<&str> = u["kept"]
        .as_array()
        .map(|k| k.iter().filter_map(|f| f.as_str()).collect())
        .unwrap_or_default();
    if !kept.is_empty() {
        parts.push(format!(
            "字段 {} 导入后已在本县修改过，保留现值，未按文件覆盖",
            kept.join("、")
        ));
    }
    parts.join("；")
}

fn describe_changes(u: &serde_json::Value) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(fields) = u["fields"].as_array()
        && !fields.is_empty()
    {
        parts.push(format!(
            "字段 {}",
            fields
                .iter()
                .filter_map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    if u["events"].as_u64().unwrap_or(0) > 0 {
        parts.push(format!("新事件 {} 件", u["events"]));
    }
    if u["notes"].as_u64().unwrap_or(0) > 0 {
        parts.push(format!("新备注 {} 条", u["notes"]));
    }
    parts
}

fn write_refused(table: &Table, refusals: &[Refusal], path: &Path) -> Result<()> {
    let bytes = write::refused_file(table, refusals)?;
    std::fs::write(path, bytes).with_context(|| format!("写入 {}", path.display()))
}

fn progress_bar(len: usize, hidden: bool) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("导入案件");
    // Not for scripts, nor in the terminal of a `serve` that runs the command for another.
    if hidden || crate::out::is_captured() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

fn template(args: &TemplateArgs, json_out: bool) -> Result<()> {
    let headers = write::template_headers();
    let is_csv = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let no_rows: [Vec<String>; 0] = [];
    let bytes = if is_csv {
        write::csv_bytes(&headers, no_rows)?
    } else {
        write::xlsx_bytes(&headers, no_rows, true)?
    };
    std::fs::write(&args.file, bytes).with_context(|| format!("写入 {}", args.file.display()))?;
    if let Some(m) = &args.mapping {
        std::fs::write(m, Mapping::default_toml())
            .with_context(|| format!("写入 {}", m.display()))?;
    }
    if json_out {
        print_json(&json!({
            "template": args.file.display().to_string(),
            "mapping": args.mapping.as_ref().map(|m| m.display().to_string()),
            "headers": headers,
        }))?;
    } else {
        outln!(
            "已写入导入模板 {}（{} 列）",
            args.file.display(),
            headers.len()
        );
        if let Some(m) = &args.mapping {
            outln!("已写入默认映射 {}", m.display());
        }
    }
    Ok(())
}
