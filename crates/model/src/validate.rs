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

impl FieldError {
    /// The registration field the error names (what an import reports a refusal under).
    pub fn field(&self) -> &'static str {
        match self {
            Self::Required { field }
            | Self::BadPhone { field, .. }
            | Self::TooLong { field, .. }
            | Self::BadDate { field, .. } => field,
            Self::TooManyRepresentatives { .. } => "representatives",
            Self::HeadCountTooSmall { .. } => "head_count",
            Self::UnknownTownship { .. } => "township",
        }
    }
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

/// Something a clerk should look at before saving but may override (a petitioner may give
/// a number that is odd but real): the field, whose it is, and why. The CLI refuses a
/// registration with warnings unless the clerk confirms it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldWarning {
    /// An ID number that fails GB 11643 (length, birth date or check digit).
    #[error("{field}（{who}）：身份证号“{value}”{why}（GB 11643） (ID number looks wrong)")]
    IdNumber {
        field: &'static str,
        who: String,
        value: String,
        why: String,
    },
    /// A phone number that is neither a mobile nor a landline number.
    #[error(
        "{field}（{who}）：“{value}” 不像手机号（11 位，1 开头）或固定电话（0 开头的区号加 7–8 位号码） (unusual phone number)"
    )]
    Phone {
        field: &'static str,
        who: String,
        value: String,
    },
}

/// The GB 11643 weights of the first 17 digits, and the check character for each
/// remainder mod 11.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Checks a 居民身份证号码 against GB 11643-1999: 18 characters, 17 digits then a digit or
/// X, a real birth date not after `today`, and the check character. `Err` says why, in
/// Chinese.
pub fn check_id_number(id: &str, today: chrono::NaiveDate) -> Result<(), String> {
    let id = id.trim().to_uppercase();
    let chars: Vec<char> = id.chars().collect();
    if chars.len() == 15 && chars.iter().all(char::is_ascii_digit) {
        return Err("是 15 位旧号码，已停止使用，请核对 18 位号码".into());
    }
    if chars.len() != 18 {
        return Err(format!("应为 18 位，实为 {} 位", chars.len()));
    }
    let digits: Vec<u32> = chars[..17].iter().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 17 || !(chars[17].is_ascii_digit() || chars[17] == 'X') {
        return Err("前 17 位应为数字，末位为数字或 X".into());
    }
    let birth: String = chars[6..14].iter().collect();
    match chrono::NaiveDate::parse_from_str(&birth, "%Y%m%d") {
        Ok(d) if d <= today && chrono::Datelike::year(&d) >= 1900 => {}
        _ => return Err(format!("出生日期 {birth} 不是有效日期")),
    }
    let sum: u32 = digits.iter().zip(ID_WEIGHTS).map(|(d, w)| d * w).sum();
    let expected = ID_CHECK[(sum % 11) as usize];
    if chars[17] != expected {
        return Err(format!("校验位应为 {expected}，实为 {}", chars[17]));
    }
    Ok(())
}

/// Whether `phone` looks like a Chinese mobile number (11 digits, 1 then 3–9), a landline
/// with its area code (0 then 9–11 digits) or without it (7–8 digits), or a 400/800 number.
/// Spaces, hyphens, brackets and a +86 prefix are ignored; an extension after 转 or # too.
pub fn is_plausible_phone(phone: &str) -> bool {
    let main = phone.split(['转', '#']).next().unwrap_or_default();
    let mut digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let international = main.trim_start().starts_with('+') || digits.starts_with("0086");
    if international {
        digits = digits
            .strip_prefix("0086")
            .or_else(|| digits.strip_prefix("86"))
            .unwrap_or(&digits)
            .to_owned();
        // A landline dialled from abroad drops the area code's leading 0.
        if !digits.starts_with('1') {
            digits.insert(0, '0');
        }
    }
    let second = digits.chars().nth(1).and_then(|c| c.to_digit(10));
    match digits.len() {
        11 if digits.starts_with('1') => second.is_some_and(|d| d >= 3),
        10..=12 if digits.starts_with('0') => true,
        10 => digits.starts_with("400") || digits.starts_with("800"),
        7 | 8 => !digits.starts_with('0') && !digits.starts_with('1'),
        _ => false,
    }
}

