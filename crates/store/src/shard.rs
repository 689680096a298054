//! A township shard of the county server: a samod repo of its own, with durable storage
//! of its own, holding one township's documents and the county documents a township
//! device may read, linked in memory to the county store's repo.
//!
//! Why: samod 0.16's cost per message grows with the connections × documents one repo
//! sees (docs/PERFORMANCE.md, "Trap"). A shard sees one township's laptops and
//! its few documents; the county repo sees the shards and the devices that hold more
//! than one township.
//!
//! The shard's peer id is the server's own device id, because laptops bind the server's
//! samod id to the key iroh authenticated; the county repo recognises that id as one of
//! its shards (see [`crate::access::DirectoryPolicy::with_own_peer`]). Laptops are
//! decided by the county's directory, exactly as on the county repo.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use samod::transport::channel::ChannelDialer;
use samod::{AcceptorHandle, BackoffConfig, DialerHandle, DocHandle, PeerId, Repo, ShareConfig};
use tokio::sync::watch;

use crate::access::{AccessTable, DirectoryPolicy};
use crate::docs::DocName;
use crate::error::StoreError;
use crate::storage::DurableStorage;

/// A std mutex's guard; a panic elsewhere while holding it leaves data that is still
/// whole (maps and handles), so a poisoned lock is used as it is.
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One township's repo on the county server.
pub struct Shard {
    township: String,
    county: String,
    repo: Repo,
    storage: DurableStorage,
    table: watch::Receiver<Arc<AccessTable>>,
    handles: Mutex<HashMap<DocName, DocHandle>>,
    /// The county repo's handles of the same documents, to tell without an exchange
    /// whether the shard is in step (see [`Shard::is_in_step`]).
    county_handles: Mutex<HashMap<DocName, DocHandle>>,
    /// The county repo's end of the link, kept to link again after [`Shard::sleep`].
    county_end: Mutex<Option<AcceptorHandle>>,
    link: Mutex<Option<DialerHandle>>,
    /// Whether the shard has caught up with the county repo since it was last linked;
    /// until then its township's laptops are served by the county repo (see
    /// [`Shard::catch_up`]).
    ready: AtomicBool,
    /// When a laptop of the township last asked for this shard ([`Shard::wake`]).
    wanted: Mutex<Option<Instant>>,
    /// Times a laptop woke the shard from sleep.
    wakes: AtomicU64,
    /// Serialises catching up, waking and falling asleep.
    transition: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shard")
            .field("township", &self.township)
            .field("dir", &self.storage.root())
            .finish()
    }
}

impl Shard {
    /// Opens (or creates) the shard of `township` (its code) in `dir`, on the current
    /// tokio runtime. `peer` is the server's device id; `table` the county's rules.
    pub async fn open(
        dir: &Path,
        county: &str,
        township: &str,
        peer: PeerId,
        table: watch::Receiver<Arc<AccessTable>>,
    ) -> Result<Shard, StoreError> {
        Self::open_sealed(dir, county, township, peer, table, crate::Seal::plain()).await
    }

    /// As [`Shard::open`], its files sealed as the county store's are (an encrypted
    /// server data directory).
    pub async fn open_sealed(
        dir: &Path,
        county: &str,
        township: &str,
        peer: PeerId,
        table: watch::Receiver<Arc<AccessTable>>,
        seal: crate::Seal,
    ) -> Result<Shard, StoreError> {
        let documents = dir.join("documents");
        std::fs::create_dir_all(&documents).map_err(StoreError::io(&documents))?;
        let storage = DurableStorage::sealed(documents.clone(), dir.join("quarantine"), seal)
            .map_err(StoreError::io(&documents))?;
        // The county repo (our own id) takes and gives everything this shard holds;
        // laptops get what the directory grants them within the township (a laptop
        // whose scope grew while connected gets the rest from the county repo next time).
        let policy = DirectoryPolicy::following(table.clone())
            .within_township(township)
            .with_own_peer(peer.clone(), ShareConfig::read_write());
        let repo = Repo::build_tokio()
            .with_share_policy(policy)
            .with_peer_id(peer)
            .with_storage(storage.clone())
            .load()
            .await;
        Ok(Shard {
            township: township.to_owned(),
            county: county.to_owned(),
            repo,
            storage,
            table,
            handles: Mutex::new(HashMap::new()),
            county_handles: Mutex::new(HashMap::new()),
            county_end: Mutex::new(None),
            link: Mutex::new(None),
            ready: AtomicBool::new(false),
            wanted: Mutex::new(None),
            wakes: AtomicU64::new(0),
            transition: tokio::sync::Mutex::new(()),
        })
    }

