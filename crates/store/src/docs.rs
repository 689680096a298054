//! The documents and their names (DESIGN.md §4, data: documents and records).
//!
//! Each logical document has a name (`directory`, `cases/gangkou/2026-Q1`, …) and a samod
//! [`DocumentId`] derived from the county and the name, so every laptop that needs
//! `cases/gangkou/2026-Q1` offline arrives at the same id. Each document starts from a
//! byte-identical genesis change (fixed actor, zero timestamp, the same empty containers),
//! so two laptops that create it independently create the same change and their records
//! land in one shared map instead of two conflicting ones.

use std::fmt;
use std::str::FromStr;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ObjType, ROOT};
use chrono::{Datelike, NaiveDate};
use samod::DocumentId;
use uuid::Uuid;

use crate::error::StoreError;
use crate::storage::DurableStorage;

/// Namespace for the v5 UUIDs that become document ids.
const DOC_NAMESPACE: Uuid = Uuid::from_u128(0x6b1d_2f0e_8a43_4c55_9e7d_f3a1_c0de_2022);

/// A logical document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocName {
    /// Org units, people, devices, catalogue, calendars.
    Directory,
    /// Cases registered in a township in one quarter.
    Cases {
        township: String,
        year: i32,
        quarter: u32,
    },
    /// Field visits in a township in one year.
    Visits { township: String, year: i32 },
    /// The reception roster of the county for one year.
    Roster { year: i32 },
    /// The county's decisions about duplicates in one year: merges, unmerges and "not a
    /// duplicate" dismissals. County-wide, because a duplicate may span townships.
    Decisions { year: i32 },
    /// The county's intake queue in one year: items left at the 导访 kiosk or on the
    /// online form, and the clerks' pickups. County-wide and personal: only the office and
    /// the server hold it.
    Intake { year: i32 },
    /// What one device reports of itself (its attestations of the heads it holds):
    /// written by that device alone, read by the office and the server. Named by the
    /// device id (its public key, hex).
    Device { id: String },
    /// One device's access trail: who on it opened a confidential case, exported cases or
    /// issued a document on a confidential case, and when. Appended by that device alone,
    /// read by the office and the server, never by a township (see `store/trail.rs`).
    /// Named by the device id.
    AccessTrail { id: String },
    /// What 第三十条第三款 keeps apart, for the cases registered in one year: each
    /// accusation's accuser and text, keyed by case id. Held only by office devices with
    /// the confidential grant and the county server; the case documents carry the rest
    /// (see `store/confidential.rs`).
    Confidential { year: i32 },
}

/// A document name that does not parse.
#[derive(Debug, Clone, thiserror::Error)]
#[error("“{0}” 不是有效的文档名 (bad document name)")]
pub struct BadDocName(pub String);

impl DocName {
    /// The cases document a case received on `date` in `township` (code) belongs to.
    pub fn cases_for(township_code: &str, date: NaiveDate) -> DocName {
        DocName::Cases {
            township: township_code.to_owned(),
            year: date.year(),
            quarter: date.month0() / 3 + 1,
        }
    }

    /// The top-level containers every copy of this document starts with.
    pub fn containers(&self) -> &'static [&'static str] {
        match self {
            DocName::Directory => DIRECTORY_CONTAINERS,
            DocName::Cases { .. } => &["cases"],
            DocName::Visits { .. } => &["visits"],
            DocName::Roster { .. } => ROSTER_COLLECTIONS,
            DocName::Decisions { .. } => DECISION_COLLECTIONS,
            DocName::Intake { .. } => INTAKE_COLLECTIONS,
            DocName::Device { .. } => DEVICE_COLLECTIONS,
            DocName::AccessTrail { .. } => ACCESS_TRAIL_COLLECTIONS,
            DocName::Confidential { .. } => &["cases"],
        }
    }

    /// The township code, for documents that belong to one.
    pub fn township(&self) -> Option<&str> {
        match self {
            DocName::Cases { township, .. } | DocName::Visits { township, .. } => Some(township),
            _ => None,
        }
    }

    /// The samod id of this document in `county`.
    pub fn document_id(&self, county: &str) -> DocumentId {
        let uuid = Uuid::new_v5(
            &DOC_NAMESPACE,
            format!("fengqiao:{county}:{self}").as_bytes(),
        );
        // A UUID's 16 bytes are always a valid samod document id.
        match DocumentId::try_from(uuid.as_bytes().to_vec()) {
            Ok(id) => id,
            Err(e) => unreachable!("16 bytes are always a document id: {e}"),
        }
    }

    /// The genesis change of this document: the same bytes on every laptop.
    pub fn genesis(&self, county: &str) -> Result<automerge::Change, automerge::AutomergeError> {
        let actor = ActorId::from(
            Uuid::new_v5(
                &DOC_NAMESPACE,
                format!("genesis:{county}:{self}").as_bytes(),
            )
            .as_bytes()
            .as_slice(),
        );
        let mut doc = Automerge::new().with_actor(actor);
        let containers = self.containers();
        doc.transact_with(
            |_| CommitOptions::default().with_time(0),
            |tx| {
                for name in containers {
                    tx.put_object(ROOT, *name, ObjType::Map)?;
                }
                Ok::<_, automerge::AutomergeError>(())
            },
        )
        .map_err(|f| f.error)?;
        doc.get_last_local_change()
            .ok_or(automerge::AutomergeError::Fail)
    }
}

/// The containers of the directory document.
pub const DIRECTORY_CONTAINERS: &[&str] = &[
    "meta",
    "units",
    "leaders",
    "people",
    "devices",
    "actors",
    "catalogue",
    "calendars",
    "route_lists",
];

/// The record collections of a decisions document.
pub const DECISION_COLLECTIONS: &[&str] = &["merges", "unmerges", "dismissals"];

