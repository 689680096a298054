//! Where the county's cases stand, as the app's 今日 and 统计 views and the CLI's
//! `case list --overdue` and `fengqiao report` all show it: one computation, so a figure
//! on the screen and the same figure in a terminal never disagree.
//!
//! - [`index`]: the clocks of every open case as of a day (overdue, due soon, the next
//!   clock), computed with `fengqiao-rules` from each case's registration and events.
//! - [`Reports::build`]: counts by route, status, township and month, the overdue rate,
//!   and the satisfaction and follow-up figures, from the case list and the index.
//!
//! Pure: the store's [`crate::Store::clock_index`] feeds it what it reads.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use fengqiao_model::{CaseEvent, CaseId, CaseStatus, Registration, Route};
use fengqiao_rules::{
    ClockKind, ClockReport, ClockState, DueStatus, DueThresholds, EvaluationTally, HolidayCalendar,
    LawContext, case_clocks,
};
use serde::Serialize;

use crate::CaseSummary;

/// "Due soon" on 今日: a running clock due within this many days.
pub const DUE_SOON_DAYS: i64 = 5;

/// One clock of a case as a line: its name, article, dates and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockLine {
    /// e.g. `T4 受理告知`.
    pub name: String,
    /// e.g. `《信访工作条例》第二十三条`.
    pub citation: String,
    pub start: NaiveDate,
    pub due: NaiveDate,
    /// Where it stands, in Chinese (running/met/lapsed…).
    pub state: String,
    pub running: bool,
    pub overdue: bool,
    /// The due date relies on a year without a holiday notice.
    pub uncertain: bool,
}

/// One clock report as a line.
pub fn clock_line(report: &ClockReport) -> ClockLine {
    let d = &report.deadline;
    ClockLine {
        name: format!("{} {}", d.clock.code(), d.clock.zh()),
        citation: d.citation(),
        start: d.start,
        due: d.due,
        state: report.state.to_string(),
        running: matches!(report.state, ClockState::Running(_)),
        overdue: matches!(report.state, ClockState::Running(DueStatus::Overdue { .. })),
        uncertain: !d.uncertain_years.is_empty(),
    }
}

/// Where one open case's clocks stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClockFlag {
    /// A running clock is past its due date.
    pub overdue: bool,
    /// The most urgent running duty, else the most urgent running window.
    pub next: Option<ClockLine>,
}

/// The clocks of every open case as of `today`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClockIndex {
    pub today: Option<NaiveDate>,
    pub per_case: HashMap<CaseId, CaseClockFlag>,
    /// Cases with an overdue clock, the longest waiting first.
    pub overdue: Vec<CaseId>,
    /// Cases whose next duty falls due within [`DUE_SOON_DAYS`], the soonest first.
    pub due_soon: Vec<CaseId>,
    /// Satisfaction evaluations and follow-up tasks of every case (open or not).
    pub evaluation: EvaluationTally,
}

impl ClockIndex {
    /// Whether `case` has an overdue clock.
    pub fn is_overdue(&self, case: &CaseId) -> bool {
        self.per_case.get(case).is_some_and(|f| f.overdue)
    }
}

/// The clocks of every open case among `cases` (id, registration, sorted events); `law`
/// (the store's `law_context`) says which kind of unit received each case.
pub fn index<'a>(
    cases: impl Iterator<Item = (CaseId, &'a Registration, &'a [CaseEvent])>,
    calendar: &HolidayCalendar,
    law: &LawContext,
    today: NaiveDate,
) -> ClockIndex {
    let mut index = ClockIndex {
        today: Some(today),
        ..ClockIndex::default()
    };
    let thresholds = DueThresholds::default();
    let mut overdue = Vec::new();
    let mut due_soon = Vec::new();
    for (id, registration, events) in cases {
        // Evaluations and follow-ups count for every case, closed ones above all.
        index.evaluation.add_case(events, today);
        let status = fengqiao_model::event::status_of(events);
        if !status.is_open() || status == CaseStatus::Final {
            continue;
        }
        let facts = law.facts(registration);
        let clocks = case_clocks(&facts, events, calendar, today, &thresholds);
        let is_overdue = clocks.overdue().next().is_some();
        // What the office must do next: its most urgent duty. A window (the unit's
        // objection, the petitioner's review) asks nothing of it, so it is shown only when
        // no duty runs, and never as due soon.
        let duty = clocks
            .running()
            .filter(|c| c.deadline.clock.kind() == ClockKind::Duty)
            .min_by_key(|c| c.deadline.due);
        let next = duty
            .or_else(|| clocks.running().min_by_key(|c| c.deadline.due))
            .map(clock_line);
        if is_overdue {
            overdue.push((registration.received_on, id));
        } else if let Some(duty) = duty
            && duty.deadline.due <= today + chrono::Duration::days(DUE_SOON_DAYS)
        {
            due_soon.push((duty.deadline.due, id));
        }
        index.per_case.insert(
            id,
            CaseClockFlag {
                overdue: is_overdue,
                next,
            },
        );
    }
    overdue.sort();
    due_soon.sort();
    index.overdue = overdue.into_iter().map(|(_, id)| id).collect();
    index.due_soon = due_soon.into_iter().map(|(_, id)| id).collect();
    index
}

