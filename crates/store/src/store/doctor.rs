//! `doctor`: every document's health (loads, sizes, changes, damaged records) and what
//! the storage quarantined.

use automerge::{Automerge, ObjType, ReadDoc};
use fengqiao_model::Case;
use serde::Serialize;

use super::Store;
use crate::record::{hex_heads, map_in, strip_subrecords};
use crate::store::Path;
use crate::{DocName, StorageProblem, StoreError, record};

/// Health of one document, for `doctor`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentReport {
    pub name: String,
    pub document_id: String,
    /// Whether this device holds the document by the directory's rights (a township
    /// laptop holds its townships' documents, not the others' the catalogue names).
    pub for_this_device: bool,
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

impl Store {
    /// Health of every document: loads, sizes, change counts, damaged records.
    pub fn doctor(&self) -> Result<DoctorReport, StoreError> {
        let mut documents = Vec::new();
        let table = self.access();
        let me = &self.identity.device_id;
        // A directory being founded lists no device yet: it is all this device's.
        let founding = self.is_founding() || table.has_no_devices();
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
                for_this_device: founding || table.access(me, &name).can_read(),
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

    pub(super) fn name_of_id(&self, id: &str) -> Option<String> {
        self.catalogue()
            .ok()?
            .into_iter()
            .find(|n| n.document_id(&self.identity.county).to_string() == id)
            .map(|n| n.to_string())
    }
}

pub(super) fn count_records(d: &Automerge, name: &DocName) -> (usize, Vec<String>) {
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

pub(super) fn dir_size(dir: &Path) -> (usize, u64) {
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
