//! Calendar subscription feeds (订阅): what a leader's phone, the office or a township
//! subscribes to, computed from the roster's replicated records alone.
//!
//! What a calendar needs across changes comes from the records every replica holds, never
//! from the server that serves the feed:
//!
//! - **UID** — the slot id (`<slot>@fengqiao`), derived once when the slot is drafted and
//!   never changed, so a swap, leave, delegation or time change updates the event in place.
//! - **SEQUENCE** — the number of [`Change`](crate::Change) records of the slot. Every
//!   change to a published slot writes one, under an id derived from its cause, so two
//!   offices changing the same slot offline write two records and the merged roster counts
//!   both: the sequence only grows, on every replica, whatever order changes arrive in.
//! - **DTSTAMP / LAST-MODIFIED** — the latest of the slot's publication
//!   (`Slot::published_at`), its changes (`Change::at`, else the change's day) and its
//!   bookings' days; a feed has no `METHOD`, so RFC 5545 makes `DTSTAMP` the event's last
//!   revision. Unknown (records from before these were kept): `DTSTAMP` is 1970-01-01 and
//!   `LAST-MODIFIED` is left out.
//! - **STATUS:CANCELLED** — a leader named in a change of a slot (before or after) who no
//!   longer leads or deputises it keeps it in their own feed as cancelled for
//!   [`CANCELLED_KEEP_DAYS`] days from the latest change naming them, so the phone removes
//!   it rather than keep a stale copy. This also covers the loser of two concurrent
//!   changes, whose holder field Automerge settled the same way on every replica.
//!
//! Only published and historic slots appear (drafts never leave the office), from
//! [`HISTORY_DAYS`] ago onwards. On-call duty is an all-day event for its span, transparent
//! (it does not make the leader busy). A reception names its place and the number of
//! booked visitors; in the leader's own feed a reception they serve carries a reminder the
//! day before naming the briefing pack. The result depends only on the records and `today`.

pub mod ical;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use fengqiao_model::LeaderId;
use serde::{Deserialize, Serialize};

use crate::bookings::Booking;
use crate::ids::SlotId;
use crate::rules::{RosterRules, weekday_short_zh};
use crate::state::{Change, RosterState, Slot, SlotKind, SlotState};

pub use ical::{Alarm, Calendar, Event, Status, TZID, When};

/// How long a slot taken away from a leader stays in their feed, cancelled.
pub const CANCELLED_KEEP_DAYS: i64 = 30;

/// How far back a feed reaches: a year of past receptions.
pub const HISTORY_DAYS: i64 = 366;

/// How often a subscribed phone should fetch again.
pub const REFRESH: &str = "PT1H";

/// Whose slots a feed holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FeedScope {
    /// One leader's own feed: the slots they lead or deputise, slots taken from them
    /// (cancelled, for a while), and reminders the day before.
    Leader { leader: LeaderId },
    /// The office's feed: every published slot.
    Office,
    /// One township's feed: the slots held for that township (by its name).
    Township { township: String },
}

impl FeedScope {
    /// Who the feed is for, in Chinese (`王某（市长）`, `全部（信访局）`, `港口镇`).
    pub fn label(&self, rules: &RosterRules) -> String {
        match self {
            FeedScope::Leader { leader } => match rules.leader(*leader) {
                Some(l) => format!("{}（{}）", l.name, l.title),
                None => format!("领导 {leader}"),
            },
            FeedScope::Office => format!("全部（{}）", rules.office),
            FeedScope::Township { township } => township.clone(),
        }
    }

    /// The calendar's name on the phone.
    pub fn calendar_name(&self, rules: &RosterRules) -> String {
        match self {
            FeedScope::Leader { leader } => {
                let who = rules
                    .leader(*leader)
                    .map_or_else(|| leader.to_string(), |l| l.name.clone());
                format!("{}接访安排（{who}）", rules.name)
            }
            FeedScope::Office => format!("{}领导接访安排", rules.name),
            FeedScope::Township { township } => format!("{}接访安排（{township}）", rules.name),
        }
    }
}

