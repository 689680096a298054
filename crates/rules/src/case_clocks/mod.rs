//! A case's clocks, derived from its events (RULES.md §1–§2): which clocks run, which were
//! met and when, which are overdue, and the accountability warnings of 第四十三、四十四、
//! 四十五条.
//!
//! Typical workflow:
//! 1. Take the case's facts from its registration and the county's directory:
//!    [`crate::county::LawContext::facts`] (or [`CaseFacts::from_registration`] when the
//!    directory is not at hand: the receiving unit's kind is then unknown).
//! 2. Call [`case_clocks`] with the events, the calendar, `today` and the thresholds.
//! 3. Show [`CaseClocks::clocks`], [`CaseClocks::warnings`] and [`CaseClocks::diagnostics`].
//!
//! The answer depends only on the arguments: events are put in their canonical order
//! with [`sort_events`] first, so every replica computes the same clocks whatever order the
//! events merged in.
//!
//! Which clocks run (`docs/law.md` gives each decision with its article):
//! - At a 党委和政府信访部门, T1 (第二十二条第一款) for every item it receives, directly or
//!   forwarded. At any other 机关、单位, T2 (第二十三条第二款) for a directly received item.
//!   Whoever receives a forwarded or assigned item runs T3/T4 (第二十三条第三款). When the
//!   receiving unit's kind is unknown, a direct item runs T1 and T2, with a caveat.
//! - After we forward or assign an item, the receiving unit's T3/T4 run from our latest
//!   forwarding, except on the 纪检举报 and 涉法涉诉 routes: 纪检监察机关 and 政法部门 give
//!   notice by their own rules (第二十三条第四款).
//! - T5/T6 (第三十四条) run from 受理 only for 申诉求决类 items handled under 第三十一条第（六）
//!   项: route 信访诉求, and route 矛盾纠纷 while the organ mediates within its own handling
//!   (第三十三条); a diversion to another procedure stops them. Never for 建议意见类
//!   (第二十九条) or 检举控告类 (第三十条) items, nor on the routes of 第三十一条第（一）至（五）项.
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
//! - Extensions add up across several approvals and are capped at 30 days; the county
//!   chooses where they are counted from ([`crate::clock::ExtensionBase`]).

use std::fmt;

use chrono::NaiveDate;
use fengqiao_model::case::{Registration, Source};
use fengqiao_model::event::{CaseEvent, CaseStatus, EventKind, sort_events, status_of};
use fengqiao_model::vocab::{ContentType, OrganKind, Route};

use crate::calendar::HolidayCalendar;
use crate::clock::{
    Adjustments, ClockId, ClockKind, Deadline, Diagnostic, DueStatus, DueThresholds, ExtensionBase,
    MAX_EXTENSION_DAYS,
};

mod builder;
#[cfg(test)]
mod tests;
mod warnings;

use builder::{Builder, find_from, is_closing, is_notice};
use warnings::accountability;
pub use warnings::hearing_session_days;

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
    /// The kind of the unit that received the item, from the directory; `None` when the
    /// case does not say which unit received it or the directory does not know it.
    pub office: Option<OrganKind>,
    /// The law's content type (第二十九、三十、三十一条), when recorded.
    pub content_type: Option<ContentType>,
    /// Where an extension (T6) is counted from: the county's reading of 第三十四条.
    pub extension_from: ExtensionBase,
    /// Events on the case this version could not read (a kind a newer version wrote, or a
    /// damaged record). The clocks are computed without them and say so: one of them may
    /// have met, stopped or extended a clock.
    pub unreadable_events: usize,
}

impl CaseFacts {
    /// The facts a registration records by itself. The receiving unit's kind needs the
    /// directory ([`crate::county::LawContext::facts`]); here it is unknown, and the
    /// extension is counted the default way.
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
            office: None,
            content_type: reg.content_type,
            extension_from: ExtensionBase::default(),
            unreadable_events: 0,
        }
    }

    /// The earliest date an event of the case can bear: the day the item was received,
    /// by us or (for a forwarded item) by the office that sent it.
    pub fn earliest_event_date(reg: &Registration) -> NaiveDate {
        match &reg.source {
            Source::Own => reg.received_on,
            Source::ForwardedFrom { received_on, .. } | Source::AssignedBy { received_on, .. } => {
                reg.received_on.min(*received_on)
            }
        }
    }
}

