//! Changes to a roster: publish, leave with standby, swaps with the ledger's debt,
//! delegation, history; and the conflicts and explanations around them.

mod common;

use common::{calendar, d, ningguo};
use fengqiao_model::{LeaderId, LeaderLevel};
use fengqiao_roster::changes::{self, Actor, SwapRequest};
use fengqiao_roster::{
    ChangeCause, ChangeError, Conflict, DiagnosticKind, Engagement, Leave, LeaveId, Period, Record,
    RosterRules, RosterState, Severity, Slot, SlotState, SwapId, check, generate, ledger,
};
use uuid::Uuid;

fn q1() -> Period {
    Period::quarter(2026, 1).unwrap_or_else(|e| panic!("{e}"))
}

fn published_q1(rules: &RosterRules) -> RosterState {
    let mut state = RosterState::new();
    state.apply_all(generate(rules, &calendar(), &state, &[], q1()).records);
    let published = changes::publish(&state, q1(), common::cst(d(2025, 12, 20), 10, 0));
    state.apply_all(published);
    state
}

fn leader(rules: &RosterRules, name: &str) -> LeaderId {
    rules
        .leader_by_name(name)
        .map(|l| l.id)
        .unwrap_or_else(|| panic!("no leader {name}"))
}

fn city_slot_of(state: &RosterState, who: LeaderId, month: u32) -> Slot {
    state
        .live_slots()
        .into_iter()
        .find(|s| {
            s.rule == "city-weekly" && s.leader == who && chrono::Datelike::month(&s.date) == month
        })
        .cloned()
        .unwrap_or_else(|| panic!("no city slot in month {month}"))
}

/// The month's first city reception of a non-principal leader who is not on standby.
fn first_city_slot(rules: &RosterRules, state: &RosterState, month: u32) -> Slot {
    let standby = [leader(rules, "孙雪梅"), leader(rules, "李海燕")];
    state
        .live_slots()
        .into_iter()
        .find(|s| {
            s.rule == "city-weekly"
                && chrono::Datelike::month(&s.date) == month
                && rules
                    .leader(s.leader)
                    .is_some_and(|l| l.level == LeaderLevel::City)
                && !standby.contains(&s.leader)
        })
        .cloned()
        .unwrap_or_else(|| panic!("no city slot in month {month}"))
}

fn fixed_id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn actor(today: chrono::NaiveDate) -> Actor<'static> {
    Actor {
        by: "信访局值班员",
        today,
        at: common::cst(today, 9, 30),
    }
}

#[test]
fn regenerating_never_moves_published_slots() {
    let rules = ningguo();
    let state = published_q1(&rules);
    let before: Vec<Slot> = state.live_slots().into_iter().cloned().collect();
    // A leave that would have changed the draft does not touch the published roster.
    let mut with_leave = state.clone();
    let target = first_city_slot(&rules, &state, 1);
    with_leave.apply(Record::Leave(Leave {
        id: LeaveId(fixed_id(1)),
        leader: target.leader,
        from: target.date,
        to: target.date,
        reported_on: d(2025, 12, 1),
        reason: "出差".into(),
    }));
    let again = generate(&rules, &calendar(), &with_leave, &[], q1());
    assert!(
        again.records.is_empty(),
        "nothing to write: {:?}",
        again.records.first()
    );
    let after: Vec<Slot> = again.roster.clone();
    let mut before_in_q1: Vec<Slot> = before
        .into_iter()
        .filter(|s| q1().overlaps(s.date, s.through))
        .collect();
    before_in_q1.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    let mut after_sorted = after;
    after_sorted.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    assert_eq!(before_in_q1, after_sorted);
    // Reported three weeks ahead: on time, so no late-notice flag.
    assert!(
        !again
            .diagnostics
            .iter()
            .any(|x| matches!(x.kind, DiagnosticKind::LateLeaveNotice { .. }))
    );
    // The collision is a conflict for a person, not a silent move.
    let conflicts = check(&rules, &calendar(), &with_leave, &[], q1());
    assert!(
        conflicts
            .iter()
            .any(|c| matches!(c, Conflict::OnLeave { slot, .. } if *slot == target.id))
    );
}

