//! Trial merges: whether incoming document bytes would merge, decided on a scratch copy so
//! that a bundle of several documents can be applied all or nothing.

use automerge::Automerge;

use super::Store;
use crate::docs::DocName;
use crate::error::StoreError;

impl Store {
    /// Applies `bytes` (a whole document or change chunks) to a scratch copy of `name` as
    /// this laptop holds it — an empty document if it holds none — and reports whether they
    /// merge. The store itself is not touched: nothing is written, nothing is published.
    pub fn check_merge(&self, name: &DocName, bytes: &[u8]) -> Result<(), StoreError> {
        Self::check_document_bytes(name, bytes)?;
        let refused = |e: automerge::AutomergeError| StoreError::BadDocumentData {
            doc: name.to_string(),
            reason: e.to_string(),
        };
        let merged = self.read(name, |current| {
            let mut scratch = current.clone();
            scratch.load_incremental(bytes).map(|_| ())
        })?;
        match merged {
            Some(result) => result.map_err(refused),
            None => Automerge::new()
                .load_incremental(bytes)
                .map(|_| ())
                .map_err(refused),
        }
    }
}
