//! The live (iroh) sync behind the 同步 view: what the sync crate remembers on disk
//! (the peer book, the sync settings, this device's key) and 「立即同步」 rounds run on a
//! background thread with their own tokio runtime, never on the UI or store thread.

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fengqiao_model::Role;
use fengqiao_store::{Store, now_cst};
use fengqiao_sync::{
    EnrolmentTicket, NodeOptions, PeerBook, RoundFailure, SyncError, SyncErrorKind, SyncNode,
    SyncSettings, device_addr, enrolment_open, offer_enrolment, pairing_ticket,
};

use crate::i18n::Key;
use crate::sync_seam::{
    EnrolmentOffer, EnrolmentRequest, EnrolmentState, JoinRequest, LiveSync, LiveSyncReport,
    PeerLink, PeerRole, PeerSyncState, RoundKind, ServerLink, SyncFailure, SyncRound,
};

/// How long one round with one peer may take.
pub const ROUND_BUDGET: Duration = Duration::from_secs(60);
/// How long 「立即同步」 looks for colleagues on the LAN first.
pub const DISCOVER_WINDOW: Duration = Duration::from_millis(1500);

/// How long this device stays reachable for a laptop it offered an enrolment to. The
/// ticket itself stays valid for a week (`fengqiao serve` or a later offer can take it).
pub const ENROL_WINDOW: Duration = Duration::from_secs(30 * 60);

/// Live sync over iroh, as the sync crate keeps it in the data directory.
#[derive(Debug, Default)]
pub struct IrohSync {
    /// Results of a running 「立即同步」, when one runs.
    running: Option<Receiver<SyncRound>>,
    /// The enrolment desk this session opened, when there is one.
    desk: Option<Desk>,
}

/// A background thread that keeps this device reachable for one offered enrolment.
#[derive(Debug)]
struct Desk {
    offer: Arc<Mutex<EnrolmentOffer>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Desk {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The words the UI uses for a failure of the sync crate.
pub fn failure_key(kind: SyncErrorKind) -> Key {
    match kind {
        SyncErrorKind::Io => Key::SyncErrIo,
        SyncErrorKind::BadSettings => Key::SyncErrSettings,
        SyncErrorKind::Bind => Key::SyncErrBind,
        SyncErrorKind::DialTimeout => Key::SyncErrTimeout,
        SyncErrorKind::Dial => Key::SyncErrDial,
        SyncErrorKind::NotEnrolled => Key::SyncErrNotEnrolled,
        SyncErrorKind::Refused => Key::SyncErrRefused,
        SyncErrorKind::BadTicket => Key::SyncErrBadTicket,
        SyncErrorKind::Enrolment => Key::SyncErrEnrolment,
        SyncErrorKind::Incomplete => Key::SyncErrIncomplete,
        SyncErrorKind::AlreadyInitialised => Key::SyncErrAlreadyInitialised,
        SyncErrorKind::Store => Key::SyncErrStore,
        SyncErrorKind::Task => Key::SyncErrTask,
    }
}

fn failure(e: &SyncError) -> SyncFailure {
    SyncFailure {
        why: failure_key(e.kind()),
        detail: e.to_string(),
    }
}

fn task_failure(detail: impl std::fmt::Display) -> SyncFailure {
    SyncFailure {
        why: Key::SyncErrTask,
        detail: detail.to_string(),
    }
}

fn runtime(name: &str) -> Result<tokio::runtime::Runtime, SyncFailure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(task_failure)
}

impl IrohSync {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a 「立即同步」 is still running.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }
}

fn peer_role(role: Role) -> PeerRole {
    match role {
        Role::Office => PeerRole::Office,
        Role::Township => PeerRole::Township,
        Role::Leader => PeerRole::Leader,
        Role::Admin => PeerRole::Admin,
        Role::Server => PeerRole::Server,
        Role::ReadOnly => PeerRole::ReadOnly,
    }
}

