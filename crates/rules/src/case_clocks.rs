//! A case's clocks, derived from its events (RULES.md §1–§2): which clocks run, which were
//! met and when, which are overdue, and the accountability warnings of 第四十四、四十五条.
//!
//! Typical workflow:
//! 1. Take the case's facts from its registration: [`CaseFacts::from_registration`].
//! 2. Call [`case_clocks`] with the events, the calendar, `today` and the thresholds.
//! 3. Show [`CaseClocks::clocks`], [`CaseClocks::warnings`] and [`CaseClocks::diagnostics`].
//!
//! The answer depends only on the arguments: events are put in their canonical order
//! with [`sort_events`] first, so every replica computes the same clocks whatever order the
//! events merged in.
//!
//! Decisions made where the law leaves room, with their reasons:
//! - T1 (登记并转送交办) is met by any handling decision: forwarding, assigning, diverting,
//!   not accepting, accepting or the fast track; classification alone is not handling.
//! - T2/T3 (书面告知) are met by a written notice, and also by 不予受理 or 导入法定程序,
//!   whose decisions are themselves served in writing.
//! - For an item we forwarded or assigned ourselves, the receiving unit's T3/T4 run from our
//!   latest forwarding date: its receipt cannot be earlier, so the warning comes early, not late.
//! - A closing event (办结, 终结, 不予受理, 不再受理, 导入法定程序) stops the duties still
//!   running; it does not close the petitioner's review windows (T7, T9).
//! - Extensions add up across several approvals and are capped at 30 days.

use std::fmt;

use chrono::NaiveDate;
use fengqiao_model::case::{Registration, Source};
use fengqiao_model::event::{CaseEvent, CaseStatus, EventKind, sort_events, status_of};
use fengqiao_model::vocab::{PanelKind, Route};

use crate::calendar::HolidayCalendar;
use crate::clock::{
    Adjustments, ClockId, ClockKind, Deadline, Diagnostic, DueStatus, DueThresholds,
    MAX_EXTENSION_DAYS, deadline,
};

/// What a case's clocks depend on besides its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// The day we received the item (T1/T2 start, or T3/T4 for a forwarded item).
    pub received_on: NaiveDate,
    /// Whether we received it from the petitioner directly, rather than forwarded or
    /// assigned by another office.
    pub received_directly: bool,
    /// The route chosen at registration; a later 分流 event overrides it.
    pub route: Option<Route>,
    /// Whether a written notice is owed: not when the petitioner's name or address is
    /// unclear (第二十三条第二款但书).
    pub notice_owed: bool,
    /// Events on the case this version could not read (a kind a newer version wrote, or a
    /// damaged record). The clocks are computed without them and say so: one of them may
    /// have met, stopped or extended a clock.
    pub unreadable_events: usize,
}

impl CaseFacts {
    /// The facts a registration records.
    pub fn from_registration(reg: &Registration) -> CaseFacts {
        let (received_on, received_directly) = match &reg.source {
            Source::Own => (reg.received_on, true),
            Source::ForwardedFrom { received_on, .. } | Source::AssignedBy { received_on, .. } => {
                (*received_on, false)
            }
        };
        let notice_owed = reg
            .petitioners
            .iter()
            .chain(&reg.representatives)
            .any(|p| !p.anonymous && !p.name.trim().is_empty() && !p.address.trim().is_empty());
        CaseFacts {
            received_on,
            received_directly,
            route: reg.route,
            notice_owed,
            unreadable_events: 0,
        }
    }
}

/// Where one clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockState {
    /// Still running; where it stands relative to today.
    Running(DueStatus),
    /// Done: the act the clock waits for happened on `on`.
    Met {
        /// The day of the act.
        on: NaiveDate,
        /// Whether it was on or before the due date.
        on_time: bool,
    },
    /// A window (T4, T7, T9) that closed without being used.
    Lapsed,
    /// T5 after an extension was approved: T6 runs instead.
    Extended,
    /// The case left this path (closed, diverted, not accepted, objected) before the act.
    Stopped {
        /// The day of the stopping event.
        on: NaiveDate,
        /// The stopping event, in Chinese.
        by: &'static str,
    },
}

impl ClockState {
    /// The stable code: `running`, `met`, `lapsed`, `extended`, `stopped`.
    pub fn code(self) -> &'static str {
        match self {
            ClockState::Running(_) => "running",
            ClockState::Met { .. } => "met",
            ClockState::Lapsed => "lapsed",
            ClockState::Extended => "extended",
            ClockState::Stopped { .. } => "stopped",
        }
    }
}

impl fmt::Display for ClockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockState::Running(status) => write!(f, "{status}"),
            ClockState::Met { on, on_time: true } => write!(f, "已于 {on} 完成"),
            ClockState::Met { on, on_time: false } => write!(f, "已于 {on} 完成（超期）"),
            ClockState::Lapsed => f.write_str("期限已过，未行使"),
            ClockState::Extended => f.write_str("已延期，见 T6"),
            ClockState::Stopped { on, by } => write!(f, "已于 {on} 因{by}终止"),
        }
    }
}

/// One clock of a case: its deadline and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockReport {
    /// The computed deadline (clock id, start, due, article).
    pub deadline: Deadline,
    /// Where it stands.
    pub state: ClockState,
}

