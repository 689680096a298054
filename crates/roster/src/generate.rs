//! Deterministic generation of a roster for a period.
//!
//! Typical workflow:
//!
//! 1. Every slot-making rule lays out its *positions* over the months the period touches:
//!    "week of 5 January, seat 0 and 1" for a weekly rule, "15 March, rolled to the 16th"
//!    for a month-day rule. Where a position lands depends only on the calendar, so it is
//!    the same every time (and so is its [`SlotId`]).
//! 2. Month by month, monthly quotas reserve their positions first: the quota's leaders
//!    are spread evenly over the carrying rule's open positions of the month.
//! 3. The remaining positions are filled in date order, each by the most due eligible
//!    leader according to the fairness [`ledger`](crate::ledger).
//! 4. Published and historic slots are never touched, only counted; drafts inside the
//!    period are replaced, and those no longer produced are withdrawn.
//!
//! Nothing here reads a clock or a random source, and every collection iterated is
//! ordered, so the same inputs give the same roster on every replica. Whatever a rule
//! could not get is explained in a [`Diagnostic`] rather than failing.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use fengqiao_model::LeaderId;
use fengqiao_rules::calendar::HolidayCalendar;

use crate::days::{DayTable, month_end, month_start, week_monday};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ids::SlotId;
use crate::ledger::Counters;
use crate::period::Period;
use crate::rules::{OnCallTurn, RosterRules, Rule};
use crate::state::{Engagement, Record, RosterState, Slot, SlotKind, SlotState};

mod checks;
mod fill;
mod positions;

/// What generation made: the roster for the period, the records to write, and the
/// explanations of every rule it could not satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// Every live slot in the period, kept or new, by date.
    pub roster: Vec<Slot>,
    /// New or changed drafts, and drafts withdrawn; write each to the store.
    pub records: Vec<Record>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One place a rule wants a leader.
#[derive(Debug, Clone)]
struct Position {
    rule: usize,
    key: String,
    id: SlotId,
    date: NaiveDate,
    through: NaiveDate,
    nominal: NaiveDate,
    kind: SlotKind,
    /// Index into `Planner::groups`: who may take it.
    group: usize,
    township: Option<String>,
}

/// A monthly quota, resolved to indices.
#[derive(Debug, Clone)]
struct Quota {
    carrier: usize,
    members: Vec<usize>,
    per_leader: u32,
    id: String,
}

/// A yearly minimum, resolved to indices.
#[derive(Debug, Clone)]
struct Minimum {
    within: Vec<usize>,
    members: Vec<usize>,
    per_leader: u32,
    id: String,
}

/// A counted slot waiting for the chronological ledger to reach its date.
type LedgerEvent = Reverse<(NaiveDate, usize, usize, bool)>;

struct Planner<'a> {
    rules: &'a RosterRules,
    period: Period,
    days: DayTable,
    index: HashMap<LeaderId, usize>,
    groups: Vec<Vec<usize>>,
    leave: Vec<Vec<(NaiveDate, NaiveDate)>>,
    day_busy: HashSet<(usize, NaiveDate)>,
    turn_taken: HashSet<(usize, usize, NaiveDate)>,
    year_count: HashMap<(usize, usize, i32), u32>,
    month_count: HashMap<(usize, usize, NaiveDate), u32>,
    counters: Counters,
    pending: BinaryHeap<LedgerEvent>,
    quotas: Vec<Quota>,
    /// Per rule: leaders whose slots of that rule are fixed by a quota.
    quota_leaders: Vec<HashSet<usize>>,
    minimums: Vec<Minimum>,
    diagnostics: Vec<Diagnostic>,
}

