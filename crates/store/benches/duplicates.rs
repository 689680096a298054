//! Duplicate detection over a county year: 10,000 generated cases plus 1,000 planted
//! duplicates and 1,000 hard negatives (12,000 profiles), blocking + scoring.
//!
//! Also the store's `duplicate_candidates` over a demo county of 10,000 cases on disk
//! (reading every case document, then detection).
//!
//! Run: `cargo bench -p fengqiao-store --bench duplicates`

use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_store::demo::planted;
use fengqiao_store::duplicates;

fn detection(c: &mut Criterion) {
    let set = planted::planted(23, 10_000, 1_000);
    let mut group = c.benchmark_group("duplicates");
    group.sample_size(10);
    group.bench_function("find_candidates/12k profiles", |b| {
        b.iter(|| duplicates::find_candidates(&set.profiles, |_, _| false))
    });
    let new = set.profiles[0].clone();
    group.bench_function("check_registration/one against 12k", |b| {
        b.iter(|| duplicates::check_registration(&new, &set.profiles))
    });
    group.finish();
}

fn through_the_store(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = fengqiao_store::demo::init_demo_county(dir.path()).expect("init");
    let end = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    store
        .import_cases(
            fengqiao_store::demo::generate(fengqiao_store::demo::DemoOptions {
                cases: 10_000,
                seed: 7,
                end,
            }),
            |_| {},
        )
        .expect("demo");
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.bench_function("duplicate_candidates/10k cases", |b| {
        b.iter(|| store.duplicate_candidates().expect("candidates"))
    });
    group.finish();
}

criterion_group!(benches, detection, through_the_store);
criterion_main!(benches);
