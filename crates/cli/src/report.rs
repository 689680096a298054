//! `report` and `case list --overdue`: the figures of the app's 统计 and the 仅超期 filter,
//! computed by the same code (`fengqiao_store::reports`).

use std::io::Write;

use anyhow::Result;
use fengqiao_rules::RatingCounts;
use fengqiao_store::reports::{ClockIndex, Reports};
use fengqiao_store::{CaseFilter, CaseSummary, Store, now_cst};
use serde_json::{Value, json};

use crate::case::print_json;
use crate::complete::{self, Reads};

/// The clocks of every open case as of today, with the county's holiday notices.
pub fn clock_index(store: &Store) -> Result<ClockIndex> {
    let calendar = store.holiday_calendar()?;
    Ok(store.clock_index(&calendar, now_cst().date_naive())?)
}

/// The rows among `cases` with an overdue clock, the longest waiting first (as 今日 lists
/// them), each with its most urgent clock.
pub fn overdue_only(cases: Vec<CaseSummary>, clocks: &ClockIndex) -> Vec<CaseSummary> {
    let mut rows: Vec<CaseSummary> = cases
        .into_iter()
        .filter(|c| clocks.is_overdue(&c.id))
        .collect();
    let rank: std::collections::HashMap<_, _> = clocks
        .overdue
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    rows.sort_by_key(|c| rank.get(&c.id).copied().unwrap_or(usize::MAX));
    rows
}

/// `fengqiao report [--json]`.
pub fn report(store: &Store, json_out: bool) -> Result<()> {
    let rows = store.list_cases(&CaseFilter::default())?;
    let clocks = clock_index(store)?;
    let report = Reports::build(&rows, &clocks);
    let printed = if json_out {
        print_json(&report_json(&report, clocks.today))
    } else {
        print_report(&report)
    };
    complete::after(store, Reads::Cases, printed)
}

fn rate(r: Option<f64>) -> Value {
    r.map_or(Value::Null, |r| json!((r * 10.0).round() / 10.0))
}

fn ratings_json(c: &RatingCounts) -> Value {
    json!({
        "satisfied": c.satisfied,
        "basically_satisfied": c.basically_satisfied,
        "dissatisfied": c.dissatisfied,
        "evaluated": c.evaluated(),
        "rate_percent": rate(c.rate_percent()),
    })
}

/// The report as JSON: stable codes beside the Chinese names, rates to one decimal.
fn report_json(r: &Reports, today: Option<chrono::NaiveDate>) -> Value {
    let e = &r.evaluation;
    json!({
        "as_of": today.map(|d| d.to_string()),
        "total": r.total,
        "open": r.open,
        "overdue": r.overdue,
        "overdue_rate_percent": rate(Some(r.overdue_percent())),
        "by_route": r.by_route.iter().map(|(route, n)| json!({
            "route": route.map(|r| r.code()),
            "name": route.map_or("未分流", |r| r.zh()),
            "count": n,
        })).collect::<Vec<_>>(),
        "by_status": r.by_status.iter().map(|(s, n)| json!({
            "status": s.code(), "name": s.zh(), "count": n,
        })).collect::<Vec<_>>(),
        "by_township": r.by_township.iter().map(|(t, n)| json!({
            "township": t, "count": n,
        })).collect::<Vec<_>>(),
        "by_month": r.by_month.iter().map(|(m, n)| json!({
            "month": m, "count": n,
        })).collect::<Vec<_>>(),
        "satisfaction": {
            "reply_quality": ratings_json(&e.reply_quality),
            "timeliness": ratings_json(&e.timeliness),
        },
        "follow_ups": {
            "required": e.follow_ups_required,
            "done": e.follow_ups_done,
            "overdue": e.follow_ups_overdue,
            "rate_percent": rate(e.follow_up_rate_percent()),
        },
    })
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.1}%"))
}

fn print_report(r: &Reports) -> Result<()> {
    let mut out = crate::out::stdout();
    let e = &r.evaluation;
    writeln!(
        out,
        "总数 {}  在办 {}  超期 {}  超期率 {:.1}%",
        r.total,
        r.open,
        r.overdue,
        r.overdue_percent()
    )?;
    writeln!(
        out,
        "答复质量满意率 {}（评价 {} 件）  办理时效满意率 {}（评价 {} 件）  回访率 {}（{}/{}，逾期 {}）",
        percent(e.reply_quality.rate_percent()),
        e.reply_quality.evaluated(),
        percent(e.timeliness.rate_percent()),
        e.timeliness.evaluated(),
        percent(e.follow_up_rate_percent()),
        e.follow_ups_done,
        e.follow_ups_required,
        e.follow_ups_overdue
    )?;
    let section = |out: &mut dyn Write, title: &str, rows: Vec<(String, usize)>| -> Result<()> {
        writeln!(out, "{title}")?;
        let width = rows
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0);
        for (name, n) in rows {
            let pad = width - name.chars().count();
            // Chinese characters take two columns in a terminal.
            writeln!(out, "  {name}{}  {n:>6}", "  ".repeat(pad))?;
        }
        Ok(())
    };
    section(
        &mut out,
        "按途径",
        r.by_route
            .iter()
            .map(|(route, n)| (route.map_or("未分流", |r| r.zh()).to_owned(), *n))
            .collect(),
    )?;
    section(
        &mut out,
        "按状态",
        r.by_status
            .iter()
            .map(|(s, n)| (s.zh().to_owned(), *n))
            .collect(),
    )?;
    section(&mut out, "按乡镇", r.by_township.clone())?;
    section(&mut out, "按月份", r.by_month.clone())?;
    Ok(())
}
