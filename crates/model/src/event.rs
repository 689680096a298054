//! A case's history as events (RULES.md §2). State and clocks derive from the events, so
//! every replica computes the same answer offline.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{EventId, PersonId};
use crate::vocab::{EventCode, PanelKind, ReplyType, Route, Satisfaction};

/// What happened. The payload carries what the law makes the event depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EventKind {
    /// 登记: the item was registered.
    Registered,
    /// 分流: triaged into one of the routes (the latest 分流 is the case's route).
    Routed { route: Route },
    /// 转送: forwarded to a competent unit.
    Forwarded { unit: String },
    /// 交办: assigned to a unit for handling.
    Assigned { unit: String },
    /// The receiving unit objects that the item is outside its remit (T4).
    Objected { unit: String, reason: String },
    /// 导入其他法定程序: diverted to litigation, arbitration, reconsideration…
    Diverted { procedure: String },
    /// 不予受理. The ground goes in `reason`: the law has several (a repeat of a pending item
    /// to a higher level, 第十九条第三款; an item for the 政法 or 纪检监察 channels, 第二十二条
    /// 第二款; a matter outside the 信访 channel), so no single article is implied.
    NotAccepted { reason: String },
    /// 不再受理: same facts and reasons after 复核 (第三十六条第三款).
    NotReaccepted { reason: String },
    /// 受理: accepted for handling; T5 and the fast track start here.
    Accepted,
    /// 简易办理: handled on the fast track (10 working days).
    FastTrack,
    /// 告知: written notice given (受理告知书, T2/T3).
    Acknowledged,
    /// 延期: extension approved by the head of unit (T6).
    Extended {
        days: u32,
        approved_by: String,
        reason: String,
    },
    /// 调解/和解: mediation or settlement reached (第三十三条).
    Mediated { agreement: String },
    /// 听证: a hearing was held over `days` days; they are not counted in T10.
    Hearing { days: u32 },
    /// 答复: 信访处理意见书 delivered.
    Replied { reply: ReplyType },
    /// 请求复查: the petitioner asked for review (T7 met, T8 starts).
    ReviewRequested,
    /// 复查意见书 delivered.
    ReviewOpinion { reply: ReplyType },
    /// 请求复核: the petitioner asked for re-review (T9 met, T10 starts).
    ReReviewRequested,
    /// 复核意见书 delivered; the item is final (三级终结).
    ReReviewOpinion { reply: ReplyType },
    /// 办结/息诉: closed.
    Closed { satisfaction: Option<Satisfaction> },
    /// 终结: final; follow-up care continues (第三十七条第三款).
    Finalized,
    /// 回访: follow-up visit made.
    FollowUp { outcome: String },
    /// 满意度评价 after a reply: the petitioner rates the reply's quality (答复质量) and
    /// the handling's timeliness (办理时效) separately.
    Evaluated {
        reply_quality: Satisfaction,
        timeliness: Satisfaction,
    },
    /// A follow-up visit (回访) task is set, due on `due`; a later `FollowUp` does it.
    FollowUpScheduled { due: NaiveDate },
    /// A session of a 听证团 or 评议团 on the case: the days it sat, its members (directory
    /// people), outcome and minutes. Days sitting while a re-review is open are not
    /// counted in T10 (第三十六条).
    HearingSession {
        panel: PanelKind,
        /// The days the panel sat (the event's date is the first).
        days: Vec<NaiveDate>,
        #[serde(default)]
        members: Vec<PersonId>,
        #[serde(default)]
        outcome: String,
        #[serde(default)]
        minutes: String,
    },
}

impl EventKind {
    /// The kind without its details.
    pub fn event_code(&self) -> EventCode {
        match self {
            EventKind::Registered => EventCode::Registered,
            EventKind::Routed { .. } => EventCode::Routed,
            EventKind::Forwarded { .. } => EventCode::Forwarded,
            EventKind::Assigned { .. } => EventCode::Assigned,
            EventKind::Objected { .. } => EventCode::Objected,
            EventKind::Diverted { .. } => EventCode::Diverted,
            EventKind::NotAccepted { .. } => EventCode::NotAccepted,
            EventKind::NotReaccepted { .. } => EventCode::NotReaccepted,
            EventKind::Accepted => EventCode::Accepted,
            EventKind::FastTrack => EventCode::FastTrack,
            EventKind::Acknowledged => EventCode::Acknowledged,
            EventKind::Extended { .. } => EventCode::Extended,
            EventKind::Mediated { .. } => EventCode::Mediated,
            EventKind::Hearing { .. } => EventCode::Hearing,
            EventKind::Replied { .. } => EventCode::Replied,
            EventKind::ReviewRequested => EventCode::ReviewRequested,
            EventKind::ReviewOpinion { .. } => EventCode::ReviewOpinion,
            EventKind::ReReviewRequested => EventCode::ReReviewRequested,
            EventKind::ReReviewOpinion { .. } => EventCode::ReReviewOpinion,
            EventKind::Closed { .. } => EventCode::Closed,
            EventKind::Finalized => EventCode::Finalized,
            EventKind::FollowUp { .. } => EventCode::FollowUp,
            EventKind::Evaluated { .. } => EventCode::Evaluated,
            EventKind::FollowUpScheduled { .. } => EventCode::FollowUpScheduled,
            EventKind::HearingSession { .. } => EventCode::HearingSession,
        }
    }

