//! `fengqiao deadline` and `fengqiao guide`: the statutory clocks and the 导访 guide of
//! `fengqiao-rules` on the command line.
//!
//! This is the edge: it reads the system clock for "today" and optional calendar files,
//! then calls the pure functions of `fengqiao-rules`. The `*_to` functions take the calendar,
//! guide, today and the output explicitly so tests can drive them.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use fengqiao_model::vocab::Route;
use fengqiao_rules::calendar::{HolidayCalendar, weekday_zh};
use fengqiao_rules::clock::{
    Adjustments, ClockId, Deadline, DueThresholds, ExtensionBase, Period, deadline,
};
use fengqiao_rules::guide::{Guide, GuideList, ListVersion, route_info};
use serde_json::{Value, json};

/// Arguments of `fengqiao deadline`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeadlineArgs {
    /// The clock: T1–T10, or FT for the fast track (简易办理)
    #[arg(value_name = "CLOCK")]
    pub clock: ClockId,
    /// The day of the starting event, YYYY-MM-DD (not itself counted). For T6, the
    /// acceptance date: the extension is added to the end of T5
    #[arg(value_name = "START-DATE")]
    pub start: NaiveDate,
    /// T6 only: the approved extension in days (1–30; default 30)
    #[arg(long, value_name = "N")]
    pub extension_days: Option<u32>,
    /// T6 only: count the extension from T5's 60th day (nominal-end) or from its rolled
    /// due date (rolled-end); default: the county's setting (`fengqiao law show`)
    #[arg(long, value_name = "FROM")]
    pub extension_from: Option<String>,
    /// T10 only: hearing days (听证), which are not counted
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub excluded_days: u32,
    /// Show where the deadline stands on this date instead of today (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub today: Option<NaiveDate>,
    /// A year's holiday notice (TOML) that adds or overrides that year; repeatable
    #[arg(long = "calendar", value_name = "FILE", value_parser = crate::out::user_path)]
    pub calendar_files: Vec<PathBuf>,
}

/// `fengqiao guide …`: the classification guide.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum GuideCommand {
    /// Search complaint types by Chinese words, a visitor's sentence or pinyin initials
    Search {
        /// Words to search for, e.g. 宅基地, or initials such as zjd
        #[arg(required = true, value_name = "WORDS")]
        words: Vec<String>,
        /// Show at most this many results
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Use this list version (e.g. 2026-Q4) instead of the current one
        #[arg(long)]
        version: Option<ListVersion>,
    },
    /// List the routes and their complaint types
    List {
        /// Only this route (code or Chinese name, e.g. 矛盾纠纷)
        #[arg(long)]
        route: Option<Route>,
        /// Use this list version (e.g. 2026-Q4) instead of the current one
        #[arg(long)]
        version: Option<ListVersion>,
    },
}

/// Today in China Standard Time (the law's calendar), whatever the machine's zone: the
/// only place the rules commands read the clock.
fn local_today() -> NaiveDate {
    fengqiao_store::now_cst().date_naive()
}

/// Runs `fengqiao deadline`, printing to stdout.
///
/// The calendar starts from `base`: the store's (embedded years plus the office's
/// overrides) when a data directory is set up, else the embedded years.
pub fn run_deadline(
    args: &DeadlineArgs,
    json: bool,
    base: Option<HolidayCalendar>,
    county_extension_from: ExtensionBase,
) -> Result<()> {
    let mut calendar = base.unwrap_or_else(HolidayCalendar::embedded);
    for path in &args.calendar_files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading holiday notice {}", path.display()))?;
        calendar = calendar
            .with_year_toml(&text)
            .with_context(|| format!("loading holiday notice {}", path.display()))?;
    }
    let today = args.today.unwrap_or_else(local_today);
    let mut stdout = crate::out::stdout();
    run_deadline_to(
        args,
        json,
        &calendar,
        county_extension_from,
        today,
        &mut stdout,
    )
}

/// Runs `fengqiao deadline` against a given calendar and day, writing to `out`.
pub fn run_deadline_to(
    args: &DeadlineArgs,
    json: bool,
    calendar: &HolidayCalendar,
    county_extension_from: ExtensionBase,
    today: NaiveDate,
    out: &mut dyn Write,
) -> Result<()> {
    let extension_from = match &args.extension_from {
        None => county_extension_from,
        Some(text) => ExtensionBase::parse(text).with_context(|| {
            format!(
                "--extension-from “{text}” 无效；可选：{} (unknown extension base)",
                ExtensionBase::ALL
                    .iter()
                    .map(|b| format!("{}（{}）", b.code(), b.zh()))
                    .collect::<Vec<_>>()
                    .join("、")
            )
        })?,
    };
    let adjust = Adjustments {
        extension_days: args.extension_days,
        extension_from,
        excluded_days: args.excluded_days,
    };
    let dl = deadline(calendar, args.clock, args.start, adjust)
        .with_context(|| format!("computing {} from {}", args.clock, args.start))?;
    let thresholds = DueThresholds::default();
    if json {
        let value = deadline_json(&dl, today, &thresholds);
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?).context("writing output")?;
    } else {
        write_deadline_text(&dl, today, &thresholds, out).context("writing output")?;
    }
    Ok(())
}

