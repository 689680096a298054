//! The keyring of an encrypted data directory (`keyring.json`): its one data key, wrapped
//! once per person who may open the laptop and once for the county office's recovery key.
//!
//! - A person's wrap: a key derived from their passphrase by Argon2id (a salt of its own
//!   and the cost recorded beside it, so a later version can raise the cost for new
//!   wraps and still open old ones), then XChaCha20-Poly1305 over the data key, with the
//!   person's name as associated data.
//! - The recovery wrap: a NaCl sealed box (`crypto_box`: X25519 + XSalsa20-Poly1305) to
//!   the office's recovery public key. Only the office's recovery secret opens it: a
//!   laptop whose user left can still be opened, and given a new passphrase.
//! - `check`: a constant sealed under the data key, so a key that is not this directory's
//!   (a key file of another laptop) is refused before any file is touched.
//!
//! The keyring is the one file of an encrypted directory that is not sealed: it is what
//! opens the others. It names the people who may open the laptop, and nothing else of
//! theirs. Changing a passphrase rewrites this file alone.

use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::seal::{DataKey, Seal};
use crate::storage::write_atomically;

/// The keyring's file name in the data directory.
pub const KEYRING_FILE: &str = "keyring.json";
/// What `check` holds, sealed.
const CHECK_ROLE: &str = "keyring/check";
const CHECK_TEXT: &[u8] = b"fengqiao data key";
/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
const HEX: data_encoding::Encoding = data_encoding::HEXLOWER;
const SECRET_PREFIX: &str = "fqrecovery-secret1-";
const PUBLIC_PREFIX: &str = "fqrecovery1-";

/// What went wrong with a keyring or a passphrase.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// No wrap opens with this passphrase.
    #[error(
        "口令不正确，无法打开加密的数据目录 {0}（数据目录中的文件未被改动） (wrong passphrase)"
    )]
    WrongPassphrase(PathBuf),
    /// The recovery secret does not open the recovery wrap.
    #[error("恢复密钥不正确，或不是本数据目录登记的恢复密钥 (wrong recovery secret)")]
    WrongRecovery,
    /// The directory has no recovery wrap.
    #[error("此数据目录没有登记县信访局的恢复密钥，无法用恢复密钥打开 (no recovery wrap)")]
    NoRecovery,
    /// A key that is not this directory's.
    #[error("所给密钥不属于数据目录 {0} (key does not belong to this directory)")]
    WrongKey(PathBuf),
    #[error("密钥文件 {path} 已损坏：{reason} (keyring damaged)")]
    Damaged { path: PathBuf, reason: String },
    #[error("读写 {path} 失败：{source} (I/O error)")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("密钥环中没有“{0}” (no such person)")]
    NoSuchPerson(String),
    #[error("密钥环中已有“{0}”，请用 keys change 修改其口令 (person already has a passphrase)")]
    PersonExists(String),
    #[error("不能删除最后一个口令：删除后只有恢复密钥能打开此数据目录 (the last passphrase)")]
    LastPerson,
    #[error("口令至少 {MIN_PASSPHRASE_CHARS} 个字符 (passphrase too short)")]
    WeakPassphrase,
    #[error("姓名不能为空 (name required)")]
    NoName,
    #[error("恢复密钥格式不对：{0} (bad recovery key)")]
    BadRecoveryKey(String),
    #[error("数据目录 {0} 已经加密 (already encrypted)")]
    AlreadyEncrypted(PathBuf),
    #[error("口令派生失败：{0} (key derivation failed)")]
    Kdf(String),
}

/// The Argon2id cost a wrap was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for KdfParams {
    /// 64 MiB, 3 passes: about half a second on a township laptop, per guess.
    fn default() -> Self {
        Self {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

impl KdfParams {
    /// A cheap cost, for tests that open a directory many times (never for real keys).
    pub fn cheap_for_tests() -> Self {
        Self {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        }
    }

    fn derive(&self, passphrase: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, String> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|e| e.to_string())?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), salt, &mut out[..])
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

/// One person's wrap of the data key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonWrap {
    pub name: String,
    /// `argon2id`: the only one so far; recorded so another can follow.
    pub kdf: String,
    pub params: KdfParams,
    salt: String,
    /// Nonce, then the sealed data key.
    wrapped: String,
    /// When the passphrase was set (China Standard Time).
    pub set_at: String,
}

