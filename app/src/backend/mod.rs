//! The store thread: the only place the app touches the disk.
//!
//! The UI sends [`Command`]s and receives [`Update`]s over channels; after every update the
//! worker asks egui to repaint. The worker owns the [`Store`] (which runs its own tokio
//! runtime for samod), reads and writes it, computes clocks and rosters with the pure crates,
//! and sends plain view models back ([`crate::vm`]); no Automerge type crosses.

pub mod attachments;
mod dirty;
mod feeds;
mod import;
mod papers;
mod roster;
mod unlock;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

use chrono::NaiveDate;
use fengqiao_model::{EventKind, FieldVisit, LeaderId, Registration};
use fengqiao_roster::SlotId;

use crate::i18n::Key;
use crate::sync_seam::{EnrolmentRequest, JoinRequest, LiveSync, SyncFailure};
use crate::vm::{
    CasePage, CaseRow, ClockIndex, Directory, RosterView, SyncStatus, Welcome, conflicts::Conflicts,
};

pub use attachments::{
    AttachCommand, AttachUpdate, AttachmentRow, FileViewer, Owner, PendingFile, system_viewer,
};
pub use feeds::FeedCommand;
pub use import::{ImportCommand, ImportReport, Written};
pub use papers::{
    DocumentPreview, PaperCommand, PdfViewer, file_name as papers_file_name, system_pdf_viewer,
};
pub use roster::{BookingForm, EXAMPLE_RULES, RosterExport};
pub use worker::{DEMO_CASES, create_demo_county, create_demo_county_with};

/// What the UI asks the store thread to do. Each write is one store transaction; the reply
/// is an [`Update`] (the refreshed view model, a [`Update::Done`] or an [`Update::Failed`]).
#[derive(Debug, Clone)]
pub enum Command {
    /// First start: create the demo county in the data directory.
    CreateDemoCounty,
    /// First start: join the county with an enrolment ticket from the office.
    JoinCounty(JoinRequest),
    /// The data directory is encrypted: open it with this passphrase.
    Unlock(zeroize::Zeroizing<String>),
    /// Offer a new laptop an enrolment (office, admin or server devices).
    OfferEnrolment(EnrolmentRequest),
    /// Stop waiting for the offered laptop.
    CancelEnrolment,
    /// Revoke a device's enrolment (by its id).
    RevokeDevice { id: String },
    /// Mark a unit as a 信访部门 or another organ (office and admin devices).
    SetUnitOrgan {
        unit: String,
        organ: fengqiao_model::OrganKind,
    },
    /// The county's reading of where an extension (T6) is counted from.
    SetExtensionFrom(fengqiao_rules::ExtensionBase),
    /// Re-read everything the views show (case list, clocks, conflicts, roster, visits).
    Refresh,
    /// Merge `absorbed` into `survivor` (ids or numbers), with the reason.
    MergeCases {
        survivor: String,
        absorbed: String,
        reason: String,
    },
    /// Record that two cases are not duplicates, with the reason.
    DismissDuplicate {
        a: String,
        b: String,
        reason: String,
    },
    /// Decide a lifecycle contradiction: option `choice` (1-based).
    ResolveContradiction {
        case: String,
        key: String,
        choice: usize,
        reason: String,
    },
    /// 「立即同步」: one live round with every known peer, in the background.
    SyncNow,
    /// Open a case page (by number or id).
    OpenCase(String),
    /// Register a case.
    Register(Box<Registration>),
    /// Register a case from an intake-queue item, then record the pickup.
    RegisterIntake {
        registration: Box<Registration>,
        intake: fengqiao_model::intake::IntakeId,
    },
    /// Record an event on a case.
    AddEvent {
        case: String,
        kind: EventKind,
        date: NaiveDate,
        remark: String,
        /// Files to attach to the event once it is recorded.
        files: Vec<PendingFile>,
    },
    /// Add a note to a case, and attach `files` to it.
    AddNote {
        case: String,
        text: String,
        files: Vec<PendingFile>,
    },
    /// Resolve a conflict by choosing value `choice` (1-based).
    ResolveConflict {
        case: String,
        field: String,
        choice: usize,
        reason: String,
    },
    /// Show the roster of a period.
    LoadRoster { from: NaiveDate, to: NaiveDate },
    /// Draft the roster of a period (with the stored rules, else the example rules).
    GenerateRoster { from: NaiveDate, to: NaiveDate },
    /// Publish the drafts of a period.
    PublishRoster { from: NaiveDate, to: NaiveDate },
    /// Swap a slot with next month's slot of the same rule.
    SwapSlot { slot: SlotId, reason: String },
    /// Report a leader's leave; the standby list fills the gaps.
    ReportLeave {
        leader: LeaderId,
        from: NaiveDate,
        to: NaiveDate,
        reason: String,
    },
    /// Export a period of the roster to a file.
    ExportRoster {
        format: RosterExport,
        from: NaiveDate,
        to: NaiveDate,
        path: PathBuf,
    },
    /// Book a visitor onto a published reception (预约).
    Book(Box<BookingForm>),
    /// Cancel a booking of `slot`.
    CancelBooking {
        slot: SlotId,
        booking: fengqiao_roster::BookingId,
    },
    /// Prepare the briefing pack of a slot (接访准备).
    LoadBriefing { slot: SlotId },
    /// Write the briefing pack of a slot as printable HTML.
    SaveBriefing { slot: SlotId, path: PathBuf },
    /// 日历订阅: list, issue or revoke calendar subscriptions.
    Feeds(FeedCommand),
    /// Plan or record a field visit.
    PutVisit(Box<FieldVisit>),
    /// Write a USB bundle: everything, or only what the peer state file says the peer lacks.
    ExportBundle {
        path: PathBuf,
        peer_state: Option<PathBuf>,
    },
    /// Apply a USB bundle (verified whole first).
    ImportBundle { path: PathBuf },
    /// Write this laptop's document heads for the sending laptop.
    ExportPeerState { path: PathBuf },
    /// The case page's documents (文书): issue, preview, serve, save, print.
    Paper(PaperCommand),
    /// 设置 → 导入: check a county's spreadsheet, or import it.
    Import(ImportCommand),
    /// 附件: attach, withdraw, open; a visit's list.
    Attach(AttachCommand),
}

