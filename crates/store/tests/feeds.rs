//! Calendar subscriptions and the feeds they serve, on real stores: what the office issues
//! reaches another replica (the server) by document exchange, only the token's hash is
//! stored, and two offices changing one slot offline give every replica the same feed
//! bytes, with a SEQUENCE that counts both changes and the slot cancelled for everyone
//! it was taken from. The feed's state lives in the replicated roster, so a replica that
//! only receives documents (the server, restarted or not) computes the same feed.

mod common;

use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone};
use fengqiao_model::Role;
use fengqiao_roster::changes::{self, Actor, SwapRequest};
use fengqiao_roster::state::collections;
use fengqiao_roster::{FeedScope, Leave, LeaveId, Period, RosterRules, SwapId};
use fengqiao_rules::HolidayCalendar;
use fengqiao_store::{FeedLookup, Store, StoreError, find_feed, hash_feed_token};

const RULES: &str = include_str!("../../../examples/roster/ningguo.toml");

fn at(day: NaiveDate, hour: u32) -> chrono::DateTime<FixedOffset> {
    let zone = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    zone.from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("time"))
        .single()
        .expect("a moment")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// December 2026 drafted and published on `store`.
fn publish_december(store: &Store) -> RosterRules {
    let rules = RosterRules::from_toml(RULES).expect("rules");
    store
        .put_roster_record(
            2026,
            collections::RULES,
            collections::RULES_KEY,
            &serde_json::json!({ "toml": RULES }),
        )
        .expect("rules record");
    let period = Period::month(2026, 12).expect("period");
    let state = store.load_roster([2026]).expect("load").state;
    let generation =
        fengqiao_roster::generate(&rules, &HolidayCalendar::embedded(), &state, &[], period);
    store.put_roster(&generation.records).expect("drafts");
    let state = store.load_roster([2026]).expect("load").state;
    let published = changes::publish(&state, period, at(day(2026, 11, 20), 10));
    store.put_roster(&published).expect("publish");
    rules
}

