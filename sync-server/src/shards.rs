//! Township shards: the county's documents split over several samod repos.
//!
//! samod 0.16 spends, on every event of a repo, time proportional to the connections ×
//! documents that repo sees (docs/PERFORMANCE.md, "Trap"). So each township
//! gets a repo of its own (`fengqiao_store::shard::Shard`, durable storage in
//! `<data>/shards/<code>/`) holding that township's documents and the county documents
//! its laptops may read, linked in memory to the county store's repo. A laptop whose
//! scope is exactly one township is accepted by its township's shard; every other
//! device (office, leaders, inspectors, several townships) by the county repo as before.
//! The county store still holds everything: the shards pass changes both ways.
//!
//! A shard whose laptops are away sleeps: it hands what it has to the county repo and
//! drops its link, so the county's changes to the township (the office's daily work) are
//! not applied a second time as they come, competing with the devices being served. The
//! first laptop to come back wakes it; it catches up in one exchange before serving.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use anyhow::{Context, Result};
use fengqiao_model::Role;
use fengqiao_store::shard::Shard;
use fengqiao_store::{DocName, Store};
use fengqiao_sync::AcceptRoute;
use futures::FutureExt;

/// Where the township shards keep their storage, under the server's data directory.
pub const SHARDS_DIR: &str = "shards";

/// How often the shards look for new townships and documents besides directory changes
/// (documents laptops create reach the catalogue through the directory, but a missed
/// wake-up costs nothing more than this).
const REFRESH: Duration = Duration::from_secs(5);

/// How long one attempt of a shard to catch up with the county repo may take before the
/// next refresh tries again (its laptops are served by the county repo meanwhile).
const CATCH_UP: Duration = Duration::from_secs(60);

/// How long a clean stop waits for each shard to hand its changes to the county repo.
const FLUSH: Duration = Duration::from_secs(10);

/// How long after its last laptop asked for it a shard stays linked.
const QUIET: Duration = Duration::from_secs(30);

/// How long a laptop's connection waits for its sleeping shard to wake and catch up
/// before the county repo serves it instead (well within the laptops' dial timeout).
const WAKE: Duration = Duration::from_secs(2);

struct Entry {
    shard: Arc<Shard>,
    /// Where the township's laptops are accepted.
    acceptor: samod::AcceptorHandle,
}

struct Inner {
    store: Arc<Store>,
    dir: PathBuf,
    /// The county repo's end of the in-memory links.
    county: samod::AcceptorHandle,
    by_code: Mutex<HashMap<String, Entry>>,
    /// Laptops the county repo served because their shard could not catch up in time.
    fallbacks: AtomicU64,
}

/// Every township's shard, kept in step with the directory.
pub struct Shards {
    inner: Arc<Inner>,
    follower: tokio::task::JoinHandle<()>,
}

fn url(kind: &str, code: &str) -> Result<url::Url> {
    // Codes are ASCII (`t` + hex, or an administrator's code); escape anyway.
    let code: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
    format!("shard://{kind}/{code}")
        .parse()
        .with_context(|| format!("shard URL for {code}"))
}

