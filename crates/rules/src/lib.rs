//! The law as code: statutory clocks, holiday calendars and the five-route classification
//! guide of petition (信访) work (RULES.md §1–§3, §6).
//!
//! Brief overview:
//! - [`calendar::HolidayCalendar`] knows which days are rest days, year by year, from the
//!   State Council's notices kept as data ([`calendar::YearCalendar`]). Years without a
//!   notice are answered but flagged as uncertain.
//! - [`clock::deadline`] counts one clock (T1–T10, the fast track) from a start date into a
//!   [`clock::Deadline`] that carries its article; [`clock::Deadline::status`] places it
//!   relative to `today`.
//! - [`case_clocks::case_clocks`] derives every clock of a case from its events: running,
//!   met, overdue, and the accountability warnings of 第四十三、四十四、四十五条. Which
//!   clocks run depends on the receiving unit's kind (from the directory, through
//!   [`county::LawContext`]), the content type and the route.
//! - [`lifecycle::check_new_event`] refuses an event the case's history makes impossible
//!   (a 答复 with no 受理…), naming the rule and its article.
//! - [`evaluation`] reads satisfaction evaluations and follow-up (回访) tasks from a case's
//!   events and tallies the county's satisfaction and follow-up rates.
//! - [`guide`] holds the routes and the quarterly complaint-type list that the 导访
//!   screen searches, and says what a registration records when a type is chosen.
//!
//! Typical workflow for a case:
//! 1. `let calendar = HolidayCalendar::embedded()` plus the office's overrides
//!    ([`HolidayCalendar::with_year`]).
//! 2. `let facts = law_context.facts(&case.registration)` (the store builds the
//!    [`county::LawContext`] from the directory).
//! 3. `let clocks = case_clocks(&facts, &events, &calendar, today, &DueThresholds::default())`.
//!
//! Architecture invariant: this crate is pure. It knows nothing of Automerge, iroh, egui,
//! files or the system clock; data files are embedded at compile time and `today` is
//! always a parameter (`tests/purity.rs` keeps it so).

pub mod calendar;
pub mod case_clocks;
pub mod clock;
pub mod county;
pub mod diagnostic;
pub mod evaluation;
pub mod guide;
pub mod lifecycle;

pub use calendar::{
    CalendarError, DayInfo, DayKind, Holiday, HolidayCalendar, MakeupDay, YearCalendar,
};
pub use case_clocks::{
    AccountabilityWarning, CaseClocks, CaseFacts, ClockReport, ClockState, Trigger, case_clocks,
    handling_clock_applies, hearing_session_days, route_in_force,
};
pub use clock::{
    Adjustments, ClockError, ClockId, ClockKind, Deadline, Diagnostic, DueStatus, DueThresholds,
    ExtensionBase, Period, deadline,
};
pub use county::{LawContext, LawSettings};
pub use evaluation::{
    EvaluationTally, FollowUpState, FollowUpTask, RatingCounts, follow_up_tasks, latest_evaluation,
};
pub use guide::{
    Classification, ComplaintType, Guide, GuideList, ListVersion, RouteInfo, SearchHit, route_info,
};
pub use lifecycle::{LifecycleRefusal, LifecycleRule, check_new_event};
