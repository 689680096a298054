//! `export`: every case as JSON or as CSV for Excel (UTF-8 with BOM, every cell through
//! `spreadsheet_cell`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use fengqiao_model::Channel;
use fengqiao_store::{CaseFilter, Store};

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

pub fn export(store: &Store, args: &ExportArgs) -> Result<()> {
    let cases = store.list_cases(&CaseFilter::default())?;
    let mut buf: Vec<u8> = Vec::new();
    match args.format {
        ExportFormat::Json => serde_json::to_writer_pretty(&mut buf, &cases)?,
        ExportFormat::Csv => {
            // Excel detects UTF-8 only with a byte-order mark.
            buf.extend_from_slice("\u{feff}".as_bytes());
            let mut w = csv::Writer::from_writer(&mut buf);
            w.write_record([
                "案件编号",
                "收到日期",
                "乡镇",
                "村社区",
                "信访人",
                "渠道",
                "途径",
                "状态",
                "诉求",
            ])?;
            for c in &cases {
                let cells = [
                    c.number.as_str(),
                    &c.received_on.to_string(),
                    &c.township,
                    &c.village,
                    &c.petitioner,
                    &Channel::parse(&c.channel)
                        .map(|ch| ch.zh().to_owned())
                        .unwrap_or_else(|_| c.channel.clone()),
                    c.route.map(|r| r.zh()).unwrap_or(""),
                    c.status.zh(),
                    &c.request,
                ];
                // Text from the public form must not become a live formula in Excel.
                w.write_record(
                    cells
                        .map(fengqiao_model::spreadsheet_cell)
                        .iter()
                        .map(|c| c.as_bytes()),
                )?;
            }
            w.flush()?;
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
