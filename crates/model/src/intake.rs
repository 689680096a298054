//! The county's intake queue (导访 kiosk and 网上信访): what a petitioner leaves before a
//! clerk registers it as a case, and the clerk's pickup that links it to the case.
//!
//! An item is not a registration: the petitioner types it, nobody has checked it, and it
//! carries no case number. A clerk reads it, registers a case (channel 来访 or 网上) and
//! records an [`IntakePickup`]; the petitioner's status lookup follows that link.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::event::{CaseEvent, EventKind};
use crate::ids::CaseId;
use crate::validate::FieldError;
use crate::vocab::{IntakeSource, Route};

crate::uuid_id!(
    /// An item in the intake queue.
    IntakeId, "导访登记"
);

/// The longest name a petitioner may type (Chinese names are short; a company's is not).
pub const MAX_INTAKE_NAME_CHARS: usize = 50;
/// The longest description: enough for a page of petition text, small enough that the
/// queue stays light (a full letter is registered by the clerk, not typed at a kiosk).
pub const MAX_INTAKE_DESCRIPTION_CHARS: usize = 2_000;
/// The longest township name or guide type id.
pub const MAX_INTAKE_SHORT_CHARS: usize = 64;
/// Digits a phone number must have: at least a landline without area code, at most an
/// international mobile number.
pub const INTAKE_PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=20;

/// One item a petitioner left at the kiosk or on the online form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeItem {
    pub id: IntakeId,
    pub source: IntakeSource,
    /// When it was received (China Standard Time); the 登记 clocks start from the day a
    /// clerk registers it, not from this.
    pub received_at: DateTime<FixedOffset>,
    pub name: String,
    pub phone: String,
    pub description: String,
    /// The complaint-type id the 导访 guide suggested, if the petitioner used it.
    #[serde(default)]
    pub guide_type: Option<String>,
    /// The route the guide suggested.
    #[serde(default)]
    pub route: Option<Route>,
    /// The township concerned, by name, if the petitioner chose one.
    #[serde(default)]
    pub township: Option<String>,
    /// Hex SHA-256 of the 查询码 given to an online petitioner; the code itself is never
    /// stored, so the queue cannot be used to look anyone's item up.
    #[serde(default)]
    pub query_code_hash: Option<String>,
}

/// A clerk took an item from the queue and registered it as `case`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakePickup {
    pub item: IntakeId,
    pub case: CaseId,
    /// Who picked it up (the person's name, as the directory has it).
    pub by: String,
    pub at: DateTime<FixedOffset>,
}

fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
    required: bool,
    errors: &mut Vec<FieldError>,
) {
    if required && text.trim().is_empty() {
        errors.push(FieldError::Required { field });
        return;
    }
    let len = text.chars().count();
    if len > max {
        errors.push(FieldError::TooLong { field, len, max });
    }
}

