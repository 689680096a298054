//! The roster in `roster/<year>` documents: what `put_roster` writes, `load_roster` reads
//! back whole, and a record it cannot read is reported without hiding the rest.

mod common;

use chrono::NaiveDate;
use fengqiao_model::Role;
use fengqiao_roster::state::collections;
use fengqiao_roster::{Period, RosterRules, RosterState, generate};
use fengqiao_rules::HolidayCalendar;
use fengqiao_store::StoreError;

const RULES: &str = include_str!("../../../examples/roster/ningguo.toml");

#[test]
fn a_generated_month_reads_back_whole_and_a_damaged_record_is_reported_not_hidden() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = common::init(dir.path(), "王主任", Role::Office, None);
    let rules = RosterRules::from_toml(RULES).expect("example rules");
    let period = Period::new(
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
        NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
    )
    .expect("period");
    let generation = generate(
        &rules,
        &HolidayCalendar::embedded(),
        &RosterState::new(),
        &[],
        period,
    );
    assert!(!generation.records.is_empty());
    let written = store.put_roster(&generation.records).expect("write");
    assert_eq!(written, generation.records.len());
    store
        .put_roster_record(
            2026,
            collections::RULES,
            collections::RULES_KEY,
            &serde_json::json!({ "toml": RULES }),
        )
        .expect("rules");
    // A slot written by a newer version, say: it does not parse as a slot.
    store
        .put_roster_record(
            2026,
            collections::SLOTS,
            "from-the-future",
            &serde_json::json!({ "date": "2026-12-07", "shape": "unknown" }),
        )
        .expect("odd record");

    let roster = store.load_roster(2025..=2027).expect("load");
    let mut expected = RosterState::new();
    expected.apply_all(generation.records.clone());
    assert_eq!(roster.state.slots, expected.slots);
    assert_eq!(
        roster.rules.as_ref().map(|r| r.leaders.len()),
        Some(rules.leaders.len())
    );
    assert_eq!(roster.unreadable.len(), 1, "{:?}", roster.unreadable);
    let message = roster.unreadable[0].to_string();
    assert!(
        message.contains("slots/from-the-future"),
        "names the record: {message}"
    );
    assert_eq!(
        store.roster_years(2020..=2030).expect("years"),
        [2026].into_iter().collect()
    );
}

#[test]
fn rules_that_no_longer_parse_are_an_error_naming_the_record() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = common::init(dir.path(), "王主任", Role::Office, None);
    store
        .put_roster_record(
            2026,
            collections::RULES,
            collections::RULES_KEY,
            &serde_json::json!({ "toml": "county = " }),
        )
        .expect("rules");
    match store.load_roster([2026]) {
        Err(e @ StoreError::DamagedRecord { .. }) => {
            assert!(e.to_string().contains("rules/current"), "{e}")
        }
        other => panic!("expected a damaged rules record, got {other:?}"),
    }
}