/// The JSON form of a deadline: `clock`, `start`, `due`, `article` and the details.
pub fn deadline_json(dl: &Deadline, today: NaiveDate, thresholds: &DueThresholds) -> Value {
    let status = dl.status(today, thresholds);
    let (period_kind, period_days) = match dl.period {
        Period::CalendarDays(n) => ("calendar-days", n),
        Period::WorkingDays(n) => ("working-days", n),
    };
    json!({
        "clock": dl.clock.code(),
        "name": dl.clock.zh(),
        "start": dl.start.to_string(),
        "due": dl.due.to_string(),
        "due_weekday": weekday_zh(dl.due.weekday()),
        "article": dl.article(),
        "clause": dl.clock.clause(),
        "source": dl.clock.source(),
        "citation": dl.citation(),
        "period": dl.period.to_string(),
        "period_kind": period_kind,
        "period_days": period_days,
        "extends": dl.extends.map(|d| d.to_string()),
        "excluded_days": dl.excluded_days,
        "nominal_end": dl.nominal_end.to_string(),
        "certain": dl.is_certain(),
        "uncertain_years": dl.uncertain_years,
        "warnings": dl.diagnostics().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "today": today.to_string(),
        "status": status.code(),
        "status_zh": status.to_string(),
    })
}

fn write_deadline_text(
    dl: &Deadline,
    today: NaiveDate,
    thresholds: &DueThresholds,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let clock = dl.clock;
    writeln!(out, "{} {}（{}）", clock.code(), clock.zh(), dl.period)?;
    writeln!(
        out,
        "起算  {}（{}，当日不计入）",
        dl.start,
        clock.starts_zh()
    )?;
    if let Some(base) = dl.extends {
        writeln!(
            out,
            "延长  自 {base} 起延长 {}（T5 为原办理期限）",
            dl.period
        )?;
    }
    if dl.excluded_days > 0 {
        writeln!(out, "扣除  听证 {} 日不计入", dl.excluded_days)?;
    }
    let rolled = if dl.nominal_end != dl.due {
        format!("（{} 为休息日，顺延）", dl.nominal_end)
    } else {
        String::new()
    };
    writeln!(
        out,
        "到期  {} {}{rolled}",
        dl.due,
        weekday_zh(dl.due.weekday())
    )?;
    writeln!(out, "依据  {}", dl.citation())?;
    writeln!(
        out,
        "状态  {}（截至 {today}）",
        dl.status(today, thresholds)
    )?;
    for warning in dl.diagnostics() {
        writeln!(out, "注意  {warning}")?;
    }
    Ok(())
}

/// Runs `fengqiao guide …`, printing to stdout.
pub fn run_guide(cmd: &GuideCommand, json: bool) -> Result<()> {
    let mut stdout = crate::out::stdout();
    run_guide_to(cmd, json, &Guide::embedded(), local_today(), &mut stdout)
}

/// Picks the list version asked for, or the one in force on `today`.
fn pick_list(guide: &Guide, version: Option<ListVersion>, today: NaiveDate) -> Result<&GuideList> {
    match version {
        Some(v) => guide.version(v).with_context(|| {
            let known: Vec<String> = guide.versions().map(|l| l.version.to_string()).collect();
            format!(
                "清单版本 {v} 未载入；已有：{} (list version not loaded)",
                known.join("、")
            )
        }),
        None => guide
            .current(today)
            .context("没有载入任何分类清单 (no classification list loaded)"),
    }
}

