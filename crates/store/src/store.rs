//! The [`Store`]: typed, per-record reads and writes over the documents.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::{ActorId, Automerge, ChangeHash, ObjType};
use chrono::Datelike;
use fengqiao_model::{Person, PersonId};
use samod::{DocHandle, Repo};
use serde_json::Value;

use crate::docs::{DocName, write_genesis};
use crate::error::StoreError;
use crate::index::CaseIndex;
use crate::local::{DataDir, DeviceIdentity, DirLock};
use crate::record::map_in;
use crate::storage::DurableStorage;
use crate::{local, now_cst, record};

mod attachments;
mod audit;
mod case_list;
mod cases;
mod confidential;
mod conflicts;
mod contradictions;
mod decisions;
mod directory;
mod doctor;
mod exchange;
mod feeds;
mod health;
mod history;
mod import;
mod intake;
mod law;
mod merge_check;
mod numbering;
mod papers;
mod recovery;
mod rescue;
mod restore;
mod rights;
mod roster;
mod roster_work;
#[doc(hidden)]
pub mod testing;
mod trail;
mod visits;
pub use attachments::*;
pub use audit::*;
pub use case_list::*;
pub use cases::*;
pub use confidential::*;
pub use conflicts::*;
pub use contradictions::*;
pub use decisions::*;
pub use directory::*;
pub use doctor::*;
pub use feeds::*;
pub use health::*;
pub use history::*;
pub use import::*;
pub use intake::*;
pub use papers::*;
pub use recovery::*;
pub use restore::*;
pub use rights::*;
pub use roster::*;
pub use roster_work::*;
pub use trail::*;

/// How long a write may wait for the disk before it is reported as not saved.
const DURABILITY_TIMEOUT: Duration = Duration::from_secs(30);

/// Case fields that are identity or provenance and cannot be set.
const FIXED_CASE_FIELDS: &[&str] = &[
    "id",
    "number",
    "registered_at",
    "registered_by",
    "source_number",
];

/// The replicated store of one data directory.
pub struct Store {
    dir: DataDir,
    identity: DeviceIdentity,
    key: iroh_base::SecretKey,
    policy: crate::access::DirectoryPolicy,
    publish_access: tokio::sync::watch::Sender<Arc<crate::access::AccessTable>>,
    actor: ActorId,
    storage: DurableStorage,
    repo: Repo,
    handles: Mutex<HashMap<DocName, DocHandle>>,
    /// Held while a document is being opened or created (see `doc`).
    opening: Mutex<()>,
    /// Documents whose files are on disk but from which samod loaded nothing (their first
    /// change is lost): reads found nothing there, and [`Store::gaps`] must say so.
    unloadable: Mutex<std::collections::BTreeSet<DocName>>,
    index: CaseIndex,
    /// The bytes of attachments (`blobs/`), sealed like the documents.
    blobs: crate::blobs::BlobStore,
    /// Set while `init` founds a new county directory: the one time a device writes the
    /// directory without the directory saying it may (it records itself as its first
    /// device).
    founding: std::sync::atomic::AtomicBool,
    /// Always `Some` until the store is dropped (taken there, see `Drop`).
    rt: Option<tokio::runtime::Runtime>,
    _lock: DirLock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir.root)
            .finish()
    }
}

/// The threads samod applies and generates sync messages on. With samod's default (each
/// document a task on the tokio runtime) applying a peer's 200 changes (~40 ms) ran on
/// a tokio worker and held up the message that task had just queued for the network
/// (tokio's LIFO slot is not stealable), so the two peers of a round applied each
/// other's changes one after the other instead of at once.
/// The data directory `dir` sealed under `key`, once its keyring says the key is its own.
fn sealed_dir(dir: &Path, key: &crate::DataKey) -> Result<DataDir, StoreError> {
    let ring = crate::keyring::Keyring::load(dir)?
        .ok_or_else(|| StoreError::NotEncrypted(dir.to_owned()))?;
    ring.check_key(dir, key)?;
    let mut seal = crate::Seal::new(key);
    if ring.converting {
        // An encryption in place was cut short: some files are still plain.
        seal = seal.accepting_plain();
    }
    Ok(DataDir::sealed(dir, seal))
}

