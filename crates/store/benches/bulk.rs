//! Bulk writes at county scale (issue 24): a bench binary, each measurement a fresh data
//! directory, wall-clock time including every wait for the disk.
//!
//! Run: `cargo bench -p fengqiao-store --bench bulk` (`-- --runs N`, default 3).
//!
//! - `demo --cases 10000`: the demo county made in an empty directory, as the command and
//!   the app's first start make it (directory, 10,000 cases, roster, desk, bookings).
//! - import of 10,000 cases: that county's full export (every field, event and note) as a
//!   GB18030 CSV, read through the default mapping, planned and written into another
//!   county's store; then the same file again (nothing new to write).
//!
//! Goal (issue 24): each under 5 s on the 2-core machine. The machine is shared: each
//! figure is wall-clock time, and beside it the CPU time of the whole process (all its
//! threads: the storage's committer and disk workers too), from `/proc/self/stat`.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use fengqiao_import::{Directory, Mapping, read_cases, write};
use fengqiao_store::{Store, demo};

const CASES: usize = 10_000;

fn main() {
    let runs = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(3usize);
    let end = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    let opts = demo::DemoOptions {
        cases: CASES,
        seed: 7,
        end,
    };
    let mut demo_times = Vec::new();
    let mut csv = Vec::new();
    for run in 0..runs {
        let dir = tempfile::tempdir().expect("tmp");
        let started = Instant::now();
        let cpu = cpu_time();
        let store = demo::create_county(dir.path(), opts, |_| {}).expect("demo county");
        let took = started.elapsed();
        eprintln!(
            "demo county of {CASES} cases, run {}: {took:.2?} (CPU {:.2?})",
            run + 1,
            cpu_time() - cpu
        );
        demo_times.push(took);
        if run == 0 {
            csv = export_gb18030(&store);
            eprintln!(
                "export: {} rows, {:.1} MB as GB18030",
                CASES + 1,
                csv.len() as f64 / 1e6
            );
        }
        store.close();
    }
    let mut import_times = Vec::new();
    let mut again_times = Vec::new();
    for run in 0..runs {
        let dir = tempfile::tempdir().expect("tmp");
        // Another demo county, without cases: its directory has the panel members the
        // exported hearing session names.
        let empty = demo::DemoOptions { cases: 0, ..opts };
        let store = demo::create_county(dir.path(), empty, |_| {}).expect("county");
        let started = Instant::now();
        let cpu = cpu_time();
        let written = import(&store, &csv);
        let took = started.elapsed();
        let took_cpu = cpu_time() - cpu;
        assert!(written >= CASES, "imported {written}");
        let started = Instant::now();
        let cpu = cpu_time();
        let again = import(&store, &csv);
        let took_again = started.elapsed();
        assert_eq!(again, 0, "a second import writes nothing");
        eprintln!(
            "import of {written} cases, run {}: {took:.2?} (CPU {took_cpu:.2?}); the same file again: {took_again:.2?} (CPU {:.2?})",
            run + 1,
            cpu_time() - cpu
        );
        import_times.push(took);
        again_times.push(took_again);
        store.close();
    }
    report("demo --cases 10000", &mut demo_times);
    report("import 10,000 cases (GB18030 CSV)", &mut import_times);
    report("import the same file again", &mut again_times);
}

/// The county's full export, as `fengqiao export --format csv` writes it, in GB18030.
fn export_gb18030(store: &Store) -> Vec<u8> {
    let records = store.case_records().expect("records");
    let dir = directory(store);
    let rows = records.iter().map(|r| {
        write::export_row(
            &write::ExportCase {
                case: &r.case,
                events: &r.events,
                notes: &r.notes,
                status: r.status,
            },
            &|_| None,
            &dir,
        )
    });
    let utf8 = write::csv_bytes(&write::export_headers(), rows).expect("csv");
    let text = String::from_utf8(utf8).expect("utf-8");
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(text.trim_start_matches('\u{feff}'));
    assert!(!unmappable);
    gb.into_owned()
}

fn directory(store: &Store) -> Directory {
    Directory {
        townships: store
            .townships()
            .expect("townships")
            .into_iter()
            .map(|t| t.name)
            .collect(),
        leaders: Vec::new(),
        people: store
            .people()
            .expect("people")
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
        today: fengqiao_store::now_cst().date_naive(),
    }
}

/// What `fengqiao import cases` does: read, map, plan, write. Returns the cases written.
fn import(store: &Store, csv: &[u8]) -> usize {
    let (_, mapped) =
        read_cases(csv, "bench.csv", &Mapping::default(), &directory(store)).expect("reads");
    assert!(mapped.refusals.is_empty(), "{:?}", mapped.refusals.first());
    let plan = store
        .plan_import(mapped.rows.into_iter().map(|r| r.case).collect())
        .expect("plan");
    assert!(plan.refused.is_empty(), "{:?}", plan.refused.first());
    let outcome = store.apply_import(plan, |_| {}).expect("apply");
    outcome.created.len() + outcome.updated.len()
}

/// This process's CPU time so far, all threads (Linux: `/proc/self/stat`, in clock ticks of
/// 1/100 s); zero where that cannot be read.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which is in parentheses): utime is the 14th field,
    // stime the 15th, counting from 1.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{what}: median {median:.2?}, min {:.2?}, max {:.2?} ({} runs)",
        times[0],
        times[times.len() - 1],
        times.len()
    );
}
