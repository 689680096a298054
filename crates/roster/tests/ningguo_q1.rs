//! Ningguo's rules (examples/roster/ningguo.toml) generate Q1 2026 satisfying every rule,
//! checked slot by slot, Spring Festival included (2026-02-15…23 off; Sat 14 and Sat 28
//! February are working days).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use common::{calendar, d, ningguo};
use fengqiao_model::{LeaderId, LeaderLevel};
use fengqiao_roster::days::week_monday;
use fengqiao_roster::{
    DiagnosticKind, Generation, Period, RosterRules, RosterState, Severity, Slot, SlotKind, check,
    generate,
};

fn q1() -> Period {
    Period::quarter(2026, 1).unwrap_or_else(|e| panic!("{e}"))
}

fn generated() -> (RosterRules, Generation) {
    let rules = ningguo();
    let generation = generate(&rules, &calendar(), &RosterState::new(), &[], q1());
    (rules, generation)
}

fn of_rule<'a>(g: &'a Generation, rule: &str) -> Vec<&'a Slot> {
    g.roster.iter().filter(|s| s.rule == rule).collect()
}

fn level(rules: &RosterRules, id: LeaderId) -> LeaderLevel {
    rules
        .leader(id)
        .map(|l| l.level)
        .unwrap_or_else(|| panic!("unknown leader {id}"))
}

#[test]
fn every_reception_is_on_a_working_day_and_none_in_spring_festival() {
    let (_, g) = generated();
    let cal = calendar();
    for slot in g.roster.iter().filter(|s| s.kind == SlotKind::Reception) {
        assert!(
            cal.is_working_day(slot.date),
            "{} {} is a rest day",
            slot.rule,
            slot.date
        );
        assert!(
            !(d(2026, 2, 15)..=d(2026, 2, 23)).contains(&slot.date),
            "reception in Spring Festival: {slot:?}"
        );
    }
    // The make-up Saturday before the festival is a working day and may be used.
    assert!(cal.is_working_day(d(2026, 2, 14)) && cal.is_working_day(d(2026, 2, 28)));
}

#[test]
fn two_city_leaders_every_week_on_the_expected_days() {
    let (_, g) = generated();
    let dates: Vec<NaiveDate> = of_rule(&g, "city-weekly").iter().map(|s| s.date).collect();
    // Two seats a week, spread over the week's working days (Tue and Thu in a plain week).
    // Week of 29 Dec: Dec 30 belongs to 2025, Sun 4 Jan is a make-up working day.
    // Week of 9 Feb has six working days (Sat 14 is worked): Tue and Fri.
    // Week of 16 Feb is all holiday: no seat. Week of 23 Feb works Tue–Sat: Wed and Fri.
    // Week of 30 Mar: Tue 31 Mar is in Q1, Thu 2 Apr is not.
    let expected = [
        (1, 4),
        (1, 6),
        (1, 8),
        (1, 13),
        (1, 15),
        (1, 20),
        (1, 22),
        (1, 27),
        (1, 29),
        (2, 3),
        (2, 5),
        (2, 10),
        (2, 13),
        (2, 25),
        (2, 27),
        (3, 3),
        (3, 5),
        (3, 10),
        (3, 12),
        (3, 17),
        (3, 19),
        (3, 24),
        (3, 26),
        (3, 31),
    ];
    let expected: Vec<NaiveDate> = expected.iter().map(|&(m, day)| d(2026, m, day)).collect();
    assert_eq!(dates, expected);
    // Within a week: two different leaders, on two different days.
    let mut weeks: BTreeMap<NaiveDate, Vec<&Slot>> = BTreeMap::new();
    for slot in of_rule(&g, "city-weekly") {
        weeks.entry(week_monday(slot.date)).or_default().push(slot);
    }
    for (monday, slots) in &weeks {
        let leaders: BTreeSet<LeaderId> = slots.iter().map(|s| s.leader).collect();
        assert_eq!(
            leaders.len(),
            slots.len(),
            "a leader twice in the week of {monday}"
        );
    }
    let explained = g.diagnostics.iter().any(|x| {
        x.rule.as_deref() == Some("city-weekly")
            && x.kind
                == DiagnosticKind::NoReceptionDay {
                    week_of: d(2026, 2, 16),
                    township: None,
                }
    });
    assert!(
        explained,
        "the Spring Festival week is not explained: {:?}",
        g.diagnostics
    );
}

#[test]
fn principal_leaders_twice_a_month_in_different_weeks() {
    let (rules, g) = generated();
    let principals: Vec<LeaderId> = rules
        .leaders
        .iter()
        .filter(|l| l.level == LeaderLevel::CityPrincipal)
        .map(|l| l.id)
        .collect();
    assert_eq!(principals.len(), 2);
    let city = of_rule(&g, "city-weekly");
    for month in 1..=3 {
        for &p in &principals {
            let slots: Vec<&&Slot> = city
                .iter()
                .filter(|s| s.leader == p && s.date.month() == month)
                .collect();
            assert_eq!(slots.len(), 2, "principal {p} in month {month}: {slots:?}");
            assert_ne!(week_monday(slots[0].date), week_monday(slots[1].date));
        }
        // The principals' four receptions leave the rest of the month's seats to the others.
        let others = city
            .iter()
            .filter(|s| s.date.month() == month && level(&rules, s.leader) == LeaderLevel::City)
            .count();
        let all = city.iter().filter(|s| s.date.month() == month).count();
        assert_eq!(others, all - 4);
    }
}

