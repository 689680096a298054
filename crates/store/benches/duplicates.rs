//! Duplicate detection over a county year: 10,000 generated cases plus 1,000 planted
//! duplicates and 1,000 hard negatives (12,000 profiles), blocking + scoring.
//!
//! Run: `cargo bench -p fengqiao-store --bench duplicates`

use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_store::duplicates::{self, synth};

fn detection(c: &mut Criterion) {
    let set = synth::planted(23, 10_000, 1_000);
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

criterion_group!(benches, detection);
criterion_main!(benches);
