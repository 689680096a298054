//! The iCalendar text (RFC 5545) of a roster: `VCALENDAR` with the `Asia/Shanghai`
//! `VTIMEZONE`, `VEVENT`s and their `VALARM`s, TEXT values escaped (§3.3.11) and content
//! lines folded at 75 octets (§3.1).
//!
//! Written here rather than with the `icalendar` crate's builder: that builder stamps any
//! component without `DTSTAMP` or `UID` with the system clock and a random UUID, including
//! `VTIMEZONE` and `VALARM`, where RFC 5545 allows neither; a feed must be the same bytes
//! for the same roster (its ETag is their hash) and this crate reads no clock. The writer
//! is small; the tests read its output back with independent parsers.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// The time zone of every reception.
pub const TZID: &str = "Asia/Shanghai";

/// China Standard Time has had no daylight saving since 1991, so one STANDARD rule that
/// starts in 1991 describes every date a roster can hold.
const VTIMEZONE: &[&str] = &[
    "BEGIN:VTIMEZONE",
    "TZID:Asia/Shanghai",
    "X-LIC-LOCATION:Asia/Shanghai",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "DTSTART:19910915T020000",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// Longest content line in octets, without its CRLF (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// A whole calendar: its name, how it is meant, and its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// `X-WR-CALNAME` and `NAME` (RFC 7986): what a phone shows as the calendar's name.
    pub name: String,
    /// `METHOD:PUBLISH` for a file someone imports once; `None` for a subscription feed,
    /// where RFC 5545 then makes `DTSTAMP` mean the event's last revision.
    pub method: Option<&'static str>,
    /// How often a subscribed client should fetch again (`REFRESH-INTERVAL`, RFC 7986,
    /// and the older `X-PUBLISHED-TTL`), e.g. `PT1H`.
    pub refresh: Option<&'static str>,
    pub events: Vec<Event>,
}

/// When an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Local times in `Asia/Shanghai`.
    Timed {
        start: NaiveDateTime,
        end: NaiveDateTime,
    },
    /// Whole days, `first` through `last` (written with an exclusive `DTEND`).
    AllDay { first: NaiveDate, last: NaiveDate },
}

/// `STATUS` of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Tentative,
    Confirmed,
    Cancelled,
}

impl Status {
    fn code(self) -> &'static str {
        match self {
            Status::Tentative => "TENTATIVE",
            Status::Confirmed => "CONFIRMED",
            Status::Cancelled => "CANCELLED",
        }
    }
}

/// A reminder shown `trigger` before the start (`ACTION:DISPLAY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    /// An RFC 5545 duration before the start, e.g. `-P1D`.
    pub trigger: &'static str,
    pub description: String,
}

/// One `VEVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub uid: String,
    pub sequence: u32,
    /// `DTSTAMP`.
    pub stamp: DateTime<Utc>,
    /// `LAST-MODIFIED`, when known.
    pub last_modified: Option<DateTime<Utc>>,
    pub when: When,
    pub summary: String,
    pub location: String,
    pub description: String,
    pub status: Status,
    /// `TRANSP:TRANSPARENT`: the event does not make its owner busy (on-call duty).
    pub transparent: bool,
    pub alarm: Option<Alarm>,
}

/// A TEXT value escaped (RFC 5545 §3.3.11): backslash, semicolon and comma get a backslash,
/// a line break becomes `\n`; other control characters, which TEXT may not hold, are
/// dropped (tab is kept).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded (RFC 5545 §3.1): no physical line longer than 75 octets, breaks
/// only between characters (a Chinese character is 3 octets in UTF-8 and is never split),
/// each continuation starting with one space; every line ends in CRLF.
pub fn push_folded(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = MAX_LINE_OCTETS;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space counts towards the next line's 75 octets.
        limit = MAX_LINE_OCTETS - 1;
    }
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%S").to_string()
}

