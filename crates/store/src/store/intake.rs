//! The county's intake queue in `intake/<year>` documents: items petitioners leave at the
//! 导访 kiosk or on the online form, and the pickups that link an item to the case a clerk
//! registered from it.
//!
//! Invariants:
//! - An item is written once (one change) and never edited: it is what the petitioner
//!   typed. A pickup is a separate record keyed by the item's id, in the item's document.
//! - Only the office and the server hold these documents (`access.rs`): they carry
//!   personal data nobody has registered yet.
//! - The online 查询码 is never stored; only its SHA-256 ([`hash_query_code`]).

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, FixedOffset};
use fengqiao_model::intake::{IntakeId, IntakeItem, IntakePickup, validate_intake};
use fengqiao_model::{CaseId, Role};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Store;
use crate::docs::DocName;
use crate::error::StoreError;
use crate::record::{map_at, to_json};
use crate::time::now_cst;
use crate::{china_offset, record};

/// The letters a 查询码 is made of: digits and capitals without 0/O, 1/I/L, so a code
/// read over the phone or copied by hand survives.
pub const QUERY_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a 查询码 (about 59 bits: guessing one is hopeless at any rate limit).
pub const QUERY_CODE_LEN: usize = 12;

/// A new random 查询码, grouped `XXXX-XXXX-XXXX` for reading aloud.
pub fn new_query_code() -> String {
    let mut rng = rand::rng();
    let mut code = String::with_capacity(QUERY_CODE_LEN + 2);
    for i in 0..QUERY_CODE_LEN {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        let at = rng.random_range(0..QUERY_CODE_ALPHABET.len());
        code.push(char::from(QUERY_CODE_ALPHABET[at]));
    }
    code
}

/// The hex SHA-256 that is stored for a 查询码. Dashes, spaces and case are ignored, so
/// `abcd efgh` and `ABCD-EFGH` are the same code.
pub fn hash_query_code(code: &str) -> String {
    let normalised: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let digest = Sha256::digest(format!("fengqiao-query-code:{normalised}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An item with its pickup, if a clerk has registered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeEntry {
    pub item: IntakeItem,
    pub pickup: Option<IntakePickup>,
}

impl Store {
    /// Adds an item to the queue (one change in `intake/<year of received_at>`), after
    /// [`validate_intake`]. Only the office (the kiosk runs on an office device) and the
    /// server (the online form) may.
    pub fn add_intake_item(&self, item: &IntakeItem) -> Result<(), StoreError> {
        self.require_role(Role::keeps_intake_queue, "添加导访登记")?;
        validate_intake(item).map_err(StoreError::Invalid)?;
        if let Some(hash) = &item.query_code_hash
            && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(StoreError::BadValue {
                field: "query_code_hash".into(),
                value: hash.chars().take(80).collect(),
                why: "应为 64 位十六进制 SHA-256".into(),
            });
        }
        let name = DocName::Intake {
            year: item.received_at.year(),
        };
        let key = item.id.to_string();
        let value = to_json(item)?;
        self.write(&name, move |tx| {
            let items = map_at(tx, "items")?;
            record::put_record(tx, &items, &key, &value)?;
            Ok(())
        })?;
        tracing::info!(item = %item.id, source = item.source.code(), "intake item added");
        Ok(())
    }

    /// The queue in the given years (every year held when `None`), newest first, each
    /// item with its pickup.
    pub fn intake_queue(
        &self,
        years: Option<RangeInclusive<i32>>,
    ) -> Result<Vec<IntakeEntry>, StoreError> {
        let mut out = Vec::new();
        for name in self.catalogue()? {
            let DocName::Intake { year } = name else {
                continue;
            };
            if years.as_ref().is_some_and(|r| !r.contains(&year)) {
                continue;
            }
            out.extend(self.intake_entries(&name)?);
        }
        out.sort_by_key(|e| std::cmp::Reverse((e.item.received_at, e.item.id)));
        Ok(out)
    }

    fn intake_entries(&self, name: &DocName) -> Result<Vec<IntakeEntry>, StoreError> {
        let items: Vec<IntakeItem> = self.typed_records(name, "items")?;
        let pickups: Vec<IntakePickup> = self.typed_records(name, "pickups")?;
        Ok(items
            .into_iter()
            .map(|item| {
                let pickup = pickups.iter().find(|p| p.item == item.id).cloned();
                IntakeEntry { item, pickup }
            })
            .collect())
    }

    /// One item of the queue with its pickup.
    pub fn intake_item(&self, id: IntakeId) -> Result<IntakeEntry, StoreError> {
        self.intake_queue(None)?
            .into_iter()
            .find(|e| e.item.id == id)
            .ok_or_else(|| StoreError::NoSuchIntake(id.to_string()))
    }

    /// Records that the office registered `item` as `case`: written beside the item, in
    /// its document. Refused when the item is not held here, the case does not exist, or
    /// the item was already picked up (two clerks picking one item up offline at the same
    /// moment both succeed; the merged document shows one pickup, and duplicate detection
    /// shows the two cases).
    pub fn pick_up_intake(
        &self,
        item: IntakeId,
        case: CaseId,
        by: &str,
    ) -> Result<IntakePickup, StoreError> {
        self.require_role(Role::registers_intake, "登记导访事项")?;
        let entry = self.intake_item(item)?;
        if let Some(p) = entry.pickup {
            return Err(StoreError::IntakeTaken {
                item: item.to_string(),
                case: p.case.to_string(),
                by: p.by,
            });
        }
        self.case(&case.to_string())?;
        let by = by.trim();
        if by.is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required { field: "by" },
            ]));
        }
        let pickup = IntakePickup {
            item,
            case,
            by: by.to_owned(),
            at: now_cst(),
        };
        let name = DocName::Intake {
            year: entry.item.received_at.year(),
        };
        let key = item.to_string();
        let value = to_json(&pickup)?;
        self.write(&name, move |tx| {
            let pickups = map_at(tx, "pickups")?;
            record::put_record(tx, &pickups, &key, &value)?;
            Ok(())
        })?;
        tracing::info!(%item, %case, "intake item picked up");
        Ok(pickup)
    }

    /// The item whose 查询码 hashes to `hash` (from [`hash_query_code`]), if held here.
    pub fn intake_by_query_hash(&self, hash: &str) -> Result<Option<IntakeEntry>, StoreError> {
        Ok(self
            .intake_queue(None)?
            .into_iter()
            .find(|e| e.item.query_code_hash.as_deref() == Some(hash)))
    }
}

/// When an item was received, for display: the date in China Standard Time.
pub fn received_date(at: &DateTime<FixedOffset>) -> chrono::NaiveDate {
    at.with_timezone(&china_offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_codes_use_the_unambiguous_alphabet() {
        let code = new_query_code();
        assert_eq!(code.len(), QUERY_CODE_LEN + 2, "{code}");
        assert!(
            code.chars()
                .filter(|c| *c != '-')
                .all(|c| QUERY_CODE_ALPHABET.contains(&(c as u8))),
            "{code}"
        );
        assert_ne!(new_query_code(), code);
    }

    #[test]
    fn the_hash_ignores_dashes_spaces_and_case() {
        let hash = hash_query_code("ABCD-EFGH-JKMN");
        assert_eq!(hash.len(), 64);
        assert_eq!(hash_query_code("abcd efgh jkmn"), hash);
        assert_ne!(hash_query_code("ABCD-EFGH-JKMP"), hash);
    }
}
