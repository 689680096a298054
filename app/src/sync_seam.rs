//! The seam where live sync (iroh: LAN peers, the county server, pairing) plugs into the app.
//!
//! The store thread owns one [`LiveSync`] and asks it for its [`LiveSyncReport`] after every
//! command and every [`LIVE_SYNC_POLL`]; the 同步 view draws the [`SyncStatus`] it builds from
//! that report plus the bundle rounds of this session. The app runs with
//! [`crate::live::IrohSync`] (peers and server from the data directory, the pairing ticket,
//! 「立即同步」 in the background); [`NoLiveSync`] reports nothing (tests): the view then
//! shows no peers, no server and no ticket (never invented ones), and bundles work fully.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fengqiao_model::Role;
use fengqiao_store::Store;

use crate::i18n::Key;
use crate::vm::Stamp;

/// How often the store thread asks the live sync for news when nothing else happens.
pub const LIVE_SYNC_POLL: Duration = Duration::from_secs(2);

/// Live sync as the app sees it. Called on the store thread only, so it may block briefly
/// (it must not wait on the network: report what is known and return).
pub trait LiveSync: Send {
    /// What the live sync knows now: peers, server, ticket, finished rounds.
    fn report(&mut self, store: &fengqiao_store::Store) -> LiveSyncReport;

    /// Start one round with every known peer in the background (「立即同步」); its results
    /// arrive in later reports. Must return at once.
    fn sync_now(&mut self, _store: &Arc<Store>) {}

    /// First start: join the county with an enrolment ticket from the office, creating the
    /// data directory from what the office sends. Runs on the store thread before any store
    /// exists, so it may wait on the network (the ticket's office must answer).
    fn join(&mut self, _data_dir: &Path, _request: &JoinRequest) -> Result<Store, SyncFailure> {
        Err(SyncFailure::unavailable())
    }

    /// Offer a new laptop an enrolment: make a one-time ticket and keep this device
    /// reachable for it in the background until it is used, cancelled or the window ends.
    /// The offer and its state arrive in later reports.
    fn offer_enrolment(
        &mut self,
        _store: &Arc<Store>,
        _request: &EnrolmentRequest,
    ) -> Result<(), SyncFailure> {
        Err(SyncFailure::unavailable())
    }

    /// Stop waiting for the offered laptop (the ticket stays valid until it expires).
    fn cancel_enrolment(&mut self) {}
}

/// Why a live-sync action failed: a reason the UI translates, and the detail as the sync
/// crate gave it (Chinese first, the English gloss in brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFailure {
    pub why: Key,
    pub detail: String,
}

impl SyncFailure {
    /// No live sync in this build.
    pub fn unavailable() -> SyncFailure {
        SyncFailure {
            why: Key::SyncLiveOff,
            detail: String::new(),
        }
    }
}

/// Joining a county (first start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinRequest {
    /// The `fqenrol1…` ticket from the office.
    pub ticket: String,
    /// What this laptop is called in the directory, e.g. 港口镇信访办笔记本.
    pub device_name: String,
    /// Who uses it.
    pub person: String,
}

/// A new laptop this device enrols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRequest {
    pub device_name: String,
    pub role: Role,
    /// Townships it works in (township devices), empty for the whole county.
    pub scope: Vec<String>,
}

/// An enrolment this device has offered, as the 设置 view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentOffer {
    pub ticket: String,
    pub request: EnrolmentRequest,
    /// Until when this device waits for the laptop.
    pub until: Stamp,
    pub state: EnrolmentState,
}

/// Where an offered enrolment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrolmentState {
    /// Making the ticket and opening the network.
    Opening,
    /// Reachable; waiting for the laptop to present the ticket.
    Waiting,
    /// The laptop used the ticket and is in the directory.
    Joined,
    /// The waiting window ended (or was cancelled) without the laptop.
    Closed,
    Failed(SyncFailure),
}

/// No live sync in this build: nothing to report.
#[derive(Debug, Default)]
pub struct NoLiveSync;

impl LiveSync for NoLiveSync {
    fn report(&mut self, _store: &fengqiao_store::Store) -> LiveSyncReport {
        LiveSyncReport::default()
    }
}

/// What a live sync reports; `available` is false for [`NoLiveSync`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveSyncReport {
    pub available: bool,
    pub peers: Vec<PeerLink>,
    pub server: Option<ServerLink>,
    /// A pairing ticket to show as text and QR code, when one is open.
    pub ticket: Option<String>,
    /// Finished rounds since the last report.
    pub rounds: Vec<SyncRound>,
    /// The enrolment offered from this device, if any this session.
    pub enrolment: Option<EnrolmentOffer>,
}

/// The 同步 view's model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatus {
    /// Whether a live sync is plugged in.
    pub live_available: bool,
    pub peers: Vec<PeerLink>,
    pub server: Option<ServerLink>,
    pub ticket: Option<String>,
    /// What moved and when, newest first: bundle rounds and live rounds.
    pub rounds: Vec<SyncRound>,
    pub enrolment: Option<EnrolmentOffer>,
}

/// A laptop on the LAN (or met through the relay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerLink {
    pub name: String,
    pub role: PeerRole,
    pub last_sync: Option<Stamp>,
    pub state: PeerSyncState,
    /// What the last round with this peer moved (its summary, as the sync crate wrote it).
    pub last_summary: String,
}

/// What a peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerRole {
    Township,
    Office,
    Leader,
    Server,
    /// Runs the server; directory only.
    Admin,
    /// Inspection: read-only.
    ReadOnly,
    /// Not (or no longer) in the directory: its role is unknown here.
    Unknown,
}

/// Where the link to a peer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerSyncState {
    Connecting,
    Syncing,
    UpToDate,
    Unreachable,
    /// Enrolled and remembered; no round is running with it now.
    Idle,
    /// Remembered but not enrolled in the directory: rounds with it are refused.
    NotEnrolled,
    /// Its enrolment was revoked.
    Revoked,
    /// Refused, with the reason (e.g. not enrolled).
    Refused(String),
}

/// The county server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLink {
    pub address: String,
    pub last_sync: Option<Stamp>,
    pub state: PeerSyncState,
}

/// One exchange: with whom, which way, how much, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRound {
    pub at: Stamp,
    /// The peer's name, or the bundle file.
    pub with: String,
    pub kind: RoundKind,
    pub documents: usize,
    /// Attachments' bytes that arrived whole: the pages listing them are sent again.
    pub attachments: usize,
    pub bytes: usize,
    /// The round's summary, or the detail of why it failed.
    pub note: String,
    /// Why a failed round failed, translated by the view.
    pub failure: Option<Key>,
}

/// How a round moved data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundKind {
    BundleExported,
    BundleImported,
    PeerStateSaved,
    Live,
    /// A live round that failed (the note says why).
    LiveFailed,
}