/// Runs `fengqiao guide …` against a given guide and day, writing to `out`.
pub fn run_guide_to(
    cmd: &GuideCommand,
    json: bool,
    guide: &Guide,
    today: NaiveDate,
    out: &mut dyn Write,
) -> Result<()> {
    match cmd {
        GuideCommand::Search {
            words,
            limit,
            version,
        } => {
            let list = pick_list(guide, *version, today)?;
            let query = words.join(" ");
            let hits = list.search(&query);
            if json {
                let results: Vec<Value> = hits
                    .iter()
                    .take(*limit)
                    .map(|h| {
                        let mut v = type_json(h.entry);
                        v["score"] = json!(h.score);
                        v["matched"] = json!(h.matched);
                        v
                    })
                    .collect();
                let value = json!({ "version": list.version.to_string(), "query": query, "results": results });
                writeln!(out, "{}", serde_json::to_string_pretty(&value)?)
                    .context("writing output")?;
                return Ok(());
            }
            if hits.is_empty() {
                writeln!(
                    out,
                    "未找到与“{query}”相符的类型（清单 {}）；可换个说法，或用 `fengqiao guide list` 浏览",
                    list.version
                )?;
                return Ok(());
            }
            writeln!(out, "清单 {}：“{query}” 的分类结果", list.version)?;
            for (i, h) in hits.iter().take(*limit).enumerate() {
                let t = h.entry;
                let route = route_info(t.route);
                writeln!(out)?;
                writeln!(out, "{}. {}  [{}]  → {}", i + 1, t.name, t.id, t.route.zh())?;
                writeln!(out, "   途径依据  {}", route.legal_basis)?;
                writeln!(out, "   主管单位  {}", t.body)?;
                writeln!(out, "   法律依据  {}", t.law)?;
                writeln!(out, "   匹配      {}", h.matched.join("；"))?;
            }
        }
        GuideCommand::List { route, version } => {
            let list = pick_list(guide, *version, today)?;
            let routes: Vec<Route> = match route {
                Some(r) => vec![*r],
                None => Route::ALL.to_vec(),
            };
            if json {
                let value = json!({
                    "version": list.version.to_string(),
                    "title": list.title,
                    "routes": routes.iter().map(|r| {
                        let info = route_info(*r);
                        json!({
                            "route": r.code(),
                            "route_zh": r.zh(),
                            "meaning": info.meaning,
                            "legal_basis": info.legal_basis,
                            "bodies": info.bodies,
                            "runs_handling_clock": info.runs_handling_clock,
                            "types": list.on_route(*r).map(type_json).collect::<Vec<_>>(),
                        })
                    }).collect::<Vec<_>>(),
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&value)?)
                    .context("writing output")?;
                return Ok(());
            }
            writeln!(out, "{}（{}）", list.title, list.version)?;
            for r in routes {
                let info = route_info(r);
                writeln!(out)?;
                writeln!(out, "【{}】{}", r.zh(), info.meaning)?;
                writeln!(out, "  依据：{}", info.legal_basis)?;
                writeln!(out, "  主管：{}", info.bodies)?;
                for t in list.on_route(r) {
                    writeln!(out, "  - {}  [{}]  {}", t.name, t.id, t.body)?;
                }
            }
        }
    }
    Ok(())
}

fn type_json(t: &fengqiao_rules::guide::ComplaintType) -> Value {
    let route = route_info(t.route);
    json!({
        "id": t.id,
        "name": t.name,
        "route": t.route.code(),
        "route_zh": t.route.zh(),
        "content_type": t.content_type.code(),
        "content_type_zh": t.content_type.zh(),
        "legal_basis": route.legal_basis,
        "body": t.body,
        "law": t.law,
        "keywords": t.keywords,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn deadline_output(clock: &str, start: &str, json: bool) -> String {
        let args = DeadlineArgs {
            clock: ClockId::parse(clock).unwrap_or_else(|e| panic!("{e}")),
            start: d(start),
            extension_days: None,
            extension_from: None,
            excluded_days: 0,
            today: None,
            calendar_files: Vec::new(),
        };
        let mut out = Vec::new();
        run_deadline_to(
            &args,
            json,
            &HolidayCalendar::embedded(),
            ExtensionBase::default(),
            d("2026-05-08"),
            &mut out,
        )
        .unwrap_or_else(|e| panic!("{e:#}"));
        String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn deadline_json_matches_the_worked_example() {
        let v: Value = serde_json::from_str(&deadline_output("T4", "2026-04-30", true))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["clock"], "T4");
        assert_eq!(v["start"], "2026-04-30");
        assert_eq!(v["due"], "2026-05-11");
        assert_eq!(v["article"], "第二十三条");
        assert_eq!(v["citation"], "《信访工作条例》第二十三条第三款");
        assert_eq!(v["status"], "ok"); // 3 days left; T4's due-soon threshold is 2
    }

    #[test]
    fn deadline_text_names_the_article() {
        let text = deadline_output("T4", "2026-04-30", false);
        assert!(text.contains("到期  2026-05-11 星期一"), "{text}");
        assert!(
            text.contains("依据  《信访工作条例》第二十三条第三款"),
            "{text}"
        );
    }

    #[test]
    fn guide_search_puts_the_homestead_dispute_first() {
        let cmd = GuideCommand::Search {
            words: vec!["宅基地".to_owned()],
            limit: 3,
            version: None,
        };
        let mut out = Vec::new();
        run_guide_to(&cmd, true, &Guide::embedded(), d("2026-11-26"), &mut out)
            .unwrap_or_else(|e| panic!("{e:#}"));
        let v: Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["version"], "2026-Q4");
        assert_eq!(v["results"][0]["route_zh"], "矛盾纠纷");
        // A dispute the organ mediates in its own handling is a 第（六）项 item (第三十三条).
        assert_eq!(
            v["results"][0]["legal_basis"],
            "《信访工作条例》第三十一条第（六）项、第三十三条、第三十四条、第三十七条"
        );
        assert_eq!(v["results"][0]["content_type"], "claim");
    }
}
