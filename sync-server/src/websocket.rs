//! The automerge-repo WebSocket listener, for JavaScript clients.
//!
//! Each client is a device of the directory (enrolled with `enrol --websocket`), known
//! by its token. The upgrade is refused without a valid token for an unrevoked device;
//! after it, samod binds the connection to that device's peer id, so the client must
//! announce exactly that id and the directory's share policy decides every document, as
//! it does for laptops. A revoked client's connections are cut at once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use fengqiao_store::{AccessTable, Store};
use futures::future::{AbortHandle, Abortable};
use futures::{SinkExt, StreamExt, TryStreamExt};
use serde::Deserialize;

use crate::metrics::ServerCounters;
use crate::ops;

/// How long a client may take to say who it is after the upgrade.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Live WebSocket connections by peer id, so a revocation can cut them.
#[derive(Debug, Default, Clone)]
pub struct LiveClients(Arc<Mutex<HashMap<String, Vec<AbortHandle>>>>);

impl LiveClients {
    fn add(&self, peer: &str, handle: AbortHandle) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(peer.to_owned()).or_default();
        list.retain(|h| !h.is_aborted());
        list.push(handle);
    }

    fn cut_unadmitted(&self, table: &AccessTable) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|peer, handles| {
            if table.enrolled(peer).is_some() {
                return true;
            }
            for h in handles.iter().filter(|h| !h.is_aborted()) {
                tracing::warn!(peer = %peer, "websocket client revoked; closing its connection");
                h.abort();
            }
            false
        });
    }

    fn cut_all(&self) {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for h in map.values().flatten() {
            h.abort();
        }
    }
}

#[derive(Clone)]
struct WsState {
    store: Arc<Store>,
    acceptor: samod::AcceptorHandle,
    counters: Arc<ServerCounters>,
    live: LiveClients,
    max_message_bytes: usize,
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// The running listener.
pub struct WebSocketListener {
    pub addr: SocketAddr,
    live: LiveClients,
    acceptor: samod::AcceptorHandle,
    serving: crate::http::HttpTask,
    watcher: tokio::task::JoinHandle<()>,
}

impl WebSocketListener {
    pub async fn start(
        store: Arc<Store>,
        listen: SocketAddr,
        max_message_bytes: usize,
        counters: Arc<ServerCounters>,
    ) -> std::io::Result<WebSocketListener> {
        let acceptor = store
            .repo()
            .make_acceptor(
                format!("ws://{listen}/")
                    .parse()
                    .map_err(|_| std::io::Error::other("listen address is not a URL host"))?,
            )
            .map_err(|_| std::io::Error::other("repo stopped"))?;
        let live = LiveClients::default();
        let watcher = {
            let live = live.clone();
            let mut table = store.access_changes();
            tokio::spawn(async move {
                while table.changed().await.is_ok() {
                    let current = table.borrow_and_update().clone();
                    live.cut_unadmitted(&current);
                }
            })
        };
        spawn_disconnect_log(&acceptor);
        let state = WsState {
            store,
            acceptor: acceptor.clone(),
            counters,
            live: live.clone(),
            max_message_bytes,
        };
        let app = axum::Router::new()
            .route("/", axum::routing::get(upgrade))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let serving = crate::http::HttpTask::spawn(listener, app, "websocket");
        tracing::info!(%addr, "websocket listener up (automerge-repo protocol)");
        Ok(WebSocketListener {
            addr,
            live,
            acceptor,
            serving,
            watcher,
        })
    }

    pub fn acceptor_handle(&self) -> samod::AcceptorHandle {
        self.acceptor.clone()
    }

    pub async fn shutdown(mut self) {
        self.watcher.abort();
        self.serving.signal_stop();
        self.live.cut_all();
        self.acceptor.close();
        self.serving.finished().await;
    }
}

fn spawn_disconnect_log(acceptor: &samod::AcceptorHandle) {
    let acceptor = acceptor.clone();
    tokio::spawn(async move {
        let mut events = acceptor.events();
        while let Some(event) = events.next().await {
            if let samod::AcceptorEvent::ClientConnected { peer_info, .. } = event {
                tracing::info!(peer = %peer_info.peer_id, "websocket client connected");
            }
        }
    });
}

/// Logs how a client's connection ended, counting it as a protocol error only when samod
/// closed it for one. samod reports every listener's lost connection as an error
/// ("Listener … connection removed") however it ended; broken frames and text messages
/// are counted where they are read, a failed handshake where it is awaited.
fn note_disconnect(peer: &str, reason: &samod::ConnFinishedReason, counters: &ServerCounters) {
    let clean = match reason {
        samod::ConnFinishedReason::ErrorReceiving(e)
        | samod::ConnFinishedReason::ErrorSending(e) => {
            e.ends_with("connection removed") || e.starts_with(WENT_AWAY)
        }
        _ => true,
    };
    if clean {
        tracing::info!(%peer, %reason, "websocket client disconnected");
    } else {
        ServerCounters::add(&counters.ws_protocol_errors, 1);
        tracing::warn!(%peer, %reason, "websocket client dropped");
    }
}

/// How a send error to a client that closed its end starts (so it is not counted).
const WENT_AWAY: &str = "client went away: ";

/// Whether a WebSocket error only says the client closed its end (a close handshake cut
/// short, a reset or EOF as a browser tab or a process ends), rather than a broken frame.
fn went_away(error: &axum::Error) -> bool {
    use std::error::Error as _;
    let mut source: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionAborted
            );
        }
        source = e.source();
    }
    // tungstenite's "closed" errors carry no io::Error; they are named by their text.
    let text = error.to_string();
    [
        "closing handshake",
        "Connection closed normally",
        "closed connection",
        "Sending after closing",
    ]
    .iter()
    .any(|t| text.contains(t))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn upgrade(
    State(state): State<WsState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let refuse = |status: StatusCode, why: &'static str| {
        ServerCounters::add(&state.counters.ws_refused, 1);
        (status, why).into_response()
    };
    let Some(token) = query.token.or_else(|| bearer(&headers)) else {
        tracing::warn!("websocket upgrade refused: no token");
        return refuse(StatusCode::UNAUTHORIZED, "token required");
    };
    let data_dir = state.store.data_dir().to_owned();
    let clients = match tokio::task::spawn_blocking(move || ops::websocket_clients(&data_dir)).await
    {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot read websocket clients");
            return (StatusCode::INTERNAL_SERVER_ERROR, "server error").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read websocket clients");
            return (StatusCode::INTERNAL_SERVER_ERROR, "server error").into_response();
        }
    };
    let Some(peer) = ops::websocket_peer_for(&clients, &token) else {
        tracing::warn!("websocket upgrade refused: unknown token");
        return refuse(StatusCode::FORBIDDEN, "unknown token");
    };
    if state.store.access().enrolled(&peer).is_none() {
        tracing::warn!(%peer, "websocket upgrade refused: client revoked");
        return refuse(StatusCode::FORBIDDEN, "client revoked");
    }
    let max = state.max_message_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_failed_upgrade(|e| tracing::warn!(error = %e, "websocket upgrade failed"))
        .on_upgrade(move |socket| serve_client(state, peer, socket))
}

