//! The running server: the store, the sync node (iroh), the relay, the admin HTTP port
//! and the optional WebSocket listener, started together and stopped in order.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::{Context, Result};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use fengqiao_store::Store;
use fengqiao_sync::{NodeOptions, SyncNode};
use iroh::{EndpointAddr, RelayUrl};
use serde::Deserialize;

use crate::config::Config;
use crate::feeds_web::FeedsWeb;
use crate::intake_web::IntakeWeb;
use crate::metrics::{self, ServerCounters, Snapshot};
use crate::ops::{self, EnrolRequest, OpsError};
use crate::shards::Shards;
use crate::websocket::WebSocketListener;

/// A started server. Drive it with [`Server::wait`] or stop it with [`Server::shutdown`].
pub struct Server {
    shared: Arc<Shared>,
    node_task: tokio::task::JoinHandle<()>,
    stop_node: tokio::sync::oneshot::Sender<()>,
    admin: crate::http::HttpTask,
    websocket: Option<WebSocketListener>,
    intake: Option<IntakeWeb>,
    feeds: Option<FeedsWeb>,
    relay: Option<iroh_relay::server::Server>,
    pub admin_addr: SocketAddr,
    pub websocket_addr: Option<SocketAddr>,
    /// Where the online intake form listens, when enabled.
    pub intake_addr: Option<SocketAddr>,
    /// Where the calendar feeds listen, when enabled.
    pub feeds_addr: Option<SocketAddr>,
    pub relay_url: Option<RelayUrl>,
}

/// What the admin handlers share with the server.
struct Shared {
    store: Arc<Store>,
    node: tokio::sync::RwLock<Option<SyncNode>>,
    counters: Arc<ServerCounters>,
    started: Instant,
    token: String,
    config: Config,
    /// Where enrolment tickets tell laptops to find this server.
    ticket_addr: EndpointAddr,
    websocket_addr: Option<SocketAddr>,
    websocket_connected: Box<dyn Fn() -> usize + Send + Sync>,
    /// The township shards, when `sync.shards` is on (taken at shutdown).
    shards: std::sync::Mutex<Option<Shards>>,
}

fn as_relay_url(url: &url::Url) -> Result<RelayUrl> {
    url.as_str()
        .parse()
        .with_context(|| format!("relay URL {url}"))
}

