//! The documents the 2022 《信访工作条例》 asks for in writing, what each needs, when the
//! case's state allows it, and the lifecycle events issuing or serving it records.

use fengqiao_model::event::{CaseEvent, CaseStatus, EventKind};
use fengqiao_model::vocab::{OrganKind, ReplyType};
use serde::{Deserialize, Serialize};

use crate::error::PaperError;

/// A kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocKind {
    /// 信访事项登记表.
    RegistrationForm,
    /// 受理告知书 (第二十三条).
    AcceptanceNotice,
    /// 不予受理告知书, with the reason and where to go instead.
    NonAcceptanceNotice,
    /// 接收情况及处理途径告知书 (第二十三条第三款), for items forwarded or assigned to us.
    ReceiptNotice,
    /// 转送函 / 交办函 (第二十二条), addressed to the receiving unit.
    ForwardingLetter,
    /// 延期办理告知书 (第三十四条).
    ExtensionNotice,
    /// 信访处理意见书 (第三十一条第（六）项, 第三十二条).
    HandlingOpinion,
    /// 复查意见书 (第三十五条).
    ReviewOpinion,
    /// 复核意见书 (第三十六条).
    ReReviewOpinion,
    /// 不再受理告知书 (第三十六条第三款).
    FinalityNotice,
    /// 调解协议书 (第三十三条).
    MediationAgreement,
    /// 送达回证: the petitioner signs for a document served.
    ServiceReceipt,
}

/// When a document's lifecycle event is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing on the case's history (the form and the receipt).
    None,
    /// On the day it is issued (notices, letters, agreements).
    AtIssue,
    /// On the day it is served: the petitioner's windows run from receipt of the written
    /// reply (第三十五条、第三十六条), so an opinion counts only once delivered.
    AtService,
}

/// Something a clerk supplies beyond what the case holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The field key (the template's `{key}`, the CLI's `--field key=value`).
    pub key: &'static str,
    /// What it is, in Chinese.
    pub label: &'static str,
    /// Whether the document is refused without it.
    pub required: bool,
}

const fn req(key: &'static str, label: &'static str) -> Input {
    Input {
        key,
        label,
        required: true,
    }
}

const fn opt(key: &'static str, label: &'static str) -> Input {
    Input {
        key,
        label,
        required: false,
    }
}

const OPINION_INPUTS: &[Input] = &[
    req("reply", "处理意见类型（支持/解释说明/不予支持）"),
    req("findings", "查明的事实"),
    req("basis", "处理依据"),
];

const NON_ACCEPTANCE_INPUTS: &[Input] = &[
    req("reason", "不予受理的理由"),
    req("redirect", "可以向何处、通过何种途径提出"),
];
/// A 受理告知书 and a 接收情况及处理途径告知书 both tell the petitioner how the item will be
/// handled (第二十三条第一款、第三款: "处理途径和程序").
const NOTICE_INPUTS: &[Input] = &[req(
    "handling_path",
    "处理途径和程序（有分流途径时自动填写）",
)];
const FORWARDING_INPUTS: &[Input] = &[
    req("receiving_unit", "接收单位（默认责任单位）"),
    opt("mode", "转送或交办（默认转送）"),
];
const EXTENSION_INPUTS: &[Input] = &[
    req("reason", "延期理由"),
    req("days", "延长天数（不超过30日）"),
    req("approved_by", "批准延期的本机关负责人"),
];
const HANDLING_INPUTS: &[Input] = &[
    req("reply", "处理意见类型（支持/解释说明/不予支持）"),
    req("findings", "查明的事实"),
    req("basis", "处理依据"),
    req("review_body", "复查机关（原办理机关的上一级机关）"),
];
const REVIEW_INPUTS: &[Input] = &[
    req("reply", "复查意见类型（支持/解释说明/不予支持）"),
    req("findings", "查明的事实"),
    req("basis", "处理依据"),
    req("re_review_body", "复核机关（复查机关的上一级机关）"),
];
const FINALITY_INPUTS: &[Input] = &[req("reason", "不再受理的情形（同一事实和理由）")];
const MEDIATION_INPUTS: &[Input] = &[
    req("other_party", "对方当事人"),
    req("terms", "协议内容"),
    opt("mediator", "调解人"),
];
const SERVICE_INPUTS: &[Input] = &[
    req("served_number", "送达文书的文号"),
    opt("method", "送达方式（默认直接送达）"),
];