async fn serve_client(state: WsState, peer: String, socket: WebSocket) {
    ServerCounters::add(&state.counters.ws_sessions, 1);
    let (abort, registration) = AbortHandle::new_pair();
    state.live.add(&peer, abort.clone());
    let counters = state.counters.clone();
    let (sink, stream) = socket.split();
    let log_peer = peer.clone();
    let received = counters.clone();
    // A client's close (a close frame, or the socket shut without one) ends the stream
    // as a clean disconnect: it is neither a warning nor an error.
    let frame_errors = counters.clone();
    let incoming = stream
        .scan(false, move |closed, message| {
            let next = match message {
                _ if *closed => None,
                Ok(Message::Close(_)) => None,
                Ok(m) => Some(Ok(m)),
                Err(e) if went_away(&e) => {
                    tracing::debug!(peer = %log_peer, error = %e, "websocket client went away");
                    None
                }
                Err(e) => {
                    // Oversized messages and broken frames end here, with the reason.
                    ServerCounters::add(&frame_errors.ws_protocol_errors, 1);
                    tracing::warn!(peer = %log_peer, error = %e, "websocket client sent a bad frame; closing");
                    Some(Err(std::io::Error::other(e.to_string())))
                }
            };
            *closed = next.is_none();
            futures::future::ready(next)
        })
        .try_filter_map({
            let peer = peer.clone();
            move |message| {
                let peer = peer.clone();
                let received = received.clone();
                async move {
                    match message {
                        Message::Binary(bytes) => {
                            received
                                .ws_bytes_received
                                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                            Ok(Some(bytes.to_vec()))
                        }
                        Message::Text(_) => {
                            ServerCounters::add(&received.ws_protocol_errors, 1);
                            tracing::warn!(%peer, "websocket client sent text, not a binary sync message; closing");
                            Err(std::io::Error::other("text message on a sync connection"))
                        }
                        Message::Ping(_) | Message::Pong(_) | Message::Close(_) => Ok(None),
                    }
                }
            }
        });
    // Aborting ends the stream, and samod closes the connection.
    let incoming = Abortable::new(incoming.boxed(), registration);
    let sent = counters.clone();
    let outgoing = sink
        .sink_map_err(|e| {
            if went_away(&e) {
                std::io::Error::other(format!("{WENT_AWAY}{e}"))
            } else {
                std::io::Error::other(e.to_string())
            }
        })
        .with(move |bytes: Vec<u8>| {
            sent.ws_bytes_sent
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            futures::future::ready(Ok::<_, std::io::Error>(Message::Binary(bytes.into())))
        });
    // As the JavaScript sync server: a client is sent the documents it asks for, not
    // every one it may read (its rights are unchanged).
    state.store.send_only_when_asked(&peer);
    let transport = samod::Transport::new(incoming, outgoing)
        .with_expected_peer_id(samod::PeerId::from(peer.clone()));
    let handle = match state.acceptor.accept(transport) {
        Ok(h) => h,
        Err(_) => {
            tracing::warn!(%peer, "server stopping; websocket client turned away");
            return;
        }
    };
    ServerCounters::add(&counters.ws_connected, 1);
    let mut events = handle.events();
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handle.handshake_complete()).await {
        Ok(Ok(_)) => {
            while let Some(event) = events.next().await {
                if let samod::AcceptorEvent::ClientDisconnected { reason, .. } = event {
                    note_disconnect(&peer, &reason, &counters);
                    break;
                }
            }
        }
        Ok(Err(reason)) => {
            ServerCounters::add(&counters.ws_protocol_errors, 1);
            tracing::warn!(%peer, %reason, "websocket client failed the automerge-repo handshake (garbage or wrong peer id); closed");
        }
        Err(_) => {
            ServerCounters::add(&counters.ws_protocol_errors, 1);
            tracing::warn!(%peer, "websocket client never completed the handshake; closing");
            abort.abort();
        }
    }
}
