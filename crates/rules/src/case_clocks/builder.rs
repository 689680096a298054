//! The pieces [`super::case_clocks`] is built from: which events close a path, and how a
//! duty or a window is matched against the events that follow its start.

use chrono::NaiveDate;
use fengqiao_model::event::{CaseEvent, EventKind};

use super::{ClockReport, ClockState};
use crate::calendar::HolidayCalendar;
use crate::clock::{Adjustments, ClockId, Deadline, Diagnostic, DueThresholds, deadline};

/// Whether an event ends the handling path, stopping duties still running.
pub(super) fn is_closing(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Closed { .. }
            | EventKind::Finalized
            | EventKind::NotAccepted { .. }
            | EventKind::NotReaccepted { .. }
            | EventKind::Diverted { .. }
    )
}

/// The first event at or after `from` that matches.
pub(super) fn find_from(
    events: &[CaseEvent],
    from: usize,
    pred: impl Fn(&EventKind) -> bool,
) -> Option<usize> {
    events
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, e)| pred(&e.kind))
        .map(|(i, _)| i)
}

pub(super) struct Builder<'a> {
    pub(super) events: &'a [CaseEvent],
    pub(super) calendar: &'a HolidayCalendar,
    pub(super) today: NaiveDate,
    pub(super) thresholds: &'a DueThresholds,
    pub(super) clocks: Vec<ClockReport>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl Builder<'_> {
    pub(super) fn deadline(
        &mut self,
        clock: ClockId,
        start: NaiveDate,
        adjust: Adjustments,
    ) -> Option<Deadline> {
        // Only dates at the end of representable time fail here; a case cannot have those.
        let dl = deadline(self.calendar, clock, start, adjust).ok()?;
        for d in dl.diagnostics() {
            if !self.diagnostics.contains(&d) {
                self.diagnostics.push(d);
            }
        }
        Some(dl)
    }

    /// A duty: met by the first event matching `met` at or after `from`, unless an event
    /// matching `stop` comes first.
    pub(super) fn duty(
        &mut self,
        dl: Deadline,
        from: usize,
        met: impl Fn(&EventKind) -> bool,
        stop: impl Fn(&EventKind) -> bool,
    ) -> ClockReport {
        let met_at = find_from(self.events, from, met);
        let stop_at = find_from(self.events, from, stop);
        let state = match (met_at, stop_at) {
            (Some(m), s) if s.is_none_or(|s| m <= s) => {
                let on = self.events[m].date;
                ClockState::Met {
                    on,
                    on_time: on <= dl.due,
                }
            }
            (_, Some(s)) => ClockState::Stopped {
                on: self.events[s].date,
                by: self.events[s].kind.zh(),
            },
            _ => ClockState::Running(dl.status(self.today, self.thresholds)),
        };
        ClockReport {
            deadline: dl,
            state,
        }
    }

    /// A window: used by the first event matching `used` at or after `from`.
    pub(super) fn window(
        &mut self,
        dl: Deadline,
        from: usize,
        used: impl Fn(&EventKind) -> bool,
    ) -> ClockReport {
        let state = match find_from(self.events, from, used) {
            Some(u) => {
                let on = self.events[u].date;
                if on > dl.due {
                    self.diagnostics.push(Diagnostic::LateWindowUse {
                        clock: dl.clock,
                        on,
                        due: dl.due,
                    });
                }
                ClockState::Met {
                    on,
                    on_time: on <= dl.due,
                }
            }
            None if self.today > dl.due => ClockState::Lapsed,
            None => ClockState::Running(dl.status(self.today, self.thresholds)),
        };
        ClockReport {
            deadline: dl,
            state,
        }
    }
}

/// The events that count as deciding whether to accept an item.
pub(super) fn is_acceptance_decision(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Accepted
            | EventKind::FastTrack
            | EventKind::Acknowledged
            | EventKind::NotAccepted { .. }
            | EventKind::NotReaccepted { .. }
            | EventKind::Diverted { .. }
            | EventKind::Objected { .. }
    )
}

pub(super) fn is_notice(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Acknowledged | EventKind::NotAccepted { .. } | EventKind::Diverted { .. }
    )
}
