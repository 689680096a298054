//! The county office's recovery public key, published in the directory.
//!
//! Invariant: an encrypted directory's recovery wrap is for the key the county's
//! directory names — never for one the laptop's own files or its user supply. Each open
//! with the data key wraps the key again when the directory names another (the office
//! rotated it), and a laptop that learns the key only from its enrolment gets its wrap
//! then. Only office and admin devices write it; every receiver vets that by the change's
//! author, like any directory change.

use automerge::transaction::Transactable;
use fengqiao_model::Role;

use super::{DocName, Store};
use crate::error::StoreError;
use crate::keyring::{Keyring, RecoveryPublicKey};
use crate::record::{map_at, map_in, str_field};
use crate::seal::DataKey;

/// The directory's `meta` key of the office's recovery public key (`fqrecovery1-…`).
const RECOVERY_KEY: &str = "recovery_key";

/// Where an encrypted directory's recovery wrap stands against the county's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryWrapState {
    /// The wrap is for the directory's key; `rewrapped` when it was made just now.
    Current { rewrapped: bool },
    /// The directory names no recovery key yet: the office cannot open this laptop.
    NotPublished,
    /// A plain directory: there is nothing to wrap.
    Plain,
}

impl Store {
    /// The recovery public key the county office published, if any.
    pub fn county_recovery_key(&self) -> Result<Option<RecoveryPublicKey>, StoreError> {
        let text = self
            .read(&DocName::Directory, |d| {
                map_in(d, "meta").map(|meta| str_field(d, &meta, RECOVERY_KEY))
            })?
            .flatten()
            .filter(|t| !t.trim().is_empty());
        let Some(text) = text else {
            return Ok(None);
        };
        text.parse()
            .map(Some)
            .map_err(|e: crate::KeyringError| StoreError::BadValue {
                field: "目录中的恢复公钥".into(),
                value: text.clone(),
                why: e.to_string(),
            })
    }

    /// Publishes the office's recovery public key in the directory (office and admin
    /// devices): every encrypted laptop wraps its data key for it at its next open.
    pub fn publish_recovery_key(&self, key: &RecoveryPublicKey) -> Result<(), StoreError> {
        self.require_role(Role::maintains_county_records, "登记县信访局的恢复公钥")?;
        self.write(&DocName::Directory, |tx| {
            let meta = map_at(tx, "meta")?;
            tx.put(&meta, RECOVERY_KEY, key.to_string())?;
            Ok(())
        })
    }

    /// Wraps `key` (this directory's data key) for the recovery key the directory names,
    /// when the keyring's wrap is for another key or for none. Rewrites only the keyring.
    pub fn follow_county_recovery_key(
        &self,
        key: &DataKey,
    ) -> Result<RecoveryWrapState, StoreError> {
        if !self.is_encrypted() {
            return Ok(RecoveryWrapState::Plain);
        }
        let Some(public) = self.county_recovery_key()? else {
            return Ok(RecoveryWrapState::NotPublished);
        };
        let dir = self.data_dir();
        let Some(mut ring) = Keyring::load(dir)? else {
            return Err(StoreError::Unlock(format!(
                "数据目录 {} 已加密，却没有 keyring.json (keyring missing)",
                dir.display()
            )));
        };
        let wanted = public.to_string();
        if ring
            .recovery
            .as_ref()
            .is_some_and(|w| w.public_key == wanted)
        {
            return Ok(RecoveryWrapState::Current { rewrapped: false });
        }
        ring.check_key(dir, key)?;
        ring.set_recovery(key, &public)?;
        ring.save(dir)?;
        tracing::info!(recovery_key = %wanted, "the data key is wrapped for the county's recovery key");
        Ok(RecoveryWrapState::Current { rewrapped: true })
    }
}
