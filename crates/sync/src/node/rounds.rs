//! Rounds: one exchange of every document with a peer, or with every reachable peer.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use fengqiao_store::DocName;
use futures::FutureExt;
use iroh::EndpointAddr;
use samod::DocHandle;

use super::SyncNode;
use super::exchange::{only_refusable_left, open_documents, wait_exchanged};
use super::peers::remembered_peers;
use super::report::{PeerOutcome, RoundFailure, RoundReport};
use crate::error::SyncError;
use crate::settings::{PeerBook, SyncSettings};

impl SyncNode {
    /// Loads every document this device holds or may hold, so samod offers them on every
    /// connection; creates those it may hold but has not seen yet from their genesis.
    pub(super) async fn open_documents(&self) -> Result<Vec<(DocName, DocHandle)>, SyncError> {
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
        // Before the accusations' hand-over and the attachments: the records' own time.
        let documents_ms = started.elapsed().as_millis() as u64;
        // Accusations registered here go to a peer the directory grants them to, then
        // leave this device. A failure leaves them for the next round.
        let accusations = crate::confidential::hand_over_accusations(
            &self.endpoint,
            &self.store,
            &peer,
            self.options.dial_timeout,
        )
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(peer = %peer_key, error = %e, "accusations not handed over");
            crate::confidential::HandoverReport {
                waiting: self
                    .store
                    .pending_handover()
                    .map_or(0, |p| p.parts.len() + p.unreadable.len()),
                ..Default::default()
            }
        });
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
        let previous = PeerBook::load(self.store.data())
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
        // Then the attachments' bytes, so large files never hold up the records. A
        // connection that fails leaves them for the next round.
        let blobs = match crate::blobs::exchange(
            &self.endpoint,
            &self.blob_sources,
            &self.store,
            &peer,
            None,
            deadline,
            self.options.dial_timeout,
        )
        .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(peer = %peer_key, error = %e, "attachments not exchanged");
                let store = self.store.clone();
                let missing = tokio::task::spawn_blocking(move || store.missing_blobs()).await;
                crate::blobs::BlobReport {
                    unfinished: match missing {
                        Ok(Ok(m)) => m.iter().map(|(h, _)| h.to_string()).collect(),
                        _ => Vec::new(),
                    },
                    ..Default::default()
                }
            }
        };
        tracing::debug!(elapsed = ?started.elapsed(), "round: attachments exchanged");
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
            documents_ms,
            unfinished,
            refused_changes: self.check.refused() - refused0,
            blobs,
            accusations,
        };
        self.record_round(&peer, &peer_device.name, their_heads, &report)?;
        self.attest().await;
        tracing::info!("{}", report.summary());
        Ok(report)
    }

    /// Signs the heads of every document with this device's key, so `fengqiao verify`
    /// can later show what this device held when it synced. A failure is logged, not
    /// fatal: the round itself succeeded.
    pub(super) async fn attest(&self) {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || store.attest_heads()).await {
            Ok(Ok(n)) => tracing::debug!(documents = n, "heads attested"),
            Ok(Err(e)) => tracing::warn!(error = %e, "could not attest document heads"),
            Err(e) => tracing::warn!(error = %e, "attestation task failed"),
        }
    }

    pub(super) fn record_round(
        &self,
        peer: &EndpointAddr,
        name: &str,
        heads: BTreeMap<String, Vec<String>>,
        report: &RoundReport,
    ) -> Result<(), SyncError> {
        let _guard = self.book.lock().unwrap_or_else(|p| p.into_inner());
        let dir = self.store.data();
        let mut book = PeerBook::load(dir)?;
        book.remember_addr(peer);
        let record = book.peers.entry(peer.id.to_string()).or_default();
        record.name = name.to_owned();
        let now = fengqiao_store::now_cst();
        record.last_seen = Some(now);
        if report.incomplete().is_empty() {
            record.last_sync = Some(now);
        }
        record.last_summary = report.summary();
        record.heads.extend(heads);
        book.save(dir)
    }

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
