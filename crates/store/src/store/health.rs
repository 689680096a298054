//! Is an answer complete? Reads skip what they cannot see — a document whose damaged file
//! was quarantined, a document missing changes that others depend on — and carry on with
//! the rest, so one bad file never hides a county's work. But an answer that left
//! something out must say so: [`Store::gaps`] names every document that reads in this
//! session could not see whole, and [`Store::directory_damage`] says when the directory
//! itself (townships, devices, the catalogue of documents) is damaged, which leaves every
//! answer wrong rather than short.

use std::path::Path;

use automerge::{Automerge, ChangeHash, ReadDoc};
use serde::Serialize;

use super::Store;
use crate::docs::DocName;
use crate::error::StoreError;
use crate::record::{hex_heads, map_in};
use crate::storage::{DurableStorage, StorageProblem};

/// Why a document could not be read whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum GapReason {
    /// A damaged file of the document was moved to quarantine.
    Quarantined { file: String, reason: String },
    /// Changes of the document depend on changes that are not on this device (a change
    /// file was deleted or lost): those changes, and what they hold, cannot be applied.
    MissingChanges { missing: Vec<String> },
    /// The document was on this device (the case index has its rows) and its files are
    /// gone.
    Missing,
}

/// A document a read could not see whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentGap {
    /// The document's name, or its id when the directory's catalogue does not name it.
    pub document: String,
    pub document_id: String,
    /// The document's name when known (for filtering by kind).
    #[serde(skip)]
    pub name: Option<DocName>,
    pub reason: GapReason,
}

impl DocumentGap {
    /// Whether this gap is in a case document (or in a document of unknown name, which
    /// may be one).
    pub fn may_hold_cases(&self) -> bool {
        self.name
            .as_ref()
            .is_none_or(|n| matches!(n, DocName::Cases { .. }))
    }

    /// A Chinese description: which document, and why.
    pub fn zh(&self) -> String {
        match &self.reason {
            GapReason::Quarantined { file, reason } => format!(
                "文档 {} 的损坏文件已被隔离（{file}：{reason}），其中的内容未能读出",
                self.document
            ),
            GapReason::MissingChanges { missing } => format!(
                "文档 {} 缺少 {} 个被依赖的变更（变更文件丢失或被删除），依赖它们的内容未能读出",
                self.document,
                missing.len()
            ),
            GapReason::Missing => format!(
                "文档 {} 曾在本机，其文件已不在数据目录中，其中的内容未能读出",
                self.document
            ),
        }
    }
}

/// The directory document is damaged: until it is repaired, nothing this device says
/// about townships, devices or which documents exist can be trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryDamage {
    /// What is wrong, one item each (quarantined files, missing changes, no county).
    pub findings: Vec<String>,
}

impl std::fmt::Display for DirectoryDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "本机的目录文档（directory）已损坏：{}。修复之前本机的数据不可用；请用 fengqiao repair 从县服务器或其他设备恢复",
            self.findings.join("；")
        )
    }
}

/// The change a quarantined incremental file held, from the file's name
/// (`<time>-<document id>_incremental_<change hash>`); `None` for a snapshot.
fn quarantined_change(path: &Path) -> Option<ChangeHash> {
    let name = path.file_name()?.to_str()?;
    let (rest, hash) = name.rsplit_once('_')?;
    if !rest.ends_with("_incremental") {
        return None;
    }
    hash.parse().ok()
}

/// Whether a quarantined file no longer leaves anything out: it held one change, and the
/// document has that change again (received from a peer). A quarantined snapshot stays
/// a gap until someone deals with it (`fengqiao repair`).
fn settled(problem: &StorageProblem, doc: Option<&Automerge>) -> bool {
    match (quarantined_change(&problem.quarantined_to), doc) {
        (Some(hash), Some(d)) => d.get_change_meta_by_hash(&hash).is_some(),
        _ => false,
    }
}

fn missing_changes(d: &Automerge) -> Vec<String> {
    hex_heads(&d.get_missing_deps(&[]))
}

/// A document as its files on disk and its pending changes hold it, read without samod
/// (which may hold nothing of it). A file that does not parse is the quarantine's
/// business, not this one's.
pub(super) fn document_from_files(storage: &DurableStorage, id: &str) -> Automerge {
    let mut doc = Automerge::new();
    for bytes in storage.stored_chunks(id) {
        let _ = doc.load_incremental(&bytes);
    }
    doc
}

/// The changes a document's stored files depend on and do not hold (for a document samod
/// could load nothing of). Empty when the files are gone or whole.
fn missing_on_disk(storage: &DurableStorage, id: &str) -> Vec<String> {
    missing_changes(&document_from_files(storage, id))
}

