//! What the store fills into a document from the case and the law as the directory records
//! it: which organ issues it, how the item will be handled, what a letter asks of the unit
//! it is sent to, and what the case suggests for the clerk's inputs.
//!
//! Why here and not in the templates: the right wording depends on who holds the item (a
//! 信访部门 or another organ, `LawContext`), its content type and the route in force, which
//! only the store knows; the templates stay data a county edits.

use fengqiao_model::{ContentType, OrganKind, Route, Source};
use fengqiao_paperwork::{self as paper, CaseDocument, DocKind, Fields};
use fengqiao_rules::{CaseFacts, handling_clock_applies, route_in_force};

use super::super::CaseRecord;

/// The kinds of the documents that are current (not corrected by a later version).
pub(super) fn current_kinds(papers: &[CaseDocument]) -> Vec<DocKind> {
    papers
        .iter()
        .filter(|d| d.superseded_by.is_none())
        .map(|d| d.record.kind)
        .collect()
}

/// The route in force: the latest 分流, else the registration's.
pub(super) fn route_of(case: &CaseRecord) -> Option<Route> {
    route_in_force(&case.events, case.case.registration.route)
}

/// Whether the item is handled under 第三十一条第（六）项 (its content type and route in
/// force), the condition of a 信访处理意见书 and of 第三十四条's deadline.
pub(super) fn handled_under_item_six(case: &CaseRecord, facts: &CaseFacts) -> bool {
    handling_clock_applies(facts.content_type, route_of(case)).is_ok()
}

pub(super) fn case_state<'a>(
    case: &'a CaseRecord,
    facts: &CaseFacts,
    issued: &'a [DocKind],
) -> paper::CaseState<'a> {
    paper::CaseState {
        events: &case.events,
        received_from_office: !matches!(case.case.registration.source, Source::Own),
        office: facts.office,
        issued,
        handling_clock_runs: handled_under_item_six(case, facts),
    }
}

/// The current document of `kind` on the case, if any.
fn current(papers: &[CaseDocument], kind: DocKind) -> Option<&CaseDocument> {
    papers
        .iter()
        .rev()
        .find(|d| d.record.kind == kind && d.superseded_by.is_none())
}

