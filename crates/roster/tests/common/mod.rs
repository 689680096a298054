//! Helpers shared by the roster's integration tests.
#![allow(dead_code)] // Each test file uses a different subset.

use chrono::NaiveDate;
use fengqiao_roster::RosterRules;
use fengqiao_rules::calendar::HolidayCalendar;

/// The Ningguo example rules from the repository.
pub fn ningguo() -> RosterRules {
    let text = include_str!("../../../../examples/roster/ningguo.toml");
    match RosterRules::from_toml(text) {
        Ok(rules) => rules,
        Err(e) => panic!("examples/roster/ningguo.toml: {e}"),
    }
}

/// The embedded State Council calendars (2025, 2026).
pub fn calendar() -> HolidayCalendar {
    HolidayCalendar::embedded()
}

/// A date from literals that are known to be valid.
pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_else(|| panic!("bad date {y}-{m}-{day}"))
}

/// `date` at `hh:mm` Beijing time (a moment for publications and changes).
pub fn cst(date: NaiveDate, hh: u32, mm: u32) -> chrono::DateTime<chrono::FixedOffset> {
    let zone = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| panic!("UTC+8"));
    date.and_hms_opt(hh, mm, 0)
        .and_then(|t| t.and_local_timezone(zone).single())
        .unwrap_or_else(|| panic!("bad time {date} {hh}:{mm}"))
}
