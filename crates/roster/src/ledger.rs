//! The fairness ledger: how much each leader has received, when and on which days, and
//! what they owe or are owed after swaps and leave.
//!
//! Generation asks the ledger, for every slot, which eligible leader is "most due", in this
//! order (each criterion only breaks ties of the ones before):
//!
//! 1. fewest slots of the same rule in the current calendar quarter, which keeps every
//!    leader of a pool within one slot of each other per quarter when nobody is away;
//! 2. below a yearly minimum first;
//! 3. on the last working day before a holiday, fewest such days so far, so nobody is
//!    always the one receiving while everyone else leaves for the holiday;
//! 4. most owed first (took leave that someone covered, or gave up a slot in a swap);
//! 5. fewest slots of the rule over the past 52 weeks (a rolling window across quarters);
//! 6. fewest receptions on this weekday, so nobody is always on Mondays;
//! 7. longest since their last slot;
//! 8. a stable hash of leader and position, so ties do not always favour the first listed.
//!
//! Only slots dated *before* the slot being filled count, so generation is a chronological
//! simulation: regenerating one week inside a month drafted earlier gives the same answer.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use fengqiao_model::LeaderId;
use serde::{Deserialize, Serialize};

use crate::days::{DayTable, quarter_start};
use crate::ids::{SwapId, derived_uuid};
use crate::period::Period;
use crate::rules::RosterRules;
use crate::state::{ChangeCause, RosterState, SlotKind};

/// Counters indexed by rule and leader, updated as slots are assigned in date order.
#[derive(Debug, Clone)]
pub(crate) struct Counters {
    /// `[rule][leader]` → dates of that rule's slots the leader holds, ascending.
    by_rule: Vec<Vec<Vec<NaiveDate>>>,
    weekday: Vec<[u32; 7]>,
    pre_holiday: Vec<u32>,
    last: Vec<Option<NaiveDate>>,
    /// Positive: the leader owes slots (was covered, or gave up the earlier slot of a swap).
    pub(crate) owed: Vec<i32>,
}

/// The slot a leader is compared for: its rule (index), date and position key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DueAsk<'a> {
    pub(crate) rule: usize,
    pub(crate) date: NaiveDate,
    pub(crate) position: &'a str,
}

/// What the ledger compares; smaller is more due.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct DueKey {
    quarter_count: usize,
    at_or_above_minimum: bool,
    pre_holiday_count: u32,
    minus_owed: i32,
    year_count: usize,
    weekday_count: u32,
    last: Option<NaiveDate>,
    tiebreak: u128,
}

impl Counters {
    pub(crate) fn new(n_rules: usize, n_leaders: usize) -> Counters {
        Counters {
            by_rule: vec![vec![Vec::new(); n_leaders]; n_rules],
            weekday: vec![[0; 7]; n_leaders],
            pre_holiday: vec![0; n_leaders],
            last: vec![None; n_leaders],
            owed: vec![0; n_leaders],
        }
    }

    /// Counts a slot of `rule` held by `leader` on `date`.
    pub(crate) fn record(
        &mut self,
        rule: usize,
        leader: usize,
        date: NaiveDate,
        kind: SlotKind,
        days: &DayTable,
    ) {
        if let Some(dates) = self.by_rule.get_mut(rule).and_then(|r| r.get_mut(leader)) {
            let at = dates.partition_point(|d| *d <= date);
            dates.insert(at, date);
        }
        if kind == SlotKind::Reception {
            self.weekday[leader][date.weekday().num_days_from_monday() as usize] += 1;
            if days.pre_holiday(date) {
                self.pre_holiday[leader] += 1;
            }
        }
        if self.last[leader].is_none_or(|l| l < date) {
            self.last[leader] = Some(date);
        }
    }

    /// Slots of `rule` held by `leader` from `from` through `to`.
    pub(crate) fn count(
        &self,
        rule: usize,
        leader: usize,
        from: NaiveDate,
        to: NaiveDate,
    ) -> usize {
        let Some(dates) = self.by_rule.get(rule).and_then(|r| r.get(leader)) else {
            return 0;
        };
        dates.partition_point(|d| *d <= to) - dates.partition_point(|d| *d < from)
    }

    /// How due `leader` is for the slot described by `ask`.
    pub(crate) fn due_key(
        &self,
        ask: &DueAsk<'_>,
        leader: usize,
        leader_id: LeaderId,
        below_minimum: bool,
        days: &DayTable,
    ) -> DueKey {
        let DueAsk {
            rule,
            date,
            position,
        } = *ask;
        let before = date.pred_opt().unwrap_or(date);
        let is_pre_holiday = days.pre_holiday(date);
        DueKey {
            quarter_count: self.count(rule, leader, quarter_start(date), before),
            at_or_above_minimum: !below_minimum,
            pre_holiday_count: if is_pre_holiday {
                self.pre_holiday[leader]
            } else {
                0
            },
            minus_owed: -self.owed[leader],
            year_count: self.count(rule, leader, date - chrono::Duration::days(364), before),
            weekday_count: self.weekday[leader][date.weekday().num_days_from_monday() as usize],
            last: self.last[leader],
            tiebreak: derived_uuid(&[&leader_id.as_string(), position]).as_u128(),
        }
    }
}