/// The organ whose act the document is (the templates' `{unit}`; empty when the case
/// cannot say): the unit that received the item for intake documents; the responsible
/// unit (第三十一条: "有权处理的机关、单位") for handling, extension and mediation; for a
/// review opinion the body the served 信访处理意见书 named (第三十五条: the original
/// handler's superior), for a re-review opinion the body the review opinion named
/// (第三十六条); for a 送达回证 the organ of the document served.
pub(super) fn issuing_unit(
    kind: DocKind,
    case: &CaseRecord,
    papers: &[CaseDocument],
    fields: &Fields,
) -> String {
    let reg = &case.case.registration;
    let receiving = reg.received_by.trim().to_owned();
    let handling = match reg.lead_unit.trim() {
        "" => receiving.clone(),
        lead => lead.to_owned(),
    };
    let named_by = |earlier: DocKind, key: &str| {
        current(papers, earlier)
            .and_then(|d| d.record.fields.get(key))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    match kind {
        DocKind::RegistrationForm
        | DocKind::AcceptanceNotice
        | DocKind::NonAcceptanceNotice
        | DocKind::ReceiptNotice
        | DocKind::ForwardingLetter
        | DocKind::FinalityNotice => receiving,
        DocKind::ExtensionNotice | DocKind::HandlingOpinion | DocKind::MediationAgreement => {
            handling
        }
        DocKind::ReviewOpinion => {
            named_by(DocKind::HandlingOpinion, "review_body").unwrap_or(handling)
        }
        DocKind::ReReviewOpinion => {
            named_by(DocKind::ReviewOpinion, "re_review_body").unwrap_or(handling)
        }
        DocKind::ServiceReceipt => {
            let served = fields.get("served_number").map(|n| n.trim());
            papers
                .iter()
                .find(|d| Some(d.record.number.as_str()) == served)
                .and_then(|d| d.record.fields.get("issuer").cloned())
                .unwrap_or(receiving)
        }
    }
}

/// How the item will be handled, in the petitioner's words, with the articles: what a
/// 受理告知书 and a 接收情况及处理途径告知书 tell (第二十三条第一款、第三款).
pub(super) fn handling_path(route: Route, content: Option<ContentType>) -> &'static str {
    match (route, content) {
        (_, Some(ContentType::Accusation)) | (Route::DisciplineReport, _) => {
            "该事项属于检举控告类事项，由纪检监察机关或者有权处理的机关、单位依规依纪依法接收、受理、办理和反馈（《信访工作条例》第三十条）"
        }
        (_, Some(ContentType::Suggestion)) => {
            "本机关将对你提出的建议意见认真研究论证，对科学合理、具有现实可行性的予以采纳或者部分采纳，并予以回复（《信访工作条例》第二十九条）"
        }
        (Route::LitigationRelated, _) => {
            "该事项应当通过审判机关诉讼程序或者复议程序、检察机关刑事立案程序或者法律监督程序、公安机关法律程序处理，将按照法律法规规定的程序处理（《信访工作条例》第三十一条第（一）项）"
        }
        (Route::Arbitration, _) => {
            "该事项应当通过仲裁解决，将导入仲裁程序处理（《信访工作条例》第三十一条第（二）项）"
        }
        (Route::AppealReview, _) => {
            "该事项可以通过党员申诉、申请复审等解决，将导入相应程序处理（《信访工作条例》第三十一条第（三）项）"
        }
        (Route::AdministrativeDuty, _) => {
            "该事项可以通过行政复议、行政裁决、行政确认、行政许可、行政处罚等行政程序解决的，将导入相应程序处理；属于申请查处违法行为、履行保护人身权或者财产权等合法权益职责的，依法履行或者答复（《信访工作条例》第三十一条第（四）项、第（五）项）"
        }
        (Route::Dispute, _) => {
            "本机关将在办理中经争议双方当事人同意进行调解，或者引导双方自愿和解；未达成一致的，听取你陈述事实和理由并调查核实后出具信访处理意见书，自受理之日起60日内办结，情况复杂的经本机关负责人批准可以延长，延长期限不超过30日（《信访工作条例》第三十一条第（六）项、第三十三条、第三十四条）"
        }
        (Route::PetitionRequest, _) => {
            "本机关将听取你陈述事实和理由，调查核实后出具信访处理意见书，自受理之日起60日内办结，情况复杂的经本机关负责人批准可以延长，延长期限不超过30日（《信访工作条例》第三十一条第（六）项、第三十四条）"
        }
    }
}

/// What a 转送函/交办函 cites and asks of the unit it is sent to: who sends (a 信访部门 under
/// 第二十二条, another organ to its own system under 第二十三条第一款), what is sent (an
/// accusation to the 纪检监察机关 or a litigation matter to the 政法部门 under 第二十二条第二款,
/// whose notice to the petitioner follows their own rules, 第二十三条第四款) and how (a 交办
/// asks for the result and a closing report, 第二十二条第一款第（三）项).
pub(super) fn forwarding_wording(
    office: Option<OrganKind>,
    route: Option<Route>,
    content: Option<ContentType>,
    assigned: bool,
) -> (String, String) {
    let ordinary = match office {
        Some(OrganKind::PetitionOffice) => "第二十二条第一款、第二十三条第三款",
        Some(OrganKind::OtherOrgan) => "第二十三条第一款、第三款",
        None => "第二十二条第一款、第二十三条第一款、第三款",
    };
    let accusation =
        route == Some(Route::DisciplineReport) || content == Some(ContentType::Accusation);
    let result = if assigned {
        "请在指定的办理期限内反馈办理结果，提交办结报告。"
    } else {
        "请依法办理。"
    };
    if accusation {
        let basis = match office {
            Some(OrganKind::OtherOrgan) => "第二十三条第一款、第三十条".to_owned(),
            _ => "第二十二条第二款、第三十条".to_owned(),
        };
        return (
            basis,
            format!(
                "请依规依纪依法处理；告知信访人按照有关规定执行（第二十三条第四款）。检举、揭发材料以及有关情况不得透露或者转给被检举、揭发的人员或者单位（第三十条第三款）。{result}"
            ),
        );
    }
    if route == Some(Route::LitigationRelated) {
        let basis = match office {
            Some(OrganKind::OtherOrgan) => "第二十三条第一款、第二十八条第二款".to_owned(),
            _ => "第二十二条第二款、第二十八条第二款".to_owned(),
        };
        return (
            basis,
            format!("请依法处理；告知信访人按照有关规定执行（第二十三条第四款）。{result}"),
        );
    }
    (
        ordinary.to_owned(),
        format!(
            "请你单位自收到之日起15日内书面告知信访人接收情况以及处理途径和程序；认为不属于你单位或者本系统职权范围的，请自收到之日起5个工作日内提出异议，并详细说明理由。{result}"
        ),
    )
}

