//! The leader reception roster (接访排班): rules, deterministic generation, a fairness
//! ledger, leave with standby, swaps, delegation, draft → published → historic, conflict
//! checks, and iCalendar / CSV / public-notice exports.
//!
//! Brief overview:
//! - [`RosterRules`] is what an office writes (TOML, see `examples/roster/ningguo.toml`):
//!   leaders, slot types with hours and place, and rules (weekly pools, monthly quotas,
//!   fixed weekdays per township, fixed days of month, yearly minimums, on-call duty).
//! - [`RosterState`] holds the records of a county's roster: [`Slot`]s, [`Leave`],
//!   [`Swap`]s and [`Change`]s, each keyed by a stable id and stored by the store as one
//!   record in the collections of `roster/<county>/<year>` ([`Record`]).
//! - [`generate`] drafts a period and returns a [`Generation`]: the roster, the records to
//!   write and [`Diagnostic`]s for every rule it could not satisfy.
//! - [`changes`] publishes, archives, swaps, takes leave and delegates, each returning
//!   the records to write ([`Outcome`]).
//! - [`check`] lists [`Conflict`]s; [`ledger()`] shows each leader's load.
//! - [`bookings`] books visitors onto published receptions (预约); [`briefing()`] builds the
//!   leader's day-before briefing pack (booked visitors, their cases, clocks and history,
//!   and the unit heads who attend, 联合接访), which [`export::briefing`] prints.
//! - [`rows`] resolves slots to [`SlotRow`]s, which [`export`] turns into iCalendar, CSV
//!   and the printable notice.
//! - [`feed`] builds the calendar subscriptions (a leader's own, the office's, a
//!   township's) that follow every change: UIDs for life, `SEQUENCE` from the recorded
//!   changes, cancelled entries for a leader a slot was taken from, reminders the day
//!   before; [`feed::ical`] writes RFC 5545 text.
//!
//! Typical workflow (what `fengqiao roster …` does):
//!
//! 1. Parse the rules: [`RosterRules::from_toml`].
//! 2. Load the state from the store's records; call [`generate`] for a period; write
//!    `generation.records`; show `generation.diagnostics`.
//! 3. [`changes::publish`] the period; later [`changes::report_leave`], [`changes::swap`]
//!    or [`changes::delegate`] as leaders ask; [`changes::archive`] past slots.
//! 4. Export feeds and the notice from [`rows`].
//!
//! Architecture invariant: this crate knows nothing of Automerge, iroh, tokio, egui, files
//! or the system clock. `today` and the export stamp are parameters; the only clock reads
//! are the `generate()` constructors of leave and swap ids, which callers at the edge use.

pub mod bookings;
pub mod briefing;
pub mod changes;
pub mod conflicts;
pub mod days;
pub mod diagnostic;
pub mod export;
pub mod feed;
pub mod generate;
pub mod ids;
pub mod ledger;
pub mod period;
pub mod rules;
pub mod state;
pub mod view;

pub use bookings::{Booking, BookingError, BookingRequest, Cancellation, active_bookings};
pub use briefing::{Attendee, Briefing, BriefingCase, BriefingVisitor, briefing, briefings_for};
pub use changes::{Actor, ChangeError, Outcome, Reschedule, SwapRequest};
pub use conflicts::{Conflict, check};
pub use diagnostic::{Diagnostic, DiagnosticKind, Severity};
pub use feed::{FeedScope, feed_text};
pub use generate::{Generation, generate};
pub use ids::{BookingId, ChangeId, LeaveId, SlotId, SwapId};
pub use ledger::{Debt, LedgerEntry, ledger};
pub use period::{Period, PeriodError};
pub use rules::{RosterRules, Rule, RulesError};
pub use state::{
    Change, ChangeCause, Engagement, Leave, Record, RosterState, Slot, SlotFacts, SlotKind,
    SlotState, SlotTime, Swap, collections,
};
pub use view::{RowFilter, SlotRow, rows};
