//! Writes cases into a store in a loop and prints each case id once the store has
//! confirmed it is on disk. The crash test kills this process with SIGKILL at random.

use std::io::Write;

use anyhow::{Context, Result};
use fengqiao_store::Store;

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .context("usage: crash-writer DATA_DIR START")?;
    let start: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let store = Store::open(&dir).context("open store")?;
    let mut out = std::io::stdout().lock();
    for n in start.. {
        let case = store.add_case(fengqiao_tests::registration(n))?;
        // Printed only after add_case returned, i.e. after the store said "saved".
        writeln!(out, "{}", case.id)?;
        out.flush()?;
    }
    Ok(())
}