impl DocKind {
    /// Every kind, in lifecycle order.
    pub const ALL: [DocKind; 12] = [
        DocKind::RegistrationForm,
        DocKind::AcceptanceNotice,
        DocKind::NonAcceptanceNotice,
        DocKind::ReceiptNotice,
        DocKind::ForwardingLetter,
        DocKind::ExtensionNotice,
        DocKind::HandlingOpinion,
        DocKind::ReviewOpinion,
        DocKind::ReReviewOpinion,
        DocKind::FinalityNotice,
        DocKind::MediationAgreement,
        DocKind::ServiceReceipt,
    ];

    /// The stable code (storage, CLI).
    pub fn code(self) -> &'static str {
        match self {
            DocKind::RegistrationForm => "registration-form",
            DocKind::AcceptanceNotice => "acceptance-notice",
            DocKind::NonAcceptanceNotice => "non-acceptance-notice",
            DocKind::ReceiptNotice => "receipt-notice",
            DocKind::ForwardingLetter => "forwarding-letter",
            DocKind::ExtensionNotice => "extension-notice",
            DocKind::HandlingOpinion => "handling-opinion",
            DocKind::ReviewOpinion => "review-opinion",
            DocKind::ReReviewOpinion => "re-review-opinion",
            DocKind::FinalityNotice => "finality-notice",
            DocKind::MediationAgreement => "mediation-agreement",
            DocKind::ServiceReceipt => "service-receipt",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            DocKind::RegistrationForm => "信访事项登记表",
            DocKind::AcceptanceNotice => "受理告知书",
            DocKind::NonAcceptanceNotice => "不予受理告知书",
            DocKind::ReceiptNotice => "接收情况及处理途径告知书",
            DocKind::ForwardingLetter => "转送函/交办函",
            DocKind::ExtensionNotice => "延期办理告知书",
            DocKind::HandlingOpinion => "信访处理意见书",
            DocKind::ReviewOpinion => "复查意见书",
            DocKind::ReReviewOpinion => "复核意见书",
            DocKind::FinalityNotice => "不再受理告知书",
            DocKind::MediationAgreement => "调解协议书",
            DocKind::ServiceReceipt => "送达回证",
        }
    }

    /// The article it rests on (the short form every document cites).
    pub fn article(self) -> &'static str {
        match self {
            DocKind::RegistrationForm => "第二十二条",
            DocKind::AcceptanceNotice => "第二十三条",
            DocKind::NonAcceptanceNotice => "第二十三条",
            DocKind::ReceiptNotice => "第二十三条第三款",
            DocKind::ForwardingLetter => "第二十二条",
            DocKind::ExtensionNotice => "第三十四条",
            DocKind::HandlingOpinion => "第三十二条",
            DocKind::ReviewOpinion => "第三十五条",
            DocKind::ReReviewOpinion => "第三十六条",
            DocKind::FinalityNotice => "第三十六条第三款",
            DocKind::MediationAgreement => "第三十三条",
            DocKind::ServiceReceipt => "第三十五条",
        }
    }

    /// The legal basis in full.
    pub fn basis(self) -> &'static str {
        match self {
            DocKind::RegistrationForm => {
                "《信访工作条例》第二十二条第一款、第二十三条第一款（登记）"
            }
            DocKind::AcceptanceNotice => {
                "《信访工作条例》第二十三条第一款、第二款（书面告知受理以及处理途径和程序）、第四十四条第（三）项"
            }
            DocKind::NonAcceptanceNotice => {
                "《信访工作条例》第二十三条（书面告知是否受理）、第四十四条第（三）项"
            }
            DocKind::ReceiptNotice => {
                "《信访工作条例》第二十三条第三款（接收情况以及处理途径和程序）"
            }
            DocKind::ForwardingLetter => {
                "《信访工作条例》第二十二条（信访部门转送、交办）、第二十三条第一款（其他机关、单位转送、交办）"
            }
            DocKind::ExtensionNotice => "《信访工作条例》第三十四条（延期并告知理由）",
            DocKind::HandlingOpinion => {
                "《信访工作条例》第三十一条第（六）项、第三十二条（信访处理意见书）"
            }
            DocKind::ReviewOpinion => "《信访工作条例》第三十五条（复查意见，书面答复）",
            DocKind::ReReviewOpinion => "《信访工作条例》第三十六条（复核意见）",
            DocKind::FinalityNotice => "《信访工作条例》第三十六条第三款（不再受理）",
            DocKind::MediationAgreement => "《信访工作条例》第三十三条（调解协议书）",
            DocKind::ServiceReceipt => "《信访工作条例》第三十五条、第三十六条（收到书面答复之日）",
        }
    }

    /// Parses a code or a Chinese name.
    pub fn parse(input: &str) -> Result<DocKind, PaperError> {
        let s = input.trim();
        DocKind::ALL
            .into_iter()
            .find(|k| k.code() == s || k.zh() == s || k.zh().split('/').any(|n| n == s))
            .ok_or_else(|| PaperError::UnknownKind(s.to_owned()))
    }

    /// What a clerk supplies for this kind.
    pub fn inputs(self) -> &'static [Input] {
        match self {
            DocKind::RegistrationForm => &[],
            DocKind::AcceptanceNotice | DocKind::ReceiptNotice => NOTICE_INPUTS,
            DocKind::NonAcceptanceNotice => NON_ACCEPTANCE_INPUTS,
            DocKind::ForwardingLetter => FORWARDING_INPUTS,
            DocKind::ExtensionNotice => EXTENSION_INPUTS,
            DocKind::HandlingOpinion => HANDLING_INPUTS,
            DocKind::ReviewOpinion => REVIEW_INPUTS,
            DocKind::ReReviewOpinion => OPINION_INPUTS,
            DocKind::FinalityNotice => FINALITY_INPUTS,
            DocKind::MediationAgreement => MEDIATION_INPUTS,
            DocKind::ServiceReceipt => SERVICE_INPUTS,
        }
    }

    /// When its lifecycle event is recorded.
    pub fn effect(self) -> Effect {
        match self {
            DocKind::RegistrationForm | DocKind::ServiceReceipt => Effect::None,
            DocKind::HandlingOpinion | DocKind::ReviewOpinion | DocKind::ReReviewOpinion => {
                Effect::AtService
            }
            _ => Effect::AtIssue,
        }
    }

    /// Whether a case has at most one current document of this kind (a second one is a
    /// correction of the first).
    pub fn once_per_case(self) -> bool {
        matches!(
            self,
            DocKind::RegistrationForm
                | DocKind::AcceptanceNotice
                | DocKind::NonAcceptanceNotice
                | DocKind::ReceiptNotice
                | DocKind::HandlingOpinion
                | DocKind::ReviewOpinion
                | DocKind::ReReviewOpinion
        )
    }

    /// The lifecycle events issuing (or, for opinions, serving) this document records,
    /// from the field values it was issued with. `already_accepted`: the case holds a
    /// 受理 (or 简易办理) event, so a notice records only itself. Both notices accept the
    /// item: each is given only for an item within the unit's remit (第二十三条第一款、第三款),
    /// and it is the written answer "是否受理" of 第四十四条第（三）项.
    pub fn events(self, fields: &Fields, already_accepted: bool) -> Vec<EventKind> {
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        let reply = || ReplyType::parse(&get("reply")).ok();
        match self {
            DocKind::RegistrationForm | DocKind::ServiceReceipt => Vec::new(),
            DocKind::AcceptanceNotice | DocKind::ReceiptNotice => {
                let mut out = Vec::new();
                if !already_accepted {
                    out.push(EventKind::Accepted);
                }
                out.push(EventKind::Acknowledged);
                out
            }
            DocKind::NonAcceptanceNotice => vec![EventKind::NotAccepted {
                reason: get("reason"),
            }],
            DocKind::ForwardingLetter => {
                let unit = get("receiving_unit");
                if get("mode") == "交办" {
                    vec![EventKind::Assigned { unit }]
                } else {
                    vec![EventKind::Forwarded { unit }]
                }
            }
            DocKind::ExtensionNotice => vec![EventKind::Extended {
                days: get("days").parse().unwrap_or(0),
                approved_by: get("approved_by"),
                reason: get("reason"),
            }],
            DocKind::HandlingOpinion => reply()
                .map(|reply| vec![EventKind::Replied { reply }])
                .unwrap_or_default(),
            DocKind::ReviewOpinion => reply()
                .map(|reply| vec![EventKind::ReviewOpinion { reply }])
                .unwrap_or_default(),
            DocKind::ReReviewOpinion => reply()
                .map(|reply| vec![EventKind::ReReviewOpinion { reply }])
                .unwrap_or_default(),
            DocKind::FinalityNotice => vec![EventKind::NotReaccepted {
                reason: get("reason"),
            }],
            DocKind::MediationAgreement => vec![EventKind::Mediated {
                agreement: get("terms"),
            }],
        }
    }
}

