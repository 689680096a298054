//! View models: plain data the store thread builds and the views draw.
//!
//! Nothing here is an Automerge type, a store handle or a channel; every struct can be
//! built by hand in a test or a benchmark.

pub mod clocks;
pub mod conflicts;
pub mod feeds;
pub mod reports;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate};
use fengqiao_model::{CaseId, LeaderId};
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
    /// The role's Chinese name.
    pub role: String,
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

/// Where a case's clocks stand, for lists and Today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClockFlag {
    /// A running clock is past its due date.
    pub overdue: bool,
    /// The most urgent running clock: its name, due date and article.
    pub next: Option<ClockLine>,
}

/// The clocks of every open case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClockIndex {
    pub today: Option<NaiveDate>,
    pub per_case: HashMap<CaseId, CaseClockFlag>,
    /// Cases with an overdue clock, the longest waiting first.
    pub overdue: Vec<CaseId>,
    /// Cases whose next clock falls due within [`DUE_SOON_DAYS`].
    pub due_soon: Vec<CaseId>,
    /// Satisfaction evaluations and follow-up tasks of every case (open or not).
    pub evaluation: fengqiao_rules::EvaluationTally,
}

/// "Due soon" on Today: a running clock due within this many days.
pub const DUE_SOON_DAYS: i64 = 5;

impl ClockIndex {
    /// Whether `case` has an overdue clock.
    pub fn is_overdue(&self, case: &CaseId) -> bool {
        self.per_case.get(case).is_some_and(|f| f.overdue)
    }
}

/// One clock of a case as the case page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockLine {
    /// e.g. `T4 受理告知`.
    pub name: String,
    /// e.g. `《信访工作条例》第二十三条`.
    pub citation: String,
    pub start: NaiveDate,
    pub due: NaiveDate,
    /// Where it stands, in Chinese (running/met/lapsed…).
    pub state: String,
    pub running: bool,
    pub overdue: bool,
    /// The due date relies on a year without a holiday notice.
    pub uncertain: bool,
}

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
