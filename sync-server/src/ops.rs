//! Administration on an open store: enrolment tickets, WebSocket client tokens, devices,
//! status, backup and restore. The running server calls these from its admin API; the
//! command line calls them directly when no server holds the data directory.
//!
//! Every function here blocks (the store runs on its own runtime): call them from async
//! code through `spawn_blocking`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fengqiao_model::{Device, Role};
use fengqiao_store::{DataKey, DocName, Seal, Store, local::DataDir};
use iroh::EndpointAddr;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Failures of an administrative operation; messages are for the administrator.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Store(Box<fengqiao_store::StoreError>),
    #[error(transparent)]
    Sync(Box<fengqiao_sync::SyncError>),
    #[error("{0}")]
    Refused(String),
    #[error("{path}：{source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("备份 {path} 无效：{reason} (invalid backup)")]
    BadBackup { path: PathBuf, reason: String },
}

impl From<fengqiao_store::StoreError> for OpsError {
    fn from(e: fengqiao_store::StoreError) -> Self {
        OpsError::Store(Box::new(e))
    }
}

impl From<fengqiao_sync::SyncError> for OpsError {
    fn from(e: fengqiao_sync::SyncError) -> Self {
        OpsError::Sync(Box::new(e))
    }
}

mod blobs;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OpsError + '_ {
    move |source| OpsError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What `enrol` asks for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub role: String,
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(default)]
    pub name: String,
    /// A token for an automerge-repo WebSocket client instead of a laptop ticket.
    #[serde(default)]
    pub websocket: bool,
}

/// What `enrol` hands back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Enrolment {
    /// A one-time ticket for `fengqiao enrol` on the new laptop.
    Ticket { ticket: String },
    /// A WebSocket client: it connects with `?token=…` and must use `peer_id` as its
    /// automerge-repo peer id.
    WebSocket { peer_id: String, token: String },
}

/// The server's own folder in the data directory (admin token, WebSocket clients).
pub fn server_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("server")
}

fn admin_token_path(data_dir: &Path) -> PathBuf {
    server_dir(data_dir).join("admin.token")
}

fn websocket_clients_path(data_dir: &Path) -> PathBuf {
    server_dir(data_dir).join("websocket-clients.json")
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(buf.as_mut_slice());
    data_encoding::HEXLOWER.encode(&buf)
}

fn sha256_hex(s: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(s.as_bytes()))
}

/// Writes a file only its owner can read, atomically.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), OpsError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// The token the admin API requires, created on first use. Whoever can read the data
/// directory is the administrator; a localhost port alone proves nothing.
pub fn admin_token(data_dir: &Path) -> Result<String, OpsError> {
    let path = admin_token_path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => Ok(t.trim().to_owned()),
        Ok(_) => create_admin_token(&path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_admin_token(&path),
        Err(e) => Err(OpsError::Io { path, source: e }),
    }
}

fn create_admin_token(path: &Path) -> Result<String, OpsError> {
    let token = random_hex(24);
    write_private(path, token.as_bytes())?;
    Ok(token)
}

/// An enrolled WebSocket client, as the server keeps it (never the token itself).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebSocketClient {
    pub peer_id: String,
    pub token_sha256: String,
}

pub fn websocket_clients(data_dir: &Path) -> Result<Vec<WebSocketClient>, OpsError> {
    let path = websocket_clients_path(data_dir);
    match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| OpsError::BadBackup {
            path,
            reason: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(OpsError::Io { path, source: e }),
    }
}

/// The peer id a WebSocket token stands for, if any.
pub fn websocket_peer_for(clients: &[WebSocketClient], token: &str) -> Option<String> {
    let digest = sha256_hex(token);
    clients
        .iter()
        .find(|c| c.token_sha256 == digest)
        .map(|c| c.peer_id.clone())
}