impl std::fmt::Display for DocKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.zh())
    }
}

/// The field values a document is filled with: key → text.
pub type Fields = std::collections::BTreeMap<String, String>;

/// What the case's state says about one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub kind: DocKind,
    /// `None` when the case's state allows it; else why not, in Chinese.
    pub refused: Option<String>,
}

/// What the offer depends on besides the events.
#[derive(Debug, Clone, Default)]
pub struct CaseState<'a> {
    /// The case's events (any order).
    pub events: &'a [CaseEvent],
    /// Whether the item was forwarded or assigned to us (第二十三条第三款), rather than
    /// received from the petitioner.
    pub received_from_office: bool,
    /// The kind of the unit that received the item, when the directory knows it.
    pub office: Option<OrganKind>,
    /// The kinds of the current (not superseded) documents on the case.
    pub issued: &'a [DocKind],
    /// Whether the item is handled under 第三十一条第（六）项 (its content type and the
    /// route in force): only then is a 信访处理意见书 issued (第三十一条第（六）项) and the
    /// handling deadline extended (第三十四条).
    pub handling_clock_runs: bool,
}

/// Whether the case's state allows `kind`, and why not.
pub fn offer(kind: DocKind, state: &CaseState<'_>) -> Offer {
    let mut events = state.events.to_vec();
    fengqiao_model::event::sort_events(&mut events);
    let status = fengqiao_model::event::status_of(&events);
    let has = |code: &str| events.iter().any(|e| e.kind.code() == code);
    let extended_days: u32 = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Extended { days, .. } => Some(days),
            _ => None,
        })
        .sum();
    let status_is = |allowed: &[CaseStatus]| allowed.contains(&status);
    let refuse = |why: String| Offer {
        kind,
        refused: Some(why),
    };
    let state_refusal = || refuse(format!("案件状态为「{}」", status.zh()));
    if kind.once_per_case() && state.issued.contains(&kind) {
        return refuse(format!("本案已有{}；更正请签发新版本", kind.zh()));
    }
    let allowed = match kind {
        DocKind::RegistrationForm => true,
        DocKind::AcceptanceNotice => {
            if has("acknowledged") {
                return refuse("本案已书面告知".into());
            }
            if state.received_from_office {
                return refuse(
                    "本案是信访部门或上级机关转送、交办的事项，书面告知用接收情况及处理途径告知书（第二十三条第三款）".into(),
                );
            }
            if state.office == Some(OrganKind::PetitionOffice) {
                return refuse(
                    "本案由党委和政府信访部门直接收到：应在15日内登记并转送、交办（转送函/交办函，第二十二条第一款），由有权处理的机关、单位书面告知信访人（第二十三条）".into(),
                );
            }
            status_is(&[
                CaseStatus::Registered,
                CaseStatus::Routed,
                CaseStatus::InProgress,
                CaseStatus::Extended,
            ])
        }
        DocKind::NonAcceptanceNotice => {
            if has("accepted") || has("fast-track") {
                return refuse("本案已受理".into());
            }
            status_is(&[CaseStatus::Registered, CaseStatus::Routed])
        }
        DocKind::ReceiptNotice => {
            if !state.received_from_office {
                return refuse("本案不是上级或信访部门转送、交办的事项（第二十三条第三款）".into());
            }
            if has("acknowledged") {
                return refuse("本案已书面告知".into());
            }
            status_is(&[
                CaseStatus::Registered,
                CaseStatus::Routed,
                CaseStatus::InProgress,
                CaseStatus::Extended,
            ])
        }
        DocKind::ForwardingLetter => status_is(&[CaseStatus::Registered, CaseStatus::Routed]),
        DocKind::ExtensionNotice => {
            if !status_is(&[CaseStatus::InProgress, CaseStatus::Extended]) {
                return state_refusal();
            }
            if !state.handling_clock_runs {
                return refuse(
                    "按本案的内容分类和分流途径，不适用第三十四条的办理期限，无须延期".into(),
                );
            }
            if extended_days >= 30 {
                return refuse("已延期满30日（第三十四条）".into());
            }
            true
        }
        DocKind::HandlingOpinion => {
            if !status_is(&[CaseStatus::InProgress, CaseStatus::Extended]) {
                return state_refusal();
            }
            if !state.handling_clock_runs {
                return refuse(
                    "按本案的内容分类和分流途径，不属于第三十一条第（六）项事项，不出具信访处理意见书".into(),
                );
            }
            true
        }
        DocKind::MediationAgreement => status_is(&[CaseStatus::InProgress, CaseStatus::Extended]),
        DocKind::ReviewOpinion => status_is(&[CaseStatus::UnderReview]),
        DocKind::ReReviewOpinion => status_is(&[CaseStatus::UnderReReview]),
        DocKind::FinalityNotice => status_is(&[CaseStatus::Final]),
        DocKind::ServiceReceipt => {
            if state.issued.iter().all(|k| *k == DocKind::ServiceReceipt) {
                return refuse("本案还没有可送达的文书".into());
            }
            true
        }
    };
    if allowed {
        Offer {
            kind,
            refused: None,
        }
    } else {
        state_refusal()
    }
}

