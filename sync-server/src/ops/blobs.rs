//! Attachments' bytes in a server backup: each blob file copied as stored (sealed under
//! the data key in an encrypted directory, whose keyring the backup carries), checked by
//! its SHA-256 on restore and by its BLAKE3 name once restored.

use std::collections::BTreeMap;
use std::path::Path;

use fengqiao_store::Store;
use fengqiao_store::blobs::BlobHash;
use sha2::{Digest, Sha256};

use super::{BackupFile, OpsError, io};

/// Where a blob lives under a data directory or a backup.
fn rel(hash: &str) -> String {
    format!("blobs/{}/{hash}", &hash[..2])
}

/// Copies every blob of `store` into the backup being written at `partial`.
pub(super) fn back_up(
    store: &Store,
    partial: &Path,
) -> Result<BTreeMap<String, BackupFile>, OpsError> {
    let mut out = BTreeMap::new();
    for (hash, _) in store.blobs().list()? {
        let hash = hash.to_string();
        let from = store.data_dir().join(rel(&hash));
        let bytes = std::fs::read(&from).map_err(io(&from))?;
        let to = partial.join(rel(&hash));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&to, &bytes).map_err(io(&to))?;
        out.insert(
            hash.clone(),
            BackupFile {
                file: rel(&hash),
                sha256: data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes)),
                bytes: bytes.len() as u64,
            },
        );
    }
    Ok(out)
}

/// Checks every blob of a backup by its checksum, before anything is restored.
pub(super) fn check(dir: &Path, blobs: &BTreeMap<String, BackupFile>) -> Result<(), OpsError> {
    for (hash, file) in blobs {
        let bad = |reason: String| OpsError::BadBackup {
            path: dir.to_owned(),
            reason,
        };
        if hash.parse::<BlobHash>().is_err() || file.file != rel(hash) {
            return Err(bad(format!("附件名无效：{hash}")));
        }
        let path = dir.join(&file.file);
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        if data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes)) != file.sha256 {
            return Err(bad(format!("附件 {hash} 校验和不符 (checksum mismatch)")));
        }
    }
    Ok(())
}

/// Puts a checked backup's blobs into the restored `store`, and reads each back through
/// it: bytes that do not open under the key or hash to another name are refused.
pub(super) fn restore(
    backup_dir: &Path,
    store: &Store,
    blobs: &BTreeMap<String, BackupFile>,
) -> Result<(), OpsError> {
    for (hash, file) in blobs {
        let from = backup_dir.join(&file.file);
        let to = store.data_dir().join(rel(hash));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::copy(&from, &to).map_err(io(&from))?;
        let parsed: BlobHash = hash.parse().map_err(|_| OpsError::BadBackup {
            path: backup_dir.to_owned(),
            reason: format!("附件名无效：{hash}"),
        })?;
        store.blobs().get(&parsed)?;
    }
    Ok(())
}