/// The data key sealed to the office's recovery public key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecoveryWrap {
    pub public_key: String,
    sealed: String,
}

/// The keyring of one data directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Keyring {
    pub format: u32,
    /// An encryption in place is under way: some files may still be plain. Whoever opens
    /// the directory next finishes it.
    #[serde(default)]
    pub converting: bool,
    check: String,
    pub people: Vec<PersonWrap>,
    pub recovery: Option<RecoveryWrap>,
}

/// The county office's recovery key pair: the secret stays with the office.
pub struct RecoverySecret(crypto_box::SecretKey);

/// The public half, given to every laptop that is encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPublicKey(crypto_box::PublicKey);

impl RecoverySecret {
    /// A new recovery key pair for the county office.
    pub fn generate() -> Self {
        Self(crypto_box::SecretKey::from_bytes(rand::random()))
    }

    pub fn public_key(&self) -> RecoveryPublicKey {
        RecoveryPublicKey(self.0.public_key())
    }

    /// The secret as text, to keep offline (`fqrecovery-secret1-…`).
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{SECRET_PREFIX}{}",
            HEX.encode(&*Zeroizing::new(self.0.to_bytes()))
        ))
    }

    pub fn parse(text: &str) -> Result<Self, KeyringError> {
        let hex = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| KeyringError::BadRecoveryKey(format!("应以 {SECRET_PREFIX} 开头")))?;
        Ok(Self(crypto_box::SecretKey::from_bytes(key_bytes(hex)?)))
    }
}

impl std::fmt::Display for RecoveryPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", HEX.encode(self.0.as_bytes()))
    }
}

impl std::str::FromStr for RecoveryPublicKey {
    type Err = KeyringError;
    fn from_str(text: &str) -> Result<Self, KeyringError> {
        let hex = text
            .trim()
            .strip_prefix(PUBLIC_PREFIX)
            .ok_or_else(|| KeyringError::BadRecoveryKey(format!("应以 {PUBLIC_PREFIX} 开头")))?;
        Ok(Self(crypto_box::PublicKey::from_bytes(key_bytes(hex)?)))
    }
}

fn key_bytes(hex: &str) -> Result<[u8; 32], KeyringError> {
    let bytes = Zeroizing::new(
        HEX.decode(hex.as_bytes())
            .map_err(|_| KeyringError::BadRecoveryKey("应为 64 位十六进制数".into()))?,
    );
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyringError::BadRecoveryKey("应为 32 字节".into()))
}

fn person_aad(name: &str) -> Vec<u8> {
    format!("fengqiao keyring person\0{name}").into_bytes()
}

fn wrap_for(
    key: &DataKey,
    name: &str,
    passphrase: &str,
    params: KdfParams,
) -> Result<PersonWrap, KeyringError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(KeyringError::NoName);
    }
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(KeyringError::WeakPassphrase);
    }
    let salt: [u8; 16] = rand::random();
    let kek = params
        .derive(passphrase, &salt)
        .map_err(KeyringError::Kdf)?;
    let nonce: [u8; 24] = rand::random();
    let sealed = XChaCha20Poly1305::new((&*kek).into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.as_bytes(),
                aad: &person_aad(name),
            },
        )
        .map_err(|e| KeyringError::Kdf(e.to_string()))?;
    let mut wrapped = nonce.to_vec();
    wrapped.extend_from_slice(&sealed);
    Ok(PersonWrap {
        name: name.to_owned(),
        kdf: "argon2id".into(),
        params,
        salt: HEX.encode(&salt),
        wrapped: HEX.encode(&wrapped),
        set_at: crate::now_cst().format("%Y-%m-%d %H:%M").to_string(),
    })
}

impl PersonWrap {
    /// The data key, if `passphrase` is this person's.
    fn unwrap(&self, passphrase: &str) -> Option<DataKey> {
        if self.kdf != "argon2id" {
            return None;
        }
        let salt = HEX.decode(self.salt.as_bytes()).ok()?;
        let wrapped = HEX.decode(self.wrapped.as_bytes()).ok()?;
        if wrapped.len() < 24 {
            return None;
        }
        let kek = self.params.derive(passphrase, &salt).ok()?;
        let (nonce, sealed) = wrapped.split_at(24);
        let plain = Zeroizing::new(
            XChaCha20Poly1305::new((&*kek).into())
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: sealed,
                        aad: &person_aad(&self.name),
                    },
                )
                .ok()?,
        );
        Some(DataKey::from_bytes(plain.as_slice().try_into().ok()?))
    }
}

