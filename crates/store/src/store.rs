//! The [`Store`]: typed, per-record reads and writes over the documents.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use fengqiao_model::{
    Case, CaseEvent, CaseId, CaseNumber, CaseStatus, EventId, EventKind, Note, NoteId, OrgUnit,
    Person, PersonId, Registration, ResolutionId, Role, Route, UnitId, UnitKind, event, validate,
};
use samod::{DocHandle, Repo};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::docs::{DocName, ROSTER_COLLECTIONS};
use crate::error::StoreError;
use crate::index::{self, CaseIndex, IndexRow};
use crate::local::{self, DataDir, DeviceIdentity, DirLock};
use crate::record;
use crate::storage::{DurableStorage, StorageProblem};

mod audit;
mod contradictions;
mod decisions;
mod health;
mod history;
mod intake;
mod merge_check;
mod numbering;
mod papers;
mod rescue;
mod rights;
mod roster;
pub use audit::*;
pub use contradictions::*;
pub use decisions::*;
pub use health::*;
pub use history::*;
pub use intake::*;
pub use papers::*;
pub use rights::*;
pub use roster::*;

/// How long a write may wait for the disk before it is reported as not saved.
const DURABILITY_TIMEOUT: Duration = Duration::from_secs(30);

/// Keys inside a case record that hold its sub-records rather than case fields.
const CASE_SUBRECORDS: &[&str] = &["events", "notes", "resolutions", "documents"];

/// Case fields that are identity or provenance and cannot be set.
const FIXED_CASE_FIELDS: &[&str] = &["id", "number", "registered_at", "registered_by"];

/// China Standard Time, the offset every timestamp is shown in.
pub fn china_offset() -> FixedOffset {
    const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
        Some(offset) => offset,
        None => panic!("UTC+8 is a valid offset"), // evaluated at compile time
    };
    CST
}

/// The current time in China Standard Time.
pub fn now_cst() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&china_offset())
}

/// A township (or street) of the county, with its villages, for `init`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownshipSpec {
    pub name: String,
    /// Short ASCII code used in document names; derived from the name when empty.
    pub code: String,
    pub villages: Vec<String>,
}

/// What `init` needs to know.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub device_name: String,
    pub county: String,
    pub role: Role,
    /// Townships this device works in (names); empty means all (county office).
    pub scope: Vec<String>,
    pub person_name: String,
    /// The county's townships, when this device creates the directory.
    pub townships: Vec<TownshipSpec>,
    /// An existing directory document to join instead of creating one.
    pub directory: Option<Vec<u8>>,
}

/// One row of the case list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub id: CaseId,
    pub number: String,
    pub received_on: NaiveDate,
    pub township: String,
    pub village: String,
    /// The first petitioner's name, or the first representative's.
    pub petitioner: String,
    pub request: String,
    pub channel: String,
    pub route: Option<Route>,
    pub status: CaseStatus,
    pub has_conflicts: bool,
    pub document: String,
}

/// Filters for [`Store::list_cases`]; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub township: Option<String>,
    pub status: Option<CaseStatus>,
    pub route: Option<Route>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Matched against number, names, village and content.
    pub text: Option<String>,
}

/// One of several concurrent values of a field, with who wrote it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictValue {
    pub value: Value,
    pub person: Option<PersonId>,
    pub person_name: Option<String>,
    pub device: Option<String>,
    pub written_at: Option<DateTime<FixedOffset>>,
}

/// A field of a case where laptops wrote concurrently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub case_id: CaseId,
    pub case_number: String,
    pub field: String,
    /// Route, responsible unit, dates…: never resolved automatically (see
    /// [`is_legally_significant`]).
    pub legally_significant: bool,
    pub values: Vec<ConflictValue>,
}

/// A recorded conflict decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    pub id: ResolutionId,
    pub field: String,
    pub chosen: Value,
    pub discarded: Vec<Value>,
    pub resolved_by: PersonId,
    pub resolved_by_name: String,
    pub resolved_at: DateTime<FixedOffset>,
    pub reason: String,
}

/// A case with everything recorded on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRecord {
    pub case: Case,
    pub status: CaseStatus,
    pub events: Vec<CaseEvent>,
    pub notes: Vec<Note>,
    pub conflicts: Vec<Conflict>,
    pub resolutions: Vec<Resolution>,
    pub document: String,
    /// Active merges into this case; their cases' events and notes are in the lists above.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<MergeRecord>,
    /// The active merge that absorbed this case into another, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<MergeRecord>,
}

/// Health of one document, for `doctor`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentReport {
    pub name: String,
    pub document_id: String,
    pub loaded: bool,
    pub files: usize,
    pub bytes_on_disk: u64,
    pub changes: usize,
    pub operations: usize,
    pub records: usize,
    pub damaged_records: Vec<String>,
    /// Changes other changes depend on that are not here (a change file lost): the hash
    /// chain is broken and what depends on them cannot be read.
    pub missing_changes: Vec<String>,
}

/// The store's health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoctorReport {
    pub documents: Vec<DocumentReport>,
    pub problems: Vec<StorageProblemReport>,
    pub storage_failure: Option<String>,
}

/// A quarantined file, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StorageProblemReport {
    pub document: String,
    pub quarantined_to: String,
    pub reason: String,
}

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
    index: CaseIndex,
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

/// A deterministic id for a directory unit, so re-running `init` names units the same.
fn unit_id(county: &str, kind: &str, name: &str) -> UnitId {
    UnitId(Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("fengqiao:{county}:{kind}:{name}").as_bytes(),
    ))
}

fn township_code(spec: &TownshipSpec) -> String {
    if !spec.code.is_empty() {
        return spec.code.clone();
    }
    let hash = Uuid::new_v5(&Uuid::NAMESPACE_OID, spec.name.as_bytes());
    format!("t{}", &hash.simple().to_string()[..8])
}

