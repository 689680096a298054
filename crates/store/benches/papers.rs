//! Issuing documents on a county of 10,000 cases (issue 21 asks for under 300 ms).
//!
//! Run: `cargo bench -p fengqiao-store --bench papers`
//!
//! Measures, on the demo county (one year, 10,000 cases) opened fresh from disk:
//! issuing a 信访事项登记表 on a different case each time (case located by the index, its
//! document read, the number taken above every number the county's documents hold, the
//! PDF typeset, the record and events written and fsynced), typesetting a stored
//! document again by its number, and what `fengqiao doc issue` does (open the data
//! directory, issue on a case whose document is not loaded yet, close).

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_model::Role;
use fengqiao_store::paperwork::{DocKind, Fields};
use fengqiao_store::{CaseFilter, InitOptions, IssueRequest, Store, demo};

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
    store.close();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    build_county(dir.path());
    let store = Store::open(dir.path()).expect("open");
    let cases: Vec<String> = store
        .list_cases(&CaseFilter::default())
        .expect("list")
        .into_iter()
        .map(|c| c.number)
        .collect();
    assert_eq!(cases.len(), CASES);
    let mut group = c.benchmark_group("county-10k");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(20));
    let mut next = cases.iter().cycle();
    let mut last = String::new();
    group.bench_function("issue_one_document", |b| {
        b.iter(|| {
            let case = next.next().expect("case");
            let issued = store
                .issue_document(
                    case,
                    IssueRequest {
                        kind: DocKind::RegistrationForm,
                        date: None,
                        inputs: Fields::new(),
                        corrects: None,
                    },
                )
                .expect("issue");
            last = issued.document.number;
        })
    });
    group.bench_function("render_stored_document", |b| {
        b.iter(|| store.render_document(&last).expect("render"))
    });
    store.close();
    // What `fengqiao doc issue` does: open the data directory, issue, close.
    let mut next = cases.iter().rev().cycle();
    group.bench_function("open_issue_close", |b| {
        b.iter(|| {
            let store = Store::open(dir.path()).expect("open");
            store
                .issue_document(
                    next.next().expect("case"),
                    IssueRequest {
                        kind: DocKind::RegistrationForm,
                        date: None,
                        inputs: Fields::new(),
                        corrects: None,
                    },
                )
                .expect("issue");
            store.close();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