impl Server {
    /// Opens the data directory and starts every part the config enables.
    pub async fn start(config: Config) -> Result<Server> {
        let data_dir = config.data_dir.clone();
        let store = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || config.open_store())
                .await?
                .with_context(|| {
                    format!(
                        "打开数据目录 {}（新服务器请先运行 init）",
                        data_dir.display()
                    )
                })?
        };
        store.keep_superseded_snapshots(config.snapshots.keep);
        let store = Arc::new(store);
        if store.identity().role != fengqiao_model::Role::Server {
            tracing::warn!(role = %store.identity().role, "this data directory is not a server's; serving anyway");
        }
        let token = {
            let dir = data_dir.clone();
            tokio::task::spawn_blocking(move || ops::admin_token(&dir)).await??
        };
        let counters = Arc::new(ServerCounters::default());

        let relay = if config.relay.enabled {
            Some(crate::relay::start(&config.relay, store.access_changes()).await?)
        } else {
            None
        };
        let relay_url = match &relay {
            Some(r) => config
                .relay_url(r.http_addr(), r.https_addr())
                .map(|u| as_relay_url(&u))
                .transpose()?,
            None => None,
        };

        let options = NodeOptions {
            listen: config.sync.listen,
            relay: relay_url.clone(),
            relay_ca: config.relay.tls.as_ref().and_then(|t| t.ca.clone()),
            mdns: config.sync.mdns,
            relay_only: false,
            dial_timeout: std::time::Duration::from_secs(8),
        };
        let node = SyncNode::start(store.clone(), options)
            .await
            .with_context(|| format!("sync.listen {}", config.sync.listen))?;
        let shards = if config.sync.shards {
            let shards = Shards::start(store.clone())
                .await
                .context("sync.shards: starting the township shards")?;
            node.set_accept_route(Some(shards.route()));
            Some(shards)
        } else {
            None
        };
        let mut ticket_addr = EndpointAddr::new(node.id());
        let bound: Vec<SocketAddr> = node.addr().ip_addrs().copied().collect();
        if !config.sync.public_addrs.is_empty() {
            for a in &config.sync.public_addrs {
                ticket_addr = ticket_addr.with_ip_addr(*a);
            }
        } else {
            // Listening on one interface: that address (with the port actually bound).
            for a in bound.iter().filter(|a| !a.ip().is_unspecified()) {
                ticket_addr = ticket_addr.with_ip_addr(*a);
            }
        }
        if let Some(url) = &relay_url {
            ticket_addr = ticket_addr.with_relay_url(url.clone());
        }

        let websocket = if config.websocket.enabled {
            Some(
                WebSocketListener::start(
                    store.clone(),
                    config.websocket.listen,
                    config.websocket.max_message_bytes,
                    counters.clone(),
                )
                .await
                .with_context(|| format!("websocket.listen {}", config.websocket.listen))?,
            )
        } else {
            None
        };
        let websocket_addr = websocket.as_ref().map(|w| w.addr);

        let intake = if config.intake.enabled {
            Some(
                IntakeWeb::start(store.clone(), &config.intake, counters.clone())
                    .await
                    .with_context(|| format!("intake.listen {}", config.intake.listen))?,
            )
        } else {
            None
        };
        let intake_addr = intake.as_ref().map(|i| i.addr);

        let feeds = if config.feeds.enabled {
            Some(
                FeedsWeb::start(store.clone(), &data_dir, &config.feeds, counters.clone())
                    .await
                    .with_context(|| format!("feeds.listen {}", config.feeds.listen))?,
            )
        } else {
            None
        };
        let feeds_addr = feeds.as_ref().map(|f| f.addr);

        let websocket_connected: Box<dyn Fn() -> usize + Send + Sync> = match &websocket {
            Some(ws) => {
                let acceptor = ws.acceptor_handle();
                Box::new(move || acceptor.connection_count())
            }
            None => Box::new(|| 0),
        };
        let shared = Arc::new(Shared {
            store: store.clone(),
            node: tokio::sync::RwLock::new(None),
            counters,
            started: Instant::now(),
            token,
            config: config.clone(),
            ticket_addr,
            websocket_addr,
            websocket_connected,
            shards: std::sync::Mutex::new(shards),
        });

        // The node serves (keeps every document open, follows the directory) until
        // stopped; the admin API reaches it through the shared slot.
        let (stop_node, node_stopped) = tokio::sync::oneshot::channel::<()>();
        *shared.node.write().await = Some(node);
        let node_task = {
            let shared = shared.clone();
            tokio::spawn(async move {
                let guard = shared.node.read().await;
                if let Some(node) = guard.as_ref() {
                    let stop = async move {
                        let _ = node_stopped.await;
                    };
                    if let Err(e) = node.serve(Vec::new(), stop).await {
                        tracing::error!(error = %e, "sync service stopped with an error");
                    }
                }
            })
        };

        let admin = admin_router(shared.clone());
        let listener = tokio::net::TcpListener::bind(config.admin.listen)
            .await
            .with_context(|| format!("admin.listen {}", config.admin.listen))?;
        let admin_addr = listener.local_addr()?;
        crate::admin::write_admin_addr(&data_dir, admin_addr)
            .context("writing server/admin.addr")?;
        if !admin_addr.ip().is_loopback() {
            tracing::warn!(%admin_addr, "the admin port listens beyond localhost");
        }
        let admin = crate::http::HttpTask::spawn(listener, admin, "admin");
        tracing::info!(
            device = %store.identity().device_id,
            county = %store.identity().county,
            %admin_addr,
            relay = ?relay_url.as_ref().map(|u| u.to_string()),
            websocket = ?websocket_addr,
            intake = ?intake_addr,
            feeds = ?feeds_addr,
            "county sync server up"
        );
        Ok(Server {
            shared,
            node_task,
            stop_node,
            admin,
            websocket,
            intake,
            feeds,
            relay,
            admin_addr,
            websocket_addr,
            intake_addr,
            feeds_addr,
            relay_url,
        })
    }

    /// The server's iroh address as enrolment tickets give it.
    pub fn ticket_addr(&self) -> EndpointAddr {
        self.shared.ticket_addr.clone()
    }

    /// The admin API token (also in `server/admin.token` of the data directory).
    pub fn admin_token(&self) -> &str {
        &self.shared.token
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.shared.store
    }

    /// Runs until `stop` resolves, then shuts down gracefully.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) -> Result<()> {
        stop.await;
        tracing::info!("stopping: finishing writes");
        self.shutdown().await
    }

    /// Stops accepting, lets pending writes finish, closes the store.
    pub async fn shutdown(self) -> Result<()> {
        self.admin.stop().await;
        if let Some(intake) = self.intake {
            intake.shutdown().await;
        }
        if let Some(feeds) = self.feeds {
            feeds.shutdown().await;
        }
        if let Some(ws) = self.websocket {
            ws.shutdown().await;
        }
        let _ = self.stop_node.send(());
        let _ = self.node_task.await;
        if let Some(node) = self.shared.node.write().await.take() {
            node.shutdown().await;
        }
        // No laptop is connected now: the shards hand what they have to the county repo
        // before the store closes.
        let shards = self
            .shared
            .shards
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(shards) = shards {
            shards.stop().await;
        }
        if let Some(relay) = self.relay
            && let Err(e) = relay.shutdown().await
        {
            tracing::warn!(error = %e, "relay did not stop cleanly");
        }
        let store = self.shared.store.clone();
        drop(self.shared);
        match Arc::try_unwrap(store) {
            Ok(store) => {
                tokio::task::spawn_blocking(move || store.close()).await?;
                tracing::info!("store closed cleanly");
            }
            Err(_) => {
                // Every acknowledged write is already on disk; a holder left over only
                // means samod's last in-memory state is dropped rather than flushed.
                tracing::warn!("store still in use at shutdown; leaving it to drop");
            }
        }
        Ok(())
    }
}

