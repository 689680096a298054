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

use chrono::{Datelike, Days, NaiveDate, Weekday};
use fengqiao_model::LeaderId;
use fengqiao_rules::calendar::HolidayCalendar;

use crate::days::{DayTable, in_week, month_end, month_start, week_monday};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ids::SlotId;
use crate::ledger::{Counters, DueAsk, DueKey};
use crate::period::Period;
use crate::rules::{OnCallTurn, RestDayPolicy, RosterRules, Rule};
use crate::state::{Engagement, Record, RosterState, Slot, SlotKind, SlotState};

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

    /// Every rule's positions over `horizon`, sorted by date, rule and key.
    fn lay_out(&mut self, horizon: Period) -> Vec<Position> {
        let mut positions = Vec::new();
        let rules = self.rules;
        for (r, rule) in rules.rules.iter().enumerate() {
            let members = rules.pool_members(rule.pool());
            match rule {
                Rule::Weekly(w) => {
                    let group = self.group(members);
                    let preferred: Vec<Weekday> = w.weekdays.iter().map(|d| d.0).collect();
                    for monday in mondays(horizon) {
                        let dates = self.weekly_dates(monday, w.per_week, &preferred, &w.id);
                        for (seat, date) in dates.into_iter().enumerate() {
                            positions.push(self.position(
                                r,
                                format!("w{monday}#{seat}"),
                                date,
                                date,
                                date,
                                group,
                                None,
                            ));
                        }
                    }
                }
                Rule::Weekday(w) => {
                    let groups: Vec<(Option<String>, usize)> = if w.by_township {
                        let mut by_township: Vec<(String, Vec<usize>)> = Vec::new();
                        for &i in &members {
                            let township = rules.leaders[i].township.clone().unwrap_or_default();
                            match by_township.iter_mut().find(|(t, _)| *t == township) {
                                Some((_, list)) => list.push(i),
                                None => by_township.push((township, vec![i])),
                            }
                        }
                        by_township
                            .into_iter()
                            .map(|(t, list)| (Some(t), self.group(list)))
                            .collect()
                    } else {
                        vec![(None, self.group(members))]
                    };
                    for monday in mondays(horizon) {
                        let nominal = in_week(monday, w.weekday.0);
                        let Some(date) = self.weekday_date(monday, nominal, w.on_rest_day, &w.id)
                        else {
                            continue;
                        };
                        for (township, group) in &groups {
                            for seat in 0..w.per_group {
                                let key = match township {
                                    Some(t) => format!("w{monday}/{t}#{seat}"),
                                    None => format!("w{monday}#{seat}"),
                                };
                                positions.push(self.position(
                                    r,
                                    key,
                                    date,
                                    date,
                                    nominal,
                                    *group,
                                    township.clone(),
                                ));
                            }
                        }
                    }
                }
                Rule::MonthDay(m) => {
                    let group = self.group(members);
                    let mut month = horizon.from;
                    while month <= horizon.to {
                        let last = month_end(month);
                        let nominal = month.with_day(m.day).unwrap_or(last);
                        if let Some(date) = self.next_receiving_day(nominal) {
                            if date != nominal && self.in_period(date) {
                                self.diagnostics.push(Diagnostic::info(
                                    Some(&m.id),
                                    DiagnosticKind::Rolled {
                                        nominal,
                                        date,
                                        township: None,
                                    },
                                ));
                            }
                            for seat in 0..m.per_day {
                                let key = format!("m{}#{seat}", month.format("%Y-%m"));
                                positions
                                    .push(self.position(r, key, date, date, nominal, group, None));
                            }
                        }
                        month = last + chrono::Duration::days(1);
                    }
                }
                Rule::Yearly(y) => {
                    let group = self.group(members.clone());
                    let preferred: Vec<Weekday> = y.weekdays.iter().map(|d| d.0).collect();
                    for year in horizon.years() {
                        let receiving: Vec<NaiveDate> = year_days(year)
                            .filter(|d| self.days.receives(*d))
                            .filter(|d| preferred.is_empty() || preferred.contains(&d.weekday()))
                            .collect();
                        let wanted = members.len() * y.per_leader as usize;
                        for (i, date) in spread(&receiving, wanted).into_iter().enumerate() {
                            if horizon.contains(date) {
                                positions.push(self.position(
                                    r,
                                    format!("y{year}#{i}"),
                                    date,
                                    date,
                                    date,
                                    group,
                                    None,
                                ));
                            }
                        }
                    }
                }
                Rule::OnCall(o) => {
                    let group = self.group(members);
                    match o.every {
                        OnCallTurn::Week => {
                            for monday in mondays(horizon) {
                                let sunday = monday + chrono::Duration::days(6);
                                let mut p = self.position(
                                    r,
                                    format!("w{monday}"),
                                    monday,
                                    sunday,
                                    monday,
                                    group,
                                    None,
                                );
                                p.kind = SlotKind::OnCall;
                                positions.push(p);
                            }
                        }
                        OnCallTurn::Month => {
                            let mut month = horizon.from;
                            while month <= horizon.to {
                                let last = month_end(month);
                                let mut p = self.position(
                                    r,
                                    format!("m{}", month.format("%Y-%m")),
                                    month,
                                    last,
                                    month,
                                    group,
                                    None,
                                );
                                p.kind = SlotKind::OnCall;
                                positions.push(p);
                                month = last + chrono::Duration::days(1);
                            }
                        }
                    }
                }
                Rule::MonthlyQuota(_) | Rule::YearlyMinimum(_) => {}
            }
        }
        // An on-call week that starts before the horizon still covers its first days.
        positions.retain(|p| horizon.overlaps(p.date, p.through));
        positions.sort_by(|a, b| (a.date, a.rule, &a.key).cmp(&(b.date, b.rule, &b.key)));
        positions
    }

    #[allow(clippy::too_many_arguments)] // A plain constructor; a builder would only add noise.
    fn position(
        &self,
        rule: usize,
        key: String,
        date: NaiveDate,
        through: NaiveDate,
        nominal: NaiveDate,
        group: usize,
        township: Option<String>,
    ) -> Position {
        let id = SlotId::derive(&self.rules.county, self.rules.rules[rule].id(), &key);
        Position {
            rule,
            key,
            id,
            date,
            through,
            nominal,
            kind: SlotKind::Reception,
            group,
            township,
        }
    }

    /// The days of a weekly rule's seats in the week of `monday`: preferred weekdays
    /// first, other working days when those are rest days, spread over the week.
    fn weekly_dates(
        &mut self,
        monday: NaiveDate,
        per_week: u32,
        preferred: &[Weekday],
        rule_id: &str,
    ) -> Vec<NaiveDate> {
        let receiving: Vec<NaiveDate> = (0..7)
            .map(|i| monday + chrono::Duration::days(i))
            .filter(|d| self.days.receives(*d))
            .collect();
        let wanted = per_week as usize;
        if receiving.is_empty() {
            if self
                .period
                .overlaps(monday, monday + chrono::Duration::days(6))
            {
                self.diagnostics.push(Diagnostic::info(
                    Some(rule_id),
                    DiagnosticKind::NoReceptionDay {
                        week_of: monday,
                        township: None,
                    },
                ));
            }
            return Vec::new();
        }
        if preferred.is_empty() {
            return spread(&receiving, wanted);
        }
        let (on_preferred, others): (Vec<NaiveDate>, Vec<NaiveDate>) = receiving
            .iter()
            .partition(|d| preferred.contains(&d.weekday()));
        if on_preferred.len() >= wanted {
            return spread(&on_preferred, wanted);
        }
        let mut dates = on_preferred;
        let substitutes = spread(&others, wanted - dates.len());
        for date in &substitutes {
            if self.in_period(*date) {
                self.diagnostics.push(Diagnostic::info(
                    Some(rule_id),
                    DiagnosticKind::OffPreferredDay {
                        week_of: monday,
                        date: *date,
                    },
                ));
            }
        }
        dates.extend(substitutes);
        dates.sort();
        dates
    }

    /// The day of a fixed-weekday rule in the week of `monday`, rolled per the policy.
    fn weekday_date(
        &mut self,
        monday: NaiveDate,
        nominal: NaiveDate,
        policy: RestDayPolicy,
        rule_id: &str,
    ) -> Option<NaiveDate> {
        if self.days.receives(nominal) {
            return Some(nominal);
        }
        let sunday = monday + chrono::Duration::days(6);
        let rolled = match policy {
            RestDayPolicy::Skip => None,
            RestDayPolicy::NextWorkingDayInWeek => {
                self.next_receiving_day(nominal).filter(|d| *d <= sunday)
            }
            RestDayPolicy::NextWorkingDay => self.next_receiving_day(nominal),
        };
        match rolled {
            Some(date) if self.in_period(date) => self.diagnostics.push(Diagnostic::info(
                Some(rule_id),
                DiagnosticKind::Rolled {
                    nominal,
                    date,
                    township: None,
                },
            )),
            Some(_) => {}
            None if self.in_period(nominal) => self.diagnostics.push(Diagnostic::info(
                Some(rule_id),
                DiagnosticKind::NoReceptionDay {
                    week_of: monday,
                    township: None,
                },
            )),
            None => {}
        }
        rolled
    }

    fn next_receiving_day(&self, from: NaiveDate) -> Option<NaiveDate> {
        let mut date = from;
        while self.days.get(date).is_some() {
            if self.days.receives(date) {
                return Some(date);
            }
            date = date.checked_add_days(Days::new(1))?;
        }
        None
    }

    fn on_leave(&self, leader: usize, from: NaiveDate, through: NaiveDate) -> bool {
        self.leave[leader]
            .iter()
            .any(|(l_from, l_to)| *l_from <= through && from <= *l_to)
    }

    /// Whether `leader` may take `position`; `strict` also keeps them to one slot of the
    /// rule per turn.
    fn available(&self, leader: usize, position: &Position, strict: bool) -> bool {
        if self.on_leave(leader, position.date, position.through) {
            return false;
        }
        if position.kind == SlotKind::Reception && self.day_busy.contains(&(leader, position.date))
        {
            return false;
        }
        if strict
            && let Some(turn) = self.turn_of(position.rule, position.date)
            && self.turn_taken.contains(&(position.rule, leader, turn))
        {
            return false;
        }
        if let Rule::Yearly(y) = &self.rules.rules[position.rule] {
            let held = self
                .year_count
                .get(&(position.rule, leader, position.date.year()))
                .copied()
                .unwrap_or(0);
            if held >= y.per_leader {
                return false;
            }
        }
        true
    }

    fn below_minimum(&self, rule: usize, leader: usize, year: i32) -> bool {
        self.minimums.iter().any(|m| {
            m.within.contains(&rule)
                && m.members.contains(&leader)
                && m.within
                    .iter()
                    .map(|&w| {
                        self.year_count
                            .get(&(w, leader, year))
                            .copied()
                            .unwrap_or(0)
                    })
                    .sum::<u32>()
                    < m.per_leader
        })
    }

    /// How due `leader` is for `position`.
    fn due(&self, position: &Position, leader: usize) -> DueKey {
        let ask = DueAsk {
            rule: position.rule,
            date: position.date,
            position: &position.key,
        };
        self.counters.due_key(
            &ask,
            leader,
            self.rules.leaders[leader].id,
            self.below_minimum(position.rule, leader, position.date.year()),
            &self.days,
        )
    }

    /// The most due of `candidates` for `position`.
    fn most_due(
        &self,
        position: &Position,
        candidates: impl Iterator<Item = usize>,
    ) -> Option<usize> {
        candidates.min_by_key(|&leader| self.due(position, leader))
    }

    fn assign(&mut self, leader: usize, position: &Position) {
        if position.kind == SlotKind::Reception {
            self.day_busy.insert((leader, position.date));
        }
        self.count_assignment(position.rule, leader, position.date, position.kind);
    }

    /// Fills an ordinary position with the most due eligible leader.
    fn fill(&mut self, position: &Position) -> Option<usize> {
        let rule_id = self.rules.rules[position.rule].id().to_owned();
        let eligible: Vec<usize> = self.groups[position.group]
            .iter()
            .copied()
            .filter(|l| !self.quota_leaders[position.rule].contains(l))
            .collect();
        let strict = self.most_due(
            position,
            eligible
                .iter()
                .copied()
                .filter(|&l| self.available(l, position, true)),
        );
        let chosen = match strict {
            Some(leader) => Some(leader),
            None => {
                let relaxed = self.most_due(
                    position,
                    eligible
                        .iter()
                        .copied()
                        .filter(|&l| self.available(l, position, false)),
                );
                if let Some(leader) = relaxed
                    && self.in_period(position.date)
                {
                    self.diagnostics.push(Diagnostic::info(
                        Some(&rule_id),
                        DiagnosticKind::RepeatInWeek {
                            leader: self.rules.leaders[leader].name.clone(),
                            week_of: week_monday(position.date),
                        },
                    ));
                }
                relaxed
            }
        };
        match chosen {
            Some(leader) => self.assign(leader, position),
            None if self.in_period(position.date) => {
                let why = self.why_unavailable(&eligible, position);
                self.diagnostics.push(Diagnostic::warning(
                    Some(&rule_id),
                    DiagnosticKind::SeatUnfilled {
                        date: position.date,
                        township: position.township.clone(),
                        why,
                    },
                ));
            }
            None => {}
        }
        chosen
    }

    /// Why nobody of `eligible` can take `position`, in words.
    fn why_unavailable(&self, eligible: &[usize], position: &Position) -> String {
        if eligible.is_empty() {
            return "人员范围内的领导均由月度定额单独安排 (every pool member is under a quota)"
                .to_owned();
        }
        let (mut on_leave, mut busy, mut other) = (0, 0, 0);
        for &leader in eligible {
            if self.on_leave(leader, position.date, position.through) {
                on_leave += 1;
            } else if position.kind == SlotKind::Reception
                && self.day_busy.contains(&(leader, position.date))
            {
                busy += 1;
            } else {
                other += 1;
            }
        }
        format!(
            "{} 人中 {on_leave} 人请假，{busy} 人当日另有安排，{other} 人已达本年次数",
            eligible.len()
        )
    }

    /// Reserves the positions of every monthly quota in the month starting `month`.
    fn reserve_quotas(
        &mut self,
        month: NaiveDate,
        positions: &[Position],
        in_month: &[usize],
        assigned: &mut [Option<usize>],
    ) {
        let month_label = month.format("%Y-%m").to_string();
        let month_in_period = self.period.overlaps(month, month_end(month));
        for q in self.quotas.clone() {
            let open: Vec<usize> = in_month
                .iter()
                .copied()
                .filter(|&i| positions[i].rule == q.carrier && assigned[i].is_none())
                .collect();
            let mut need: BTreeMap<usize, u32> = BTreeMap::new();
            for &leader in &q.members {
                let have = self
                    .month_count
                    .get(&(q.carrier, leader, month))
                    .copied()
                    .unwrap_or(0);
                if have > q.per_leader && month_in_period {
                    self.diagnostics.push(Diagnostic::warning(
                        Some(&q.id),
                        DiagnosticKind::QuotaExceeded {
                            leader: self.rules.leaders[leader].name.clone(),
                            month: month_label.clone(),
                            got: have,
                            quota: q.per_leader,
                        },
                    ));
                }
                need.insert(leader, q.per_leader.saturating_sub(have));
            }
            let demand: usize = need.values().map(|&n| n as usize).sum();
            if demand == 0 {
                continue;
            }
            // Evenly spaced targets over the open positions, each given to the quota leader
            // who needs most and is most due, so each leader's slots spread over the month.
            let n_targets = demand.min(open.len());
            let targets: Vec<usize> = (0..n_targets)
                .map(|j| open[(2 * j + 1) * open.len() / (2 * n_targets)])
                .collect();
            for &t in &targets {
                // Any free seat of the target's week will do: the leader takes the one on
                // the weekday they have had least, so a principal is not always on Thursdays.
                let week = week_monday(positions[t].date);
                let window: Vec<usize> = open
                    .iter()
                    .copied()
                    .filter(|&i| assigned[i].is_none() && week_monday(positions[i].date) == week)
                    .collect();
                let mut best: Option<(Reverse<u32>, DueKey, usize, usize)> = None;
                for (&leader, &n) in need.iter().filter(|(_, n)| **n > 0) {
                    for &i in window
                        .iter()
                        .filter(|&&i| self.available(leader, &positions[i], true))
                    {
                        let candidate = (Reverse(n), self.due(&positions[i], leader), leader, i);
                        if best.as_ref().is_none_or(|b| candidate < *b) {
                            best = Some(candidate);
                        }
                    }
                }
                if let Some((_, _, leader, i)) = best {
                    self.assign(leader, &positions[i]);
                    assigned[i] = Some(leader);
                    if let Some(n) = need.get_mut(&leader) {
                        *n -= 1;
                    }
                }
            }
            // Whoever still needs slots (a target was on their leave) takes the nearest
            // free positions, first keeping to one a week, then not.
            for leader in q.members.clone() {
                for strict in [true, false] {
                    while need.get(&leader).copied().unwrap_or(0) > 0 {
                        let Some(&i) = open.iter().find(|&&i| {
                            assigned[i].is_none() && self.available(leader, &positions[i], strict)
                        }) else {
                            break;
                        };
                        self.assign(leader, &positions[i]);
                        assigned[i] = Some(leader);
                        if let Some(n) = need.get_mut(&leader) {
                            *n -= 1;
                        }
                    }
                }
                let missing = need.get(&leader).copied().unwrap_or(0);
                if missing > 0 && month_in_period {
                    let why = if open.is_empty() {
                        "本月没有可排的接访日 (no open slot this month)".to_owned()
                    } else if self.leave[leader]
                        .iter()
                        .any(|(f, t)| *f <= month_end(month) && month <= *t)
                    {
                        "本月请假 (on leave this month)".to_owned()
                    } else {
                        "本月接访日已排满或当日另有安排 (slots taken or busy)".to_owned()
                    };
                    self.diagnostics.push(Diagnostic::warning(
                        Some(&q.id),
                        DiagnosticKind::QuotaUnmet {
                            leader: self.rules.leaders[leader].name.clone(),
                            month: month_label.clone(),
                            got: q.per_leader - missing,
                            need: q.per_leader,
                            why,
                        },
                    ));
                }
            }
        }
    }

    /// Reports yearly minimums not met in years whose end the horizon reaches.
    fn check_minimums(&mut self, horizon: Period) {
        for m in self.minimums.clone() {
            for year in self.period.years() {
                let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(horizon.to);
                if horizon.to < year_end {
                    continue;
                }
                for &leader in &m.members {
                    let got: u32 = m
                        .within
                        .iter()
                        .map(|&w| {
                            self.year_count
                                .get(&(w, leader, year))
                                .copied()
                                .unwrap_or(0)
                        })
                        .sum();
                    if got < m.per_leader {
                        self.diagnostics.push(Diagnostic::warning(
                            Some(&m.id),
                            DiagnosticKind::YearlyMinimumUnmet {
                                leader: self.rules.leaders[leader].name.clone(),
                                year,
                                got,
                                need: m.per_leader,
                            },
                        ));
                    }
                }
            }
        }
    }

    /// Flags leave that reaches a published slot still naming the absent leader and was
    /// reported later than the notice rule asks: generation never moves that slot, so the
    /// office must (with `report_leave`, which also fills the gap from the standby list).
    fn check_late_leave(&mut self, state: &RosterState, kept: &[&Slot]) {
        for leave in state.leave.values() {
            for slot in kept.iter().filter(|s| {
                s.state == SlotState::Published
                    && s.leader == leave.leader
                    && self.period.overlaps(s.date, s.through)
                    && leave.overlaps(s.date, s.through)
            }) {
                let notice_days = leave.notice_days_before(slot.date);
                if notice_days < i64::from(self.rules.leave_notice_days) {
                    let leader = self
                        .rules
                        .leader(leave.leader)
                        .map(|l| l.name.clone())
                        .unwrap_or_default();
                    self.diagnostics.push(Diagnostic::warning(
                        Some(&slot.rule),
                        DiagnosticKind::LateLeaveNotice {
                            leader,
                            slot_date: slot.date,
                            reported_on: leave.reported_on,
                            notice_days,
                            required: self.rules.leave_notice_days,
                        },
                    ));
                }
            }
        }
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

/// The Mondays of the weeks that touch `horizon`.
fn mondays(horizon: Period) -> impl Iterator<Item = NaiveDate> {
    let first = week_monday(horizon.from);
    let last = horizon.to;
    std::iter::successors(Some(first), |m| m.checked_add_days(Days::new(7)))
        .take_while(move |m| *m <= last)
}

/// Every day of `year`.
fn year_days(year: i32) -> impl Iterator<Item = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1);
    std::iter::successors(first, |d| d.succ_opt()).take_while(move |d| d.year() == year)
}

/// `wanted` dates spread evenly over `dates` (the middle of each equal share); when there
/// are fewer dates than wanted, dates repeat in turn.
fn spread(dates: &[NaiveDate], wanted: usize) -> Vec<NaiveDate> {
    if dates.is_empty() || wanted == 0 {
        return Vec::new();
    }
    if dates.len() >= wanted {
        return (0..wanted)
            .map(|i| dates[(2 * i + 1) * dates.len() / (2 * wanted)])
            .collect();
    }
    let mut out: Vec<NaiveDate> = (0..wanted).map(|i| dates[i % dates.len()]).collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_the_middle_of_equal_shares() {
        let week: Vec<NaiveDate> = (5..=9)
            .filter_map(|d| NaiveDate::from_ymd_opt(2026, 1, d))
            .collect();
        let two = spread(&week, 2);
        assert_eq!(two.iter().map(|d| d.day()).collect::<Vec<_>>(), vec![6, 8]);
        assert_eq!(spread(&week[..1], 2).len(), 2);
        assert!(spread(&[], 2).is_empty());
    }
}