/// The collections of a device's own document: `attestations` keyed by document name.
pub const DEVICE_COLLECTIONS: &[&str] = &["attestations"];

/// The collection of an access trail: `entries` keyed by entry id (a UUIDv7).
pub const ACCESS_TRAIL_COLLECTIONS: &[&str] = &["entries"];

/// The record collections of an intake document: `items` keyed by item id, `pickups`
/// keyed by the id of the item picked up.
pub const INTAKE_COLLECTIONS: &[&str] = &["items", "pickups"];

/// The record collections of a roster document. Collections are created in the genesis
/// change, never later, so two laptops never create one concurrently.
pub const ROSTER_COLLECTIONS: &[&str] = &[
    "rules",
    "slots",
    "leave",
    "swaps",
    "changes",
    "standby",
    "publications",
    "ledger",
    "bookings",
    "meta",
];

impl fmt::Display for DocName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocName::Directory => f.write_str("directory"),
            DocName::Cases {
                township,
                year,
                quarter,
            } => write!(f, "cases/{township}/{year}-Q{quarter}"),
            DocName::Visits { township, year } => write!(f, "visits/{township}/{year}"),
            DocName::Roster { year } => write!(f, "roster/{year}"),
            DocName::Decisions { year } => write!(f, "decisions/{year}"),
            DocName::Intake { year } => write!(f, "intake/{year}"),
            DocName::Device { id } => write!(f, "devices/{id}"),
            DocName::AccessTrail { id } => write!(f, "access/{id}"),
            DocName::Confidential { year } => write!(f, "confidential/{year}"),
        }
    }
}

impl FromStr for DocName {
    type Err = BadDocName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadDocName(s.to_owned());
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            ["directory"] => Ok(DocName::Directory),
            ["cases", township, period] => {
                let (year, q) = period.split_once("-Q").ok_or_else(bad)?;
                let quarter: u32 = q.parse().map_err(|_| bad())?;
                if !(1..=4).contains(&quarter) {
                    return Err(bad());
                }
                Ok(DocName::Cases {
                    township: (*township).to_owned(),
                    year: year.parse().map_err(|_| bad())?,
                    quarter,
                })
            }
            ["visits", township, year] => Ok(DocName::Visits {
                township: (*township).to_owned(),
                year: year.parse().map_err(|_| bad())?,
            }),
            ["roster", year] => Ok(DocName::Roster {
                year: year.parse().map_err(|_| bad())?,
            }),
            ["confidential", year] => Ok(DocName::Confidential {
                year: year.parse().map_err(|_| bad())?,
            }),
            ["decisions", year] => Ok(DocName::Decisions {
                year: year.parse().map_err(|_| bad())?,
            }),
            ["intake", year] => Ok(DocName::Intake {
                year: year.parse().map_err(|_| bad())?,
            }),
            ["devices", id] if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(DocName::Device {
                    id: id.to_ascii_lowercase(),
                })
            }
            ["access", id] if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(DocName::AccessTrail {
                    id: id.to_ascii_lowercase(),
                })
            }
            _ => Err(bad()),
        }
    }
}

/// Writes a document's genesis into `storage` (a no-op when it is there already), so
/// samod finds the document; a failed write is refused by name.
pub(crate) async fn write_genesis(
    storage: &DurableStorage,
    name: &DocName,
    county: &str,
) -> Result<(), StoreError> {
    let (key, genesis) = genesis_entry(name, county)?;
    storage.put_now(key, genesis).await;
    match storage.failure() {
        Some(f) => Err(StoreError::NotDurable(
            crate::storage::DurabilityError::WriteFailed(f),
        )),
        None => Ok(()),
    }
}

/// A document's genesis change as the storage entry samod would write for it (an
/// incremental keyed by the change hash), so every device starts from the same bytes.
pub(crate) fn genesis_entry(
    name: &DocName,
    county: &str,
) -> Result<(samod::storage::StorageKey, Vec<u8>), StoreError> {
    let genesis = name.genesis(county)?;
    let key = samod::storage::StorageKey::from_parts([
        name.document_id(county).to_string(),
        "incremental".into(),
        genesis.hash().to_string(),
    ])
    .map_err(|e| StoreError::BadDocumentData {
        doc: name.to_string(),
        reason: e.to_string(),
    })?;
    Ok((key, genesis.raw_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "directory",
            "cases/gangkou/2026-Q1",
            "visits/gangkou/2026",
            "roster/2026",
            "decisions/2026",
            "intake/2026",
            "devices/8f3c5a0e9b1d2c4f6a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a",
            "access/8f3c5a0e9b1d2c4f6a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a",
        ] {
            let parsed: DocName = name.parse().unwrap();
            assert_eq!(parsed.to_string(), name);
        }
        assert!("cases/gangkou/2026-Q5".parse::<DocName>().is_err());
    }

    /// That every laptop on every version makes the same id and genesis is pinned by
    /// `tests/format.rs` (`genesis_is_pinned`); here: they differ where they must.
    #[test]
    fn ids_and_genesis_differ_by_county_and_name() {
        let name = DocName::Cases {
            township: "gangkou".into(),
            year: 2026,
            quarter: 1,
        };
        assert_ne!(name.document_id("宁国市"), name.document_id("旌德县"));
        assert_ne!(
            name.genesis("宁国市").unwrap().hash(),
            name.genesis("旌德县").unwrap().hash()
        );
        let other = DocName::Cases {
            township: "gangkou".into(),
            year: 2026,
            quarter: 2,
        };
        assert_ne!(other.document_id("宁国市"), name.document_id("宁国市"));
        assert_ne!(
            other.genesis("宁国市").unwrap().hash(),
            name.genesis("宁国市").unwrap().hash()
        );
    }
}
