//! A device on the network: one iroh endpoint that accepts and dials samod connections,
//! admits only devices enrolled in the directory, and runs sync rounds.
//!
//! The endpoint uses iroh's `Minimal` preset: no n0 relays, no DNS or pkarr, no
//! portmapper. Peers are found by mDNS on the LAN, by remembered addresses, by tickets,
//! or through the configured county server and relay.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fengqiao_store::{AccessTable, DocName, Store};
use futures::FutureExt;
use futures::future::BoxFuture;
use iroh::address_lookup::MemoryLookup;
use iroh::endpoint::{
    AfterHandshakeOutcome, Connection, EndpointHooks, PortmapperConfig, WeakConnectionHandle,
    presets,
};
use iroh::protocol::{AcceptError, ProtocolHandler, Router};
use iroh::{Endpoint, EndpointAddr, EndpointId, RelayConfig, RelayMap, RelayMode, RelayUrl};
use samod::{BackoffConfig, DialError, DocHandle};
use serde::Serialize;
use tokio::sync::watch;

use crate::enrol::{ENROL_ALPN, EnrolmentDesk};
use crate::error::{SyncError, SyncErrorKind};
use crate::round::{gives_ours, only_refusable_left, open_documents, wait_exchanged};
use crate::settings::{PeerBook, SyncSettings};
use crate::transport::{ByteCounters, ChangeCheck, samod_transport};

/// The ALPN of Fengqiao's document sync (samod's protocol over one bi-stream).
pub const SYNC_ALPN: &[u8] = b"fengqiao/sync/1";

/// The certificates in the PEM file `path` (a relay's chain, or the authority it is
/// checked against); `Err` says why there are none, for the caller's error.
pub fn pem_certificates(
    path: &std::path::Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("文件中没有证书 (no certificate)".into());
    }
    Ok(certs)
}

/// The authority a county relay's TLS certificate is checked against.
fn relay_authority(
    path: &std::path::Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, SyncError> {
    pem_certificates(path).map_err(|reason| SyncError::BadSettings {
        path: path.to_owned(),
        reason: format!("中继证书颁发机构无法读取：{reason} (relay_ca)"),
    })
}

/// The mDNS service name, so Fengqiao laptops find each other and nothing else.
pub const MDNS_SERVICE: &str = "fengqiao1";

/// QUIC close code for a peer the directory does not admit.
const NOT_ENROLLED: u32 = 403;

/// QUIC close code and reason for a device the directory has revoked: distinct from
/// "not enrolled", so the dialing device can tell its user it was revoked
/// ([`SyncError::Revoked`]) rather than that it never belonged.
const REVOKED: u32 = 410;
const REVOKED_REASON: &[u8] = b"device revoked by the county";
/// How the reason shows in the dialing side's connection error.
const REVOKED_MARK: &str = "device revoked by the county";

/// The close code and reason for a device the table does not admit.
fn refusal(table: &AccessTable, device: &str) -> (u32, &'static [u8]) {
    match table.device(device) {
        Some(d) if d.revoked => (REVOKED, REVOKED_REASON),
        _ => (NOT_ENROLLED, b"device not enrolled in this county"),
    }
}

/// How long a stopping node gives each connected peer to take the changes it has not
/// acknowledged yet (see [`hand_over`]); a peer still busy after that gets them at the
/// next connection.
const HAND_OVER: Duration = Duration::from_secs(5);

/// How a node connects.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    pub listen: SocketAddr,
    /// The county relay; used only when direct paths fail, never waited for.
    pub relay: Option<RelayUrl>,
    /// A PEM file with the authority that signed the relay's certificate; the only one
    /// trusted for the relay when given (see [`SyncSettings::relay_ca`]).
    pub relay_ca: Option<PathBuf>,
    /// Advertise and look up peers on the LAN.
    pub mdns: bool,
    /// Only the relay, no direct UDP (tests of the relayed path).
    pub relay_only: bool,
    /// How long one dial may take before the peer counts as unreachable.
    pub dial_timeout: Duration,
}

impl NodeOptions {
    pub fn from_settings(settings: &SyncSettings) -> NodeOptions {
        NodeOptions {
            listen: settings.listen,
            relay: settings.relay.clone(),
            relay_ca: settings.relay_ca.clone(),
            mdns: settings.mdns,
            relay_only: false,
            dial_timeout: Duration::from_secs(8),
        }
    }

    /// Loopback only, no mDNS, no relay: for tests and for two processes on one machine.
    pub fn loopback() -> NodeOptions {
        NodeOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            relay: None,
            relay_ca: None,
            mdns: false,
            relay_only: false,
            dial_timeout: Duration::from_secs(5),
        }
    }
}

