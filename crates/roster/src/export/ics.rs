//! iCalendar files (RFC 5545) of a period, one per leader and one for the office, for
//! someone to import once (`METHOD:PUBLISH`). Subscriptions that follow every change are
//! [`crate::feed`]; both are written by [`crate::feed::ical`].
//!
//! Receptions are timed events in `Asia/Shanghai` with the matching `VTIMEZONE`; on-call
//! duties are all-day events over their span. Each event's `UID` is the slot id, so a
//! re-exported file updates events instead of duplicating them, and `SEQUENCE` counts the
//! slot's recorded changes. `DTSTAMP` is a parameter: the same roster exports to the same
//! bytes.

use chrono::{DateTime, Utc};

use crate::feed::ical::{self, Calendar, Event, Status, When};
use crate::state::{SlotKind, SlotState};
use crate::view::SlotRow;

pub use crate::feed::ical::TZID;

fn event(row: &SlotRow, stamp: DateTime<Utc>) -> Event {
    let who = match &row.deputy {
        Some(deputy) => format!("{}（{}，{}代）", row.leader, row.title, deputy),
        None => format!("{}（{}）", row.leader, row.title),
    };
    let when = match row.kind {
        SlotKind::Reception => {
            let at = |time: &str| {
                let time = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap_or_default();
                row.date.and_time(time)
            };
            When::Timed {
                start: at(&row.start),
                end: at(&row.end),
            }
        }
        SlotKind::OnCall => When::AllDay {
            first: row.date,
            last: row.through,
        },
    };
    Event {
        uid: format!("{}@fengqiao", row.id),
        sequence: row.sequence,
        stamp,
        last_modified: None,
        when,
        summary: format!("{}：{}", row.slot_type, who),
        location: row.place.clone(),
        description: format!(
            "{}；{}；{}–{}；{}（{}）",
            row.slot_type,
            who,
            row.start,
            row.end,
            row.place,
            row.state.zh()
        ),
        status: match row.state {
            SlotState::Draft => Status::Tentative,
            SlotState::Published | SlotState::Historic => Status::Confirmed,
            SlotState::Withdrawn => Status::Cancelled,
        },
        transparent: row.kind == SlotKind::OnCall,
        alarm: None,
    }
}

/// A file named `name` holding `rows`, stamped `stamp`.
pub fn to_ics(rows: &[SlotRow], name: &str, stamp: DateTime<Utc>) -> String {
    ical::write(&Calendar {
        name: name.to_owned(),
        method: Some("PUBLISH"),
        refresh: None,
        events: rows.iter().map(|row| event(row, stamp)).collect(),
    })
}