/// Enrols a laptop (a one-time ticket naming `addr`) or a WebSocket client (a device
/// record of its own and a token).
pub fn enrol(
    store: &Store,
    addr: Option<EndpointAddr>,
    request: &EnrolRequest,
) -> Result<Enrolment, OpsError> {
    let role = Role::parse(&request.role).map_err(|e| OpsError::Refused(e.to_string()))?;
    let scope: Vec<String> = request
        .scope
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if !request.websocket {
        let addr = addr.ok_or_else(|| {
            OpsError::Refused(
                "不知道笔记本应连接的地址：请在配置中设置 sync.public_addrs (set sync.public_addrs)"
                    .into(),
            )
        })?;
        // The laptop may name itself; a nameless ticket still makes a device with a name.
        let name = if request.name.trim().is_empty() {
            format!(
                "{}{}设备",
                if scope.is_empty() {
                    "全县".to_owned()
                } else {
                    scope.join("、")
                },
                role
            )
        } else {
            request.name.clone()
        };
        let ticket = fengqiao_sync::offer_enrolment(store, addr, role, scope, &name)?;
        return Ok(Enrolment::Ticket {
            ticket: ticket.to_string(),
        });
    }
    let known: Vec<String> = store.townships()?.into_iter().map(|t| t.name).collect();
    if let Some(unknown) = scope.iter().find(|s| !known.contains(s)) {
        return Err(OpsError::Refused(format!(
            "没有名为“{unknown}”的乡镇（已知：{}）",
            known.join("、")
        )));
    }
    if matches!(role, Role::Server | Role::Admin) {
        return Err(OpsError::Refused(
            "WebSocket 客户端不能是服务器或管理员 (not for a websocket client)".into(),
        ));
    }
    // Not an iroh key: this device can never connect over iroh, only with its token.
    let peer_id = format!("ws-{}", random_hex(12));
    let token = random_hex(24);
    let device = Device {
        id: peer_id.clone(),
        name: if request.name.is_empty() {
            "WebSocket 客户端".into()
        } else {
            request.name.clone()
        },
        code: format!("W{}", &peer_id[3..7].to_uppercase()),
        role,
        scope,
        enrolled_at: fengqiao_store::now_cst(),
        revoked: false,
        confidential: false,
    };
    let data_dir = store.data_dir();
    let mut clients = websocket_clients(data_dir)?;
    clients.push(WebSocketClient {
        peer_id: peer_id.clone(),
        token_sha256: sha256_hex(&token),
    });
    let bytes =
        serde_json::to_vec_pretty(&clients).map_err(|e| OpsError::Refused(e.to_string()))?;
    write_private(&websocket_clients_path(data_dir), &bytes)?;
    store.enrol_device(&device)?;
    Ok(Enrolment::WebSocket { peer_id, token })
}

/// The device a prefix of its id, or its name, designates.
pub fn find_device(store: &Store, which: &str) -> Result<Device, OpsError> {
    let matches: Vec<Device> = store
        .devices()?
        .into_iter()
        .filter(|d| d.id.starts_with(which) || d.name == which)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(OpsError::Refused(format!(
            "目录中没有设备“{which}” (no such device)"
        ))),
        _ => Err(OpsError::Refused(format!(
            "“{which}”对应多台设备，请给出更长的标识 (ambiguous device)"
        ))),
    }
}

/// Revokes a device. Where the server runs, its connections close at once.
pub fn revoke(store: &Store, which: &str) -> Result<Device, OpsError> {
    let device = find_device(store, which)?;
    if device.id == store.identity().device_id {
        return Err(OpsError::Refused(
            "不能吊销服务器自身 (cannot revoke the server)".into(),
        ));
    }
    store.revoke_device(&device.id)?;
    let mut revoked = device;
    revoked.revoked = true;
    Ok(revoked)
}

/// What `status` reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub running: bool,
    pub device_id: String,
    pub county: String,
    pub role: String,
    pub documents: usize,
    pub devices_enrolled: usize,
    pub devices_revoked: usize,
    pub storage_bytes: u64,
    pub storage_failure: Option<String>,
    /// Only while running:
    pub connected_devices: usize,
    pub uptime_seconds: u64,
    pub sync_addrs: Vec<String>,
    pub relay_url: Option<String>,
    pub websocket_addr: Option<String>,
    pub bytes_received: u64,
    pub bytes_sent: u64,
}

/// Status from the store alone (the running server adds its live part).
pub fn status(store: &Store) -> Result<Status, OpsError> {
    let id = store.identity();
    let devices = store.devices()?;
    Ok(Status {
        device_id: id.device_id.clone(),
        county: id.county.clone(),
        role: id.role.code().to_owned(),
        documents: store.catalogue()?.len(),
        devices_enrolled: devices.iter().filter(|d| !d.revoked).count(),
        devices_revoked: devices.iter().filter(|d| d.revoked).count(),
        storage_bytes: storage_bytes(store.data_dir()),
        storage_failure: store.doctor().ok().and_then(|r| r.storage_failure),
        ..Status::default()
    })
}

