//! The field values a document is filled with, taken from the case: every key a template
//! may use, with its Chinese label (the refusal names a missing field by it).

use chrono::{Datelike, NaiveDate};
use fengqiao_model::case::{Case, Petitioner, Source};
use fengqiao_model::event::{CaseEvent, EventKind, sort_events};
use fengqiao_model::vocab::ReplyType;

use crate::kind::{DocKind, Fields};

/// Keys filled from the case, the directory and the issue itself, with their labels.
pub const CASE_FIELDS: &[(&str, &str)] = &[
    ("case_number", "案件编号"),
    ("petitioner", "信访人"),
    ("petitioner_address", "信访人住址"),
    ("petitioner_phone", "信访人联系电话"),
    ("petitioner_id", "信访人身份证号"),
    ("head_count", "人数"),
    ("received_on", "收到日期"),
    ("registered_on", "登记日期"),
    ("channel", "信访渠道"),
    ("source", "来源"),
    ("source_unit", "转送、交办单位"),
    ("source_mode", "转送或交办"),
    ("township", "乡镇（街道）"),
    ("village", "村（社区）"),
    ("place", "涉及地点"),
    ("request", "信访诉求"),
    ("facts_given", "信访人反映的事实"),
    ("reasons_given", "信访人反映的理由"),
    ("route", "分流途径"),
    ("lead_unit", "责任单位"),
    ("handler", "承办人"),
    ("accepted_on", "受理日期"),
    ("replied_on", "处理意见送达日期"),
    ("review_requested_on", "请求复查日期"),
    ("re_review_requested_on", "请求复核日期"),
    ("county", "县（市）"),
    ("issuer", "发文机关"),
    ("number", "文号"),
    ("date", "成文日期"),
    ("year", "年份"),
    ("reply_decision", "处理结论"),
    ("new_due_date", "延期后的办结期限"),
    ("served_title", "送达文书名称"),
    ("forward_basis", "转送、交办的依据"),
    ("forward_request", "对接收单位的要求"),
];

/// The label of a key (a case field or an input of any kind), or the key itself.
pub fn label_of(key: &str) -> String {
    CASE_FIELDS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| (*l).to_owned())
        .or_else(|| {
            DocKind::ALL
                .iter()
                .flat_map(|k| k.inputs())
                .find(|i| i.key == key)
                .map(|i| i.label.to_owned())
        })
        .unwrap_or_else(|| key.to_owned())
}

/// Whether `key` is a field a template may use in `kind`'s document.
pub fn is_known(kind: DocKind, key: &str) -> bool {
    CASE_FIELDS.iter().any(|(k, _)| *k == key) || kind.inputs().iter().any(|i| i.key == key)
}

/// A date the way official documents write it: `2026年5月6日`.
pub fn zh_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

fn names(people: &[Petitioner]) -> String {
    people
        .iter()
        .filter(|p| !p.anonymous)
        .map(|p| p.name.trim())
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join("、")
}

/// The fields a case provides: the registration and the dates of its events.
pub fn case_fields(case: &Case, events: &[CaseEvent]) -> Fields {
    let reg = &case.registration;
    let mut f = Fields::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_owned(), v.trim().to_owned());
    };
    put("case_number", case.number.to_string());
    let people: Vec<&Petitioner> = reg.petitioners.iter().chain(&reg.representatives).collect();
    let mut petitioner = names(&reg.petitioners);
    if petitioner.is_empty() {
        petitioner = names(&reg.representatives);
    }
    if petitioner.is_empty() && people.iter().any(|p| p.anonymous) {
        petitioner = "匿名信访人".into();
    }
    if reg.head_count > 1 && !reg.representatives.is_empty() {
        petitioner = format!("{}等{}人", names(&reg.representatives), reg.head_count);
    }
    put("petitioner", petitioner);
    let first = |get: fn(&Petitioner) -> &str| {
        people
            .iter()
            .filter(|p| !p.anonymous)
            .map(|p| get(p).trim())
            .find(|v| !v.is_empty())
            .unwrap_or_default()
            .to_owned()
    };
    put("petitioner_address", first(|p| &p.address));
    put("petitioner_phone", first(|p| &p.phone));
    put(
        "petitioner_id",
        people
            .iter()
            .filter(|p| !p.anonymous && !p.id_number.trim().is_empty())
            .map(|p| p.masked_id_number())
            .next()
            .unwrap_or_default(),
    );
    put("head_count", reg.head_count.to_string());
    let (source, source_unit, source_mode, received) = match &reg.source {
        Source::Own => ("本机关登记".to_owned(), String::new(), "", reg.received_on),
        Source::ForwardedFrom { unit, received_on } => {
            (format!("{unit}转送"), unit.clone(), "转送", *received_on)
        }
        Source::AssignedBy { unit, received_on } => {
            (format!("{unit}交办"), unit.clone(), "交办", *received_on)
        }
    };
    put("received_on", zh_date(received));
    put("registered_on", zh_date(case.registered_at.date_naive()));
    put("channel", reg.channel.zh().to_owned());
    put("source", source);
    put("source_unit", source_unit);
    put("source_mode", source_mode.to_owned());
    put("township", reg.township.clone());
    put("village", reg.village.clone());
    put("place", format!("{}{}", reg.township, reg.village));
    put(
        "request",
        reg.content.request.trim_end_matches('。').to_owned(),
    );
    put(
        "facts_given",
        reg.content.facts.trim_end_matches('。').to_owned(),
    );
    put(
        "reasons_given",
        reg.content.reasons.trim_end_matches('。').to_owned(),
    );
    let mut sorted = events.to_vec();
    sort_events(&mut sorted);
    let route = sorted
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Routed { route } => Some(*route),
            _ => None,
        })
        .or(reg.route);
    put(
        "route",
        route.map(|r| r.zh().to_owned()).unwrap_or_default(),
    );
    put("lead_unit", reg.lead_unit.clone());
    put("handler", reg.handler.clone());
    let last_date = |codes: &[&str]| {
        sorted
            .iter()
            .rev()
            .find(|e| codes.contains(&e.kind.code()))
            .map(|e| zh_date(e.date))
            .unwrap_or_default()
    };
    put("accepted_on", last_date(&["accepted", "fast-track"]));
    put("replied_on", last_date(&["replied"]));
    put("review_requested_on", last_date(&["review-requested"]));
    put(
        "re_review_requested_on",
        last_date(&["re-review-requested"]),
    );
    f
}

