//! Serving until told to stop, and handing unacknowledged changes to connected peers on
//! the way out.

use std::time::Duration;

use fengqiao_store::DocName;
use iroh::EndpointAddr;
use samod::DocHandle;

use super::SyncNode;
use super::exchange::gives_ours;
use crate::error::SyncError;

/// How long a stopping node gives each connected peer to take the changes it has not
/// acknowledged yet (see [`hand_over`]); a peer still busy after that gets them at the
/// next connection.
pub(super) const HAND_OVER: Duration = Duration::from_secs(5);

/// How often a serving node moves attachments' bytes with the peers it keeps connected.
const BLOB_PASS: Duration = Duration::from_secs(30);
/// How long one such pass may take with one peer (an unfinished blob resumes next time).
const BLOB_PASS_BUDGET: Duration = Duration::from_secs(300);

impl SyncNode {
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
        for peer in &peers {
            let id = peer.id.to_string();
            dialers.push((id, self.keep_connected(peer.clone())?));
        }
        let mut blobs_seen: std::collections::HashMap<String, (usize, usize)> = Default::default();
        let mut last_blob_pass = tokio::time::Instant::now();
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
                    if last_blob_pass.elapsed() >= BLOB_PASS {
                        last_blob_pass = tokio::time::Instant::now();
                        tokio::select! {
                            _ = &mut stop => break,
                            _ = self.blob_pass(&peers, &dialers, &mut blobs_seen) => {}
                        }
                    }
                    self.hand_over_to_connected(&dialers).await;
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

    /// Moves attachments' bytes with the connected peers of a standing link, as a round
    /// does after its documents: only when this device lacks some, or holds a different
    /// number than at the last pass with that peer (`seen`: held, missing).
    async fn blob_pass(
        &self,
        peers: &[EndpointAddr],
        dialers: &[(String, samod::DialerHandle)],
        seen: &mut std::collections::HashMap<String, (usize, usize)>,
    ) {
        let store = self.store.clone();
        let counts = tokio::task::spawn_blocking(move || {
            Ok::<_, fengqiao_store::StoreError>((
                store.blobs().list()?.len(),
                store.missing_blobs()?.len(),
            ))
        })
        .await;
        let Ok(Ok(now)) = counts else {
            return;
        };
        for (peer, (id, dialer)) in peers.iter().zip(dialers) {
            if !dialer.is_connected() || (now.1 == 0 && seen.get(id) == Some(&now)) {
                continue;
            }
            match crate::blobs::exchange(
                &self.endpoint,
                &self.blob_sources,
                &self.store,
                peer,
                None,
                tokio::time::Instant::now() + BLOB_PASS_BUDGET,
                self.options.dial_timeout,
            )
            .await
            {
                Ok(report) => {
                    if !report.is_empty() {
                        tracing::info!(peer = %id, "附件：{}", report.summary());
                    }
                    if report.complete() {
                        seen.insert(id.clone(), now);
                    }
                }
                Err(e) => tracing::warn!(peer = %id, error = %e, "attachments not exchanged"),
            }
        }
    }

    /// Gives each connected peer of `dialers` (peer id, dialer) up to [`HAND_OVER`] to
    /// acknowledge our changes to the documents of `held` it may take.
    pub(super) async fn hand_over_all(
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

    /// Hands accusations waiting here to each connected peer the directory grants them to
    /// (the county server, a granted office device).
    async fn hand_over_to_connected(&self, dialers: &[(String, samod::DialerHandle)]) {
        if self
            .store
            .pending_handover()
            .map_or(true, |p| p.parts.is_empty())
        {
            return;
        }
        for (peer, _) in dialers.iter().filter(|(_, d)| d.is_connected()) {
            let Ok(id) = peer.parse::<iroh::EndpointId>() else {
                continue;
            };
            let addr = EndpointAddr::new(id);
            match crate::confidential::hand_over_accusations(
                &self.endpoint,
                &self.store,
                &addr,
                self.options.dial_timeout,
            )
            .await
            {
                Ok(r) if r.handed_over > 0 => {
                    tracing::info!(%peer, handed_over = r.handed_over, "accusations handed over")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(%peer, error = %e, "accusations not handed over"),
            }
        }
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

/// Resolves on Ctrl-C or SIGTERM: an always-on peer (`fengqiao serve`, the county server)
/// stops serving then, and its writes finish before the process exits. The signals are
/// caught from this call on, not from the first poll: a stop asked for while the service
/// is still starting (opening a county's documents takes seconds) is a clean stop too.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            match (interrupt, terminate) {
                (Some(mut int), Some(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
