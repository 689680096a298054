//! View models: plain data the store thread builds and the views draw.
//!
//! Nothing here is an Automerge type, a store handle or a channel; every struct can be
//! built by hand in a test or a benchmark.

pub mod clocks;
pub mod conflicts;
pub mod feeds;
pub mod trail;

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate};
use fengqiao_model::LeaderId;
use fengqiao_roster::SlotRow;

pub use crate::sync_seam::{
    PeerLink, PeerRole, PeerSyncState, RoundKind, ServerLink, SyncRound, SyncStatus,
};

/// One row of the case list: the store's own plain summary.
pub type CaseRow = fengqiao_store::CaseSummary;

/// What the app shows about the store it opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Welcome {
    pub data_dir: PathBuf,
    pub device_name: String,
    pub device_code: String,
    pub device_id: String,
    pub county: String,
    pub role: fengqiao_model::Role,
    /// Townships this device works in; empty for the whole county.
    pub scope: Vec<String>,
    pub person: String,
    pub may_write_cases: bool,
    /// Whether this device may enrol and revoke devices (office, admin, server).
    pub may_enrol: bool,
}

/// The county's directory, for pickers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directory {
    pub townships: Vec<Township>,
    /// The roster's leaders (from the stored rules), for leave and per-leader weeks.
    pub leaders: Vec<LeaderChoice>,
    /// Every device the directory enrols (revoked ones too), in enrolment order.
    pub devices: Vec<DeviceRow>,
    /// People who sit on a 评议团 or 听证团.
    pub panel_members: Vec<PanelMember>,
    /// The county's units other than villages, with their kind under the law (信访部门 or
    /// another organ), which decides which clocks run for the items they receive.
    pub units: Vec<UnitRow>,
    /// The county's reading of where an extension (T6) is counted from.
    pub extension_from: fengqiao_rules::ExtensionBase,
    /// The access trail, on devices the directory lets read it (the office).
    pub access_trail: Option<trail::AccessTrailView>,
}

/// A unit of the county and its kind under the law, for 设置.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub name: String,
    pub kind: fengqiao_model::UnitKind,
    pub organ: fengqiao_model::OrganKind,
}

/// A device of the county, for 设置.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: String,
    pub name: String,
    pub role: fengqiao_model::Role,
    /// Townships it works in; empty for the whole county.
    pub scope: Vec<String>,
    pub enrolled: chrono::NaiveDate,
    pub revoked: bool,
    /// This device.
    pub is_me: bool,
}

impl Directory {
    /// The villages of `township`, or none.
    pub fn villages(&self, township: &str) -> &[String] {
        self.townships
            .iter()
            .find(|t| t.name == township)
            .map(|t| t.villages.as_slice())
            .unwrap_or_default()
    }

    /// Township names in directory order.
    pub fn township_names(&self) -> Vec<String> {
        self.townships.iter().map(|t| t.name.clone()).collect()
    }
}

/// A township with its villages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Township {
    pub name: String,
    pub villages: Vec<String>,
}

/// A leader as a picker shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderChoice {
    pub id: LeaderId,
    pub name: String,
    pub title: String,
}

pub use fengqiao_store::reports::{CaseClockFlag, ClockIndex, ClockLine, DUE_SOON_DAYS};

/// A case page: the record and its clocks.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePage {
    pub record: fengqiao_store::CaseRecord,
    pub clocks: Vec<ClockLine>,
    /// Accountability warnings (第四十四、四十五条) and caveats.
    pub warnings: Vec<String>,
    /// Follow-up visit (回访) tasks and where they stand.
    pub follow_ups: Vec<FollowUpLine>,
    /// The documents issued on the case (文书), and what its state allows.
    pub papers: Vec<fengqiao_store::paperwork::CaseDocument>,
    pub offers: Vec<fengqiao_store::DocumentOffer>,
    /// The attachments of the case and its events and notes (withdrawn ones too), oldest
    /// first, with the thumbnails of its pictures.
    pub attachments: Vec<crate::backend::AttachmentRow>,
}

/// A follow-up task on the case page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpLine {
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
    /// 待回访 / 回访逾期 / 已回访…
    pub state: String,
    pub overdue: bool,
}

/// A 评议/听证团 member from the directory, for the hearing-session form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelMember {
    pub id: fengqiao_model::PersonId,
    pub name: String,
    pub unit: String,
    pub panels: Vec<fengqiao_model::PanelKind>,
}

/// A period of the roster with what the office needs to act on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RosterView {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Whether rules are stored (else generating uses the example rules).
    pub has_rules: bool,
    pub rules_name: String,
    pub rows: Vec<SlotRow>,
    /// Generation and change diagnostics, and roster conflicts, as sentences.
    pub diagnostics: Vec<String>,
}

/// When something happened, for "what moved and when".
pub type Stamp = DateTime<FixedOffset>;