/// What one round with one peer did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundReport {
    pub peer: String,
    pub peer_name: String,
    /// Documents exchanged with the peer.
    pub documents: usize,
    /// Changes that arrived here.
    pub changes_received: usize,
    /// Changes the peer lacked that we offered it and it acknowledged (in documents that
    /// finished).
    pub changes_sent: usize,
    /// Changes offered in documents that did not finish: the peer may not have them.
    pub changes_unconfirmed: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub elapsed_ms: u64,
    /// Documents that had not finished when the round's time ran out.
    pub unfinished: Vec<String>,
    /// Changes the peer sent whose authors this device's directory does not let write
    /// their documents (each is logged by name); they were not applied.
    pub refused_changes: u64,
}

impl RoundReport {
    /// One line for people: what moved.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "与 {} 同步：{} 个文档，收到 {} 项更改，发出 {} 项更改（{} / {} 字节），用时 {} 毫秒",
            if self.peer_name.is_empty() {
                short(&self.peer)
            } else {
                self.peer_name.clone()
            },
            self.documents,
            self.changes_received,
            self.changes_sent,
            self.bytes_received,
            self.bytes_sent,
            self.elapsed_ms
        );
        if self.changes_unconfirmed > 0 {
            line.push_str(&format!(
                "；另有 {} 项更改已提供但对方未确认保存",
                self.changes_unconfirmed
            ));
        }
        if !self.unfinished.is_empty() {
            line.push_str(&format!("；未完成：{}", self.unfinished.join("、")));
        }
        if self.refused_changes > 0 {
            line.push_str(&format!(
                "；拒收 {} 项更改（作者无权写入该文档，详见日志）",
                self.refused_changes
            ));
        }
        line
    }
}

fn short(id: &str) -> String {
    id.chars().take(10).collect()
}

/// What a node has seen, for a server's metrics: sync sessions accepted from peers and
/// connections refused by the gate (unknown or revoked devices).
#[derive(Debug, Default)]
pub struct NodeStats {
    pub sessions: std::sync::atomic::AtomicU64,
    pub refused: std::sync::atomic::AtomicU64,
}

/// Live connections by peer, so a revocation can cut them at once.
#[derive(Debug, Default, Clone)]
struct LiveConnections(Arc<Mutex<HashMap<EndpointId, Vec<WeakConnectionHandle>>>>);

impl LiveConnections {
    fn add(&self, conn: &Connection) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(conn.remote_id()).or_default();
        list.retain(|w| w.upgrade().is_some());
        list.push(conn.weak_handle());
    }

    /// Peers with at least one open connection.
    fn connected(&self) -> usize {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.values()
            .filter(|handles| handles.iter().any(|w| w.upgrade().is_some()))
            .count()
    }

    /// Closes every connection of a peer the table no longer admits.
    fn cut_unadmitted(&self, table: &AccessTable) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|id, handles| {
            if table.enrolled(&id.to_string()).is_some() {
                return true;
            }
            let (code, reason) = refusal(table, &id.to_string());
            for conn in handles.iter().filter_map(|w| w.upgrade()) {
                tracing::warn!(peer = %id, "device revoked; closing its connection");
                conn.close(code.into(), reason);
            }
            false
        });
    }
}

/// Admits a connection only when the directory enrols the remote device (enrolment
/// itself excepted, which proves itself with a one-time token). An unknown device is
/// closed right after the handshake, before a single byte of any document.
#[derive(Debug, Clone)]
struct Gate {
    table: watch::Receiver<Arc<AccessTable>>,
    stats: Arc<NodeStats>,
}

impl EndpointHooks for Gate {
    async fn after_handshake<'a>(&'a self, conn: &'a Connection) -> AfterHandshakeOutcome {
        if conn.alpn() == ENROL_ALPN {
            return AfterHandshakeOutcome::accept();
        }
        let remote = conn.remote_id().to_string();
        if self.table.borrow().enrolled(&remote).is_some() {
            AfterHandshakeOutcome::accept()
        } else {
            tracing::warn!(peer = %remote, "refused a device the directory does not enrol");
            self.stats
                .refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (code, reason) = refusal(&self.table.borrow(), &remote);
            AfterHandshakeOutcome::Reject {
                error_code: code.into(),
                reason: reason.to_vec(),
            }
        }
    }
}

/// Picks the samod acceptor for an enrolled device's sync connection; `None` keeps it on
/// the node's own repo. The county server installs one that sends each township's
/// laptops to that township's shard, so no one repo sees every connection × document
/// (waking the shard first if it sleeps, hence a future).
pub type AcceptRoute = Arc<
    dyn Fn(
            &fengqiao_model::Device,
        ) -> futures::future::BoxFuture<'static, Option<samod::AcceptorHandle>>
        + Send
        + Sync,
>;