/// Every kind with what the case's state says about it.
pub fn offers(state: &CaseState<'_>) -> Vec<Offer> {
    DocKind::ALL.into_iter().map(|k| offer(k, state)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use fengqiao_model::ids::{EventId, PersonId};

    fn event(kind: EventKind, day: u32) -> CaseEvent {
        let date = NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default();
        CaseEvent {
            id: EventId::generate(),
            kind,
            date,
            recorded_at: chrono::DateTime::default(),
            recorded_by: PersonId(uuid::Uuid::nil()),
            remark: String::new(),
        }
    }

    fn allowed(state: &CaseState<'_>) -> Vec<DocKind> {
        offers(state)
            .into_iter()
            .filter(|o| o.refused.is_none())
            .map(|o| o.kind)
            .collect()
    }

    #[test]
    fn codes_parse_back_and_every_kind_cites_an_article() {
        for kind in DocKind::ALL {
            assert_eq!(DocKind::parse(kind.code()).ok(), Some(kind));
            assert!(kind.basis().contains(kind.article()), "{kind:?}");
        }
        assert_eq!(
            DocKind::parse("交办函").ok(),
            Some(DocKind::ForwardingLetter)
        );
        assert!(DocKind::parse("reminder").is_err());
    }

    #[test]
    fn a_new_case_offers_intake_documents_only() {
        let events = [event(EventKind::Registered, 2)];
        let state = CaseState {
            events: &events,
            ..CaseState::default()
        };
        assert_eq!(
            allowed(&state),
            vec![
                DocKind::RegistrationForm,
                DocKind::AcceptanceNotice,
                DocKind::NonAcceptanceNotice,
                DocKind::ForwardingLetter,
            ]
        );
    }

    #[test]
    fn an_accepted_case_offers_handling_documents_and_a_review_the_review_opinion() {
        let events = [
            event(EventKind::Registered, 2),
            event(EventKind::Accepted, 3),
            event(EventKind::Acknowledged, 3),
        ];
        let issued = [DocKind::AcceptanceNotice];
        let state = CaseState {
            events: &events,
            issued: &issued,
            handling_clock_runs: true,
            ..CaseState::default()
        };
        assert_eq!(
            allowed(&state),
            vec![
                DocKind::RegistrationForm,
                DocKind::ExtensionNotice,
                DocKind::HandlingOpinion,
                DocKind::MediationAgreement,
                DocKind::ServiceReceipt,
            ]
        );
        let refused = offer(DocKind::ReviewOpinion, &state);
        assert_eq!(refused.refused.as_deref(), Some("案件状态为「办理中」"));
        let mut later = events.to_vec();
        later.push(event(
            EventKind::Replied {
                reply: ReplyType::Explain,
            },
            10,
        ));
        later.push(event(EventKind::ReviewRequested, 12));
        let state = CaseState {
            events: &later,
            ..state
        };
        assert!(allowed(&state).contains(&DocKind::ReviewOpinion));
        assert!(!allowed(&state).contains(&DocKind::HandlingOpinion));
    }

    #[test]
    fn extension_needs_the_handling_clock_and_stops_at_thirty_days() {
        let mut events = vec![
            event(EventKind::Registered, 2),
            event(EventKind::Accepted, 3),
        ];
        let state = CaseState {
            events: &events,
            ..CaseState::default()
        };
        assert!(offer(DocKind::ExtensionNotice, &state).refused.is_some());
        events.push(event(
            EventKind::Extended {
                days: 30,
                approved_by: "局长".into(),
                reason: "需鉴定".into(),
            },
            20,
        ));
        let state = CaseState {
            events: &events,
            handling_clock_runs: true,
            ..CaseState::default()
        };
        assert_eq!(
            offer(DocKind::ExtensionNotice, &state).refused.as_deref(),
            Some("已延期满30日（第三十四条）")
        );
    }

    #[test]
    fn the_receipt_notice_is_for_items_forwarded_to_us() {
        let events = [event(EventKind::Registered, 2)];
        let own = CaseState {
            events: &events,
            ..CaseState::default()
        };
        assert!(offer(DocKind::ReceiptNotice, &own).refused.is_some());
        let forwarded = CaseState {
            received_from_office: true,
            ..own
        };
        assert!(offer(DocKind::ReceiptNotice, &forwarded).refused.is_none());
        // 第二十三条第二款's notice is for items received directly: not this one.
        let why = offer(DocKind::AcceptanceNotice, &forwarded).refused;
        assert!(why.is_some_and(|w| w.contains("第二十三条第三款")));
    }

    #[test]
    fn a_petition_office_routes_what_it_receives_directly_instead_of_accepting_it() {
        let events = [event(EventKind::Registered, 2)];
        let at = |office| CaseState {
            events: &events,
            office,
            ..CaseState::default()
        };
        // 第二十二条第一款 binds the 信访部门 to register and forward or assign; the written
        // notice of 第二十三条 is the receiving organ's.
        let why = offer(
            DocKind::AcceptanceNotice,
            &at(Some(OrganKind::PetitionOffice)),
        )
        .refused;
        assert!(why.is_some_and(|w| w.contains("第二十二条第一款")));
        assert!(
            offer(
                DocKind::ForwardingLetter,
                &at(Some(OrganKind::PetitionOffice))
            )
            .refused
            .is_none()
        );
        for office in [Some(OrganKind::OtherOrgan), None] {
            assert!(
                offer(DocKind::AcceptanceNotice, &at(office))
                    .refused
                    .is_none(),
                "{office:?}"
            );
        }
    }

    #[test]
    fn no_handling_opinion_for_an_item_outside_item_six() {
        let events = [
            event(EventKind::Registered, 2),
            event(EventKind::Accepted, 3),
        ];
        let state = |handling_clock_runs| CaseState {
            events: &events,
            handling_clock_runs,
            ..CaseState::default()
        };
        let why = offer(DocKind::HandlingOpinion, &state(false)).refused;
        assert!(why.is_some_and(|w| w.contains("第三十一条第（六）项")));
        assert!(
            offer(DocKind::HandlingOpinion, &state(true))
                .refused
                .is_none()
        );
        // Mediation (第三十三条) is not limited to (六) items.
        assert!(
            offer(DocKind::MediationAgreement, &state(false))
                .refused
                .is_none()
        );
    }

    #[test]
    fn issuing_records_the_matching_events() {
        let mut fields = Fields::new();
        fields.insert("reply".into(), "不予支持".into());
        assert_eq!(
            DocKind::HandlingOpinion.events(&fields, true),
            vec![EventKind::Replied {
                reply: ReplyType::NotSupport
            }]
        );
        assert_eq!(
            DocKind::AcceptanceNotice.events(&fields, false),
            vec![EventKind::Accepted, EventKind::Acknowledged]
        );
        assert_eq!(
            DocKind::AcceptanceNotice.events(&fields, true),
            vec![EventKind::Acknowledged]
        );
        // A forwarded item within the unit's remit is accepted by its notice too.
        assert_eq!(
            DocKind::ReceiptNotice.events(&fields, false),
            vec![EventKind::Accepted, EventKind::Acknowledged]
        );
        fields.insert("receiving_unit".into(), "县自然资源局".into());
        fields.insert("mode".into(), "交办".into());
        assert_eq!(
            DocKind::ForwardingLetter.events(&fields, false),
            vec![EventKind::Assigned {
                unit: "县自然资源局".into()
            }]
        );
    }
}
