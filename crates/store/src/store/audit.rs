//! A verifiable history: each device signs the heads of every document it holds with its
//! ed25519 key (the iroh key that is its device id), and [`verify_data_dir`] checks a data
//! directory offline — every change file against its name (its hash), every snapshot by
//! loading it, the hash chain (every dependency present), and every attestation's
//! signature and heads.
//!
//! Where attestations live: in the signing device's own document, `devices/<device id>`
//! (`attestations/<document name>`), which only that device writes and the office and
//! the server keep — the latest attestation per document, overwritten at each round
//! (bounded growth); the Automerge history keeps the earlier ones. An attestation whose
//! heads are unchanged is not written again. Attestations written before devices had
//! their own document sit in the directory, in `devices/<device id>/attestations`, and
//! are still read.
//!
//! Signed message (UTF-8): `fengqiao/attest/1\n<county>\n<device id>\n<document>\n<signed
//! at, RFC 3339>\n<heads, sorted hex, comma-separated>`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use automerge::{Automerge, ChangeHash, ObjType, ReadDoc};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::Store;
use crate::docs::DocName;
use crate::error::StoreError;
use crate::local::DataDir;
use crate::record;
use crate::record::{hex_heads, map_at, map_in, obj_field, to_json};
use crate::time::now_cst;

/// One device's signed statement of a document's heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// The signing device's id: its public key.
    pub device: String,
    pub document: String,
    /// Sorted hex change hashes.
    pub heads: Vec<String>,
    /// RFC 3339, as signed.
    pub signed_at: String,
    /// Hex of the 64-byte ed25519 signature.
    pub signature: String,
}