#[test]
fn generation_flags_late_leave_over_a_published_slot() {
    let rules = ningguo();
    let mut state = published_q1(&rules);
    let slot = first_city_slot(&rules, &state, 2);
    state.apply(Record::Leave(Leave {
        id: LeaveId(fixed_id(9)),
        leader: slot.leader,
        from: slot.date,
        to: slot.date,
        reported_on: slot.date - chrono::Duration::days(1),
        reason: String::new(),
    }));
    let g = generate(&rules, &calendar(), &state, &[], q1());
    assert!(g.diagnostics.iter().any(|x| x.severity == Severity::Warning
        && matches!(x.kind, DiagnosticKind::LateLeaveNotice { slot_date, notice_days: 1, .. } if slot_date == slot.date)));
}

#[test]
fn late_leave_is_flagged_and_the_standby_list_fills_in_order() {
    let rules = ningguo();
    let state = published_q1(&rules);
    // A city leader who is not on the standby list, with a January reception.
    let slot = first_city_slot(&rules, &state, 1);
    let absent = slot.leader;
    let reported_on = slot.date - chrono::Duration::days(2);
    let leave = Leave {
        id: LeaveId(fixed_id(2)),
        leader: absent,
        from: slot.date,
        to: slot.date,
        reported_on,
        reason: "参加省委会议".into(),
    };
    let outcome =
        changes::report_leave(&rules, &calendar(), &state, &[], leave, actor(reported_on))
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        outcome
            .diagnostics
            .iter()
            .any(|x| x.severity == Severity::Warning
                && matches!(
                    x.kind,
                    DiagnosticKind::LateLeaveNotice {
                        notice_days: 2,
                        required: 5,
                        ..
                    }
                ))
    );
    let new_slot = outcome
        .records
        .iter()
        .find_map(|r| {
            if let Record::Slot(s) = r {
                Some(s.clone())
            } else {
                None
            }
        })
        .unwrap_or_else(|| panic!("no slot written"));
    // The first standby (孙雪梅) is free that day unless already receiving; else the second.
    let first_standby = leader(&rules, "孙雪梅");
    let second_standby = leader(&rules, "李海燕");
    let first_busy = state
        .live_slots()
        .iter()
        .any(|s| s.leader == first_standby && s.date == slot.date);
    let expected = if first_busy {
        second_standby
    } else {
        first_standby
    };
    assert_eq!(new_slot.leader, expected);
    assert_eq!(
        (new_slot.date, new_slot.id, new_slot.state),
        (slot.date, slot.id, SlotState::Published)
    );
    let change = outcome
        .records
        .iter()
        .find_map(|r| {
            if let Record::Change(c) = r {
                Some(c.clone())
            } else {
                None
            }
        })
        .unwrap_or_else(|| panic!("a published slot's change is recorded"));
    assert_eq!(change.before.leader, absent);
    assert_eq!(change.after.leader, expected);
    assert!(change.reason.contains("参加省委会议"));
    assert!(matches!(change.cause, ChangeCause::Leave { .. }));

    let mut after = state.clone();
    after.apply_all(outcome.records);
    let entries = ledger(&rules, &calendar(), &after, q1(), reported_on);
    let line = |id: LeaderId| {
        entries
            .iter()
            .find(|e| e.leader == id)
            .unwrap_or_else(|| panic!("no ledger line"))
    };
    assert_eq!(line(absent).covers_received, 1);
    assert_eq!(line(expected).covers_given, 1);
    assert!(check(&rules, &calendar(), &after, &[], q1()).is_empty());
}