fn day(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

fn push_event(out: &mut String, event: &Event) {
    let mut line = |text: String| push_folded(out, &text);
    line("BEGIN:VEVENT".into());
    line(format!("UID:{}", escape_text(&event.uid)));
    line(format!("SEQUENCE:{}", event.sequence));
    line(format!("DTSTAMP:{}", utc(event.stamp)));
    if let Some(at) = event.last_modified {
        line(format!("LAST-MODIFIED:{}", utc(at)));
    }
    match event.when {
        When::Timed { start, end } => {
            line(format!("DTSTART;TZID={TZID}:{}", local(start)));
            line(format!("DTEND;TZID={TZID}:{}", local(end)));
        }
        When::AllDay { first, last } => {
            // DTEND of an all-day event is the day after the last (exclusive).
            let end = last.succ_opt().unwrap_or(last);
            line(format!("DTSTART;VALUE=DATE:{}", day(first)));
            line(format!("DTEND;VALUE=DATE:{}", day(end)));
        }
    }
    line(format!("SUMMARY:{}", escape_text(&event.summary)));
    if !event.location.is_empty() {
        line(format!("LOCATION:{}", escape_text(&event.location)));
    }
    if !event.description.is_empty() {
        line(format!("DESCRIPTION:{}", escape_text(&event.description)));
    }
    line(format!("STATUS:{}", event.status.code()));
    line(format!(
        "TRANSP:{}",
        if event.transparent {
            "TRANSPARENT"
        } else {
            "OPAQUE"
        }
    ));
    if let Some(alarm) = &event.alarm {
        line("BEGIN:VALARM".into());
        line("ACTION:DISPLAY".into());
        line(format!("TRIGGER:{}", alarm.trigger));
        line(format!("DESCRIPTION:{}", escape_text(&alarm.description)));
        line("END:VALARM".into());
    }
    line("END:VEVENT".into());
}

/// The calendar as iCalendar text (UTF-8, CRLF line ends, folded).
pub fn write(calendar: &Calendar) -> String {
    let mut out = String::with_capacity(512 + calendar.events.len() * 640);
    let line = push_folded;
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Fengqiao//Reception Roster//ZH");
    line(&mut out, "CALSCALE:GREGORIAN");
    if let Some(method) = calendar.method {
        line(&mut out, &format!("METHOD:{method}"));
    }
    let name = escape_text(&calendar.name);
    line(&mut out, &format!("NAME:{name}"));
    line(&mut out, &format!("X-WR-CALNAME:{name}"));
    line(&mut out, &format!("X-WR-TIMEZONE:{TZID}"));
    if let Some(refresh) = calendar.refresh {
        line(
            &mut out,
            &format!("REFRESH-INTERVAL;VALUE=DURATION:{refresh}"),
        );
        line(&mut out, &format!("X-PUBLISHED-TTL:{refresh}"));
    }
    for text in VTIMEZONE {
        line(&mut out, text);
    }
    for event in &calendar.events {
        push_event(&mut out, event);
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case: the value as typed, and the TEXT written for it.
    #[test]
    fn text_is_escaped() {
        let cases: &[(&str, &str)] = &[
            ("县信访局接待室", "县信访局接待室"),
            ("甲；乙", "甲；乙"),
            ("a;b,c", "a\\;b\\,c"),
            ("C:\\路径", "C:\\\\路径"),
            ("第一行\n第二行", "第一行\\n第二行"),
            ("第一行\r\n第二行\r第三行", "第一行\\n第二行\\n第三行"),
            ("制表\t保留", "制表\t保留"),
            ("响铃\u{7}删除\u{0}", "响铃删除"),
            ("冒号:不转义", "冒号:不转义"),
        ];
        for (typed, written) in cases {
            assert_eq!(&escape_text(typed), written, "escaping {typed:?}");
        }
    }

    /// Each case: a content line and the physical lines it is folded into.
    #[test]
    fn lines_fold_at_75_octets_between_characters() {
        let ascii = "X".repeat(80);
        let cjk = format!("SUMMARY:{}", "接".repeat(40)); // 8 + 120 octets
        let cases: Vec<(String, Vec<String>)> = vec![
            ("SHORT:一".into(), vec!["SHORT:一".into()]),
            (
                "X".repeat(75),
                vec!["X".repeat(75)], // exactly the limit: not folded
            ),
            (
                ascii.clone(),
                vec!["X".repeat(75), format!(" {}", "X".repeat(5))],
            ),
            (
                cjk.clone(),
                // 8 + 22×3 = 74 octets (a 23rd character would make 77), then 1 + 18×3.
                vec![
                    format!("SUMMARY:{}", "接".repeat(22)),
                    format!(" {}", "接".repeat(18)),
                ],
            ),
        ];
        for (line, expected) in cases {
            let mut out = String::new();
            push_folded(&mut out, &line);
            let physical: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
            assert_eq!(physical, expected, "folding {line:?}");
            assert!(physical.iter().all(|l| l.len() <= MAX_LINE_OCTETS));
            // Unfolding (drop each CRLF and the space after it) gives the line back.
            assert_eq!(out.trim_end_matches("\r\n").replace("\r\n ", ""), line);
        }
    }
}
