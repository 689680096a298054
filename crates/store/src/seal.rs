//! Sealing a data directory's files at rest: authenticated encryption under the
//! directory's data key (XChaCha20-Poly1305, a random 24-byte nonce per file or journal
//! frame), with the file's role — its storage key or name in the directory — as associated
//! data, so a sealed file moved to another name, or a frame to another place, does not
//! open.
//!
//! A sealed file is `"FQS1"`, the nonce, then the ciphertext and its tag. A plain store
//! has the plain seal, which passes bytes through untouched. The data key itself lives
//! wrapped in `keyring.json` (`keyring.rs`); this module only uses it.

use std::borrow::Cow;
use std::sync::Arc;

use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// What starts every sealed file.
pub const MAGIC: [u8; 4] = *b"FQS1";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes a sealed file has beyond its plain content.
pub const OVERHEAD: usize = MAGIC.len() + NONCE_LEN + TAG_LEN;
/// Bound into every sealed file's associated data, ahead of its role: a file sealed by
/// another program, or for another purpose, under the same key does not open here.
const CONTEXT: &[u8] = b"fengqiao data directory v1\0";

/// A data directory's 32-byte data key, wiped from memory when dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// A new random key (for a directory being encrypted).
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::fill(&mut bytes[..]);
        Self(bytes)
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// Why a sealed file did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The file is not sealed though the directory is encrypted.
    #[error("文件未加密，而数据目录是加密的：可能被替换过 (file is not sealed)")]
    NotSealed,
    /// Too short, or its tag does not check: damaged, moved, or sealed under another key.
    #[error(
        "加密文件已损坏、被移动或不属于本数据目录（认证失败） (sealed file fails authentication)"
    )]
    Damaged,
    /// A sealed file in a directory that is not encrypted.
    #[error("数据目录未加密，但此文件是加密的 (sealed file in a plain directory)")]
    Unexpected,
    /// Over the cipher's limit (256 GiB): nothing of the sort is ever written.
    #[error("内容过大，无法加密 (too large to seal)")]
    TooLarge,
}

impl From<SealError> for std::io::Error {
    fn from(e: SealError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }
}

/// How a data directory's files are written and read: plain, or sealed under its key.
#[derive(Clone, Default)]
pub struct Seal {
    cipher: Option<Arc<XChaCha20Poly1305>>,
    /// While a plain directory is being encrypted in place, a file may still be plain.
    accept_plain: bool,
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seal")
            .field("sealed", &self.is_sealed())
            .field("accept_plain", &self.accept_plain)
            .finish()
    }
}

impl Seal {
    /// The seal of a plain directory: bytes pass through.
    pub fn plain() -> Self {
        Self::default()
    }

    /// Seals under `key`.
    pub fn new(key: &DataKey) -> Self {
        Self {
            cipher: Some(Arc::new(XChaCha20Poly1305::new(key.as_bytes().into()))),
            accept_plain: false,
        }
    }

    /// As this seal, also reading files not sealed yet (an encryption in place under way).
    pub(crate) fn accepting_plain(mut self) -> Self {
        self.accept_plain = true;
        self
    }

    /// Whether files are sealed.
    pub fn is_sealed(&self) -> bool {
        self.cipher.is_some()
    }

    /// The bytes to write for `plain` under `role`.
    pub fn seal<'a>(&self, role: &str, plain: &'a [u8]) -> Result<Cow<'a, [u8]>, SealError> {
        let Some(cipher) = &self.cipher else {
            return Ok(Cow::Borrowed(plain));
        };
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce[..]);
        let mut out = Vec::with_capacity(plain.len() + OVERHEAD);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let body = MAGIC.len() + NONCE_LEN;
        let tag = cipher
            .encrypt_in_place_detached(XNonce::from_slice(&nonce), &aad(role), &mut out[body..])
            .map_err(|_| SealError::TooLarge)?;
        out.extend_from_slice(&tag);
        Ok(Cow::Owned(out))
    }

    /// The plain content of `bytes` read under `role`.
    pub fn open<'a>(&self, role: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, SealError> {
        let sealed = is_sealed(bytes);
        let Some(cipher) = &self.cipher else {
            return if sealed {
                Err(SealError::Unexpected)
            } else {
                Ok(Cow::Borrowed(bytes))
            };
        };
        if !sealed {
            return if self.accept_plain {
                Ok(Cow::Borrowed(bytes))
            } else {
                Err(SealError::NotSealed)
            };
        }
        if bytes.len() < OVERHEAD {
            return Err(SealError::Damaged);
        }
        let nonce = &bytes[MAGIC.len()..MAGIC.len() + NONCE_LEN];
        let (body, tag) = bytes[MAGIC.len() + NONCE_LEN..].split_at(bytes.len() - OVERHEAD);
        let mut plain = body.to_vec();
        cipher
            .decrypt_in_place_detached(
                XNonce::from_slice(nonce),
                &aad(role),
                &mut plain,
                tag.into(),
            )
            .map_err(|_| SealError::Damaged)?;
        Ok(Cow::Owned(plain))
    }
}

/// Whether `bytes` look sealed (start with the magic).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

fn aad(role: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(CONTEXT.len() + role.len());
    aad.extend_from_slice(CONTEXT);
    aad.extend_from_slice(role.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_opens_under_its_role_only() {
        let seal = Seal::new(&DataKey::generate());
        let sealed = seal
            .seal("doc/incremental/aa", b"hello")
            .unwrap()
            .into_owned();
        assert!(is_sealed(&sealed));
        assert_eq!(sealed.len(), 5 + OVERHEAD);
        assert!(!sealed.windows(5).any(|w| w == b"hello"));
        assert_eq!(
            seal.open("doc/incremental/aa", &sealed).unwrap().as_ref(),
            b"hello"
        );
        assert_eq!(
            seal.open("doc/incremental/bb", &sealed),
            Err(SealError::Damaged)
        );
        let other = Seal::new(&DataKey::generate());
        assert_eq!(
            other.open("doc/incremental/aa", &sealed),
            Err(SealError::Damaged)
        );
    }

    #[test]
    fn a_flipped_byte_anywhere_is_damage() {
        let seal = Seal::new(&DataKey::generate());
        let sealed = seal.seal("r", b"some content").unwrap().into_owned();
        for i in MAGIC.len()..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert_eq!(seal.open("r", &bad), Err(SealError::Damaged), "byte {i}");
        }
        assert_eq!(seal.open("r", &sealed[..10]), Err(SealError::Damaged));
    }

    #[test]
    fn plain_and_sealed_files_are_not_mistaken_for_each_other() {
        let seal = Seal::new(&DataKey::generate());
        assert_eq!(seal.open("r", b"plain"), Err(SealError::NotSealed));
        assert_eq!(
            seal.clone()
                .accepting_plain()
                .open("r", b"plain")
                .unwrap()
                .as_ref(),
            b"plain"
        );
        let sealed = seal.seal("r", b"x").unwrap().into_owned();
        assert_eq!(Seal::plain().open("r", &sealed), Err(SealError::Unexpected));
        assert_eq!(Seal::plain().seal("r", b"x").unwrap().as_ref(), b"x");
    }
}
