//! Encrypting a plain data directory in place, crash-safely.
//!
//! 1. The store is opened and closed cleanly: the journal is replayed and removed, every
//!    change is in its document's files.
//! 2. Holding the directory's lock, the keyring is saved with `converting` set. From this
//!    moment the directory is encrypted: only the key opens it, and whoever opens it with
//!    the key finishes the conversion first ([`finish`]).
//! 3. Every sensitive file still plain is sealed: written sealed to a temp file, fsynced,
//!    renamed over the plain one, its folder fsynced. A file already sealed (a conversion
//!    cut short) is left alone, so the work resumes where it stopped.
//! 4. The keyring is saved again without `converting`.
//!
//! A `kill -9` before step 2 leaves the plain directory; after it, an encrypted directory
//! some of whose files are still plain, which opens with the passphrase and is finished
//! then. No file is ever half written (each is replaced by rename), so nothing is lost.
//!
//! What this cannot do: erase the plain bytes the old files left in the disk's free
//! blocks. A laptop that will carry petitioners' data is best encrypted from the start
//! (`fengqiao init --encrypt`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::StoreError;
use crate::keyring::Keyring;
use crate::local::{DataDir, DirLock};
use crate::seal::{DataKey, Seal, is_sealed};
use crate::storage::{file_role, write_atomically};
use crate::store::Store;

/// What an encryption in place did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EncryptReport {
    /// Files sealed now.
    pub sealed: usize,
    /// Files found sealed already (a conversion resumed).
    pub already: usize,
}

/// Encrypts the plain data directory `dir` under `key`, whose keyring is `ring` (made by
/// the caller with the first person's passphrase and the office's recovery key). `progress`
/// hears of each file sealed.
pub fn encrypt_in_place(
    dir: &Path,
    key: &DataKey,
    mut ring: Keyring,
    progress: &mut dyn FnMut(&Path),
) -> Result<EncryptReport, StoreError> {
    if let Some(existing) = Keyring::load(dir)? {
        if !existing.converting {
            return Err(crate::keyring::KeyringError::AlreadyEncrypted(dir.to_owned()).into());
        }
        return finish(dir, key, progress);
    }
    ring.check_key(dir, key)?;
    // Every change in its files, the journal gone.
    if let Some(failure) = Store::open(dir)?.close_checked() {
        return Err(StoreError::Unlock(format!(
            "关闭数据目录时写入失败，未加密：{failure} (close failed; nothing encrypted)"
        )));
    }
    let data = DataDir::new(dir);
    let (_lock, _) = DirLock::acquire(&data)?;
    for journal in journals(dir) {
        if fs::read_dir(&journal).is_ok_and(|mut d| d.next().is_some()) {
            return Err(StoreError::Unlock(format!(
                "日志 {} 未清空，未加密：请先正常打开一次数据目录 (journal not empty)",
                journal.display()
            )));
        }
    }
    ring.converting = true;
    ring.save(dir)?;
    convert(dir, key, ring, progress)
}

/// Finishes an encryption in place that was cut short (the keyring says `converting`).
pub fn finish(
    dir: &Path,
    key: &DataKey,
    progress: &mut dyn FnMut(&Path),
) -> Result<EncryptReport, StoreError> {
    let ring = Keyring::load(dir)?.ok_or_else(|| StoreError::NotEncrypted(dir.to_owned()))?;
    ring.check_key(dir, key)?;
    if !ring.converting {
        return Ok(EncryptReport::default());
    }
    let (_lock, _) = DirLock::acquire(&DataDir::new(dir))?;
    convert(dir, key, ring, progress)
}