/// Hands accepted sync connections to samod.
#[derive(Clone)]
struct SyncProtocol {
    acceptor: samod::AcceptorHandle,
    route: Arc<Mutex<Option<AcceptRoute>>>,
    table: watch::Receiver<Arc<AccessTable>>,
    counters: Arc<ByteCounters>,
    check: ChangeCheck,
    live: LiveConnections,
    stats: Arc<NodeStats>,
}

impl SyncProtocol {
    async fn acceptor_for(&self, peer: &EndpointId) -> samod::AcceptorHandle {
        let route = self.route.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(route) = route {
            // The gate admitted the device a moment ago; a revocation in between is
            // cut by the watcher like any other live connection.
            let device = self.table.borrow().enrolled(&peer.to_string()).cloned();
            if let Some(device) = device
                && let Some(acceptor) = route(&device).await
            {
                return acceptor;
            }
        }
        self.acceptor.clone()
    }
}

impl std::fmt::Debug for SyncProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncProtocol")
    }
}

impl ProtocolHandler for SyncProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let (send, recv) = conn.accept_bi().await?;
        self.live.add(&conn);
        let peer = conn.remote_id();
        // Only the transport holds the connection; this handler watches it weakly.
        let weak = conn.weak_handle();
        let transport =
            samod_transport(conn, send, recv, self.counters.clone(), self.check.clone());
        self.acceptor_for(&peer)
            .await
            .accept(transport)
            .map_err(|_| AcceptError::from_err(std::io::Error::other("repo stopped")))?;
        self.stats
            .sessions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(%peer, "peer connected");
        let closed = weak.closed().await;
        tracing::info!(%peer, reason = ?closed, "peer disconnected");
        Ok(())
    }
}

/// Dials one peer for samod, which calls it again to reconnect with backoff.
struct IrohDialer {
    endpoint: Endpoint,
    addr: EndpointAddr,
    counters: Arc<ByteCounters>,
    check: ChangeCheck,
    live: LiveConnections,
    timeout: Duration,
    last_error: Arc<Mutex<Option<String>>>,
    /// Set when samod actually asks us to connect (see `SyncNode::dial_for_round`).
    attempted: Arc<AtomicBool>,
}

impl samod::Dialer for IrohDialer {
    type Error = Infallible;

    fn url(&self) -> url::Url {
        match format!("iroh://{}", self.addr.id).parse() {
            Ok(u) => u,
            Err(_) => unreachable!("a hex endpoint id makes a valid URL"),
        }
    }

    fn connect(&self) -> BoxFuture<'static, Result<samod::Transport, DialError<Infallible>>> {
        let endpoint = self.endpoint.clone();
        let addr = self.addr.clone();
        let counters = self.counters.clone();
        let check = self.check.clone();
        let live = self.live.clone();
        let timeout = self.timeout;
        let last_error = self.last_error.clone();
        self.attempted.store(true, Ordering::Release);
        async move {
            let note = |e: String| {
                *last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.clone());
                DialError::transient(std::io::Error::other(e))
            };
            let conn = match tokio::time::timeout(timeout, endpoint.connect(addr, SYNC_ALPN)).await
            {
                Err(_) => return Err(note(format!("{} 秒内无应答", timeout.as_secs()))),
                Ok(Err(e)) => return Err(note(e.to_string())),
                Ok(Ok(conn)) => conn,
            };
            let (send, recv) = match tokio::time::timeout(timeout, conn.open_bi()).await {
                Err(_) => return Err(note("打开数据流超时".into())),
                Ok(Err(e)) => return Err(note(e.to_string())),
                Ok(Ok(streams)) => streams,
            };
            live.add(&conn);
            Ok(samod_transport(conn, send, recv, counters, check))
        }
        .boxed()
    }
}

/// A device on the network.
pub struct SyncNode {
    store: Arc<Store>,
    endpoint: Endpoint,
    router: Router,
    lookup: MemoryLookup,
    mdns: Option<iroh_mdns_address_lookup::MdnsAddressLookup>,
    counters: Arc<ByteCounters>,
    check: ChangeCheck,
    live: LiveConnections,
    stats: Arc<NodeStats>,
    options: NodeOptions,
    book: Mutex<()>,
    watcher: tokio::task::JoinHandle<()>,
    route: Arc<Mutex<Option<AcceptRoute>>>,
}

impl std::fmt::Debug for SyncNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncNode")
            .field("id", &self.endpoint.id())
            .finish()
    }
}