impl Store {
    /// Creates a new store in `dir`.
    pub fn init(dir: impl AsRef<Path>, opts: InitOptions) -> Result<Store, StoreError> {
        let data = DataDir::new(dir.as_ref());
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

    /// Opens the store in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Store, StoreError> {
        let data = DataDir::new(dir.as_ref());
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
        let storage = DurableStorage::new(data.documents(), data.quarantine())
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
            index: CaseIndex::new(data.index()),
            dir: data,
            identity,
            storage,
            repo,
            handles: Mutex::new(HashMap::new()),
            opening: Mutex::new(()),
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

    /// Keeps each document's `keep` most recent superseded compaction snapshots in
    /// `superseded/` of the data directory rather than deleting them (the county server
    /// does, for recovery; laptops keep none).
    pub fn keep_superseded_snapshots(&self, keep: usize) {
        self.storage
            .keep_superseded_snapshots(self.dir.superseded(), keep);
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
            if !create && !self.doc_dir(&id.to_string()).exists() {
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
            if let Some(h) = &found {
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

    /// Enrols a device in the directory (or re-enrols it with a new role or scope). Only
    /// the county office, an administrator or the server may.
    pub fn enrol_device(&self, device: &fengqiao_model::Device) -> Result<(), StoreError> {
        self.require_role(&[Role::Office, Role::Admin, Role::Server], "登记设备")?;
        let value = to_json(device)?;
        self.write(&DocName::Directory, |tx| {
            let devices = map_at(tx, "devices")?;
            record::put_record(tx, &devices, &device.id, &value)?;
            Ok(())
        })
    }

    /// Enrols a device and records the person who uses it (the person's id is
    /// [`local::enrolled_person_id`], which the device writes its changes as), in one
    /// change: the device may not write the directory itself.
    pub fn enrol_device_with_person(
        &self,
        device: &fengqiao_model::Device,
        person_name: &str,
    ) -> Result<(), StoreError> {
        self.require_role(&[Role::Office, Role::Admin, Role::Server], "登记设备")?;
        let value = to_json(device)?;
        let person = Person {
            id: local::enrolled_person_id(&device.id, person_name),
            name: person_name.trim().to_owned(),
            unit: String::new(),
            title: String::new(),
            panels: Vec::new(),
        };
        let person_value = to_json(&person)?;
        self.write(&DocName::Directory, |tx| {
            let devices = map_at(tx, "devices")?;
            record::put_record(tx, &devices, &device.id, &value)?;
            if !person.name.is_empty() {
                let people = map_at(tx, "people")?;
                record::put_record(tx, &people, &person.id.to_string(), &person_value)?;
            }
            Ok(())
        })
    }

    /// Revokes a device: from the moment this change reaches a peer, that peer refuses it.
    pub fn revoke_device(&self, device_id: &str) -> Result<(), StoreError> {
        self.require_role(&[Role::Office, Role::Admin, Role::Server], "吊销设备")?;
        let mut device = self
            .devices()?
            .into_iter()
            .find(|d| d.id == device_id)
            .ok_or_else(|| StoreError::NoSuchDevice(device_id.to_owned()))?;
        device.revoked = true;
        self.enrol_device(&device)
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
        let time = Utc::now().timestamp();
        let (result, hash) = handle.with_document(|doc| self.commit_as(doc, time, f))?;
        if let Some(hash) = hash {
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
        doc.set_author(Some(self.identity.author()));
        doc.set_actor(self.actor.clone());
        doc.transact_with(
            |_| automerge::transaction::CommitOptions::default().with_time(time),
            f,
        )
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

    // ----- directory -----

    fn create_directory(&self, opts: &InitOptions) -> Result<(), StoreError> {
        let county = opts.county.clone();
        let townships = opts.townships.clone();
        self.write(&DocName::Directory, |tx| {
            let meta = map_at(tx, "meta")?;
            tx.put(&meta, "county", county.as_str())?;
            tx.put(&meta, "schema", 1_i64)?;
            let units = map_at(tx, "units")?;
            let county_id = unit_id(&county, "county", &county);
            let county_unit = OrgUnit {
                id: county_id,
                name: county.clone(),
                kind: UnitKind::County,
                parent: None,
                code: String::new(),
                head: None,
            };
            record::put_record(tx, &units, &county_id.to_string(), &to_json(&county_unit)?)?;
            for spec in &townships {
                let tid = unit_id(&county, "township", &spec.name);
                let unit = OrgUnit {
                    id: tid,
                    name: spec.name.clone(),
                    kind: UnitKind::Township,
                    parent: Some(county_id),
                    code: township_code(spec),
                    head: None,
                };
                record::put_record(tx, &units, &tid.to_string(), &to_json(&unit)?)?;
                for village in &spec.villages {
                    let vid = unit_id(&county, &format!("village:{}", spec.name), village);
                    let unit = OrgUnit {
                        id: vid,
                        name: village.clone(),
                        kind: UnitKind::Village,
                        parent: Some(tid),
                        code: String::new(),
                        head: None,
                    };
                    record::put_record(tx, &units, &vid.to_string(), &to_json(&unit)?)?;
                }
            }
            Ok(())
        })
    }

    fn register_device(&self) -> Result<(), StoreError> {
        let device = fengqiao_model::Device {
            id: self.identity.device_id.clone(),
            name: self.identity.device_name.clone(),
            code: self.identity.device_code.clone(),
            role: self.identity.role,
            scope: self.identity.scope.clone(),
            enrolled_at: now_cst(),
            revoked: false,
        };
        let person = self.identity.person.clone();
        self.write(&DocName::Directory, |tx| {
            let devices = map_at(tx, "devices")?;
            record::put_record(tx, &devices, &device.id, &to_json(&device)?)?;
            let people = map_at(tx, "people")?;
            record::put_record(tx, &people, &person.id.to_string(), &to_json(&person)?)?;
            Ok(())
        })
    }

    /// Lists `name` in the directory's catalogue if this device keeps the directory and it
    /// is not listed yet: a device that keeps the directory lists every county document
    /// it starts receiving, since the laptops that create them may not list them.
    pub fn list_in_catalogue(&self, name: &DocName) -> Result<(), StoreError> {
        if *name == DocName::Directory || !self.may_write(&DocName::Directory) {
            return Ok(());
        }
        self.catalogue_add(name)
    }

    fn catalogue_add(&self, name: &DocName) -> Result<(), StoreError> {
        // Others' documents are found on disk (`catalogue`): the directory is not theirs.
        if !self.may_write(&DocName::Directory) {
            return Ok(());
        }
        let key = name.to_string();
        let listed = self
            .read(&DocName::Directory, |d| {
                map_in(d, "catalogue")
                    .and_then(|m| d.get(&m, key.as_str()).ok().flatten())
                    .is_some()
            })?
            .unwrap_or(false);
        if listed {
            return Ok(());
        }
        let id = name.document_id(&self.identity.county).to_string();
        self.write(&DocName::Directory, |tx| {
            let catalogue = map_at(tx, "catalogue")?;
            tx.put(&catalogue, key.as_str(), id.as_str())?;
            Ok(())
        })
    }

    /// Every document listed in the directory's catalogue or held on this laptop (a
    /// township laptop creates period documents it may not list in the directory), plus
    /// the directory.
    pub fn catalogue(&self) -> Result<Vec<DocName>, StoreError> {
        let mut names: Vec<DocName> = self
            .read(&DocName::Directory, |d| {
                map_in(d, "catalogue")
                    .map(|m| {
                        d.keys(&m)
                            .filter_map(|k| k.parse::<DocName>().ok())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })?
            .unwrap_or_default();
        names.extend(self.documents_on_disk());
        names.retain(|n| *n != DocName::Directory);
        names.sort();
        names.dedup();
        names.insert(0, DocName::Directory);
        Ok(names)
    }

    fn directory_records(&self, collection: &str) -> Result<Vec<Value>, StoreError> {
        Ok(self
            .directory_records_keyed(collection)?
            .into_iter()
            .map(|(_, v)| v)
            .collect())
    }

    /// Every org unit in the directory.
    pub fn units(&self) -> Result<Vec<OrgUnit>, StoreError> {
        let mut units: Vec<OrgUnit> = self
            .directory_records("units")?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        units.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(units)
    }

    /// The county's townships.
    pub fn townships(&self) -> Result<Vec<OrgUnit>, StoreError> {
        Ok(self
            .units()?
            .into_iter()
            .filter(|u| u.kind == UnitKind::Township)
            .collect())
    }

    /// The villages of a township (by name).
    pub fn villages(&self, township: &str) -> Result<Vec<String>, StoreError> {
        let units = self.units()?;
        let Some(t) = units
            .iter()
            .find(|u| u.kind == UnitKind::Township && u.name == township)
        else {
            return Ok(Vec::new());
        };
        Ok(units
            .iter()
            .filter(|u| u.parent == Some(t.id))
            .map(|u| u.name.clone())
            .collect())
    }

    /// People known to the directory.
    pub fn people(&self) -> Result<Vec<Person>, StoreError> {
        Ok(self
            .directory_records("people")?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// Devices known to the directory.
    pub fn devices(&self) -> Result<Vec<fengqiao_model::Device>, StoreError> {
        Ok(self
            .directory_records("devices")?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// Leaders known to the directory.
    pub fn leaders(&self) -> Result<Vec<fengqiao_model::Leader>, StoreError> {
        Ok(self
            .directory_records("leaders")?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// Adds or updates a leader.
    pub fn put_leader(&self, leader: &fengqiao_model::Leader) -> Result<(), StoreError> {
        self.require_role(&[Role::Office, Role::Admin], "维护领导名单")?;
        let value = to_json(leader)?;
        let key = leader.id.to_string();
        self.write(&DocName::Directory, |tx| {
            let leaders = map_at(tx, "leaders")?;
            update_record(tx, &leaders, &key, &value)
        })
    }

    /// A holiday calendar override the office added (TOML text per year).
    pub fn calendar_overrides(&self) -> Result<BTreeMap<i32, String>, StoreError> {
        // Calendars are scalars keyed by year, not records, but the same reader serves.
        Ok(self
            .collection_records(&DocName::Directory, "calendars")?
            .into_iter()
            .filter_map(|(year, text)| Some((year.parse().ok()?, text.as_str()?.to_owned())))
            .collect())
    }

    /// The holiday calendar: the embedded years plus the office's overrides. A damaged
    /// override is skipped with a warning, so one bad notice cannot hide the others.
    pub fn holiday_calendar(&self) -> Result<fengqiao_rules::HolidayCalendar, StoreError> {
        let mut calendar = fengqiao_rules::HolidayCalendar::embedded();
        for (year, text) in self.calendar_overrides()? {
            match calendar.clone().with_year_toml(&text) {
                Ok(c) => calendar = c,
                Err(e) => tracing::warn!(year, error = %e, "ignoring a damaged calendar override"),
            }
        }
        Ok(calendar)
    }

    /// Stores a year's holiday calendar (the State Council notice, as TOML text).
    pub fn put_calendar_override(&self, year: i32, toml_text: &str) -> Result<(), StoreError> {
        self.require_role(&[Role::Office, Role::Admin], "维护节假日安排")?;
        let parsed = fengqiao_rules::YearCalendar::from_toml(toml_text).map_err(|e| {
            StoreError::BadValue {
                field: format!("calendars.{year}"),
                value: String::new(),
                why: e.to_string(),
            }
        })?;
        if parsed.year != year {
            return Err(StoreError::BadValue {
                field: format!("calendars.{year}"),
                value: parsed.year.to_string(),
                why: format!("节假日安排写的是 {} 年，不是 {year} 年", parsed.year),
            });
        }
        let text = toml_text.to_owned();
        self.write(&DocName::Directory, |tx| {
            let calendars = map_at(tx, "calendars")?;
            tx.put(&calendars, year.to_string(), text.as_str())?;
            Ok(())
        })
    }

    fn require_role(&self, roles: &[Role], what: &str) -> Result<(), StoreError> {
        let role = self.directory_role()?;
        if roles.contains(&role) {
            Ok(())
        } else {
            Err(StoreError::NotPermitted(format!(
                "{what}（县目录中本设备的角色：{role}）"
            )))
        }
    }

    fn township_code_of(&self, name: &str) -> Result<String, StoreError> {
        code_of(&self.townships()?, name)
    }

    // ----- cases -----

    /// Validates and registers a case; returns it once it is safe on disk.
    pub fn add_case(&self, registration: Registration) -> Result<Case, StoreError> {
        self.add_case_at(registration, now_cst())
    }

    /// [`Store::add_case`] with an explicit registration time (demo data, imports).
    pub fn add_case_at(
        &self,
        mut registration: Registration,
        at: DateTime<FixedOffset>,
    ) -> Result<Case, StoreError> {
        self.require_case_writer()?;
        registration.township = registration.township.trim().to_owned();
        let townships = self.townships()?;
        let names: Vec<String> = townships.iter().map(|t| t.name.clone()).collect();
        validate::validate_registration(&registration, &names, at.date_naive())
            .map_err(StoreError::Invalid)?;
        if !self.in_scope(&registration.township) {
            return Err(StoreError::NotPermitted(format!(
                "在 {} 登记案件（县目录中本设备负责：{}）",
                registration.township,
                self.directory_device()?.scope.join("、")
            )));
        }
        let code = code_of(&townships, &registration.township)?;
        let name = DocName::cases_for(&code, registration.received_on);
        let year = at.year();
        let sequence = self.next_sequence(year)?;
        let case = Case {
            id: CaseId::generate(),
            number: CaseNumber {
                device_code: self.identity.device_code.clone(),
                year,
                sequence,
            },
            registered_at: at,
            registered_by: self.identity.person.id,
            registration,
        };
        let registered = CaseEvent {
            id: EventId::generate(),
            kind: EventKind::Registered,
            date: case.registration.received_on,
            recorded_at: at,
            recorded_by: self.identity.person.id,
            remark: String::new(),
        };
        let mut value = to_json(&case)?;
        if let Value::Object(fields) = &mut value {
            let mut events = serde_json::Map::new();
            events.insert(registered.id.to_string(), to_json(&registered)?);
            fields.insert("events".into(), Value::Object(events));
            fields.insert("notes".into(), Value::Object(Default::default()));
            fields.insert("resolutions".into(), Value::Object(Default::default()));
            fields.insert("documents".into(), Value::Object(Default::default()));
        }
        let key = case.id.to_string();
        self.write(&name, |tx| {
            let cases = map_at(tx, "cases")?;
            record::put_record(tx, &cases, &key, &value)?;
            Ok(())
        })?;
        Ok(case)
    }

    /// The case documents this device holds.
    fn case_documents(&self) -> Result<Vec<DocName>, StoreError> {
        Ok(self
            .catalogue()?
            .into_iter()
            .filter(|n| matches!(n, DocName::Cases { .. }))
            .collect())
    }

    /// Finds which document holds a case (by id or case number).
    fn locate(&self, key: &str) -> Result<(DocName, CaseId), StoreError> {
        let key = key.trim();
        for (name, rows) in self.indexed_rows(None)? {
            if let Some(row) = rows
                .iter()
                .find(|r| r.summary.number == key || r.summary.id.to_string() == key)
            {
                return Ok((name, row.summary.id));
            }
        }
        Err(StoreError::NoSuchCase(key.to_owned()))
    }

    /// The list rows of every case document (of one township, if given): from the index
    /// where it is current, else from the document, refreshing the index.
    fn indexed_rows(
        &self,
        township_code: Option<&str>,
    ) -> Result<Vec<(DocName, Vec<IndexRow>)>, StoreError> {
        let mut ready = Vec::new();
        let mut to_read = Vec::new();
        for name in self.case_documents()? {
            if township_code.is_some_and(|code| name.township() != Some(code)) {
                continue;
            }
            let id = name.document_id(&self.identity.county).to_string();
            let loaded = self.handles().get(&name).cloned();
            match loaded {
                Some(handle) => {
                    // In memory: the document may hold changes the disk does not have yet,
                    // so match on heads, not on files.
                    let heads = handle.with_document(|d| hex_heads(&d.get_heads()));
                    match self.index.rows_for_heads(&id, &heads) {
                        Some(rows) => ready.push((name, rows)),
                        None => to_read.push((name, id, handle)),
                    }
                }
                None => {
                    let files = index::file_listing(&self.doc_dir(&id));
                    match self.index.rows_for_files(&id, &files) {
                        Some(rows) => ready.push((name, rows)),
                        None => {
                            if let Some(handle) = self.doc(&name, false)? {
                                to_read.push((name, id, handle));
                            }
                        }
                    }
                }
            }
        }
        // Documents are independent: read them on both cores.
        let index = &self.index;
        let storage = &self.storage;
        let doc_dir = |id: &str| self.doc_dir(id);
        let doc_dir = &doc_dir;
        let read: Vec<(DocName, Vec<IndexRow>)> = std::thread::scope(|s| {
            let per_thread = to_read.len().div_ceil(2).max(1);
            let workers: Vec<_> = to_read
                .chunks(per_thread)
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|(name, id, handle)| {
                                let (rows, heads, whole) = handle.with_document(|d| {
                                    let whole = d.get_missing_deps(&[]).is_empty();
                                    (index_rows(d, name), d.get_heads(), whole)
                                });
                                // Index only what is on disk: a crash must never leave rows
                                // for changes that were not saved. Nor rows of a document
                                // missing changes: it is read (and its gap reported, see
                                // `Store::gaps`) every time until it is whole.
                                if whole && heads.iter().all(|h| storage.is_on_disk(id, h)) {
                                    index.store(
                                        id,
                                        index::file_listing(&doc_dir(id)),
                                        hex_heads(&heads),
                                        &rows,
                                    );
                                }
                                (name.clone(), rows)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .filter_map(|w| w.join().ok())
                .flatten()
                .collect()
        });
        ready.extend(read);
        Ok(ready)
    }

    /// Lists cases matching `filter`, newest first.
    pub fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError> {
        let code = match &filter.township {
            Some(t) => Some(self.township_code_of(t)?),
            None => None,
        };
        let absorbed = self.absorbed_cases()?;
        let mut all: Vec<CaseSummary> = self
            .indexed_rows(code.as_deref())?
            .into_iter()
            .flat_map(|(_, rows)| rows)
            .filter(|row| matches_filter(row, filter) && !absorbed.contains(&row.summary.id))
            .map(|row| row.summary)
            .collect();
        all.sort_by(|a, b| {
            b.received_on
                .cmp(&a.received_on)
                .then_with(|| b.number.cmp(&a.number))
        });
        Ok(all)
    }

    /// Every case matching `filter` with its sorted events: what clocks are computed from.
    /// Reads each document once, so a Today view over thousands of cases stays cheap.
    pub fn histories(
        &self,
        filter: &CaseFilter,
    ) -> Result<Vec<(Case, Vec<CaseEvent>)>, StoreError> {
        let wanted: std::collections::HashSet<CaseId> =
            self.list_cases(filter)?.into_iter().map(|c| c.id).collect();
        let mut out = Vec::with_capacity(wanted.len());
        for name in self.case_documents()? {
            let read = self.read(&name, |d| {
                let Some(cases) = map_in(d, "cases") else {
                    return Vec::new();
                };
                d.map_range(&cases, ..)
                    .filter(|item| {
                        item.key
                            .parse::<CaseId>()
                            .is_ok_and(|id| wanted.contains(&id))
                    })
                    .filter_map(|item| {
                        let mut value = record::read_value(d, &item.id(), ObjType::Map);
                        let (mut events, _) = parse_map::<CaseEvent>(value.get("events"));
                        event::sort_events(&mut events);
                        strip_subrecords(&mut value);
                        Case::deserialize(&value).ok().map(|case| (case, events))
                    })
                    .collect::<Vec<_>>()
            })?;
            out.extend(read.into_iter().flatten());
        }
        Ok(out)
    }

    /// One case with its events, notes, conflicts and resolutions; a case that absorbed
    /// others by a merge shows their events and notes too.
    pub fn case(&self, key: &str) -> Result<CaseRecord, StoreError> {
        let mut record = self.case_alone(key)?;
        self.attach_merges(&mut record)?;
        Ok(record)
    }

    /// One case as its own document holds it, without merges.
    fn case_alone(&self, key: &str) -> Result<CaseRecord, StoreError> {
        let (name, id) = self.locate(key)?;
        let directory = self.who_index()?;
        let record = self
            .read(&name, |d| read_case(d, &name, id, &directory))?
            .ok_or_else(|| StoreError::NoSuchCase(key.to_owned()))??;
        Ok(record)
    }

    /// Records an event on a case.
    pub fn add_event(
        &self,
        key: &str,
        kind: EventKind,
        date: NaiveDate,
        remark: &str,
    ) -> Result<CaseEvent, StoreError> {
        self.require_case_writer()?;
        let (name, id) = self.locate(key)?;
        let today = now_cst().date_naive();
        if date > today {
            return Err(StoreError::BadValue {
                field: "date".into(),
                value: date.to_string(),
                why: "事件日期不能晚于今天".into(),
            });
        }
        check_event_payload(&kind, date, today)?;
        let event = CaseEvent {
            id: EventId::generate(),
            kind,
            date,
            recorded_at: now_cst(),
            recorded_by: self.identity.person.id,
            remark: remark.to_owned(),
        };
        let value = to_json(&event)?;
        let key = event.id.to_string();
        self.write(&name, |tx| {
            let events = case_sub(tx, id, "events")?;
            record::put_record(tx, &events, &key, &value)?;
            Ok(())
        })?;
        Ok(event)
    }

    /// Adds or updates an org unit (e.g. names its head, 负责人).
    pub fn put_unit(&self, unit: &OrgUnit) -> Result<(), StoreError> {
        self.require_role(&[Role::Office, Role::Admin], "维护单位名录")?;
        let value = to_json(unit)?;
        let key = unit.id.to_string();
        self.write(&DocName::Directory, |tx| {
            let units = map_at(tx, "units")?;
            update_record(tx, &units, &key, &value)
        })
    }

    /// Adds or updates a person (staff, unit heads, 评议/听证团 members).
    pub fn put_person(&self, person: &Person) -> Result<(), StoreError> {
        self.require_role(&[Role::Office, Role::Admin], "维护人员名录")?;
        if person.name.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required {
                    field: "person.name",
                },
            ]));
        }
        let value = to_json(person)?;
        let key = person.id.to_string();
        self.write(&DocName::Directory, |tx| {
            let people = map_at(tx, "people")?;
            update_record(tx, &people, &key, &value)
        })
    }

    /// Adds a note to a case.
    pub fn add_note(&self, key: &str, text: &str) -> Result<Note, StoreError> {
        self.require_case_writer()?;
        if text.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required { field: "note.text" },
            ]));
        }
        let (name, id) = self.locate(key)?;
        let note = Note {
            id: NoteId::generate(),
            author: self.identity.person.id,
            author_name: self.identity.person.name.clone(),
            written_at: now_cst(),
            text: text.to_owned(),
        };
        let value = to_json(&note)?;
        let note_key = note.id.to_string();
        self.write(&name, |tx| {
            let notes = case_sub(tx, id, "notes")?;
            record::put_record(tx, &notes, &note_key, &value)?;
            Ok(())
        })?;
        Ok(note)
    }

    /// Sets one field of a case, e.g. `route`, `lead_unit`, `content.request`,
    /// `flags.supervised` or `petitioners.0.phone`. `value` is text; it is read as the
    /// field's type, checked against the model, and stored in canonical form.
    pub fn set_field(&self, key: &str, field: &str, value: &str) -> Result<(), StoreError> {
        self.require_case_writer()?;
        let top = field.split('.').next().unwrap_or_default();
        if FIXED_CASE_FIELDS.contains(&top) || CASE_SUBRECORDS.contains(&top) {
            return Err(StoreError::FieldNotSettable {
                field: field.into(),
                why: "编号、登记信息和历史记录不可直接修改".into(),
            });
        }
        let (name, id) = self.locate(key)?;
        let townships: Vec<String> = self.townships()?.into_iter().map(|t| t.name).collect();
        let field = field.to_owned();
        let text = value.to_owned();
        self.write(&name, move |tx| {
            let case_obj = case_obj(tx, id)?;
            let current = record::read_value(tx, &case_obj, ObjType::Map);
            let new_value = typed_value(&current, &field, &text)?;
            let mut updated = current.clone();
            set_path(&mut updated, &field, new_value.clone()).ok_or_else(|| {
                StoreError::FieldNotSettable {
                    field: field.clone(),
                    why: "没有这个字段".into(),
                }
            })?;
            strip_subrecords(&mut updated);
            let case: Case = serde_json::from_value(updated).map_err(|e| StoreError::BadValue {
                field: field.clone(),
                value: text.clone(),
                why: e.to_string(),
            })?;
            validate::validate_registration(
                &case.registration,
                &townships,
                case.registered_at.date_naive(),
            )
            .map_err(StoreError::Invalid)?;
            // Store the canonical form (codes, not the Chinese aliases a clerk may type).
            let canonical = get_path(&to_json(&case)?, &field)
                .cloned()
                .unwrap_or(new_value);
            let (obj, prop) = record::resolve_path(tx, &case_obj, &field).ok_or_else(|| {
                StoreError::FieldNotSettable {
                    field: field.clone(),
                    why: "没有这个字段".into(),
                }
            })?;
            put_at(tx, &obj, prop, &canonical)?;
            Ok(())
        })
    }

    /// Every open conflict in the cases this device holds.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let who = self.who_index()?;
        let mut out = Vec::new();
        // The index knows which documents hold conflicts; only those are read.
        for (name, rows) in self.indexed_rows(None)? {
            if !rows.iter().any(|r| r.summary.has_conflicts) {
                continue;
            }
            if let Some(list) = self.read(&name, |d| doc_conflicts(d, &who))? {
                out.extend(list);
            }
        }
        Ok(out)
    }

    /// Resolves a conflict by choosing one of its values (1-based `choice`), recording
    /// who decided, when and why.
    pub fn resolve_conflict(
        &self,
        key: &str,
        field: &str,
        choice: usize,
        reason: &str,
    ) -> Result<Resolution, StoreError> {
        self.require_case_writer()?;
        let record = self.case(key)?;
        let conflict = record
            .conflicts
            .iter()
            .find(|c| c.field == field)
            .ok_or_else(|| StoreError::NoSuchConflict {
                case: key.into(),
                field: field.into(),
            })?;
        if choice == 0 || choice > conflict.values.len() {
            return Err(StoreError::BadChoice {
                count: conflict.values.len(),
            });
        }
        let chosen = conflict.values[choice - 1].value.clone();
        let discarded: Vec<Value> = conflict
            .values
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != choice - 1)
            .map(|(_, v)| v.value.clone())
            .collect();
        let resolution = Resolution {
            id: ResolutionId::generate(),
            field: field.to_owned(),
            chosen: chosen.clone(),
            discarded,
            resolved_by: self.identity.person.id,
            resolved_by_name: self.identity.person.name.clone(),
            resolved_at: now_cst(),
            reason: reason.to_owned(),
        };
        // The record already says where the case lives; don't search the index again.
        let name: DocName = record
            .document
            .parse()
            .map_err(|e: crate::docs::BadDocName| StoreError::BadDocumentData {
                doc: record.document.clone(),
                reason: e.to_string(),
            })?;
        let id = record.case.id;
        let value = to_json(&resolution)?;
        let rkey = resolution.id.to_string();
        let field = field.to_owned();
        self.write(&name, move |tx| {
            let case_obj = case_obj(tx, id)?;
            let (obj, prop) = record::resolve_path(tx, &case_obj, &field).ok_or_else(|| {
                StoreError::NoSuchConflict {
                    case: id.to_string(),
                    field: field.clone(),
                }
            })?;
            // A new put depends on every concurrent value, so it supersedes them all.
            put_at(tx, &obj, prop, &chosen)?;
            let resolutions = case_sub(tx, id, "resolutions")?;
            record::put_record(tx, &resolutions, &rkey, &value)?;
            Ok(())
        })?;
        Ok(resolution)
    }

    fn who_index(&self) -> Result<WhoIndex, StoreError> {
        let people: HashMap<PersonId, String> =
            self.people()?.into_iter().map(|p| (p.id, p.name)).collect();
        let actors: HashMap<String, (String, String)> = self
            .directory_records_keyed("actors")?
            .into_iter()
            .map(|(k, v)| {
                let device = v
                    .get("device")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let person = v
                    .get("person")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                (k, (device, person))
            })
            .collect();
        let devices: HashMap<String, String> = self
            .devices()?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        Ok(WhoIndex {
            people,
            actors,
            devices,
        })
    }

    fn directory_records_keyed(
        &self,
        collection: &str,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        self.collection_records(&DocName::Directory, collection)
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

    // ----- field visits -----

    /// Plans or records a field visit (下访). The visit is written field by field, so a
    /// plan edited in the office and an outcome recorded in the village merge.
    pub fn put_visit(&self, visit: &fengqiao_model::FieldVisit) -> Result<(), StoreError> {
        self.require_case_writer()?;
        if !self.in_scope(&visit.township) {
            return Err(StoreError::NotPermitted(format!(
                "在 {} 安排下访",
                visit.township
            )));
        }
        if visit.village.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required { field: "village" },
            ]));
        }
        let code = self.township_code_of(&visit.township)?;
        let name = DocName::Visits {
            township: code,
            year: visit.date.year(),
        };
        let key = visit.id.to_string();
        let value = to_json(visit)?;
        self.write(&name, move |tx| {
            let visits = map_at(tx, "visits")?;
            update_record(tx, &visits, &key, &value)
        })
    }

    /// The field visits of a township in a year, by date.
    pub fn visits(
        &self,
        township: &str,
        year: i32,
    ) -> Result<Vec<fengqiao_model::FieldVisit>, StoreError> {
        let name = DocName::Visits {
            township: self.township_code_of(township)?,
            year,
        };
        let mut visits: Vec<fengqiao_model::FieldVisit> = self
            .collection_records(&name, "visits")?
            .into_iter()
            .filter_map(|(id, v)| {
                fengqiao_model::FieldVisit::deserialize(&v)
                    .inspect_err(
                        |e| tracing::warn!(%id, error = %e, "skipping a damaged visit record"),
                    )
                    .ok()
            })
            .collect();
        visits.sort_by_key(|v| (v.date, v.id));
        Ok(visits)
    }

    // ----- roster -----

    fn roster_collection(collection: &str) -> Result<&'static str, StoreError> {
        ROSTER_COLLECTIONS
            .iter()
            .copied()
            .find(|c| *c == collection)
            .ok_or_else(|| StoreError::NoSuchCollection(collection.to_owned()))
    }

    /// Every record of a roster collection for `year`, keyed by record id.
    pub fn roster_records(
        &self,
        year: i32,
        collection: &str,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        let collection = Self::roster_collection(collection)?;
        self.collection_records(&DocName::Roster { year }, collection)
    }

    /// Writes one roster record (field by field, so concurrent edits of different fields
    /// of one slot merge).
    pub fn put_roster_record(
        &self,
        year: i32,
        collection: &str,
        id: &str,
        value: &Value,
    ) -> Result<(), StoreError> {
        self.require_role(&[Role::Office, Role::Township, Role::Leader], "修改排班")?;
        let collection = Self::roster_collection(collection)?;
        let id = id.to_owned();
        let value = value.clone();
        self.write(&DocName::Roster { year }, move |tx| {
            let map = map_at(tx, collection)?;
            update_record(tx, &map, &id, &value)
        })
    }

    // ----- documents as bytes -----

    /// The whole document, compacted (for bundles and backups).
    pub fn export_document(&self, name: &DocName) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(name, |d| d.save())
    }

