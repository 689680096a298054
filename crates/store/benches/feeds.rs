//! Calendar subscriptions on the county server's side.
//!
//! 1. Looking a token up among 200 subscriptions (a county of 60 leaders, the office and
//!    25 townships, each re-issued about twice): a token that matches the first, one that
//!    matches the last, a revoked one and one nobody was given. `find_feed` compares with
//!    every subscription in constant time, so the four should take the same time; an
//!    early-exit comparison would make the unknown token the slowest and the first match
//!    the fastest.
//! 2. What an uncached feed request costs the server: reading the subscriptions and a
//!    published year of the roster (60 leaders, about 1,400 slots) from a real store,
//!    and building one leader's feed.
//!
//! Run: `cargo bench -p fengqiao-store --bench feeds`

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_model::Role;
use fengqiao_roster::state::collections;
use fengqiao_roster::{FeedScope, Period, RosterRules, RosterState, feed_text, generate};
use fengqiao_rules::HolidayCalendar;
use fengqiao_store::{
    CALENDAR_FEED, FeedLookup, FeedSubscription, InitOptions, Store, find_feed, hash_feed_token,
    new_feed_token, now_cst,
};

const RULES: &str = include_str!("../../../examples/roster/ningguo.toml");

fn subscriptions(n: usize) -> (Vec<FeedSubscription>, Vec<String>) {
    let tokens: Vec<String> = (0..n).map(|_| new_feed_token()).collect();
    let subs = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| FeedSubscription {
            id: uuid::Uuid::now_v7(),
            kind: CALENDAR_FEED.into(),
            scope: FeedScope::Office,
            token_sha256: hash_feed_token(token),
            base_url: "https://rili.example.gov.cn/".into(),
            issued_at: now_cst(),
            issued_by: "基准".into(),
            // Every other one re-issued away.
            revoked_at: (i % 2 == 1).then(now_cst),
            revoked_by: String::new(),
        })
        .collect();
    (subs, tokens)
}

fn lookup(c: &mut Criterion) {
    let (subs, tokens) = subscriptions(200);
    let unknown = new_feed_token();
    let cases = [
        (
            "token lookup, 200 subscriptions: matches the first",
            &tokens[0],
        ),
        (
            "token lookup, 200 subscriptions: matches the last",
            &tokens[198],
        ),
        ("token lookup, 200 subscriptions: revoked", &tokens[1]),
        ("token lookup, 200 subscriptions: unknown", &unknown),
    ];
    assert!(matches!(
        find_feed(&subs, &tokens[0]),
        FeedLookup::Active(_)
    ));
    assert!(matches!(
        find_feed(&subs, &tokens[1]),
        FeedLookup::Revoked(_)
    ));
    assert_eq!(find_feed(&subs, &unknown), FeedLookup::Unknown);
    for (name, token) in cases {
        c.bench_function(name, |b| {
            b.iter(|| black_box(find_feed(&subs, black_box(token))))
        });
    }
}

fn uncached_request(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::init(
        dir.path(),
        InitOptions {
            device_name: "基准测试机".into(),
            county: "宁国市".into(),
            role: Role::Office,
            scope: vec![],
            person_name: "基准".into(),
            townships: Vec::new(),
            directory: None,
        },
    )
    .expect("init");
    let rules = RosterRules::from_toml(RULES).expect("rules");
    store
        .put_roster_record(
            2026,
            collections::RULES,
            collections::RULES_KEY,
            &serde_json::json!({ "toml": RULES }),
        )
        .expect("rules record");
    let year = Period::year(2026).expect("year");
    let mut state = RosterState::new();
    state.apply_all(generate(&rules, &HolidayCalendar::embedded(), &state, &[], year).records);
    let published = fengqiao_roster::changes::publish(&state, year, now_cst());
    store
        .put_roster(&published)
        .expect("write a published year");
    let leader = rules.leaders[2].id;
    for _ in 0..2 {
        store
            .issue_feed(
                FeedScope::Leader { leader },
                "https://rili.example.gov.cn/",
                "基准",
            )
            .expect("issue");
    }
    let issued = store
        .issue_feed(
            FeedScope::Leader { leader },
            "https://rili.example.gov.cn/",
            "基准",
        )
        .expect("issue");
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    println!("{} slots written", published.len());
    c.bench_function(
        "uncached feed request: subscriptions + a year's roster from the store + one leader's feed",
        |b| {
            b.iter(|| {
                let subs = store.feed_subscriptions().expect("subscriptions");
                let FeedLookup::Active(sub) = find_feed(&subs, &issued.token) else {
                    panic!("the token finds its subscription");
                };
                let roster = store.load_roster(2025..=2027).expect("roster");
                let rules = roster.rules.expect("rules");
                black_box(feed_text(&rules, &roster.state, &sub.scope, today))
            })
        },
    );
    store.close();
}

criterion_group!(benches, lookup, uncached_request);
criterion_main!(benches);