impl SyncNode {
    /// Binds the endpoint and starts accepting peers. Call from within a tokio runtime.
    pub async fn start(store: Arc<Store>, options: NodeOptions) -> Result<SyncNode, SyncError> {
        let table = store.access_changes();
        let stats = Arc::new(NodeStats::default());
        let lookup = MemoryLookup::new();
        let mut builder = Endpoint::builder(presets::Minimal)
            .secret_key(store.device_secret_key().clone())
            .portmapper_config(PortmapperConfig::Disabled)
            .address_lookup(lookup.clone())
            .hooks(Gate {
                table: table.clone(),
                stats: stats.clone(),
            });
        builder = match &options.relay {
            Some(url) => builder.relay_mode(RelayMode::Custom(RelayMap::from(RelayConfig::new(
                url.clone(),
                None,
            )))),
            None => builder.relay_mode(RelayMode::Disabled),
        };
        if let Some(path) = &options.relay_ca {
            builder =
                builder.ca_tls_config(iroh::tls::CaTlsConfig::custom_roots(relay_authority(path)?));
        }
        builder = builder.clear_ip_transports();
        if !options.relay_only {
            builder = builder
                .bind_addr(options.listen)
                .map_err(|e| SyncError::Bind {
                    addr: options.listen.to_string(),
                    reason: e.to_string(),
                })?;
        }
        let endpoint = builder.bind().await.map_err(|e| SyncError::Bind {
            addr: options.listen.to_string(),
            reason: e.to_string(),
        })?;
        let mdns = if options.mdns {
            match iroh_mdns_address_lookup::MdnsAddressLookup::builder()
                .service_name(MDNS_SERVICE)
                .build(endpoint.id())
            {
                Ok(m) => {
                    if let Ok(services) = endpoint.address_lookup() {
                        services.add(m.clone());
                    }
                    Some(m)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "LAN discovery (mDNS) unavailable");
                    None
                }
            }
        } else {
            None
        };
        let counters = Arc::new(ByteCounters::default());
        let check = ChangeCheck::new(&store);
        let live = LiveConnections::default();
        let acceptor = store
            .repo()
            .make_acceptor(
                format!("iroh://{}", endpoint.id())
                    .parse()
                    .map_err(|_| SyncError::Task("endpoint id is not a valid URL host".into()))?,
            )
            .map_err(|_| SyncError::Task("repo stopped".into()))?;
        let desk = EnrolmentDesk::new(store.clone());
        let route: Arc<Mutex<Option<AcceptRoute>>> = Arc::new(Mutex::new(None));
        let router = Router::builder(endpoint.clone())
            .accept(
                SYNC_ALPN,
                SyncProtocol {
                    acceptor,
                    route: route.clone(),
                    table: table.clone(),
                    counters: counters.clone(),
                    check: check.clone(),
                    live: live.clone(),
                    stats: stats.clone(),
                },
            )
            .accept(ENROL_ALPN, desk)
            .accept(
                crate::repair::REPAIR_ALPN,
                crate::repair::RepairDesk::new(store.clone()),
            )
            .spawn();
        let watcher = {
            let live = live.clone();
            let mut table = table;
            tokio::spawn(async move {
                while table.changed().await.is_ok() {
                    let current = table.borrow_and_update().clone();
                    live.cut_unadmitted(&current);
                }
            })
        };
        tracing::info!(id = %endpoint.id(), addrs = ?endpoint.addr().ip_addrs().collect::<Vec<_>>(), "sync endpoint up");
        Ok(SyncNode {
            store,
            endpoint,
            router,
            lookup,
            mdns,
            counters,
            check,
            live,
            stats,
            options,
            book: Mutex::new(()),
            watcher,
            route,
        })
    }

    pub fn id(&self) -> EndpointId {
        self.endpoint.id()
    }

    /// Where peers can reach this device now (direct addresses, and the relay when it is
    /// connected).
    pub fn addr(&self) -> EndpointAddr {
        self.endpoint.addr()
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Bytes sent and received by this node so far.
    pub fn bytes(&self) -> (u64, u64) {
        self.counters.snapshot()
    }

    /// Sessions accepted and connections refused so far.
    pub fn stats(&self) -> &NodeStats {
        &self.stats
    }

    /// Sends accepted sync connections where `route` says (see [`AcceptRoute`]); `None`
    /// keeps every connection on the node's own repo, as a laptop's node does.
    pub fn set_accept_route(&self, route: Option<AcceptRoute>) {
        *self.route.lock().unwrap_or_else(|p| p.into_inner()) = route;
    }

    /// Devices connected to this node now.
    pub fn connected_peers(&self) -> usize {
        self.live.connected()
    }

    /// Subscribes to mDNS and remembers every enrolled device it announces.
    pub async fn discover(&self, window: Duration) -> Vec<EndpointAddr> {
        let Some(mdns) = &self.mdns else {
            return Vec::new();
        };
        use futures::StreamExt;
        let mut events = mdns.subscribe().await;
        let table = self.store.access();
        let mut found = BTreeMap::new();
        let deadline = tokio::time::Instant::now() + window;
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.next()).await {
            if let iroh_mdns_address_lookup::DiscoveryEvent::Discovered { endpoint_info, .. } =
                event
            {
                let id = endpoint_info.endpoint_id;
                if id != self.id() && table.enrolled(&id.to_string()).is_some() {
                    let addr = EndpointAddr::from(endpoint_info);
                    self.lookup.add_endpoint_info(addr.clone());
                    found.insert(id, addr);
                }
            }
        }
        found.into_values().collect()
    }

    /// Loads every document this device holds or may hold, so samod offers them on every
    /// connection; creates those it may hold but has not seen yet from their genesis.
    async fn open_documents(&self) -> Result<Vec<(DocName, DocHandle)>, SyncError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || open_documents(&store)).await?
    }

    /// One sync round with `peer`: connect, exchange every document both sides may
    /// share until each side has the other's changes, record what the peer now has.
    pub async fn sync_with(
        &self,
        peer: EndpointAddr,
        budget: Duration,
    ) -> Result<RoundReport, SyncError> {
        let started = Instant::now();
        let peer_key = peer.id.to_string();
        let table = self.store.access();
        let me = self.store.identity().device_id.clone();
        let Some(peer_device) = table.enrolled(&peer_key).cloned() else {
            return Err(SyncError::NotEnrolled { peer: peer_key });
        };
        if !peer.addrs.is_empty() {
            self.lookup.add_endpoint_info(peer.clone());
        }
        let (sent0, received0) = self.counters.snapshot();
        let refused0 = self.check.refused();
        let mut docs = self.open_documents().await?;
        let before: HashMap<DocName, Vec<automerge::ChangeHash>> = docs
            .iter()
            .map(|(n, h)| (n.clone(), h.with_document(|d| d.get_heads())))
            .collect();

        tracing::debug!(elapsed = ?started.elapsed(), documents = docs.len(), "round: documents open");
        let (dialer, conn) = self.dial_for_round(&peer).await?;

        tracing::debug!(elapsed = ?started.elapsed(), "round: connected");
        let deadline = tokio::time::Instant::now() + budget;
        let mut waited: HashSet<DocName> = HashSet::new();
        let mut unfinished = Vec::new();
        // Documents named in a directory received this round are opened and exchanged in
        // the next pass, until a pass finds nothing new.
        for _pass in 0..4 {
            let pending: Vec<(DocName, DocHandle)> = docs
                .iter()
                .filter(|(n, _)| !waited.contains(n))
                .cloned()
                .collect();
            if pending.is_empty() {
                break;
            }
            let waits = pending.iter().map(|(name, handle)| {
                let theirs = table.access(&peer_key, name);
                let ours = table.access(&me, name);
                let (name_for_check, me_for_check) = (name.clone(), me.clone());
                let store = self.store.clone();
                let refusable = move |h: &DocHandle| {
                    only_refusable_left(h, conn, &store.access(), &name_for_check, &me_for_check)
                };
                wait_exchanged(handle.clone(), conn, theirs, ours, refusable)
                    .map(|done| (name.clone(), done))
            });
            match tokio::time::timeout_at(deadline, futures::future::join_all(waits)).await {
                Ok(results) => {
                    unfinished.extend(
                        results
                            .into_iter()
                            .filter(|(_, ok)| !ok)
                            .map(|(n, _)| n.to_string()),
                    );
                }
                Err(_) => {
                    unfinished.extend(pending.iter().map(|(n, _)| n.to_string()));
                    break;
                }
            }
            waited.extend(pending.into_iter().map(|(n, _)| n));
            docs = self.open_documents().await?;
        }

        tracing::debug!(elapsed = ?started.elapsed(), "round: documents exchanged");
        // What the peer has now, for bundles and the next report: the heads it
        // acknowledged (as each document saw it; the hub's summary can lag), or failing
        // that the heads it last advertised.
        let mut their_heads: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, handle) in &docs {
            let (states, _) = handle.peers();
            if let Some(state) = states.get(&conn)
                && let Some(heads) = state.shared_heads.as_ref().or(state.their_heads.as_ref())
                && !heads.is_empty()
            {
                their_heads.insert(
                    name.to_string(),
                    heads.iter().map(|h| h.to_string()).collect(),
                );
            }
        }
        dialer.close();

        let mut changes_received = 0;
        let mut changes_sent = 0;
        let mut changes_unconfirmed = 0;
        let previous = PeerBook::load(self.store.data_dir())
            .ok()
            .and_then(|b| b.peers.get(&peer_key).cloned())
            .unwrap_or_default();
        for (name, handle) in &docs {
            let empty = Vec::new();
            let old = before.get(name).unwrap_or(&empty);
            // Metadata only: `get_changes` re-encodes every change from the op set, which
            // costs more than the round itself on a busy document.
            changes_received += handle.with_document(|d| d.get_changes_meta(old).len());
            // What we offered: our changes past the heads the peer had last time.
            let peer_had: Vec<automerge::ChangeHash> = previous
                .heads
                .get(&name.to_string())
                .map(|hs| hs.iter().filter_map(|h| h.parse().ok()).collect())
                .unwrap_or_default();
            if table.access(&peer_key, name).can_read() {
                // Only a finished document's changes are known to be with the peer.
                let count = if unfinished.contains(&name.to_string()) {
                    &mut changes_unconfirmed
                } else {
                    &mut changes_sent
                };
                *count += handle.with_document(|d| {
                    let known: Vec<_> = peer_had
                        .iter()
                        .filter(|h| d.get_change_meta_by_hash(h).is_some())
                        .copied()
                        .collect();
                    let ours = d.get_changes_meta(old).len();
                    d.get_changes_meta(&known).len().saturating_sub(ours)
                });
            }
        }
        let (sent1, received1) = self.counters.snapshot();
        let report = RoundReport {
            peer: peer_key.clone(),
            peer_name: peer_device.name.clone(),
            documents: waited.len(),
            changes_received,
            changes_sent,
            changes_unconfirmed,
            bytes_sent: sent1 - sent0,
            bytes_received: received1 - received0,
            elapsed_ms: started.elapsed().as_millis() as u64,
            unfinished,
            refused_changes: self.check.refused() - refused0,
        };
        self.record_round(&peer, &peer_device.name, their_heads, &report)?;
        self.attest().await;
        tracing::info!("{}", report.summary());
        Ok(report)
    }

    /// Signs the heads of every document with this device's key, so `fengqiao verify`
    /// can later show what this device held when it synced. A failure is logged, not
    /// fatal: the round itself succeeded.
    async fn attest(&self) {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || store.attest_heads()).await {
            Ok(Ok(n)) => tracing::debug!(documents = n, "heads attested"),
            Ok(Err(e)) => tracing::warn!(error = %e, "could not attest document heads"),
            Err(e) => tracing::warn!(error = %e, "attestation task failed"),
        }
    }

    fn record_round(
        &self,
        peer: &EndpointAddr,
        name: &str,
        heads: BTreeMap<String, Vec<String>>,
        report: &RoundReport,
    ) -> Result<(), SyncError> {
        let _guard = self.book.lock().unwrap_or_else(|p| p.into_inner());
        let dir = self.store.data_dir();
        let mut book = PeerBook::load(dir)?;
        book.remember_addr(peer);
        let record = book.peers.entry(peer.id.to_string()).or_default();
        record.name = name.to_owned();
        let now = fengqiao_store::now_cst();
        record.last_seen = Some(now);
        if report.unfinished.is_empty() {
            record.last_sync = Some(now);
        }
        record.last_summary = report.summary();
        record.heads.extend(heads);
        book.save(dir)
    }

    /// Our samod dialer to `peer`; it records why a connect failed in `last_error` and
    /// that samod asked it to connect at all in `attempted`.
    fn iroh_dialer(
        &self,
        peer: EndpointAddr,
        last_error: Arc<Mutex<Option<String>>>,
        attempted: Arc<AtomicBool>,
    ) -> Arc<IrohDialer> {
        Arc::new(IrohDialer {
            endpoint: self.endpoint.clone(),
            addr: peer,
            counters: self.counters.clone(),
            check: self.check.clone(),
            live: self.live.clone(),
            timeout: self.options.dial_timeout,
            last_error,
            attempted,
        })
    }

    /// Dials `peer` for one round: a connected dialer and its connection.
    ///
    /// Each attempt is a samod dialer that does not retry by itself, because samod 0.16
    /// may send a new dialer's first attempt to its IO loop before it has registered the
    /// dialer; that attempt fails without ever calling our [`IrohDialer`], and samod's own
    /// retry would wait for its next 100 ms tick (in the resync bench a third of the
    /// round). Such an attempt is made again at once; a real failure (our dialer ran and
    /// the network said no) backs off as before, within `dial_timeout × 4` in all.
    async fn dial_for_round(
        &self,
        peer: &EndpointAddr,
    ) -> Result<(samod::DialerHandle, samod::ConnectionId), SyncError> {
        let peer_key = peer.id.to_string();
        let within = self.options.dial_timeout * 4;
        let deadline = tokio::time::Instant::now() + within;
        let mut backoff = Duration::from_millis(200);
        let mut reason = None;
        let mut unregistered = 0;
        loop {
            let last_error = Arc::new(Mutex::new(None));
            let attempted = Arc::new(AtomicBool::new(false));
            let dialer = self
                .store
                .repo()
                .dial(
                    BackoffConfig {
                        initial_delay: fengqiao_store::FIRST_DIAL_RETRY,
                        max_delay: Duration::from_secs(2),
                        max_retries: Some(0),
                    },
                    self.iroh_dialer(peer.clone(), last_error.clone(), attempted.clone()),
                )
                .map_err(|_| SyncError::Task("repo stopped".into()))?;
            let outcome = tokio::time::timeout_at(deadline, dialer.established()).await;
            if let (Ok(Ok(_)), Some(conn)) = (&outcome, dialer.connection_id()) {
                return Ok((dialer, conn));
            }
            dialer.close();
            if outcome.is_err() {
                return Err(SyncError::DialTimeout {
                    peer: peer_key,
                    seconds: within.as_secs(),
                });
            }
            if let Some(e) = last_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
                if e.contains(REVOKED_MARK) {
                    return Err(SyncError::Revoked { peer: peer_key });
                }
                if e.contains("not enrolled") || e.contains("403") {
                    return Err(SyncError::Refused { reason: e });
                }
                reason = Some(e);
            }
            if !attempted.load(Ordering::Acquire) && unregistered < 20 {
                // samod's race, not the network: again at once.
                unregistered += 1;
                tracing::debug!(peer = %peer_key, "samod dropped the dial before it began; dialling again");
                continue;
            }
            let now = tokio::time::Instant::now();
            if now + backoff >= deadline {
                return Err(SyncError::Dial {
                    peer: peer_key,
                    reason: reason.unwrap_or_else(|| "对方无应答".into()),
                });
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }

    /// Keeps a live connection to `peer` (reconnecting with backoff) for continuous sync.
    pub fn keep_connected(&self, peer: EndpointAddr) -> Result<samod::DialerHandle, SyncError> {
        if !peer.addrs.is_empty() {
            self.lookup.add_endpoint_info(peer.clone());
        }
        self.store
            .repo()
            .dial(
                BackoffConfig {
                    initial_delay: fengqiao_store::FIRST_DIAL_RETRY,
                    max_delay: Duration::from_secs(30),
                    max_retries: None,
                },
                self.iroh_dialer(peer, Arc::default(), Arc::default()),
            )
            .map_err(|_| SyncError::Task("repo stopped".into()))
    }

    /// Serves until `stop` resolves: every document stays open (so changes flow to
    /// connected peers as they are made), documents named later are opened as the
    /// directory lists them, and configured peers are kept connected.
    pub async fn serve(
        &self,
        peers: Vec<EndpointAddr>,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), SyncError> {
        let mut _held = self.open_documents().await?;
        let mut dialers = Vec::new();
        for peer in peers {
            let id = peer.id.to_string();
            dialers.push((id, self.keep_connected(peer)?));
        }
        let mut table = self.store.access_changes();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                changed = table.changed() => {
                    if changed.is_err() { break; }
                    _held = self.open_documents().await?;
                }
                _ = tokio::time::sleep(Duration::from_secs(5)) => {
                    // Documents received from peers that were not listed yet.
                    _held = self.open_documents().await?;
                }
            }
        }
        // Changes made just before the stop may not have reached the peers yet.
        match self.open_documents().await {
            Ok(held) => self.hand_over_all(&dialers, &held).await,
            Err(e) => tracing::warn!(error = %e, "could not open the documents to hand over"),
        }
        for (_, d) in dialers {
            d.close();
        }
        self.attest().await;
        Ok(())
    }

    /// Gives each connected peer of `dialers` (peer id, dialer) up to [`HAND_OVER`] to
    /// acknowledge our changes to the documents of `held` it may take.
    async fn hand_over_all(
        &self,
        dialers: &[(String, samod::DialerHandle)],
        held: &[(DocName, DocHandle)],
    ) {
        let table = self.store.access();
        let me = &self.store.identity().device_id;
        let waits = dialers
            .iter()
            .filter(|(_, d)| d.is_connected())
            .map(|(peer, dialer)| {
                let theirs: Vec<DocHandle> = held
                    .iter()
                    .filter(|(name, _)| {
                        gives_ours(table.access(me, name), table.access(peer, name))
                    })
                    .map(|(_, h)| h.clone())
                    .collect();
                async move {
                    if !hand_over(dialer, &theirs, HAND_OVER).await {
                        tracing::warn!(%peer, "peer had not taken our last changes at the stop");
                    }
                }
            });
        futures::future::join_all(waits).await;
    }

    /// Stops accepting, closes connections, and lets the endpoint say goodbye.
    pub async fn shutdown(self) {
        self.watcher.abort();
        if let Err(e) = self.router.shutdown().await {
            tracing::warn!(error = %e, "router did not shut down cleanly");
        }
    }
}

