//! Properties over random leader pools, leave and holidays: nobody on leave is scheduled,
//! no reception falls on a rest day, quotas are met or explained, the load of a pool stays
//! within one slot per leader per quarter where the rules allow it, published slots never
//! move, and the same inputs give the same roster.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::Datelike;
use common::d;
use fengqiao_model::LeaderId;
use fengqiao_roster::{
    DiagnosticKind, Leave, LeaveId, Period, Record, RosterRules, RosterState, Slot, SlotKind,
    SlotState, changes, generate,
};
use fengqiao_rules::calendar::{Holiday, HolidayCalendar, MakeupDay, YearCalendar};
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone)]
struct Scenario {
    n_principals: usize,
    n_city: usize,
    townships: Vec<usize>,
    per_week: u32,
    quota: u32,
    on_call: bool,
    /// (leader index, first day offset in the quarter, length in days)
    leaves: Vec<(usize, i64, i64)>,
    /// (first day offset, length in days)
    holidays: Vec<(i64, i64)>,
    /// Day offsets of weekend days worked.
    makeup: Vec<i64>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        0usize..=2,
        1usize..=9,
        prop::collection::vec(1usize..=3, 0..=3),
        1u32..=3,
        1u32..=2,
        any::<bool>(),
        prop::collection::vec((0usize..40, 0i64..90, 1i64..25), 0..=6),
        prop::collection::vec((0i64..88, 1i64..10), 0..=3),
        prop::collection::vec(0i64..90, 0..=3),
    )
        .prop_map(
            |(
                n_principals,
                n_city,
                townships,
                per_week,
                quota,
                on_call,
                leaves,
                holidays,
                makeup,
            )| Scenario {
                n_principals,
                n_city,
                townships,
                per_week,
                quota,
                on_call,
                leaves,
                holidays,
                makeup,
            },
        )
}

fn rules_toml(s: &Scenario) -> String {
    let mut t = String::from(
        "county = \"prop\"\nname = \"测试县\"\noffice = \"测试县信访局\"\n\
         [slot_types.city]\nname = \"县领导接访\"\nstart = \"08:30\"\nend = \"11:30\"\nplace = \"县信访局\"\n\
         [slot_types.town]\nname = \"乡镇接访\"\nstart = \"09:00\"\nend = \"12:00\"\nplace = \"{township}\"\n",
    );
    for i in 0..s.n_principals {
        let _ = write!(
            t,
            "[[leaders]]\nname = \"主{i}\"\ntitle = \"主要领导\"\nlevel = \"city-principal\"\n"
        );
    }
    for i in 0..s.n_city {
        let _ = write!(
            t,
            "[[leaders]]\nname = \"市{i}\"\ntitle = \"副县长\"\nlevel = \"city\"\n"
        );
    }
    for (k, n) in s.townships.iter().enumerate() {
        for i in 0..*n {
            let _ = write!(
                t,
                "[[leaders]]\nname = \"镇{k}_{i}\"\ntitle = \"书记\"\nlevel = \"township-principal\"\ntownship = \"镇{k}\"\n"
            );
        }
    }
    let _ = write!(
        t,
        "[[rules]]\nkind = \"weekly\"\nid = \"weekly\"\nslot_type = \"city\"\nper_week = {}\npool = {{ levels = [\"city-principal\", \"city\"] }}\n",
        s.per_week
    );
    if s.n_principals > 0 {
        let _ = write!(
            t,
            "[[rules]]\nkind = \"monthly-quota\"\nid = \"quota\"\nwithin = \"weekly\"\nper_leader = {}\npool = {{ levels = [\"city-principal\"] }}\n",
            s.quota
        );
    }
    if !s.townships.is_empty() {
        t.push_str("[[rules]]\nkind = \"weekday\"\nid = \"monday\"\nslot_type = \"town\"\nweekday = \"mon\"\npool = { levels = [\"township-principal\"] }\n");
    }
    if s.on_call {
        t.push_str("[[rules]]\nkind = \"on-call\"\nid = \"on-call\"\nslot_type = \"city\"\npool = { levels = [\"city\"] }\n");
    }
    t
}

fn quarter() -> Period {
    Period::quarter(2026, 1).unwrap_or_else(|e| panic!("{e}"))
}

fn calendar_of(s: &Scenario) -> HolidayCalendar {
    let start = quarter().from;
    let holidays = s
        .holidays
        .iter()
        .enumerate()
        .map(|(i, (offset, len))| Holiday {
            name: format!("假期{i}"),
            start: start + chrono::Duration::days(*offset),
            end: start + chrono::Duration::days(offset + len - 1),
        })
        .collect();
    let makeup_workdays = s
        .makeup
        .iter()
        .map(|offset| start + chrono::Duration::days(*offset))
        .filter(|day| day.weekday().number_from_monday() >= 6)
        .map(|date| MakeupDay {
            name: "调休".into(),
            date,
        })
        .collect();
    HolidayCalendar::from_years([YearCalendar {
        year: 2026,
        notice: "随机".into(),
        holidays,
        makeup_workdays,
    }])
}

fn state_with_leave(rules: &RosterRules, s: &Scenario) -> RosterState {
    let mut state = RosterState::new();
    for (n, (who, offset, len)) in s.leaves.iter().enumerate() {
        let leader = rules.leaders[who % rules.leaders.len()].id;
        let from = quarter().from + chrono::Duration::days(*offset);
        state.apply(Record::Leave(Leave {
            id: LeaveId(Uuid::from_u128(n as u128 + 1)),
            leader,
            from,
            to: from + chrono::Duration::days(len - 1),
            reported_on: d(2025, 12, 1),
            reason: String::new(),
        }));
    }
    state
}