/// The county's figures: what 统计 charts and `fengqiao report` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reports {
    pub total: usize,
    pub open: usize,
    /// Open cases with an overdue clock.
    pub overdue: usize,
    /// Every route in the order of [`Route::ALL`], then `None`: cases not yet routed.
    pub by_route: Vec<(Option<Route>, usize)>,
    /// In the order of [`CaseStatus::ALL`], statuses with no case left out.
    pub by_status: Vec<(CaseStatus, usize)>,
    /// By township, most cases first.
    pub by_township: Vec<(String, usize)>,
    /// `YYYY-MM` → cases received that month, in order.
    pub by_month: Vec<(String, usize)>,
    /// Whether the clocks have been computed (the overdue figures are 0 until then).
    pub clocks_known: bool,
    /// Satisfaction evaluations (per dimension) and follow-up tasks.
    pub evaluation: EvaluationTally,
}

impl Reports {
    /// Counts `rows`; the overdue and evaluation figures come from `clocks`.
    pub fn build(rows: &[CaseSummary], clocks: &ClockIndex) -> Reports {
        let mut by_route: BTreeMap<Option<Route>, usize> = BTreeMap::new();
        let mut by_status: BTreeMap<CaseStatus, usize> = BTreeMap::new();
        let mut by_township: BTreeMap<&str, usize> = BTreeMap::new();
        let mut by_month: BTreeMap<(i32, u32), usize> = BTreeMap::new();
        let mut open = 0;
        let mut overdue = 0;
        for row in rows {
            *by_route.entry(row.route).or_default() += 1;
            *by_status.entry(row.status).or_default() += 1;
            *by_township.entry(row.township.as_str()).or_default() += 1;
            *by_month
                .entry((row.received_on.year(), row.received_on.month()))
                .or_default() += 1;
            if row.status.is_open() {
                open += 1;
                if clocks.is_overdue(&row.id) {
                    overdue += 1;
                }
            }
        }
        let mut townships: Vec<(String, usize)> = by_township
            .into_iter()
            .map(|(t, n)| (t.to_owned(), n))
            .collect();
        townships.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Reports {
            total: rows.len(),
            open,
            overdue,
            by_route: Route::ALL
                .iter()
                .map(|r| Some(*r))
                .chain([None])
                .map(|r| (r, by_route.get(&r).copied().unwrap_or(0)))
                .collect(),
            by_status: CaseStatus::ALL
                .iter()
                .filter_map(|s| by_status.get(s).map(|n| (*s, *n)))
                .collect(),
            by_township: townships,
            by_month: by_month
                .into_iter()
                .map(|((y, m), n)| (format!("{y}-{m:02}"), n))
                .collect(),
            clocks_known: clocks.today.is_some(),
            evaluation: clocks.evaluation,
        }
    }

    /// Overdue open cases as a share of open cases, 0–100.
    pub fn overdue_percent(&self) -> f64 {
        if self.open == 0 {
            0.0
        } else {
            self.overdue as f64 * 100.0 / self.open as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: u128, township: &str, status: CaseStatus, route: Option<Route>) -> CaseSummary {
        CaseSummary {
            id: CaseId(uuid::Uuid::from_u128(n)),
            number: format!("T-{n}"),
            source_number: String::new(),
            received_on: NaiveDate::from_ymd_opt(2026, 1 + (n % 3) as u32, 5).unwrap_or_default(),
            township: township.into(),
            village: String::new(),
            petitioner: String::new(),
            request: String::new(),
            channel: String::new(),
            route,
            status,
            has_conflicts: false,
            document: String::new(),
        }
    }

    #[test]
    fn every_case_is_counted_once_and_the_rate_is_over_open_cases() {
        let rows = vec![
            row(1, "港口镇", CaseStatus::InProgress, Some(Route::Dispute)),
            row(2, "港口镇", CaseStatus::Closed, Some(Route::Dispute)),
            row(3, "梅林镇", CaseStatus::Replied, None),
            row(
                4,
                "梅林镇",
                CaseStatus::InProgress,
                Some(Route::PetitionRequest),
            ),
            row(5, "港口镇", CaseStatus::Registered, None),
        ];
        let late = CaseClockFlag {
            overdue: true,
            next: None,
        };
        let clocks = ClockIndex {
            today: NaiveDate::from_ymd_opt(2026, 6, 1),
            // Case 2 is closed: an overdue flag on it does not count.
            per_case: [(rows[0].id, late.clone()), (rows[1].id, late)]
                .into_iter()
                .collect(),
            ..ClockIndex::default()
        };
        let r = Reports::build(&rows, &clocks);
        assert_eq!((r.total, r.open, r.overdue), (5, 4, 1));
        assert!((r.overdue_percent() - 25.0).abs() < 1e-9);
        for counts in [
            r.by_route.iter().map(|(_, n)| *n).sum::<usize>(),
            r.by_status.iter().map(|(_, n)| *n).sum(),
            r.by_township.iter().map(|(_, n)| *n).sum(),
            r.by_month.iter().map(|(_, n)| *n).sum(),
        ] {
            assert_eq!(counts, 5);
        }
        assert_eq!(r.by_route.len(), Route::ALL.len() + 1);
        assert_eq!(r.by_route.last(), Some(&(None, 2)));
        assert_eq!(r.by_township[0], ("港口镇".to_owned(), 3));
    }
}