/// Waits (up to `within`) until the peer behind `dialer` has acknowledged every change
/// of `handles`, following the dialer to its next connection if one drops; returns
/// whether it got there. Call before closing a connection on which changes were made.
///
/// Why: automerge sends a change only once the peer's reply says what it lacks, so a
/// change made shortly before leaving often goes out a round trip late, and a busy peer
/// (the county server under load answers seconds late) may not have read it yet when the
/// connection closes; QUIC then discards it unread, and the peer learns of it only at
/// the next connection. Holding everything the peer has says nothing about the peer
/// holding what we have. Pass only documents the peer may take, or this waits in vain.
pub async fn hand_over(
    dialer: &samod::DialerHandle,
    handles: &[DocHandle],
    within: Duration,
) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return false;
        }
        match dialer.connection_id() {
            Some(conn) => {
                let all = futures::future::join_all(
                    handles.iter().map(|h| h.they_have_our_changes(conn)),
                );
                // On a connection that dropped these never resolve: look again at the
                // dialer every second.
                let window = deadline.min(now + Duration::from_secs(1));
                if tokio::time::timeout_at(window, all).await.is_ok() {
                    return true;
                }
            }
            None => {
                tokio::time::sleep_until(deadline.min(now + Duration::from_millis(50))).await;
            }
        }
    }
}