/// Bytes the server's document storage holds on disk: the documents, the journal of what
/// is not in their files yet, the superseded snapshots kept for recovery, the township
/// shards' own storage and the attachments' bytes.
pub fn storage_bytes(data_dir: &Path) -> u64 {
    let dir = DataDir::new(data_dir);
    [
        dir.documents(),
        dir.journal(),
        dir.superseded(),
        data_dir.join(crate::shards::SHARDS_DIR),
        data_dir.join("blobs"),
    ]
    .iter()
    .map(|d| dir_bytes(d))
    .sum()
}

/// Bytes of every file under `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(_) => total += entry.metadata().map(|m| m.len()).unwrap_or(0),
                Err(_) => {}
            }
        }
    }
    total
}

/// A backup's table of contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub county: String,
    pub device_id: String,
    pub written_at: String,
    /// Document name → file in `documents/` and its SHA-256 (of the bytes as stored).
    pub documents: BTreeMap<String, BackupFile>,
    /// The backup of an encrypted data directory: its documents are sealed under the
    /// directory's data key, and its keyring is copied, so the same passphrases (and the
    /// office's recovery secret) open it. Absent in backups made before encryption.
    #[serde(default)]
    pub sealed: bool,
    /// Attachments' bytes: BLAKE3 hash → file under `blobs/` as stored. Absent in backups
    /// made before attachments.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub blobs: BTreeMap<String, BackupFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupFile {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

const BACKUP_FORMAT: u32 = 1;

/// The keyring's file name, in a data directory and in a backup of an encrypted one.
const KEYRING_FILE: &str = "keyring.json";

/// The small local files a data directory needs besides its documents.
const LOCAL_FILES: [&str; 5] = [
    "device.json",
    "device.key",
    "sync/enrolments.json",
    "sync/peers.json",
    "server/websocket-clients.json",
];

/// The role a backed-up document is sealed under: bound to its name, so a sealed file
/// moved to another document's place in the manifest does not open.
fn backup_role(name: &str) -> String {
    format!("backup/{name}")
}

/// Writes a consistent copy of the store to `out` (a new folder): each document saved
/// whole from memory under samod's lock, so a compaction or an incoming change cannot
/// tear it, plus the identity, key and server files. `out` must not exist yet.
///
/// A backup of an encrypted data directory is as protected as the directory: its
/// documents are sealed under the same data key, the small files are copied as they are
/// (sealed), and the keyring goes with them.
pub fn backup(store: &Store, out: &Path) -> Result<Manifest, OpsError> {
    if out.exists() {
        return Err(OpsError::Refused(format!(
            "{} 已存在，备份不覆盖 (backup target exists)",
            out.display()
        )));
    }
    // Written beside the target and renamed at the end: a half-written backup never
    // carries the final name.
    let partial = out.with_extension("partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    let docs_dir = partial.join("documents");
    std::fs::create_dir_all(&docs_dir).map_err(io(&docs_dir))?;
    let data_dir = store.data_dir();
    let seal = store.data().seal();
    if seal.is_sealed() {
        let from = fengqiao_store::Keyring::path(data_dir);
        let to = partial.join(KEYRING_FILE);
        std::fs::copy(&from, &to).map_err(io(&from))?;
    }
    for rel in LOCAL_FILES {
        let from = data_dir.join(rel);
        if from.exists() {
            let to = partial.join(rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::copy(&from, &to).map_err(io(&from))?;
        }
    }
    let mut documents = BTreeMap::new();
    for (i, name) in store.catalogue()?.into_iter().enumerate() {
        let Some(bytes) = store.export_document(&name)? else {
            continue;
        };
        let file = format!("{i:04}.automerge");
        let path = docs_dir.join(&file);
        let bytes = seal
            .seal(&backup_role(&name.to_string()), &bytes)
            .map_err(|e| OpsError::Refused(format!("{name}：{e}")))?;
        std::fs::write(&path, &bytes).map_err(io(&path))?;
        documents.insert(
            name.to_string(),
            BackupFile {
                file,
                sha256: data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes)),
                bytes: bytes.len() as u64,
            },
        );
    }
    let blobs = blobs::back_up(store, &partial)?;
    let manifest = Manifest {
        format: BACKUP_FORMAT,
        county: store.identity().county.clone(),
        device_id: store.identity().device_id.clone(),
        written_at: fengqiao_store::now_cst().to_rfc3339(),
        documents,
        sealed: seal.is_sealed(),
        blobs,
    };
    let text =
        serde_json::to_vec_pretty(&manifest).map_err(|e| OpsError::Refused(e.to_string()))?;
    let path = partial.join("manifest.json");
    std::fs::write(&path, text).map_err(io(&path))?;
    fsync_tree(&partial)?;
    std::fs::rename(&partial, out).map_err(io(out))?;
    Ok(manifest)
}