/// A write the storage could not make durable, as the store reports it.
fn not_durable(e: std::io::Error) -> StoreError {
    StoreError::NotDurable(crate::storage::DurabilityError::WriteFailed(e.to_string()))
}

fn doc_pool() -> Result<rayon::ThreadPool, StoreError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|i| format!("fengqiao-doc-{i}"))
        .build()
        .map_err(|e| StoreError::Io {
            path: PathBuf::from("<document threads>"),
            source: std::io::Error::other(e),
        })
}

fn runtime() -> Result<tokio::runtime::Runtime, StoreError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("fengqiao-store")
        .enable_all()
        .build()
        .map_err(|e| StoreError::Io {
            path: PathBuf::from("<tokio runtime>"),
            source: e,
        })
}

impl Store {
    /// Creates a new store in `dir` (plain: not encrypted).
    pub fn init(dir: impl AsRef<Path>, opts: InitOptions) -> Result<Store, StoreError> {
        if crate::keyring::Keyring::exists(dir.as_ref()) {
            return Err(StoreError::Encrypted(dir.as_ref().to_owned()));
        }
        Self::init_data(DataDir::new(dir.as_ref()), opts)
    }

    /// Creates a new encrypted store in `dir`, whose keyring ([`crate::Keyring`], saved
    /// there first) wraps `key`: every file it writes is sealed from the start.
    pub fn init_sealed(
        dir: impl AsRef<Path>,
        opts: InitOptions,
        key: &crate::DataKey,
    ) -> Result<Store, StoreError> {
        let data = sealed_dir(dir.as_ref(), key)?;
        Self::init_data(data, opts)
    }

