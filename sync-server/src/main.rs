//! `fengqiao-sync-server`: the county's always-on peer. Its sync, relay, enrolment and
//! operations come with the sync-server issue; today it only checks that a data
//! directory opens, so deployments can be scripted against the final command line.

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .context("usage: fengqiao-sync-server DATA_DIR")?;
    let store = fengqiao_store::Store::open(&dir).with_context(|| format!("opening {dir}"))?;
    let report = store.doctor()?;
    println!(
        "{} documents open in {dir}; serving arrives with the sync-server issue",
        report.documents.len()
    );
    store.close();
    Ok(())
}
