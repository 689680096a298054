//! Generation of one year's roster for a county of 60 leaders: 2 principal and 8 other
//! city leaders, 25 townships with 2 principal leaders each, on Ningguo's rules
//! (2 city leaders a week, principals twice a month, township principals every Monday,
//! an on-call city leader each week). Goal: ≤ 20 ms.
//!
//! Run: `cargo bench -p fengqiao-roster --bench generate`

mod common;

use std::hint::black_box;

use common::county_of_60;
use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_roster::{Period, RosterState, generate};
use fengqiao_rules::calendar::HolidayCalendar;

fn bench(c: &mut Criterion) {
    let rules = county_of_60();
    assert_eq!(rules.leaders.len(), 60);
    let calendar = HolidayCalendar::embedded();
    let state = RosterState::new();
    let year = match Period::year(2026) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    c.bench_function("generate one year, 60 leaders", |b| {
        b.iter(|| {
            generate(
                black_box(&rules),
                black_box(&calendar),
                black_box(&state),
                &[],
                black_box(year),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
