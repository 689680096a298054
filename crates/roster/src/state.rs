//! The roster's records: slots, leave, swaps and changes, and [`RosterState`] which holds
//! them in memory.
//!
//! The store keeps each kind in its own collection of the document `roster/<county>/<year>`
//! ([`Record::collection`]), one record per key, written one record per user action. A
//! record belongs to the year of its date ([`Record::year`]); a period that spans New Year
//! touches two documents. Every type here is plain data with `serde`, so the store can map
//! it to its document format without this crate knowing that format.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use fengqiao_model::LeaderId;
use serde::{Deserialize, Serialize};

use crate::bookings::Booking;
use crate::ids::{BookingId, ChangeId, LeaveId, SlotId, SwapId};
use crate::rules::ClockTime;

/// Where a slot stands in its life: drafted, published (a public notice), or past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlotState {
    /// Drafted by generation; regenerating the period may replace it.
    Draft,
    /// On the public notice; it never moves, and a change needs a reason and is recorded.
    Published,
    /// A published slot whose day has passed; kept as the record of who received.
    Historic,
    /// A draft that a later generation no longer produced. Records are not deleted from
    /// the replicated document, so a withdrawn draft stays as a tombstone.
    Withdrawn,
}

impl SlotState {
    /// The Chinese name for tables and notices.
    pub fn zh(self) -> &'static str {
        match self {
            SlotState::Draft => "草稿",
            SlotState::Published => "已公布",
            SlotState::Historic => "已完成",
            SlotState::Withdrawn => "已撤回",
        }
    }

    /// The machine code used in JSON and the CLI.
    pub fn code(self) -> &'static str {
        match self {
            SlotState::Draft => "draft",
            SlotState::Published => "published",
            SlotState::Historic => "historic",
            SlotState::Withdrawn => "withdrawn",
        }
    }

    /// Whether the slot is part of the roster (not withdrawn).
    pub fn is_live(self) -> bool {
        self != SlotState::Withdrawn
    }
}

/// A reception in person on one day, or an on-call duty over a span of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlotKind {
    /// The leader receives visitors at the place and hours given (接访).
    Reception,
    /// The leader is on call for special cases from `date` through `through` (随时接访).
    OnCall,
}

/// One slot of the roster: a leader receiving on a day at a place and hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Derived from county, rule and position; see [`crate::ids`].
    pub id: SlotId,
    /// The id of the rule that made it.
    pub rule: String,
    /// The position within the rule, e.g. `w2026-01-05#1` (week of 5 January, seat 1).
    pub position: String,
    pub kind: SlotKind,
    /// The day of reception, or the first day on call.
    pub date: NaiveDate,
    /// The last day on call; equal to `date` for a reception.
    pub through: NaiveDate,
    /// The day the rule asked for before rolling past rest days (e.g. the 15th).
    pub nominal: NaiveDate,
    pub start: ClockTime,
    pub end: ClockTime,
    /// The leader the roster names.
    pub leader: LeaderId,
    /// A deputy who receives in the leader's place (代为接访), if delegated.
    #[serde(default)]
    pub deputy: Option<LeaderId>,
    pub place: String,
    /// The township the slot serves, for township rules.
    #[serde(default)]
    pub township: Option<String>,
    pub state: SlotState,
    /// When the office published the slot ([`crate::changes::publish`]); `None` for drafts
    /// and for slots published before this was recorded. Calendar feeds stamp an
    /// unchanged slot with it (`DTSTAMP`, `LAST-MODIFIED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<FixedOffset>>,
}

impl Slot {
    /// The leader who actually receives: the deputy when delegated.
    pub fn serving(&self) -> LeaderId {
        self.deputy.unwrap_or(self.leader)
    }

    /// Whether the slot makes its leader present somewhere on its day (on-call does not).
    pub fn occupies_day(&self) -> bool {
        self.kind == SlotKind::Reception && self.state.is_live()
    }

    /// Whether the slot spans `date`.
    pub fn spans(&self, date: NaiveDate) -> bool {
        self.date <= date && date <= self.through
    }
}

