//! `fengqiao intake`: the county's intake queue (导访 kiosk, 网上信访) as the reception
//! clerk sees it, and the pickup that links an item to the case registered from it.

use anyhow::{Context, Result};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum IntakeCommand {
    /// Every item in the queue held here, newest first, with its case once picked up.
    List {
        /// Only items not yet registered as a case.
        #[arg(long)]
        waiting: bool,
    },
    /// Record that an item was registered as a case (the case's number or id).
    Pickup {
        /// The item's id (from `intake list`).
        item: String,
        /// The case registered from it.
        case: String,
    },
}

pub fn run_intake(store: &fengqiao_store::Store, cmd: &IntakeCommand, json: bool) -> Result<()> {
    match cmd {
        IntakeCommand::List { waiting } => crate::complete::after(
            store,
            crate::complete::Reads::Intake,
            list(store, *waiting, json),
        ),
        IntakeCommand::Pickup { item, case } => pickup(store, item, case, json),
    }
}

fn list(store: &fengqiao_store::Store, waiting: bool, json: bool) -> Result<()> {
    let queue: Vec<_> = store
        .intake_queue(None)?
        .into_iter()
        .filter(|e| !waiting || e.pickup.is_none())
        .collect();
    if json {
        outln!("{}", serde_json::to_string_pretty(&queue)?);
        return Ok(());
    }
    if queue.is_empty() {
        outln!("导访登记队列为空");
    }
    for e in queue {
        let item = &e.item;
        let state = match &e.pickup {
            Some(p) => format!("已登记（{} 登记，案件 {}）", p.by, p.case),
            None => "待登记".to_owned(),
        };
        let summary: String = item.description.chars().take(30).collect();
        outln!(
            "{}  {}  {}  {}  {}  {}  {}",
            item.id,
            item.received_at.format("%Y-%m-%d %H:%M"),
            item.source.zh(),
            item.name,
            item.phone,
            state,
            summary
        );
    }
    Ok(())
}

fn pickup(store: &fengqiao_store::Store, item: &str, case: &str, json: bool) -> Result<()> {
    let item = item.parse().context("导访登记编号")?;
    let case_id = store.case(case)?.case.id;
    let by = store.identity().person.name.clone();
    let pickup = store.pick_up_intake(item, case_id, &by)?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&pickup)?);
    } else {
        outln!("导访登记 {} 已登记为案件 {case}", pickup.item);
    }
    Ok(())
}
