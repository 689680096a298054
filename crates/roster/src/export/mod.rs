//! Outputs of a roster: iCalendar feeds, a CSV table for Excel, and the printable public
//! notice. Each takes [`SlotRow`](crate::view::SlotRow)s and returns text; writing files is
//! the caller's business.

pub mod csv;
pub mod ics;
pub mod notice;