/// What the store thread sends back.
#[derive(Debug, Clone)]
pub enum Update {
    /// The data directory is empty: the UI offers the demo county.
    Empty { data_dir: PathBuf },
    /// The data directory is encrypted: the UI asks for a passphrase (who may open it).
    Locked {
        data_dir: PathBuf,
        people: Vec<String>,
    },
    /// The passphrase was refused (after the delay), or the directory did not open: why.
    UnlockRefused(String),
    /// Making the demo county: the step begun (`None`: made, now opening it).
    DemoProgress(Option<fengqiao_store::demo::DemoStep>),
    /// The store is open.
    Opened(Box<Welcome>),
    /// The directory: townships, villages, leaders.
    Directory(Arc<Directory>),
    /// Every case this device holds, newest first.
    Cases(Arc<Vec<CaseRow>>),
    /// Clocks of every open case (computed after the list, as it takes longer).
    Clocks(Arc<ClockIndex>),
    /// A case page.
    Case(Box<CasePage>),
    /// Every open conflict.
    Conflicts(Arc<Conflicts>),
    /// The roster of the period last asked for.
    Roster(Arc<RosterView>),
    /// This week's roster (for Today).
    RosterThisWeek(Arc<RosterView>),
    /// The briefing pack of the slot last asked for.
    Briefing(Arc<fengqiao_roster::Briefing>),
    /// A document's pages, to preview (just issued, or asked for).
    Document(Arc<DocumentPreview>),
    /// The calendar subscriptions, with the link just issued (once).
    Feeds(Arc<crate::vm::feeds::FeedsView>),
    /// Field visits of this year.
    Visits(Arc<Vec<FieldVisit>>),
    /// The intake queue (kiosk and online), newest first; empty on devices that do not
    /// hold it.
    Intake(Arc<Vec<fengqiao_store::IntakeEntry>>),
    /// Sync: bundles done this session and whatever the live sync reports.
    Sync(Arc<SyncStatus>),
    /// A case was registered; its number.
    Registered { number: String },
    /// An action completed.
    Done(Notice),
    /// An action failed: what was being done, and the store's reason.
    Failed { action: Key, reason: String },
    /// A live-sync action failed: what was being done, and why (translated by the UI).
    SyncFailed { action: Key, failure: SyncFailure },
    /// The store thread is working (true) or idle (false).
    Busy(bool),
    /// An import's progress: cases done of the total.
    ImportProgress { done: usize, total: usize },
    /// What an import check found, or an import wrote.
    Import(std::sync::Arc<ImportReport>),
    /// A visit's attachments, or the quota warning.
    Attach(AttachUpdate),
}

/// A completed action for the status line: a translated sentence plus a detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub what: Key,
    pub detail: String,
}

/// The UI's end of the channels.
pub struct Backend {
    commands: Sender<Command>,
    updates: Receiver<Update>,
    /// Whether the store thread has ended (it only ends when the UI drops its sender, or it
    /// could not start).
    pub disconnected: bool,
}

impl Backend {
    /// Starts the store thread on `data_dir`. `repaint` is called after every update.
    pub fn spawn(
        data_dir: PathBuf,
        demo_cases: usize,
        live_sync: Box<dyn LiveSync>,
        repaint: impl Fn() + Send + 'static,
    ) -> Backend {
        let (commands, command_rx) = std::sync::mpsc::channel();
        let (update_tx, updates) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("fengqiao-store".into())
            .spawn(move || {
                worker::run(
                    data_dir, demo_cases, live_sync, command_rx, update_tx, repaint,
                )
            });
        let disconnected = match spawned {
            Ok(_) => false,
            Err(e) => {
                tracing::error!("cannot start the store thread: {e}");
                true
            }
        };
        Backend {
            commands,
            updates,
            disconnected,
        }
    }

    /// Queues a command; never blocks.
    pub fn send(&mut self, command: Command) {
        if self.commands.send(command).is_err() {
            self.disconnected = true;
        }
    }

    /// Every update that has arrived; never blocks.
    pub fn drain(&mut self) -> Vec<Update> {
        let mut out = Vec::new();
        loop {
            match self.updates.try_recv() {
                Ok(update) => out.push(update),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.disconnected = true;
                    break;
                }
            }
        }
        out
    }
}