    /// The heads of a document this laptop holds (hex), for "what do you already have".
    pub fn document_heads(&self, name: &DocName) -> Result<Option<Vec<String>>, StoreError> {
        self.read(name, |d| hex_heads(&d.get_heads()))
    }

    /// The changes of a document that are not covered by `heads` (hex) — what a peer that
    /// has `heads` lacks. Unknown or malformed heads are refused by name.
    pub fn export_changes_since(
        &self,
        name: &DocName,
        heads: &[String],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let parsed = heads
            .iter()
            .map(|h| {
                h.parse::<ChangeHash>()
                    .map_err(|_| StoreError::BadDocumentData {
                        doc: name.to_string(),
                        reason: format!("“{h}” 不是有效的变更哈希"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.read(name, |d| {
            // A head we have never seen is the peer's own work; everything we have that is
            // not behind the heads we do know is what the peer may lack.
            let known: Vec<ChangeHash> = parsed
                .into_iter()
                .filter(|h| d.get_change_meta_by_hash(h).is_some())
                .collect();
            d.save_after(&known)
        })
    }

    /// Checks that document bytes are whole and well-formed, without applying them.
    pub fn check_document_bytes(name: &DocName, bytes: &[u8]) -> Result<(), StoreError> {
        Automerge::new()
            .load_incremental(bytes)
            .map(|_| ())
            .map_err(|e| StoreError::BadDocumentData {
                doc: name.to_string(),
                reason: e.to_string(),
            })
    }

    /// Merges document bytes (a full save or changes) into the local copy and waits
    /// until the result is on disk. Damaged bytes change nothing.
    pub fn import_document(&self, name: &DocName, bytes: &[u8]) -> Result<usize, StoreError> {
        // Check first in a scratch document, so a damaged file cannot half-apply.
        Self::check_document_bytes(name, bytes)?;
        let handle = self.must_doc(name)?;
        let (applied, heads) = handle.with_document(|d| {
            let before = d.get_heads();
            let r = d.load_incremental(bytes);
            let after = d.get_heads();
            (r, if before == after { Vec::new() } else { after })
        });
        let applied = applied.map_err(|e| StoreError::BadDocumentData {
            doc: name.to_string(),
            reason: e.to_string(),
        })?;
        for hash in heads {
            self.wait_durable(&handle, hash)?;
        }
        if *name == DocName::Directory {
            // Decide by the imported directory at once (the follower catches up later).
            self.publish_access_from(&handle);
        }
        Ok(applied)
    }

    /// Health of every document: loads, sizes, change counts, damaged records.
    pub fn doctor(&self) -> Result<DoctorReport, StoreError> {
        let mut documents = Vec::new();
        for name in self.catalogue()? {
            let id = name.document_id(&self.identity.county);
            let (files, bytes_on_disk) = dir_size(&self.doc_dir(&id.to_string()));
            let stats = self.read(&name, |d| {
                let stats = d.stats();
                let (records, damaged) = count_records(d, &name);
                (
                    stats.num_changes as usize,
                    stats.num_ops as usize,
                    records,
                    damaged,
                    hex_heads(&d.get_missing_deps(&[])),
                )
            })?;
            let (loaded, (changes, operations, records, damaged_records, missing_changes)) =
                match stats {
                    Some(s) => (true, s),
                    None => (false, (0, 0, 0, Vec::new(), Vec::new())),
                };
            documents.push(DocumentReport {
                name: name.to_string(),
                document_id: id.to_string(),
                loaded,
                files,
                bytes_on_disk,
                changes,
                operations,
                records,
                damaged_records,
                missing_changes,
            });
        }
        let problems = self
            .storage
            .problems()
            .into_iter()
            .map(|p: StorageProblem| StorageProblemReport {
                document: self
                    .name_of_id(&p.document_id)
                    .unwrap_or(p.document_id.clone()),
                quarantined_to: p.quarantined_to.display().to_string(),
                reason: p.reason,
            })
            .collect();
        Ok(DoctorReport {
            documents,
            problems,
            storage_failure: self.storage.failure(),
        })
    }

    /// Quarantined files found so far (they are found as documents load).
    pub fn storage_problems(&self) -> Vec<StorageProblem> {
        self.storage.problems()
    }

    fn name_of_id(&self, id: &str) -> Option<String> {
        self.catalogue()
            .ok()?
            .into_iter()
            .find(|n| n.document_id(&self.identity.county).to_string() == id)
            .map(|n| n.to_string())
    }

    fn doc_dir(&self, id: &str) -> PathBuf {
        self.storage.document_dir(id)
    }

    /// Stops the repo cleanly (pending writes finish).
    pub fn close(self) {
        self.rt().block_on(self.repo.stop());
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

/// Maps actors to devices and people.
struct WhoIndex {
    people: HashMap<PersonId, String>,
    /// Actors from before writer actors: registered (device, person) by hex id.
    actors: HashMap<String, (String, String)>,
    devices: HashMap<String, String>,
}

impl WhoIndex {
    /// The device (id) an actor writes for, and the person its registration names (empty
    /// for writer actors: their changes carry the person as the Automerge author).
    fn actor(&self, actor: &ActorId) -> Option<(String, String)> {
        local::device_of_actor(actor)
            .map(|device| (device, String::new()))
            .or_else(|| self.actors.get(&actor.to_hex_string()).cloned())
    }
}

/// The document code of a township, or the error naming the townships there are.
fn code_of(townships: &[OrgUnit], name: &str) -> Result<String, StoreError> {
    townships
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.code.clone())
        .ok_or_else(|| {
            StoreError::Invalid(vec![fengqiao_model::FieldError::UnknownTownship {
                name: name.to_owned(),
                known: townships
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            }])
        })
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::BadValue {
        field: String::new(),
        value: String::new(),
        why: e.to_string(),
    })
}

fn map_in<R: ReadDoc>(d: &R, key: &str) -> Option<ObjId> {
    match d.get(ROOT, key).ok()?? {
        (automerge::Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

fn map_at<R: ReadDoc>(d: &R, key: &str) -> Result<ObjId, StoreError> {
    map_in(d, key).ok_or_else(|| StoreError::BadDocumentData {
        doc: String::new(),
        reason: format!("缺少顶层容器 {key}"),
    })
}

fn case_obj<R: ReadDoc>(d: &R, id: CaseId) -> Result<ObjId, StoreError> {
    let cases = map_at(d, "cases")?;
    match d.get(&cases, id.to_string())? {
        Some((automerge::Value::Object(_), obj)) => Ok(obj),
        _ => Err(StoreError::NoSuchCase(id.to_string())),
    }
}

fn case_sub<R: ReadDoc>(d: &R, id: CaseId, sub: &str) -> Result<ObjId, StoreError> {
    let obj = case_obj(d, id)?;
    match d.get(&obj, sub)? {
        Some((automerge::Value::Object(_), m)) => Ok(m),
        _ => Err(StoreError::DamagedRecord {
            doc: String::new(),
            id: id.to_string(),
            reason: format!("缺少 {sub}"),
        }),
    }
}

fn put_at<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    prop: automerge::Prop,
    value: &Value,
) -> Result<(), StoreError> {
    match prop {
        automerge::Prop::Map(k) => record::put_value(tx, obj, &k, value)?,
        automerge::Prop::Seq(i) => match value {
            Value::Object(_) | Value::Array(_) => {
                return Err(StoreError::FieldNotSettable {
                    field: i.to_string(),
                    why: "只能修改单个值".into(),
                });
            }
            scalar => tx.put(obj, i, record::to_scalar(scalar))?,
        },
    }
    Ok(())
}

/// Updates the record at `parent[key]` field by field; creates it if missing.
fn update_record<T: Transactable + ReadDoc>(
    tx: &mut T,
    parent: &ObjId,
    key: &str,
    value: &Value,
) -> Result<(), StoreError> {
    let existing = match tx.get(parent, key)? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => Some(obj),
        _ => None,
    };
    let (Some(obj), Value::Object(fields)) = (existing, value) else {
        record::put_value(tx, parent, key, value)?;
        return Ok(());
    };
    let current = record::read_value(tx, &obj, ObjType::Map);
    for (k, v) in fields {
        if current.get(k) != Some(v) {
            record::put_value(tx, &obj, k, v)?;
        }
    }
    if let Value::Object(cur) = &current {
        for k in cur.keys() {
            if !fields.contains_key(k) {
                tx.delete(&obj, k.as_str())?;
            }
        }
    }
    Ok(())
}

fn strip_subrecords(value: &mut Value) {
    if let Value::Object(o) = value {
        for k in CASE_SUBRECORDS {
            o.remove(*k);
        }
    }
}

fn get_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, part| match v {
        Value::Object(o) => o.get(part),
        Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn set_path(value: &mut Value, path: &str, new: Value) -> Option<()> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop()?;
    let mut cur = value;
    for part in parts {
        cur = match cur {
            Value::Object(o) => o.get_mut(part)?,
            Value::Array(a) => a.get_mut(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match cur {
        Value::Object(o) => {
            o.insert(last.to_owned(), new);
            Some(())
        }
        Value::Array(a) => {
            *a.get_mut(last.parse::<usize>().ok()?)? = new;
            Some(())
        }
        _ => None,
    }
}

/// Reads `text` as the JSON type the field has now (or as the model expects).
fn typed_value(current: &Value, field: &str, text: &str) -> Result<Value, StoreError> {
    let bad = |why: &str| StoreError::BadValue {
        field: field.into(),
        value: text.into(),
        why: why.into(),
    };
    match get_path(current, field) {
        Some(Value::Bool(_)) => match text.trim() {
            "true" | "是" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "否" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(bad("应为 true/false（是/否）")),
        },
        Some(Value::Number(_)) => text
            .trim()
            .parse::<i64>()
            .map(|n| Value::Number(n.into()))
            .map_err(|_| bad("应为整数")),
        Some(Value::Array(_)) => Ok(Value::Array(
            text.split([',', '，', '、'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.into()))
                .collect(),
        )),
        Some(Value::Object(_)) => {
            serde_json::from_str(text).map_err(|e| bad(&format!("应为 JSON 对象：{e}")))
        }
        Some(Value::Null) | None if text.trim().is_empty() => Ok(Value::Null),
        _ => Ok(Value::String(text.to_owned())),
    }
}

fn parse_map<T: for<'de> Deserialize<'de>>(v: Option<&Value>) -> (Vec<T>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    if let Some(Value::Object(o)) = v {
        for (k, v) in o {
            match T::deserialize(v) {
                Ok(t) => ok.push(t),
                Err(e) => bad.push(format!("{k}: {e}")),
            }
        }
    }
    (ok, bad)
}

fn hex_heads(heads: &[ChangeHash]) -> Vec<String> {
    let mut out: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    out.sort();
    out
}

fn index_rows(d: &Automerge, name: &DocName) -> Vec<IndexRow> {
    let Some(cases) = map_in(d, "cases") else {
        return Vec::new();
    };
    let doc_name = name.to_string();
    d.map_range(&cases, ..)
        .filter_map(|item| {
            let ValueRef::Object(_) = item.value else {
                return None;
            };
            let obj = item.id();
            let summary = summarise(d, &obj, &doc_name)?;
            let mut search = String::new();
            if let Some(content) = obj_field(d, &obj, "content") {
                search.push_str(&str_field(d, &content, "facts"));
            }
            for list in ["petitioners", "representatives"] {
                if let Some(l) = obj_field(d, &obj, list) {
                    for i in 0..d.length(&l) {
                        if let Some(p) = obj_field(d, &l, i) {
                            search.push(' ');
                            search.push_str(&str_field(d, &p, "name"));
                        }
                    }
                }
            }
            Some(IndexRow { summary, search })
        })
        .collect()
}

use automerge::ValueRef;

/// Checks what the law and common sense ask of the new kinds' payloads: a hearing session
/// sat on at least one day, none after today, and the event is dated its first day; a
/// follow-up is due after it is set.
fn check_event_payload(
    kind: &EventKind,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let bad = |field: &str, value: String, why: &str| {
        Err(StoreError::BadValue {
            field: field.into(),
            value,
            why: why.into(),
        })
    };
    match kind {
        EventKind::HearingSession { days, .. } => {
            let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
                return bad("days", String::new(), "听证/评议会至少要有一天");
            };
            if *last > today {
                return bad("days", last.to_string(), "听证/评议日期不能晚于今天");
            }
            if *first != date {
                return bad("date", date.to_string(), "事件日期应为听证/评议的第一天");
            }
            Ok(())
        }
        EventKind::FollowUpScheduled { due } if *due < date => {
            bad("due", due.to_string(), "回访期限不能早于安排日期")
        }
        _ => Ok(()),
    }
}

/// A scalar string field of an object (empty when absent or not a string).
fn str_field<R: ReadDoc>(d: &R, obj: &ObjId, key: &str) -> String {
    match d.get(obj, key) {
        Ok(Some((automerge::Value::Scalar(s), _))) => s.as_str().unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

fn obj_field<R: ReadDoc, P: Into<automerge::Prop>>(d: &R, obj: &ObjId, key: P) -> Option<ObjId> {
    match d.get(obj, key) {
        Ok(Some((automerge::Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

/// The list row of a case, read field by field: the list must stay fast at county scale,
/// so it reads only what a row shows and derives status from event kinds alone.
fn summarise(d: &Automerge, obj: &ObjId, doc: &str) -> Option<CaseSummary> {
    let petitioner = ["petitioners", "representatives"]
        .iter()
        .filter_map(|list| obj_field(d, obj, *list).and_then(|l| obj_field(d, &l, 0usize)))
        .map(|p| str_field(d, &p, "name"))
        .find(|n| !n.is_empty())
        .unwrap_or_default();
    let mut events: Vec<(String, Option<DateTime<FixedOffset>>, String, String)> = Vec::new();
    if let Some(events_obj) = obj_field(d, obj, "events") {
        for e in d.map_range(&events_obj, ..) {
            let eo = e.id();
            let recorded_at = DateTime::parse_from_rfc3339(&str_field(d, &eo, "recorded_at")).ok();
            events.push((
                str_field(d, &eo, "date"),
                recorded_at,
                e.key.into_owned(),
                str_field(d, &eo, "kind"),
            ));
        }
    }
    events.sort();
    let status = events
        .iter()
        .fold(CaseStatus::Registered, |s, (_, _, _, kind)| {
            event::status_after(s, kind)
        });
    let route = str_field(d, obj, "route");
    Some(CaseSummary {
        id: str_field(d, obj, "id").parse().ok()?,
        number: str_field(d, obj, "number"),
        received_on: str_field(d, obj, "received_on").parse().ok()?,
        township: str_field(d, obj, "township"),
        village: str_field(d, obj, "village"),
        petitioner,
        request: obj_field(d, obj, "content")
            .map(|c| str_field(d, &c, "request"))
            .unwrap_or_default(),
        channel: str_field(d, obj, "channel"),
        route: Route::parse(&route).ok(),
        status,
        has_conflicts: !record::conflicts_in(d, obj, CASE_SUBRECORDS).is_empty(),
        document: doc.to_owned(),
    })
}

fn matches_filter(row: &IndexRow, f: &CaseFilter) -> bool {
    let s = &row.summary;
    if f.township.as_ref().is_some_and(|t| *t != s.township)
        || f.status.is_some_and(|st| st != s.status)
        || f.route.is_some_and(|r| Some(r) != s.route)
        || f.from.is_some_and(|d| s.received_on < d)
        || f.to.is_some_and(|d| s.received_on > d)
    {
        return false;
    }
    match f.text.as_deref().map(str::trim) {
        Some(q) if !q.is_empty() => {
            s.number.contains(q)
                || s.petitioner.contains(q)
                || s.village.contains(q)
                || s.request.contains(q)
                || row.search.contains(q)
        }
        _ => true,
    }
}

fn read_case(
    d: &Automerge,
    name: &DocName,
    id: CaseId,
    who: &WhoIndex,
) -> Result<CaseRecord, StoreError> {
    let obj = case_obj(d, id)?;
    let mut value = record::read_value(d, &obj, ObjType::Map);
    let (mut events, _) = parse_map::<CaseEvent>(value.get("events"));
    event::sort_events(&mut events);
    let (mut notes, _) = parse_map::<Note>(value.get("notes"));
    notes.sort_by_key(|n| (n.written_at, n.id));
    let (mut resolutions, _) = parse_map::<Resolution>(value.get("resolutions"));
    resolutions.sort_by_key(|r| r.resolved_at);
    strip_subrecords(&mut value);
    let case: Case = serde_json::from_value(value).map_err(|e| StoreError::DamagedRecord {
        doc: name.to_string(),
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    let raw = record::conflicts_in(d, &obj, CASE_SUBRECORDS);
    // Who wrote what needs the whole change history: only build it when there is a conflict.
    let changes = (!raw.is_empty()).then(|| ChangeIndex::new(d));
    let conflicts = changes
        .map(|changes| {
            raw.into_iter()
                .map(|r| to_conflict(r, &case, &changes, who))
                .collect()
        })
        .unwrap_or_default();
    Ok(CaseRecord {
        status: event::status_of(&events),
        case,
        events,
        notes,
        conflicts,
        resolutions,
        document: name.to_string(),
        merged_from: Vec::new(),
        merged_into: None,
    })
}

fn doc_conflicts(d: &Automerge, who: &WhoIndex) -> Vec<Conflict> {
    let Some(cases) = map_in(d, "cases") else {
        return Vec::new();
    };
    let mut changes: Option<ChangeIndex> = None;
    let mut out = Vec::new();
    for item in d.map_range(&cases, ..) {
        let raw = record::conflicts_in(d, &item.id(), CASE_SUBRECORDS);
        if raw.is_empty() {
            continue;
        }
        let value = record::read_value(d, &item.id(), ObjType::Map);
        let mut stripped = value.clone();
        strip_subrecords(&mut stripped);
        let Ok(case) = serde_json::from_value::<Case>(stripped) else {
            continue;
        };
        let changes = changes.get_or_insert_with(|| ChangeIndex::new(d));
        out.extend(raw.into_iter().map(|r| to_conflict(r, &case, changes, who)));
    }
    out
}

/// The ops one change wrote, with its time and author.
struct ChangeSpan {
    start_op: u64,
    max_op: u64,
    time: i64,
    author: Option<Vec<u8>>,
}

/// The person (Automerge author bytes) behind a change: automerge 0.12 stores the
/// author once per actor in a document, so a change may not carry it itself.
fn author_of(
    d: &Automerge,
    actor: &ActorId,
    on_change: Option<&automerge::Author<'_>>,
) -> Option<Vec<u8>> {
    on_change
        .map(|a| a.as_bytes().to_vec())
        .or_else(|| d.get_author_for_actor(actor).map(|a| a.as_bytes().to_vec()))
}

/// Finds the change (and so the time and author) that wrote an op.
struct ChangeIndex {
    by_actor: HashMap<ActorId, Vec<ChangeSpan>>,
}

impl ChangeIndex {
    fn new(d: &Automerge) -> Self {
        let mut by_actor: HashMap<ActorId, Vec<ChangeSpan>> = HashMap::new();
        for c in d.get_changes_meta(&[]) {
            by_actor
                .entry(c.actor.clone().into_owned())
                .or_default()
                .push(ChangeSpan {
                    start_op: c.start_op,
                    max_op: c.max_op,
                    time: c.timestamp,
                    author: author_of(d, &c.actor, c.author.as_ref()),
                });
        }
        Self { by_actor }
    }

    fn find(&self, op: &ObjId) -> Option<(ActorId, i64, Option<Vec<u8>>)> {
        let automerge::ObjId::Id(counter, actor, _) = op else {
            return None;
        };
        self.by_actor
            .get(actor)?
            .iter()
            .find(|c| c.start_op <= *counter && *counter <= c.max_op)
            .map(|c| (actor.clone(), c.time, c.author.clone()))
    }
}

fn to_conflict(
    raw: record::RawConflict,
    case: &Case,
    changes: &ChangeIndex,
    who: &WhoIndex,
) -> Conflict {
    let values = raw
        .values
        .into_iter()
        .map(|v| {
            let found = changes.find(&v.op);
            let (device, person, person_name, written_at) = match found {
                Some((actor, time, author)) => {
                    let person = author.and_then(|a| Uuid::from_slice(&a).ok()).map(PersonId);
                    let (device_id, _) = who.actor(&actor).unwrap_or_default();
                    let device = who
                        .devices
                        .get(&device_id)
                        .cloned()
                        .or((!device_id.is_empty()).then_some(device_id));
                    let person_name = person.and_then(|p| who.people.get(&p).cloned());
                    let at =
                        DateTime::from_timestamp(time, 0).map(|t| t.with_timezone(&china_offset()));
                    (device, person, person_name, at)
                }
                None => (None, None, None, None),
            };
            ConflictValue {
                value: v.value,
                person,
                person_name,
                device,
                written_at,
            }
        })
        .collect();
    Conflict {
        case_id: case.id,
        case_number: case.number.to_string(),
        legally_significant: is_legally_significant(&raw.path),
        field: raw.path,
        values,
    }
}

fn count_records(d: &Automerge, name: &DocName) -> (usize, Vec<String>) {
    match name {
        DocName::Cases { .. } => {
            let Some(cases) = map_in(d, "cases") else {
                return (0, Vec::new());
            };
            let mut n = 0;
            let mut damaged = Vec::new();
            for item in d.map_range(&cases, ..) {
                n += 1;
                let mut v = record::read_value(d, &item.id(), ObjType::Map);
                strip_subrecords(&mut v);
                if let Err(e) = serde_json::from_value::<Case>(v) {
                    damaged.push(format!("{}: {e}", item.key));
                }
            }
            (n, damaged)
        }
        other => {
            let n = other
                .containers()
                .iter()
                .filter_map(|c| map_in(d, c))
                .map(|m| d.length(&m))
                .sum();
            (n, Vec::new())
        }
    }
}

fn dir_size(dir: &Path) -> (usize, u64) {
    let mut files = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(m) = e.metadata() {
                files += 1;
                bytes += m.len();
            }
        }
    }
    (files, bytes)
}

/// A complete case as demo data or an import brings it: registration, history, notes.
#[derive(Debug, Clone)]
pub struct ImportedCase {
    pub registration: Registration,
    pub registered_at: DateTime<FixedOffset>,
    /// Events after registration, in any order.
    pub events: Vec<(EventKind, NaiveDate)>,
    pub notes: Vec<String>,
}

impl Store {
    /// Writes many cases at once: one change per case, one wait for the disk per
    /// document. Each case is validated like [`Store::add_case`]. `progress` is called
    /// with the number of cases written so far.
    pub fn import_cases(
        &self,
        cases: Vec<ImportedCase>,
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<CaseId>, StoreError> {
        self.require_case_writer()?;
        let townships = self.townships()?;
        let names: Vec<String> = townships.iter().map(|t| t.name.clone()).collect();
        let mut by_doc: BTreeMap<DocName, Vec<Value>> = BTreeMap::new();
        let mut ids = Vec::with_capacity(cases.len());
        let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
        for c in &cases {
            *per_year.entry(c.registered_at.year()).or_default() += 1;
        }
        let mut next_seq: BTreeMap<i32, u32> = BTreeMap::new();
        for (year, n) in per_year {
            next_seq.insert(year, self.reserve_sequences(year, n)?);
        }
        for c in cases {
            validate::validate_registration(&c.registration, &names, c.registered_at.date_naive())
                .map_err(StoreError::Invalid)?;
            let code = code_of(&townships, &c.registration.township)?;
            let year = c.registered_at.year();
            let seq = next_seq.entry(year).or_insert(1);
            let case = Case {
                id: CaseId::generate(),
                number: CaseNumber {
                    device_code: self.identity.device_code.clone(),
                    year,
                    sequence: *seq,
                },
                registered_at: c.registered_at,
                registered_by: self.identity.person.id,
                registration: c.registration,
            };
            *seq += 1;
            let mut events = serde_json::Map::new();
            let mut notes = serde_json::Map::new();
            let registered = (EventKind::Registered, case.registration.received_on);
            for (kind, date) in std::iter::once(registered).chain(c.events) {
                let at = date
                    .and_hms_opt(10, 0, 0)
                    .and_then(|t| t.and_local_timezone(china_offset()).single())
                    .unwrap_or(case.registered_at);
                let e = CaseEvent {
                    id: EventId::generate(),
                    kind,
                    date,
                    recorded_at: at,
                    recorded_by: self.identity.person.id,
                    remark: String::new(),
                };
                events.insert(e.id.to_string(), to_json(&e)?);
            }
            for text in c.notes {
                let n = Note {
                    id: NoteId::generate(),
                    author: self.identity.person.id,
                    author_name: self.identity.person.name.clone(),
                    written_at: case.registered_at,
                    text,
                };
                notes.insert(n.id.to_string(), to_json(&n)?);
            }
            let mut value = to_json(&case)?;
            if let Value::Object(fields) = &mut value {
                fields.insert("events".into(), Value::Object(events));
                fields.insert("notes".into(), Value::Object(notes));
                fields.insert("resolutions".into(), Value::Object(Default::default()));
            }
            ids.push(case.id);
            by_doc
                .entry(DocName::cases_for(&code, case.registration.received_on))
                .or_default()
                .push(value);
        }
        let mut written = 0;
        for (name, values) in by_doc {
            let handle = self.must_doc(&name)?;
            let last = handle.with_document(|doc| {
                let mut last = None;
                for value in &values {
                    let key = value
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let time = value
                        .get("registered_at")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .map_or(0, |t| t.timestamp());
                    let ((), hash) = self.commit_as(doc, time, |tx| {
                        let cases = map_at(tx, "cases")?;
                        record::put_record(tx, &cases, &key, value)?;
                        Ok(())
                    })?;
                    last = hash.or(last);
                }
                Ok::<_, StoreError>(last)
            })?;
            if let Some(hash) = last {
                self.wait_durable(&handle, hash)?;
            }
            written += values.len();
            progress(written);
        }
        // Build the list index now, while the documents are in memory.
        self.indexed_rows(None)?;
        Ok(ids)
    }
}

/// Writes a document's genesis into `storage` (a no-op when it is there already), so
/// samod finds the document; a failed write is refused by name.
pub(crate) async fn write_genesis(
    storage: &DurableStorage,
    name: &DocName,
    county: &str,
) -> Result<(), StoreError> {
    let (key, genesis) = genesis_entry(name, county)?;
    samod::storage::Storage::put(storage, key, genesis).await;
    match storage.failure() {
        Some(f) => Err(StoreError::NotDurable(
            crate::storage::DurabilityError::WriteFailed(f),
        )),
        None => Ok(()),
    }
}

/// A document's genesis change as the storage entry samod would write for it (an
/// incremental keyed by the change hash), so every device starts from the same bytes.
fn genesis_entry(
    name: &DocName,
    county: &str,
) -> Result<(samod::storage::StorageKey, Vec<u8>), StoreError> {
    let genesis = name.genesis(county)?;
    let key = samod::storage::StorageKey::from_parts([
        name.document_id(county).to_string(),
        "incremental".into(),
        genesis.hash().to_string(),
    ])
    .map_err(|e| StoreError::BadDocumentData {
        doc: name.to_string(),
        reason: e.to_string(),
    })?;
    Ok((key, genesis.raw_bytes().to_vec()))
}