/// The peers, server and pairing ticket the data directory knows; `Err` says what could
/// not be read (in Chinese, as the sync crate writes it).
pub fn known(store: &Store, data_dir: &Path) -> Result<LiveSyncReport, String> {
    let book = PeerBook::load(store.data()).map_err(|e| e.to_string())?;
    let settings = SyncSettings::load(data_dir).map_err(|e| e.to_string())?;
    let table = store.access();
    let server_id = settings.server.as_ref().map(|s| s.id.to_string());
    let mut peers = Vec::new();
    for (id, record) in &book.peers {
        if Some(id) == server_id.as_ref() {
            continue;
        }
        let device = table.device(id);
        let (role, state) = match device {
            Some(d) if d.revoked => (peer_role(d.role), PeerSyncState::Revoked),
            Some(d) => (peer_role(d.role), PeerSyncState::Idle),
            None => (PeerRole::Unknown, PeerSyncState::NotEnrolled),
        };
        let name = if record.name.is_empty() {
            device
                .map(|d| d.name.clone())
                .unwrap_or_else(|| id.chars().take(10).collect())
        } else {
            record.name.clone()
        };
        peers.push(PeerLink {
            name,
            role,
            last_sync: record.last_sync,
            state,
            last_summary: record.last_summary.clone(),
        });
    }
    let server = settings.server.as_ref().map(|s| {
        let record = book.peers.get(&s.id.to_string());
        let address = if s.addrs.is_empty() {
            s.id.fmt_short().to_string()
        } else {
            s.addrs
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        ServerLink {
            address,
            last_sync: record.and_then(|r| r.last_sync),
            state: PeerSyncState::Idle,
        }
    });
    // The ticket names this device's key, the configured listen address when it names
    // one interface (otherwise peers find us by mDNS or the relay), and the relay.
    let addr = device_addr(store, &settings, &[]);
    Ok(LiveSyncReport {
        available: true,
        peers,
        server,
        ticket: Some(pairing_ticket(&addr)),
        rounds: Vec::new(),
        enrolment: None,
    })
}

impl LiveSync for IrohSync {
    fn report(&mut self, store: &Store) -> LiveSyncReport {
        let mut report = match known(store, store.data_dir()) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("读取同步设置失败：{e}");
                LiveSyncReport {
                    available: true,
                    ..Default::default()
                }
            }
        };
        report.enrolment = self
            .desk
            .as_ref()
            .map(|d| d.offer.lock().unwrap_or_else(|p| p.into_inner()).clone());
        if let Some(rx) = &self.running {
            loop {
                match rx.try_recv() {
                    Ok(round) => report.rounds.push(round),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.running = None;
                        break;
                    }
                }
            }
        }
        report
    }

    fn sync_now(&mut self, store: &Arc<Store>) {
        if self.running.is_some() {
            return;
        }
        let (tx, rx) = channel();
        let store = Arc::clone(store);
        let spawned = std::thread::Builder::new()
            .name("fengqiao-sync-round".into())
            .spawn(move || run_round(store, &tx));
        match spawned {
            Ok(_) => self.running = Some(rx),
            Err(e) => tracing::warn!("无法启动同步线程：{e}"),
        }
    }

    fn join(&mut self, data_dir: &Path, request: &JoinRequest) -> Result<Store, SyncFailure> {
        let ticket: EnrolmentTicket = request.ticket.parse().map_err(|e| failure(&e))?;
        let rt = runtime("fengqiao-enrol")?;
        rt.block_on(fengqiao_sync::enrol(
            data_dir,
            &ticket,
            request.device_name.trim(),
            request.person.trim(),
        ))
        .map_err(|e| failure(&e))
    }

    fn offer_enrolment(
        &mut self,
        store: &Arc<Store>,
        request: &EnrolmentRequest,
    ) -> Result<(), SyncFailure> {
        // One desk at a time: a new offer replaces (and closes) the last one.
        self.desk = None;
        let until = now_cst()
            + chrono::Duration::from_std(ENROL_WINDOW).unwrap_or(chrono::Duration::minutes(30));
        let offer = Arc::new(Mutex::new(EnrolmentOffer {
            ticket: String::new(),
            request: request.clone(),
            until,
            state: EnrolmentState::Opening,
        }));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let store = Arc::clone(store);
        let shared = Arc::clone(&offer);
        std::thread::Builder::new()
            .name("fengqiao-enrol-desk".into())
            .spawn(move || run_desk(store, &shared, stopped))
            .map_err(task_failure)?;
        self.desk = Some(Desk {
            offer,
            stop: Some(stop),
        });
        Ok(())
    }

    fn cancel_enrolment(&mut self) {
        if let Some(desk) = &mut self.desk
            && let Some(stop) = desk.stop.take()
        {
            let _ = stop.send(());
        }
    }
}