/// Drafts a roster for `period`.
///
/// `state` holds what exists (slots of any state, leave, swaps); `engagements` are other
/// commitments (field visits) a reception must not collide with.
pub fn generate(
    rules: &RosterRules,
    calendar: &HolidayCalendar,
    state: &RosterState,
    engagements: &[Engagement],
    period: Period,
) -> Generation {
    let horizon = Period {
        from: month_start(period.from),
        to: month_end(period.to),
    };
    // Yearly rules spread over whole years; rolling may run a little past the horizon.
    let table_from = NaiveDate::from_ymd_opt(horizon.from.year(), 1, 1).unwrap_or(horizon.from)
        - chrono::Duration::days(7);
    let table_to = NaiveDate::from_ymd_opt(horizon.to.year(), 12, 31).unwrap_or(horizon.to)
        + chrono::Duration::days(21);
    let days = DayTable::new(calendar, table_from, table_to, rules.receive_on_makeup_days);
    let mut planner = Planner::new(rules, period, days, state, engagements);

    for year in period.years() {
        if !calendar.covers(year) {
            planner.diagnostics.push(Diagnostic::warning(
                None,
                DiagnosticKind::CalendarUnknown { year },
            ));
        }
    }

    let (kept, old_drafts): (Vec<&Slot>, BTreeMap<SlotId, &Slot>) = {
        let mut kept = Vec::new();
        let mut drafts = BTreeMap::new();
        for slot in state.slots.values().filter(|s| s.state.is_live()) {
            if slot.state == SlotState::Draft && period.overlaps(slot.date, slot.through) {
                drafts.insert(slot.id, slot);
            } else {
                kept.push(slot);
            }
        }
        (kept, drafts)
    };
    let kept_ids: HashSet<SlotId> = kept.iter().map(|s| s.id).collect();
    planner.count_kept(&kept);

    let positions = planner.lay_out(horizon);
    let mut assigned: Vec<Option<usize>> = vec![None; positions.len()];
    let mut month = horizon.from;
    let mut cursor = 0;
    while month <= horizon.to {
        let last = month_end(month);
        let end = cursor + positions[cursor..].partition_point(|p| p.date <= last);
        let in_month: Vec<usize> = (cursor..end)
            .filter(|&i| !kept_ids.contains(&positions[i].id))
            .collect();
        planner.drain_ledger(month);
        planner.reserve_quotas(month, &positions, &in_month, &mut assigned);
        for &i in &in_month {
            if assigned[i].is_none() {
                planner.drain_ledger(positions[i].date);
                assigned[i] = planner.fill(&positions[i]);
            }
        }
        cursor = end;
        month = last.succ_opt().unwrap_or(last);
        if month == last {
            break;
        }
    }
    planner.check_minimums(horizon);
    planner.check_late_leave(state, &kept);

    let mut roster: Vec<Slot> = kept
        .iter()
        .filter(|s| period.overlaps(s.date, s.through))
        .map(|s| (*s).clone())
        .collect();
    let mut records = Vec::new();
    let mut produced = HashSet::new();
    for (position, leader) in positions.iter().zip(&assigned) {
        let Some(leader) = *leader else { continue };
        if !period.overlaps(position.date, position.through) || kept_ids.contains(&position.id) {
            continue;
        }
        let slot = planner.slot_for(position, leader);
        produced.insert(slot.id);
        if old_drafts.get(&slot.id).is_none_or(|old| **old != slot) {
            records.push(Record::Slot(slot.clone()));
        }
        roster.push(slot);
    }
    for (id, old) in &old_drafts {
        if !produced.contains(id) {
            let mut withdrawn = (*old).clone();
            withdrawn.state = SlotState::Withdrawn;
            records.push(Record::Slot(withdrawn));
        }
    }
    let rule_order: HashMap<&str, usize> = rules
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id(), i))
        .collect();
    roster.sort_by(|a, b| {
        let ra = rule_order
            .get(a.rule.as_str())
            .copied()
            .unwrap_or(usize::MAX);
        let rb = rule_order
            .get(b.rule.as_str())
            .copied()
            .unwrap_or(usize::MAX);
        (a.date, ra, &a.position).cmp(&(b.date, rb, &b.position))
    });
    Generation {
        roster,
        records,
        diagnostics: planner.diagnostics,
    }
}

