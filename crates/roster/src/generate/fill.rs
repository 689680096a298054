//! Filling positions: monthly quotas reserved first and spread over the month, then every
//! other position by the most due available leader.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::{Planner, Position};
use crate::days::{month_end, week_monday};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ledger::{DueAsk, DueKey};
use crate::rules::Rule;
use crate::state::SlotKind;

impl<'a> Planner<'a> {
    pub(super) fn on_leave(&self, leader: usize, from: NaiveDate, through: NaiveDate) -> bool {
        self.leave[leader]
            .iter()
            .any(|(l_from, l_to)| *l_from <= through && from <= *l_to)
    }

    /// Whether `leader` may take `position`; `strict` also keeps them to one slot of the
    /// rule per turn.
    pub(super) fn available(&self, leader: usize, position: &Position, strict: bool) -> bool {
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

    pub(super) fn below_minimum(&self, rule: usize, leader: usize, year: i32) -> bool {
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
    pub(super) fn due(&self, position: &Position, leader: usize) -> DueKey {
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
    pub(super) fn most_due(
        &self,
        position: &Position,
        candidates: impl Iterator<Item = usize>,
    ) -> Option<usize> {
        candidates.min_by_key(|&leader| self.due(position, leader))
    }

    pub(super) fn assign(&mut self, leader: usize, position: &Position) {
        if position.kind == SlotKind::Reception {
            self.day_busy.insert((leader, position.date));
        }
        self.count_assignment(position.rule, leader, position.date, position.kind);
    }

    /// Fills an ordinary position with the most due eligible leader.
    pub(super) fn fill(&mut self, position: &Position) -> Option<usize> {
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
    pub(super) fn why_unavailable(&self, eligible: &[usize], position: &Position) -> String {
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
    pub(super) fn reserve_quotas(
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
}

/// `wanted` dates spread evenly over `dates` (the middle of each equal share); when there
/// are fewer dates than wanted, dates repeat in turn.
pub(super) fn spread(dates: &[NaiveDate], wanted: usize) -> Vec<NaiveDate> {
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