    /// The stable machine code of the kind, as stored (`kind` of the record).
    pub fn code(&self) -> &'static str {
        self.event_code().code()
    }

    /// The Chinese name of the kind; a panel session names its panel.
    pub fn zh(&self) -> &'static str {
        match self {
            EventKind::HearingSession { panel, .. } => match panel {
                PanelKind::Hearing => "听证会",
                PanelKind::Evaluation => "评议会",
            },
            other => other.event_code().zh(),
        }
    }
}

/// One event in a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub id: EventId,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The legal date of the event (the day a clock starts from or is met on).
    pub date: NaiveDate,
    /// When it was recorded, and by whom.
    pub recorded_at: DateTime<FixedOffset>,
    pub recorded_by: PersonId,
    /// Free text: document number, remarks.
    #[serde(default)]
    pub remark: String,
}

/// Where a case stands, derived from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseStatus {
    Registered,
    Routed,
    Forwarded,
    Diverted,
    NotAccepted,
    InProgress,
    Extended,
    Replied,
    UnderReview,
    Reviewed,
    UnderReReview,
    Final,
    Closed,
}

impl CaseStatus {
    /// Every status.
    pub const ALL: &'static [CaseStatus] = &[
        CaseStatus::Registered,
        CaseStatus::Routed,
        CaseStatus::Forwarded,
        CaseStatus::Diverted,
        CaseStatus::NotAccepted,
        CaseStatus::InProgress,
        CaseStatus::Extended,
        CaseStatus::Replied,
        CaseStatus::UnderReview,
        CaseStatus::Reviewed,
        CaseStatus::UnderReReview,
        CaseStatus::Final,
        CaseStatus::Closed,
    ];

    /// The stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Registered => "registered",
            CaseStatus::Routed => "routed",
            CaseStatus::Forwarded => "forwarded",
            CaseStatus::Diverted => "diverted",
            CaseStatus::NotAccepted => "not-accepted",
            CaseStatus::InProgress => "in-progress",
            CaseStatus::Extended => "extended",
            CaseStatus::Replied => "replied",
            CaseStatus::UnderReview => "under-review",
            CaseStatus::Reviewed => "reviewed",
            CaseStatus::UnderReReview => "under-re-review",
            CaseStatus::Final => "final",
            CaseStatus::Closed => "closed",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            CaseStatus::Registered => "已登记",
            CaseStatus::Routed => "已分流",
            CaseStatus::Forwarded => "已转送交办",
            CaseStatus::Diverted => "已导入法定程序",
            CaseStatus::NotAccepted => "不予受理",
            CaseStatus::InProgress => "办理中",
            CaseStatus::Extended => "办理中(延期)",
            CaseStatus::Replied => "已答复",
            CaseStatus::UnderReview => "复查中",
            CaseStatus::Reviewed => "已复查",
            CaseStatus::UnderReReview => "复核中",
            CaseStatus::Final => "已终结",
            CaseStatus::Closed => "已办结",
        }
    }

    /// Parses a code or a Chinese name.
    pub fn parse(input: &str) -> Option<CaseStatus> {
        let s = input.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.code() == s || t.zh() == s)
    }

    /// Whether the case is still being worked (clocks may run).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            CaseStatus::Closed | CaseStatus::Final | CaseStatus::NotAccepted | CaseStatus::Diverted
        )
    }
}

impl std::fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.zh())
    }
}

/// Sorts events into their canonical order: by legal date, then recording time, then id,
/// so every replica walks the same sequence whatever order the events merged in.
pub fn sort_events(events: &mut [CaseEvent]) {
    events.sort_by_key(|e| (e.date, e.recorded_at, e.id));
}

/// The status a (sorted) history leads to.
pub fn status_of(events: &[CaseEvent]) -> CaseStatus {
    events.iter().fold(CaseStatus::Registered, |status, e| {
        status_after(status, e.kind.event_code())
    })
}