/// The route in force: the latest 分流 among `events` (in canonical order), else the
/// route recorded at registration.
pub fn route_in_force(events: &[CaseEvent], registered: Option<Route>) -> Option<Route> {
    let mut sorted: Vec<&CaseEvent> = events.iter().collect();
    sorted.sort_by_key(|e| (e.date, e.recorded_at, e.id));
    sorted
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Routed { route } => Some(*route),
            _ => None,
        })
        .or(registered)
}

/// Whether T5/T6 (第三十四条) can run for an item of this content type on this route, and if
/// not, the caveat that says why. T5 still needs a 受理 to start from.
pub fn handling_clock_applies(
    content_type: Option<ContentType>,
    route: Option<Route>,
) -> Result<(), Diagnostic> {
    match content_type {
        Some(ContentType::Suggestion) => return Err(Diagnostic::SuggestionHasNoLimit),
        Some(ContentType::Accusation) => return Err(Diagnostic::AccusationOwnProcedure),
        Some(ContentType::Claim) | None => {}
    }
    match route {
        // 第三十一条第（六）项; a dispute the organ mediates itself is handled under it too
        // (第三十三条: mediation happens "在处理申诉求决类事项过程中").
        Some(Route::PetitionRequest | Route::Dispute) => Ok(()),
        Some(other) => Err(Diagnostic::OtherProcedure { route: other.zh() }),
        None => Err(Diagnostic::RouteNotSet),
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

/// The accountability triggers of 第四十三、四十四、四十五条 that clocks warn about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// A 信访部门 not registering and routing (转送、交办) in time (T1, 第四十三条).
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
            Trigger::Register => "信访部门未按规定登记、转送、交办",
            Trigger::Accept => "未在规定期限内决定是否受理",
            Trigger::Notify => "未在规定期限内书面告知",
            Trigger::Close => "未在规定期限内办结",
        }
    }

    /// The article that holds the unit accountable: 第四十三条 for a 信访部门's registering
    /// and routing, 第四十四条 for an organ's acceptance and notice, 第四十五条 for handling.
    pub fn article(self) -> &'static str {
        match self {
            Trigger::Register => "第四十三条",
            Trigger::Accept | Trigger::Notify => "第四十四条",
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
    let route = route_in_force(events, facts.route);
    let mut b = Builder {
        events,
        calendar,
        today,
        thresholds,
        clocks: Vec::new(),
        diagnostics: Vec::new(),
    };

    intake_clocks(&mut b, facts, route);
    handling_clocks(&mut b, facts, route);
    review_clocks(&mut b);
    if facts.unreadable_events > 0 {
        b.diagnostics.push(Diagnostic::UnreadableEvents {
            count: facts.unreadable_events,
        });
    }

    let mut clocks = b.clocks;
    clocks.sort_by_key(|r| ClockId::ALL.iter().position(|c| *c == r.deadline.clock));
    let no_limit = matches!(facts.content_type, Some(ContentType::Suggestion));
    let warnings = accountability(&clocks, events, today, thresholds, no_limit);
    CaseClocks {
        status: status_of(events),
        route,
        clocks,
        warnings,
        diagnostics: b.diagnostics,
    }
}

