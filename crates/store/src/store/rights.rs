//! What this device may do, decided by the replicated directory (never by its own
//! `device.json`), and the check every change from elsewhere passes before it is applied.

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use fengqiao_model::{Device, Role};

use super::Store;
use crate::authority::{ChangeVetter, Refusal};
use crate::docs::DocName;
use crate::error::StoreError;

/// What [`Store::vet_incoming`] found in a document's incoming bytes.
#[derive(Debug, Clone, Default)]
pub struct Vetted {
    /// The accepted changes that this device lacks, as change chunks (what
    /// [`Store::import_document`] takes). Empty when nothing is new.
    pub accepted: Vec<u8>,
    /// How many changes were accepted.
    pub accepted_changes: usize,
    /// The changes that were not.
    pub refused: Vec<Refusal>,
}

impl Store {
    /// This device's role as the county's directory records it. A directory being
    /// founded (no device in it yet) goes by the role this device was made with.
    pub fn directory_role(&self) -> Result<Role, StoreError> {
        if self.is_founding() {
            return Ok(self.identity.role);
        }
        let table = self.access();
        if table.has_no_devices() {
            return Err(StoreError::NotPermitted(
                "县目录中没有任何设备：目录已损坏或本机尚未加入本县".into(),
            ));
        }
        match table.device(&self.identity.device_id) {
            Some(d) if d.revoked => Err(StoreError::NotPermitted("本设备已被县信访局吊销".into())),
            Some(d) => Ok(d.role),
            None => Err(StoreError::NotPermitted(
                "本设备不在县目录中（未登记）".into(),
            )),
        }
    }

    /// This device as the directory records it: role and scope decide what it may do.
    /// A directory being founded goes by what this device was made with.
    pub fn directory_device(&self) -> Result<Device, StoreError> {
        self.directory_role()?;
        let table = self.access();
        Ok(match table.device(&self.identity.device_id) {
            Some(d) if !self.is_founding() => d.clone(),
            _ => Device {
                id: self.identity.device_id.clone(),
                name: self.identity.device_name.clone(),
                code: self.identity.device_code.clone(),
                role: self.identity.role,
                scope: self.identity.scope.clone(),
                enrolled_at: crate::now_cst(),
                revoked: false,
                confidential: self.is_founding() && self.identity.role == Role::Office,
            },
        })
    }

    /// Whether the directory lets this device register and work cases.
    pub fn may_write_cases(&self) -> bool {
        self.directory_role().is_ok_and(Role::works_cases)
    }

    /// Whether the directory puts `township` (a name) in this device's scope (an empty
    /// scope is the whole county).
    pub fn in_scope(&self, township: &str) -> bool {
        self.directory_device()
            .is_ok_and(|d| d.scope.is_empty() || d.scope.iter().any(|t| t == township))
    }

    /// Refuses work on cases unless the directory makes this device a case writer.
    pub(crate) fn require_case_writer(&self) -> Result<(), StoreError> {
        let role = self.directory_role()?;
        if matches!(role, Role::Office | Role::Township) {
            Ok(())
        } else {
            Err(StoreError::NotPermitted(format!(
                "修改案件（县目录中本设备的角色：{role}）"
            )))
        }
    }

    /// Enrols, by hand, the laptop whose (new) data directory is at `dir` — set up at the
    /// office with no network: creates its device key there, records the device and its
    /// person in the directory, and returns the directory to initialise it with
    /// ([`crate::InitOptions::directory`]). Only the office, an administrator or the
    /// server may.
    pub fn enrol_at(
        &self,
        dir: &std::path::Path,
        role: Role,
        scope: Vec<String>,
        device_name: &str,
        person_name: &str,
    ) -> Result<Vec<u8>, StoreError> {
        let data = crate::local::DataDir::new(dir);
        if data.is_initialised() {
            return Err(StoreError::AlreadyInitialised(dir.to_owned()));
        }
        std::fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
        let (key, _) = data.load_or_create_key()?;
        let device = Device {
            id: key.public().to_string(),
            name: device_name.to_owned(),
            code: crate::local::device_code_for(&key.public()),
            role,
            scope,
            enrolled_at: crate::now_cst(),
            revoked: false,
            confidential: false,
        };
        self.enrol_device_with_person(&device, person_name)?;
        self.export_document(&DocName::Directory)?
            .ok_or_else(|| StoreError::BadDocumentData {
                doc: DocName::Directory.to_string(),
                reason: "本机没有目录文档".into(),
            })
    }

    /// Whether the directory lets this device change `name`.
    pub fn may_write(&self, name: &DocName) -> bool {
        self.is_founding() || self.access().may_write(&self.identity.device_id, name)
    }

    pub(super) fn is_founding(&self) -> bool {
        self.founding.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Refuses, naming the document and this device's role in the directory, a write the
    /// directory does not allow. Every peer would refuse the change anyway; refusing it
    /// here keeps it out of this laptop's own copy too.
    pub(crate) fn require_write(&self, name: &DocName) -> Result<(), StoreError> {
        if self.may_write(name) {
            return Ok(());
        }
        let role = self.directory_role()?;
        Err(StoreError::NotPermitted(format!(
            "修改 {name}（县目录中本设备的角色：{role}）"
        )))
    }

    /// The documents of this county held on this laptop, whatever lists them.
    pub(crate) fn documents_on_disk(&self) -> Vec<DocName> {
        let table = self.access();
        let mut names = Vec::new();
        for id in self.storage.document_ids() {
            if let Ok(id) = id.parse::<samod::DocumentId>()
                && let Some(name) = table.document_name(&id)
            {
                names.push(name.clone());
            }
        }
        names
    }

    /// Merges `bytes` (a saved document or change chunks, as a bundle carries them) into
    /// a scratch copy of this device's `name`, and decides each change this device lacks
    /// as if `deliverer` had sent it over the network: by the author's rights in this
    /// device's directory (see [`crate::authority`]). Nothing is applied to the store.
    /// Bytes that do not merge are refused as a whole.
    pub fn vet_incoming(
        &self,
        name: &DocName,
        deliverer: &str,
        bytes: &[u8],
    ) -> Result<Vetted, StoreError> {
        let bad = |reason: String| StoreError::BadDocumentData {
            doc: name.to_string(),
            reason,
        };
        let mut scratch = match self.export_document(name)? {
            Some(ours) => Automerge::load(&ours).map_err(|e| bad(e.to_string()))?,
            None => Automerge::new(),
        };
        let before = scratch.get_heads();
        scratch
            .load_incremental(bytes)
            .map_err(|e| bad(e.to_string()))?;
        let missing: Vec<ChangeHash> = scratch.get_missing_deps(&[]);
        if !missing.is_empty() {
            return Err(bad(format!(
                "缺少 {} 个被依赖的更改（同步包与本机数据不衔接）",
                missing.len()
            )));
        }
        let new: Vec<Change> = scratch.get_changes(&before);
        let mut vetter = ChangeVetter::new(&self.identity.county, name.clone());
        let verdicts = vetter.vet(&self.access(), deliverer, &new);
        let mut out = Vetted::default();
        for (change, verdict) in new.iter().zip(verdicts) {
            match verdict {
                Ok(()) => {
                    out.accepted.extend_from_slice(change.raw_bytes());
                    out.accepted_changes += 1;
                }
                Err(refusal) => out.refused.push(refusal),
            }
        }
        Ok(out)
    }
}
