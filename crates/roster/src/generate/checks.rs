//! Checks after filling: yearly minimums that cannot be met, and leave reported too late.

use chrono::NaiveDate;

use super::Planner;
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::period::Period;
use crate::state::{RosterState, Slot, SlotState};

impl<'a> Planner<'a> {
    /// Reports yearly minimums not met in years whose end the horizon reaches.
    pub(super) fn check_minimums(&mut self, horizon: Period) {
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
    pub(super) fn check_late_leave(&mut self, state: &RosterState, kept: &[&Slot]) {
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
}
