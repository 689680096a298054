//! Bookings, evaluations, follow-up tasks, hearing sessions and unit heads round-trip
//! through the store: what is written reads back the same, old-shaped records still read,
//! and payloads the law forbids are refused.

mod common;

use chrono::{Days, NaiveDate};
use fengqiao_model::{EventKind, OrgUnit, PanelKind, Person, PersonId, Role, Satisfaction, UnitId};
use fengqiao_roster::bookings::{self, BookingRequest};
use fengqiao_roster::state::collections;
use fengqiao_roster::{BookingId, Period, RosterRules, RosterState, changes, generate};
use fengqiao_rules::{HolidayCalendar, follow_up_tasks, latest_evaluation};
use fengqiao_store::StoreError;

const RULES: &str = include_str!("../../../examples/roster/ningguo.toml");

fn today() -> NaiveDate {
    fengqiao_store::now_cst().date_naive()
}

#[test]
fn bookings_round_trip_in_the_roster_document_and_cancellations_merge_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = common::init(dir.path(), "王主任", Role::Office, None);
    let rules = RosterRules::from_toml(RULES).expect("example rules");
    // Next month, so the receptions are in the future whatever day the test runs.
    let next = today()
        .checked_add_months(chrono::Months::new(1))
        .expect("date");
    let period = Period::month(
        chrono::Datelike::year(&next),
        chrono::Datelike::month(&next),
    )
    .expect("period");
    let mut state = RosterState::new();
    let generation = generate(&rules, &HolidayCalendar::embedded(), &state, &[], period);
    state.apply_all(generation.records.clone());
    let published = changes::publish(&state, period, fengqiao_store::now_cst());
    state.apply_all(published.clone());
    store.put_roster(&generation.records).expect("write drafts");
    store.put_roster(&published).expect("publish");
    let slot = state
        .live_slots()
        .into_iter()
        .find(|s| s.kind == fengqiao_roster::SlotKind::Reception)
        .cloned()
        .expect("a reception");
    let record = bookings::book(
        &state,
        BookingRequest {
            id: BookingId::generate(),
            slot: slot.id,
            petitioner: "刘桂英".into(),
            phone: "13905631111".into(),
            case: None,
            note: "宅基地确权".into(),
            booked_by: "王主任".into(),
        },
        bookings::DEFAULT_CAPACITY,
        today(),
    )
    .expect("book");
    assert_eq!(record.collection(), collections::BOOKINGS);
    store
        .put_roster(std::slice::from_ref(&record))
        .expect("write booking");

    let loaded = store.load_roster([record.year()]).expect("load");
    assert!(loaded.unreadable.is_empty(), "{:?}", loaded.unreadable);
    let booking = loaded
        .state
        .bookings
        .values()
        .next()
        .cloned()
        .expect("the booking reads back");
    assert_eq!(booking.petitioner, "刘桂英");
    assert_eq!(booking.slot, slot.id);
    assert!(booking.is_active());

    let cancel =
        bookings::cancel(&loaded.state, booking.id, "王主任", "改期", today()).expect("cancel");
    store.put_roster(&[cancel]).expect("write cancellation");
    let loaded = store.load_roster([record.year()]).expect("load");
    assert_eq!(loaded.state.bookings.len(), 1, "the record stays");
    assert!(bookings::active_bookings(&loaded.state, slot.id).is_empty());
}