/// The enrolment desk's thread: bring up the endpoint, make the ticket naming where this
/// device can be reached, then wait until the ticket is used, the window ends or the
/// offer is cancelled.
fn run_desk(
    store: Arc<Store>,
    offer: &Mutex<EnrolmentOffer>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let set = |state: EnrolmentState| {
        offer.lock().unwrap_or_else(|p| p.into_inner()).state = state;
    };
    let request = offer
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .request
        .clone();
    let rt = match runtime("fengqiao-enrol-desk") {
        Ok(rt) => rt,
        Err(f) => return set(EnrolmentState::Failed(f)),
    };
    rt.block_on(async {
        let settings = match SyncSettings::load(store.data_dir()) {
            Ok(s) => s,
            Err(e) => return set(EnrolmentState::Failed(failure(&e))),
        };
        let mut options = NodeOptions::from_settings(&settings);
        let node = match SyncNode::start(Arc::clone(&store), options.clone()).await {
            Ok(node) => node,
            Err(_) => {
                // The configured port is held (e.g. by `fengqiao serve`): any free port
                // does, as the ticket names the port.
                options.listen.set_port(0);
                match SyncNode::start(Arc::clone(&store), options).await {
                    Ok(node) => node,
                    Err(e) => return set(EnrolmentState::Failed(failure(&e))),
                }
            }
        };
        let mut addr = node.addr();
        if let Some(relay) = &settings.relay {
            addr = addr.with_relay_url(relay.clone());
        }
        let made = {
            let store = Arc::clone(&store);
            let request = request.clone();
            tokio::task::spawn_blocking(move || {
                offer_enrolment(
                    &store,
                    addr,
                    request.role,
                    request.scope,
                    &request.device_name,
                )
            })
            .await
        };
        let ticket = match made {
            Ok(Ok(ticket)) => ticket,
            Ok(Err(e)) => {
                node.shutdown().await;
                return set(EnrolmentState::Failed(failure(&e)));
            }
            Err(e) => {
                node.shutdown().await;
                return set(EnrolmentState::Failed(task_failure(e)));
            }
        };
        {
            let mut o = offer.lock().unwrap_or_else(|p| p.into_inner());
            o.ticket = ticket.to_string();
            o.state = EnrolmentState::Waiting;
        }
        let window = tokio::time::sleep(ENROL_WINDOW);
        tokio::pin!(window);
        let outcome = loop {
            tokio::select! {
                _ = &mut stopped => break EnrolmentState::Closed,
                _ = &mut window => break EnrolmentState::Closed,
                _ = tokio::time::sleep(Duration::from_millis(300)) => {
                    match enrolment_open(&store, &ticket) {
                        Ok(true) => {}
                        Ok(false) => break EnrolmentState::Joined,
                        Err(e) => break EnrolmentState::Failed(failure(&e)),
                    }
                }
            }
        };
        if outcome == EnrolmentState::Joined {
            // Let the new laptop finish reading the directory before the endpoint closes.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        node.shutdown().await;
        set(outcome);
    });
}

fn failed(with: String, why: &RoundFailure) -> SyncRound {
    SyncRound {
        at: now_cst(),
        with,
        kind: RoundKind::LiveFailed,
        documents: 0,
        attachments: 0,
        bytes: 0,
        note: why.message.clone(),
        failure: Some(failure_key(why.kind)),
    }
}

/// One 「立即同步」: every remembered enrolled peer, the county server and what mDNS finds.
fn run_round(store: Arc<Store>, tx: &Sender<SyncRound>) {
    let data_dir = store.data_dir().to_path_buf();
    let settings = match SyncSettings::load(&data_dir) {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(failed(data_dir.display().to_string(), &e.into()));
            return;
        }
    };
    let mut opts = NodeOptions::from_settings(&settings);
    // A round need not hold the configured port (a `fengqiao serve` may hold it).
    opts.listen.set_port(0);
    let rt = match runtime("fengqiao-sync") {
        Ok(rt) => rt,
        Err(f) => {
            let why = RoundFailure {
                kind: SyncErrorKind::Task,
                message: f.detail,
            };
            let _ = tx.send(failed(String::new(), &why));
            return;
        }
    };
    rt.block_on(async {
        let node = match SyncNode::start(Arc::clone(&store), opts).await {
            Ok(n) => n,
            Err(e) => {
                let _ = tx.send(failed(String::new(), &e.into()));
                return;
            }
        };
        let outcomes = node
            .sync_all(&settings, Vec::new(), DISCOVER_WINDOW, ROUND_BUDGET)
            .await;
        match outcomes {
            Err(e) => {
                let _ = tx.send(failed(String::new(), &e.into()));
            }
            Ok(outcomes) => {
                for outcome in outcomes {
                    let short: String = outcome.peer.chars().take(10).collect();
                    let round = match outcome.result {
                        Ok(r) => SyncRound {
                            at: now_cst(),
                            with: if r.peer_name.is_empty() {
                                short
                            } else {
                                r.peer_name.clone()
                            },
                            kind: RoundKind::Live,
                            documents: r.documents,
                            attachments: r.blobs.fetched,
                            bytes: usize::try_from(r.bytes_sent + r.bytes_received)
                                .unwrap_or(usize::MAX),
                            note: r.summary(),
                            failure: None,
                        },
                        Err(e) => failed(short, &e),
                    };
                    if tx.send(round).is_err() {
                        break;
                    }
                }
            }
        }
        node.shutdown().await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use fengqiao_sync::PeerRecord;

    #[test]
    fn the_view_model_shows_the_peers_of_the_peer_book_and_none_without_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = crate::backend::create_demo_county(dir.path(), 0).expect("demo county");

        // No peer book yet: no peers, no server, but this device's ticket.
        let empty = known(&store, dir.path()).expect("nothing to read is no error");
        assert!(empty.peers.is_empty(), "invented peers: {:?}", empty.peers);
        assert_eq!(empty.server, None);
        let ticket = empty.ticket.expect("a pairing ticket");
        let parsed = fengqiao_sync::parse_pairing_ticket(&ticket).expect("a valid ticket");
        assert_eq!(parsed.id, store.device_public_key());

        // The peer book names an enrolled device (ours, in the demo directory) and a stranger.
        let device = store
            .devices()
            .expect("devices")
            .into_iter()
            .find(|d| !d.revoked)
            .expect("the demo directory enrols this device");
        let me = device.id.clone();
        let stranger = "07".repeat(32); // a key no directory enrols
        let mut book = PeerBook::default();
        book.peers.insert(
            me.clone(),
            PeerRecord {
                name: "城关镇笔记本".into(),
                last_sync: Some(now_cst()),
                last_summary: "与 城关镇笔记本 同步：3 个文档".into(),
                ..Default::default()
            },
        );
        book.peers.insert(stranger, PeerRecord::default());
        book.save(store.data()).expect("write the peer book");

        let report = known(&store, dir.path()).expect("peer book readable");
        assert_eq!(report.peers.len(), 2, "{:?}", report.peers);
        let peer = report
            .peers
            .iter()
            .find(|p| p.name == "城关镇笔记本")
            .expect("the enrolled peer is shown by name");
        assert_eq!(peer.role, peer_role(device.role));
        assert_eq!(peer.state, PeerSyncState::Idle);
        assert!(peer.last_sync.is_some());
        assert_eq!(peer.last_summary, "与 城关镇笔记本 同步：3 个文档");
        assert!(
            report
                .peers
                .iter()
                .any(|p| p.state == PeerSyncState::NotEnrolled && p.role == PeerRole::Unknown),
            "the stranger is shown as not enrolled: {:?}",
            report.peers
        );
        store.close();
    }
}