/// What the case suggests for a kind's inputs: the responsible unit as the receiving
/// unit, how the route in force handles the item, the latest unserved document for a
/// receipt.
pub(super) fn defaults(
    kind: DocKind,
    case: &CaseRecord,
    facts: &CaseFacts,
    papers: &[CaseDocument],
) -> Fields {
    let mut f = Fields::new();
    let reg = &case.case.registration;
    match kind {
        DocKind::ForwardingLetter if !reg.lead_unit.trim().is_empty() => {
            f.insert("receiving_unit".into(), reg.lead_unit.clone());
        }
        DocKind::AcceptanceNotice | DocKind::ReceiptNotice => {
            if let Some(route) = route_of(case) {
                f.insert(
                    "handling_path".into(),
                    handling_path(route, facts.content_type).to_owned(),
                );
            }
        }
        DocKind::ServiceReceipt => {
            if let Some(d) = papers.iter().rev().find(|d| {
                d.served.is_none()
                    && d.superseded_by.is_none()
                    && d.record.kind != DocKind::ServiceReceipt
                    && d.record.kind != DocKind::RegistrationForm
            }) {
                f.insert("served_number".into(), d.record.number.clone());
            }
        }
        _ => {}
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_asks_for_the_notice_only_where_article_23_3_applies() {
        let (basis, ask) = forwarding_wording(
            Some(OrganKind::PetitionOffice),
            Some(Route::PetitionRequest),
            None,
            false,
        );
        assert_eq!(basis, "第二十二条第一款、第二十三条第三款");
        assert!(ask.contains("15日内书面告知") && ask.contains("5个工作日内提出异议"));
        let (basis, _) = forwarding_wording(
            Some(OrganKind::OtherOrgan),
            Some(Route::Dispute),
            None,
            true,
        );
        assert_eq!(basis, "第二十三条第一款、第三款");
        // To the 纪检监察机关 and the 政法部门: their own rules (第二十三条第四款).
        for route in [Route::DisciplineReport, Route::LitigationRelated] {
            let (basis, ask) =
                forwarding_wording(Some(OrganKind::PetitionOffice), Some(route), None, false);
            assert!(basis.starts_with("第二十二条第二款"), "{route:?}: {basis}");
            assert!(ask.contains("第二十三条第四款"), "{route:?}: {ask}");
            assert!(!ask.contains("15日内书面告知"), "{route:?}: {ask}");
        }
        let (_, ask) = forwarding_wording(
            None,
            Some(Route::PetitionRequest),
            Some(ContentType::Accusation),
            false,
        );
        assert!(ask.contains("第三十条第三款"), "{ask}");
        let (_, ask) = forwarding_wording(None, None, None, true);
        assert!(ask.contains("办结报告"), "{ask}");
    }

    #[test]
    fn the_handling_path_follows_the_route_and_the_content_type() {
        assert!(handling_path(Route::PetitionRequest, None).contains("60日内办结"));
        assert!(
            handling_path(Route::PetitionRequest, Some(ContentType::Suggestion))
                .contains("第二十九条")
        );
        assert!(!handling_path(Route::LitigationRelated, None).contains("60日"));
        assert!(handling_path(Route::Dispute, None).contains("第三十三条"));
        for route in Route::ALL {
            assert!(
                handling_path(*route, None).contains("《信访工作条例》"),
                "{route:?}"
            );
        }
    }
}