#[test]
fn evaluation_follow_up_and_hearing_session_events_round_trip_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = common::init(dir.path(), "王主任", Role::Office, None);
    let case = store.add_case(common::registration()).expect("case");
    let key = case.id.to_string();
    let t = today();
    let yesterday = t - Days::new(1);
    store
        .add_event(
            &key,
            EventKind::Evaluated {
                reply_quality: Satisfaction::BasicallySatisfied,
                timeliness: Satisfaction::Dissatisfied,
            },
            t,
            "",
        )
        .expect("evaluation");
    store
        .add_event(
            &key,
            EventKind::FollowUpScheduled {
                due: t + Days::new(14),
            },
            t,
            "",
        )
        .expect("follow-up task");
    let member = PersonId::generate();
    store
        .add_event(
            &key,
            EventKind::HearingSession {
                panel: PanelKind::Hearing,
                days: vec![yesterday, t],
                members: vec![member],
                outcome: "听证员多数意见：维持".into(),
                minutes: "记录略".into(),
            },
            yesterday,
            "",
        )
        .expect("hearing session");
    let record = store.case(&key).expect("read");
    let written = record.events.len();
    assert_eq!(
        latest_evaluation(&record.events),
        Some((Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied))
    );
    let tasks = follow_up_tasks(&record.events, t);
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].due, t + Days::new(14));
    let session = record
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::HearingSession { days, members, .. } => {
                Some((days.clone(), members.clone()))
            }
            _ => None,
        })
        .expect("session reads back");
    assert_eq!(session, (vec![yesterday, t], vec![member]));

    // Refused: a session with no day, one dated not on its first day, a day in the
    // future, and a follow-up due before it is set.
    let refused = [
        (
            EventKind::HearingSession {
                panel: PanelKind::Evaluation,
                days: Vec::new(),
                members: Vec::new(),
                outcome: String::new(),
                minutes: String::new(),
            },
            t,
        ),
        (
            EventKind::HearingSession {
                panel: PanelKind::Hearing,
                days: vec![yesterday, t],
                members: Vec::new(),
                outcome: String::new(),
                minutes: String::new(),
            },
            t,
        ),
        (
            EventKind::HearingSession {
                panel: PanelKind::Hearing,
                days: vec![t, t + Days::new(1)],
                members: Vec::new(),
                outcome: String::new(),
                minutes: String::new(),
            },
            t,
        ),
        (EventKind::FollowUpScheduled { due: yesterday }, t),
    ];
    for (kind, date) in refused {
        let err = store.add_event(&key, kind.clone(), date, "");
        assert!(
            matches!(err, Err(StoreError::BadValue { .. })),
            "{kind:?} → {err:?}"
        );
    }
    assert_eq!(store.case(&key).expect("read").events.len(), written);
}

#[test]
fn unit_heads_and_panel_members_round_trip_and_old_records_still_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = common::init(dir.path(), "王主任", Role::Office, None);
    let head = Person {
        id: PersonId::generate(),
        name: "吴建华".into(),
        unit: "自然资源和规划局".into(),
        title: "局长".into(),
        panels: vec![PanelKind::Hearing, PanelKind::Evaluation],
    };
    store.put_person(&head).expect("person");
    let unit = OrgUnit {
        id: UnitId::generate(),
        name: "自然资源和规划局".into(),
        kind: fengqiao_model::UnitKind::Department,
        parent: None,
        code: String::new(),
        head: Some(head.id),
        organ: None,
    };
    store.put_unit(&unit).expect("unit");
    let people = store.people().expect("people");
    assert!(people.contains(&head), "{people:?}");
    // The person `init` wrote reads with no title and no panels.
    assert!(
        people
            .iter()
            .any(|p| p.name == "王主任" && p.panels.is_empty())
    );
    let units = store.units().expect("units");
    assert!(units.contains(&unit));
    // Townships written by init have no head.
    assert!(
        units
            .iter()
            .filter(|u| u.id != unit.id)
            .all(|u| u.head.is_none())
    );
    // A record in the shape before heads and panels existed still reads.
    let old: Person = serde_json::from_value(serde_json::json!({
        "id": PersonId::generate().to_string(), "name": "老记录", "unit": "民政局"
    }))
    .expect("old person");
    assert!(old.panels.is_empty() && old.title.is_empty());
    assert!(matches!(
        store.put_person(&Person {
            name: " ".into(),
            ..head
        }),
        Err(StoreError::Invalid(_))
    ));
}