fn fsync_tree(dir: &Path) -> Result<(), OpsError> {
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                std::fs::File::open(&path)
                    .and_then(|f| f.sync_all())
                    .map_err(io(&path))?;
            }
        }
        std::fs::File::open(&d)
            .and_then(|f| f.sync_all())
            .map_err(io(&d))?;
    }
    Ok(())
}

/// A backup's documents, the directory first.
pub type BackupDocuments = Vec<(DocName, Vec<u8>)>;

/// Reads and checks a backup: the manifest, every document's checksum and, in the backup
/// of an encrypted directory, its seal (`seal` is that directory's: [`Seal::plain`] for a
/// plain backup).
pub fn read_backup(dir: &Path, seal: &Seal) -> Result<(Manifest, BackupDocuments), OpsError> {
    let bad = |reason: String| OpsError::BadBackup {
        path: dir.to_owned(),
        reason,
    };
    let path = dir.join("manifest.json");
    let text = std::fs::read(&path).map_err(io(&path))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| bad(format!("manifest.json: {e}")))?;
    if manifest.format != BACKUP_FORMAT {
        return Err(bad(format!(
            "未知格式 {} (unknown format)",
            manifest.format
        )));
    }
    if manifest.sealed != seal.is_sealed() {
        return Err(bad(if manifest.sealed {
            "备份已加密，须用其口令文件打开 (sealed backup, no key)".into()
        } else {
            "备份未加密，而恢复时给了口令 (plain backup, key given)".into()
        }));
    }
    let mut docs = Vec::new();
    for (name, file) in &manifest.documents {
        let doc: DocName = name
            .parse()
            .map_err(|_| bad(format!("文档名无效：{name}")))?;
        let path = dir.join("documents").join(&file.file);
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let sum = data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes));
        if sum != file.sha256 {
            return Err(bad(format!("{} 校验和不符 (checksum mismatch)", file.file)));
        }
        let bytes = seal
            .open(&backup_role(name), &bytes)
            .map_err(|e| bad(format!("{}（{name}）：{e}", file.file)))?
            .into_owned();
        docs.push((doc, bytes));
    }
    blobs::check(dir, &manifest.blobs)?;
    // The directory first: it lists every other document and decides access.
    docs.sort_by_key(|(n, _)| *n != DocName::Directory);
    Ok((manifest, docs))
}

