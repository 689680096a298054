//! Documents as bytes: what bundles, repair and the sync layer hand between devices, and
//! the checks incoming bytes pass before anything is applied.

use automerge::{Automerge, ChangeHash};

use super::Store;
use crate::record::hex_heads;
use crate::{DocName, StoreError};

impl Store {
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
}