/// A leader's leave: they cannot receive from `from` through `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leave {
    pub id: LeaveId,
    pub leader: LeaderId,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    /// When the leader told the office; checked against the notice rule (5 days ahead).
    pub reported_on: NaiveDate,
    #[serde(default)]
    pub reason: String,
}

impl Leave {
    /// Whether the leave covers `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// Whether the leave touches any day from `from` through `through`.
    pub fn overlaps(&self, from: NaiveDate, through: NaiveDate) -> bool {
        self.from <= through && from <= self.to
    }

    /// Days between the report and `date`; the notice rule wants at least the rules'
    /// `leave_notice_days`.
    pub fn notice_days_before(&self, date: NaiveDate) -> i64 {
        (date - self.reported_on).num_days()
    }
}

/// Two slots whose leaders exchanged them. Until the later slot is served, the leader who
/// gave up the earlier one owes the other (the ledger's debt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Swap {
    pub id: SwapId,
    pub first: SlotId,
    /// The leader of `first` before the swap, who now serves `second`.
    pub first_leader: LeaderId,
    pub second: SlotId,
    /// The leader of `second` before the swap, who now serves `first`.
    pub second_leader: LeaderId,
    /// The date of `first`, so the swap lands in the roster document of that year.
    pub first_date: NaiveDate,
    /// When the swap was agreed.
    pub on: NaiveDate,
    pub reason: String,
    #[serde(default)]
    pub by: String,
}

/// Why a slot changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "kebab-case")]
pub enum ChangeCause {
    /// Part of a swap.
    Swap { swap: SwapId },
    /// The leader's leave; a standby took the slot (补位), or nobody could.
    Leave { leave: LeaveId },
    /// The leader delegated to a deputy.
    Delegate,
    /// The day, hours or place changed (改期).
    Reschedule,
}

/// The facts of a slot that a change can alter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotFacts {
    pub leader: LeaderId,
    pub deputy: Option<LeaderId>,
    pub state: SlotState,
    /// Day, hours and place; `None` in changes recorded before time changes existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<SlotTime>,
}

/// When and where a slot is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotTime {
    pub date: NaiveDate,
    pub through: NaiveDate,
    pub start: ClockTime,
    pub end: ClockTime,
    pub place: String,
}

impl From<&Slot> for SlotFacts {
    fn from(slot: &Slot) -> Self {
        SlotFacts {
            leader: slot.leader,
            deputy: slot.deputy,
            state: slot.state,
            when: Some(SlotTime {
                date: slot.date,
                through: slot.through,
                start: slot.start,
                end: slot.end,
                place: slot.place.clone(),
            }),
        }
    }
}

impl SlotFacts {
    /// Whether `leader` is named on the slot, as its leader or its deputy.
    pub fn names(&self, leader: LeaderId) -> bool {
        self.leader == leader || self.deputy == Some(leader)
    }
}

/// A recorded change to a published slot: what it was, what it became, why, and who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub id: ChangeId,
    pub slot: SlotId,
    /// The slot's date, so the record lands in the slot's year.
    pub slot_date: NaiveDate,
    pub on: NaiveDate,
    /// The moment the change was made; `None` in changes recorded before it was. Calendar
    /// feeds stamp the changed slot with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub by: String,
    pub reason: String,
    #[serde(flatten)]
    pub cause: ChangeCause,
    pub before: SlotFacts,
    pub after: SlotFacts,
}

/// One record to write to the store: its collection, key and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Slot(Slot),
    Leave(Leave),
    Swap(Swap),
    Change(Change),
    Booking(Booking),
}

/// The collection names in `roster/<county>/<year>`.
pub mod collections {
    /// Slots by [`crate::SlotId`].
    pub const SLOTS: &str = "slots";
    /// Leave by [`crate::LeaveId`].
    pub const LEAVE: &str = "leave";
    /// Swaps by [`crate::SwapId`].
    pub const SWAPS: &str = "swaps";
    /// Changes by [`crate::ChangeId`].
    pub const CHANGES: &str = "changes";
    /// Bookings (预约) by [`crate::BookingId`].
    pub const BOOKINGS: &str = "bookings";
    /// The rules (one record, key [`RULES_KEY`]).
    pub const RULES: &str = "rules";
    /// The key of the rules record.
    pub const RULES_KEY: &str = "current";
}

