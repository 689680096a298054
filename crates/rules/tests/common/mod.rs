//! Fixtures shared by the law's integration tests: an item described in words, events as
//! `MM-DD kind [argument]` (2026), dates as `MM-DD`.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate};
use fengqiao_model::event::{CaseEvent, EventKind};
use fengqiao_model::ids::{EventId, PersonId};
use fengqiao_model::vocab::{ContentType, OrganKind, ReplyType, Route};
use fengqiao_rules::{CaseFacts, ExtensionBase};

/// Parses an item: `direct|forwarded`, `office|organ|unknown`, and optionally `anonymous`,
/// `claim|suggestion|accusation`, `route=<code>`, `rolled`. Received Mon 2026-03-02.
pub fn date(mmdd: &str) -> NaiveDate {
    NaiveDate::parse_from_str(&format!("2026-{mmdd}"), "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("{mmdd}: {e}"))
}

pub fn facts(item: &str) -> CaseFacts {
    let mut facts = CaseFacts {
        received_on: date("03-02"),
        received_directly: true,
        route: None,
        notice_owed: true,
        office: None,
        content_type: None,
        extension_from: ExtensionBase::NominalEnd,
        unreadable_events: 0,
    };
    for word in item.split_whitespace() {
        match word {
            "direct" => facts.received_directly = true,
            "forwarded" => facts.received_directly = false,
            "office" => facts.office = Some(OrganKind::PetitionOffice),
            "organ" => facts.office = Some(OrganKind::OtherOrgan),
            "unknown" => facts.office = None,
            "anonymous" => facts.notice_owed = false,
            "claim" => facts.content_type = Some(ContentType::Claim),
            "suggestion" => facts.content_type = Some(ContentType::Suggestion),
            "accusation" => facts.content_type = Some(ContentType::Accusation),
            "rolled" => facts.extension_from = ExtensionBase::RolledEnd,
            w => match w.strip_prefix("route=") {
                Some(r) => facts.route = Some(Route::parse(r).unwrap_or_else(|e| panic!("{e}"))),
                None => panic!("unknown word {w} in {item}"),
            },
        }
    }
    facts
}

pub fn events(text: &str) -> Vec<CaseEvent> {
    let reply = ReplyType::Explain;
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(n, s)| {
            let words: Vec<&str> = s.split_whitespace().collect();
            let arg = words.get(2).copied().unwrap_or("").to_owned();
            let kind = match words.get(1).copied().unwrap_or("") {
                "re-review-opinion" => EventKind::ReReviewOpinion { reply },
                "routed" => EventKind::Routed {
                    route: Route::parse(&arg).unwrap_or_else(|e| panic!("{e}")),
                },
                "forwarded" => EventKind::Forwarded { unit: arg },
                "assigned" => EventKind::Assigned { unit: arg },
                "objected" => EventKind::Objected {
                    unit: "本单位".into(),
                    reason: "不属本单位职权".into(),
                },
                "accepted" => EventKind::Accepted,
                "fast-track" => EventKind::FastTrack,
                "acknowledged" => EventKind::Acknowledged,
                "not-accepted" => EventKind::NotAccepted {
                    reason: "重复信访".into(),
                },
                "mediated" => EventKind::Mediated {
                    agreement: "调解协议书".into(),
                },
                "diverted" => EventKind::Diverted {
                    procedure: "民事诉讼".into(),
                },
                "extended" => EventKind::Extended {
                    days: arg.parse().unwrap_or_else(|e| panic!("{s}: {e}")),
                    approved_by: "局长".into(),
                    reason: "情况复杂".into(),
                },
                "replied" => EventKind::Replied { reply },
                "review-requested" => EventKind::ReviewRequested,
                "review-opinion" => EventKind::ReviewOpinion { reply },
                "re-review-requested" => EventKind::ReReviewRequested,
                "closed" => EventKind::Closed { satisfaction: None },
                other => panic!("unknown event {other} in {s}"),
            };
            let on = date(words[0]);
            CaseEvent {
                id: format!("00000000-0000-7000-8000-{:012}", n + 1)
                    .parse::<EventId>()
                    .unwrap_or_else(|e| panic!("{e}")),
                kind,
                date: on,
                recorded_at: DateTime::parse_from_rfc3339(&format!("{on}T09:00:00+08:00"))
                    .unwrap_or_else(|e| panic!("{e}")),
                recorded_by: "00000000-0000-7000-8000-000000000000"
                    .parse::<PersonId>()
                    .unwrap_or_else(|e| panic!("{e}")),
                remark: String::new(),
            }
        })
        .collect()
}
