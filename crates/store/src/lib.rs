//! Fengqiao's replicated store: the only crate that touches Automerge.
//!
//! Typical workflow:
//! 1. [`Store::init`] creates a data directory (device identity, directory document) or
//!    [`Store::open`] opens one; the process holds an exclusive lock on it.
//! 2. Writes ([`Store::add_case`], [`Store::add_event`], [`Store::add_note`],
//!    [`Store::set_field`], [`Store::resolve_conflict`], roster records) each make one
//!    Automerge change in one transaction, then wait until [`storage::DurableStorage`]
//!    confirms the change is fsynced. When a write returns `Ok`, it survives `kill -9`.
//! 3. Reads ([`Store::list_cases`], [`Store::case`], [`Store::conflicts`]) return plain
//!    model types and view structs; no Automerge type leaves this crate.
//! 4. Documents are exchanged whole or incrementally with [`Store::export_document`] /
//!    [`Store::import_document`] (the base for sync bundles).
//!
//! 5. Merging what comes back (the app's 冲突与重复 view; plain types only):
//!    [`Store::conflicts`] (field conflicts, `legally_significant` marked) and
//!    [`Store::resolve_conflict`]; [`Store::contradictions`] /
//!    [`Store::case_contradictions`] and [`Store::resolve_contradiction`];
//!    [`Store::duplicate_candidates`], [`Store::merge_cases`], [`Store::unmerge_case`],
//!    [`Store::dismiss_duplicate`], [`Store::merges`], [`Store::dismissals`];
//!    [`Store::check_registration`] for the register form (重复访 / 不再受理);
//!    [`Store::history`]; [`Store::attest_heads`] after each sync round and
//!    [`verify_data_dir`] offline. Detection itself is pure: [`duplicates`].
//!
//! 6. The county's intake queue (`intake/<year>`): [`Store::add_intake_item`],
//!    [`Store::intake_queue`], [`Store::pick_up_intake`], [`Store::intake_by_query_hash`];
//!    [`new_query_code`] / [`hash_query_code`] for the online 查询码.
//!
//! 7. The statutory paperwork (文书, typeset by [`paperwork`]): [`Store::paperwork_of`] /
//!    [`Store::document_offers`], [`Store::issue_document`], [`Store::serve_document`],
//!    [`Store::case_papers`], [`Store::render_document`], [`Store::paper_templates`] and
//!    [`Store::put_paper_templates`].
//!
//! 8. Where the cases stand: [`Store::clock_index`] (every open case's clocks as of a day)
//!    and [`reports::Reports`] (统计 and `fengqiao report`), one computation for the app
//!    and the CLI.
//!
//! Documents are held by a samod `Repo` (so the sync crate can serve them) over our own
//! crash-safe storage; see ARCHITECTURE.md for why.

pub mod access;
pub mod authority;
pub mod blobs;
pub mod demo;
pub mod docs;
pub mod encrypt;
/// Duplicate detection (pure; its own crate), re-exported with the store's API that returns it.
pub use fengqiao_duplicates as duplicates;
pub mod error;
mod index;
pub mod keyring;
pub mod local;
mod paper_index;
pub mod record;
pub mod reports;
pub mod seal;
pub mod shard;
pub mod storage;
mod time;

mod store;

pub use fengqiao_paperwork as paperwork;

pub use access::{Access, AccessTable};
pub use docs::{DocName, INTAKE_COLLECTIONS, ROSTER_COLLECTIONS};
pub use error::StoreError;
pub use keyring::{KdfParams, Keyring, KeyringError, RecoveryPublicKey, RecoverySecret};
pub use local::DeviceIdentity;
pub use record::{Unreadable, UnreadableRecord};
pub use seal::{DataKey, Seal};
pub use storage::StorageProblem;
pub use store::*;
pub use time::{china_offset, now_cst};

/// The first backoff delay of every samod dialer we make. samod 0.16 sends a new
/// dialer's first attempt to its IO loop before it registers the dialer, so that attempt
/// can fail with "no dialer registered" and wait out the first delay (in the resync bench,
/// 170–270 ms of a 300 ms round). samod retries at its next 100 ms tick after the delay,
/// so a short first delay keeps the race to at most about one tick; `SyncNode`'s rounds
/// avoid even that by dialling again themselves.
pub const FIRST_DIAL_RETRY: std::time::Duration = std::time::Duration::from_millis(5);