impl Record {
    /// The collection the record belongs in.
    pub fn collection(&self) -> &'static str {
        match self {
            Record::Slot(_) => collections::SLOTS,
            Record::Leave(_) => collections::LEAVE,
            Record::Swap(_) => collections::SWAPS,
            Record::Change(_) => collections::CHANGES,
            Record::Booking(_) => collections::BOOKINGS,
        }
    }

    /// The record's key.
    pub fn key(&self) -> String {
        match self {
            Record::Slot(s) => s.id.as_string(),
            Record::Leave(l) => l.id.as_string(),
            Record::Swap(s) => s.id.as_string(),
            Record::Change(c) => c.id.as_string(),
            Record::Booking(b) => b.id.as_string(),
        }
    }

    /// The year whose document holds the record: the slot's date, the leave's first day,
    /// the first swapped slot's date, the changed or booked slot's date.
    pub fn year(&self) -> i32 {
        match self {
            Record::Slot(s) => s.date.year(),
            Record::Leave(l) => l.from.year(),
            Record::Swap(s) => s.first_date.year(),
            Record::Change(c) => c.slot_date.year(),
            Record::Booking(b) => b.slot_date.year(),
        }
    }
}

/// Everything known about a county's roster, as loaded from one or more year documents.
///
/// Maps are `BTreeMap`s keyed by id, so iteration order (and hence every computation over
/// the state) is the same on every replica.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterState {
    pub slots: BTreeMap<SlotId, Slot>,
    pub leave: BTreeMap<LeaveId, Leave>,
    pub swaps: BTreeMap<SwapId, Swap>,
    pub changes: BTreeMap<ChangeId, Change>,
    #[serde(default)]
    pub bookings: BTreeMap<BookingId, Booking>,
}

impl RosterState {
    /// An empty roster.
    pub fn new() -> RosterState {
        RosterState::default()
    }

    /// Puts one record in, replacing the record with the same key.
    pub fn apply(&mut self, record: Record) {
        match record {
            Record::Slot(s) => {
                self.slots.insert(s.id, s);
            }
            Record::Leave(l) => {
                self.leave.insert(l.id, l);
            }
            Record::Swap(s) => {
                self.swaps.insert(s.id, s);
            }
            Record::Change(c) => {
                self.changes.insert(c.id, c);
            }
            Record::Booking(b) => {
                self.bookings.insert(b.id, b);
            }
        }
    }

    /// Puts every record in.
    pub fn apply_all(&mut self, records: impl IntoIterator<Item = Record>) {
        for record in records {
            self.apply(record);
        }
    }

    /// Live slots (not withdrawn) sorted by date, then rule, then position.
    pub fn live_slots(&self) -> Vec<&Slot> {
        let mut slots: Vec<&Slot> = self.slots.values().filter(|s| s.state.is_live()).collect();
        slots.sort_by(|a, b| (a.date, &a.rule, &a.position).cmp(&(b.date, &b.rule, &b.position)));
        slots
    }

    /// Leave of `leader` covering `date`, if any.
    pub fn leave_on(&self, leader: LeaderId, date: NaiveDate) -> Option<&Leave> {
        self.leave
            .values()
            .find(|l| l.leader == leader && l.covers(date))
    }

    /// Changes recorded for `slot`, oldest first.
    pub fn changes_of(&self, slot: SlotId) -> Vec<&Change> {
        let mut changes: Vec<&Change> = self.changes.values().filter(|c| c.slot == slot).collect();
        changes.sort_by_key(|c| (c.on, c.id));
        changes
    }
}

/// Something else a leader has on a day, which a reception must not collide with: a field
/// visit (下访), a meeting. The roster reads these; it does not own them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    pub leader: LeaderId,
    pub date: NaiveDate,
    /// What it is, for messages, e.g. 下访 河沥溪街道 东门村.
    pub what: String,
}

impl Engagement {
    /// The engagement a leader's field visit makes, if the visit is a leader's.
    pub fn from_visit(visit: &fengqiao_model::FieldVisit) -> Option<Engagement> {
        visit.leader.map(|leader| Engagement {
            leader,
            date: visit.date,
            what: format!("下访 {} {}", visit.township, visit.village),
        })
    }
}
