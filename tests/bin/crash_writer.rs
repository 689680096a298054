//! Writes cases into a store in a loop and prints each case id once the store has
//! confirmed it is on disk. The crash test kills this process with SIGKILL at random.
//!
//!   crash-writer DATA_DIR START [compact | burst]
//!
//! `compact`: the storage checkpoints and compacts every few writes (so kills land in
//! the middle of them). `burst`: four threads write at once, so their writes share group
//! commits; ids are `START+n` per thread, spread apart.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use fengqiao_store::Store;
use fengqiao_store::storage::StoragePolicy;

const WRITERS: u64 = 4;

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .context("usage: crash-writer DATA_DIR START [compact | burst]")?;
    let start: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mode = std::env::args().nth(3).unwrap_or_default();
    // An encrypted directory opens with the passphrase the test gives, as the CLI's would.
    let store = match fengqiao_store::Keyring::load(std::path::Path::new(&dir))? {
        Some(ring) => {
            let passphrase = std::env::var("FENGQIAO_PASSPHRASE").context("passphrase")?;
            let (key, _) = ring.unlock(std::path::Path::new(&dir), &passphrase)?;
            Store::open_sealed(&dir, &key)
        }
        None => Store::open(&dir),
    };
    let store = Arc::new(store.context("open store")?);
    if mode == "compact" {
        store.set_storage_policy(StoragePolicy {
            checkpoint_bytes: 1,
            checkpoint_every: Duration::ZERO,
            compact_changes: 4,
            compact_bytes: usize::MAX,
            compact_every: Duration::ZERO,
            ..StoragePolicy::default()
        });
    }
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let writers = if mode == "burst" { WRITERS } else { 1 };
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let (store, out) = (store.clone(), out.clone());
            std::thread::spawn(move || -> Result<()> {
                for n in (start + w * 1_000_000).. {
                    let case = store.add_case(fengqiao_tests::registration(n))?;
                    // Printed only after add_case returned, i.e. after the store said "saved".
                    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
                    writeln!(out, "{}", case.id)?;
                    out.flush()?;
                }
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join()
            .map_err(|_| anyhow::anyhow!("a writer thread panicked"))??;
    }
    Ok(())
}