#[test]
fn the_office_issues_and_revokes_and_only_the_hash_reaches_the_server() {
    let (_a_dir, township, _b_dir, office) = common::pair();
    publish_december(&office);
    let rules = RosterRules::from_toml(RULES).expect("rules");
    let leader = rules.leaders[0].id;
    let scope = FeedScope::Leader { leader };

    // A township laptop may not issue.
    common::sync(&office, &township);
    match township.issue_feed(scope.clone(), "https://rili.example.gov.cn", "李四") {
        Err(StoreError::NotPermitted(why)) => assert!(why.contains("签发日历订阅"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A bad base URL is refused by name.
    match office.issue_feed(scope.clone(), "rili.example.gov.cn", "王五") {
        Err(e @ StoreError::BadValue { .. }) => assert!(e.to_string().contains("订阅地址"), "{e}"),
        other => panic!("expected a bad value, got {other:?}"),
    }

    let first = office
        .issue_feed(scope.clone(), "https://rili.example.gov.cn/", "王五")
        .expect("issue");
    assert_eq!(
        first.url,
        format!("https://rili.example.gov.cn/{}.ics", first.token)
    );
    assert_eq!(
        first.webcal,
        format!("webcal://rili.example.gov.cn/{}.ics", first.token)
    );
    assert_eq!(
        first.subscription.token_sha256,
        hash_feed_token(&first.token)
    );
    // The token itself is in no document: not in the roster's bytes, not anywhere.
    for name in office.catalogue().expect("catalogue") {
        let bytes = office
            .export_document(&name)
            .expect("export")
            .unwrap_or_default();
        assert!(
            !bytes
                .windows(first.token.len())
                .any(|w| w == first.token.as_bytes()),
            "{name} holds the token"
        );
    }

    // Re-issuing revokes the first; the server (here the other replica) sees both records
    // after a sync, and the tokens find what they should.
    let second = office
        .issue_feed(scope.clone(), "https://rili.example.gov.cn/", "王五")
        .expect("re-issue");
    assert_eq!(second.revoked, vec![first.subscription.id]);
    let office_feed = office
        .issue_feed(FeedScope::Office, "https://rili.example.gov.cn/", "王五")
        .expect("office feed");
    assert!(office_feed.revoked.is_empty(), "another scope is untouched");
    common::sync(&office, &township);
    let seen = township.feed_subscriptions().expect("subscriptions");
    assert_eq!(seen.len(), 3);
    assert!(
        matches!(find_feed(&seen, &first.token), FeedLookup::Revoked(s) if s.id == first.subscription.id)
    );
    assert!(matches!(find_feed(&seen, &second.token), FeedLookup::Active(s) if s.scope == scope));
    assert!(
        matches!(find_feed(&seen, &office_feed.token), FeedLookup::Active(s) if s.scope == FeedScope::Office)
    );
    assert_eq!(
        find_feed(&seen, &fengqiao_store::new_feed_token()),
        FeedLookup::Unknown
    );

    // Revoking by an id prefix; a second revocation changes nothing; an unknown id is named.
    let prefix = &office_feed.subscription.id.to_string()[..13];
    let revoked = office.revoke_feed(prefix, "王五").expect("revoke");
    assert!(revoked.revoked_at.is_some());
    let again = office.revoke_feed(prefix, "王五").expect("revoke again");
    assert_eq!(again.revoked_at, revoked.revoked_at);
    match office.revoke_feed("ffffffff", "王五") {
        Err(e @ StoreError::NoSuchFeed(_)) => assert!(e.to_string().contains("ffffffff")),
        other => panic!("expected no such feed, got {other:?}"),
    }
    common::sync(&office, &township);
    let seen = township.feed_subscriptions().expect("subscriptions");
    assert!(matches!(
        find_feed(&seen, &office_feed.token),
        FeedLookup::Revoked(_)
    ));
}

/// Two offices change the same published slot while apart: one swaps it, the other gives
/// its leader leave. After they meet, each replica (and a third that only receives, as the
/// server does) computes the same bytes for every feed; the slot's SEQUENCE is 2, above
/// the 1 either office served alone; and every leader the slot was taken from has it
/// cancelled.
#[test]
fn concurrent_changes_from_two_offices_give_every_replica_the_same_feeds() {
    let (_a_dir, server, _b_dir, office_b) = common::pair();
    let c_dir = tempfile::tempdir().expect("tmp");
    let office_c = common::join(&office_b, c_dir.path(), "赵六", Role::Office);
    let rules = publish_december(&office_b);
    common::sync(&office_b, &office_c);
    common::sync(&office_b, &server);

    let state = office_b.load_roster([2026]).expect("load").state;
    let today = day(2026, 11, 25);
    let slot = state
        .live_slots()
        .into_iter()
        .find(|s| s.rule == "city-weekly" && s.date.month() == 12)
        .cloned()
        .expect("a December city slot");
    let partner = changes::swap_partners(&state, &[], slot.id, today)
        .into_iter()
        .find(|p| state.slots.get(p).is_some_and(|s| s.date.month() == 12))
        .expect("a partner in December");
    let swap = changes::swap(
        &rules,
        &state,
        &[],
        &SwapRequest {
            id: SwapId::generate(),
            first: slot.id,
            second: partner,
            reason: "出差".into(),
        },
        Actor {
            by: "王五",
            today,
            at: at(today, 9),
        },
    )
    .expect("swap");
    office_b.put_roster(&swap.records).expect("write swap");
    let state_c = office_c.load_roster([2026]).expect("load").state;
    let leave = changes::report_leave(
        &rules,
        &HolidayCalendar::embedded(),
        &state_c,
        &[],
        Leave {
            id: LeaveId::generate(),
            leader: slot.leader,
            from: slot.date,
            to: slot.date,
            reported_on: today,
            reason: "开会".into(),
        },
        Actor {
            by: "赵六",
            today,
            at: at(today, 10),
        },
    )
    .expect("leave");
    office_c.put_roster(&leave.records).expect("write leave");
    let alone = |store: &Store| {
        let s = store.load_roster([2026]).expect("load").state;
        s.changes_of(slot.id).len()
    };
    assert_eq!((alone(&office_b), alone(&office_c)), (1, 1));

    common::sync(&office_b, &office_c);
    common::exchange(&office_b, &server);
    common::exchange(&office_c, &server);

    let holders = |s: &fengqiao_roster::RosterState| {
        let mut named: Vec<fengqiao_model::LeaderId> = s
            .changes_of(slot.id)
            .iter()
            .flat_map(|c| [c.before.leader, c.after.leader])
            .collect();
        named.sort();
        named.dedup();
        named
    };
    let replicas = [&office_b, &office_c, &server];
    let feeds: Vec<Vec<String>> = replicas
        .iter()
        .map(|store| {
            let state = store.load_roster([2026]).expect("load").state;
            assert_eq!(state.changes_of(slot.id).len(), 2, "both changes counted");
            let mut scopes = vec![FeedScope::Office];
            scopes.extend(
                holders(&state)
                    .into_iter()
                    .map(|leader| FeedScope::Leader { leader }),
            );
            scopes
                .iter()
                .map(|scope| fengqiao_roster::feed_text(&rules, &state, scope, today))
                .collect()
        })
        .collect();
    assert_eq!(feeds[0], feeds[1], "the two offices disagree");
    assert_eq!(feeds[0], feeds[2], "the server disagrees");

    // In every leader's feed the slot is there with SEQUENCE 2: confirmed for whoever
    // holds it after the merge, cancelled for everyone else it passed through.
    let state = server.load_roster([2026]).expect("load").state;
    let holder = state.slots.get(&slot.id).expect("slot").leader;
    let uid = format!("UID:{}@fengqiao", slot.id);
    for leader in holders(&state) {
        let text = fengqiao_roster::feed_text(&rules, &state, &FeedScope::Leader { leader }, today);
        let unfolded = text.replace("\r\n ", "");
        let event = unfolded
            .split("BEGIN:VEVENT")
            .find(|e| e.contains(&uid))
            .unwrap_or_else(|| panic!("the slot is missing from a feed"));
        assert!(event.contains("SEQUENCE:2\r\n"), "{event}");
        let status = if leader == holder {
            "STATUS:CONFIRMED"
        } else {
            "STATUS:CANCELLED"
        };
        assert!(event.contains(status), "{status}: {event}");
    }
}