impl<'a> Planner<'a> {
    fn new(
        rules: &'a RosterRules,
        period: Period,
        days: DayTable,
        state: &RosterState,
        engagements: &[Engagement],
    ) -> Planner<'a> {
        let n_leaders = rules.leaders.len();
        let index: HashMap<LeaderId, usize> = rules
            .leaders
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id, i))
            .collect();
        let mut leave = vec![Vec::new(); n_leaders];
        for l in state.leave.values() {
            if let Some(&i) = index.get(&l.leader) {
                leave[i].push((l.from, l.to));
            }
        }
        let mut day_busy = HashSet::new();
        for e in engagements {
            if let Some(&i) = index.get(&e.leader) {
                day_busy.insert((i, e.date));
            }
        }
        let rule_index: HashMap<&str, usize> = rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id(), i))
            .collect();
        let mut quotas = Vec::new();
        let mut quota_leaders = vec![HashSet::new(); rules.rules.len()];
        let mut minimums = Vec::new();
        for rule in &rules.rules {
            match rule {
                Rule::MonthlyQuota(q) => {
                    if let Some(&carrier) = rule_index.get(q.within.as_str()) {
                        let members = rules.pool_members(&q.pool);
                        quota_leaders[carrier].extend(members.iter().copied());
                        quotas.push(Quota {
                            carrier,
                            members,
                            per_leader: q.per_leader,
                            id: q.id.clone(),
                        });
                    }
                }
                Rule::YearlyMinimum(m) => {
                    let within = if m.within.is_empty() {
                        rules
                            .rules
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| r.makes_slots())
                            .map(|(i, _)| i)
                            .collect()
                    } else {
                        m.within
                            .iter()
                            .filter_map(|w| rule_index.get(w.as_str()).copied())
                            .collect()
                    };
                    minimums.push(Minimum {
                        within,
                        members: rules.pool_members(&m.pool),
                        per_leader: m.per_leader,
                        id: m.id.clone(),
                    });
                }
                _ => {}
            }
        }
        let mut owed = vec![0; n_leaders];
        for (absent, cover) in crate::ledger::leave_covers(state) {
            if let Some(&i) = index.get(&absent) {
                owed[i] += 1;
            }
            if let Some(&i) = index.get(&cover) {
                owed[i] -= 1;
            }
        }
        // Debts from swaps count as of the period's start: generation has no `today`.
        for (debtor, debt) in crate::ledger::open_debts(state, period.from) {
            if let Some(&i) = index.get(&debtor) {
                owed[i] += 1;
            }
            if let Some(&i) = index.get(&debt.owed_to) {
                owed[i] -= 1;
            }
        }
        let mut counters = Counters::new(rules.rules.len(), n_leaders);
        counters.owed = owed;
        Planner {
            rules,
            period,
            days,
            index,
            groups: Vec::new(),
            leave,
            day_busy,
            turn_taken: HashSet::new(),
            year_count: HashMap::new(),
            month_count: HashMap::new(),
            counters,
            pending: BinaryHeap::new(),
            quotas,
            quota_leaders,
            minimums,
            diagnostics: Vec::new(),
        }
    }

    /// Counts the slots that stay as they are.
    fn count_kept(&mut self, kept: &[&Slot]) {
        let rule_index: HashMap<&str, usize> = self
            .rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id(), i))
            .collect();
        for slot in kept {
            if slot.occupies_day()
                && let Some(&serving) = self.index.get(&slot.serving())
            {
                self.day_busy.insert((serving, slot.date));
            }
            let (Some(&rule), Some(&leader)) = (
                rule_index.get(slot.rule.as_str()),
                self.index.get(&slot.leader),
            ) else {
                continue;
            };
            self.count_assignment(rule, leader, slot.date, slot.kind);
        }
    }

    fn count_assignment(&mut self, rule: usize, leader: usize, date: NaiveDate, kind: SlotKind) {
        if let Some(turn) = self.turn_of(rule, date) {
            self.turn_taken.insert((rule, leader, turn));
        }
        *self
            .year_count
            .entry((rule, leader, date.year()))
            .or_default() += 1;
        *self
            .month_count
            .entry((rule, leader, month_start(date)))
            .or_default() += 1;
        self.pending
            .push(Reverse((date, rule, leader, kind == SlotKind::Reception)));
    }

    /// Moves every counted slot dated before `date` into the ledger.
    fn drain_ledger(&mut self, date: NaiveDate) {
        while let Some(Reverse((d, rule, leader, reception))) = self.pending.peek().copied() {
            if d >= date {
                break;
            }
            self.pending.pop();
            let kind = if reception {
                SlotKind::Reception
            } else {
                SlotKind::OnCall
            };
            self.counters.record(rule, leader, d, kind, &self.days);
        }
    }

    /// The turn a slot belongs to: a leader takes at most one slot of a rule per turn
    /// (a week, or a month for monthly on-call). Yearly rules cap by year instead.
    fn turn_of(&self, rule: usize, date: NaiveDate) -> Option<NaiveDate> {
        match &self.rules.rules[rule] {
            Rule::Yearly(_) => None,
            Rule::OnCall(r) if r.every == OnCallTurn::Month => Some(month_start(date)),
            _ => Some(week_monday(date)),
        }
    }

    fn group(&mut self, members: Vec<usize>) -> usize {
        if let Some(i) = self.groups.iter().position(|g| *g == members) {
            return i;
        }
        self.groups.push(members);
        self.groups.len() - 1
    }

    fn in_period(&self, date: NaiveDate) -> bool {
        self.period.contains(date)
    }

    fn slot_for(&self, position: &Position, leader: usize) -> Slot {
        let rule = &self.rules.rules[position.rule];
        let person = &self.rules.leaders[leader];
        let slot_type = rule.slot_type().and_then(|t| self.rules.slot_types.get(t));
        let (start, end, place) = match slot_type {
            Some(t) => (t.start, t.end, self.rules.place_for(t, person)),
            None => (
                crate::rules::ClockTime(chrono::NaiveTime::MIN),
                crate::rules::ClockTime(chrono::NaiveTime::MIN),
                String::new(),
            ),
        };
        Slot {
            id: position.id,
            rule: rule.id().to_owned(),
            position: position.key.clone(),
            kind: position.kind,
            date: position.date,
            through: position.through,
            nominal: position.nominal,
            start,
            end,
            leader: person.id,
            deputy: None,
            place,
            township: position.township.clone().or_else(|| {
                if matches!(rule, Rule::Weekday(w) if w.by_township) {
                    person.township.clone()
                } else {
                    None
                }
            }),
            state: SlotState::Draft,
            published_at: None,
        }
    }
}
