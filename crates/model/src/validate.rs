//! Validation of what a clerk enters, with errors that name the field and the reason.

use crate::case::{MAX_REPRESENTATIVES, Registration};

/// Which field of a registration is wrong, and why. `Display` gives the message in
/// Chinese (the staff's language) with the field's machine name for scripts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A required field is empty.
    #[error("{field}：必填项不能为空 (required)")]
    Required { field: &'static str },
    /// A group visit elected more representatives than the law allows.
    #[error(
        "representatives：群体访最多推选 {max} 名代表（《信访工作条例》第二十条第三款），现有 {count} 名 (too many representatives)"
    )]
    TooManyRepresentatives { count: usize, max: usize },
    /// The head count is smaller than the people named.
    #[error(
        "head_count：人数 {head_count} 少于登记的信访人和代表 {named} 人 (head count too small)"
    )]
    HeadCountTooSmall { head_count: u32, named: usize },
    /// The township is not in the directory.
    #[error("township：“{name}” 不是本县（市）目录中的乡镇；可选：{known} (unknown township)")]
    UnknownTownship { name: String, known: String },
    /// A phone number with characters a phone number cannot have.
    #[error("{field}：“{value}” 不是有效的电话号码 (bad phone number)")]
    BadPhone { field: &'static str, value: String },
    /// A text longer than storage allows.
    #[error("{field}：内容过长（{len} 字符，最多 {max}） (too long)")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    /// A date that cannot be right (in the future, or before the 2022 regulation's era).
    #[error("{field}：日期 {value} 不合理：{why} (implausible date)")]
    BadDate {
        field: &'static str,
        value: String,
        why: &'static str,
    },
}

/// The longest text any single field may hold; a petition letter fits easily.
pub const MAX_TEXT_CHARS: usize = 20_000;

fn check_phone(field: &'static str, phone: &str, errors: &mut Vec<FieldError>) {
    let ok = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')'));
    if !ok {
        errors.push(FieldError::BadPhone {
            field,
            value: phone.to_owned(),
        });
    }
}

fn check_len(field: &'static str, text: &str, errors: &mut Vec<FieldError>) {
    let len = text.chars().count();
    if len > MAX_TEXT_CHARS {
        errors.push(FieldError::TooLong {
            field,
            len,
            max: MAX_TEXT_CHARS,
        });
    }
}

/// Checks a registration. `known_townships` is the directory's list; `today` bounds dates.
/// Returns every problem found, so a form can mark all fields at once.
pub fn validate_registration(
    reg: &Registration,
    known_townships: &[String],
    today: chrono::NaiveDate,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if reg.content.request.trim().is_empty() {
        errors.push(FieldError::Required {
            field: "content.request",
        });
    }
    if reg.township.trim().is_empty() {
        errors.push(FieldError::Required { field: "township" });
    } else if !known_townships.iter().any(|t| t == reg.township.trim()) {
        errors.push(FieldError::UnknownTownship {
            name: reg.township.clone(),
            known: known_townships.join("、"),
        });
    }
    if reg.petitioners.is_empty() && reg.representatives.is_empty() {
        errors.push(FieldError::Required {
            field: "petitioners",
        });
    }
    for p in reg.petitioners.iter().chain(&reg.representatives) {
        if p.name.trim().is_empty() && !p.anonymous {
            errors.push(FieldError::Required {
                field: "petitioners.name",
            });
        }
        check_phone("petitioners.phone", &p.phone, &mut errors);
    }
    if reg.representatives.len() > MAX_REPRESENTATIVES {
        errors.push(FieldError::TooManyRepresentatives {
            count: reg.representatives.len(),
            max: MAX_REPRESENTATIVES,
        });
    }
    let named = reg.petitioners.len().max(reg.representatives.len());
    if (reg.head_count as usize) < named {
        errors.push(FieldError::HeadCountTooSmall {
            head_count: reg.head_count,
            named,
        });
    }
    if reg.received_on > today {
        errors.push(FieldError::BadDate {
            field: "received_on",
            value: reg.received_on.to_string(),
            why: "不能晚于今天",
        });
    }
    if reg.received_on
        < chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(chrono::NaiveDate::MIN)
    {
        errors.push(FieldError::BadDate {
            field: "received_on",
            value: reg.received_on.to_string(),
            why: "早于 2000 年",
        });
    }
    check_len("content.request", &reg.content.request, &mut errors);
    check_len("content.facts", &reg.content.facts, &mut errors);
    check_len("content.reasons", &reg.content.reasons, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
