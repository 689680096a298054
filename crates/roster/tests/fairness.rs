//! The fairness ledger over a year: weekdays spread, nobody always on the day before a
//! holiday, and every city leader at least once a year.

mod common;

use std::collections::BTreeMap;

use chrono::{Datelike, Weekday};
use common::{calendar, d, ningguo};
use fengqiao_model::LeaderId;
use fengqiao_roster::{Period, RosterRules, RosterState, Severity, generate};

#[test]
fn a_year_of_ningguo_spreads_weekdays_and_meets_the_yearly_minimum() {
    let rules = ningguo();
    let year = Period::year(2026).unwrap_or_else(|e| panic!("{e}"));
    let g = generate(&rules, &calendar(), &RosterState::new(), &[], year);
    // The yearly minimum is checked because the period reaches 31 December; it holds.
    assert!(
        g.diagnostics.iter().all(|x| x.severity == Severity::Info),
        "{:?}",
        g.diagnostics
    );
    let mut by_weekday: BTreeMap<LeaderId, [usize; 7]> = BTreeMap::new();
    for slot in g.roster.iter().filter(|s| s.rule == "city-weekly") {
        by_weekday.entry(slot.leader).or_default()
            [slot.date.weekday().num_days_from_monday() as usize] += 1;
    }
    assert_eq!(
        by_weekday.len(),
        10,
        "every city leader receives in the year"
    );
    for (leader, days) in &by_weekday {
        let tue = days[Weekday::Tue.num_days_from_monday() as usize];
        let thu = days[Weekday::Thu.num_days_from_monday() as usize];
        assert!(
            tue.abs_diff(thu) <= 2,
            "{leader} is mostly on one weekday: {days:?}"
        );
    }
}

const THURSDAYS: &str = r#"
county = "demo"
name = "示例县"
office = "示例县信访局"
[slot_types.county]
name = "县领导接访"
start = "09:00"
end = "12:00"
place = "县信访接待中心"
[[leaders]]
name = "甲"
title = "副县长"
level = "city"
[[leaders]]
name = "乙"
title = "副县长"
level = "city"
[[leaders]]
name = "丙"
title = "副县长"
level = "city"
[[leaders]]
name = "丁"
title = "副县长"
level = "city"
[[rules]]
kind = "weekly"
id = "thursday"
slot_type = "county"
per_week = 1
weekdays = ["thu"]
pool = { levels = ["city"] }
"#;

#[test]
fn nobody_is_always_on_the_day_before_a_holiday() {
    let rules = RosterRules::from_toml(THURSDAYS).unwrap_or_else(|e| panic!("{e}"));
    let year = Period::year(2026).unwrap_or_else(|e| panic!("{e}"));
    let g = generate(&rules, &calendar(), &RosterState::new(), &[], year);
    // In 2026 the Thursdays before a holiday are 30 April (劳动节), 18 June (端午) and
    // 24 September (中秋).
    let eves = [d(2026, 4, 30), d(2026, 6, 18), d(2026, 9, 24)];
    let on_eves: Vec<LeaderId> = eves
        .iter()
        .map(|eve| {
            g.roster
                .iter()
                .find(|s| s.date == *eve)
                .map(|s| s.leader)
                .unwrap_or_else(|| panic!("no slot on {eve}"))
        })
        .collect();
    let distinct: std::collections::BTreeSet<_> = on_eves.iter().collect();
    assert_eq!(distinct.len(), 3, "the eves went to {on_eves:?}");
}
