//! Conflicts in a roster as it stands: a leader in two places on one day, a reception on a
//! rest day, a leader over quota, a slot whose leader is on leave, a year without a
//! holiday notice. The office sees them before publishing and whenever the roster changes
//! (a field visit planned later can collide with a published reception).

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use fengqiao_model::LeaderId;
use fengqiao_rules::calendar::HolidayCalendar;
use serde::{Deserialize, Serialize};

use crate::days::month_start;
use crate::ids::SlotId;
use crate::period::Period;
use crate::rules::{RosterRules, Rule};
use crate::state::{Engagement, RosterState, Slot, SlotKind};

/// One conflict, with names for people and ids for the app to link to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "conflict", rename_all = "kebab-case")]
pub enum Conflict {
    /// A leader is due in two places on one day.
    DoubleBooked {
        leader: String,
        date: NaiveDate,
        places: Vec<String>,
        slots: Vec<SlotId>,
    },
    /// A reception falls on a rest day (or a make-up day the rules exclude).
    RestDay {
        slot: SlotId,
        date: NaiveDate,
        day: String,
    },
    /// A leader has more slots in a month than their quota.
    OverQuota {
        leader: String,
        rule: String,
        month: String,
        count: u32,
        quota: u32,
    },
    /// A slot's serving leader is on leave that day.
    OnLeave {
        slot: SlotId,
        leader: String,
        date: NaiveDate,
    },
    /// The holiday notice for a year is not loaded, so rest days are not fully known.
    CalendarUnknown { year: i32 },
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::DoubleBooked {
                leader,
                date,
                places,
                ..
            } => {
                write!(
                    f,
                    "{leader} {date} 同时安排在：{} (leader in two places)",
                    places.join("；")
                )
            }
            Conflict::RestDay { date, day, .. } => {
                write!(f, "{date} 是{day}，不应安排接访 (reception on a rest day)")
            }
            Conflict::OverQuota {
                leader,
                rule,
                month,
                count,
                quota,
            } => {
                write!(
                    f,
                    "{leader} {month} 月 {rule} 接访 {count} 次，超过定额 {quota} 次 (over quota)"
                )
            }
            Conflict::OnLeave { leader, date, .. } => {
                write!(f, "{leader} {date} 请假，但仍排有接访 (leader on leave)")
            }
            Conflict::CalendarUnknown { year } => {
                write!(
                    f,
                    "未载入 {year} 年节假日安排，休息日仅按周末判断 (holiday notice for {year} not loaded)"
                )
            }
        }
    }
}

/// Every conflict among the live slots in `period`.
pub fn check(
    rules: &RosterRules,
    calendar: &HolidayCalendar,
    state: &RosterState,
    engagements: &[Engagement],
    period: Period,
) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    for year in period.years() {
        if !calendar.covers(year) {
            conflicts.push(Conflict::CalendarUnknown { year });
        }
    }
    let name = |id: LeaderId| {
        rules
            .leader(id)
            .map(|l| l.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let slots: Vec<&Slot> = state
        .live_slots()
        .into_iter()
        .filter(|s| period.overlaps(s.date, s.through))
        .collect();

    let mut by_day: BTreeMap<(LeaderId, NaiveDate), (Vec<String>, Vec<SlotId>)> = BTreeMap::new();
    for slot in slots.iter().filter(|s| s.kind == SlotKind::Reception) {
        let entry = by_day.entry((slot.serving(), slot.date)).or_default();
        entry.0.push(format!("{} {}", slot.place, slot.start));
        entry.1.push(slot.id);
    }
    for e in engagements.iter().filter(|e| period.contains(e.date)) {
        if let Some(entry) = by_day.get_mut(&(e.leader, e.date)) {
            entry.0.push(e.what.clone());
        }
    }
    for ((leader, date), (places, ids)) in by_day {
        if places.len() > 1 {
            conflicts.push(Conflict::DoubleBooked {
                leader: name(leader),
                date,
                places,
                slots: ids,
            });
        }
    }

    for slot in slots.iter().filter(|s| s.kind == SlotKind::Reception) {
        let info = calendar.day(slot.date);
        let excluded_makeup = !rules.receive_on_makeup_days
            && matches!(
                info.kind,
                fengqiao_rules::calendar::DayKind::MakeupWorkday { .. }
            );
        if !info.kind.is_working() || excluded_makeup {
            conflicts.push(Conflict::RestDay {
                slot: slot.id,
                date: slot.date,
                day: info.kind.to_string(),
            });
        }
    }

    for slot in &slots {
        let serving = slot.serving();
        if state
            .leave
            .values()
            .any(|l| l.leader == serving && l.overlaps(slot.date, slot.through))
        {
            conflicts.push(Conflict::OnLeave {
                slot: slot.id,
                leader: name(serving),
                date: slot.date,
            });
        }
    }

    for rule in &rules.rules {
        let Rule::MonthlyQuota(q) = rule else {
            continue;
        };
        let members: Vec<LeaderId> = rules
            .pool_members(&q.pool)
            .into_iter()
            .map(|i| rules.leaders[i].id)
            .collect();
        let mut counts: BTreeMap<(LeaderId, NaiveDate), u32> = BTreeMap::new();
        for slot in state
            .live_slots()
            .into_iter()
            .filter(|s| s.rule == q.within && members.contains(&s.leader))
        {
            *counts
                .entry((slot.leader, quota_month(state, slot)))
                .or_default() += 1;
        }
        for ((leader, month), count) in counts {
            if count > q.per_leader && period.overlaps(month, crate::days::month_end(month)) {
                conflicts.push(Conflict::OverQuota {
                    leader: name(leader),
                    rule: q.within.clone(),
                    month: month.format("%Y-%m").to_string(),
                    count,
                    quota: q.per_leader,
                });
            }
        }
    }
    conflicts
}

/// The month a slot counts toward a quota: a slot taken in a swap counts in the month of
/// the slot given up for it, so swapping with next month's leader does not put either
/// over quota (the debt is in the ledger instead).
fn quota_month(state: &RosterState, slot: &Slot) -> NaiveDate {
    for swap in state.swaps.values() {
        let given_up = if swap.first == slot.id && slot.leader == swap.second_leader {
            state.slots.get(&swap.second)
        } else if swap.second == slot.id && slot.leader == swap.first_leader {
            state.slots.get(&swap.first)
        } else {
            None
        };
        if let Some(other) = given_up {
            return month_start(other.date);
        }
    }
    month_start(slot.date)
}
