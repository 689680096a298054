//! `export`: every case as JSON (the list's rows) or as CSV for Excel (UTF-8 with BOM,
//! every cell through `spreadsheet_cell`): every field, event and note, readable by
//! `fengqiao import cases` with the default mapping.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::collections::HashMap;

use fengqiao_import::write;
use fengqiao_store::{CaseFilter, CaseRecord, Store};

use crate::complete::{self, Reads};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
    /// Output file (default: standard output).
    #[arg(long, value_parser = crate::out::user_path)]
    out: Option<PathBuf>,
}

/// Exports every case. The export is recorded in this device's access trail (how many
/// cases, the format, the confidential cases among them) before anything is written, and
/// nothing is written when it cannot be recorded.
pub fn export(store: &Store, args: &ExportArgs) -> Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    match args.format {
        ExportFormat::Json => {
            // The list's rows name petitioners and requests, confidential cases' too.
            let rows = store.list_cases(&CaseFilter::default())?;
            let confidential = confidential_numbers(&store.case_records()?);
            store
                .record_export(rows.len(), confidential, "json，全部案件的列表")
                .context("记录导出（访问记录）")?;
            serde_json::to_writer_pretty(&mut buf, &rows)?
        }
        ExportFormat::Csv => {
            // Every field, event and note, in the columns the default import mapping reads
            // (crate `fengqiao-import`), so an export imports into another county whole.
            let records = store.case_records()?;
            store
                .record_export(
                    records.len(),
                    confidential_numbers(&records),
                    "csv，全部案件",
                )
                .context("记录导出（访问记录）")?;
            let leaders: HashMap<_, _> = store
                .leaders()?
                .into_iter()
                .map(|l| (l.id, l.name))
                .collect();
            let people = crate::import::directory_of(store)?;
            let rows = records.iter().map(|r| {
                write::export_row(
                    &write::ExportCase {
                        case: &r.case,
                        events: &r.events,
                        notes: &r.notes,
                        status: r.status,
                    },
                    &|id| leaders.get(&id).cloned(),
                    &people,
                )
            });
            buf = write::csv_bytes(&write::export_headers(), rows)?;
        }
    }
    let written = match &args.out {
        Some(p) => std::fs::write(p, &buf).with_context(|| format!("写入 {}", p.display())),
        None => crate::out::stdout()
            .write_all(&buf)
            .map_err(anyhow::Error::from),
    };
    complete::after(store, Reads::Cases, written)
}

/// The numbers of the confidential cases among `records`.
fn confidential_numbers(records: &[CaseRecord]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.case.registration.flags.confidential)
        .map(|r| r.case.number.to_string())
        .collect()
}