/// Restores a backup into `data_dir`, which must not hold a store. The restored device
/// writes under a new epoch, so its new changes can never reuse a sequence number it
/// used after the backup was taken.
///
/// The backup of an encrypted directory restores encrypted: its keyring is put in place
/// first, then `unlock` is asked for the data key of `data_dir` (the server's passphrase
/// file); nothing else is written until the key opens the backup.
pub fn restore(
    backup_dir: &Path,
    data_dir: &Path,
    unlock: impl FnOnce() -> Result<Option<DataKey>, OpsError>,
) -> Result<Manifest, OpsError> {
    if DataDir::new(data_dir).is_initialised() {
        return Err(OpsError::Refused(format!(
            "{} 已有数据，恢复只写入空目录 (restore needs an empty data dir)",
            data_dir.display()
        )));
    }
    let keyring = backup_dir.join(KEYRING_FILE);
    let placed = fengqiao_store::Keyring::path(data_dir);
    let sealed = keyring.is_file();
    if sealed {
        std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
        std::fs::copy(&keyring, &placed).map_err(io(&keyring))?;
    }
    let opened = (|| {
        let key = if sealed { unlock()? } else { None };
        let seal = key.as_ref().map_or_else(Seal::plain, Seal::new);
        let (manifest, docs) = read_backup(backup_dir, &seal)?;
        let identity_src = backup_dir.join("device.json");
        if !identity_src.exists() || !backup_dir.join("device.key").exists() {
            return Err(OpsError::BadBackup {
                path: backup_dir.to_owned(),
                reason: "缺少 device.json 或 device.key".into(),
            });
        }
        Ok((key, seal, manifest, docs, identity_src))
    })();
    let (key, seal, manifest, docs, identity_src) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            // Leave the data directory as empty as it was found.
            if sealed {
                let _ = std::fs::remove_file(&placed);
            }
            return Err(e);
        }
    };
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    for rel in LOCAL_FILES {
        let from = backup_dir.join(rel);
        if from.exists() && rel != "device.json" {
            let to = data_dir.join(rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::copy(&from, &to).map_err(io(&from))?;
        }
    }
    let data = DataDir::sealed(data_dir, seal.clone());
    fengqiao_store::local::create_layout(&data)?;
    // Read as the backed-up directory wrote it (sealed there when it was encrypted).
    let mut identity = DataDir::sealed(backup_dir, seal)
        .read_identity()
        .map_err(|e| OpsError::BadBackup {
            path: identity_src.clone(),
            reason: e.to_string(),
        })?;
    identity.epoch += 1;
    // The identity is written last by `open` semantics: import documents first through a
    // store opened on the restored identity.
    data.write_identity(&identity)?;
    let store = Store::open_with_key(data_dir, key.as_ref())?;
    for (name, bytes) in &docs {
        store.import_document(name, bytes)?;
    }
    let restored = blobs::restore(backup_dir, &store, &manifest.blobs);
    store.close();
    restored?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use fengqiao_model::{Channel, Registration, Role};
    use fengqiao_store::{InitOptions, TownshipSpec};

    use super::*;

    fn office_options() -> InitOptions {
        InitOptions {
            device_name: "信访局".into(),
            county: "宁国市".into(),
            role: Role::Office,
            scope: Vec::new(),
            person_name: "王主任".into(),
            townships: vec![TownshipSpec {
                name: "港口镇".into(),
                code: "gangkou".into(),
                villages: vec!["西村".into()],
            }],
            directory: None,
        }
    }

    /// Every file under `dir` holding `needle`.
    fn files_holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![dir.to_owned()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if std::fs::read(&path)
                    .expect("read")
                    .windows(needle.len())
                    .any(|w| w == needle)
                {
                    found.push(path);
                }
            }
        }
        found
    }

    /// A backup of an encrypted data directory gives away no more than the directory: its
    /// documents are sealed (a plain backup's load as Automerge; these do not) and no file
    /// holds a petitioner's name, ID number or phone. It restores only with the passphrase
    /// — a wrong one leaves the target empty — and then opens with every case.
    #[test]
    fn an_encrypted_directory_s_backup_is_sealed_and_restores_only_with_its_passphrase() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let received = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
        let (name, phone, id) = ("欧阳娜娜", "13912345678", "34252919800101002X");
        let fill = |store: &Store| {
            let mut reg = Registration::new(Channel::Visit, received, "港口镇", "水渠被冲毁")
                .with_petitioner(name, phone);
            reg.petitioners[0].id_number = id.into();
            let case = store.add_case(reg).expect("add case");
            // The petition letter names the petitioner too.
            let letter = format!("{name}的来信：{phone}").repeat(40);
            let number = case.number.to_string();
            store
                .attach(
                    &number,
                    fengqiao_model::AttachedTo::Case,
                    "来信.txt",
                    letter.as_bytes(),
                    "",
                )
                .expect("attach");
            case
        };

        // Every backed-up document as stored, by file.
        let stored = |out: &Path| -> Vec<(PathBuf, Vec<u8>)> {
            std::fs::read_dir(out.join("documents"))
                .expect("documents")
                .flatten()
                .map(|e| (e.path(), std::fs::read(e.path()).expect("read")))
                .collect()
        };
        let plain = Store::init(tmp.path().join("plain"), office_options()).expect("init");
        fill(&plain);
        backup(&plain, &tmp.path().join("plain-backup")).expect("plain backup");
        plain.close();
        // A plain backup's documents load as they are (automerge compresses their columns,
        // so a byte search alone would not find a name in them either).
        let plain_docs = stored(&tmp.path().join("plain-backup"));
        assert!(!plain_docs.is_empty());
        for (path, bytes) in &plain_docs {
            assert!(automerge::Automerge::load(bytes).is_ok(), "{path:?}");
        }
        // The letter's bytes go with the records, as they are.
        let plain_blobs = files_holding(&tmp.path().join("plain-backup/blobs"), name.as_bytes());
        assert_eq!(plain_blobs.len(), 1, "{plain_blobs:?}");

        let dir = tmp.path().join("sealed");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let key = DataKey::generate();
        fengqiao_store::Keyring::new(
            &key,
            "王主任",
            "县服务器 正确的口令 2026",
            None,
            fengqiao_store::KdfParams::cheap_for_tests(),
        )
        .expect("keyring")
        .save(&dir)
        .expect("save keyring");
        let store = Store::init_sealed(&dir, office_options(), &key).expect("init sealed");
        let case = fill(&store);
        let out = tmp.path().join("backup");
        let manifest = backup(&store, &out).expect("backup");
        store.close();
        assert!(manifest.sealed);
        assert_eq!(manifest.blobs.len(), 1);
        let sealed_docs = stored(&out);
        assert_eq!(sealed_docs.len(), manifest.documents.len());
        for (path, bytes) in &sealed_docs {
            assert!(
                fengqiao_store::seal::is_sealed(bytes),
                "{path:?} is not sealed"
            );
            assert!(automerge::Automerge::load(bytes).is_err(), "{path:?} loads");
        }
        for secret in [name, phone, id] {
            let holders = files_holding(&out, secret.as_bytes());
            assert!(holders.is_empty(), "{secret} in {holders:?}");
        }

        let target = tmp.path().join("restored");
        // What the server's passphrase file does: the keyring restore put in place, opened.
        let unlock_with = |pass: &'static str| {
            let target = target.clone();
            move || -> Result<Option<DataKey>, OpsError> {
                let ring = fengqiao_store::Keyring::load(&target)
                    .map_err(fengqiao_store::StoreError::from)?
                    .ok_or_else(|| OpsError::Refused("no keyring".into()))?;
                let (key, _) = ring
                    .unlock(&target, pass)
                    .map_err(fengqiao_store::StoreError::from)?;
                Ok(Some(key))
            }
        };
        assert!(restore(&out, &target, || Ok(None)).is_err(), "no key");
        let wrong = restore(&out, &target, unlock_with("县服务器 错误的口令 2026"));
        assert!(wrong.is_err(), "a wrong passphrase restored");
        assert!(
            !DataDir::new(&target).is_initialised() && !fengqiao_store::Keyring::exists(&target),
            "a refused restore left files in {}",
            target.display()
        );

        restore(&out, &target, unlock_with("县服务器 正确的口令 2026")).expect("restore");
        assert!(Store::open(&target).is_err(), "restored plain");
        let restored = Store::open_sealed(&target, &key).expect("open restored");
        let shown = restored.case(&case.id.to_string()).expect("the case");
        assert_eq!(shown.case.registration.petitioners[0].name, name);
        let hash = shown.attachments[0].hash.parse().expect("hash");
        let letter = restored
            .attachment_bytes(&hash)
            .expect("read")
            .expect("restored");
        assert!(letter.starts_with(name.as_bytes()));
        restored.close();
        for secret in [name, phone, id] {
            let holders = files_holding(&target, secret.as_bytes());
            assert!(holders.is_empty(), "{secret} restored plain in {holders:?}");
        }
    }

    /// A change acknowledged from the journal alone is on disk and counts: the status once
    /// showed only `documents/`, so a busy server looked empty.
    #[test]
    fn the_storage_size_counts_the_journal_as_well_as_the_document_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::init(dir.path(), office_options()).expect("init");
        let received = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
        for i in 0..20 {
            let reg = Registration::new(Channel::Visit, received, "港口镇", &format!("事项{i}"))
                .with_petitioner("张三", "13800001111");
            store.add_case(reg).expect("add case");
        }
        let data = DataDir::new(store.data_dir());
        let (documents, journal) = (dir_bytes(&data.documents()), dir_bytes(&data.journal()));
        assert!(journal > 0, "the cases' changes wait in the journal");
        let reported = status(&store).expect("status").storage_bytes;
        assert!(
            reported >= documents + journal,
            "status says {reported} bytes; documents {documents} and journal {journal}"
        );
    }
}
