//! What a case's history allows next: [`check_new_event`] refuses an event that cannot
//! have happened given the events before it (a 答复 with no 受理, a 办结 dated before the
//! item was received…), naming the rule and its article, so the store writes nothing.
//!
//! "Before it" means dated on or before the new event's date: an event recorded now with
//! a date sorts after every event of that date already recorded ([`sort_events`]). The
//! check is local to the laptop that records the event; two laptops can still merge
//! orders that contradict each other, and those stay lifecycle contradictions for a
//! person to decide.

use std::fmt;

use chrono::NaiveDate;
use fengqiao_model::event::{CaseEvent, EventKind, sort_events};

use crate::calendar::HolidayCalendar;
use crate::case_clocks::{CaseFacts, handling_clock_applies, route_in_force};
use crate::clock::{Adjustments, ClockId, MAX_EXTENSION_DAYS, deadline};

/// A rule of the lifecycle an event would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifecycleRule {
    /// Dated before the item was received.
    BeforeReceipt,
    /// Dated after today.
    AfterToday,
    /// A 答复 with no 受理 or 简易办理 before it.
    ReplyWithoutAcceptance,
    /// A 请求复查 with no 答复 before it.
    ReviewWithoutReply,
    /// A 复查意见 with no 请求复查 before it.
    ReviewOpinionWithoutRequest,
    /// A 请求复核 with no 复查意见 before it.
    ReReviewWithoutReviewOpinion,
    /// A 复核意见 with no 请求复核 before it.
    ReReviewOpinionWithoutRequest,
    /// A 延期 outside a running 第三十四条 handling period.
    ExtensionOutsideT5,
    /// 延期 adding up to more than 30 days.
    ExtensionOverLimit,
    /// A 办结 with no outcome before it.
    ClosingWithoutOutcome,
}

impl LifecycleRule {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            LifecycleRule::BeforeReceipt => "before-receipt",
            LifecycleRule::AfterToday => "after-today",
            LifecycleRule::ReplyWithoutAcceptance => "reply-without-acceptance",
            LifecycleRule::ReviewWithoutReply => "review-without-reply",
            LifecycleRule::ReviewOpinionWithoutRequest => "review-opinion-without-request",
            LifecycleRule::ReReviewWithoutReviewOpinion => "re-review-without-review-opinion",
            LifecycleRule::ReReviewOpinionWithoutRequest => "re-review-opinion-without-request",
            LifecycleRule::ExtensionOutsideT5 => "extension-outside-t5",
            LifecycleRule::ExtensionOverLimit => "extension-over-limit",
            LifecycleRule::ClosingWithoutOutcome => "closing-without-outcome",
        }
    }

    /// The rule, in the office's words, with its article.
    pub fn zh(self) -> &'static str {
        match self {
            LifecycleRule::BeforeReceipt => {
                "事件不能早于收到信访事项之日（《信访工作条例》第二十二条、第二十三条：收到信访事项应当予以登记）"
            }
            LifecycleRule::AfterToday => "事件日期不能晚于今天",
            LifecycleRule::ReplyWithoutAcceptance => {
                "答复（信访处理意见书）须在受理或简易办理之后：办理期限自受理之日起算（《信访工作条例》第三十二条、第三十四条）"
            }
            LifecycleRule::ReviewWithoutReply => {
                "请求复查须在书面答复之后：信访人对信访处理意见不服的，自收到书面答复之日起30日内请求复查（《信访工作条例》第三十五条）"
            }
            LifecycleRule::ReviewOpinionWithoutRequest => {
                "复查意见须在收到复查请求之后（《信访工作条例》第三十五条）"
            }
            LifecycleRule::ReReviewWithoutReviewOpinion => {
                "请求复核须在复查意见之后：信访人对复查意见不服的，自收到书面答复之日起30日内请求复核（《信访工作条例》第三十六条第一款）"
            }
            LifecycleRule::ReReviewOpinionWithoutRequest => {
                "复核意见须在收到复核请求之后（《信访工作条例》第三十六条第一款）"
            }
            LifecycleRule::ExtensionOutsideT5 => {
                "延期只能在第三十四条的办理期限内、经本机关负责人批准（《信访工作条例》第三十四条）"
            }
            LifecycleRule::ExtensionOverLimit => {
                "延长期限合计不得超过30日（《信访工作条例》第三十四条）"
            }
            LifecycleRule::ClosingWithoutOutcome => {
                "办结须在答复、导入法定程序、调解协议或不予受理之后（《信访工作条例》第三十一条至第三十三条）"
            }
        }
    }
}

/// Why an event cannot be recorded: the rule it breaks and what the history shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("不能记录{event}（{date}）：{rule}；{detail} (lifecycle: {code})", rule = .rule.zh(), code = .rule.code())]
pub struct LifecycleRefusal {
    /// The rule broken.
    pub rule: LifecycleRule,
    /// The refused event, in Chinese.
    pub event: &'static str,
    /// Its date.
    pub date: NaiveDate,
    /// What in the history breaks the rule.
    pub detail: String,
}