/// Opens (or creates from genesis) every document this device may hold.
/// The data directory's peers, for `fengqiao peers`.
pub fn known_peers(data_dir: &std::path::Path) -> Result<PeerBook, SyncError> {
    PeerBook::load(data_dir)
}

/// Where this device can be reached, for a pairing ticket: its key, `extra` addresses
/// (e.g. this machine's LAN addresses), the configured listen address when it names one
/// interface, and the county relay.
pub fn device_addr(
    store: &Store,
    settings: &SyncSettings,
    extra: &[std::net::SocketAddr],
) -> EndpointAddr {
    let mut addr = EndpointAddr::new(store.device_public_key());
    for a in extra {
        addr = addr.with_ip_addr(*a);
    }
    if extra.is_empty() && !settings.listen.ip().is_unspecified() {
        addr = addr.with_ip_addr(settings.listen);
    }
    if let Some(relay) = &settings.relay {
        addr = addr.with_relay_url(relay.clone());
    }
    addr
}

/// Every peer worth dialling from what this device remembers: the county server first,
/// then each enrolled (unrevoked) peer of the peer book at its last known address.
pub fn remembered_peers(
    store: &Store,
    settings: &SyncSettings,
) -> Result<Vec<EndpointAddr>, SyncError> {
    let book = PeerBook::load(store.data_dir())?;
    let table = store.access();
    let mut out: Vec<EndpointAddr> = Vec::new();
    if let Some(server) = &settings.server {
        out.push(server.endpoint_addr());
    }
    for (id, record) in &book.peers {
        let Ok(id) = id.parse::<EndpointId>() else {
            continue;
        };
        if table.enrolled(&id.to_string()).is_some() && !out.iter().any(|a| a.id == id) {
            out.push(record.endpoint_addr(id));
        }
    }
    Ok(out)
}