/// T1–T4: registering, routing and notice, by the kind of unit that holds the item.
fn intake_clocks(b: &mut Builder<'_>, facts: &CaseFacts, route: Option<Route>) {
    let events = b.events;
    let office = facts.office;
    if office.is_none() {
        b.diagnostics.push(Diagnostic::OfficeUnknown);
    }
    // 第二十二条第一款 binds a 信访部门 for everything it receives; 第二十三条 binds the
    // other organs.
    let runs_t1 = match office {
        Some(OrganKind::PetitionOffice) => true,
        Some(OrganKind::OtherOrgan) => false,
        None => facts.received_directly,
    };
    let runs_t2 = facts.received_directly && office != Some(OrganKind::PetitionOffice);
    // 第二十三条第三款 binds whoever receives a forwarded or assigned item, a 信访部门 that
    // a higher one 交办s to included; the 信访部门 still registers and routes it (T1).
    let holds_as_receiving_unit = !facts.received_directly;
    if runs_t1 && let Some(dl) = b.deadline(ClockId::T1, facts.received_on, Adjustments::default())
    {
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
    if runs_t2 {
        if !facts.notice_owed {
            b.diagnostics.push(Diagnostic::NoticeNotOwed);
        } else if let Some(dl) = b.deadline(ClockId::T2, facts.received_on, Adjustments::default())
        {
            let report = b.duty(dl, 0, is_notice, is_closing);
            b.clocks.push(report);
        }
    }

    // T3, T4: the receiving unit's clocks, from its receipt (an item forwarded to a unit
    // that is not a 信访部门) or from our latest forwarding (an item we sent on).
    let unit_receipt = if holds_as_receiving_unit {
        Some((facts.received_on, 0))
    } else {
        let forwarded = events.iter().rposition(|e| {
            matches!(
                e.kind,
                EventKind::Forwarded { .. } | EventKind::Assigned { .. }
            )
        });
        match (forwarded, route) {
            // 第二十三条第四款: 纪检监察机关 and 政法部门 notify by their own rules.
            (Some(_), Some(r @ (Route::DisciplineReport | Route::LitigationRelated))) => {
                b.diagnostics
                    .push(Diagnostic::NoticeByOwnRules { route: r.zh() });
                None
            }
            (Some(i), _) => Some((events[i].date, i + 1)),
            (None, _) => None,
        }
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
}

/// The fast track, T5 and T6: handling from acceptance.
fn handling_clocks(b: &mut Builder<'_>, facts: &CaseFacts, route: Option<Route>) {
    let events = b.events;
    let at = |i: usize| events[i].date;
    let accepted = events
        .iter()
        .position(|e| matches!(e.kind, EventKind::Accepted));
    let fast_track = events
        .iter()
        .position(|e| matches!(e.kind, EventKind::FastTrack));
    let applies = handling_clock_applies(facts.content_type, route);
    let suggestion = matches!(facts.content_type, Some(ContentType::Suggestion));
    let replied = |k: &EventKind| matches!(k, EventKind::Replied { .. });
    // 第二十九条 sets no time limit for 建议意见类 items, the fast track's included.
    if let (Some(ft), false) = (fast_track, suggestion) {
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
    let t5_runs = accepted.is_some() && applies.is_ok();
    if let (Some(_), Err(why)) = (accepted, &applies) {
        b.diagnostics.push(why.clone());
    }
    let any_extension = events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Extended { .. }));
    if any_extension && !t5_runs {
        b.diagnostics.push(Diagnostic::ExtensionWithoutT5);
    }
    let Some(a) = accepted.filter(|_| t5_runs) else {
        return;
    };
    let Some(t5) = b.deadline(ClockId::T5, at(a), Adjustments::default()) else {
        return;
    };
    if extensions.is_empty() {
        let report = b.duty(t5, a + 1, replied, is_closing);
        b.clocks.push(report);
        return;
    }
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
        extension_from: facts.extension_from,
        ..Adjustments::default()
    };
    if let Some(t6) = b.deadline(ClockId::T6, at(a), adjust) {
        let report = b.duty(t6, a + 1, replied, is_closing);
        b.clocks.push(report);
    }
}

/// T7–T10: review and re-review.
fn review_clocks(b: &mut Builder<'_>) {
    let events = b.events;
    let at = |i: usize| events[i].date;
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
                excluded_days,
                ..Adjustments::default()
            },
        ) {
            let report = b.duty(dl, r + 1, opinion, is_closing);
            b.clocks.push(report);
        }
    }
}
