//! What belongs to this laptop alone and never replicates: its identity, the writer
//! epoch, case-number sequences and the lock that keeps two processes apart.

use std::fs;
use std::path::PathBuf;

use automerge::{ActorId, Author};
use fengqiao_model::{Person, Role};
use iroh_base::SecretKey;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::seal::Seal;
use crate::storage::{write_atomically, write_secret_atomically};

const IDENTITY_FILE: &str = "device.json";
const KEY_FILE: &str = "device.key";

/// This device's identity and settings (`device.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceIdentity {
    /// The device's public key (its iroh `EndpointId`, lowercase hex): the id the
    /// directory enrols and the network authenticates.
    pub device_id: String,
    pub device_name: String,
    /// Prefix of the case numbers this device issues.
    pub device_code: String,
    /// The county whose directory this device belongs to.
    pub county: String,
    pub role: Role,
    /// Township names this device works in; empty for the county office (all).
    pub scope: Vec<String>,
    /// The staff member using the device; the author of its changes.
    pub person: Person,
    /// Kept for data directories written before writer sessions: no longer decides the
    /// actor (see [`writer_actor`]).
    #[serde(default)]
    pub epoch: u32,
}

/// Bytes of a writer actor: the device's public key, then a session number.
const WRITER_ACTOR_LEN: usize = 32 + 8;

/// The Automerge actor a device writes with in one session: its public key (so every
/// receiver can tell which device wrote a change, without a registry) followed by 8
/// random bytes drawn when the store opens. A new actor every session means a laptop
/// restored from a backup, or one whose damaged file was quarantined, never reuses an
/// (actor, sequence) pair a peer already holds: that reuse made every later round with
/// the document fail (`DuplicateSeqNumber`).
pub fn writer_actor(device: &iroh_base::PublicKey, session: [u8; 8]) -> ActorId {
    let mut bytes = Vec::with_capacity(WRITER_ACTOR_LEN);
    bytes.extend_from_slice(device.as_bytes());
    bytes.extend_from_slice(&session);
    ActorId::from(bytes.as_slice())
}

/// The device (its id: the public key in lowercase hex) a writer actor names; `None` for
/// actors of other shapes (genesis changes, actors from before writer sessions, clients of
/// other implementations).
pub fn device_of_actor(actor: &ActorId) -> Option<String> {
    let bytes = actor.to_bytes();
    if bytes.len() != WRITER_ACTOR_LEN {
        return None;
    }
    let key: [u8; 32] = bytes[..32].try_into().ok()?;
    iroh_base::PublicKey::from_bytes(&key)
        .ok()
        .map(|k| k.to_string())
}

/// The id of the person using a device that joined by enrolment: the office records the
/// person under it when it enrols the device, and the device writes as it, so both agree
/// without the device writing the directory.
pub fn enrolled_person_id(device_id: &str, person_name: &str) -> fengqiao_model::PersonId {
    const PERSON_NAMESPACE: uuid::Uuid =
        uuid::Uuid::from_u128(0x2f6e_94a1_77c3_4b0a_8d5e_0f1e_a2c4_b6d8);
    fengqiao_model::PersonId(uuid::Uuid::new_v5(
        &PERSON_NAMESPACE,
        format!("{device_id}|{person_name}").as_bytes(),
    ))
}

impl DeviceIdentity {
    /// The Automerge author id of the person.
    pub fn author(&self) -> Author<'static> {
        Author::from(self.person.id.0.as_bytes().to_vec())
    }
}

/// The files of a data directory, and how they are sealed (plain unless it is encrypted).
#[derive(Debug, Clone)]
pub struct DataDir {
    pub root: PathBuf,
    seal: Seal,
}