/// The sentence an opinion states its conclusion with (第三十二条).
pub fn reply_decision(reply: ReplyType) -> &'static str {
    match reply {
        ReplyType::Support => "对你的请求予以支持",
        ReplyType::Explain => "对你的请求予以解释说明",
        ReplyType::NotSupport => "对你的请求不予支持",
    }
}

/// Checks and puts in canonical form what a clerk typed for `kind`: a reply type must be
/// one of the three of 第三十二条, extension days 1–30, the mode 转送 or 交办.
pub fn normalise_inputs(kind: DocKind, fields: &mut Fields) -> Result<(), crate::PaperError> {
    let bad = |field: &str, value: &str, why: &str| crate::PaperError::BadField {
        field: field.to_owned(),
        value: value.to_owned(),
        why: why.to_owned(),
    };
    for (_, v) in fields.iter_mut() {
        *v = v.trim().to_owned();
    }
    if let Some(v) = fields.get("reply").filter(|v| !v.is_empty()).cloned() {
        let reply = ReplyType::parse(&v).map_err(|e| bad("reply", &v, &e.to_string()))?;
        fields.insert("reply".into(), reply.zh().to_owned());
        fields.insert("reply_decision".into(), reply_decision(reply).to_owned());
    }
    if kind == DocKind::ExtensionNotice
        && let Some(v) = fields.get("days").filter(|v| !v.is_empty())
    {
        match v.parse::<u32>() {
            Ok(d) if (1..=30).contains(&d) => {}
            _ => return Err(bad("days", v, "延长天数应为1至30的整数（第三十四条）")),
        }
    }
    if kind == DocKind::ForwardingLetter {
        let mode = fields.get("mode").cloned().unwrap_or_default();
        let mode = match mode.as_str() {
            "" | "转送" | "forward" | "forwarded" => "转送",
            "交办" | "assign" | "assigned" => "交办",
            other => return Err(bad("mode", other, "应为「转送」或「交办」")),
        };
        fields.insert("mode".into(), mode.to_owned());
    }
    if kind == DocKind::ServiceReceipt && fields.get("method").is_none_or(|m| m.is_empty()) {
        fields.insert("method".into(), "直接送达".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fengqiao_model::CaseNumber;
    use fengqiao_model::case::Registration;
    use fengqiao_model::ids::{CaseId, PersonId};
    use fengqiao_model::vocab::Channel;

    fn case(reg: Registration) -> Case {
        Case {
            id: CaseId(uuid::Uuid::nil()),
            number: CaseNumber {
                device_code: "GK7Q".into(),
                year: 2026,
                sequence: 42,
            },
            registered_at: chrono::DateTime::default(),
            registered_by: PersonId(uuid::Uuid::nil()),
            registration: reg,
        }
    }

    #[test]
    fn a_group_visit_names_its_representatives_and_the_head_count() {
        let day = NaiveDate::from_ymd_opt(2026, 5, 6).unwrap_or_default();
        let mut reg = Registration::new(Channel::Visit, day, "港口镇", "修复灌溉渠。");
        reg.head_count = 12;
        reg.representatives = vec![
            Petitioner {
                name: "王五".into(),
                address: "港口镇山门村".into(),
                ..Petitioner::default()
            },
            Petitioner {
                name: "赵六".into(),
                ..Petitioner::default()
            },
        ];
        let f = case_fields(&case(reg), &[]);
        assert_eq!(f["petitioner"], "王五、赵六等12人");
        assert_eq!(f["petitioner_address"], "港口镇山门村");
        assert_eq!(f["received_on"], "2026年5月6日");
        assert_eq!(f["request"], "修复灌溉渠");
        assert_eq!(f["case_number"], "GK7Q-2026-00042");
    }

    #[test]
    fn inputs_are_checked_and_made_canonical() {
        let mut f = Fields::new();
        f.insert("reply".into(), " explain ".into());
        normalise_inputs(DocKind::HandlingOpinion, &mut f).unwrap();
        assert_eq!(f["reply"], "解释说明");
        assert_eq!(f["reply_decision"], "对你的请求予以解释说明");
        let mut f = Fields::new();
        f.insert("days".into(), "45".into());
        let err = normalise_inputs(DocKind::ExtensionNotice, &mut f).unwrap_err();
        assert!(err.to_string().contains("第三十四条"), "{err}");
        let mut f = Fields::new();
        normalise_inputs(DocKind::ForwardingLetter, &mut f).unwrap();
        assert_eq!(f["mode"], "转送");
    }
}
