//! Fengqiao's domain model: the records of petition (信访) work and their validation.
//!
//! Brief overview:
//! - [`case::Registration`] is what a clerk enters; [`validate::validate_registration`]
//!   checks it; with an id, a [`case::CaseNumber`] and provenance it becomes a [`case::Case`].
//! - A case's history is a set of [`event::CaseEvent`]s; [`event::status_of`] derives where
//!   it stands. Clocks derive from the same events in `fengqiao-rules`.
//! - [`org`] holds the directory's records: units, leaders, staff, devices, field visits.
//! - [`intake`] holds the county's intake queue (导访 kiosk, 网上信访): items petitioners
//!   leave before a clerk registers them, and [`intake::validate_intake`].
//! - [`vocab`] holds the closed vocabularies (channels, the routes, reply types…),
//!   each with a stable code and its Chinese name.
//!
//! Architecture invariant: this crate knows nothing of Automerge, iroh, files or the system
//! clock (only UUIDv7 generation reads it); `today` is always a parameter.

pub mod attachment;
pub mod case;
pub mod event;
pub mod ids;
pub mod imported;
pub mod intake;
pub mod org;
pub mod spreadsheet;
pub mod validate;
pub mod vocab;

pub use attachment::{AttachedTo, Attachment, AttachmentId, Withdrawal};
pub use case::{Case, CaseFlags, CaseNumber, Content, Note, Petitioner, Registration, Source};
pub use event::{CaseEvent, CaseStatus, EventKind};
pub use ids::*;
pub use imported::{ImportedCase, ImportedEvent, ImportedNote};
pub use intake::{
    IntakeItem, IntakePickup, PetitionerMilestone, petitioner_milestones, validate_intake,
};
pub use org::{Device, FieldVisit, Household, Leader, OrgUnit, Person};
pub use spreadsheet::spreadsheet_cell;
pub use validate::{FieldError, FieldWarning};
pub use vocab::*;

#[doc(hidden)]
pub mod __private {
    //! Re-exports for the [`uuid_id!`](crate::uuid_id) macro in other crates.
    pub use serde;
    pub use uuid::Uuid;
}