impl DataDir {
    /// A plain data directory (or one not opened yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            seal: Seal::plain(),
        }
    }

    /// An encrypted data directory, its files sealed under `seal`.
    pub fn sealed(root: impl Into<PathBuf>, seal: Seal) -> Self {
        Self {
            root: root.into(),
            seal,
        }
    }

    /// How this directory's files are sealed.
    pub fn seal(&self) -> &Seal {
        &self.seal
    }

    /// A small private file of this directory (`rel`, e.g. `sync/peers.json`), opened;
    /// `None` when there is none. A sealed file that does not open is an error naming it.
    pub fn read_private(&self, rel: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.root.join(rel);
        match fs::read(&path) {
            Ok(bytes) => self
                .seal
                .open(rel, &bytes)
                .map(|b| Some(b.into_owned()))
                .map_err(|e| StoreError::Sealed {
                    path,
                    reason: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// Writes a small private file whole or not at all, sealed when the directory is
    /// encrypted, readable by its owner alone.
    pub fn write_private(&self, rel: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.root.join(rel);
        let sealed = self.seal.seal(rel, bytes).map_err(|e| StoreError::Sealed {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_secret_atomically(&path, &sealed).map_err(StoreError::io(path))
    }
    pub fn identity_file(&self) -> PathBuf {
        self.root.join(IDENTITY_FILE)
    }
    /// The device's ed25519 secret key: 32 raw bytes (sealed in an encrypted directory),
    /// readable by the owner alone.
    pub fn key_file(&self) -> PathBuf {
        self.root.join(KEY_FILE)
    }
    pub fn documents(&self) -> PathBuf {
        self.root.join("documents")
    }
    /// The document storage's journal, beside `documents/`: changes acknowledged and not
    /// yet in their files.
    pub fn journal(&self) -> PathBuf {
        crate::storage::journal_dir_of(&self.documents())
    }
    pub fn index(&self) -> PathBuf {
        self.root.join("index")
    }
    pub fn quarantine(&self) -> PathBuf {
        self.root.join("quarantine")
    }
    /// Superseded compaction snapshots, when the device keeps them (the county server).
    pub fn superseded(&self) -> PathBuf {
        self.root.join("superseded")
    }
    fn lock_file(&self) -> PathBuf {
        self.root.join("store.lock")
    }
    fn open_marker(&self) -> PathBuf {
        self.root.join("open.marker")
    }
    fn sequence_file(&self, year: i32) -> PathBuf {
        self.root.join("sequences").join(format!("{year}"))
    }

    pub fn is_initialised(&self) -> bool {
        self.identity_file().exists()
    }

    pub fn read_identity(&self) -> Result<DeviceIdentity, StoreError> {
        let path = self.identity_file();
        let Some(text) = self.read_private(IDENTITY_FILE)? else {
            return Err(StoreError::NotInitialised(self.root.clone()));
        };
        serde_json::from_slice(&text).map_err(|e| StoreError::BadIdentity {
            path,
            reason: e.to_string(),
        })
    }

    pub fn write_identity(&self, identity: &DeviceIdentity) -> Result<(), StoreError> {
        let path = self.identity_file();
        let text = serde_json::to_vec_pretty(identity).map_err(|e| StoreError::BadIdentity {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if self.seal.is_sealed() {
            return self.write_private(IDENTITY_FILE, &text);
        }
        write_atomically(&path, &text).map_err(StoreError::io(path))
    }

    /// Reads the device key, or creates one when there is none yet. Returns the key and
    /// whether it was created now.
    pub fn load_or_create_key(&self) -> Result<(SecretKey, bool), StoreError> {
        let path = self.key_file();
        match self.read_private(KEY_FILE)? {
            Some(bytes) => {
                let raw: [u8; 32] =
                    bytes
                        .as_slice()
                        .try_into()
                        .map_err(|_| StoreError::BadIdentity {
                            path: path.clone(),
                            reason: format!("设备密钥应为 32 字节，实际 {} 字节", bytes.len()),
                        })?;
                Ok((SecretKey::from_bytes(&raw), false))
            }
            None => {
                let key = SecretKey::generate();
                self.write_private(KEY_FILE, &key.to_bytes())?;
                Ok((key, true))
            }
        }
    }

    /// Takes the next case-number sequence for `year`. The counter is made durable
    /// *before* the number is used, so a crash can leave a gap but never a duplicate.
    pub fn next_sequence(&self, year: i32) -> Result<u32, StoreError> {
        self.reserve_sequences(year, 1)
    }

    /// Reserves `count` consecutive sequence numbers for `year`; returns the first.
    pub fn reserve_sequences(&self, year: i32, count: u32) -> Result<u32, StoreError> {
        self.reserve_sequences_above(year, count, 0)
    }

    /// Reserves `count` consecutive sequence numbers for `year`, all above `used` (the
    /// highest number already taken, as the store's cases show it) as well as above the
    /// counter: a counter lost or restored from a backup must not hand out a number
    /// again. Returns the first.
    pub fn reserve_sequences_above(
        &self,
        year: i32,
        count: u32,
        used: u32,
    ) -> Result<u32, StoreError> {
        self.reserve_in(self.sequence_file(year), count, used)
    }

    /// Reserves the next number of a named series (`papers-…`: document numbers), above
    /// `used` and the counter, durably before it is used. Returns it.
    pub fn reserve_named_above(&self, series: &str, used: u32) -> Result<u32, StoreError> {
        self.reserve_in(self.root.join("sequences").join(series), 1, used)
    }

    fn reserve_in(&self, path: PathBuf, count: u32, used: u32) -> Result<u32, StoreError> {
        let current = match fs::read_to_string(&path) {
            Ok(t) => t
                .trim()
                .parse::<u32>()
                .map_err(|e| StoreError::BadIdentity {
                    path: path.clone(),
                    reason: format!("序号文件内容无效：{e}"),
                })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(StoreError::Io { path, source: e }),
        };
        let current = current.max(used);
        let last = current + count.max(1);
        write_atomically(&path, last.to_string().as_bytes()).map_err(StoreError::io(path))?;
        Ok(current + 1)
    }
}

/// Holds the data directory for one process; dropping it marks a clean shutdown.
#[derive(Debug)]
pub struct DirLock {
    _file: fs::File,
    marker: PathBuf,
}

impl DirLock {
    /// Whether another process holds `dir` now (the lock is taken and let go at once;
    /// nothing is written but the lock file). `Err(Locked)` if it does.
    pub fn check_free(dir: &DataDir) -> Result<(), StoreError> {
        let path = dir.lock_file();
        let file = match fs::OpenOptions::new().write(true).open(&path) {
            Ok(f) => f,
            // Never locked: no process has it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::Io { path, source: e }),
        };
        match file.try_lock() {
            Ok(()) => Ok(()),
            Err(fs::TryLockError::WouldBlock) => Err(StoreError::Locked(dir.root.clone())),
            Err(fs::TryLockError::Error(e)) => Err(StoreError::Io { path, source: e }),
        }
    }

    /// Locks `dir`; returns the lock and whether the last session ended uncleanly.
    pub fn acquire(dir: &DataDir) -> Result<(DirLock, bool), StoreError> {
        let path = dir.lock_file();
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(StoreError::io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(dir.root.clone())),
            Err(fs::TryLockError::Error(e)) => return Err(StoreError::Io { path, source: e }),
        }
        let marker = dir.open_marker();
        let unclean = marker.exists();
        write_atomically(&marker, std::process::id().to_string().as_bytes())
            .map_err(StoreError::io(&marker))?;
        Ok((
            DirLock {
                _file: file,
                marker,
            },
            unclean,
        ))
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_file(&self.marker) {
            tracing::warn!(error = %e, "could not mark a clean shutdown");
        }
    }
}

/// Creates the data directory's folders.
pub fn create_layout(dir: &DataDir) -> Result<(), StoreError> {
    for d in [
        dir.root.clone(),
        dir.documents(),
        dir.root.join("sequences"),
    ] {
        fs::create_dir_all(&d).map_err(StoreError::io(&d))?;
    }
    Ok(())
}

/// A short device code from the device's public key: 5 characters of an unambiguous
/// base-30 alphabet.
pub fn device_code_for(key: &iroh_base::PublicKey) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";
    let mut head = [0u8; 16];
    head.copy_from_slice(&key.as_bytes()[..16]);
    let mut n = u128::from_le_bytes(head);
    let mut out = String::new();
    for _ in 0..5 {
        out.push(char::from(ALPHABET[(n % ALPHABET.len() as u128) as usize]));
        n /= ALPHABET.len() as u128;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_key_is_created_once_private_and_stable() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let (first, created) = dir.load_or_create_key().unwrap();
        assert!(created);
        let (again, created_again) = dir.load_or_create_key().unwrap();
        assert!(!created_again);
        assert_eq!(first.public(), again.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.key_file()).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "the key must be readable by its owner alone"
            );
        }
    }

    #[test]
    fn a_damaged_device_key_is_refused_by_name() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        fs::write(dir.key_file(), b"short").unwrap();
        let err = dir.load_or_create_key().unwrap_err().to_string();
        assert!(err.contains("device.key") && err.contains("32"), "{err}");
    }
}