/// The accountability triggers of 第四十四、四十五条 that clocks warn about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// Not registering and routing in time (T1).
    Register,
    /// Not deciding whether to accept in time (T3).
    Accept,
    /// Not giving written notice in time (T2, T3).
    Notify,
    /// Not closing in time (T5, T6, T8, T10, fast track).
    Close,
}

impl Trigger {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Trigger::Register => "register",
            Trigger::Accept => "accept",
            Trigger::Notify => "notify",
            Trigger::Close => "close",
        }
    }

    /// What the failure is called, in the law's words.
    pub fn zh(self) -> &'static str {
        match self {
            Trigger::Register => "未按规定登记、转送交办",
            Trigger::Accept => "未在规定期限内决定是否受理",
            Trigger::Notify => "未在规定期限内书面告知",
            Trigger::Close => "未在规定期限内办结",
        }
    }

    /// The article that holds the unit accountable.
    pub fn article(self) -> &'static str {
        match self {
            Trigger::Register | Trigger::Accept | Trigger::Notify => "第四十四条",
            Trigger::Close => "第四十五条",
        }
    }
}

/// A warning that an accountability trigger is about to fire, or has fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountabilityWarning {
    /// Which trigger.
    pub trigger: Trigger,
    /// The clock it watches.
    pub clock: ClockId,
    /// The clock's due date.
    pub due: NaiveDate,
    /// Due soon, due today or overdue. For an act done late, overdue by how late it was.
    pub status: DueStatus,
    /// When the act was done late, the day it was done; `None` while still undone.
    pub done_late_on: Option<NaiveDate>,
}

impl fmt::Display for AccountabilityWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}（{}）：{} 到期 {}，",
            self.trigger.zh(),
            self.trigger.article(),
            self.clock,
            self.due
        )?;
        match self.done_late_on {
            Some(on) => write!(f, "{on} 才完成，{}", self.status),
            None => write!(f, "{}", self.status),
        }
    }
}

/// Every clock of a case, with warnings and caveats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClocks {
    /// The status the events lead to.
    pub status: CaseStatus,
    /// The route in force (the latest 分流, else the registration's).
    pub route: Option<Route>,
    /// The clocks that apply, in lifecycle order ([`ClockId::ALL`]).
    pub clocks: Vec<ClockReport>,
    /// Accountability warnings, in the same order as the clocks.
    pub warnings: Vec<AccountabilityWarning>,
    /// Caveats: uncertain years, routes without T5, late window use…
    pub diagnostics: Vec<Diagnostic>,
}

impl CaseClocks {
    /// The report for `clock`, if it applies.
    pub fn get(&self, clock: ClockId) -> Option<&ClockReport> {
        self.clocks.iter().find(|r| r.deadline.clock == clock)
    }

    /// The clocks still running.
    pub fn running(&self) -> impl Iterator<Item = &ClockReport> {
        self.clocks
            .iter()
            .filter(|r| matches!(r.state, ClockState::Running(_)))
    }

    /// The clocks running past their due date.
    pub fn overdue(&self) -> impl Iterator<Item = &ClockReport> {
        self.clocks
            .iter()
            .filter(|r| matches!(r.state, ClockState::Running(DueStatus::Overdue { .. })))
    }

    /// The clocks met, with the day.
    pub fn met(&self) -> impl Iterator<Item = (&ClockReport, NaiveDate)> {
        self.clocks.iter().filter_map(|r| match r.state {
            ClockState::Met { on, .. } => Some((r, on)),
            _ => None,
        })
    }

    /// Whether every event of the case was read: when not, the clocks were computed
    /// without some of them and may be wrong ([`Diagnostic::UnreadableEvents`]).
    pub fn is_complete(&self) -> bool {
        !self
            .diagnostics
            .iter()
            .any(|d| matches!(d, Diagnostic::UnreadableEvents { .. }))
    }

    /// The earliest due date among the running duties: what the clerk must act on next.
    pub fn next_due(&self) -> Option<&ClockReport> {
        self.running()
            .filter(|r| r.deadline.clock.kind() == ClockKind::Duty)
            .min_by_key(|r| r.deadline.due)
    }
}

impl fmt::Display for CaseClocks {
    /// A plain-text table, one clock per line, then warnings (`!`) and caveats (`?`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let route = self.route.map_or("未分流", Route::zh);
        writeln!(f, "{} · {}", self.status.zh(), route)?;
        for r in &self.clocks {
            let dl = &r.deadline;
            write!(
                f,
                "{:<3} {} → {} {}",
                dl.clock.code(),
                dl.start,
                dl.due,
                r.state
            )?;
            if !dl.is_certain() {
                f.write_str(" (?)")?;
            }
            writeln!(f)?;
        }
        for w in &self.warnings {
            writeln!(f, "! {w}")?;
        }
        for d in &self.diagnostics {
            writeln!(f, "? {d}")?;
        }
        Ok(())
    }
}