/// China Standard Time.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// 00:00 in Beijing of `date`, as UTC.
fn start_of(date: NaiveDate) -> DateTime<Utc> {
    cst()
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .map_or_else(
            || Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)),
            |t| t.to_utc(),
        )
}

/// The records of each slot a feed reads, gathered once: a county's year has about 1,500
/// slots, and looking through every change for each of them made one leader's feed take
/// 3.7 ms instead of 0.7 (`benches/feeds.rs`).
struct Index<'a> {
    /// Each slot's changes.
    changes: BTreeMap<SlotId, Vec<&'a Change>>,
    /// Each slot's bookings.
    bookings: BTreeMap<SlotId, Vec<&'a Booking>>,
}

impl<'a> Index<'a> {
    fn new(state: &'a RosterState) -> Index<'a> {
        let mut changes: BTreeMap<SlotId, Vec<&Change>> = BTreeMap::new();
        for c in state.changes.values() {
            changes.entry(c.slot).or_default().push(c);
        }
        let mut bookings: BTreeMap<SlotId, Vec<&Booking>> = BTreeMap::new();
        for b in state.bookings.values() {
            bookings.entry(b.slot).or_default().push(b);
        }
        Index { changes, bookings }
    }

    fn changes(&self, slot: SlotId) -> &[&'a Change] {
        self.changes.get(&slot).map_or(&[], Vec::as_slice)
    }

    fn bookings(&self, slot: SlotId) -> &[&'a Booking] {
        self.bookings.get(&slot).map_or(&[], Vec::as_slice)
    }

    /// When the slot's calendar entry last changed: its publication, its changes, its
    /// bookings. `None` when the records do not say.
    fn last_modified(&self, slot: &Slot) -> Option<DateTime<Utc>> {
        let published = slot.published_at.map(|t| t.to_utc());
        let changes = self
            .changes(slot.id)
            .iter()
            .map(|c| c.at.map_or_else(|| start_of(c.on), |t| t.to_utc()));
        let bookings = self
            .bookings(slot.id)
            .iter()
            .flat_map(|b| std::iter::once(b.booked_on).chain(b.cancelled.as_ref().map(|c| c.on)))
            .map(start_of);
        published.into_iter().chain(changes).chain(bookings).max()
    }

    /// The day of the latest change of `slot` that names `leader`, if any.
    fn last_named(&self, slot: &Slot, leader: LeaderId) -> Option<NaiveDate> {
        self.changes(slot.id)
            .iter()
            .filter(|c| c.before.names(leader) || c.after.names(leader))
            .map(|c| c.on)
            .max()
    }
}

fn leader_text(rules: &RosterRules, id: LeaderId) -> String {
    match rules.leader(id) {
        Some(l) if l.title.is_empty() => l.name.clone(),
        Some(l) => format!("{}（{}）", l.name, l.title),
        None => id.to_string(),
    }
}

/// `甲（县长）`, or `甲（县长），乙（副县长）代` when delegated.
fn who(rules: &RosterRules, slot: &Slot) -> String {
    match slot.deputy {
        Some(deputy) => format!(
            "{}，{}代",
            leader_text(rules, slot.leader),
            leader_text(rules, deputy)
        ),
        None => leader_text(rules, slot.leader),
    }
}

fn slot_type_name(rules: &RosterRules, slot: &Slot) -> String {
    rules
        .rule(&slot.rule)
        .and_then(|r| r.slot_type())
        .and_then(|t| rules.slot_types.get(t))
        .map_or_else(|| slot.rule.clone(), |t| t.name.clone())
}

fn when(slot: &Slot) -> When {
    match slot.kind {
        SlotKind::Reception => When::Timed {
            start: slot.date.and_time(slot.start.0),
            end: slot.date.and_time(slot.end.0),
        },
        SlotKind::OnCall => When::AllDay {
            first: slot.date,
            last: slot.through,
        },
    }
}

/// How an entry appears in a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// On the roster as it stands; `alarm`: the feed's owner serves it.
    Current { alarm: bool },
    /// Taken from the feed's owner.
    TakenAway,
}

