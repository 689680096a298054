//! `fengqiao law …`: how the law applies in this county — each unit's kind (a 信访部门 runs
//! 第二十二条's clock, any other organ 第二十三条's) and the county's readings of points the
//! law leaves open — and a case's clocks as `case show` prints them.

use anyhow::{Context, Result};
use fengqiao_model::OrganKind;
use fengqiao_rules::{
    ClockState, DueStatus, ExtensionBase, HolidayCalendar, LawContext, LawSettings,
};
use fengqiao_store::{CaseRecord, Store, now_cst};
use serde_json::json;

use crate::case::print_json;

#[derive(Debug, clap::Subcommand)]
pub enum LawCommand {
    /// The county's readings and every unit with its kind.
    Show,
    /// Mark a unit as a 信访部门 (petition-office) or another 机关、单位 (other-organ).
    UnitKind {
        /// The unit's name in the directory, e.g. 宁国市信访局.
        unit: String,
        /// petition-office / 信访部门, or other-organ / 其他机关、单位.
        kind: String,
    },
    /// Where an extension (T6) is counted from when T5's last day is a rest day:
    /// nominal-end (T5's 60th day, the default) or rolled-end (T5's rolled due date).
    ExtensionFrom { from: String },
}

pub fn run_law(store: &Store, cmd: &LawCommand, json_out: bool) -> Result<()> {
    match cmd {
        LawCommand::Show => {
            let settings = store.law_settings()?;
            let units = store.units()?;
            if json_out {
                let units: Vec<_> = units
                    .iter()
                    .map(|u| {
                        json!({
                            "name": u.name,
                            "kind": u.kind.code(),
                            "organ": u.organ_kind().code(),
                            "organ_recorded": u.organ.is_some(),
                        })
                    })
                    .collect();
                print_json(&json!({
                    "extension_from": settings.extension_from.code(),
                    "units": units,
                }))?;
            } else {
                outln!(
                    "延长办理期限（T6）：{}（{}）",
                    settings.extension_from.zh(),
                    settings.extension_from.code()
                );
                for u in units.iter().filter(|u| u.kind.code() != "village") {
                    let note = if u.organ.is_some() {
                        ""
                    } else {
                        "（未注明）"
                    };
                    outln!("{}  {}  {}{note}", u.name, u.kind, u.organ_kind());
                }
            }
        }
        LawCommand::UnitKind { unit, kind } => {
            let organ = OrganKind::parse(kind)?;
            let saved = store.set_unit_organ(unit, organ)?;
            if json_out {
                print_json(&json!({"unit": saved.name, "organ": organ.code()}))?;
            } else {
                outln!("已将 {} 记为{}", saved.name, organ);
            }
        }
        LawCommand::ExtensionFrom { from } => {
            let extension_from = ExtensionBase::parse(from).with_context(|| {
                format!(
                    "“{from}” 不是有效的起算方式；可选：{} (unknown extension base)",
                    ExtensionBase::ALL
                        .iter()
                        .map(|b| format!("{}（{}）", b.code(), b.zh()))
                        .collect::<Vec<_>>()
                        .join("、")
                )
            })?;
            store.put_law_settings(LawSettings { extension_from })?;
            if json_out {
                print_json(&json!({"extension_from": extension_from.code()}))?;
            } else {
                outln!("已设定：{}，将同步到所有设备", extension_from.zh());
            }
        }
    }
    Ok(())
}

/// The machine-readable state of a clock: a stable code, and the days left (negative when
/// overdue) while it runs.
fn state_fields(state: ClockState) -> (&'static str, Option<&'static str>, Option<i64>) {
    match state {
        ClockState::Running(status) => {
            let days_left = match status {
                DueStatus::Ok { days_left } | DueStatus::DueSoon { days_left } => days_left,
                DueStatus::DueToday => 0,
                DueStatus::Overdue { days_late } => -days_late,
            };
            (state.code(), Some(status.code()), Some(days_left))
        }
        _ => (state.code(), None, None),
    }
}

/// A case's clocks as JSON and as the text lines of `case show`.
pub fn clocks_json(
    record: &CaseRecord,
    cal: &HolidayCalendar,
    law: &LawContext,
) -> (serde_json::Value, Vec<String>) {
    let today = now_cst().date_naive();
    let facts = record.clock_facts(law);
    let clocks = record.clocks(law, cal, today);
    let mut lines = Vec::new();
    let items: Vec<_> = clocks
        .clocks
        .iter()
        .map(|c| {
            let d = &c.deadline;
            lines.push(format!(
                "  {} {}  起算 {}  截止 {}  {}  [{}]",
                d.clock.code(),
                d.clock.zh(),
                d.start,
                d.due,
                c.state,
                d.article()
            ));
            let (state_code, due_status, days_left) = state_fields(c.state);
            json!({
                "clock": d.clock.code(),
                "name": d.clock.zh(),
                "start": d.start.to_string(),
                "due": d.due.to_string(),
                "article": d.article(),
                "citation": d.citation(),
                "state": c.state.to_string(),
                "state_code": state_code,
                "due_status": due_status,
                "days_left": days_left,
                "certain": d.is_certain(),
            })
        })
        .collect();
    for w in &clocks.warnings {
        lines.push(format!("  ⚠ {w}"));
    }
    for d in &clocks.diagnostics {
        lines.push(format!("  注意：{d}"));
    }
    let warnings: Vec<_> = clocks
        .warnings
        .iter()
        .map(|w| {
            json!({
                "text": w.to_string(),
                "trigger": w.trigger.code(),
                "article": w.trigger.article(),
                "clock": w.clock.code(),
                "due": w.due.to_string(),
                "due_status": w.status.code(),
            })
        })
        .collect();
    let value = json!({
        "complete": clocks.is_complete(),
        "office": facts.office.map(OrganKind::code),
        "route": clocks.route.map(|r| r.code()),
        "clocks": items,
        "warnings": warnings,
        "diagnostics": clocks.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
    });
    (value, lines)
}