    fn init_data(data: DataDir, opts: InitOptions) -> Result<Store, StoreError> {
        if data.is_initialised() {
            return Err(StoreError::AlreadyInitialised(data.root.clone()));
        }
        // Check what can be checked before anything is written, so a refused init leaves
        // no half-made directory document behind.
        if opts.device_name.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required {
                    field: "device_name",
                },
            ]));
        }
        if opts.directory.is_none() {
            let names: Vec<&str> = opts.townships.iter().map(|t| t.name.as_str()).collect();
            if let Some(unknown) = opts.scope.iter().find(|s| !names.contains(&s.as_str())) {
                return Err(StoreError::Invalid(vec![
                    fengqiao_model::FieldError::UnknownTownship {
                        name: unknown.clone(),
                        known: names.join("、"),
                    },
                ]));
            }
        }
        local::create_layout(&data)?;
        let (key, _) = data.load_or_create_key()?;
        let identity = DeviceIdentity {
            device_id: key.public().to_string(),
            device_name: opts.device_name.clone(),
            device_code: local::device_code_for(&key.public()),
            county: opts.county.clone(),
            role: opts.role,
            scope: opts.scope.clone(),
            person: Person {
                // A device joining through enrolment uses the id the office recorded
                // its person under; a device that founds a directory makes its own.
                id: if opts.directory.is_some() {
                    local::enrolled_person_id(&key.public().to_string(), &opts.person_name)
                } else {
                    PersonId::generate()
                },
                name: opts.person_name.clone(),
                unit: String::new(),
                title: String::new(),
                panels: Vec::new(),
            },
            epoch: 0,
        };
        // The identity is written last: a crash during init leaves an uninitialised dir.
        let store = Store::open_with(data.clone(), identity.clone(), key)?;
        if let Some(bytes) = &opts.directory {
            store.import_document(&DocName::Directory, bytes)?;
        } else {
            store
                .founding
                .store(true, std::sync::atomic::Ordering::Release);
            store.create_directory(&opts)?;
        }
        let known = store.townships()?;
        for name in &opts.scope {
            if !known.iter().any(|t| &t.name == name) {
                return Err(StoreError::Invalid(vec![
                    fengqiao_model::FieldError::UnknownTownship {
                        name: name.clone(),
                        known: known
                            .iter()
                            .map(|t| t.name.clone())
                            .collect::<Vec<_>>()
                            .join("、"),
                    },
                ]));
            }
        }
        // A device joining through enrolment is already in the directory the office sent
        // (and may not write it); only a device that founds a directory records itself.
        if store.access().device(&identity.device_id).is_none() {
            store.register_device()?;
        }
        store
            .founding
            .store(false, std::sync::atomic::Ordering::Release);
        data.write_identity(&identity)?;
        Ok(store)
    }

    /// Opens the store in `dir`; an encrypted one is refused ([`StoreError::Encrypted`]):
    /// it opens with [`Store::open_sealed`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Store, StoreError> {
        if crate::keyring::Keyring::exists(dir.as_ref()) {
            return Err(StoreError::Encrypted(dir.as_ref().to_owned()));
        }
        Self::open_data(DataDir::new(dir.as_ref()))
    }

    /// Opens the encrypted store in `dir` with its data key (from a passphrase or the
    /// recovery secret, [`crate::Keyring`]). A key that is not this directory's is refused
    /// before any file is touched.
    /// An encryption in place cut short is finished first (`encrypt.rs`).
    pub fn open_sealed(dir: impl AsRef<Path>, key: &crate::DataKey) -> Result<Store, StoreError> {
        let dir = dir.as_ref();
        if crate::Keyring::load(dir)?.is_some_and(|r| r.converting) {
            let done = crate::encrypt::finish(dir, key, &mut |_| {})?;
            tracing::info!(
                sealed = done.sealed,
                "finished encrypting the data directory"
            );
        }
        let store = Self::open_data(sealed_dir(dir, key)?)?;
        // The office may have published or rotated its recovery key since the last open.
        if let Err(e) = store.follow_county_recovery_key(key) {
            tracing::warn!(error = %e, "could not wrap the data key for the county's recovery key");
        }
        Ok(store)
    }

    /// `Err(Locked)` if another process holds `dir` now: asked before a passphrase is, so a
    /// command for a directory `fengqiao serve` holds is handed to it without one.
    pub fn check_free(dir: impl AsRef<Path>) -> Result<(), StoreError> {
        DirLock::check_free(&DataDir::new(dir.as_ref()))
    }

    /// Opens `dir` with `key` when given, else as a plain directory.
    pub fn open_with_key(
        dir: impl AsRef<Path>,
        key: Option<&crate::DataKey>,
    ) -> Result<Store, StoreError> {
        match key {
            Some(key) => Self::open_sealed(dir, key),
            None => Self::open(dir),
        }
    }

    fn open_data(data: DataDir) -> Result<Store, StoreError> {
        let mut identity = data.read_identity()?;
        let (key, created) = data.load_or_create_key()?;
        let endpoint_id = key.public().to_string();
        // A directory made before devices had keys takes its key-based id now; the
        // device code (the prefix of its case numbers) stays as it was.
        let rekeyed = created || identity.device_id != endpoint_id;
        if rekeyed {
            tracing::info!(device = %endpoint_id, "this device now has a network key");
            identity.device_id = endpoint_id;
            data.write_identity(&identity)?;
        }
        let store = Store::open_with(data, identity, key)?;
        if rekeyed && let Err(e) = store.register_device() {
            // Only the office may record a device under its new key.
            tracing::warn!(error = %e, "this device's new key is not in the directory yet: ask the county office to enrol it again");
        }
        Ok(store)
    }

    fn open_with(
        data: DataDir,
        identity: DeviceIdentity,
        key: iroh_base::SecretKey,
    ) -> Result<Store, StoreError> {
        let (lock, unclean) = DirLock::acquire(&data)?;
        if unclean && data.is_initialised() {
            // Nothing to repair: every session writes as a new actor (`writer_actor`).
            tracing::info!("last session ended uncleanly");
        }
        let storage =
            DurableStorage::sealed(data.documents(), data.quarantine(), data.seal().clone())
                .map_err(StoreError::io(data.documents()))?;
        let rt = runtime()?;
        let _in_runtime = rt.enter();
        // Deny-all until the directory is read; then every connection is decided by it.
        let (policy, publish_access) = crate::access::DirectoryPolicy::new();
        let peer_key = key.public();
        let peer_id = samod::PeerId::from(peer_key.to_string());
        // The server's township shards carry this device's id (laptops check it). Each
        // may hold anything, but is sent only the documents it asks for: otherwise every
        // shard would be offered every township's documents.
        let policy = policy.with_own_peer(
            peer_id.clone(),
            samod::ShareConfig::read_write().with_announce(false),
        );
        let repo = rt.block_on(
            Repo::build_tokio()
                .with_share_policy(policy.clone())
                // The network authenticates peers by this key, so the repo's peer id is it.
                .with_peer_id(peer_id.clone())
                .with_storage(storage.clone())
                .with_concurrency(samod::ConcurrencyConfig::Threadpool(doc_pool()?))
                .load(),
        );
        Ok(Store {
            key,
            policy,
            publish_access,
            actor: crate::local::writer_actor(&peer_key, rand::random()),
            index: CaseIndex::new(data.index(), data.seal().clone()),
            blobs: crate::blobs::BlobStore::new(data.root.join("blobs"), data.seal().clone()),
            dir: data,
            identity,
            storage,
            repo,
            handles: Mutex::new(HashMap::new()),
            opening: Mutex::new(()),
            unloadable: Mutex::new(Default::default()),
            founding: std::sync::atomic::AtomicBool::new(false),
            rt: Some(rt),
            _lock: lock,
        })
    }

    /// This device's identity.
    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// This device's secret key: its iroh identity, and the key it signs with.
    pub fn device_secret_key(&self) -> &iroh_base::SecretKey {
        &self.key
    }

    /// This device's public key, its iroh `EndpointId`.
    pub fn device_public_key(&self) -> iroh_base::PublicKey {
        self.key.public()
    }

    /// The authorisation rules in force now (from the directory as this laptop has it).
    pub fn access(&self) -> Arc<crate::access::AccessTable> {
        // The rules are published when the directory is first loaded: load it now, so no
        // decision is ever taken on the empty table of a store that has not read it yet.
        let loaded = self.handles().contains_key(&DocName::Directory);
        if !loaded && let Err(e) = self.doc(&DocName::Directory, false) {
            tracing::warn!(error = %e, "the directory could not be loaded");
        }
        self.policy.current()
    }

    /// Wakes whenever the directory, and so the authorisation rules, change.
    pub fn access_changes(&self) -> tokio::sync::watch::Receiver<Arc<crate::access::AccessTable>> {
        self.policy.subscribe()
    }

    fn publish_access_from(&self, directory: &DocHandle) {
        let years = crate::access::recognised_years(now_cst().year());
        let county = &self.identity.county;
        let table = directory
            .with_document(|d| crate::access::AccessTable::from_directory(county, d, years));
        self.publish_access.send_replace(Arc::new(table));
    }

    /// Publishes the rules from the directory now, then again after every change to it,
    /// local or received, for as long as the store is open.
    fn follow_directory(&self, directory: &DocHandle) {
        let county = self.identity.county.clone();
        let publish = self.publish_access.clone();
        let handle = directory.clone();
        let rebuild = move || {
            let years = crate::access::recognised_years(now_cst().year());
            let table = handle
                .with_document(|d| crate::access::AccessTable::from_directory(&county, d, years));
            publish.send_replace(Arc::new(table));
        };
        // Subscribe before the first read, so no change falls between the two.
        let mut changes = directory.changes();
        rebuild();
        self.rt().spawn(async move {
            use futures::StreamExt;
            while changes.next().await.is_some() {
                rebuild();
            }
        });
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.dir.root
    }

    /// The data directory's files, sealed as the directory is (for the small private
    /// files other crates keep there: the peer book, enrolment secrets).
    pub fn data(&self) -> &DataDir {
        &self.dir
    }

    /// Whether the data directory is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.dir.seal().is_sealed()
    }

    /// Keeps each document's `keep` most recent superseded compaction snapshots in
    /// `superseded/` of the data directory rather than deleting them (the county server
    /// does, for recovery; laptops keep none).
    pub fn keep_superseded_snapshots(&self, keep: usize) {
        self.storage
            .keep_superseded_snapshots(self.dir.superseded(), keep);
    }

    /// From now on `peer` is sent only the documents it asks for, as the JavaScript sync
    /// server does for its clients (the county server's WebSocket clients); what it may
    /// read and write is unchanged.
    pub fn send_only_when_asked(&self, peer: &str) {
        self.policy.send_only_when_asked(peer);
    }

    /// Changes when the storage checkpoints and compacts (the crash tests make both
    /// frequent, to kill the process in the middle of them).
    pub fn set_storage_policy(&self, policy: crate::storage::StoragePolicy) {
        self.storage.set_policy(policy);
    }

    /// The samod repo, for the sync layer.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    fn handles(&self) -> std::sync::MutexGuard<'_, HashMap<DocName, DocHandle>> {
        self.handles.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The handle of a document; with `create`, brings it into being from its genesis.
    fn doc(&self, name: &DocName, create: bool) -> Result<Option<DocHandle>, StoreError> {
        if let Some(h) = self.handles().get(name) {
            return Ok(Some(h.clone()));
        }
        let found = {
            // One opening at a time: two threads (a round and a clerk's write) finding
            // the same new document at once made samod answer one of them "unavailable".
            let _opening = self.opening.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(h) = self.handles().get(name) {
                return Ok(Some(h.clone()));
            }
            let county = &self.identity.county;
            let id = name.document_id(county);
            if !create && !self.storage.holds(&id.to_string()) {
                // Not on this laptop. Asking samod would leave it remembering the document
                // as unavailable, and a later create in this session would find nothing.
                return Ok(None);
            }
            if create {
                self.rt()
                    .block_on(write_genesis(&self.storage, name, county))?;
            }
            let mut found = self.rt().block_on(self.repo.find(id.clone()))?;
            if create && found.is_none() {
                // A peer offered it over a connection that dropped (see rescue.rs).
                found = self.offer_genesis_to_self(name, id)?;
            }
            if !create && found.is_none() {
                self.unloadable
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(name.clone());
            }
            if let Some(h) = &found {
                self.storage.register_handle(h);
                self.handles().insert(name.clone(), h.clone());
                if *name == DocName::Directory {
                    self.follow_directory(h);
                }
            }
            found
        };
        // Outside the opening lock: listing it reads (and may open) the directory.
        if found.is_some() && create && *name != DocName::Directory {
            self.catalogue_add(name)?;
        }
        Ok(found)
    }

    /// The handle of a document this store has open, without loading anything (safe to
    /// call from async code: it never blocks on the store's runtime).
    pub fn open_document(&self, name: &DocName) -> Option<DocHandle> {
        self.handles().get(name).cloned()
    }

    /// The samod handle of a document, for the sync layer: loaded from disk, or with
    /// `create`, brought into being from its genesis (so changes from a peer land in the
    /// same document every laptop has). `None` when it is not here and not created.
    pub fn document_handle(
        &self,
        name: &DocName,
        create: bool,
    ) -> Result<Option<DocHandle>, StoreError> {
        self.doc(name, create)
    }

    fn must_doc(&self, name: &DocName) -> Result<DocHandle, StoreError> {
        self.doc(name, true)?
            .ok_or_else(|| StoreError::BadDocumentData {
                doc: name.to_string(),
                reason: "文档无法创建".into(),
            })
    }

    /// Runs one transaction as this device and person, and waits until it is on disk.
    fn write<T>(
        &self,
        name: &DocName,
        f: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.require_write(name)?;
        let handle = self.must_doc(name)?;
        let result = self.write_handle(&handle, f)?;
        if *name == DocName::Directory {
            // Decide by this change at once: a device enrolled a moment ago may dial now.
            self.publish_access_from(&handle);
        }
        Ok(result)
    }

    fn write_handle<T>(
        &self,
        handle: &DocHandle,
        f: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let time = now_cst().timestamp();
        let doc_id = handle.document_id().to_string();
        let (result, queued) = handle.with_document(|doc| {
            let (result, hash) = self.commit_as(doc, time, f)?;
            // Queued at once rather than when samod gets to it (the clerk is waiting),
            // and before the document is unlocked (see `queue_change`).
            let queued = match hash {
                Some(hash) => Some((
                    hash,
                    self.storage
                        .queue_change(&doc_id, doc, hash)
                        .map_err(not_durable)?,
                )),
                None => None,
            };
            Ok::<_, StoreError>((result, queued))
        })?;
        if let Some((hash, queued)) = queued {
            self.rt().block_on(queued.durable()).map_err(not_durable)?;
            self.wait_durable(handle, hash)?;
        }
        Ok(result)
    }

    /// Commits one transaction as this device's actor and person, at `time` (Unix
    /// seconds): the only place changes are made, so every change carries both.
    fn commit_as<T>(
        &self,
        doc: &mut Automerge,
        time: i64,
        f: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<(T, Option<ChangeHash>), StoreError> {
        self.commit_with(
            doc,
            automerge::transaction::CommitOptions::default().with_time(time),
            f,
        )
    }

    /// [`Store::commit_as`] with the change's options given whole (an import's changes
    /// carry a message, see `store/import.rs`).
    fn commit_with<T>(
        &self,
        doc: &mut Automerge,
        options: automerge::transaction::CommitOptions,
        f: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<(T, Option<ChangeHash>), StoreError> {
        doc.set_author(Some(self.identity.author()));
        doc.set_actor(self.actor.clone());
        doc.transact_with(|_| options, f)
            .map(|success| (success.result, success.hash))
            .map_err(|failure| failure.error)
    }

    fn wait_durable(&self, handle: &DocHandle, hash: ChangeHash) -> Result<(), StoreError> {
        let doc = handle.document_id().to_string();
        self.rt()
            .block_on(self.storage.wait_durable(&doc, hash, DURABILITY_TIMEOUT))?;
        Ok(())
    }

    fn read<T>(
        &self,
        name: &DocName,
        f: impl FnOnce(&Automerge) -> T,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.doc(name, false)?.map(|h| h.with_document(|d| f(d))))
    }

    /// Every record of a top-level collection of a document, keyed by record id; empty
    /// when the document is not on this laptop.
    fn collection_records(
        &self,
        name: &DocName,
        collection: &str,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        Ok(self
            .read(name, |d| {
                map_in(d, collection).map(|m| match record::read_value(d, &m, ObjType::Map) {
                    Value::Object(o) => o.into_iter().collect(),
                    _ => Vec::new(),
                })
            })?
            .flatten()
            .unwrap_or_default())
    }

    /// The records of a top-level collection that parse as `T`; a damaged record is
    /// skipped with a warning naming it, so one bad record never hides the rest.
    pub(crate) fn typed_records<T: serde::de::DeserializeOwned>(
        &self,
        name: &DocName,
        collection: &str,
    ) -> Result<Vec<T>, StoreError> {
        Ok(self
            .collection_records(name, collection)?
            .into_iter()
            .filter_map(|(id, v)| {
                T::deserialize(&v)
                    .inspect_err(|e| {
                        tracing::warn!(doc = %name, collection, %id, error = %e, "skipping a damaged record");
                    })
                    .ok()
            })
            .collect())
    }

    fn doc_dir(&self, id: &str) -> PathBuf {
        self.storage.document_dir(id)
    }

    /// Stops the repo cleanly (pending writes finish), then makes every change durable in
    /// its file and lets the storage's journal go.
    pub fn close(self) {
        self.rt().block_on(self.repo.stop());
        self.storage.close();
    }

    /// Closes the store and says whether a write failed (the journal then stays for the
    /// next open to replay).
    pub(crate) fn close_checked(self) -> Option<String> {
        let storage = self.storage.clone();
        self.close();
        storage.failure()
    }

    fn rt(&self) -> &tokio::runtime::Runtime {
        match &self.rt {
            Some(rt) => rt,
            None => unreachable!("the runtime is taken only when the store is dropped"),
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Closed already, or the journal stays for the next open to replay.
        self.storage.detach();
        // The last holder may be a task of another runtime (a network handler); a
        // runtime cannot be dropped there with blocking, so it is shut down in the
        // background. Writes were already acknowledged durable before they returned.
        if let Some(rt) = self.rt.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            rt.shutdown_background();
        }
    }
}

impl Store {}