impl Store {
    /// Every document that reads could not see whole: documents with quarantined files
    /// (found in this session or left from an earlier one and not yet repaired), and
    /// documents loaded in this session that lack changes their other changes depend on.
    /// Call after a read: a document is checked for missing changes once it is loaded.
    pub fn gaps(&self) -> Result<Vec<DocumentGap>, StoreError> {
        let county = self.identity.county.clone();
        let catalogue = self.catalogue().unwrap_or_default();
        let name_of = |id: &str| {
            catalogue
                .iter()
                .find(|n| n.document_id(&county).to_string() == id)
                .cloned()
        };
        let mut gaps = Vec::new();
        for problem in self.storage.problems() {
            let name = name_of(&problem.document_id);
            let settled = match &name {
                Some(n) => self
                    .read(n, |d| settled(&problem, Some(d)))?
                    .unwrap_or(false),
                None => false,
            };
            if settled {
                continue;
            }
            gaps.push(DocumentGap {
                document: name
                    .as_ref()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| problem.document_id.clone()),
                document_id: problem.document_id.clone(),
                name,
                reason: GapReason::Quarantined {
                    file: problem.quarantined_to.display().to_string(),
                    reason: problem.reason.clone(),
                },
            });
        }
        let loaded: Vec<(DocName, samod::DocHandle)> = self
            .handles()
            .iter()
            .map(|(n, h)| (n.clone(), h.clone()))
            .collect();
        for (name, handle) in loaded {
            let missing = handle.with_document(|d| missing_changes(d));
            if !missing.is_empty() {
                gaps.push(DocumentGap {
                    document: name.to_string(),
                    document_id: handle.document_id().to_string(),
                    name: Some(name),
                    reason: GapReason::MissingChanges { missing },
                });
            }
        }
        // Documents whose files are here but from which nothing loaded: what the files
        // hold depends on changes that are not (typically the lost genesis).
        let unloadable: Vec<DocName> = self
            .unloadable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect();
        for name in unloadable {
            let id = name.document_id(&county).to_string();
            if gaps.iter().any(|g| g.document_id == id) {
                continue;
            }
            let missing = missing_on_disk(&self.storage, &id);
            if missing.is_empty() {
                // Loaded since (a peer sent it), or the files went away.
                continue;
            }
            gaps.push(DocumentGap {
                document: name.to_string(),
                document_id: id,
                name: Some(name),
                reason: GapReason::MissingChanges { missing },
            });
        }
        // Documents this device held (the case index has rows of them) whose files are
        // gone: not "not synced yet", but lost.
        for name in &catalogue {
            let id = name.document_id(&county).to_string();
            if self.index.held(&id)
                && self.storage.listing(&id).is_empty()
                && !gaps.iter().any(|g| g.document_id == id)
            {
                gaps.push(DocumentGap {
                    document: name.to_string(),
                    document_id: id,
                    name: Some(name.clone()),
                    reason: GapReason::Missing,
                });
            }
        }
        gaps.sort_by(|a, b| a.document.cmp(&b.document));
        Ok(gaps)
    }

    /// The gaps in one document (by name), e.g. the one a case was read from.
    pub fn gaps_in(&self, document: &str) -> Result<Vec<DocumentGap>, StoreError> {
        Ok(self
            .gaps()?
            .into_iter()
            .filter(|g| g.document == document)
            .collect())
    }

    /// `Some` when the directory document is damaged: a file of it quarantined and not
    /// since made good, changes of it missing, or no county recorded in it (what is left
    /// when its snapshot is lost). Every answer is then wrong, not just short.
    pub fn directory_damage(&self) -> Result<Option<DirectoryDamage>, StoreError> {
        let directory_id = DocName::Directory
            .document_id(&self.identity.county)
            .to_string();
        let (has_county, missing) = self
            .read(&DocName::Directory, |d| {
                let county = map_in(d, "meta")
                    .and_then(|m| d.get(&m, "county").ok().flatten())
                    .is_some();
                (county, missing_changes(d))
            })?
            .unwrap_or((false, Vec::new()));
        // A quarantined change not received again is a lost change; a quarantined
        // snapshot of a directory that is otherwise whole (its county is there, nothing
        // is missing) was replaced by later files, and is named only beside other damage.
        let mut damaged = !has_county || !missing.is_empty();
        let mut findings = Vec::new();
        for problem in self.storage.problems() {
            if problem.document_id != directory_id {
                continue;
            }
            let made_good = self
                .read(&DocName::Directory, |d| settled(&problem, Some(d)))?
                .unwrap_or(false);
            if made_good {
                continue;
            }
            damaged |= quarantined_change(&problem.quarantined_to).is_some();
            findings.push(format!(
                "文件已被隔离到 {}（{}）",
                problem.quarantined_to.display(),
                problem.reason
            ));
        }
        if !missing.is_empty() {
            findings.push(format!("缺少 {} 个被依赖的变更", missing.len()));
        }
        if !has_county {
            findings.push("目录中没有本县（市）的记录".to_owned());
        }
        if !damaged {
            return Ok(None);
        }
        Ok((!findings.is_empty()).then_some(DirectoryDamage { findings }))
    }
}

/// The directory's damage as the data directory's quarantine records it, without opening
/// the store: for when opening itself fails because the directory's files are gone (its
/// only snapshot quarantined). `None` when no file of the directory was quarantined.
pub fn quarantined_directory(dir: impl AsRef<Path>) -> Option<DirectoryDamage> {
    let data = crate::local::DataDir::new(dir.as_ref());
    let county = data.read_identity().ok()?.county;
    let directory_id = DocName::Directory.document_id(&county).to_string();
    let findings: Vec<String> = crate::storage::earlier_quarantined(&data.quarantine())
        .into_iter()
        .filter(|p| p.document_id == directory_id)
        .map(|p| {
            format!(
                "文件已被隔离到 {}（{}）",
                p.quarantined_to.display(),
                p.reason
            )
        })
        .collect();
    (!findings.is_empty()).then_some(DirectoryDamage { findings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarantined_change_is_named_by_its_file() {
        let hash = "ab".repeat(32);
        let path = format!("/q/20261203T063000-2abc_incremental_{hash}");
        assert_eq!(
            quarantined_change(Path::new(&path)).map(|h| h.to_string()),
            Some(hash.clone())
        );
        let snapshot = format!("/q/20261203T063000-2abc_snapshot_{hash}");
        assert_eq!(quarantined_change(Path::new(&snapshot)), None);
    }
}
