//! Outputs of a roster: iCalendar feeds, a CSV table for Excel, and the printable public
//! notice, and the leader's briefing pack ([`briefing`], from a [`crate::Briefing`]). Each takes [`SlotRow`](crate::view::SlotRow)s and returns text; writing files is
//! the caller's business.

pub mod briefing;
pub mod csv;
pub mod ics;
pub mod notice;
