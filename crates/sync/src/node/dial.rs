//! Dialling: the samod dialer over iroh, and how a round or a standing link reaches a peer.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use iroh::{Endpoint, EndpointAddr};
use samod::{BackoffConfig, DialError};

use super::gate::{LiveConnections, REVOKED_MARK};
use super::{SYNC_ALPN, SyncNode};
use crate::error::SyncError;
use crate::transport::{ByteCounters, ChangeCheck, samod_transport};

/// Dials one peer for samod, which calls it again to reconnect with backoff.
pub(super) struct IrohDialer {
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
            // The gate may let the handshake through and close the connection a moment
            // later (a revoked device): samod only logs that, so the reason is kept here
            // for the round to tell the clerk.
            let watched = conn.clone();
            tokio::spawn(async move {
                let reason = watched.closed().await.to_string();
                if reason.contains(REVOKED_MARK) || reason.contains("not enrolled") {
                    *last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
                }
            });
            Ok(samod_transport(conn, send, recv, counters, check))
        }
        .boxed()
    }
}

impl SyncNode {
    /// Our samod dialer to `peer`; it records why a connect failed in `last_error` and
    /// that samod asked it to connect at all in `attempted`.
    pub(super) fn iroh_dialer(
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
    pub(super) async fn dial_for_round(
        &self,
        peer: &EndpointAddr,
    ) -> Result<(samod::DialerHandle, samod::ConnectionId), SyncError> {
        let peer_key = peer.id.to_string();
        let within = self.options.dial_timeout * 4;
        let deadline = tokio::time::Instant::now() + within;
        let mut backoff = Duration::from_millis(200);
        let mut reason = None;
        let mut unregistered = 0;
        // Shared by the attempts: a refusal can arrive after its attempt has failed.
        let last_error = Arc::new(Mutex::new(None::<String>));
        let refusal = |e: &str| {
            if e.contains(REVOKED_MARK) {
                Some(SyncError::Revoked {
                    peer: peer_key.clone(),
                })
            } else if e.contains("not enrolled") || e.contains("403") {
                Some(SyncError::Refused {
                    reason: e.to_owned(),
                })
            } else {
                None
            }
        };
        loop {
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
            let noted = last_error.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(refused) = noted.as_deref().and_then(refusal) {
                return Err(refused);
            }
            if outcome.is_err() {
                return Err(SyncError::DialTimeout {
                    peer: peer_key,
                    seconds: within.as_secs(),
                });
            }
            if noted.is_some() {
                reason = noted;
            }
            if !attempted.load(Ordering::Acquire) && unregistered < 20 {
                // samod's race, not the network: again at once.
                unregistered += 1;
                tracing::debug!(peer = %peer_key, "samod dropped the dial before it began; dialling again");
                continue;
            }
            let now = tokio::time::Instant::now();
            if now + backoff >= deadline {
                let noted = last_error.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(refused) = noted.as_deref().and_then(refusal) {
                    return Err(refused);
                }
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
}