/// The warnings of a registration: ID numbers and phone numbers that do not look right.
/// Empty fields are not warned about (both are optional).
pub fn registration_warnings(reg: &Registration, today: chrono::NaiveDate) -> Vec<FieldWarning> {
    let mut out = Vec::new();
    let people = reg
        .petitioners
        .iter()
        .map(|p| ("petitioners", p))
        .chain(reg.representatives.iter().map(|p| ("representatives", p)));
    for (list, p) in people {
        let who = if p.name.trim().is_empty() {
            "未具名".to_owned()
        } else {
            p.name.trim().to_owned()
        };
        let (id_field, phone_field) = match list {
            "petitioners" => ("petitioners.id_number", "petitioners.phone"),
            _ => ("representatives.id_number", "representatives.phone"),
        };
        if !p.id_number.trim().is_empty()
            && let Err(why) = check_id_number(&p.id_number, today)
        {
            out.push(FieldWarning::IdNumber {
                field: id_field,
                who: who.clone(),
                value: p.id_number.trim().to_owned(),
                why,
            });
        }
        if !p.phone.trim().is_empty() && !is_plausible_phone(&p.phone) {
            out.push(FieldWarning::Phone {
                field: phone_field,
                who,
                value: p.phone.trim().to_owned(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn id_numbers_by_gb_11643() {
        // The standard's own example number and a few made with its weights.
        let cases: &[(&str, Result<(), &str>)] = &[
            ("11010519491231002X", Ok(())),
            ("11010519491231002x", Ok(())),
            ("440524188001010014", Err("出生日期 18800101 不是有效日期")),
            ("110105194912310021", Err("校验位应为 X，实为 1")),
            ("342501198001011234", Err("校验位应为 9，实为 4")),
            ("342501198001011239", Ok(())),
            ("342501198002301239", Err("出生日期 19800230 不是有效日期")),
            ("342501203001011239", Err("出生日期 20300101 不是有效日期")),
            ("34250119800101123", Err("应为 18 位，实为 17 位")),
            (
                "34250119800101123A",
                Err("前 17 位应为数字，末位为数字或 X"),
            ),
            (
                "342501800101123",
                Err("是 15 位旧号码，已停止使用，请核对 18 位号码"),
            ),
        ];
        for (id, expect) in cases {
            let got = check_id_number(id, today());
            assert_eq!(got, expect.map_err(str::to_owned), "{id}");
        }
    }

    #[test]
    fn phone_formats() {
        for ok in [
            "13905638812",
            "139 0563 8812",
            "+86 139-0563-8812",
            "0563-4012345",
            "(0563)4012345",
            "010-12345678",
            "0563-4012345转801",
            "4012345",
            "400-820-8820",
            "+86 563 4012345",
        ] {
            assert!(is_plausible_phone(ok), "{ok}");
        }
        for bad in [
            "1390563881",
            "12905638812",
            "139056388123",
            "123",
            "0563",
            "05634",
        ] {
            assert!(!is_plausible_phone(bad), "{bad}");
        }
    }

    #[test]
    fn warnings_name_the_field_and_the_person() {
        let mut reg = Registration::new(crate::vocab::Channel::Visit, today(), "港口镇", "修路")
            .with_petitioner("张三", "1390563881");
        reg.petitioners[0].id_number = "342501198001011234".into();
        reg.petitioners.push(crate::case::Petitioner {
            name: "李四".into(),
            phone: "13905638812".into(),
            id_number: "342501198001011239".into(),
            ..Default::default()
        });
        let got: Vec<String> = registration_warnings(&reg, today())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            got,
            vec![
                "petitioners.id_number（张三）：身份证号“342501198001011234”校验位应为 9，实为 4（GB 11643） (ID number looks wrong)",
                "petitioners.phone（张三）：“1390563881” 不像手机号（11 位，1 开头）或固定电话（0 开头的区号加 7–8 位号码） (unusual phone number)",
            ]
        );
    }
}
