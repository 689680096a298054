//! Putting a damaged document right from a whole copy a peer holds (`fengqiao repair`).
//!
//! A document with a lost or quarantined file may load only in part, or not at all (its
//! first change gone, samod holds nothing of it). A peer's whole copy fills the gap: each
//! of its changes is decided by its author's rights in this device's directory, as if
//! the peer had sent it over the network, and what is accepted is written to disk as
//! change files beside what is there. Nothing on disk is replaced, so work of this
//! laptop's that never reached the peer is kept.

use std::collections::BTreeSet;
use std::path::PathBuf;

use automerge::{Automerge, Change, ReadDoc};
use serde::Serialize;

use super::Store;
use super::health::DocumentGap;
use crate::authority::{ChangeVetter, Refusal};
use crate::docs::DocName;
use crate::error::StoreError;
use crate::storage::DurableStorage;

/// What restoring one document did.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    pub document: String,
    /// Changes this device now holds whole that it could not read before.
    pub restored_changes: usize,
    /// Changes of the peer's copy refused by their authors' rights.
    #[serde(skip)]
    pub refused: Vec<Refusal>,
    pub refused_changes: usize,
    /// Quarantined files of the document, kept where they are and no longer reported: if
    /// one held work that never reached the peer, that work is only there.
    pub kept_in_quarantine: Vec<PathBuf>,
}

/// A document as the storage holds it (without samod), and how many of its changes
/// apply (those whose dependencies are all there).
fn from_files(storage: &DurableStorage, id: &str) -> (Automerge, usize) {
    let doc = super::health::document_from_files(storage, id);
    let applied = doc.get_changes(&[]).len();
    (doc, applied)
}

impl Store {
    /// Every document a read cannot see whole, after opening each document the
    /// catalogue lists (a gap shows only once its document is opened).
    pub fn damaged_documents(&self) -> Result<Vec<DocumentGap>, StoreError> {
        for name in self.catalogue()? {
            self.read(&name, |_| ())?;
        }
        self.gaps()
    }

    /// Merges a peer's whole copy of `name` (sent by `deliverer`) into this device's
    /// damaged one: every change is vetted by its author's rights, the accepted ones are
    /// written to disk, and the document's quarantined files are marked dealt with once
    /// nothing it depends on is missing. The directory is repaired by
    /// [`Store::import_document`] instead: deciding rights needs it whole.
    pub fn restore_document(
        &self,
        name: &DocName,
        deliverer: &str,
        bytes: &[u8],
    ) -> Result<Restored, StoreError> {
        let bad = |reason: String| StoreError::BadDocumentData {
            doc: name.to_string(),
            reason,
        };
        if *name == DocName::Directory {
            return Err(bad("县目录用 import_document 恢复".into()));
        }
        Self::check_document_bytes(name, bytes)?;
        let theirs = Automerge::load(bytes).map_err(|e| bad(e.to_string()))?;
        let changes: Vec<Change> = theirs.get_changes(&[]);
        let mut vetter = ChangeVetter::new(&self.identity.county, name.clone());
        let verdicts = vetter.vet(&self.access(), deliverer, &changes);
        let mut accepted = Vec::new();
        let mut refused = Vec::new();
        for (change, verdict) in changes.into_iter().zip(verdicts) {
            match verdict {
                Ok(()) => accepted.push(change),
                Err(refusal) => refused.push(refusal),
            }
        }
        let id = name.document_id(&self.identity.county).to_string();
        let doc_dir = self.doc_dir(&id);
        let (_, applied_before) = from_files(&self.storage, &id);
        self.storage
            .write_changes(&id, &accepted)
            .map_err(|source| StoreError::Io {
                path: doc_dir.clone(),
                source,
            })?;
        let (on_disk, applied_after) = from_files(&self.storage, &id);
        let missing = on_disk.get_missing_deps(&[]);
        if !missing.is_empty() {
            return Err(bad(format!(
                "对方的副本也缺少 {} 个被依赖的变更，未能补全",
                missing.len()
            )));
        }
        // A session that has the document open sees the repair at once; one that could
        // open nothing of it (samod holds it as unavailable) sees it from the next start.
        if let Some(handle) = self.open_document(name) {
            let chunks: Vec<u8> = accepted
                .iter()
                .flat_map(|c| c.raw_bytes().to_vec())
                .collect();
            handle
                .with_document(|d| d.load_incremental(&chunks))
                .map_err(|e| bad(e.to_string()))?;
        }
        self.unloadable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        let kept_in_quarantine = self.storage.settle_problems(&id);
        Ok(Restored {
            document: name.to_string(),
            restored_changes: applied_after.saturating_sub(applied_before),
            refused_changes: refused.len(),
            refused,
            kept_in_quarantine,
        })
    }

    /// The documents [`Store::damaged_documents`] names, as names a peer can be asked
    /// for (a gap in a document the catalogue does not name cannot be asked for).
    pub fn documents_to_restore(gaps: &[DocumentGap]) -> Vec<DocName> {
        gaps.iter()
            .filter_map(|g| g.name.clone())
            .filter(|n| *n != DocName::Directory)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}
