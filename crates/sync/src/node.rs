//! A device on the network: one iroh endpoint that accepts and dials samod connections,
//! admits only devices enrolled in the directory, and runs sync rounds.
//!
//! The endpoint uses iroh's `Minimal` preset: no n0 relays, no DNS or pkarr, no
//! portmapper. Peers are found by mDNS on the LAN, by remembered addresses, by tickets,
//! or through the configured county server and relay.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fengqiao_store::{AccessTable, Store};
use iroh::address_lookup::MemoryLookup;
use iroh::endpoint::{Connection, PortmapperConfig, presets};
use iroh::protocol::{AcceptError, ProtocolHandler, Router};
use iroh::{Endpoint, EndpointAddr, EndpointId, RelayConfig, RelayMap, RelayMode, RelayUrl};
use tokio::sync::watch;

use crate::enrol::{ENROL_ALPN, EnrolmentDesk};
use crate::error::SyncError;
use crate::settings::SyncSettings;
use crate::transport::{ByteCounters, ChangeCheck, samod_transport};

mod dial;
mod exchange;
mod gate;
mod peers;
mod report;
mod rounds;
mod serve;

use gate::{Gate, LiveConnections};
pub use peers::{device_addr, local_ip_addrs, remembered_peers};
pub use report::{PeerOutcome, RoundFailure, RoundReport};
pub use serve::{hand_over, shutdown_signal};

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

/// What a node has seen, for a server's metrics: sync sessions accepted from peers and
/// connections refused by the gate (unknown or revoked devices).
#[derive(Debug, Default)]
pub struct NodeStats {
    pub sessions: std::sync::atomic::AtomicU64,
    pub refused: std::sync::atomic::AtomicU64,
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
    blob_sources: crate::blobs::Sources,
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
        let blob_sources = crate::blobs::Sources::new(store.clone());
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
            .accept(
                crate::confidential::HANDOVER_ALPN,
                crate::confidential::HandoverDesk::new(store.clone()),
            )
            .accept(
                crate::blobs::BLOB_ALPN,
                crate::blobs::BlobDesk::new(store.clone(), blob_sources.clone()),
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
            blob_sources,
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

    /// Serves attachments' bytes from `source` instead of the store (`None`: the store
    /// again). For tests of the asking side against a peer that serves wrong or cut bytes;
    /// the rules of who may have what are the source's to apply.
    pub fn set_blob_source(&self, source: Option<Arc<dyn crate::blobs::BlobSource>>) {
        self.blob_sources.set(source);
    }

    /// Asks `peer` directly for the given blobs (hash and the size the record says, 0 if
    /// not known), outside a round: what a device would get by knowing a hash. Offers
    /// nothing in return.
    pub async fn fetch_blobs(
        &self,
        peer: EndpointAddr,
        wanted: Vec<(fengqiao_store::blobs::BlobHash, u64)>,
        budget: Duration,
    ) -> Result<crate::blobs::BlobReport, SyncError> {
        if !peer.addrs.is_empty() {
            self.lookup.add_endpoint_info(peer.clone());
        }
        crate::blobs::exchange(
            &self.endpoint,
            &self.blob_sources,
            &self.store,
            &peer,
            Some(wanted),
            tokio::time::Instant::now() + budget,
            self.options.dial_timeout,
        )
        .await
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
}