    /// The township's code.
    pub fn township(&self) -> &str {
        &self.township
    }

    /// The samod repo, for the sync layer's acceptor.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    fn handles(&self) -> std::sync::MutexGuard<'_, HashMap<DocName, DocHandle>> {
        locked(&self.handles)
    }

    /// Connects the shard to the county repo in memory (reconnecting if it drops).
    pub fn link(&self, county: &AcceptorHandle) -> Result<(), StoreError> {
        *locked(&self.county_end) = Some(county.clone());
        let dialer = self.repo.dial(
            BackoffConfig {
                initial_delay: crate::FIRST_DIAL_RETRY,
                max_delay: Duration::from_secs(2),
                max_retries: None,
            },
            Arc::new(ChannelDialer::new(county.clone())),
        )?;
        if let Some(old) = locked(&self.link).replace(dialer) {
            old.close();
        }
        Ok(())
    }

    /// Whether the shard holds `name`: what a device of this township alone may read.
    pub fn covers(&self, name: &DocName) -> bool {
        self.table
            .borrow()
            .township_access(&self.township, name)
            .can_read()
    }

    /// Opens every document of `catalogue` the shard covers and does not hold yet, each
    /// from its genesis when it is not on the shard's disk (the county then sends the
    /// rest), with its handle in `county` (the county store's repo). Returns how many it
    /// opened.
    pub async fn hold(&self, catalogue: &[DocName], county: &Repo) -> Result<usize, StoreError> {
        let mut opened = 0;
        for name in catalogue {
            if self.handles().contains_key(name) || !self.covers(name) {
                continue;
            }
            let id = name.document_id(&self.county);
            if !self.storage.holds(&id.to_string()) {
                crate::docs::write_genesis(&self.storage, name, &self.county).await?;
            }
            if let Some(theirs) = county.find(id.clone()).await? {
                locked(&self.county_handles).insert(name.clone(), theirs);
            }
            if let Some(handle) = self.repo.find(id).await? {
                self.storage.register_handle(&handle);
                self.handles().insert(name.clone(), handle);
                opened += 1;
            }
        }
        Ok(opened)
    }

    /// Whether laptops may be served by this shard: it caught up with the county repo.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Waits (up to `within`) until the shard holds every change the county repo has of
    /// each document the shard holds, and from then on reports [`Shard::is_ready`].
    ///
    /// Why: a shard that starts behind the county (a restored server, a lost `shards/`
    /// directory, a new township, a shard that slept) would otherwise answer a laptop's
    /// round with what it has, and the laptop would end the round believing it had
    /// everything. Returns whether the shard is ready; `false` when it is not linked.
    /// Concurrent calls wait for the one under way.
    pub async fn catch_up(&self, within: Duration) -> bool {
        self.ready_within(within, false).await
    }

    /// A laptop of the township wants this shard: links it to the county repo again if
    /// it sleeps, and catches up (up to `within`); whether it is ready to serve.
    pub async fn wake(&self, within: Duration) -> bool {
        // Recorded before `ready` is read: [`Shard::sleep`] clears `ready` before it
        // reads this, so one of the two sees the other.
        *locked(&self.wanted) = Some(Instant::now());
        self.ready_within(within, true).await
    }

    /// Waits (up to `within`, behind any transition under way) until the shard is caught
    /// up, linking it again first if it sleeps and `relink`.
    async fn ready_within(&self, within: Duration, relink: bool) -> bool {
        if self.is_ready() {
            return true;
        }
        tokio::time::timeout(within, async {
            let _one_at_a_time = self.transition.lock().await;
            if relink && !self.is_linked() {
                let county = locked(&self.county_end)
                    .clone();
                let Some(county) = county else {
                    return false;
                };
                if let Err(e) = self.link(&county) {
                    tracing::warn!(township = %self.township, error = %e, "could not link the shard again");
                    return false;
                }
                self.wakes.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(township = %self.township, "township shard woke");
            }
            if self.is_linked() && self.is_in_step() {
                // Nothing to exchange: the link may still be connecting, and whatever the
                // county gets from now on flows over it.
                self.ready.store(true, Ordering::SeqCst);
                return true;
            }
            self.catch_up_linked().await
        })
        .await
        .unwrap_or(false)
    }

    /// Whether every document the shard holds has the same heads as in the county repo:
    /// a shard that slept while the county's copy of its township did not change is
    /// caught up without an exchange (which, with many laptops arriving at once, can
    /// take seconds).
    pub fn is_in_step(&self) -> bool {
        let ours: Vec<(DocName, DocHandle)> = self
            .handles()
            .iter()
            .map(|(n, h)| (n.clone(), h.clone()))
            .collect();
        let theirs = locked(&self.county_handles).clone();
        ours.iter().all(|(name, ours)| {
            theirs.get(name).is_some_and(|theirs| {
                theirs.with_document(|d| d.get_heads()) == ours.with_document(|d| d.get_heads())
            })
        })
    }

    /// Lets the shard sleep when no laptop of its township wanted it for `quiet`
    /// and `serving` (its laptops connected now) is false: hands everything it holds to
    /// the county repo (up to `within`), then drops the link, so the county's changes
    /// are no longer applied here as they come but in one catch-up at the next
    /// [`Shard::wake`]. Returns whether the shard sleeps.
    ///
    /// Why: a shard applies each change of its township's documents a second time (the
    /// county repo applied it first). While none of its laptops is there, that work
    /// only competes with the devices the server is serving.
    pub async fn sleep(
        &self,
        within: Duration,
        quiet: Duration,
        serving: impl Fn() -> bool,
    ) -> bool {
        let _one_at_a_time = self.transition.lock().await;
        if !self.is_linked() {
            return true;
        }
        let wanted_lately = || locked(&self.wanted).is_some_and(|t| t.elapsed() < quiet);
        if serving() || wanted_lately() || !self.flush(within).await {
            return false;
        }
        self.ready.store(false, Ordering::SeqCst);
        if serving() || wanted_lately() {
            // A laptop came while the shard handed over; the link is still up and the
            // shard still caught up.
            self.ready.store(true, Ordering::SeqCst);
            return false;
        }
        if let Some(link) = locked(&self.link).take() {
            link.close();
        }
        tracing::debug!(township = %self.township, "township shard sleeps");
        true
    }

    /// Times a laptop woke the shard from sleep since it opened.
    pub fn wakes(&self) -> u64 {
        self.wakes.load(Ordering::Relaxed)
    }

    /// Whether the shard has a link to the county repo (it may be reconnecting).
    pub fn is_linked(&self) -> bool {
        locked(&self.link).is_some()
    }

    /// [`Shard::catch_up`]'s work, under the transition lock.
    async fn catch_up_linked(&self) -> bool {
        if self.is_ready() {
            return true;
        }
        let established = match locked(&self.link).as_ref() {
            Some(link) => link.established(),
            None => return false,
        };
        let handles: Vec<DocHandle> = self.handles().values().cloned().collect();
        let Ok(_) = established.await else {
            return false;
        };
        let Some(conn) = self.link_connection() else {
            return false;
        };
        futures::future::join_all(handles.iter().map(|h| h.we_have_their_changes(conn))).await;
        self.ready.store(true, Ordering::SeqCst);
        true
    }

    /// The link's connection to the county repo, while it is up.
    fn link_connection(&self) -> Option<samod::ConnectionId> {
        locked(&self.link).as_ref().and_then(|d| d.connection_id())
    }

    /// Documents the shard holds open.
    pub fn documents(&self) -> usize {
        self.handles().len()
    }

    /// Waits (up to `within`) until the county repo has every change the shard holds;
    /// whether it got there.
    pub async fn flush(&self, within: Duration) -> bool {
        let Some(conn) = self.link_connection() else {
            return false;
        };
        let handles: Vec<DocHandle> = self.handles().values().cloned().collect();
        let waits = handles.iter().map(|h| h.they_have_our_changes(conn));
        tokio::time::timeout(within, futures::future::join_all(waits))
            .await
            .is_ok()
    }

    /// Closes the link and stops the repo (pending writes finish).
    pub async fn stop(&self) {
        if let Some(link) = locked(&self.link).take() {
            link.close();
        }
        self.handles().clear();
        self.repo.stop().await;
        let storage = self.storage.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || storage.close()).await {
            tracing::warn!(township = %self.township, error = %e, "closing the shard's storage failed; its journal is replayed at the next start");
        }
    }

    /// Why the shard's storage stopped accepting writes, if it did.
    pub fn storage_failure(&self) -> Option<String> {
        self.storage.failure()
    }
}
