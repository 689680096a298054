//! 统计: counts by route, status, township and month, and the overdue rate.
//!
//! Built once when the case list or the clocks change, never per frame.

use std::collections::BTreeMap;

use chrono::Datelike;
use fengqiao_model::{CaseStatus, Route};

use super::{CaseRow, ClockIndex};

/// The numbers the 统计 view charts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reports {
    pub total: usize,
    pub open: usize,
    /// Open cases with an overdue clock.
    pub overdue: usize,
    /// In the order of [`Route::ALL`]; the last entry counts cases not yet routed.
    pub by_route: Vec<(String, usize)>,
    /// In the order of [`CaseStatus::ALL`], statuses with no case left out.
    pub by_status: Vec<(String, usize)>,
    /// By township, most cases first.
    pub by_township: Vec<(String, usize)>,
    /// `YYYY-MM` → cases received that month, in order.
    pub by_month: Vec<(String, usize)>,
    /// Whether the clocks have been computed (the rate is 0 until then).
    pub clocks_known: bool,
    /// Satisfaction evaluations (per dimension) and follow-up tasks, with the clocks.
    pub evaluation: fengqiao_rules::EvaluationTally,
}

impl Reports {
    /// Counts `rows`; the overdue figures come from `clocks`.
    pub fn build(rows: &[CaseRow], clocks: &ClockIndex, unrouted_label: &str) -> Reports {
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
        let mut route_counts: Vec<(String, usize)> = Route::ALL
            .iter()
            .map(|r| {
                (
                    r.zh().to_owned(),
                    by_route.get(&Some(*r)).copied().unwrap_or(0),
                )
            })
            .collect();
        route_counts.push((
            unrouted_label.to_owned(),
            by_route.get(&None).copied().unwrap_or(0),
        ));
        let mut townships: Vec<(String, usize)> = by_township
            .into_iter()
            .map(|(t, n)| (t.to_owned(), n))
            .collect();
        townships.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Reports {
            total: rows.len(),
            open,
            overdue,
            by_route: route_counts,
            by_status: CaseStatus::ALL
                .iter()
                .filter_map(|s| by_status.get(s).map(|n| (s.zh().to_owned(), *n)))
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
