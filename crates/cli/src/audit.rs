//! `audit access`: the access trail — who opened a confidential case, exported cases or
//! issued a document on a confidential case, on which device and when — for the county
//! office. Newest first; a device whose trail is held only in part makes the answer
//! incomplete (exit 2), and devices with no trail here are named.

use anyhow::{Result, bail};
use clap::Subcommand;
use fengqiao_store::{AccessTrail, Store};

use crate::case::print_json;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The access trail of every device held here (county office only).
    Access {
        /// Only the entries naming this case (number or id).
        #[arg(long)]
        case: Option<String>,
    },
}

pub fn run_audit(store: &Store, cmd: &AuditCommand, json: bool) -> Result<()> {
    match cmd {
        AuditCommand::Access { case } => access(store, case.as_deref(), json),
    }
}

fn access(store: &Store, case: Option<&str>, json: bool) -> Result<()> {
    let trail = store.access_trail(case)?;
    let printed = if json {
        print_json(&trail)
    } else {
        print_trail(&trail, case)
    };
    if trail.gaps.is_empty() {
        return printed;
    }
    for gap in &trail.gaps {
        errln!("警告：{}", gap.zh());
    }
    bail!(
        "结果不完整：{} 台设备的访问记录本机未完整收到或被改动过；同步后再查",
        trail.gaps.len()
    )
}

fn print_trail(trail: &AccessTrail, case: Option<&str>) -> Result<()> {
    if trail.entries.is_empty() {
        match case {
            Some(c) => outln!("没有涉及案件 {c} 的访问记录"),
            None => outln!("没有访问记录"),
        }
    }
    for r in &trail.entries {
        outln!(
            "{}  {}  设备“{}”  {}",
            r.at_cst(),
            r.who,
            r.device_name,
            r.what_zh()
        );
    }
    if !trail.unheard.is_empty() {
        outln!(
            "本机没有以下设备的访问记录（多半尚无记录；未同步的设备也在其中）：{}",
            trail.unheard.join("、")
        );
    }
    Ok(())
}