/// Checks what a petitioner typed, for the kiosk and the online form alike. Returns every
/// problem found, so a form can mark all fields at once. Name, phone and description are
/// required: without a way to reach the petitioner the clerk cannot register the item.
pub fn validate_intake(item: &IntakeItem) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    check_text("name", &item.name, MAX_INTAKE_NAME_CHARS, true, &mut errors);
    let phone = item.phone.trim();
    if phone.is_empty() {
        errors.push(FieldError::Required { field: "phone" });
    } else {
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')'));
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if !allowed || !INTAKE_PHONE_DIGITS.contains(&digits) {
            errors.push(FieldError::BadPhone {
                field: "phone",
                value: phone.chars().take(MAX_INTAKE_SHORT_CHARS).collect(),
            });
        }
    }
    check_text(
        "description",
        &item.description,
        MAX_INTAKE_DESCRIPTION_CHARS,
        true,
        &mut errors,
    );
    if let Some(t) = &item.guide_type {
        check_text("guide_type", t, MAX_INTAKE_SHORT_CHARS, false, &mut errors);
    }
    if let Some(t) = &item.township {
        check_text("township", t, MAX_INTAKE_SHORT_CHARS, false, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// One step of a petitioner's item as the petitioner may see it: a date and what
/// happened, in the law's words, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PetitionerMilestone {
    pub date: NaiveDate,
    pub what: &'static str,
}

/// What a petitioner looking up their own item may see of the case registered from it:
/// the dates of registration, forwarding or assignment (转送/交办, 第二十二条), the
/// notices owed to them (受理/不予受理告知, 第二十三条) and the replies (答复, 复查, 复核).
/// Units, handlers, reasons, remarks and notes are the office's and are left out; so are
/// internal steps (routing, extensions, hearings, follow-ups). In date order.
pub fn petitioner_milestones(events: &[CaseEvent]) -> Vec<PetitionerMilestone> {
    let mut out: Vec<PetitionerMilestone> = events
        .iter()
        .filter_map(|e| {
            let what = match &e.kind {
                EventKind::Registered => "已登记",
                EventKind::Forwarded { .. } => "已转送有权处理的机关",
                EventKind::Assigned { .. } => "已交办有权处理的机关",
                EventKind::Accepted => "已受理",
                EventKind::Acknowledged => "已书面告知受理情况",
                EventKind::NotAccepted { .. } => "不予受理（已告知）",
                EventKind::NotReaccepted { .. } => "不再受理（已告知）",
                EventKind::Diverted { .. } => "已告知通过其他法定途径办理",
                EventKind::Replied { .. } => "已出具信访处理意见书（答复）",
                EventKind::ReviewOpinion { .. } => "已出具复查意见书",
                EventKind::ReReviewOpinion { .. } => "已出具复核意见书",
                _ => return None,
            };
            Some(PetitionerMilestone { date: e.date, what })
        })
        .collect();
    out.sort_by_key(|m| m.date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> IntakeItem {
        IntakeItem {
            id: IntakeId::generate(),
            source: IntakeSource::Online,
            received_at: DateTime::parse_from_rfc3339("2026-11-27T09:30:00+08:00").unwrap(),
            name: "张三".into(),
            phone: "138 0000 1111".into(),
            description: "反映宅基地界址纠纷".into(),
            guide_type: None,
            route: None,
            township: Some("港口镇".into()),
            query_code_hash: None,
        }
    }

    #[test]
    fn a_complete_item_passes() {
        assert_eq!(validate_intake(&item()), Ok(()));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut bad = item();
        bad.name = "  ".into();
        bad.phone = "<script>".into();
        bad.description = "字".repeat(MAX_INTAKE_DESCRIPTION_CHARS + 1);
        bad.township = Some("镇".repeat(100));
        let errors = validate_intake(&bad).unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors.contains(&FieldError::Required { field: "name" }));
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, FieldError::BadPhone { field: "phone", .. }))
        );
        assert!(errors.iter().any(|e| matches!(
            e,
            FieldError::TooLong {
                field: "description",
                ..
            }
        )));
    }

    #[test]
    fn phones_need_enough_digits() {
        let mut short = item();
        short.phone = "123".into();
        assert!(validate_intake(&short).is_err());
        let mut missing = item();
        missing.phone = String::new();
        assert_eq!(
            validate_intake(&missing),
            Err(vec![FieldError::Required { field: "phone" }])
        );
    }

    #[test]
    fn serde_names_are_the_storage_format() {
        let json = serde_json::to_value(item()).unwrap();
        assert_eq!(json["source"], "online");
        assert_eq!(json["query_code_hash"], serde_json::Value::Null);
        let back: IntakeItem = serde_json::from_value(json).unwrap();
        assert_eq!(back, item_with_id(back.id));
    }

    #[test]
    fn petitioners_see_dates_of_their_items_steps_and_nothing_of_the_office() {
        use crate::ids::{EventId, PersonId};
        use crate::vocab::ReplyType;
        let event = |kind: EventKind, day: u32| CaseEvent {
            id: EventId::generate(),
            kind,
            date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            recorded_at: DateTime::parse_from_rfc3339("2026-11-27T09:30:00+08:00").unwrap(),
            recorded_by: PersonId::generate(),
            remark: "内部备注：经办人王五".into(),
        };
        let events = vec![
            event(
                EventKind::Replied {
                    reply: ReplyType::ALL[0],
                },
                20,
            ),
            event(EventKind::Registered, 2),
            event(
                EventKind::Routed {
                    route: Route::Dispute,
                },
                3,
            ),
            event(
                EventKind::Assigned {
                    unit: "港口镇政府".into(),
                },
                4,
            ),
            event(EventKind::Acknowledged, 5),
            event(
                EventKind::FollowUp {
                    outcome: "满意".into(),
                },
                25,
            ),
        ];
        let seen = petitioner_milestones(&events);
        let whats: Vec<&str> = seen.iter().map(|m| m.what).collect();
        assert_eq!(
            whats,
            vec![
                "已登记",
                "已交办有权处理的机关",
                "已书面告知受理情况",
                "已出具信访处理意见书（答复）"
            ]
        );
        assert_eq!(seen[0].date, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        let text = format!("{seen:?}");
        assert!(
            !text.contains("港口镇政府") && !text.contains("王五"),
            "{text}"
        );
    }

    fn item_with_id(id: IntakeId) -> IntakeItem {
        IntakeItem { id, ..item() }
    }
}