impl Keyring {
    /// Where the keyring of `dir` lives.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(KEYRING_FILE)
    }

    /// Whether `dir` is encrypted (has a keyring).
    pub fn exists(dir: &Path) -> bool {
        Self::path(dir).exists()
    }

    /// A new keyring for `key`: `person`'s passphrase, and the office's recovery key.
    pub fn new(
        key: &DataKey,
        person: &str,
        passphrase: &str,
        recovery: Option<&RecoveryPublicKey>,
        params: KdfParams,
    ) -> Result<Self, KeyringError> {
        let check = Seal::new(key)
            .seal(CHECK_ROLE, CHECK_TEXT)
            .map_err(|e| KeyringError::Kdf(e.to_string()))?;
        let mut ring = Keyring {
            format: 1,
            converting: false,
            check: HEX.encode(&check),
            people: vec![wrap_for(key, person, passphrase, params)?],
            recovery: None,
        };
        if let Some(public) = recovery {
            ring.set_recovery(key, public)?;
        }
        Ok(ring)
    }

    /// The keyring of `dir`, if it is encrypted.
    pub fn load(dir: &Path) -> Result<Option<Self>, KeyringError> {
        let path = Self::path(dir);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(KeyringError::Io { path, source }),
        };
        let ring: Keyring = serde_json::from_slice(&bytes).map_err(|e| KeyringError::Damaged {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if ring.format != 1 {
            return Err(KeyringError::Damaged {
                path,
                reason: format!("格式版本 {} 不受支持（请升级 Fengqiao）", ring.format),
            });
        }
        Ok(Some(ring))
    }

    /// Writes the keyring whole or not at all (write, fsync, rename, fsync the directory).
    pub fn save(&self, dir: &Path) -> Result<(), KeyringError> {
        let path = Self::path(dir);
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| KeyringError::Damaged {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomically(&path, &bytes).map_err(|source| KeyringError::Io { path, source })
    }

    /// The data key, from any person's passphrase. Nothing is written.
    pub fn unlock(&self, dir: &Path, passphrase: &str) -> Result<(DataKey, String), KeyringError> {
        for person in &self.people {
            if let Some(key) = person.unwrap(passphrase) {
                self.check_key(dir, &key)?;
                return Ok((key, person.name.clone()));
            }
        }
        Err(KeyringError::WrongPassphrase(dir.to_owned()))
    }

    /// The data key, from the office's recovery secret. Nothing is written.
    pub fn recover(&self, dir: &Path, secret: &RecoverySecret) -> Result<DataKey, KeyringError> {
        let wrap = self.recovery.as_ref().ok_or(KeyringError::NoRecovery)?;
        let sealed = HEX
            .decode(wrap.sealed.as_bytes())
            .map_err(|_| KeyringError::WrongRecovery)?;
        let plain = Zeroizing::new(
            secret
                .0
                .unseal(&sealed)
                .map_err(|_| KeyringError::WrongRecovery)?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| KeyringError::WrongRecovery)?;
        let key = DataKey::from_bytes(bytes);
        self.check_key(dir, &key)?;
        Ok(key)
    }

    /// Refuses a key that is not this directory's.
    pub fn check_key(&self, dir: &Path, key: &DataKey) -> Result<(), KeyringError> {
        let sealed = HEX
            .decode(self.check.as_bytes())
            .map_err(|_| KeyringError::WrongKey(dir.to_owned()))?;
        match Seal::new(key).open(CHECK_ROLE, &sealed) {
            Ok(plain) if plain.as_ref() == CHECK_TEXT => Ok(()),
            _ => Err(KeyringError::WrongKey(dir.to_owned())),
        }
    }

    /// Lets `name` open the laptop with `passphrase`.
    pub fn add_person(
        &mut self,
        key: &DataKey,
        name: &str,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<(), KeyringError> {
        if self.people.iter().any(|p| p.name == name.trim()) {
            return Err(KeyringError::PersonExists(name.trim().to_owned()));
        }
        self.people.push(wrap_for(key, name, passphrase, params)?);
        Ok(())
    }

    /// Gives `name` a new passphrase: the data key is wrapped again; no data changes.
    pub fn change_passphrase(
        &mut self,
        key: &DataKey,
        name: &str,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<(), KeyringError> {
        let at = self
            .people
            .iter()
            .position(|p| p.name == name.trim())
            .ok_or_else(|| KeyringError::NoSuchPerson(name.trim().to_owned()))?;
        self.people[at] = wrap_for(key, name, passphrase, params)?;
        Ok(())
    }

    /// Takes `name`'s passphrase away (never the last one).
    pub fn remove_person(&mut self, name: &str) -> Result<(), KeyringError> {
        let at = self
            .people
            .iter()
            .position(|p| p.name == name.trim())
            .ok_or_else(|| KeyringError::NoSuchPerson(name.trim().to_owned()))?;
        if self.people.len() == 1 {
            return Err(KeyringError::LastPerson);
        }
        self.people.remove(at);
        Ok(())
    }

    /// Wraps the data key (again) for the office's recovery key.
    pub fn set_recovery(
        &mut self,
        key: &DataKey,
        public: &RecoveryPublicKey,
    ) -> Result<(), KeyringError> {
        let sealed = public
            .0
            .seal(&mut crypto_box::aead::OsRng, key.as_bytes())
            .map_err(|_| KeyringError::BadRecoveryKey("无法封装".into()))?;
        self.recovery = Some(RecoveryWrap {
            public_key: public.to_string(),
            sealed: HEX.encode(&sealed),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "港口镇信访办2026";

    #[test]
    fn each_person_and_the_office_open_the_same_key_and_nothing_else_does() {
        let dir = Path::new("/nowhere");
        let key = DataKey::generate();
        let office = RecoverySecret::generate();
        let mut ring = Keyring::new(
            &key,
            "李明",
            PASS,
            Some(&office.public_key()),
            KdfParams::cheap_for_tests(),
        )
        .unwrap();
        ring.add_person(
            &key,
            "王芳",
            "another passphrase",
            KdfParams::cheap_for_tests(),
        )
        .unwrap();
        let (a, who) = ring.unlock(dir, PASS).unwrap();
        assert_eq!(who, "李明");
        let (b, who) = ring.unlock(dir, "another passphrase").unwrap();
        assert_eq!(who, "王芳");
        let c = ring.recover(dir, &office).unwrap();
        assert_eq!(a.as_bytes(), key.as_bytes());
        assert_eq!(b.as_bytes(), key.as_bytes());
        assert_eq!(c.as_bytes(), key.as_bytes());
        assert!(matches!(
            ring.unlock(dir, "wrong passphrase"),
            Err(KeyringError::WrongPassphrase(_))
        ));
        assert!(matches!(
            ring.recover(dir, &RecoverySecret::generate()),
            Err(KeyringError::WrongRecovery)
        ));
        assert!(matches!(
            ring.check_key(dir, &DataKey::generate()),
            Err(KeyringError::WrongKey(_))
        ));
    }

    #[test]
    fn a_changed_passphrase_replaces_the_old_one() {
        let dir = Path::new("/nowhere");
        let key = DataKey::generate();
        let mut ring =
            Keyring::new(&key, "李明", PASS, None, KdfParams::cheap_for_tests()).unwrap();
        ring.change_passphrase(
            &key,
            "李明",
            "a new passphrase",
            KdfParams::cheap_for_tests(),
        )
        .unwrap();
        assert!(ring.unlock(dir, PASS).is_err());
        assert!(ring.unlock(dir, "a new passphrase").is_ok());
        assert!(matches!(
            ring.remove_person("李明"),
            Err(KeyringError::LastPerson)
        ));
        assert!(matches!(
            ring.add_person(&key, "张三", "short", KdfParams::cheap_for_tests()),
            Err(KeyringError::WeakPassphrase)
        ));
        // A wrap moved to another name does not open.
        let mut swapped = ring.clone();
        swapped.people[0].name = "张三".into();
        assert!(swapped.unlock(dir, "a new passphrase").is_err());
    }

    #[test]
    fn recovery_keys_round_trip_as_text() {
        let secret = RecoverySecret::generate();
        let text = secret.to_text();
        let again = RecoverySecret::parse(&text).unwrap();
        assert_eq!(again.public_key(), secret.public_key());
        let public: RecoveryPublicKey = secret.public_key().to_string().parse().unwrap();
        assert_eq!(public, secret.public_key());
        assert!("fqrecovery1-zz".parse::<RecoveryPublicKey>().is_err());
    }
}
