//! Positions: where the rules want a leader, laid out from the calendar alone (weekly
//! turns, fixed weekdays, month days rolled past holidays, yearly dates).

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::fill::spread;
use super::{Planner, Position};
use crate::days::{in_week, month_end, week_monday};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ids::SlotId;
use crate::period::Period;
use crate::rules::{OnCallTurn, RestDayPolicy, Rule};
use crate::state::SlotKind;

impl<'a> Planner<'a> {
    /// Every rule's positions over `horizon`, sorted by date, rule and key.
    pub(super) fn lay_out(&mut self, horizon: Period) -> Vec<Position> {
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
    pub(super) fn position(
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
    pub(super) fn weekly_dates(
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
    pub(super) fn weekday_date(
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

    pub(super) fn next_receiving_day(&self, from: NaiveDate) -> Option<NaiveDate> {
        let mut date = from;
        while self.days.get(date).is_some() {
            if self.days.receives(date) {
                return Some(date);
            }
            date = date.checked_add_days(Days::new(1))?;
        }
        None
    }
}

/// The Mondays of the weeks that touch `horizon`.
pub(super) fn mondays(horizon: Period) -> impl Iterator<Item = NaiveDate> {
    let first = week_monday(horizon.from);
    let last = horizon.to;
    std::iter::successors(Some(first), |m| m.checked_add_days(Days::new(7)))
        .take_while(move |m| *m <= last)
}

/// Every day of `year`.
pub(super) fn year_days(year: i32) -> impl Iterator<Item = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1);
    std::iter::successors(first, |d| d.succ_opt()).take_while(move |d| d.year() == year)
}
