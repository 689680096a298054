//! A case brought in whole from elsewhere: a county's earlier records (an import from a
//! spreadsheet) or the generated demo county. The store writes it with its history, each
//! event on its original date, so the clocks run as if it had been entered on time.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::case::Registration;
use crate::event::EventKind;

/// A complete case as an import or the demo generator brings it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedCase {
    pub registration: Registration,
    pub registered_at: DateTime<FixedOffset>,
    /// The number the case had in the system it came from; an import is keyed on it, so
    /// importing the same file again creates nothing new. Empty for generated cases.
    pub source_number: String,
    /// Events after registration, in any order, each on its original date.
    pub events: Vec<ImportedEvent>,
    pub notes: Vec<ImportedNote>,
    /// The registration fields (paths such as `content.request`) the source gave. A
    /// re-import compares and updates only these, so a column the source lacks never
    /// blanks what a clerk entered. `None`: all of them.
    pub provided: Option<Vec<String>>,
}

impl ImportedCase {
    /// A case without a source number, history or notes (a test's, the demo's start).
    pub fn new(registration: Registration, registered_at: DateTime<FixedOffset>) -> ImportedCase {
        ImportedCase {
            registration,
            registered_at,
            source_number: String::new(),
            events: Vec::new(),
            notes: Vec::new(),
            provided: None,
        }
    }
}

/// One event of an imported case's history.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedEvent {
    pub kind: EventKind,
    pub date: NaiveDate,
    pub remark: String,
}

impl ImportedEvent {
    /// An event without a remark.
    pub fn new(kind: EventKind, date: NaiveDate) -> ImportedEvent {
        ImportedEvent {
            kind,
            date,
            remark: String::new(),
        }
    }
}

/// A note of an imported case: its text, and who wrote it when, where the source says.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedNote {
    pub text: String,
    /// The author's name as the source gives it; empty: the person importing.
    pub author_name: String,
    /// When it was written; `None`: when the case was registered.
    pub written_at: Option<DateTime<FixedOffset>>,
}

impl ImportedNote {
    /// A note by the person importing, dated at registration.
    pub fn text(text: impl Into<String>) -> ImportedNote {
        ImportedNote {
            text: text.into(),
            author_name: String::new(),
            written_at: None,
        }
    }
}
