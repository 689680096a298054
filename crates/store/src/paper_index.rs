//! The local index of issued documents: every document number the case documents hold,
//! with its case and numbering, kept beside them like the case index (`index.rs`) and
//! for the same reason — a county's 10,000 cases are too many to load per issue.
//!
//! It answers two questions without loading the county: which case holds document number
//! N (`fengqiao doc render N`), and the highest sequence this device's numbers of a
//! pattern and year already reached, so a counter lost or restored from a backup cannot
//! hand out a number again. Keyed by each case document's files (content-addressed) or
//! heads; never replicated; rebuilt whenever stale or damaged.

use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Bumped whenever the row format changes.
const PAPER_INDEX_VERSION: u32 = 1;

/// One issued document, as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PaperRow {
    pub number: String,
    pub case_id: fengqiao_model::CaseId,
    pub pattern: String,
    pub year: i32,
    pub device: String,
    pub seq: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    version: u32,
    files: Vec<String>,
    heads: Vec<String>,
    rows: Vec<PaperRow>,
}

/// The paper index directory of a data directory.
#[derive(Debug, Clone)]
pub(crate) struct PaperIndex {
    dir: PathBuf,
    /// Sealed under the data key in an encrypted directory: the rows name petitioners.
    seal: crate::seal::Seal,
}

impl PaperIndex {
    pub fn new(dir: PathBuf, seal: crate::seal::Seal) -> Self {
        Self { dir, seal }
    }

    fn role(doc_id: &str) -> String {
        format!("index/papers/{doc_id}.json")
    }

    fn path(&self, doc_id: &str) -> PathBuf {
        self.dir.join(format!("{doc_id}.json"))
    }

    fn entry(&self, doc_id: &str) -> Option<Entry> {
        let path = self.path(doc_id);
        let bytes = fs::read(&path).ok()?;
        let bytes = match self.seal.open(&Self::role(doc_id), &bytes) {
            Ok(b) => b,
            Err(e) => {
                // A cache: rebuilt from the documents, which are checked on their own.
                tracing::warn!(file = %path.display(), error = %e, "index entry does not open; rebuilding it");
                return None;
            }
        };
        serde_json::from_slice::<Entry>(&bytes)
            .ok()
            .filter(|e| e.version == PAPER_INDEX_VERSION)
    }

    /// The rows of a document on disk, if the entry matches its files.
    pub fn rows_for_files(&self, doc_id: &str, files: &[String]) -> Option<Vec<PaperRow>> {
        self.entry(doc_id)
            .filter(|e| e.files == files)
            .map(|e| e.rows)
    }

    /// The rows of a document in memory, if the entry was read at the same heads.
    pub fn rows_for_heads(&self, doc_id: &str, heads: &[String]) -> Option<Vec<PaperRow>> {
        self.entry(doc_id)
            .filter(|e| e.heads == heads)
            .map(|e| e.rows)
    }

    /// Records a document's rows. A failure only costs speed.
    pub fn store(&self, doc_id: &str, files: Vec<String>, heads: Vec<String>, rows: &[PaperRow]) {
        let entry = Entry {
            version: PAPER_INDEX_VERSION,
            files,
            heads,
            rows: rows.to_vec(),
        };
        let result = serde_json::to_vec(&entry)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                fs::create_dir_all(&self.dir)?;
                // A cache: rename for atomicity, no fsync; a torn entry is rebuilt.
                let tmp = self
                    .dir
                    .join(format!(".{doc_id}.{}.tmp", std::process::id()));
                fs::write(&tmp, self.seal.seal(&Self::role(doc_id), &bytes)?)?;
                fs::rename(&tmp, self.path(doc_id))
            });
        if let Err(e) = result {
            tracing::warn!(doc_id, error = %e, "could not update the paper index");
        }
    }
}