// ---- admin HTTP ----

fn admin_router(shared: Arc<Shared>) -> axum::Router {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_handler))
        .route("/admin/status", get(status_handler))
        .route("/admin/devices", get(devices_handler))
        .route("/admin/revoke", post(revoke_handler))
        .route("/admin/enrol", post(enrol_handler))
        .route("/admin/backup", post(backup_handler))
        .with_state(shared)
}

/// An admin API failure, as JSON `{"error": …}`.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({"error": self.1}))).into_response()
    }
}

impl From<OpsError> for ApiError {
    fn from(e: OpsError) -> Self {
        let status = match e {
            OpsError::Refused(_) | OpsError::BadBackup { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(status, e.to_string())
    }
}

fn authorise(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // Compared by digest, so the time taken says nothing about the token.
    use sha2::{Digest, Sha256};
    let ok = given
        .is_some_and(|g| Sha256::digest(g.as_bytes()) == Sha256::digest(shared.token.as_bytes()));
    if ok {
        Ok(())
    } else {
        tracing::warn!("admin API request refused: missing or wrong token");
        Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "admin token required (server/admin.token in the data directory)".into(),
        ))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, OpsError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let store = shared.store.clone();
    let failure =
        tokio::task::spawn_blocking(move || store.doctor().ok().and_then(|r| r.storage_failure))
            .await
            .ok()
            .flatten();
    match failure {
        None => (StatusCode::OK, "ok\n").into_response(),
        Some(f) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("storage failure: {f}\n"),
        )
            .into_response(),
    }
}

