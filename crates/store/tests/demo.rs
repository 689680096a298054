//! The demo county tells a plausible story: an office that keeps most of its deadlines.
//! Measured with the code the app's 今日 and 统计 views use (`Store::clock_index`,
//! `Reports::build`) on the county the app's first start and `fengqiao demo` both make.

use chrono::NaiveDate;
use fengqiao_model::CaseStatus;
use fengqiao_store::demo::{self, DEMO_CASES, DemoOptions};
use fengqiao_store::reports::Reports;
use fengqiao_store::{CaseFilter, now_cst};

fn check(end: NaiveDate) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo::create_county(
        dir.path(),
        DemoOptions {
            cases: DEMO_CASES,
            seed: 1,
            end,
        },
        |_| {},
    )
    .expect("demo county");
    let rows = store.list_cases(&CaseFilter::default()).expect("cases");
    let calendar = store.holiday_calendar().expect("calendar");
    // As the app sees it on the day the demo was made.
    let clocks = store.clock_index(&calendar, end).expect("clocks");
    let report = Reports::build(&rows, &clocks);

    // 今日: the overdue list against the open cases it counts.
    let open_today = rows.iter().filter(|r| r.status.is_open()).count();
    let today_rate = clocks.overdue.len() as f64 * 100.0 / open_today as f64;
    // 统计: the overdue rate.
    let reports_rate = report.overdue_percent();
    for (view, rate) in [("今日", today_rate), ("统计", reports_rate)] {
        assert!(
            (2.0..=10.0).contains(&rate),
            "{end}: {view} shows {rate:.1}% overdue ({} of {open_today} open)",
            clocks.overdue.len()
        );
    }

    // Late by days or weeks, as supervision would find them; never for a year.
    let latest_due = clocks
        .overdue
        .iter()
        .filter_map(|id| clocks.per_case.get(id)?.next.as_ref().map(|c| c.due))
        .min()
        .expect("an overdue clock");
    assert!(
        (end - latest_due).num_days() <= 60,
        "{end}: a clock {} days overdue",
        (end - latest_due).num_days()
    );
    assert!(!clocks.due_soon.is_empty(), "{end}: nothing due soon");

    // Most cases of the year are finished; some are in review; closed ones are evaluated
    // and visited again.
    let count = |s: CaseStatus| rows.iter().filter(|r| r.status == s).count();
    assert!(
        report.open * 4 < report.total,
        "{end}: {} of {} still open",
        report.open,
        report.total
    );
    assert!(
        count(CaseStatus::Closed) * 2 > report.total,
        "{end}: few closed"
    );
    assert!(
        count(CaseStatus::UnderReview) > 0,
        "{end}: nothing in review"
    );
    assert!(
        count(CaseStatus::InProgress) > 0,
        "{end}: nothing in progress"
    );
    let e = &report.evaluation;
    assert!(e.reply_quality.evaluated() * 2 > count(CaseStatus::Closed));
    assert!(
        e.follow_up_rate_percent().is_some_and(|r| r > 90.0),
        "{end}: follow-ups {e:?}"
    );
    store.close();
}

#[test]
fn the_demo_county_is_mostly_on_time_as_its_views_show_it_today() {
    check(now_cst().date_naive());
}

#[test]
fn the_demo_county_is_mostly_on_time_just_after_the_spring_festival() {
    // Deadlines rolled past the 2026 Spring Festival (February 15–23 off). A demo's events
    // cannot be later than the real today, so its end is a day that has passed.
    check(NaiveDate::from_ymd_opt(2026, 2, 26).expect("date"));
}
