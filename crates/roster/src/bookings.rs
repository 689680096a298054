//! Bookings (预约): a petitioner booked onto a published reception slot, so the office can
//! brief the leader the day before (RULES.md §5) and the heads of the units that own the
//! booked cases attend (联合接访).
//!
//! A booking is one record in the `bookings` collection of the slot's year document. It is
//! never deleted: cancelling writes the cancellation onto the record, so two laptops that
//! book and cancel offline merge field by field.

use chrono::NaiveDate;
use fengqiao_model::CaseId;
use serde::{Deserialize, Serialize};

use crate::ids::{BookingId, SlotId};
use crate::state::{Record, RosterState, SlotKind, SlotState};

/// How many visitors one reception takes unless the caller says otherwise: a half-day
/// reception hears about this many matters properly.
pub const DEFAULT_CAPACITY: usize = 8;

/// Why a booking was cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub on: NaiveDate,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub reason: String,
}

/// A petitioner booked onto a reception slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub id: BookingId,
    pub slot: SlotId,
    /// The slot's date, so the record lands in the slot's year.
    pub slot_date: NaiveDate,
    pub petitioner: String,
    #[serde(default)]
    pub phone: String,
    /// The case the visit is about, if registered.
    #[serde(default)]
    pub case: Option<CaseId>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub booked_by: String,
    pub booked_on: NaiveDate,
    /// Set when the booking is cancelled.
    #[serde(default)]
    pub cancelled: Option<Cancellation>,
}

impl Booking {
    /// Whether the booking stands (not cancelled).
    pub fn is_active(&self) -> bool {
        self.cancelled.is_none()
    }
}

/// What a clerk fills in to book a visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRequest {
    /// A fresh id from the caller (`BookingId::generate()` at the edge).
    pub id: BookingId,
    pub slot: SlotId,
    pub petitioner: String,
    pub phone: String,
    pub case: Option<CaseId>,
    pub note: String,
    pub booked_by: String,
}

/// A booking that cannot be made or cancelled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("找不到接访安排 {id} (unknown slot)")]
    UnknownSlot { id: SlotId },
    #[error("{date} 的接访尚未公布，只能预约已公布的接访 (only published slots take bookings)")]
    NotPublished { date: NaiveDate },
    #[error("{date} 是随时接访值班，不接受预约 (on-call duty takes no bookings)")]
    OnCall { date: NaiveDate },
    #[error("{date} 的接访已过，不能预约 (slot is in the past)")]
    Past { date: NaiveDate },
    #[error("{date} 的接访已约满（{capacity} 人）(slot is full)")]
    Full { date: NaiveDate, capacity: usize },
    #[error("预约必须填写信访人姓名 (petitioner name required)")]
    NoPetitioner,
    #[error("{petitioner} 已预约 {date} 的接访 (already booked)")]
    AlreadyBooked { petitioner: String, date: NaiveDate },
    #[error("找不到预约 {id} (unknown booking)")]
    UnknownBooking { id: BookingId },
    #[error("预约 {id} 已取消 (already cancelled)")]
    AlreadyCancelled { id: BookingId },
}

/// The bookings of `slot` that stand, oldest first.
pub fn active_bookings(state: &RosterState, slot: SlotId) -> Vec<&Booking> {
    let mut out: Vec<&Booking> = state
        .bookings
        .values()
        .filter(|b| b.slot == slot && b.is_active())
        .collect();
    out.sort_by_key(|b| (b.booked_on, b.id));
    out
}

/// Books a visitor onto a published reception slot that has not passed and is not full
/// (`capacity` visitors); the same petitioner (or the same case) is booked once per slot.
pub fn book(
    state: &RosterState,
    request: BookingRequest,
    capacity: usize,
    today: NaiveDate,
) -> Result<Record, BookingError> {
    let slot = state
        .slots
        .get(&request.slot)
        .filter(|s| s.state.is_live())
        .ok_or(BookingError::UnknownSlot { id: request.slot })?;
    if slot.kind == SlotKind::OnCall {
        return Err(BookingError::OnCall { date: slot.date });
    }
    if slot.state != SlotState::Published {
        return Err(BookingError::NotPublished { date: slot.date });
    }
    if slot.date < today {
        return Err(BookingError::Past { date: slot.date });
    }
    let petitioner = request.petitioner.trim().to_owned();
    if petitioner.is_empty() {
        return Err(BookingError::NoPetitioner);
    }
    let booked = active_bookings(state, slot.id);
    if booked
        .iter()
        .any(|b| b.petitioner == petitioner || (request.case.is_some() && b.case == request.case))
    {
        return Err(BookingError::AlreadyBooked {
            petitioner,
            date: slot.date,
        });
    }
    if booked.len() >= capacity {
        return Err(BookingError::Full {
            date: slot.date,
            capacity,
        });
    }
    Ok(Record::Booking(Booking {
        id: request.id,
        slot: slot.id,
        slot_date: slot.date,
        petitioner,
        phone: request.phone.trim().to_owned(),
        case: request.case,
        note: request.note.trim().to_owned(),
        booked_by: request.booked_by,
        booked_on: today,
        cancelled: None,
    }))
}

/// Cancels a booking; the record stays, marked cancelled.
pub fn cancel(
    state: &RosterState,
    id: BookingId,
    by: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<Record, BookingError> {
    let booking = state
        .bookings
        .get(&id)
        .ok_or(BookingError::UnknownBooking { id })?;
    if !booking.is_active() {
        return Err(BookingError::AlreadyCancelled { id });
    }
    let mut booking = booking.clone();
    booking.cancelled = Some(Cancellation {
        on: today,
        by: by.to_owned(),
        reason: reason.trim().to_owned(),
    });
    Ok(Record::Booking(booking))
}
