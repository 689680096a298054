//! iCalendar feeds (RFC 5545): one per leader and one for the office.
//!
//! Receptions are timed events in `Asia/Shanghai` (`DTSTART;TZID=Asia/Shanghai:…`) and the
//! feed carries the matching `VTIMEZONE`, so calendar apps anywhere show Beijing time.
//! On-call duties are all-day events over their span. Each event's `UID` is the slot id, so
//! a re-exported feed updates events instead of duplicating them, and `SEQUENCE` counts the
//! slot's recorded changes.
//!
//! `DTSTAMP` is a parameter: the icalendar crate would otherwise stamp the system clock
//! and a random `UID`, and the same roster must export to the same bytes.

use chrono::{DateTime, Days, Utc};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus};

use crate::state::{SlotKind, SlotState};
use crate::view::SlotRow;

/// The time zone of every reception.
pub const TZID: &str = "Asia/Shanghai";

/// China Standard Time has had no daylight saving since 1991, so one STANDARD rule that
/// starts in 1991 describes every date a roster can hold.
///
/// Written by hand and spliced in rather than built with the icalendar crate, which adds
/// `DTSTAMP` and `UID` to every component it prints, and RFC 5545 allows neither in
/// `VTIMEZONE`.
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\n\
TZID:Asia/Shanghai\r\n\
X-LIC-LOCATION:Asia/Shanghai\r\n\
BEGIN:STANDARD\r\n\
TZOFFSETFROM:+0800\r\n\
TZOFFSETTO:+0800\r\n\
TZNAME:CST\r\n\
DTSTART:19910915T020000\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";

fn event(row: &SlotRow, stamp: DateTime<Utc>) -> Event {
    let who = match &row.deputy {
        Some(deputy) => format!("{}（{}，{}代）", row.leader, row.title, deputy),
        None => format!("{}（{}）", row.leader, row.title),
    };
    let mut event = Event::new();
    event
        .uid(&format!("{}@fengqiao", row.id))
        .timestamp(stamp)
        .sequence(row.sequence)
        .summary(&format!("{}：{}", row.slot_type, who))
        .location(&row.place)
        .description(&format!(
            "{}；{}；{}–{}；{}（{}）",
            row.slot_type,
            who,
            row.start,
            row.end,
            row.place,
            row.state.zh()
        ))
        .status(match row.state {
            SlotState::Draft => EventStatus::Tentative,
            SlotState::Published | SlotState::Historic => EventStatus::Confirmed,
            SlotState::Withdrawn => EventStatus::Cancelled,
        });
    match row.kind {
        SlotKind::Reception => {
            let at = |time: &str| {
                let time = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap_or_default();
                CalendarDateTime::WithTimezone {
                    date_time: row.date.and_time(time),
                    tzid: TZID.to_owned(),
                }
            };
            event.starts(at(&row.start)).ends(at(&row.end));
        }
        SlotKind::OnCall => {
            // DTEND of an all-day event is exclusive.
            let end = row
                .through
                .checked_add_days(Days::new(1))
                .unwrap_or(row.through);
            event.starts(row.date).ends(end);
        }
    }
    event.done()
}

/// A feed named `name` holding `rows`, stamped `stamp`.
pub fn to_ics(rows: &[SlotRow], name: &str, stamp: DateTime<Utc>) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Fengqiao//Reception Roster//ZH"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .append_property(("X-WR-CALNAME", name))
        .append_property(("X-WR-TIMEZONE", TZID));
    for row in rows {
        calendar.push(event(row, stamp));
    }
    let text = calendar.to_string();
    // The time zone goes before the first event that refers to it.
    let at = text
        .find("BEGIN:VEVENT")
        .or_else(|| text.find("END:VCALENDAR"))
        .unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + VTIMEZONE.len());
    out.push_str(&text[..at]);
    out.push_str(VTIMEZONE);
    out.push_str(&text[at..]);
    out
}
