//! The seam where live sync (iroh: LAN peers, the county server, pairing) plugs into the app.
//!
//! The store thread owns one [`LiveSync`] and asks it for its [`LiveSyncReport`] after every
//! command and every [`LIVE_SYNC_POLL`]; the 同步 view draws the [`SyncStatus`] it builds from
//! that report plus the bundle rounds of this session. Until `fengqiao-sync` has its iroh
//! transport, the app runs with [`NoLiveSync`], which reports nothing: the view then shows
//! no peers, no server and no ticket (never invented ones), and bundles work fully.
//!
//! To plug the live sync in: implement [`LiveSync`] for the sync crate's handle (started
//! with the store's repo) and pass it to [`crate::backend::Backend::spawn`] in `main.rs`.

use std::time::Duration;

use crate::vm::Stamp;

/// How often the store thread asks the live sync for news when nothing else happens.
pub const LIVE_SYNC_POLL: Duration = Duration::from_secs(2);

/// Live sync as the app sees it. Called on the store thread only, so it may block briefly
/// (it must not wait on the network: report what is known and return).
pub trait LiveSync: Send {
    /// What the live sync knows now: peers, server, ticket, finished rounds.
    fn report(&mut self, store: &fengqiao_store::Store) -> LiveSyncReport;
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
}

/// A laptop on the LAN (or met through the relay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerLink {
    pub name: String,
    pub role: PeerRole,
    pub last_sync: Option<Stamp>,
    pub state: PeerSyncState,
}

/// What a peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerRole {
    Township,
    Office,
    Leader,
    Server,
}

/// Where the link to a peer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerSyncState {
    Connecting,
    Syncing,
    UpToDate,
    Unreachable,
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
    pub bytes: usize,
}

/// How a round moved data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundKind {
    BundleExported,
    BundleImported,
    PeerStateSaved,
    Live,
}