#[test]
fn the_second_standby_fills_when_the_first_is_busy() {
    let rules = ningguo();
    let state = published_q1(&rules);
    let slot = first_city_slot(&rules, &state, 2);
    let absent = slot.leader;
    let first_standby = leader(&rules, "孙雪梅");
    let busy = [Engagement {
        leader: first_standby,
        date: slot.date,
        what: "下访 港口镇".into(),
    }];
    let leave = Leave {
        id: LeaveId(fixed_id(3)),
        leader: absent,
        from: slot.date,
        to: slot.date + chrono::Duration::days(1),
        reported_on: slot.date - chrono::Duration::days(10),
        reason: String::new(),
    };
    let outcome = changes::report_leave(
        &rules,
        &calendar(),
        &state,
        &busy,
        leave,
        actor(slot.date - chrono::Duration::days(10)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        outcome
            .diagnostics
            .iter()
            .all(|x| x.severity == Severity::Info),
        "{:?}",
        outcome.diagnostics
    );
    let filled = outcome.records.iter().find_map(|r| {
        if let Record::Slot(s) = r {
            Some(s.leader)
        } else {
            None
        }
    });
    assert_eq!(filled, Some(leader(&rules, "李海燕")));
}

#[test]
fn swapping_with_next_months_leader_records_the_swap_and_the_debt() {
    let rules = ningguo();
    let state = published_q1(&rules);
    let secretary = rules
        .leaders
        .iter()
        .find(|l| l.level == LeaderLevel::CityPrincipal)
        .map(|l| l.id);
    let secretary = secretary.unwrap_or_else(|| panic!("no principal"));
    let january = city_slot_of(&state, secretary, 1);
    let today = d(2025, 12, 20);
    let partners = changes::swap_partners(&state, &[], january.id, today);
    let partner = state.slots[partners.first().unwrap_or_else(|| panic!("no partner"))].clone();
    assert_eq!(
        chrono::Datelike::month(&partner.date),
        2,
        "in principle next month's leader"
    );

    let request = SwapRequest {
        id: SwapId(fixed_id(4)),
        first: january.id,
        second: partner.id,
        reason: String::new(),
    };
    let refused = changes::swap(&rules, &state, &[], &request, actor(today));
    assert!(
        matches!(refused, Err(ChangeError::ReasonRequired { .. })),
        "{refused:?}"
    );

    let request = SwapRequest {
        reason: "书记当日赴省开会".into(),
        ..request
    };
    let outcome = changes::swap(&rules, &state, &[], &request, actor(today))
        .unwrap_or_else(|e| panic!("{e}"));
    let changes_recorded = outcome
        .records
        .iter()
        .filter(|r| matches!(r, Record::Change(_)))
        .count();
    assert_eq!(changes_recorded, 2);
    let mut after = state.clone();
    after.apply_all(outcome.records);
    assert_eq!(after.slots[&january.id].leader, partner.leader);
    assert_eq!(after.slots[&partner.id].leader, secretary);
    assert_eq!(
        after.slots[&january.id].date, january.date,
        "a swap moves leaders, not dates"
    );

    let entries = ledger(&rules, &calendar(), &after, q1(), today);
    let debts = &entries
        .iter()
        .find(|e| e.leader == secretary)
        .unwrap_or_else(|| panic!("no line"))
        .open_debts;
    assert_eq!(debts.len(), 1);
    assert_eq!(
        (debts[0].owed_to, debts[0].until),
        (partner.leader, partner.date)
    );
    // Settled once the later slot has been served.
    let later = ledger(
        &rules,
        &calendar(),
        &after,
        q1(),
        partner.date + chrono::Duration::days(1),
    );
    assert!(later.iter().all(|e| e.open_debts.is_empty()));
    // Two in February for the secretary now, but one of them stands for January: no conflict.
    assert!(
        check(&rules, &calendar(), &after, &[], q1()).is_empty(),
        "{:?}",
        check(&rules, &calendar(), &after, &[], q1())
    );
}

#[test]
fn a_swap_that_puts_a_leader_in_two_places_is_refused() {
    let rules = ningguo();
    let state = published_q1(&rules);
    let a = first_city_slot(&rules, &state, 3);
    let b = state
        .live_slots()
        .into_iter()
        .find(|s| s.rule == "city-weekly" && s.leader != a.leader && s.date > a.date)
        .cloned()
        .unwrap_or_else(|| panic!("no later slot"));
    let busy = [Engagement {
        leader: a.leader,
        date: b.date,
        what: "带案下访 梅林镇".into(),
    }];
    let request = SwapRequest {
        id: SwapId(fixed_id(5)),
        first: a.id,
        second: b.id,
        reason: "调整".into(),
    };
    let refused = changes::swap(&rules, &state, &busy, &request, actor(d(2025, 12, 20)));
    assert!(
        matches!(refused, Err(ChangeError::Unavailable { .. })),
        "{refused:?}"
    );
    assert!(
        refused
            .err()
            .is_some_and(|e| e.to_string().contains("带案下访"))
    );
}

#[test]
fn delegation_needs_a_reason_on_published_slots_and_shows_the_deputy() {
    let rules = ningguo();
    let state = published_q1(&rules);
    let slot = city_slot_of(&state, rules.leaders[1].id, 3);
    let deputy = leader(&rules, "郑建华");
    let today = d(2026, 2, 27);
    let refused = changes::delegate(&rules, &state, &[], slot.id, deputy, " ", actor(today));
    assert!(matches!(refused, Err(ChangeError::ReasonRequired { .. })));
    let outcome = changes::delegate(
        &rules,
        &state,
        &[],
        slot.id,
        deputy,
        "市长外出招商",
        actor(today),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut after = state.clone();
    after.apply_all(outcome.records);
    assert_eq!(after.slots[&slot.id].deputy, Some(deputy));
    assert_eq!(after.slots[&slot.id].serving(), deputy);
    assert_eq!(after.changes_of(slot.id).len(), 1);
    let rows = fengqiao_roster::rows(&rules, &after, fengqiao_roster::RowFilter::default());
    let row = rows
        .iter()
        .find(|r| r.id == slot.id)
        .unwrap_or_else(|| panic!("no row"));
    assert!(
        row.deputy
            .as_deref()
            .is_some_and(|d| d.starts_with("郑建华"))
    );
    assert_eq!(row.sequence, 1);
}

#[test]
fn past_slots_become_historic_and_never_change() {
    let rules = ningguo();
    let state = published_q1(&rules);
    let today = d(2026, 2, 1);
    let archived = changes::archive(&state, today);
    assert!(!archived.is_empty());
    assert!(archived.iter().all(
        |r| matches!(r, Record::Slot(s) if s.through < today && s.state == SlotState::Historic)
    ));
    let mut after = state.clone();
    after.apply_all(archived);
    let past = first_city_slot(&rules, &after, 1);
    let refused = changes::delegate(
        &rules,
        &after,
        &[],
        past.id,
        leader(&rules, "郑建华"),
        "补录",
        actor(today),
    );
    assert!(matches!(refused, Err(ChangeError::Past { .. })));
}

#[test]
fn leave_through_a_month_explains_the_unmet_quota() {
    let rules = ningguo();
    let mayor = rules.leaders[1].id;
    let mut state = RosterState::new();
    state.apply(Record::Leave(Leave {
        id: LeaveId(fixed_id(6)),
        leader: mayor,
        from: d(2026, 1, 1),
        to: d(2026, 1, 31),
        reported_on: d(2025, 12, 1),
        reason: "中央党校学习".into(),
    }));
    let g = generate(&rules, &calendar(), &state, &[], q1());
    assert!(
        g.roster
            .iter()
            .all(|s| !(s.leader == mayor && s.date <= d(2026, 1, 31)))
    );
    let unmet: Vec<_> = g
        .diagnostics
        .iter()
        .filter(|x| matches!(&x.kind, DiagnosticKind::QuotaUnmet { month, got: 0, need: 2, .. } if month == "2026-01"))
        .collect();
    assert_eq!(unmet.len(), 1, "{:?}", g.diagnostics);
    assert!(unmet[0].to_string().contains("请假"));
    // February and March are met.
    let feb = g
        .roster
        .iter()
        .filter(|s| s.leader == mayor && chrono::Datelike::month(&s.date) == 2)
        .count();
    assert_eq!(feb, 2);
}

#[test]
fn field_visits_are_avoided_and_collisions_reported() {
    let rules = ningguo();
    let secretary = rules.leaders[0].id;
    let plain = generate(&rules, &calendar(), &RosterState::new(), &[], q1());
    let first = plain
        .roster
        .iter()
        .find(|s| s.leader == secretary)
        .map(|s| s.date)
        .unwrap_or_else(|| panic!("no slot"));
    let visit = [Engagement {
        leader: secretary,
        date: first,
        what: "带案下访 中溪镇".into(),
    }];
    let avoided = generate(&rules, &calendar(), &RosterState::new(), &visit, q1());
    assert!(
        avoided
            .roster
            .iter()
            .all(|s| !(s.leader == secretary && s.date == first))
    );
    assert!(
        avoided
            .diagnostics
            .iter()
            .all(|x| x.severity == Severity::Info)
    );

    let mut state = RosterState::new();
    state.apply_all(plain.records);
    let conflicts = check(&rules, &calendar(), &state, &visit, q1());
    assert!(
        conflicts
            .iter()
            .any(|c| matches!(c, Conflict::DoubleBooked { date, places, .. }
        if *date == first && places.iter().any(|p| p.contains("带案下访"))))
    );
}

#[test]
fn rest_day_and_over_quota_are_conflicts() {
    let rules = ningguo();
    let mut state = published_q1(&rules);
    let template = city_slot_of(&state, rules.leaders[0].id, 2);
    // Two hand-made slots: one in Spring Festival, one a third February reception.
    for (n, date) in [(7u128, d(2026, 2, 18)), (8, d(2026, 2, 26))] {
        state.apply(Record::Slot(Slot {
            id: fengqiao_roster::SlotId(fixed_id(n)),
            position: format!("manual#{n}"),
            date,
            through: date,
            nominal: date,
            ..template.clone()
        }));
    }
    let conflicts = check(&rules, &calendar(), &state, &[], q1());
    assert!(conflicts.iter().any(|c| matches!(c, Conflict::RestDay { date, day, .. } if *date == d(2026, 2, 18) && day.contains("春节"))));
    assert!(conflicts.iter().any(
        |c| matches!(c, Conflict::OverQuota { month, count: 4, quota: 2, .. } if month == "2026-02")
    ));
}

#[test]
fn a_year_without_a_holiday_notice_is_reported() {
    let rules = ningguo();
    let period = Period::quarter(2027, 1).unwrap_or_else(|e| panic!("{e}"));
    let g = generate(&rules, &calendar(), &RosterState::new(), &[], period);
    assert!(g.diagnostics.iter().any(|x| x.severity == Severity::Warning
        && x.kind == DiagnosticKind::CalendarUnknown { year: 2027 }));
    assert!(!g.roster.is_empty(), "still drafted, on weekends only");
    assert!(
        check(&rules, &calendar(), &RosterState::new(), &[], period)
            .contains(&Conflict::CalendarUnknown { year: 2027 })
    );
}

const FIXED_DAY: &str = r#"
county = "demo"
name = "示例县"
office = "示例县信访局"
receive_on_makeup_days = false
[slot_types.county]
name = "县领导接访日"
start = "09:00"
end = "12:00"
place = "县信访接待中心"
[[leaders]]
name = "甲"
title = "县委书记"
level = "city-principal"
[[leaders]]
name = "乙"
title = "县长"
level = "city-principal"
[[leaders]]
name = "丙"
title = "副县长"
level = "city"
[[rules]]
kind = "month-day"
id = "fifteenth"
basis = "每月15日县领导接访日，遇节假日顺延"
slot_type = "county"
day = 15
pool = { levels = ["city-principal"] }
[[rules]]
kind = "yearly"
id = "once-a-year"
slot_type = "county"
per_leader = 1
pool = { leaders = ["丙"] }
"#;

#[test]
fn a_fixed_day_of_month_rolls_forward_past_holidays() {
    let rules = RosterRules::from_toml(FIXED_DAY).unwrap_or_else(|e| panic!("{e}"));
    let year = Period::year(2026).unwrap_or_else(|e| panic!("{e}"));
    let g = generate(&rules, &calendar(), &RosterState::new(), &[], year);
    let dates: Vec<chrono::NaiveDate> = g
        .roster
        .iter()
        .filter(|s| s.rule == "fifteenth")
        .map(|s| s.date)
        .collect();
    // 15 Feb is Spring Festival: next working day is Tue 24 Feb. 15 Mar, 15 Aug and
    // 15 Nov are Sundays: Monday 16th. Sat 14 Feb would be a make-up day but these
    // rules do not receive on make-up days anyway.
    let expected = [
        (1, 15),
        (2, 24),
        (3, 16),
        (4, 15),
        (5, 15),
        (6, 15),
        (7, 15),
        (8, 17),
        (9, 15),
        (10, 15),
        (11, 16),
        (12, 15),
    ];
    assert_eq!(
        dates,
        expected
            .iter()
            .map(|&(m, day)| d(2026, m, day))
            .collect::<Vec<_>>()
    );
    assert!(g.diagnostics.iter().any(|x| x.kind
        == DiagnosticKind::Rolled {
            nominal: d(2026, 2, 15),
            date: d(2026, 2, 24),
            township: None
        }));
    // The two principals alternate.
    let per: Vec<usize> = rules.leaders[..2]
        .iter()
        .map(|l| {
            g.roster
                .iter()
                .filter(|s| s.rule == "fifteenth" && s.leader == l.id)
                .count()
        })
        .collect();
    assert_eq!(per, vec![6, 6]);
    // The yearly rule gives 丙 exactly one slot, on a working day.
    let once: Vec<&Slot> = g
        .roster
        .iter()
        .filter(|s| s.rule == "once-a-year")
        .collect();
    assert_eq!(once.len(), 1);
    assert!(calendar().is_working_day(once[0].date));
}

const TWO_LEADERS: &str = r#"
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
[[rules]]
kind = "weekly"
id = "weekly"
slot_type = "county"
per_week = 1
pool = { levels = ["city"] }
"#;

#[test]
fn a_gap_nobody_can_fill_stays_and_is_reported() {
    let rules = RosterRules::from_toml(TWO_LEADERS).unwrap_or_else(|e| panic!("{e}"));
    let mut state = RosterState::new();
    state.apply_all(generate(&rules, &calendar(), &state, &[], q1()).records);
    let published = changes::publish(&state, q1(), common::cst(d(2025, 12, 20), 10, 0));
    state.apply_all(published);
    let slot = state
        .live_slots()
        .into_iter()
        .next()
        .cloned()
        .unwrap_or_else(|| panic!("no slot"));
    let other = rules
        .leaders
        .iter()
        .map(|l| l.id)
        .find(|&l| l != slot.leader)
        .unwrap_or_else(|| panic!("no other"));
    let busy = [Engagement {
        leader: other,
        date: slot.date,
        what: "市里开会".into(),
    }];
    let leave = Leave {
        id: LeaveId(fixed_id(10)),
        leader: slot.leader,
        from: slot.date,
        to: slot.date,
        reported_on: slot.date - chrono::Duration::days(7),
        reason: String::new(),
    };
    let outcome = changes::report_leave(
        &rules,
        &calendar(),
        &state,
        &busy,
        leave,
        actor(slot.date - chrono::Duration::days(7)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        outcome.records.len(),
        1,
        "only the leave is written: {:?}",
        outcome.records
    );
    assert!(outcome.diagnostics.iter().any(|x| x.severity == Severity::Warning
        && matches!(&x.kind, DiagnosticKind::SeatUnfilled { date, .. } if *date == slot.date)));
    let mut after = state.clone();
    after.apply_all(outcome.records);
    assert!(
        check(&rules, &calendar(), &after, &busy, q1())
            .iter()
            .any(|c| matches!(c, Conflict::OnLeave { slot: s, .. } if *s == slot.id))
    );
}

#[test]
fn a_time_change_is_recorded_and_refused_where_it_cannot_hold() {
    use fengqiao_roster::Reschedule;
    use fengqiao_roster::bookings::{self, BookingRequest};
    use fengqiao_roster::rules::ClockTime;
    let rules = ningguo();
    let mut state = published_q1(&rules);
    let slot = first_city_slot(&rules, &state, 2);
    let today = d(2026, 1, 20);
    let booking = bookings::book(
        &state,
        BookingRequest {
            id: fengqiao_roster::BookingId(fixed_id(41)),
            slot: slot.id,
            petitioner: "张三".into(),
            phone: String::new(),
            case: None,
            note: String::new(),
            booked_by: "信访局".into(),
        },
        8,
        today,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    state.apply(booking);
    let clock = |t: &str| {
        ClockTime(chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap_or_else(|e| panic!("{e}")))
    };
    let to = |date: Option<chrono::NaiveDate>, start: Option<&str>, end: Option<&str>| Reschedule {
        date,
        start: start.map(clock),
        end: end.map(clock),
        place: None,
    };
    let run = |state: &RosterState, r: &Reschedule, reason: &str, today| {
        changes::reschedule(&rules, state, &[], slot.id, r, reason, actor(today))
    };
    // Refusals, each naming what is wrong.
    let refused: Vec<(Reschedule, &str, ChangeError)> = vec![
        (
            to(Some(d(2026, 1, 19)), None, None),
            "改期",
            ChangeError::NewDateInPast {
                date: d(2026, 1, 19),
            },
        ),
        (
            to(Some(d(2027, 1, 5)), None, None),
            "改期",
            ChangeError::AcrossYears {
                from: slot.date,
                to: d(2027, 1, 5),
            },
        ),
        (
            to(None, Some("12:00"), Some("09:00")),
            "改期",
            ChangeError::EndsBeforeStart {
                start: "12:00".into(),
                end: "09:00".into(),
            },
        ),
        (
            to(None, None, None),
            "改期",
            ChangeError::NothingChanged { date: slot.date },
        ),
        (
            to(None, Some("14:30"), Some("17:00")),
            "  ",
            ChangeError::ReasonRequired {
                id: slot.id,
                date: slot.date,
            },
        ),
    ];
    for (r, reason, error) in refused {
        assert_eq!(run(&state, &r, reason, today), Err(error));
    }
    // Onto a day the leader already receives elsewhere: refused by name.
    let other = state
        .live_slots()
        .into_iter()
        .find(|s| s.rule == "township-monday" && s.date > today)
        .cloned()
        .unwrap_or_else(|| panic!("a township slot"));
    let mut busy = state.clone();
    busy.apply(Record::Slot(Slot {
        leader: slot.leader,
        ..other.clone()
    }));
    assert!(matches!(
        run(&busy, &to(Some(other.date), None, None), "改期", today),
        Err(ChangeError::Unavailable { .. })
    ));
    // Accepted: the slot moves, a change records before and after, the booked visitor is
    // reported.
    let new_day = slot.date + chrono::Duration::days(1);
    let outcome = run(
        &state,
        &to(Some(new_day), Some("14:30"), Some("17:00")),
        "市里开会",
        today,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let moved = outcome.records.iter().find_map(|r| match r {
        Record::Slot(s) => Some(s.clone()),
        _ => None,
    });
    assert_eq!(
        moved
            .as_ref()
            .map(|s| (s.id, s.date, s.start.to_string(), s.end.to_string())),
        Some((slot.id, new_day, "14:30".into(), "17:00".into()))
    );
    let change = outcome.records.iter().find_map(|r| match r {
        Record::Change(c) => Some(c.clone()),
        _ => None,
    });
    let change = change.unwrap_or_else(|| panic!("no change recorded"));
    assert_eq!(change.cause, ChangeCause::Reschedule);
    assert_eq!(change.before.when.as_ref().map(|w| w.date), Some(slot.date));
    assert_eq!(change.after.when.as_ref().map(|w| w.date), Some(new_day));
    assert_eq!(change.at, Some(common::cst(today, 9, 30)));
    assert!(outcome.diagnostics.iter().any(|d| matches!(
        d.kind,
        DiagnosticKind::BookedVisitorsMoved { visitors: 1, .. }
    )));
}