/// A leader's open debt from a swap: they gave up the earlier slot and serve the later one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debt {
    pub swap: SwapId,
    /// Who took the earlier slot for them.
    pub owed_to: LeaderId,
    /// The date of the later slot, when the debt is settled.
    pub until: NaiveDate,
}

/// One leader's line in the ledger over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub leader: LeaderId,
    pub name: String,
    /// Live slots in the period, by rule id.
    pub per_rule: BTreeMap<String, u32>,
    /// Receptions in the period by weekday, Monday first.
    pub per_weekday: [u32; 7],
    /// Receptions on the last working day before a holiday.
    pub pre_holiday: u32,
    /// Slots they took for a colleague on leave (补位).
    pub covers_given: u32,
    /// Slots a colleague took for them while on leave.
    pub covers_received: u32,
    /// Swaps not yet settled as of `today`.
    pub open_debts: Vec<Debt>,
}

impl LedgerEntry {
    /// All live slots in the period.
    pub fn total(&self) -> u32 {
        self.per_rule.values().sum()
    }
}

/// Open swap debts as of `today`: (debtor, debt).
pub(crate) fn open_debts(state: &RosterState, today: NaiveDate) -> Vec<(LeaderId, Debt)> {
    let mut debts = Vec::new();
    for swap in state.swaps.values() {
        let (Some(first), Some(second)) =
            (state.slots.get(&swap.first), state.slots.get(&swap.second))
        else {
            continue;
        };
        // Whoever gave up the earlier slot owes until the later one is served.
        let (debtor, creditor, until) = if first.date <= second.date {
            (swap.first_leader, swap.second_leader, second.date)
        } else {
            (swap.second_leader, swap.first_leader, first.date)
        };
        if today <= until {
            debts.push((
                debtor,
                Debt {
                    swap: swap.id,
                    owed_to: creditor,
                    until,
                },
            ));
        }
    }
    debts
}

/// Leave covers recorded in changes: (absent leader, covering leader).
pub(crate) fn leave_covers(state: &RosterState) -> Vec<(LeaderId, LeaderId)> {
    state
        .changes
        .values()
        .filter(|c| {
            matches!(c.cause, ChangeCause::Leave { .. }) && c.before.leader != c.after.leader
        })
        .map(|c| (c.before.leader, c.after.leader))
        .collect()
}

/// The ledger of every leader in the rules over `period`, as of `today`.
pub fn ledger(
    rules: &RosterRules,
    calendar: &fengqiao_rules::calendar::HolidayCalendar,
    state: &RosterState,
    period: Period,
    today: NaiveDate,
) -> Vec<LedgerEntry> {
    let mut entries: Vec<LedgerEntry> = rules
        .leaders
        .iter()
        .map(|l| LedgerEntry {
            leader: l.id,
            name: l.name.clone(),
            per_rule: BTreeMap::new(),
            per_weekday: [0; 7],
            pre_holiday: 0,
            covers_given: 0,
            covers_received: 0,
            open_debts: Vec::new(),
        })
        .collect();
    let days = DayTable::new(
        calendar,
        period.from,
        period.to,
        rules.receive_on_makeup_days,
    );
    let index: BTreeMap<LeaderId, usize> = rules
        .leaders
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id, i))
        .collect();
    for slot in state.live_slots() {
        if !period.contains(slot.date) {
            continue;
        }
        let Some(&i) = index.get(&slot.leader) else {
            continue;
        };
        *entries[i].per_rule.entry(slot.rule.clone()).or_default() += 1;
        if slot.kind == SlotKind::Reception {
            entries[i].per_weekday[slot.date.weekday().num_days_from_monday() as usize] += 1;
            if days.pre_holiday(slot.date) {
                entries[i].pre_holiday += 1;
            }
        }
    }
    for (absent, cover) in leave_covers(state) {
        if let Some(&i) = index.get(&absent) {
            entries[i].covers_received += 1;
        }
        if let Some(&i) = index.get(&cover) {
            entries[i].covers_given += 1;
        }
    }
    for (debtor, debt) in open_debts(state, today) {
        if let Some(&i) = index.get(&debtor) {
            entries[i].open_debts.push(debt);
        }
    }
    entries
}
