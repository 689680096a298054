//! The cryptography of a version 2 bundle: the exporting device's ed25519 signature, and
//! the content key sealed for each recipient device.
//!
//! Sealing: each bundle has a random 32-byte content key; the contents are encrypted with
//! ChaCha20-Poly1305 under it (the key is used once, so the nonce is zero). For each
//! recipient the content key is wrapped: the recipient's ed25519 public key (its device
//! id) is converted to its X25519 (Montgomery) form; an X25519 exchange with the bundle's
//! ephemeral key gives a shared secret; HKDF-SHA256 (info: [`WRAP_INFO`], the ephemeral
//! public key and the recipient's device key) turns it into a one-time wrap key, and
//! ChaCha20-Poly1305 (nonce zero, associated data: the recipient's device key) encrypts
//! the content key with it. The recipient recomputes the shared secret from its own
//! ed25519 secret key (its X25519 scalar is the first half of SHA-512 of the seed, as in
//! RFC 8032), so no extra key has to be enrolled or carried.
//!
//! Signing: the device signs `SIGN_CONTEXT ‖ SHA-256(everything before the signature)`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::montgomery::MontgomeryPoint;
use ed25519_dalek::{SigningKey, VerifyingKey};
use hkdf::Hkdf;
use iroh_base::{PublicKey, SecretKey, Signature};
use sha2::Sha256;

/// Domain separation for the bundle signature.
const SIGN_CONTEXT: &[u8] = b"fengqiao/bundle/2/signature\n";
/// Domain separation for the wrap-key derivation.
const WRAP_INFO: &[u8] = b"fengqiao/bundle/2/wrap\n";
/// Length of a wrapped content key: the key and its Poly1305 tag.
pub(super) const WRAPPED_LEN: usize = 32 + 16;
/// Length of an ed25519 signature.
pub(super) const SIGNATURE_LEN: usize = 64;

/// Why a cryptographic step failed (mapped to a [`super::BundleError`] by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SealError {
    /// A device id that is not a valid ed25519 public key.
    BadKey,
    /// The exchange gave a degenerate (all-zero) secret: a low-order key.
    WeakKey,
    /// Authenticated decryption failed.
    Open,
    /// Encryption failed (only on absurd input sizes).
    Seal,
}

/// Parses a device id (64 lowercase hex digits, as `PublicKey`'s `Display` writes it).
pub(super) fn device_key(id: &str) -> Result<PublicKey, SealError> {
    let bytes = data_encoding::HEXLOWER
        .decode(id.as_bytes())
        .map_err(|_| SealError::BadKey)?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
    let key = PublicKey::from_bytes(&bytes).map_err(|_| SealError::BadKey)?;
    if key.to_string() != id {
        return Err(SealError::BadKey);
    }
    Ok(key)
}

fn signed_message(digest: &[u8; 32]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGN_CONTEXT.len() + digest.len());
    message.extend_from_slice(SIGN_CONTEXT);
    message.extend_from_slice(digest);
    message
}

/// The device's signature over a bundle whose body hashes to `digest`.
pub(super) fn sign(key: &SecretKey, digest: &[u8; 32]) -> [u8; SIGNATURE_LEN] {
    key.sign(&signed_message(digest)).to_bytes()
}

/// Whether `signature` is `signer`'s over a bundle whose body hashes to `digest`.
pub(super) fn verify(
    signer: &PublicKey,
    digest: &[u8; 32],
    signature: &[u8; SIGNATURE_LEN],
) -> Result<(), SealError> {
    signer
        .verify(&signed_message(digest), &Signature::from_bytes(signature))
        .map_err(|_| SealError::Open)
}

/// A fresh random 32-byte secret.
pub(super) fn random_key() -> [u8; 32] {
    rand::random()
}

/// The X25519 public key of an ephemeral secret.
pub(super) fn ephemeral_public(ephemeral_secret: [u8; 32]) -> [u8; 32] {
    MontgomeryPoint::mul_base_clamped(ephemeral_secret).to_bytes()
}