fn message(
    county: &str,
    device: &str,
    document: &str,
    signed_at: &str,
    heads: &[String],
) -> Vec<u8> {
    format!(
        "fengqiao/attest/1\n{county}\n{device}\n{document}\n{signed_at}\n{}",
        heads.join(",")
    )
    .into_bytes()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Attestation {
    /// Checks the signature against the device id (a public key).
    pub fn verify(&self, county: &str) -> Result<(), String> {
        let key = iroh_base::PublicKey::from_str(&self.device)
            .map_err(|e| format!("设备编号不是公钥：{e}"))?;
        let raw = unhex(&self.signature).ok_or("签名不是十六进制")?;
        let signature = iroh_base::Signature::try_from(raw.as_slice())
            .map_err(|_| "签名长度不对".to_owned())?;
        key.verify(
            &message(
                county,
                &self.device,
                &self.document,
                &self.signed_at,
                &self.heads,
            ),
            &signature,
        )
        .map_err(|_| "签名与内容不符".to_owned())
    }
}

impl Store {
    /// Signs the current heads of every document this device holds and records the
    /// attestations (replicated, in the directory). Call after each sync round. Returns
    /// how many documents were attested anew (unchanged heads are not signed again).
    pub fn attest_heads(&self) -> Result<usize, StoreError> {
        let device = self.identity.device_id.clone();
        let county = self.identity.county.clone();
        let own = DocName::Device { id: device.clone() };
        let previous: HashMap<String, Vec<String>> = self
            .attestations()?
            .into_iter()
            .filter(|a| a.device == device)
            .map(|a| (a.document, a.heads))
            .collect();
        let signed_at = now_cst().to_rfc3339();
        let mut fresh = Vec::new();
        for name in self.catalogue()? {
            // A device's own document holds its attestations: signing it would sign
            // the previous signature, round after round.
            if matches!(name, DocName::Device { .. }) {
                continue;
            }
            let Some(heads) = self.document_heads(&name)? else {
                continue;
            };
            let document = name.to_string();
            if previous.get(&document) == Some(&heads) {
                continue;
            }
            let signature = self
                .device_secret_key()
                .sign(&message(&county, &device, &document, &signed_at, &heads));
            fresh.push(Attestation {
                device: device.clone(),
                document,
                heads,
                signed_at: signed_at.clone(),
                signature: hex(&signature.to_bytes()),
            });
        }
        if fresh.is_empty() {
            return Ok(0);
        }
        let values = fresh
            .iter()
            .map(|a| Ok((a.document.clone(), to_json(a)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write(&own, move |tx| {
            let attestations = map_at(tx, "attestations")?;
            for (document, value) in &values {
                record::put_value(tx, &attestations, document, value)?;
            }
            Ok(())
        })?;
        tracing::info!(documents = fresh.len(), "document heads attested");
        Ok(fresh.len())
    }

    /// Every attestation held here (the latest per device per document): each device's
    /// own document, and those the directory kept from before devices had one.
    pub fn attestations(&self) -> Result<Vec<Attestation>, StoreError> {
        let mut out = self
            .read(&DocName::Directory, read_attestations)?
            .unwrap_or_default();
        for name in self.catalogue()? {
            if matches!(name, DocName::Device { .. }) {
                out.extend(self.read(&name, read_own_attestations)?.unwrap_or_default());
            }
        }
        out.sort_by(|a, b| (&a.document, &a.device).cmp(&(&b.document, &b.device)));
        Ok(out)
    }
}

/// The attestations of a device's own document.
fn read_own_attestations(d: &Automerge) -> Vec<Attestation> {
    let Some(att) = map_in(d, "attestations") else {
        return Vec::new();
    };
    match record::read_value(d, &att, ObjType::Map) {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter_map(|(_, v)| serde_json::from_value::<Attestation>(v).ok())
            .collect(),
        _ => Vec::new(),
    }
}

fn read_attestations(d: &Automerge) -> Vec<Attestation> {
    let Some(devices) = map_in(d, "devices") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for device in d.map_range(&devices, ..) {
        let Some(att) = obj_field(d, &device.id(), "attestations") else {
            continue;
        };
        if let serde_json::Value::Object(map) = record::read_value(d, &att, ObjType::Map) {
            out.extend(
                map.into_iter()
                    .filter_map(|(_, v)| serde_json::from_value::<Attestation>(v).ok()),
            );
        }
    }
    out.sort_by(|a, b| (&a.document, &a.device).cmp(&(&b.document, &b.device)));
    out
}

/// What is wrong with a document on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// A file is not a valid Automerge chunk (bytes altered, truncated).
    DamagedFile { file: PathBuf, reason: String },
    /// A change file's content does not hash to its name: the change was edited.
    HashMismatch {
        file: PathBuf,
        named: String,
        actual: String,
    },
    /// Changes depend on changes that are not there: the hash chain is broken.
    BrokenChain { missing: Vec<String> },
    /// An attestation's signature does not verify.
    BadSignature { device: String, reason: String },
    /// A device attested heads this document does not contain (a change removed or
    /// altered after it was signed — or not yet received from that device).
    MissingAttestedChanges {
        device: String,
        missing: Vec<String>,
    },
}

impl Problem {
    /// A Chinese description.
    pub fn zh(&self) -> String {
        match self {
            Problem::DamagedFile { file, reason } => {
                format!("文件 {} 已损坏：{reason}", file.display())
            }
            Problem::HashMismatch {
                file,
                named,
                actual,
            } => format!(
                "文件 {} 的内容被改动：文件名（哈希）{named}，实际内容的哈希 {actual}",
                file.display()
            ),
            Problem::BrokenChain { missing } => {
                format!(
                    "哈希链断裂：缺少 {} 个被依赖的变更（{}）",
                    missing.len(),
                    missing.join("、")
                )
            }
            Problem::BadSignature { device, reason } => {
                format!("设备 {device} 的签名无效：{reason}")
            }
            Problem::MissingAttestedChanges { device, missing } => format!(
                "设备 {device} 签名确认过的 {} 个变更不在本机文档中（被删改，或尚未同步）",
                missing.len()
            ),
        }
    }
}

/// The verification of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentVerification {
    /// The document's name, or its id when the catalogue does not list it.
    pub document: String,
    pub document_id: String,
    pub files: usize,
    pub changes: usize,
    /// Attestations whose signature and heads check out.
    pub attestations_verified: usize,
    pub problems: Vec<Problem>,
}

/// The verification of a data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub documents: Vec<DocumentVerification>,
}

impl VerifyReport {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.documents.iter().all(|d| d.problems.is_empty())
    }
}

/// Verifies a data directory offline, from its files alone (the store need not, and
/// should not, be open: opening moves damaged files to quarantine).
pub fn verify_data_dir(dir: impl AsRef<Path>) -> Result<VerifyReport, StoreError> {
    if crate::Keyring::exists(dir.as_ref()) {
        return Err(StoreError::Encrypted(dir.as_ref().to_owned()));
    }
    verify(&DataDir::new(dir.as_ref()))
}