fn event(rules: &RosterRules, index: &Index<'_>, slot: &Slot, entry: Entry) -> Event {
    let kind = slot_type_name(rules, slot);
    let who = who(rules, slot);
    let booked = index
        .bookings(slot.id)
        .iter()
        .filter(|b| b.is_active())
        .count();
    let day = format!("{} {}", slot.date, weekday_short_zh(slot.date.weekday()));
    let mut description = vec![kind.clone(), format!("接访领导：{who}")];
    match slot.kind {
        SlotKind::Reception => {
            description.push(format!("时间：{day} {}–{}", slot.start, slot.end));
            description.push(format!("地点：{}", slot.place));
            description.push(format!("已预约来访：{booked} 人"));
        }
        SlotKind::OnCall => {
            description.push(format!("值班：{} 至 {}", slot.date, slot.through));
            description.push(format!("地点：{}", slot.place));
        }
    }
    let (summary, status) = match entry {
        Entry::Current { .. } => (format!("{kind}：{who}"), Status::Confirmed),
        Entry::TakenAway => {
            description.insert(0, "此安排已不由您负责（已调整）".into());
            (format!("已取消：{kind}（现由{who}）"), Status::Cancelled)
        }
    };
    let alarm = match entry {
        Entry::Current { alarm: true } if slot.kind == SlotKind::Reception => Some(Alarm {
            trigger: "-P1D",
            description: format!(
                "明日{}在{}接访，已预约来访 {booked} 人。请阅《领导接访准备材料》（{day} {kind}），由{}于接访前一日送达。",
                slot.start, slot.place, rules.office
            ),
        }),
        _ => None,
    };
    let modified = index.last_modified(slot);
    Event {
        uid: format!("{}@fengqiao", slot.id),
        sequence: u32::try_from(index.changes(slot.id).len()).unwrap_or(u32::MAX),
        stamp: modified.unwrap_or(DateTime::UNIX_EPOCH),
        last_modified: modified,
        when: when(slot),
        summary,
        location: slot.place.clone(),
        description: description.join("\n"),
        status,
        transparent: slot.kind == SlotKind::OnCall,
        alarm,
    }
}

/// The feed of `scope` as of `today`: its calendar, ready to [`ical::write`].
pub fn feed(
    rules: &RosterRules,
    state: &RosterState,
    scope: &FeedScope,
    today: NaiveDate,
) -> Calendar {
    let oldest = today - chrono::Duration::days(HISTORY_DAYS);
    let index = Index::new(state);
    let mut slots: Vec<&Slot> = state
        .slots
        .values()
        .filter(|s| matches!(s.state, SlotState::Published | SlotState::Historic))
        .filter(|s| s.through >= oldest)
        .collect();
    slots.sort_by(|a, b| {
        (a.date, &a.rule, &a.position, a.id).cmp(&(b.date, &b.rule, &b.position, b.id))
    });
    let events = slots
        .into_iter()
        .filter_map(|slot| {
            let entry = match scope {
                FeedScope::Office => Entry::Current { alarm: false },
                FeedScope::Township { township } => {
                    if slot.township.as_deref() != Some(township.as_str()) {
                        return None;
                    }
                    Entry::Current { alarm: false }
                }
                FeedScope::Leader { leader } => {
                    if slot.leader == *leader || slot.deputy == Some(*leader) {
                        Entry::Current {
                            alarm: slot.serving() == *leader,
                        }
                    } else {
                        let taken = index.last_named(slot, *leader)?;
                        if (today - taken).num_days() > CANCELLED_KEEP_DAYS {
                            return None;
                        }
                        Entry::TakenAway
                    }
                }
            };
            Some(event(rules, &index, slot, entry))
        })
        .collect();
    Calendar {
        name: scope.calendar_name(rules),
        method: None,
        refresh: Some(REFRESH),
        events,
    }
}

/// The feed of `scope` as iCalendar text.
pub fn feed_text(
    rules: &RosterRules,
    state: &RosterState,
    scope: &FeedScope,
    today: NaiveDate,
) -> String {
    ical::write(&feed(rules, state, scope, today))
}