/// How a round with one peer ended.
#[derive(Debug, Clone)]
pub struct PeerOutcome {
    /// The peer's id (hex).
    pub peer: String,
    pub result: Result<RoundReport, RoundFailure>,
}

/// Why a round with one peer failed: its kind, and the full message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundFailure {
    pub kind: SyncErrorKind,
    pub message: String,
}

impl std::fmt::Display for RoundFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<SyncError> for RoundFailure {
    fn from(e: SyncError) -> Self {
        RoundFailure {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl SyncNode {
    /// One round with every reachable peer: `targets` (or, when empty, the remembered
    /// peers and the county server), then whoever mDNS finds within `discover`.
    pub async fn sync_all(
        &self,
        settings: &SyncSettings,
        targets: Vec<EndpointAddr>,
        discover: Duration,
        budget: Duration,
    ) -> Result<Vec<PeerOutcome>, SyncError> {
        let mut targets = if targets.is_empty() {
            let mut t = remembered_peers(&self.store, settings)?;
            for found in self.discover(discover).await {
                if !t.iter().any(|a| a.id == found.id) {
                    t.push(found);
                }
            }
            t
        } else {
            targets
        };
        targets.dedup_by_key(|a| a.id);
        let mut outcomes = Vec::new();
        for target in targets {
            let peer = target.id.to_string();
            let result = self
                .sync_with(target, budget)
                .await
                .map_err(RoundFailure::from);
            outcomes.push(PeerOutcome { peer, result });
        }
        Ok(outcomes)
    }
}

/// Resolves on Ctrl-C or SIGTERM: an always-on peer (`fengqiao serve`, the county server)
/// stops serving then, and its writes finish before the process exits.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