/// The status of a history read from stored codes (the case index reads codes, not whole
/// events). A code this version does not know (a newer version's kind) leaves the status
/// as it was.
pub fn status_of_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> CaseStatus {
    codes
        .into_iter()
        .filter_map(|c| EventCode::parse(c).ok())
        .fold(CaseStatus::Registered, status_after)
}

/// The status after an event of kind `code` happens in `status`.
pub fn status_after(status: CaseStatus, code: EventCode) -> CaseStatus {
    use EventCode as E;
    match code {
        // A closed or final case stays so; later follow-ups don't reopen it.
        E::Registered | E::FollowUp | E::Evaluated | E::FollowUpScheduled => status,
        E::Routed => CaseStatus::Routed,
        E::Forwarded | E::Assigned => CaseStatus::Forwarded,
        E::Objected => CaseStatus::Registered,
        E::Diverted => CaseStatus::Diverted,
        E::NotAccepted | E::NotReaccepted => CaseStatus::NotAccepted,
        E::Accepted | E::FastTrack | E::Acknowledged => match status {
            CaseStatus::Extended => CaseStatus::Extended,
            _ => CaseStatus::InProgress,
        },
        E::Extended => CaseStatus::Extended,
        E::Mediated | E::Hearing | E::HearingSession => match status {
            CaseStatus::UnderReview | CaseStatus::UnderReReview | CaseStatus::Extended => status,
            _ => CaseStatus::InProgress,
        },
        E::Replied => CaseStatus::Replied,
        E::ReviewRequested => CaseStatus::UnderReview,
        E::ReviewOpinion => CaseStatus::Reviewed,
        E::ReReviewRequested => CaseStatus::UnderReReview,
        E::ReReviewOpinion | E::Finalized => CaseStatus::Final,
        E::Closed => CaseStatus::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_kinds_round_trip_and_old_events_still_read() {
        let session = EventKind::HearingSession {
            panel: PanelKind::Hearing,
            days: vec![NaiveDate::from_ymd_opt(2026, 8, 20).unwrap_or_default()],
            members: Vec::new(),
            outcome: "维持原意见".into(),
            minutes: String::new(),
        };
        let json = serde_json::to_value(&session).unwrap();
        assert_eq!(json["kind"], "hearing-session");
        assert_eq!(json["panel"], "hearing");
        assert_eq!(serde_json::from_value::<EventKind>(json).unwrap(), session);
        // A session written without the optional fields reads.
        let bare: EventKind = serde_json::from_value(serde_json::json!({
            "kind": "hearing-session", "panel": "evaluation", "days": ["2026-08-20"]
        }))
        .unwrap();
        assert!(matches!(bare, EventKind::HearingSession { members, .. } if members.is_empty()));
        let eval: EventKind = serde_json::from_value(serde_json::json!({
            "kind": "evaluated", "reply_quality": "满意", "timeliness": "dissatisfied"
        }))
        .unwrap();
        assert_eq!(
            eval,
            EventKind::Evaluated {
                reply_quality: Satisfaction::Satisfied,
                timeliness: Satisfaction::Dissatisfied
            }
        );
        // Stored before these kinds existed: still the same shape.
        let old: EventKind =
            serde_json::from_value(serde_json::json!({"kind": "hearing", "days": 3})).unwrap();
        assert_eq!(old, EventKind::Hearing { days: 3 });
    }

    #[test]
    fn every_kind_code_is_known_to_the_status_machine() {
        // An unknown code leaves the status alone; every real code must move something
        // or be one of the two that deliberately don't.
        for code in EventCode::ALL {
            let moved = CaseStatus::ALL
                .iter()
                .any(|s| status_after(*s, *code) != *s);
            assert!(
                moved
                    || matches!(
                        code,
                        EventCode::Registered
                            | EventCode::FollowUp
                            | EventCode::Evaluated
                            | EventCode::FollowUpScheduled
                    ),
                "{code:?} never changes a status"
            );
        }
    }

    #[test]
    fn a_typical_history_ends_closed_and_a_late_follow_up_keeps_it_closed() {
        let codes = [
            "registered",
            "routed",
            "assigned",
            "accepted",
            "acknowledged",
            "extended",
            "replied",
            "closed",
            "follow-up",
        ];
        assert_eq!(status_of_codes(codes), CaseStatus::Closed);
        assert_eq!(
            status_after(CaseStatus::Extended, EventCode::Acknowledged),
            CaseStatus::Extended
        );
        // A newer version's kind is passed over, not taken for a step.
        assert_eq!(
            status_of_codes(["registered", "routed", "recalled-by-province"]),
            CaseStatus::Routed
        );
    }
}
