//! The local case index: list rows derived from the case documents, kept beside them so
//! opening a county's store does not load every document.
//!
//! Automerge reads cost microseconds per field, and a county holds 10,000 cases a year in
//! dozens of documents; loading them all to show a list takes seconds. The index keeps each
//! document's rows together with the names of the document's files on disk. Files are
//! content-addressed (a change's hash, a snapshot's heads), so an unchanged listing means
//! unchanged content and the rows can be used without loading the document. Any
//! difference — a write, a sync, a compaction — makes the entry stale and it is rebuilt
//! from the document. The index never replicates, is never the source of truth, and a
//! damaged or missing entry is simply rebuilt.

use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::store::CaseSummary;

/// Bumped whenever the row format changes; older entries are rebuilt. 3: entries are no
/// longer written for a document missing changes (earlier ones may hide such a gap). 4: a
/// row's route is the route in force (the latest 分流), not the registration's. 5: rows
/// carry an imported case's source number.
const INDEX_VERSION: u32 = 5;

/// A list row plus the text a search looks through.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IndexRow {
    pub summary: CaseSummary,
    /// Names, facts and other longer text, for `--text` search.
    pub search: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexEntry {
    version: u32,
    files: Vec<String>,
    /// The document heads the rows were read at.
    heads: Vec<String>,
    rows: Vec<IndexRow>,
}

/// The index directory of a data directory.
#[derive(Debug, Clone)]
pub(crate) struct CaseIndex {
    dir: PathBuf,
    /// Sealed under the data key in an encrypted directory: the rows name petitioners.
    seal: crate::seal::Seal,
}

impl CaseIndex {
    pub fn new(dir: PathBuf, seal: crate::seal::Seal) -> Self {
        Self { dir, seal }
    }

    fn role(doc_id: &str) -> String {
        format!("index/{doc_id}.json")
    }

    fn entry_path(&self, doc_id: &str) -> PathBuf {
        self.dir.join(format!("{doc_id}.json"))
    }

    fn entry(&self, doc_id: &str) -> Option<IndexEntry> {
        let path = self.entry_path(doc_id);
        let bytes = fs::read(&path).ok()?;
        let bytes = match self.seal.open(&Self::role(doc_id), &bytes) {
            Ok(b) => b,
            Err(e) => {
                // A cache: rebuilt from the documents, which are checked on their own.
                tracing::warn!(file = %path.display(), error = %e, "index entry does not open; rebuilding it");
                return None;
            }
        };
        serde_json::from_slice::<IndexEntry>(&bytes)
            .ok()
            .filter(|e| e.version == INDEX_VERSION)
    }

    /// The rows of a document on disk, if the entry matches the document's files.
    pub fn rows_for_files(&self, doc_id: &str, files: &[String]) -> Option<Vec<IndexRow>> {
        self.entry(doc_id)
            .filter(|e| e.files == files)
            .map(|e| e.rows)
    }

    /// The rows of a document in memory, if the entry was read at the same heads.
    pub fn rows_for_heads(&self, doc_id: &str, heads: &[String]) -> Option<Vec<IndexRow>> {
        self.entry(doc_id)
            .filter(|e| e.heads == heads)
            .map(|e| e.rows)
    }

    /// Whether the index has ever held rows of this document (in any version): it was on
    /// this device once.
    pub fn held(&self, doc_id: &str) -> bool {
        self.entry_path(doc_id).exists()
    }

    /// Records a document's rows for its files and heads. A failure only costs speed.
    pub fn store(&self, doc_id: &str, files: Vec<String>, heads: Vec<String>, rows: &[IndexRow]) {
        let entry = IndexEntry {
            version: INDEX_VERSION,
            files,
            heads,
            rows: rows.to_vec(),
        };
        let result = serde_json::to_vec(&entry)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                fs::create_dir_all(&self.dir)?;
                // A cache: rename for atomicity, no fsync; a torn entry fails to parse and is rebuilt.
                let tmp = self
                    .dir
                    .join(format!(".{doc_id}.{}.tmp", std::process::id()));
                fs::write(&tmp, self.seal.seal(&Self::role(doc_id), &bytes)?)?;
                fs::rename(&tmp, self.entry_path(doc_id))
            });
        if let Err(e) = result {
            tracing::warn!(doc_id, error = %e, "could not update the case index");
        }
    }
}