/// Whether an event ends the handling path, stopping duties still running.
fn is_closing(kind: &EventKind) -> bool {
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
fn find_from(
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

struct Builder<'a> {
    events: &'a [CaseEvent],
    calendar: &'a HolidayCalendar,
    today: NaiveDate,
    thresholds: &'a DueThresholds,
    clocks: Vec<ClockReport>,
    diagnostics: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn deadline(
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
    fn duty(
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
    fn window(
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
fn is_acceptance_decision(kind: &EventKind) -> bool {
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

fn is_notice(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Acknowledged | EventKind::NotAccepted { .. } | EventKind::Diverted { .. }
    )
}

/// Computes a case's clocks. Pure and deterministic: the same arguments give the same
/// answer on every replica, whatever order `events` come in.
pub fn case_clocks(
    facts: &CaseFacts,
    events: &[CaseEvent],
    calendar: &HolidayCalendar,
    today: NaiveDate,
    thresholds: &DueThresholds,
) -> CaseClocks {
    let mut sorted = events.to_vec();
    sort_events(&mut sorted);
    let events = sorted.as_slice();
    let route = events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Routed { route } => Some(*route),
            _ => None,
        })
        .or(facts.route);
    let mut b = Builder {
        events,
        calendar,
        today,
        thresholds,
        clocks: Vec::new(),
        diagnostics: Vec::new(),
    };
    let at = |i: usize| events[i].date;

    // T1, T2: our own duties for an item received directly.
    if facts.received_directly {
        if let Some(dl) = b.deadline(ClockId::T1, facts.received_on, Adjustments::default()) {
            let handled = |k: &EventKind| {
                matches!(
                    k,
                    EventKind::Forwarded { .. }
                        | EventKind::Assigned { .. }
                        | EventKind::Diverted { .. }
                        | EventKind::NotAccepted { .. }
                        | EventKind::NotReaccepted { .. }
                        | EventKind::Accepted
                        | EventKind::FastTrack
                )
            };
            let report = b.duty(dl, 0, handled, is_closing);
            b.clocks.push(report);
        }
        if !facts.notice_owed {
            b.diagnostics.push(Diagnostic::NoticeNotOwed);
        } else if let Some(dl) = b.deadline(ClockId::T2, facts.received_on, Adjustments::default())
        {
            let report = b.duty(dl, 0, is_notice, is_closing);
            b.clocks.push(report);
        }
    }

    // T3, T4: the receiving unit's clocks, from its receipt (a forwarded item) or from our
    // latest forwarding (an item we sent on).
    let unit_receipt = if facts.received_directly {
        events
            .iter()
            .rposition(|e| {
                matches!(
                    e.kind,
                    EventKind::Forwarded { .. } | EventKind::Assigned { .. }
                )
            })
            .map(|i| (at(i), i + 1))
    } else {
        Some((facts.received_on, 0))
    };
    if let Some((received, from)) = unit_receipt {
        if let Some(dl) = b.deadline(ClockId::T3, received, Adjustments::default()) {
            let stop = |k: &EventKind| is_closing(k) || matches!(k, EventKind::Objected { .. });
            let report = b.duty(dl, from, is_notice, stop);
            b.clocks.push(report);
        }
        if let Some(dl) = b.deadline(ClockId::T4, received, Adjustments::default()) {
            let report = b.window(dl, from, |k| matches!(k, EventKind::Objected { .. }));
            b.clocks.push(report);
        }
    }

    // Fast track, T5, T6: handling from acceptance.
    let accepted = events
        .iter()
        .position(|e| matches!(e.kind, EventKind::Accepted));
    let fast_track = events
        .iter()
        .position(|e| matches!(e.kind, EventKind::FastTrack));
    let replied = |k: &EventKind| matches!(k, EventKind::Replied { .. });
    if let Some(ft) = fast_track {
        let start_idx = accepted.filter(|a| *a < ft).unwrap_or(ft);
        if let Some(dl) = b.deadline(ClockId::FastTrack, at(start_idx), Adjustments::default()) {
            let report = b.duty(dl, start_idx + 1, replied, is_closing);
            b.clocks.push(report);
        }
    }
    let extensions: Vec<(NaiveDate, u32)> = events
        .iter()
        .enumerate()
        .filter(|(i, _)| accepted.is_some_and(|a| *i > a))
        .filter_map(|(_, e)| match e.kind {
            EventKind::Extended { days, .. } => Some((e.date, days)),
            _ => None,
        })
        .collect();
    let t5_runs = accepted.is_some() && route == Some(Route::PetitionRequest);
    match (accepted, route) {
        (Some(_), Some(Route::PetitionRequest)) => {}
        (Some(_), Some(other)) => b
            .diagnostics
            .push(Diagnostic::OtherProcedure { route: other.zh() }),
        (Some(_), None) => b.diagnostics.push(Diagnostic::RouteNotSet),
        (None, _) => {}
    }
    let any_extension = events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Extended { .. }));
    if any_extension && !t5_runs {
        b.diagnostics.push(Diagnostic::ExtensionWithoutT5);
    }
    if let (true, Some(a)) = (t5_runs, accepted)
        && let Some(t5) = b.deadline(ClockId::T5, at(a), Adjustments::default())
    {
        if extensions.is_empty() {
            let report = b.duty(t5, a + 1, replied, is_closing);
            b.clocks.push(report);
        } else {
            for (approved_on, _) in &extensions {
                if *approved_on > t5.due {
                    b.diagnostics.push(Diagnostic::ExtensionAfterDeadline {
                        approved_on: *approved_on,
                        due: t5.due,
                    });
                }
            }
            let total_days: u32 = extensions.iter().map(|(_, days)| *days).sum();
            if total_days > MAX_EXTENSION_DAYS {
                b.diagnostics.push(Diagnostic::ExtensionOverLimit {
                    total_days,
                    max_days: MAX_EXTENSION_DAYS,
                });
            }
            let days = total_days.clamp(1, MAX_EXTENSION_DAYS);
            b.clocks.push(ClockReport {
                deadline: t5,
                state: ClockState::Extended,
            });
            let adjust = Adjustments {
                extension_days: Some(days),
                excluded_days: 0,
            };
            if let Some(t6) = b.deadline(ClockId::T6, at(a), adjust) {
                let report = b.duty(t6, a + 1, replied, is_closing);
                b.clocks.push(report);
            }
        }
    }

    // T7–T10: review and re-review.
    let first = |pred: fn(&EventKind) -> bool| events.iter().position(|e| pred(&e.kind));
    if let Some(r) = first(|k| matches!(k, EventKind::Replied { .. }))
        && let Some(dl) = b.deadline(ClockId::T7, at(r), Adjustments::default())
    {
        let report = b.window(dl, r + 1, |k| matches!(k, EventKind::ReviewRequested));
        b.clocks.push(report);
    }
    if let Some(r) = first(|k| matches!(k, EventKind::ReviewRequested))
        && let Some(dl) = b.deadline(ClockId::T8, at(r), Adjustments::default())
    {
        let report = b.duty(
            dl,
            r + 1,
            |k| matches!(k, EventKind::ReviewOpinion { .. }),
            is_closing,
        );
        b.clocks.push(report);
    }
    if let Some(r) = first(|k| matches!(k, EventKind::ReviewOpinion { .. }))
        && let Some(dl) = b.deadline(ClockId::T9, at(r), Adjustments::default())
    {
        let report = b.window(dl, r + 1, |k| matches!(k, EventKind::ReReviewRequested));
        b.clocks.push(report);
    }
    if let Some(r) = first(|k| matches!(k, EventKind::ReReviewRequested)) {
        let opinion = |k: &EventKind| matches!(k, EventKind::ReReviewOpinion { .. });
        // Hearings held while the re-review is open do not count (第三十六条).
        let end = find_from(events, r + 1, opinion);
        let hearing_days: u32 = events[r + 1..end.unwrap_or(events.len())]
            .iter()
            .map(|e| match e.kind {
                EventKind::Hearing { days } => days,
                _ => 0,
            })
            .sum();
        let session_days = hearing_session_days(events, at(r), end.map(at));
        let excluded_days =
            hearing_days.saturating_add(u32::try_from(session_days.len()).unwrap_or(u32::MAX));
        if let Some(dl) = b.deadline(
            ClockId::T10,
            at(r),
            Adjustments {
                extension_days: None,
                excluded_days,
            },
        ) {
            let report = b.duty(dl, r + 1, opinion, is_closing);
            b.clocks.push(report);
        }
    }

    if facts.unreadable_events > 0 {
        b.diagnostics.push(Diagnostic::UnreadableEvents {
            count: facts.unreadable_events,
        });
    }
    let mut clocks = b.clocks;
    clocks.sort_by_key(|r| ClockId::ALL.iter().position(|c| *c == r.deadline.clock));
    let warnings = accountability(&clocks, events, today, thresholds);
    CaseClocks {
        status: status_of(events),
        route,
        clocks,
        warnings,
        diagnostics: b.diagnostics,
    }
}

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

fn accountability(
    clocks: &[ClockReport],
    events: &[CaseEvent],
    today: NaiveDate,
    thresholds: &DueThresholds,
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use fengqiao_model::ids::{EventId, PersonId};
    use fengqiao_model::vocab::ReplyType;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| panic!("bad date {s}"))
    }

    fn event(n: usize, date: NaiveDate, kind: EventKind) -> CaseEvent {
        let offset = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| panic!("offset"));
        CaseEvent {
            id: format!("00000000-0000-7000-8000-{n:012}")
                .parse::<EventId>()
                .unwrap_or_else(|e| panic!("{e}")),
            kind,
            date,
            recorded_at: date
                .and_hms_opt(9, 0, 0)
                .and_then(|t| t.and_local_timezone(offset).single())
                .unwrap_or_else(|| panic!("time")),
            recorded_by: "00000000-0000-7000-8000-000000000000"
                .parse::<PersonId>()
                .unwrap_or_else(|e| panic!("{e}")),
            remark: String::new(),
        }
    }

    /// Parses a fixture (one statement per line) into facts, events and today.
    ///
    /// ```text
    /// received 2026-03-02 direct|forwarded [anonymous]
    /// route petition-request
    /// today 2026-05-10
    /// 2026-03-05 accepted
    /// 2026-03-20 extended 30
    /// ```
    fn parse_fixture(fixture: &str) -> (CaseFacts, Vec<CaseEvent>, NaiveDate) {
        let mut facts = CaseFacts {
            received_on: NaiveDate::MIN,
            received_directly: true,
            route: None,
            notice_owed: true,
            unreadable_events: 0,
        };
        let mut events = Vec::new();
        let mut today = NaiveDate::MIN;
        for line in fixture.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let arg = |i: usize| words.get(i).copied().unwrap_or("");
            let num = |i: usize| {
                arg(i)
                    .parse::<u32>()
                    .unwrap_or_else(|_| panic!("number expected: {line}"))
            };
            match words[0] {
                "received" => {
                    facts.received_on = d(arg(1));
                    facts.received_directly = arg(2) == "direct";
                    facts.notice_owed = arg(3) != "anonymous";
                }
                "route" => {
                    facts.route = Some(Route::parse(arg(1)).unwrap_or_else(|e| panic!("{e}")))
                }
                "today" => today = d(arg(1)),
                "unreadable" => facts.unreadable_events = num(1) as usize,
                date => {
                    let reply = ReplyType::Support;
                    let kind = match arg(1) {
                        "registered" => EventKind::Registered,
                        "routed" => EventKind::Routed {
                            route: Route::parse(arg(2)).unwrap_or_else(|e| panic!("{e}")),
                        },
                        "forwarded" => EventKind::Forwarded {
                            unit: arg(2).to_owned(),
                        },
                        "assigned" => EventKind::Assigned {
                            unit: arg(2).to_owned(),
                        },
                        "objected" => EventKind::Objected {
                            unit: String::new(),
                            reason: String::new(),
                        },
                        "diverted" => EventKind::Diverted {
                            procedure: "诉讼".to_owned(),
                        },
                        "not-accepted" => EventKind::NotAccepted {
                            reason: String::new(),
                        },
                        "accepted" => EventKind::Accepted,
                        "fast-track" => EventKind::FastTrack,
                        "acknowledged" => EventKind::Acknowledged,
                        "extended" => EventKind::Extended {
                            days: num(2),
                            approved_by: "局长".to_owned(),
                            reason: String::new(),
                        },
                        "hearing" => EventKind::Hearing { days: num(2) },
                        "replied" => EventKind::Replied { reply },
                        "review-requested" => EventKind::ReviewRequested,
                        "review-opinion" => EventKind::ReviewOpinion { reply },
                        "re-review-requested" => EventKind::ReReviewRequested,
                        "re-review-opinion" => EventKind::ReReviewOpinion { reply },
                        "closed" => EventKind::Closed { satisfaction: None },
                        other => panic!("unknown event {other} in {line}"),
                    };
                    events.push(event(events.len() + 1, d(date), kind));
                }
            }
        }
        (facts, events, today)
    }

    /// Computes the fixture's clocks with the embedded calendar and default thresholds,
    /// and compares the rendered table with `expect` (both trimmed, line by line).
    #[track_caller]
    fn check(fixture: &str, expect: &str) {
        let (facts, events, today) = parse_fixture(fixture);
        let got = case_clocks(
            &facts,
            &events,
            &HolidayCalendar::embedded(),
            today,
            &DueThresholds::default(),
        );
        let got = got.to_string();
        let norm = |s: &str| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(norm(&got), norm(expect), "\n--- got ---\n{got}");
    }

    // Expected tables are worked out by hand from RULES.md; comments give the arithmetic.

    #[test]
    fn fresh_direct_item_runs_t1_and_t2() {
        // 03-02 + 15 = Tue 03-17; on 03-10, 7 days left (threshold 5).
        check(
            "
            received 2026-03-02 direct
            today 2026-03-10
            2026-03-02 registered
            ",
            "
            已登记 · 未分流
            T1  2026-03-02 → 2026-03-17 剩余7天
            T2  2026-03-02 → 2026-03-17 剩余7天
            ",
        );
    }

    #[test]
    fn an_unreadable_event_makes_the_clocks_say_they_are_incomplete() {
        // The same item as above with one event this version cannot read (a newer
        // version's kind): the clocks are those of the readable events, with a caveat.
        check(
            "
            received 2026-03-02 direct
            today 2026-03-10
            unreadable 1
            2026-03-02 registered
            ",
            "
            已登记 · 未分流
            T1  2026-03-02 → 2026-03-17 剩余7天
            T2  2026-03-02 → 2026-03-17 剩余7天
            ? 时限不完整：本案有 1 条事件本机无法读取（由较新版本记录或已损坏），时限按其余事件计算，可能不准 (clocks incomplete: 1 unreadable events)
            ",
        );
        let clocks = |fixture: &str| {
            let (facts, events, today) = parse_fixture(fixture);
            let cal = HolidayCalendar::embedded();
            case_clocks(&facts, &events, &cal, today, &DueThresholds::default())
        };
        let whole = "received 2026-03-02 direct\ntoday 2026-03-10\n2026-03-02 registered";
        assert!(clocks(whole).is_complete());
        assert!(!clocks(&format!("{whole}\nunreadable 2")).is_complete());
    }

    #[test]
    fn approaching_register_and_notify_triggers_warn() {
        check(
            "
            received 2026-03-02 direct
            today 2026-03-14
            2026-03-02 registered
            ",
            "
            已登记 · 未分流
            T1  2026-03-02 → 2026-03-17 即将到期，剩余3天
            T2  2026-03-02 → 2026-03-17 即将到期，剩余3天
            ! 未按规定登记、转送交办（第四十四条）：T1 到期 2026-03-17，即将到期，剩余3天
            ! 未在规定期限内书面告知（第四十四条）：T2 到期 2026-03-17，即将到期，剩余3天
            ",
        );
    }

    #[test]
    fn anonymous_item_owes_no_notice() {
        check(
            "
            received 2026-03-02 direct anonymous
            today 2026-03-17
            ",
            "
            已登记 · 未分流
            T1  2026-03-02 → 2026-03-17 今日到期
            ! 未按规定登记、转送交办（第四十四条）：T1 到期 2026-03-17，今日到期
            ? 信访人姓名（名称）、住址不清，不适用第二十三条第二款书面告知 (notice not owed: name or address unclear)
            ",
        );
    }

    #[test]
    fn petition_request_handled_and_replied_in_time() {
        // T5: 03-05 + 60 = Mon 05-04, 劳动节 (05-01..05) → Wed 05-06. T7: 04-20 + 30 = Wed 05-20.
        check(
            "
            received 2026-03-02 direct
            today 2026-04-25
            2026-03-02 registered
            2026-03-03 routed petition-request
            2026-03-05 accepted
            2026-03-05 acknowledged
            2026-04-20 replied
            ",
            "
            已答复 · 信访诉求
            T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T2  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T5  2026-03-05 → 2026-05-06 已于 2026-04-20 完成
            T7  2026-04-20 → 2026-05-20 剩余25天
            ",
        );
    }

    #[test]
    fn overdue_handling_fires_the_close_trigger() {
        check(
            "
            received 2026-03-02 direct
            route petition-request
            today 2026-05-10
            2026-03-05 accepted
            2026-03-05 acknowledged
            ",
            "
            办理中 · 信访诉求
            T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T2  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T5  2026-03-05 → 2026-05-06 已超期4天
            ! 未在规定期限内办结（第四十五条）：T5 到期 2026-05-06，已超期4天
            ",
        );
    }

    #[test]
    fn extension_moves_the_deadline_to_t6() {
        // T5 due Wed 05-06; T6 = 05-06 + 30 = Fri 06-05; on 05-10, 26 days left.
        check(
            "
            received 2026-03-02 direct
            route petition-request
            today 2026-05-10
            2026-03-05 accepted
            2026-03-05 acknowledged
            2026-04-30 extended 30
            ",
            "
            办理中(延期) · 信访诉求
            T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T2  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T5  2026-03-05 → 2026-05-06 已延期，见 T6
            T6  2026-03-05 → 2026-06-05 剩余26天
            ",
        );
    }

    #[test]
    fn extensions_are_capped_and_late_ones_noted() {
        // 20 + 20 days approved, capped at 30: T6 still Fri 06-05.
        check(
            "
            received 2026-03-02 direct
            route petition-request
            today 2026-05-10
            2026-03-05 accepted
            2026-03-05 acknowledged
            2026-04-30 extended 20
            2026-05-08 extended 20
            ",
            "
            办理中(延期) · 信访诉求
            T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T2  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T5  2026-03-05 → 2026-05-06 已延期，见 T6
            T6  2026-03-05 → 2026-06-05 剩余26天
            ? 延期于 2026-05-08 批准，晚于原办理期限 2026-05-06 (extension approved after the deadline)
            ? 延期合计 40 日，超过第三十四条规定的 30 日，按 30 日计算 (extension over the limit)
            ",
        );
    }

    #[test]
    fn other_routes_do_not_run_t5() {
        check(
            "
            received 2026-03-02 direct
            today 2026-05-10
            2026-03-03 routed dispute
            2026-03-05 accepted
            2026-03-05 acknowledged
            ",
            "
            办理中 · 矛盾纠纷
            T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T2  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            ? 分流途径为矛盾纠纷，按相应法定程序的期限办理，不计算第三十四条办理期限 (other procedure's clock)
            ",
        );
        // The latest 分流 wins over the registration's route.
        check(
            "
            received 2026-03-02 direct anonymous
            route dispute
            today 2026-03-20
            2026-03-03 routed petition-request
            2026-03-05 accepted
            ",
            "
            办理中 · 信访诉求
            T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T5  2026-03-05 → 2026-05-06 剩余47天
            ? 信访人姓名（名称）、住址不清，不适用第二十三条第二款书面告知 (notice not owed: name or address unclear)
            ",
        );
    }

    #[test]
    fn forwarded_item_runs_the_units_t3_and_t4() {
        // Received by us (the unit) Thu 04-30: T3 +15 = Fri 05-15; T4 worked example Mon 05-11.
        check(
            "
            received 2026-04-30 forwarded
            today 2026-05-08
            ",
            "
            已登记 · 未分流
            T3  2026-04-30 → 2026-05-15 剩余7天
            T4  2026-04-30 → 2026-05-11 剩余3天
            ",
        );
        // Not accepted, not notified, on the last day: two 第四十四条 warnings.
        check(
            "
            received 2026-04-30 forwarded
            today 2026-05-15
            ",
            "
            已登记 · 未分流
            T3  2026-04-30 → 2026-05-15 今日到期
            T4  2026-04-30 → 2026-05-11 期限已过，未行使
            ! 未在规定期限内决定是否受理（第四十四条）：T3 到期 2026-05-15，今日到期
            ! 未在规定期限内书面告知（第四十四条）：T3 到期 2026-05-15，今日到期
            ",
        );
    }

    #[test]
    fn late_objection_is_noted_and_stops_t3() {
        check(
            "
            received 2026-04-30 forwarded
            today 2026-05-13
            2026-05-12 objected
            ",
            "
            已登记 · 未分流
            T3  2026-04-30 → 2026-05-15 已于 2026-05-12 因异议终止
            T4  2026-04-30 → 2026-05-11 已于 2026-05-12 完成（超期）
            ? T4：2026-05-12 提出，已超过 2026-05-11 届满的不属职权范围异议（《信访工作条例》第二十三条第三款） (window used late)
            ",
        );
    }

    #[test]
    fn item_we_forward_runs_the_receiving_units_clocks() {
        // Forwarded Mon 03-09: T3 +15 = Tue 03-24; T4 = Tue 10 … Mon 16 (5th working day).
        check(
            "
            received 2026-03-02 direct
            today 2026-03-12
            2026-03-09 forwarded 县人社局
            2026-03-10 acknowledged
            ",
            "
            办理中 · 未分流
            T1  2026-03-02 → 2026-03-17 已于 2026-03-09 完成
            T2  2026-03-02 → 2026-03-17 已于 2026-03-10 完成
            T3  2026-03-09 → 2026-03-24 已于 2026-03-10 完成
            T4  2026-03-09 → 2026-03-16 剩余4天
            ",
        );
    }

    #[test]
    fn review_and_re_review_with_hearing_days() {
        // T5: 05-20 + 60 = Sun 07-19 → Mon 07-20, met 06-01.
        // T7: 06-01 + 30 = Wed 07-01, used 06-20.
        // T8: 06-20 + 30 = Mon 07-20, opinion 07-25: 5 days late.
        // T9: 07-25 + 30 = Mon 08-24, used 08-10.
        // T10: 08-10 + 30 + 3 hearing days = Sat 09-12 → Mon 09-14; on 09-10, 4 days left.
        check(
            "
            received 2026-05-20 direct anonymous
            route petition-request
            today 2026-09-10
            2026-05-20 accepted
            2026-06-01 replied
            2026-06-20 review-requested
            2026-07-25 review-opinion
            2026-08-10 re-review-requested
            2026-08-20 hearing 3
            ",
            "
            复核中 · 信访诉求
            T1  2026-05-20 → 2026-06-04 已于 2026-05-20 完成
            T5  2026-05-20 → 2026-07-20 已于 2026-06-01 完成
            T7  2026-06-01 → 2026-07-01 已于 2026-06-20 完成
            T8  2026-06-20 → 2026-07-20 已于 2026-07-25 完成（超期）
            T9  2026-07-25 → 2026-08-24 已于 2026-08-10 完成
            T10 2026-08-10 → 2026-09-14 即将到期，剩余4天
            ! 未在规定期限内办结（第四十五条）：T8 到期 2026-07-20，2026-07-25 才完成，已超期5天
            ! 未在规定期限内办结（第四十五条）：T10 到期 2026-09-14，即将到期，剩余4天
            ? 信访人姓名（名称）、住址不清，不适用第二十三条第二款书面告知 (notice not owed: name or address unclear)
            ",
        );
    }

    /// The T10 due date of a re-review requested 2026-08-10 with `sessions` (panel, days)
    /// and, if given, an opinion on `opinion`.
    fn t10_due(sessions: &[(PanelKind, &[&str])], opinion: Option<&str>) -> NaiveDate {
        let (facts, mut events, _) = parse_fixture(
            "
            received 2026-05-20 direct anonymous
            route petition-request
            2026-05-20 accepted
            2026-06-01 replied
            2026-06-20 review-requested
            2026-07-25 review-opinion
            2026-08-10 re-review-requested
            ",
        );
        for (panel, days) in sessions {
            let days: Vec<NaiveDate> = days.iter().map(|s| d(s)).collect();
            let first = days.first().copied().unwrap_or(NaiveDate::MIN);
            let kind = EventKind::HearingSession {
                panel: *panel,
                days,
                members: Vec::new(),
                outcome: "听证意见：维持".into(),
                minutes: String::new(),
            };
            events.push(event(events.len() + 1, first, kind));
        }
        if let Some(o) = opinion {
            let kind = EventKind::ReReviewOpinion {
                reply: ReplyType::Explain,
            };
            events.push(event(events.len() + 1, d(o), kind));
        }
        let clocks = case_clocks(
            &facts,
            &events,
            &HolidayCalendar::embedded(),
            d("2026-09-01"),
            &DueThresholds::default(),
        );
        clocks
            .get(ClockId::T10)
            .map(|r| r.deadline.due)
            .unwrap_or_else(|| panic!("T10 expected"))
    }

    #[test]
    fn hearing_session_days_move_t10_by_exactly_the_days_sat() {
        use PanelKind::{Evaluation, Hearing};
        // Without hearings: 08-10 + 30 = Wed 09-09.
        assert_eq!(t10_due(&[], None), d("2026-09-09"));
        // A two-day hearing: + 2 = Fri 09-11.
        assert_eq!(
            t10_due(&[(Hearing, &["2026-08-20", "2026-08-21"])], None),
            d("2026-09-11")
        );
        // Three days: + 3 = Sat 09-12, a rest day → Mon 09-14.
        assert_eq!(
            t10_due(
                &[(Hearing, &["2026-08-20", "2026-08-21", "2026-08-24"])],
                None
            ),
            d("2026-09-14")
        );
        // Two sessions on one day count that day once.
        assert_eq!(
            t10_due(
                &[(Hearing, &["2026-08-20"]), (Hearing, &["2026-08-20"])],
                None
            ),
            d("2026-09-10")
        );
        // An evaluation panel (评议团) is not a hearing: nothing is excluded.
        assert_eq!(
            t10_due(&[(Evaluation, &["2026-08-20"])], None),
            d("2026-09-09")
        );
    }

    #[test]
    fn hearing_sessions_outside_the_re_review_window_do_not_count() {
        use PanelKind::Hearing;
        // Before the request (during the review), and on the request day itself.
        assert_eq!(
            t10_due(&[(Hearing, &["2026-07-01", "2026-08-10"])], None),
            d("2026-09-09")
        );
        // After the opinion of 09-01: only the day before it counts.
        assert_eq!(
            t10_due(
                &[(Hearing, &["2026-08-31", "2026-09-02"])],
                Some("2026-09-01")
            ),
            d("2026-09-10")
        );
    }

    #[test]
    fn fast_track_counts_working_days_over_spring_festival() {
        // FT from Fri 02-13: Sat 14 (make-up), Feb 24–27, Sat 28 (make-up), Mar 2–5 → Thu 03-05.
        // T5: 02-13 + 60 = Tue 04-14. On 03-04: FT 1 day left (threshold 2).
        check(
            "
            received 2026-02-12 direct anonymous
            route petition-request
            today 2026-03-04
            2026-02-13 accepted
            2026-02-13 fast-track
            ",
            "
            办理中 · 信访诉求
            T1  2026-02-12 → 2026-02-27 已于 2026-02-13 完成
            FT  2026-02-13 → 2026-03-05 即将到期，剩余1天
            T5  2026-02-13 → 2026-04-14 剩余41天
            ! 未在规定期限内办结（第四十五条）：FT 到期 2026-03-05，即将到期，剩余1天
            ? 信访人姓名（名称）、住址不清，不适用第二十三条第二款书面告知 (notice not owed: name or address unclear)
            ",
        );
    }

    #[test]
    fn closing_events_stop_running_duties() {
        check(
            "
            received 2026-03-02 direct
            route petition-request
            today 2026-06-01
            2026-03-04 not-accepted
            ",
            "
            不予受理 · 信访诉求
            T1  2026-03-02 → 2026-03-17 已于 2026-03-04 完成
            T2  2026-03-02 → 2026-03-17 已于 2026-03-04 完成
            ",
        );
        check(
            "
            received 2026-03-02 direct anonymous
            route petition-request
            today 2026-06-01
            2026-03-05 accepted
            2026-03-20 closed
            ",
            "
            已办结 · 信访诉求
            T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
            T5  2026-03-05 → 2026-05-06 已于 2026-03-20 因办结终止
            ? 信访人姓名（名称）、住址不清，不适用第二十三条第二款书面告知 (notice not owed: name or address unclear)
            ",
        );
    }

    #[test]
    fn unknown_year_is_uncertain_and_warned() {
        // 12-20 + 15 = Mon 2027-01-04; 2027's notice is not loaded.
        check(
            "
            received 2026-12-20 direct anonymous
            today 2026-12-28
            ",
            "
            已登记 · 未分流
            T1  2026-12-20 → 2027-01-04 剩余7天 (?)
            ? T1：2027 年的节假日安排尚未载入，暂按周末推算，到期日可能不准 (holiday calendar for 2027 not loaded)
            ? 信访人姓名（名称）、住址不清，不适用第二十三条第二款书面告知 (notice not owed: name or address unclear)
            ",
        );
    }

    #[test]
    fn event_order_does_not_matter() {
        let fixture = "
            received 2026-05-20 direct
            route petition-request
            today 2026-09-10
            2026-05-20 accepted
            2026-05-21 acknowledged
            2026-06-01 extended 10
            2026-06-01 replied
            2026-06-20 review-requested
            2026-07-25 review-opinion
            2026-08-10 re-review-requested
            2026-08-20 hearing 3
        ";
        let (facts, events, today) = parse_fixture(fixture);
        let cal = HolidayCalendar::embedded();
        let th = DueThresholds::default();
        let forward = case_clocks(&facts, &events, &cal, today, &th);
        let mut reversed = events.clone();
        reversed.reverse();
        assert_eq!(case_clocks(&facts, &reversed, &cal, today, &th), forward);
        let mut rotated = events;
        rotated.rotate_left(4);
        assert_eq!(case_clocks(&facts, &rotated, &cal, today, &th), forward);
    }

    #[test]
    fn facts_come_from_the_registration() {
        let json = r#"{
            "channel": "visit",
            "source": {"kind": "assigned-by", "unit": "市信访局", "received_on": "2026-04-30"},
            "received_on": "2026-04-29",
            "petitioners": [{"name": "张三", "address": "城关镇"}],
            "township": "城关镇",
            "content": {"request": "x"},
            "route": "petition-request"
        }"#;
        let reg: Registration = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        let facts = CaseFacts::from_registration(&reg);
        assert_eq!(
            facts,
            CaseFacts {
                received_on: d("2026-04-30"),
                received_directly: false,
                route: Some(Route::PetitionRequest),
                notice_owed: true,
                unreadable_events: 0,
            }
        );
    }
}