#[test]
fn other_city_leaders_share_the_rest_evenly() {
    let (rules, g) = generated();
    let mut counts: BTreeMap<LeaderId, usize> = rules
        .leaders
        .iter()
        .filter(|l| l.level == LeaderLevel::City)
        .map(|l| (l.id, 0))
        .collect();
    for slot in of_rule(&g, "city-weekly") {
        if let Some(c) = counts.get_mut(&slot.leader) {
            *c += 1;
        }
    }
    assert_eq!(counts.len(), 8);
    let (min, max) = (
        counts.values().min().copied(),
        counts.values().max().copied(),
    );
    assert!(
        min >= Some(1),
        "every city leader receives in the quarter: {counts:?}"
    );
    assert!(
        max.zip(min).is_some_and(|(max, min)| max - min <= 1),
        "spread over 1: {counts:?}"
    );
}

#[test]
fn township_principals_every_monday_in_their_own_township() {
    let (rules, g) = generated();
    let townships: BTreeSet<String> = rules
        .leaders
        .iter()
        .filter_map(|l| l.township.clone())
        .collect();
    assert_eq!(townships.len(), 10);
    let cal = calendar();
    // The expected day of each week: Monday, or the next working day of that week.
    let mut expected = Vec::new();
    let mut monday = d(2025, 12, 29);
    while monday <= d(2026, 3, 31) {
        assert_eq!(monday.weekday(), Weekday::Mon);
        let day = (0..7)
            .map(|i| monday + chrono::Duration::days(i))
            .find(|day| cal.is_working_day(*day));
        if let Some(day) = day.filter(|day| q1().contains(*day)) {
            expected.push(day);
        }
        monday += chrono::Duration::days(7);
    }
    assert!(!expected.contains(&d(2026, 2, 16)) && !expected.contains(&d(2026, 2, 23)));
    assert!(
        expected.contains(&d(2026, 2, 24)),
        "Mon 23 Feb rolls to Tue 24 Feb"
    );
    assert_eq!(expected.len(), 12);
    let monday_slots = of_rule(&g, "township-monday");
    for township in &townships {
        let slots: Vec<&&Slot> = monday_slots
            .iter()
            .filter(|s| s.township.as_ref() == Some(township))
            .collect();
        let dates: Vec<NaiveDate> = slots.iter().map(|s| s.date).collect();
        assert_eq!(dates, expected, "{township}");
        let mut per_leader: BTreeMap<LeaderId, usize> = BTreeMap::new();
        for slot in &slots {
            let leader = rules
                .leader(slot.leader)
                .unwrap_or_else(|| panic!("unknown leader"));
            assert_eq!(
                leader.township.as_ref(),
                Some(township),
                "a leader outside {township}"
            );
            assert_eq!(leader.level, LeaderLevel::TownshipPrincipal);
            assert!(
                slot.place.contains(township.as_str()),
                "place {} is not in {township}",
                slot.place
            );
            *per_leader.entry(slot.leader).or_default() += 1;
        }
        // Secretary and head take turns: 6 each.
        assert_eq!(
            per_leader.values().copied().collect::<Vec<_>>(),
            vec![6, 6],
            "{township}"
        );
    }
}

#[test]
fn an_on_call_city_leader_every_day_including_holidays() {
    let (rules, g) = generated();
    let on_call = of_rule(&g, "city-on-call");
    for day in q1().from.iter_days().take_while(|day| *day <= q1().to) {
        let covering: Vec<&&Slot> = on_call.iter().filter(|s| s.spans(day)).collect();
        assert_eq!(covering.len(), 1, "{day}");
        assert_eq!(level(&rules, covering[0].leader), LeaderLevel::City);
    }
}

#[test]
fn no_conflicts_and_only_explanations() {
    let (rules, g) = generated();
    let mut state = RosterState::new();
    state.apply_all(g.records.clone());
    let conflicts = check(&rules, &calendar(), &state, &[], q1());
    assert!(conflicts.is_empty(), "{conflicts:?}");
    let warnings: Vec<String> = g
        .diagnostics
        .iter()
        .filter(|x| x.severity != Severity::Info)
        .map(|x| x.to_string())
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert!(g.diagnostics.iter().any(|x| x.kind
        == DiagnosticKind::Rolled {
            nominal: d(2026, 2, 23),
            date: d(2026, 2, 24),
            township: None
        }));
    // Every leader in the rules with a reception or duty in Q1.
    let serving: BTreeSet<LeaderId> = g.roster.iter().map(|s| s.leader).collect();
    assert_eq!(serving.len(), rules.leaders.len());
}

#[test]
fn same_inputs_same_roster_and_month_by_month_equals_the_quarter() {
    let (rules, once) = generated();
    let (_, twice) = generated();
    assert_eq!(once, twice);

    let cal = calendar();
    let mut state = RosterState::new();
    for month in 1..=3 {
        let period = Period::month(2026, month).unwrap_or_else(|e| panic!("{e}"));
        let g = generate(&rules, &cal, &state, &[], period);
        state.apply_all(g.records);
    }
    let by_month: Vec<(String, NaiveDate, LeaderId)> = state
        .live_slots()
        .iter()
        .filter(|s| q1().overlaps(s.date, s.through))
        .map(|s| (s.rule.clone(), s.date, s.leader))
        .collect();
    let mut at_once: Vec<(String, NaiveDate, LeaderId)> = once
        .roster
        .iter()
        .map(|s| (s.rule.clone(), s.date, s.leader))
        .collect();
    let mut by_month_sorted = by_month;
    by_month_sorted.sort();
    at_once.sort();
    assert_eq!(by_month_sorted, at_once);
}