fn convert(
    dir: &Path,
    key: &DataKey,
    mut ring: Keyring,
    progress: &mut dyn FnMut(&Path),
) -> Result<EncryptReport, StoreError> {
    let seal = Seal::new(key);
    let mut report = EncryptReport::default();
    // Transfers under way are plain chunks: they start again, sealed, at the next sync.
    let partial = dir.join("blobs").join("partial");
    match fs::remove_dir_all(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(StoreError::Io {
                path: partial,
                source: e,
            });
        }
        _ => {}
    }
    for (path, role) in sensitive_files(dir)? {
        let bytes = fs::read(&path).map_err(StoreError::io(&path))?;
        // Opened, not only recognised: an attachment is anyone's bytes and may begin
        // like a sealed file.
        if is_sealed(&bytes) && seal.open(&role, &bytes).is_ok() {
            report.already += 1;
            continue;
        }
        let sealed = seal.seal(&role, &bytes).map_err(|e| StoreError::Sealed {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomically(&path, &sealed).map_err(StoreError::io(&path))?;
        report.sealed += 1;
        tracing::info!(file = %path.display(), "sealed");
        progress(&path);
    }
    ring.converting = false;
    ring.save(dir)?;
    Ok(report)
}

/// The journal directories of the directory's storages (the laptop's, the server's shards').
fn journals(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.join("documents.journal")];
    if let Ok(shards) = fs::read_dir(dir.join("shards")) {
        out.extend(shards.flatten().map(|s| s.path().join("documents.journal")));
    }
    out
}

/// Every file of `dir` that is sealed in an encrypted directory, with its role.
pub fn sensitive_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, StoreError> {
    let mut out = Vec::new();
    for name in [
        "device.json",
        "device.key",
        "sync/peers.json",
        "sync/enrolments.json",
    ] {
        let path = dir.join(name);
        if path.is_file() {
            out.push((path, name.to_owned()));
        }
    }
    let mut storages = vec![dir.join("documents")];
    if let Ok(shards) = fs::read_dir(dir.join("shards")) {
        storages.extend(shards.flatten().map(|s| s.path().join("documents")));
    }
    for root in storages {
        for path in files_under(&root)? {
            let rel: Vec<String> = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            // `<2 chars>/<rest of the id>/…`: the storage key joins the first two.
            let key = match rel.as_slice() {
                [head, rest, tail @ ..] => {
                    let mut parts = vec![format!("{head}{rest}")];
                    parts.extend(tail.iter().cloned());
                    parts.join("/")
                }
                other => other.join("/"),
            };
            out.push((path, file_role(&key)));
        }
    }
    for (sub, prefix) in [("index", "index"), ("index/papers", "index/papers")] {
        if let Ok(entries) = fs::read_dir(dir.join(sub)) {
            for path in entries.flatten().map(|e| e.path()) {
                let name = file_name(&path);
                if path.is_file() && !name.starts_with('.') {
                    out.push((path, format!("{prefix}/{name}")));
                }
            }
        }
    }
    // Accusations waiting to be handed over (`store/confidential.rs`).
    if let Ok(entries) = fs::read_dir(dir.join("confidential/outbox")) {
        for path in entries.flatten().map(|e| e.path()) {
            let name = file_name(&path);
            if path.is_file() && !name.starts_with('.') {
                out.push((path, format!("confidential/outbox/{name}")));
            }
        }
    }
    // Attachments' bytes, `blobs/<2 hex>/<hash>`.
    if let Ok(shards) = fs::read_dir(dir.join("blobs")) {
        for shard in shards.flatten().map(|e| e.path()) {
            if file_name(&shard).len() != 2 {
                continue;
            }
            for path in files_under(&shard)? {
                let name = file_name(&path);
                if name.len() == 64 && !name.starts_with('.') {
                    out.push((path, format!("blob/{name}")));
                }
            }
        }
    }
    // A superseded snapshot keeps the role it had as the document's snapshot.
    if let Ok(docs) = fs::read_dir(dir.join("superseded")) {
        for doc in docs.flatten().map(|e| e.path()) {
            let id = file_name(&doc);
            for path in files_under(&doc)? {
                let name = file_name(&path);
                let hash = name.split_once('-').map_or(name.as_str(), |(_, h)| h);
                out.push((path.clone(), file_role(&format!("{id}/snapshot/{hash}"))));
            }
        }
    }
    // Damaged files kept for inspection hold what the documents did.
    if let Ok(entries) = fs::read_dir(dir.join("quarantine")) {
        for path in entries.flatten().map(|e| e.path()) {
            let name = file_name(&path);
            let note = path
                .extension()
                .is_some_and(|e| e == "reason" || e == "repaired");
            if path.is_file() && !note && !name.starts_with('.') {
                out.push((path, format!("quarantine/{name}")));
            }
        }
    }
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The files under `root`, temp files of interrupted writes left out.
fn files_under(root: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = match fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(StoreError::Io { path: d, source: e }),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !file_name(&path).starts_with('.') {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
