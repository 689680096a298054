//! County-scale store benchmark: a demo county of 10,000 cases (one year).
//!
//! Run: `cargo bench -p fengqiao-store --bench store`
//!
//! Measures: opening the store and listing all cases; registering one case (until it is
//! fsynced); recording one event on a case, which first checks the case's history
//! (`fengqiao_rules::check_new_event`: the case, the directory's units and the calendar are
//! read before the write) and that check alone; and prints the store's size on disk and change counts per
//! document.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_model::Role;
use fengqiao_store::{CaseFilter, InitOptions, Store, demo};

const CASES: usize = 10_000;

fn build_county(dir: &std::path::Path) {
    let store = Store::init(
        dir,
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
    let started = Instant::now();
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
    eprintln!("generated {CASES} cases in {:.1?}", started.elapsed());
    let report = store.doctor().expect("doctor");
    let bytes: u64 = report.documents.iter().map(|d| d.bytes_on_disk).sum();
    let changes: usize = report.documents.iter().map(|d| d.changes).sum();
    eprintln!(
        "store on disk: {} documents, {:.2} MB, {changes} changes in all",
        report.documents.len(),
        bytes as f64 / 1e6
    );
    for d in &report.documents {
        eprintln!(
            "  {:<28} {:>6} records {:>6} changes {:>9} ops {:>10} bytes",
            d.name, d.records, d.changes, d.operations, d.bytes_on_disk
        );
    }
    store.close();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    build_county(dir.path());
    let mut group = c.benchmark_group("county-10k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("open_and_list_all", |b| {
        b.iter(|| {
            let store = Store::open(dir.path()).expect("open");
            let cases = store.list_cases(&CaseFilter::default()).expect("list");
            assert_eq!(cases.len(), CASES);
            store.close();
        })
    });
    let store = Store::open(dir.path()).expect("open");
    let mut n = 0;
    group.bench_function("add_one_case_durably", |b| {
        b.iter(|| {
            n += 1;
            let received_on = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
            let reg = fengqiao_model::Registration::new(
                fengqiao_model::Channel::Visit,
                received_on,
                "港口镇",
                "反映宅基地纠纷",
            )
            .with_petitioner(&format!("基准{n}"), "");
            store.add_case(reg)
        })
    });
    // Events on cases spread over the county (a note-like 告知 is always possible, so every
    // write passes the lifecycle check and is measured whole).
    let keys: Vec<String> = store
        .list_cases(&CaseFilter::default())
        .expect("list")
        .into_iter()
        .step_by(97)
        .map(|c| c.id.to_string())
        .collect();
    let mut k = 0;
    group.bench_function("add_one_event_checked_durably", |b| {
        b.iter(|| {
            k += 1;
            let key = &keys[k % keys.len()];
            let today = fengqiao_store::now_cst().date_naive();
            store
                .add_event(key, fengqiao_model::EventKind::Acknowledged, today, "")
                .expect("event")
        })
    });
    // What the lifecycle check adds to each event: reading the case, the units' kinds and
    // the calendar, then the pure check.
    group.bench_function("lifecycle_check_alone", |b| {
        b.iter(|| {
            k += 1;
            let key = &keys[k % keys.len()];
            let today = fengqiao_store::now_cst().date_naive();
            let record = store.case(key).expect("case");
            let reg = &record.case.registration;
            let facts = store.law_context().expect("law").facts(reg);
            fengqiao_rules::check_new_event(
                &facts,
                fengqiao_rules::CaseFacts::earliest_event_date(reg),
                &record.events,
                &fengqiao_model::EventKind::Acknowledged,
                today,
                today,
                &store.holiday_calendar().expect("calendar"),
            )
        })
    });
    group.finish();
    store.close();
}

criterion_group!(benches, bench);
criterion_main!(benches);
