//! The accountability warnings of 第四十三、四十四、四十五条, and the hearing days T10 does
//! not count.

use chrono::NaiveDate;
use fengqiao_model::event::{CaseEvent, EventKind};
use fengqiao_model::vocab::PanelKind;

use super::builder::is_acceptance_decision;
use super::{AccountabilityWarning, ClockReport, ClockState, Trigger};
use crate::clock::{ClockId, Deadline, DueStatus, DueThresholds};

/// The days a 听证团 sat on the case inside the re-review window: after the request
/// (the request's own day is not counted in any period) through the opinion, or open-ended
/// while none is given. Each day counts once however many sessions sat on it. 评议团
/// sessions do not count: 第三十六条 excludes only 听证 time.
pub fn hearing_session_days(
    events: &[CaseEvent],
    requested: NaiveDate,
    opinion: Option<NaiveDate>,
) -> std::collections::BTreeSet<NaiveDate> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::HearingSession {
                panel: PanelKind::Hearing,
                days,
                ..
            } => Some(days),
            _ => None,
        })
        .flatten()
        .copied()
        .filter(|d| *d > requested && opinion.is_none_or(|o| *d <= o))
        .collect()
}

/// The trigger a duty clock watches.
fn trigger_of(clock: ClockId) -> Option<Trigger> {
    match clock {
        ClockId::T1 => Some(Trigger::Register),
        ClockId::T2 | ClockId::T3 => Some(Trigger::Notify),
        ClockId::T5 | ClockId::T6 | ClockId::T8 | ClockId::T10 | ClockId::FastTrack => {
            Some(Trigger::Close)
        }
        ClockId::T4 | ClockId::T7 | ClockId::T9 => None,
    }
}

/// The warning for one act watched by a deadline: approaching or passed while undone, or
/// done late.
fn warning_for(
    trigger: Trigger,
    dl: &Deadline,
    done_on: Option<NaiveDate>,
    today: NaiveDate,
    thresholds: &DueThresholds,
) -> Option<AccountabilityWarning> {
    let base = AccountabilityWarning {
        trigger,
        clock: dl.clock,
        due: dl.due,
        status: DueStatus::DueToday,
        done_late_on: None,
    };
    match done_on {
        Some(on) if on > dl.due => Some(AccountabilityWarning {
            status: DueStatus::Overdue {
                days_late: (on - dl.due).num_days(),
            },
            done_late_on: Some(on),
            ..base
        }),
        Some(_) => None,
        None => {
            let status = dl.status(today, thresholds);
            status
                .needs_attention()
                .then_some(AccountabilityWarning { status, ..base })
        }
    }
}

pub(super) fn accountability(
    clocks: &[ClockReport],
    events: &[CaseEvent],
    today: NaiveDate,
    thresholds: &DueThresholds,
    no_closing_limit: bool,
) -> Vec<AccountabilityWarning> {
    let mut warnings = Vec::new();
    for r in clocks {
        let dl = &r.deadline;
        // The acceptance decision shares T3's deadline: 第四十四条 asks the unit to tell the
        // petitioner within it whether the item is accepted.
        if dl.clock == ClockId::T3 && !matches!(r.state, ClockState::Stopped { .. }) {
            let decided = events
                .iter()
                .filter(|e| e.date >= dl.start)
                .find(|e| is_acceptance_decision(&e.kind))
                .map(|e| e.date);
            warnings.extend(warning_for(Trigger::Accept, dl, decided, today, thresholds));
        }
        let Some(trigger) = trigger_of(dl.clock) else {
            continue;
        };
        // 建议意见类 items have no time limit (第二十九条), so nothing to hold anyone to.
        if no_closing_limit && trigger == Trigger::Close {
            continue;
        }
        let done_on = match r.state {
            ClockState::Running(_) => None,
            ClockState::Met { on, .. } => Some(on),
            // Stopped or extended duties are no longer owed under this clock.
            ClockState::Stopped { .. } | ClockState::Extended | ClockState::Lapsed => continue,
        };
        warnings.extend(warning_for(trigger, dl, done_on, today, thresholds));
    }
    warnings
}