/// Checks that an event of `kind` dated `date` can follow `events` (the case's history,
/// in any order). `received_on` is the earliest date the case can have an event
/// ([`CaseFacts::earliest_event_date`]).
pub fn check_new_event(
    facts: &CaseFacts,
    received_on: NaiveDate,
    events: &[CaseEvent],
    kind: &EventKind,
    date: NaiveDate,
    today: NaiveDate,
    calendar: &HolidayCalendar,
) -> Result<(), LifecycleRefusal> {
    let refuse = |rule: LifecycleRule, detail: String| {
        Err(LifecycleRefusal {
            rule,
            event: kind.zh(),
            date,
            detail,
        })
    };
    if date > today {
        return refuse(LifecycleRule::AfterToday, format!("今天是 {today}"));
    }
    if date < received_on {
        return refuse(
            LifecycleRule::BeforeReceipt,
            format!("本案收到信访事项之日为 {received_on}"),
        );
    }
    let mut before: Vec<CaseEvent> = events.iter().filter(|e| e.date <= date).cloned().collect();
    sort_events(&mut before);
    let any = |pred: fn(&EventKind) -> bool| before.iter().any(|e| pred(&e.kind));
    match kind {
        EventKind::Replied { .. }
            if !any(|k| matches!(k, EventKind::Accepted | EventKind::FastTrack)) =>
        {
            refuse(
                LifecycleRule::ReplyWithoutAcceptance,
                format!("{date} 及以前没有受理或简易办理记录"),
            )
        }
        EventKind::ReviewRequested if !any(|k| matches!(k, EventKind::Replied { .. })) => refuse(
            LifecycleRule::ReviewWithoutReply,
            format!("{date} 及以前没有答复记录"),
        ),
        EventKind::ReviewOpinion { .. } if !any(|k| matches!(k, EventKind::ReviewRequested)) => {
            refuse(
                LifecycleRule::ReviewOpinionWithoutRequest,
                format!("{date} 及以前没有请求复查记录"),
            )
        }
        EventKind::ReReviewRequested if !any(|k| matches!(k, EventKind::ReviewOpinion { .. })) => {
            refuse(
                LifecycleRule::ReReviewWithoutReviewOpinion,
                format!("{date} 及以前没有复查意见记录"),
            )
        }
        EventKind::ReReviewOpinion { .. }
            if !any(|k| matches!(k, EventKind::ReReviewRequested)) =>
        {
            refuse(
                LifecycleRule::ReReviewOpinionWithoutRequest,
                format!("{date} 及以前没有请求复核记录"),
            )
        }
        EventKind::Closed { .. } if !any(has_outcome) => refuse(
            LifecycleRule::ClosingWithoutOutcome,
            format!("{date} 及以前没有答复、导入法定程序、调解或不予受理记录"),
        ),
        EventKind::Extended { days, .. } => check_extension(facts, &before, *days, date, calendar)
            .or_else(|(rule, detail)| refuse(rule, detail)),
        _ => Ok(()),
    }
}

/// The outcomes a case can be closed on: a reply at any stage, a diversion to another
/// procedure, a mediation agreement (第三十三条 调解协议书) or not accepting it.
fn has_outcome(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Replied { .. }
            | EventKind::ReviewOpinion { .. }
            | EventKind::ReReviewOpinion { .. }
            | EventKind::Diverted { .. }
            | EventKind::Mediated { .. }
            | EventKind::NotAccepted { .. }
            | EventKind::NotReaccepted { .. }
    )
}

/// An extension must fall inside a running T5 (or the T6 earlier extensions made) and keep
/// the total within 30 days.
fn check_extension(
    facts: &CaseFacts,
    before: &[CaseEvent],
    days: u32,
    date: NaiveDate,
    calendar: &HolidayCalendar,
) -> Result<(), (LifecycleRule, String)> {
    let outside = |detail: String| Err((LifecycleRule::ExtensionOutsideT5, detail));
    let Some(a) = before
        .iter()
        .position(|e| matches!(e.kind, EventKind::Accepted))
    else {
        return outside(format!("{date} 及以前没有受理记录，办理期限尚未开始"));
    };
    if let Err(why) =
        handling_clock_applies(facts.content_type, route_in_force(before, facts.route))
    {
        return outside(format!("本事项不适用第三十四条办理期限：{why}"));
    }
    let after = &before[a + 1..];
    if let Some(end) = after
        .iter()
        .find(|e| matches!(e.kind, EventKind::Replied { .. }) || ends_handling(&e.kind))
    {
        return outside(format!("办理已于 {} 因{}结束", end.date, end.kind.zh()));
    }
    let prior: u32 = after
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Extended { days, .. } => Some(days),
            _ => None,
        })
        .sum();
    let accepted_on = before[a].date;
    let adjust = Adjustments {
        extension_days: (prior > 0).then(|| prior.min(MAX_EXTENSION_DAYS)),
        extension_from: facts.extension_from,
        ..Adjustments::default()
    };
    let clock = if prior > 0 { ClockId::T6 } else { ClockId::T5 };
    if let Ok(dl) = deadline(calendar, clock, accepted_on, adjust)
        && date > dl.due
    {
        return outside(format!(
            "{}（{}）已于 {} 届满",
            clock.zh(),
            clock.code(),
            dl.due
        ));
    }
    if prior + days > MAX_EXTENSION_DAYS {
        return Err((
            LifecycleRule::ExtensionOverLimit,
            format!(
                "已批准 {prior} 日，本次 {days} 日，合计 {} 日",
                prior + days
            ),
        ));
    }
    Ok(())
}

/// Events after which nothing is being handled under 第三十四条 any more.
fn ends_handling(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Closed { .. }
            | EventKind::Finalized
            | EventKind::NotAccepted { .. }
            | EventKind::NotReaccepted { .. }
            | EventKind::Diverted { .. }
    )
}

impl fmt::Display for LifecycleRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}