impl Shards {
    /// Opens a shard for every township in the directory and links each to the county
    /// repo; then follows the directory for new townships and documents.
    pub async fn start(store: Arc<Store>) -> Result<Shards> {
        let county = store
            .repo()
            .make_acceptor(url("county", "links")?)
            .map_err(|_| anyhow::anyhow!("the county repo stopped"))?;
        let inner = Arc::new(Inner {
            dir: store.data_dir().join(SHARDS_DIR),
            store,
            county,
            by_code: Mutex::new(HashMap::new()),
            fallbacks: AtomicU64::new(0),
        });
        inner.refresh().await?;
        // Shards opened behind the county (a restored server, a new `shards/`) catch up,
        // which also hands the county what a SIGKILL left in them; then, with no laptop
        // connected yet, they sleep.
        inner.catch_up(true).await;
        inner.rest().await;
        let follower = {
            let inner = Arc::downgrade(&inner);
            let mut table = match inner.upgrade() {
                Some(i) => i.store.access_changes(),
                None => anyhow::bail!("shards dropped while starting"),
            };
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        changed = table.changed() => if changed.is_err() { break },
                        _ = tokio::time::sleep(REFRESH) => {}
                    }
                    let Some(inner) = inner.upgrade() else { break };
                    if let Err(e) = inner.refresh().await {
                        tracing::warn!(error = %e, "could not bring the township shards up to date");
                    }
                    inner.catch_up(false).await;
                    inner.rest().await;
                }
            })
        };
        Ok(Shards { inner, follower })
    }

    /// The node's route: a device whose scope is exactly one township goes to that
    /// township's shard, woken if it sleeps; `None` (the county repo) for everyone else,
    /// and for a laptop whose shard could not catch up within [`WAKE`].
    pub fn route(&self) -> AcceptRoute {
        let inner: Weak<Inner> = Arc::downgrade(&self.inner);
        Arc::new(move |device: &fengqiao_model::Device| {
            let inner = inner.clone();
            let device_id = device.id.clone();
            let township = (device.role == Role::Township && device.scope.len() == 1)
                .then(|| device.scope[0].clone());
            async move {
                let inner = inner.upgrade()?;
                let code = inner.store.access().township_code(&township?)?.to_owned();
                let (shard, acceptor) = {
                    let entries = inner.entries();
                    let e = entries.get(&code)?;
                    (e.shard.clone(), e.acceptor.clone())
                };
                // A shard still catching up would tell the laptop it had everything.
                if !shard.wake(WAKE).await {
                    inner
                        .fallbacks
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::info!(device = %device_id, township = %code, "township shard not caught up; the county repo serves this laptop");
                    return None;
                }
                tracing::debug!(device = %device_id, township = %code, "accepted by its township's shard");
                Some(acceptor)
            }
            .boxed()
        })
    }

    /// Shards, those linked but still catching up with the county repo, those asleep,
    /// and the documents they hold together.
    pub fn counts(&self) -> ShardCounts {
        let entries = self.inner.entries();
        ShardCounts {
            shards: entries.len(),
            behind: entries
                .values()
                .filter(|e| e.shard.is_linked() && !e.shard.is_ready())
                .count(),
            asleep: entries.values().filter(|e| !e.shard.is_linked()).count(),
            wakes: entries.values().map(|e| e.shard.wakes()).sum(),
            fallbacks: self.inner.fallbacks.load(Ordering::Relaxed),
            documents: entries.values().map(|e| e.shard.documents()).sum(),
        }
    }

    /// Why a shard's storage stopped accepting writes, if one did.
    pub fn storage_failure(&self) -> Option<String> {
        self.inner.entries().values().find_map(|e| {
            e.shard
                .storage_failure()
                .map(|f| format!("{}: {f}", e.shard.township()))
        })
    }

    /// Stops following the directory, lets each shard hand its changes to the county
    /// repo, and stops the shards. Call after the node stopped accepting.
    pub async fn stop(self) {
        self.follower.abort();
        let entries: Vec<Entry> = self.inner.entries().drain().map(|(_, e)| e).collect();
        for e in &entries {
            e.acceptor.close();
        }
        for e in &entries {
            // A sleeping shard handed everything over before it fell asleep.
            if e.shard.is_linked() && !e.shard.flush(FLUSH).await {
                // Nothing is lost: the shard's storage is durable, and it passes what
                // the county lacks at the next start.
                tracing::warn!(
                    township = e.shard.township(),
                    "shard did not finish handing its changes to the county repo"
                );
            }
            e.shard.stop().await;
        }
        self.inner.county.close();
    }
}

