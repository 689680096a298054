//! Calendar feeds for a county of 60 leaders over a published year (Ningguo's rules, see
//! `common`), with a swap every week: each leader's own feed, the office's and the 25
//! townships' — what the county server builds for a subscription after the roster
//! changed (it then serves the body from its cache until the next change or day).
//!
//! Run: `cargo bench -p fengqiao-roster --bench feeds`

mod common;

use std::hint::black_box;

use chrono::{FixedOffset, NaiveDate, TimeZone};
use common::county_of_60;
use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_roster::changes::{self, Actor, SwapRequest};
use fengqiao_roster::{FeedScope, Period, RosterState, SwapId, feed_text, generate};
use fengqiao_rules::calendar::HolidayCalendar;

fn bench(c: &mut Criterion) {
    let rules = county_of_60();
    let calendar = HolidayCalendar::embedded();
    let year = Period::year(2026).unwrap_or_else(|e| panic!("{e}"));
    let zone = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| panic!("UTC+8"));
    let at = |d: NaiveDate| {
        zone.from_local_datetime(&d.and_hms_opt(10, 0, 0).unwrap_or_default())
            .single()
            .unwrap_or_else(|| panic!("a moment"))
    };
    let mut state = RosterState::new();
    state.apply_all(generate(&rules, &calendar, &state, &[], year).records);
    let published = changes::publish(&state, year, at(year.from));
    state.apply_all(published);
    // A swap a week: the city slot of each week with the next one its leader can take.
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let city: Vec<_> = state
        .live_slots()
        .into_iter()
        .filter(|s| s.rule == "city-weekly")
        .map(|s| s.id)
        .collect();
    let mut swaps = 0;
    for (n, slot) in city.iter().enumerate().step_by(2) {
        let Some(&partner) = changes::swap_partners(&state, &[], *slot, today).first() else {
            continue;
        };
        let request = SwapRequest {
            id: SwapId(uuid::Uuid::from_u128(n as u128 + 1)),
            first: *slot,
            second: partner,
            reason: "出差".into(),
        };
        let actor = Actor {
            by: "信访局",
            today,
            at: at(today),
        };
        if let Ok(outcome) = changes::swap(&rules, &state, &[], &request, actor) {
            state.apply_all(outcome.records);
            swaps += 1;
        }
    }
    assert!(swaps > 20, "only {swaps} swaps");
    let mut scopes: Vec<FeedScope> = rules
        .leaders
        .iter()
        .map(|l| FeedScope::Leader { leader: l.id })
        .collect();
    scopes.push(FeedScope::Office);
    scopes.extend((0..25).map(|k| FeedScope::Township {
        township: format!("乡镇{k}"),
    }));
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
    let office_bytes = feed_text(&rules, &state, &FeedScope::Office, as_of).len();
    println!(
        "{} slots, {} changes, {swaps} swaps; the office feed is {office_bytes} bytes",
        state.slots.len(),
        state.changes.len()
    );
    c.bench_function("all 86 feeds of a published year, 60 leaders", |b| {
        b.iter(|| {
            for scope in &scopes {
                black_box(feed_text(&rules, black_box(&state), scope, as_of));
            }
        })
    });
    c.bench_function("one leader's feed", |b| {
        b.iter(|| black_box(feed_text(&rules, black_box(&state), &scopes[3], as_of)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