async fn snapshot(shared: &Arc<Shared>) -> Snapshot {
    let (connected, (sent, received), sessions, refused) = match shared.node.try_read() {
        Ok(guard) => match guard.as_ref() {
            Some(node) => (
                node.connected_peers() as u64,
                node.bytes(),
                node.stats().sessions.load(Ordering::Relaxed),
                node.stats().refused.load(Ordering::Relaxed),
            ),
            None => (0, (0, 0), 0, 0),
        },
        Err(_) => (0, (0, 0), 0, 0),
    };
    let store = shared.store.clone();
    let (documents, storage_bytes, failed) = tokio::task::spawn_blocking(move || {
        let documents = store.catalogue().map(|c| c.len()).unwrap_or(0);
        let bytes = ops::storage_bytes(store.data_dir());
        let failed = store
            .doctor()
            .ok()
            .and_then(|r| r.storage_failure)
            .is_some();
        (documents, bytes, failed)
    })
    .await
    .unwrap_or((0, 0, false));
    let shards = shared
        .shards
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|s| s.counts())
        .unwrap_or_default();
    let c = &shared.counters;
    Snapshot {
        shards: shards.shards as u64,
        shards_behind: shards.behind as u64,
        shards_asleep: shards.asleep as u64,
        shard_wakes: shards.wakes,
        shard_fallbacks: shards.fallbacks,
        shard_documents: shards.documents as u64,
        connected_devices: connected + (shared.websocket_connected)() as u64,
        documents: documents as u64,
        bytes_received: received + c.ws_bytes_received.load(Ordering::Relaxed),
        bytes_sent: sent + c.ws_bytes_sent.load(Ordering::Relaxed),
        iroh_sessions: sessions,
        ws_sessions: c.ws_sessions.load(Ordering::Relaxed),
        refused_devices: refused,
        ws_refused: c.ws_refused.load(Ordering::Relaxed),
        ws_protocol_errors: c.ws_protocol_errors.load(Ordering::Relaxed),
        storage_failures: u64::from(failed),
        storage_bytes,
        disk: fengqiao_store::storage::disk_counts(),
        backups: c.backups.load(Ordering::Relaxed),
        uptime_seconds: shared.started.elapsed().as_secs(),
        intake_submitted: c.intake_submitted.load(Ordering::Relaxed),
        intake_invalid: c.intake_invalid.load(Ordering::Relaxed),
        intake_too_large: c.intake_too_large.load(Ordering::Relaxed),
        intake_rate_limited: c.intake_rate_limited.load(Ordering::Relaxed),
        intake_lookups: c.intake_lookups.load(Ordering::Relaxed),
        feeds_served: c.feeds_served.load(Ordering::Relaxed),
        feeds_not_modified: c.feeds_not_modified.load(Ordering::Relaxed),
        feeds_unknown: c.feeds_unknown.load(Ordering::Relaxed),
        feeds_revoked: c.feeds_revoked.load(Ordering::Relaxed),
    }
}

async fn metrics_handler(State(shared): State<Arc<Shared>>) -> Response {
    let snap = snapshot(&shared).await;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        metrics::render(&snap),
    )
        .into_response()
}

async fn status_handler(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Json<ops::Status>, ApiError> {
    authorise(&shared, &headers)?;
    let store = shared.store.clone();
    let mut status = blocking(move || ops::status(&store)).await?;
    let snap = snapshot(&shared).await;
    status.running = true;
    status.connected_devices = snap.connected_devices as usize;
    status.uptime_seconds = snap.uptime_seconds;
    status.bytes_received = snap.bytes_received;
    status.bytes_sent = snap.bytes_sent;
    status.sync_addrs = shared
        .ticket_addr
        .ip_addrs()
        .map(|a| a.to_string())
        .collect();
    status.relay_url = shared
        .ticket_addr
        .relay_urls()
        .next()
        .map(|u| u.to_string());
    status.websocket_addr = shared.websocket_addr.map(|a| a.to_string());
    Ok(Json(status))
}

async fn devices_handler(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Json<Vec<fengqiao_model::Device>>, ApiError> {
    authorise(&shared, &headers)?;
    let store = shared.store.clone();
    Ok(Json(blocking(move || Ok(store.devices()?)).await?))
}

#[derive(Debug, Deserialize)]
struct RevokeRequest {
    device: String,
}

async fn revoke_handler(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(request): Json<RevokeRequest>,
) -> Result<Json<fengqiao_model::Device>, ApiError> {
    authorise(&shared, &headers)?;
    let store = shared.store.clone();
    let device = blocking(move || ops::revoke(&store, &request.device)).await?;
    tracing::warn!(device = %device.id, name = %device.name, "device revoked by the administrator");
    Ok(Json(device))
}

async fn enrol_handler(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(request): Json<EnrolRequest>,
) -> Result<Json<ops::Enrolment>, ApiError> {
    authorise(&shared, &headers)?;
    let store = shared.store.clone();
    let addr = shared.ticket_addr.clone();
    let has_addr = addr.ip_addrs().next().is_some() || addr.relay_urls().next().is_some();
    let enrolment =
        blocking(move || ops::enrol(&store, has_addr.then_some(addr), &request)).await?;
    tracing::info!("enrolment offered");
    Ok(Json(enrolment))
}

#[derive(Debug, Deserialize)]
struct BackupRequest {
    out: PathBuf,
}

async fn backup_handler(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(request): Json<BackupRequest>,
) -> Result<Json<ops::Manifest>, ApiError> {
    authorise(&shared, &headers)?;
    let store = shared.store.clone();
    let out = request.out.clone();
    let manifest = blocking(move || ops::backup(&store, &out)).await?;
    ServerCounters::add(&shared.counters.backups, 1);
    tracing::info!(out = %request.out.display(), documents = manifest.documents.len(), "backup written");
    let _ = &shared.config;
    Ok(Json(manifest))
}