impl Inner {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.by_code.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens shards for townships that have none and documents shards do not hold yet.
    async fn refresh(&self) -> Result<()> {
        let store = self.store.clone();
        let (townships, mut catalogue) = tokio::task::spawn_blocking(move || {
            Ok::<_, fengqiao_store::StoreError>((store.townships()?, store.catalogue()?))
        })
        .await??;
        catalogue.push(DocName::Directory);
        for t in townships {
            if self.entries().contains_key(&t.code) {
                continue;
            }
            let dir = self.dir.join(&t.code);
            let shard = Shard::open_sealed(
                &dir,
                &self.store.identity().county,
                &t.code,
                samod::PeerId::from(self.store.identity().device_id.clone()),
                self.store.access_changes(),
                self.store.data().seal().clone(),
            )
            .await
            .with_context(|| format!("opening the shard of {} in {}", t.name, dir.display()))?;
            shard.link(&self.county)?;
            let acceptor = shard
                .repo()
                .make_acceptor(url("township", &t.code)?)
                .map_err(|_| anyhow::anyhow!("the shard of {} stopped", t.name))?;
            tracing::info!(township = %t.name, code = %t.code, "township shard up");
            self.entries().insert(
                t.code.clone(),
                Entry {
                    shard: Arc::new(shard),
                    acceptor,
                },
            );
        }
        let shards: Vec<Arc<Shard>> = self.entries().values().map(|e| e.shard.clone()).collect();
        for shard in shards {
            let opened = shard
                .hold(&catalogue, self.store.repo())
                .await
                .with_context(|| {
                    format!("opening documents in the shard of {}", shard.township())
                })?;
            if opened > 0 {
                tracing::debug!(
                    township = shard.township(),
                    opened,
                    "shard holds new documents"
                );
            }
        }
        Ok(())
    }

    /// Lets every linked shard still behind the county repo catch up: waits for them
    /// when `wait`, else in the background (its laptops are served by the county repo
    /// meanwhile, and the next refresh tries again).
    async fn catch_up(&self, wait: bool) {
        let behind: Vec<Arc<Shard>> = self
            .entries()
            .values()
            .filter(|e| e.shard.is_linked() && !e.shard.is_ready())
            .map(|e| e.shard.clone())
            .collect();
        let attempts = behind.into_iter().map(|shard| async move {
            if shard.catch_up(CATCH_UP).await {
                tracing::info!(
                    township = shard.township(),
                    "township shard caught up with the county; it serves its laptops"
                );
            }
        });
        let all = futures::future::join_all(attempts);
        if wait {
            all.await;
        } else {
            tokio::spawn(all);
        }
    }

    /// Puts to sleep every caught-up shard none of whose laptops is connected or asked
    /// for it within [`QUIET`]; wakes a sleeping shard that has laptops connected (one
    /// let in as it fell asleep), so their changes reach the county repo.
    async fn rest(&self) {
        let shards: Vec<(Arc<Shard>, samod::AcceptorHandle)> = self
            .entries()
            .values()
            .map(|e| (e.shard.clone(), e.acceptor.clone()))
            .collect();
        for (shard, acceptor) in shards {
            let serving = || acceptor.connection_count() > 0;
            if !shard.is_linked() {
                if serving() {
                    tokio::spawn(async move { shard.wake(CATCH_UP).await });
                }
            } else if shard.is_ready() && !serving() {
                shard.sleep(FLUSH, QUIET, serving).await;
            }
        }
    }
}

/// What `/metrics` says of the shards.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShardCounts {
    pub shards: usize,
    /// Linked, and still catching up with the county repo.
    pub behind: usize,
    /// Sleeping: none of their laptops lately; the county's changes wait for them.
    pub asleep: usize,
    /// Times a laptop woke a sleeping shard.
    pub wakes: u64,
    /// Laptops the county repo served because their shard could not catch up in time.
    pub fallbacks: u64,
    /// Documents the shards hold open together.
    pub documents: usize,
}