fn ever_on_leave(state: &RosterState, leader: LeaderId) -> bool {
    state
        .leave
        .values()
        .any(|l| l.leader == leader && l.overlaps(quarter().from, quarter().to))
}

fn spread_ok(counts: &BTreeMap<LeaderId, usize>) -> bool {
    match (counts.values().min(), counts.values().max()) {
        (Some(min), Some(max)) => max - min <= 1,
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn generation_keeps_every_rule_or_explains(s in scenario()) {
        let rules = RosterRules::from_toml(&rules_toml(&s)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let calendar = calendar_of(&s);
        let state = state_with_leave(&rules, &s);
        let g = generate(&rules, &calendar, &state, &[], quarter());

        // Same inputs, same roster.
        prop_assert_eq!(&g, &generate(&rules, &calendar, &state, &[], quarter()));

        for slot in &g.roster {
            // Nobody on leave is scheduled.
            prop_assert!(state.leave_on(slot.serving(), slot.date).is_none(), "{:?} on leave", slot);
            prop_assert!(!state.leave.values().any(|l| l.leader == slot.leader && l.overlaps(slot.date, slot.through)));
            // No reception on a rest day.
            if slot.kind == SlotKind::Reception {
                prop_assert!(calendar.is_working_day(slot.date), "{:?} on a rest day", slot);
            }
        }
        // Nobody in two places on one day.
        let mut days = std::collections::BTreeSet::new();
        for slot in g.roster.iter().filter(|s| s.kind == SlotKind::Reception) {
            prop_assert!(days.insert((slot.leader, slot.date)), "{:?} twice on one day", slot);
        }

        // Quotas: met exactly, or explained; never exceeded.
        for principal in rules.leaders.iter().filter(|l| l.level == fengqiao_model::LeaderLevel::CityPrincipal) {
            for month in 1..=3u32 {
                let got = g.roster.iter().filter(|x| x.rule == "weekly" && x.leader == principal.id && x.date.month() == month).count();
                let label = format!("2026-{month:02}");
                let explained = g.diagnostics.iter().any(|x| matches!(&x.kind,
                    DiagnosticKind::QuotaUnmet { leader, month, got: reported, .. }
                        if *leader == principal.name && *month == label && *reported as usize == got));
                prop_assert!(got <= s.quota as usize, "{} over quota in {}", principal.name, label);
                prop_assert!(got == s.quota as usize || explained, "{} has {} in {} unexplained: {:?}", principal.name, got, label, g.diagnostics);
            }
        }

        // Fairness: within one slot per quarter among the pool members who were never away
        // (and are not held to a quota).
        let mut pools: BTreeMap<String, BTreeMap<LeaderId, usize>> = BTreeMap::new();
        for leader in &rules.leaders {
            if ever_on_leave(&state, leader.id) {
                continue;
            }
            let pool = match leader.level {
                fengqiao_model::LeaderLevel::City => vec!["weekly".to_owned(), "on-call".to_owned()],
                fengqiao_model::LeaderLevel::TownshipPrincipal => vec![format!("monday/{}", leader.township.clone().unwrap_or_default())],
                _ => Vec::new(),
            };
            for p in pool {
                pools.entry(p).or_default().insert(leader.id, 0);
            }
        }
        for slot in &g.roster {
            let key = if slot.rule == "monday" { format!("monday/{}", slot.township.clone().unwrap_or_default()) } else { slot.rule.clone() };
            if let Some(count) = pools.get_mut(&key).and_then(|p| p.get_mut(&slot.leader)) {
                *count += 1;
            }
        }
        for (pool, counts) in &pools {
            prop_assert!(spread_ok(counts), "pool {} spread over 1: {:?}", pool, counts);
        }
    }

    #[test]
    fn published_slots_never_move(s in scenario(), publish_weeks in 1i64..10, more_leave in prop::collection::vec((0usize..40, 0i64..90, 1i64..20), 1..=4)) {
        let rules = RosterRules::from_toml(&rules_toml(&s)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let calendar = calendar_of(&s);
        let mut state = state_with_leave(&rules, &s);
        state.apply_all(generate(&rules, &calendar, &state, &[], quarter()).records);
        let published_until = quarter().from + chrono::Duration::days(7 * publish_weeks);
        let first_part = Period::new(quarter().from, published_until).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let published = changes::publish(&state, first_part, common::cst(d(2025, 12, 20), 10, 0));
        state.apply_all(published);
        let before: BTreeMap<_, Slot> = state.slots.values().filter(|x| x.state == SlotState::Published).map(|x| (x.id, x.clone())).collect();

        // New leave, some of it over published slots, then the whole quarter again.
        for (n, (who, offset, len)) in more_leave.iter().enumerate() {
            let from = quarter().from + chrono::Duration::days(*offset);
            state.apply(Record::Leave(Leave {
                id: LeaveId(Uuid::from_u128(1000 + n as u128)),
                leader: rules.leaders[who % rules.leaders.len()].id,
                from,
                to: from + chrono::Duration::days(len - 1),
                reported_on: d(2026, 1, 1),
                reason: String::new(),
            }));
        }
        let again = generate(&rules, &calendar, &state, &[], quarter());
        for record in &again.records {
            if let Record::Slot(slot) = record {
                prop_assert!(!before.contains_key(&slot.id), "a published slot was rewritten: {:?}", slot);
            }
        }
        for (id, slot) in &before {
            let now = again.roster.iter().find(|x| x.id == *id);
            prop_assert_eq!(now, Some(slot), "published slot moved");
        }
    }
}
