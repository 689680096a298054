//! Dates as Chinese offices write them: `2026-03-01`, `2026/3/1`, `2026.3.1`,
//! `2026年3月1日`, `20260301`, an Excel serial day number, each possibly followed by a time.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};

/// The formats tried after the mapping's own, in order.
const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"];

/// China Standard Time, the offset every legal date and time is in.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Utc.fix())
}

/// Parses a date; `extra` formats (chrono syntax, from the mapping) are tried first.
pub fn parse_date(text: &str, extra: &[String]) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    for f in extra {
        if let Ok(d) = NaiveDate::parse_from_str(text, f) {
            return Some(d);
        }
        if let Ok(t) = NaiveDateTime::parse_from_str(text, f) {
            return Some(t.date());
        }
    }
    if let Some(d) = builtin_date(text) {
        return Some(d);
    }
    // A date followed by a time: `2026-03-01 10:00`, `2026-03-01T10:00:00+08:00`.
    let head = text
        .split([' ', 'T', '\u{3000}'])
        .next()
        .filter(|h| h.len() < text.len())?;
    builtin_date(head.trim())
}

fn builtin_date(text: &str) -> Option<NaiveDate> {
    for f in DATE_FORMATS {
        if let Ok(d) = NaiveDate::parse_from_str(text, f) {
            // `%Y%m%d` also accepts short years and such; keep only 8-digit dates.
            if *f == "%Y%m%d" && text.len() != 8 {
                continue;
            }
            return Some(d);
        }
    }
    // An Excel serial day (1900 system), as a date column saved without its format shows.
    if text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()) {
        let days: i64 = text.parse().ok()?;
        return NaiveDate::from_ymd_opt(1899, 12, 30)?
            .checked_add_signed(chrono::Duration::days(days));
    }
    None
}

/// Parses a date and time in China time; a date alone is taken at `default_time`.
pub fn parse_datetime(
    text: &str,
    extra: &[String],
    default_time: NaiveTime,
) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&china()));
    }
    let mut formats: Vec<&str> = extra.iter().map(String::as_str).collect();
    formats.extend([
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y.%m.%d %H:%M",
        "%Y年%m月%d日 %H:%M",
        "%Y年%m月%d日%H时%M分",
    ]);
    for f in formats {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, f) {
            return china().from_local_datetime(&t).single();
        }
    }
    let date = parse_date(text, extra)?;
    china()
        .from_local_datetime(&date.and_time(default_time))
        .single()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn the_common_chinese_forms_read() {
        for text in [
            "2026-03-01",
            "2026-3-1",
            "2026/3/1",
            "2026/03/01",
            "2026.3.1",
            "2026年3月1日",
            "2026年03月01日",
            "20260301",
            " 2026-03-01 ",
            "2026-03-01 10:30",
            "2026-03-01T10:30:00+08:00",
            "46082",
        ] {
            assert_eq!(parse_date(text, &[]), d(2026, 3, 1), "{text}");
        }
        for bad in [
            "",
            "2026-13-01",
            "2026-02-30",
            "三月一日",
            "1/3",
            "2026",
            "abc",
        ] {
            assert_eq!(parse_date(bad, &[]), None, "{bad}");
        }
        // A county's own format, from its mapping.
        assert_eq!(
            parse_date("01.03.2026", &["%d.%m.%Y".into()]),
            d(2026, 3, 1)
        );
    }

    #[test]
    fn times_are_china_time_and_a_bare_date_takes_the_default_hour() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
        let t = parse_datetime("2026-03-01 14:05", &[], nine).expect("reads");
        assert_eq!(t.to_rfc3339(), "2026-03-01T14:05:00+08:00");
        let t = parse_datetime("2026年3月1日", &[], nine).expect("reads");
        assert_eq!(t.to_rfc3339(), "2026-03-01T09:00:00+08:00");
        let t = parse_datetime("2026-03-01T06:05:00Z", &[], nine).expect("reads");
        assert_eq!(t.to_rfc3339(), "2026-03-01T14:05:00+08:00");
    }
}