fn wrap_key(
    shared: MontgomeryPoint,
    ephemeral_public: &[u8; 32],
    recipient: &PublicKey,
) -> Result<[u8; 32], SealError> {
    let shared = shared.to_bytes();
    if shared == [0u8; 32] {
        return Err(SealError::WeakKey);
    }
    let mut info = Vec::with_capacity(WRAP_INFO.len() + 64);
    info.extend_from_slice(WRAP_INFO);
    info.extend_from_slice(ephemeral_public);
    info.extend_from_slice(recipient.as_bytes());
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(None, &shared)
        .expand(&info, &mut out)
        .map_err(|_| SealError::Seal)?;
    Ok(out)
}

fn aead_seal(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
    ChaCha20Poly1305::new(Key::from_slice(key))
        .encrypt(
            Nonce::from_slice(&[0u8; 12]),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| SealError::Seal)
}

fn aead_open(key: &[u8; 32], ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
    ChaCha20Poly1305::new(Key::from_slice(key))
        .decrypt(
            Nonce::from_slice(&[0u8; 12]),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| SealError::Open)
}

/// Wraps `content_key` for `recipient` with the bundle's ephemeral key.
pub(super) fn wrap(
    content_key: &[u8; 32],
    ephemeral_secret: [u8; 32],
    recipient: &PublicKey,
) -> Result<Vec<u8>, SealError> {
    let montgomery = VerifyingKey::from_bytes(recipient.as_bytes())
        .map_err(|_| SealError::BadKey)?
        .to_montgomery();
    let ephemeral = ephemeral_public(ephemeral_secret);
    let key = wrap_key(
        montgomery.mul_clamped(ephemeral_secret),
        &ephemeral,
        recipient,
    )?;
    aead_seal(&key, content_key, recipient.as_bytes())
}

/// Unwraps the content key sealed for this device (`own`).
pub(super) fn unwrap(
    wrapped: &[u8],
    ephemeral_public: &[u8; 32],
    own: &SecretKey,
) -> Result<[u8; 32], SealError> {
    let scalar = SigningKey::from_bytes(&own.to_bytes()).to_scalar_bytes();
    let shared = MontgomeryPoint(*ephemeral_public).mul_clamped(scalar);
    let key = wrap_key(shared, ephemeral_public, &own.public())?;
    let content = aead_open(&key, wrapped, own.public().as_bytes())?;
    content.try_into().map_err(|_| SealError::Open)
}

/// Encrypts the contents under the content key; `aad` is the bundle's clear prefix.
pub(super) fn seal_contents(
    content_key: &[u8; 32],
    contents: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, SealError> {
    aead_seal(content_key, contents, aad)
}

/// Decrypts the contents; fails if the ciphertext or the clear prefix was altered.
pub(super) fn open_contents(
    content_key: &[u8; 32],
    ciphertext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, SealError> {
    aead_open(content_key, ciphertext, aad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_wrapped_for_a_device_opens_with_its_secret_key_only() {
        let recipient = SecretKey::generate();
        let stranger = SecretKey::generate();
        let content = random_key();
        let ephemeral = random_key();
        let wrapped = wrap(&content, ephemeral, &recipient.public()).expect("wrap");
        assert_eq!(wrapped.len(), WRAPPED_LEN);
        let public = ephemeral_public(ephemeral);
        assert_eq!(unwrap(&wrapped, &public, &recipient), Ok(content));
        assert_eq!(unwrap(&wrapped, &public, &stranger), Err(SealError::Open));
        let mut bent = wrapped.clone();
        bent[0] ^= 1;
        assert_eq!(unwrap(&bent, &public, &recipient), Err(SealError::Open));
    }

    #[test]
    fn signatures_bind_the_digest_and_the_signer() {
        let key = SecretKey::generate();
        let digest = [7u8; 32];
        let signature = sign(&key, &digest);
        assert_eq!(verify(&key.public(), &digest, &signature), Ok(()));
        assert!(verify(&key.public(), &[8u8; 32], &signature).is_err());
        assert!(verify(&SecretKey::generate().public(), &digest, &signature).is_err());
        let id = key.public().to_string();
        assert_eq!(device_key(&id), Ok(key.public()));
        assert_eq!(device_key(&id.to_uppercase()), Err(SealError::BadKey));
    }
}
