//! The law as code: statutory clocks, holiday calendars and the five-route classification
//! guide of petition (信访) work (RULES.md §1–§3, §6).
//!
//! Brief overview:
//! - [`calendar::HolidayCalendar`] knows which days are rest days, year by year, from the
//!   State Council's notices kept as data ([`calendar::YearCalendar`]).
//!
//! Architecture invariant: this crate is pure. It knows nothing of Automerge, iroh, egui,
//! files or the system clock; data files are embedded at compile time and `today` is
//! always a parameter.

pub mod calendar;
pub mod case_clocks;
pub mod clock;
pub mod guide;

pub use calendar::{
    CalendarError, DayInfo, DayKind, Holiday, HolidayCalendar, MakeupDay, YearCalendar,
};
pub use case_clocks::{
    AccountabilityWarning, CaseClocks, CaseFacts, ClockReport, ClockState, Trigger, case_clocks,
};
pub use clock::{
    Adjustments, ClockError, ClockId, ClockKind, Deadline, Diagnostic, DueStatus, DueThresholds,
    Period, deadline,
};
pub use guide::{
    Classification, ComplaintType, Guide, GuideList, ListVersion, RouteInfo, SearchHit, route_info,
};
