//! A laptop's edit loop on a county-scale store: 1,000 case notes in a row through the
//! store API, each one change, each durable when `add_note` returns (as `fengqiao case
//! note` does, one after the other), on cases spread over the demo county's 10,000.
//!
//!   cargo bench -p fengqiao-store --bench edit_loop
//!
//! Prints the loop's wall time, the time per note, and what the storage asked of the disk
//! per note (from the storage's own counters).

use std::time::Instant;

use chrono::NaiveDate;
use fengqiao_model::Role;
use fengqiao_store::{CaseFilter, InitOptions, Store, demo};

const CASES: usize = 10_000;
const NOTES: usize = 1_000;

fn main() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::init(
        dir.path(),
        InitOptions {
            device_name: "基准测试机".into(),
            county: demo::DEMO_COUNTY.into(),
            role: Role::Office,
            scope: vec![],
            person_name: "基准".into(),
            townships: demo::demo_townships(),
            directory: None,
        },
    )
    .expect("init");
    let end = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    store
        .import_cases(
            demo::generate(demo::DemoOptions {
                cases: CASES,
                seed: 7,
                end,
            }),
            |_| {},
        )
        .expect("demo");
    store.close();
    let store = Store::open(dir.path()).expect("open");
    let keys: Vec<String> = store
        .list_cases(&CaseFilter::default())
        .expect("list")
        .into_iter()
        .step_by(CASES / NOTES)
        .map(|c| c.id.to_string())
        .collect();
    let disk = fengqiao_store::storage::disk_counts();
    let started = Instant::now();
    for (n, key) in keys.iter().cycle().take(NOTES).enumerate() {
        store
            .add_note(key, &format!("第{n}次回访：当事人表示满意"))
            .expect("note");
    }
    let took = started.elapsed();
    let after = fengqiao_store::storage::disk_counts();
    store.close();
    println!(
        "{NOTES} case notes in a row on a {CASES}-case county: {:.2} s, {:.1} ms per note; \
         per note {:.2} fsyncs, {:.2} renames, {:.2} unlinks, {:.0} bytes written",
        took.as_secs_f64(),
        took.as_secs_f64() * 1e3 / NOTES as f64,
        (after.syncs - disk.syncs) as f64 / NOTES as f64,
        (after.renames - disk.renames) as f64 / NOTES as f64,
        (after.unlinks - disk.unlinks) as f64 / NOTES as f64,
        (after.bytes_written - disk.bytes_written) as f64 / NOTES as f64,
    );
}