/// [`verify_data_dir`] for an encrypted directory, with its data key: a sealed file that
/// does not open is a damaged file.
pub fn verify_sealed_data_dir(
    dir: impl AsRef<Path>,
    key: &crate::DataKey,
) -> Result<VerifyReport, StoreError> {
    let ring = crate::Keyring::load(dir.as_ref())?
        .ok_or_else(|| StoreError::NotEncrypted(dir.as_ref().to_owned()))?;
    ring.check_key(dir.as_ref(), key)?;
    let mut seal = crate::Seal::new(key);
    if ring.converting {
        seal = seal.accepting_plain();
    }
    verify(&DataDir::sealed(dir.as_ref(), seal))
}

fn verify(data: &DataDir) -> Result<VerifyReport, StoreError> {
    let identity = data.read_identity()?;
    let county = identity.county;
    let root = data.documents();
    let journaled =
        crate::storage::journaled_chunks(&root, data.seal()).map_err(StoreError::io(&root))?;
    let mut docs: BTreeMap<String, PathBuf> = BTreeMap::new();
    for prefix in read_dir(&root)? {
        if !prefix.is_dir() {
            continue;
        }
        for rest in read_dir(&prefix)? {
            if rest.is_dir() {
                let id = format!("{}{}", file_name(&prefix), file_name(&rest));
                docs.insert(id, rest);
            }
        }
    }
    let directory_id = DocName::Directory.document_id(&county).to_string();
    // A document a crashed session created may be in its journal alone.
    for (id, _, _) in &journaled {
        if let (false, Some(head), Some(rest)) = (docs.contains_key(id), id.get(..2), id.get(2..)) {
            docs.insert(id.clone(), root.join(head).join(rest));
        }
    }
    let mut checked: BTreeMap<String, (DocumentVerification, Automerge)> = BTreeMap::new();
    for (id, path) in &docs {
        let mine: Vec<(String, Vec<u8>)> = journaled
            .iter()
            .filter(|(doc, _, _)| doc == id)
            .map(|(_, name, bytes)| (name.clone(), bytes.clone()))
            .collect();
        checked.insert(id.clone(), check_document(id, path, &mine, data.seal())?);
    }
    // Names come from the directory as it is on disk (every id the county can have);
    // attestations from each device's own document, and the directory's older ones.
    let (names, mut attestations) = match checked.get(&directory_id) {
        Some((_, d)) => {
            let years = crate::access::recognised_years(now_cst().year());
            let table = crate::access::AccessTable::from_directory(&county, d, years);
            let names: HashMap<String, String> = docs
                .keys()
                .filter_map(|id| {
                    let name = table.document_name(&id.parse().ok()?)?;
                    Some((id.clone(), name.to_string()))
                })
                .collect();
            (names, read_attestations(d))
        }
        None => (HashMap::new(), Vec::new()),
    };
    for (id, (_, d)) in &checked {
        if names.get(id).is_some_and(|n| n.starts_with("devices/")) {
            attestations.extend(read_own_attestations(d));
        }
    }
    let mut documents = Vec::new();
    for (id, (mut report, doc)) in checked {
        report.document = if id == directory_id {
            DocName::Directory.to_string()
        } else {
            names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("未编目文档 {id}"))
        };
        for a in attestations
            .iter()
            .filter(|a| a.document == report.document)
        {
            if let Err(reason) = a.verify(&county) {
                report.problems.push(Problem::BadSignature {
                    device: a.device.clone(),
                    reason,
                });
                continue;
            }
            let missing: Vec<String> = a
                .heads
                .iter()
                .filter(|h| {
                    h.parse::<ChangeHash>()
                        .map(|h| doc.get_change_meta_by_hash(&h).is_none())
                        .unwrap_or(true)
                })
                .cloned()
                .collect();
            if missing.is_empty() {
                report.attestations_verified += 1;
            } else {
                report.problems.push(Problem::MissingAttestedChanges {
                    device: a.device.clone(),
                    missing,
                });
            }
        }
        documents.push(report);
    }
    documents.sort_by(|a, b| a.document.cmp(&b.document));
    Ok(VerifyReport { documents })
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(StoreError::io(dir))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(StoreError::Io {
                path: dir.into(),
                source: e,
            });
        }
    };
    out.sort();
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Checks every file of one document, and the changes a journal left by a session that
/// did not close holds for it (`journaled`: name in the directory, bytes), and loads what
/// is sound.
fn check_document(
    id: &str,
    dir: &Path,
    journaled: &[(String, Vec<u8>)],
    seal: &crate::Seal,
) -> Result<(DocumentVerification, Automerge), StoreError> {
    let mut report = DocumentVerification {
        document: id.to_owned(),
        document_id: id.to_owned(),
        files: 0,
        changes: 0,
        attestations_verified: 0,
        problems: Vec::new(),
    };
    let mut chunks: Vec<(PathBuf, bool, Vec<u8>)> = Vec::new();
    for kind in ["snapshot", "incremental"] {
        for file in read_dir(&dir.join(kind))? {
            if file_name(&file).starts_with('.') {
                continue; // a temporary file of an interrupted write
            }
            let bytes = std::fs::read(&file).map_err(StoreError::io(&file))?;
            let role = crate::storage::file_role(&format!("{id}/{kind}/{}", file_name(&file)));
            match seal.open(&role, &bytes) {
                Ok(plain) => chunks.push((file, kind == "incremental", plain.into_owned())),
                Err(e) => {
                    report.files += 1;
                    report.problems.push(Problem::DamagedFile {
                        file: file.clone(),
                        reason: e.to_string(),
                    });
                }
            }
        }
    }
    for (name, bytes) in journaled {
        // Where its file would be; the journal is written before any file.
        let file = dir.join(name);
        if !chunks.iter().any(|(f, _, _)| *f == file) {
            chunks.push((file, name.starts_with("incremental/"), bytes.clone()));
        }
    }
    let mut doc = Automerge::new();
    for (file, incremental, bytes) in chunks {
        report.files += 1;
        let damaged = |reason: String| Problem::DamagedFile {
            file: file.clone(),
            reason,
        };
        if incremental {
            match automerge::Change::try_from(bytes.as_slice()) {
                Err(e) => {
                    report.problems.push(damaged(e.to_string()));
                    continue;
                }
                Ok(change) => {
                    let actual = change.hash().to_string();
                    let named = file_name(&file);
                    if actual != named {
                        report.problems.push(Problem::HashMismatch {
                            file: file.clone(),
                            named,
                            actual,
                        });
                        continue;
                    }
                }
            }
        } else if let Err(e) = Automerge::load(&bytes) {
            // Loading recomputes every change hash and checks the stored heads.
            report.problems.push(damaged(e.to_string()));
            continue;
        }
        if let Err(e) = doc.load_incremental(&bytes) {
            report.problems.push(damaged(e.to_string()));
        }
    }
    let missing = doc.get_missing_deps(&[]);
    if !missing.is_empty() {
        report.problems.push(Problem::BrokenChain {
            missing: hex_heads(&missing),
        });
    }
    report.changes = doc.get_changes_meta(&[]).len();
    Ok((report, doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_covers_county_device_document_time_and_heads() {
        let key = iroh_base::SecretKey::generate();
        let device = key.public().to_string();
        let heads = vec!["ab".repeat(32)];
        let signed_at = "2026-11-26T18:00:00+08:00".to_owned();
        let signature = key.sign(&message("宁国市", &device, "directory", &signed_at, &heads));
        let good = Attestation {
            device: device.clone(),
            document: "directory".into(),
            heads,
            signed_at,
            signature: hex(&signature.to_bytes()),
        };
        assert_eq!(good.verify("宁国市"), Ok(()));
        assert!(good.verify("旌德县").is_err(), "another county");
        let mut other_heads = good.clone();
        other_heads.heads = vec!["cd".repeat(32)];
        assert!(other_heads.verify("宁国市").is_err());
        let mut other_device = good.clone();
        other_device.device = iroh_base::SecretKey::generate().public().to_string();
        assert!(other_device.verify("宁国市").is_err());
        let mut garbage = good;
        garbage.signature = "zz".into();
        assert!(garbage.verify("宁国市").is_err());
    }
}
