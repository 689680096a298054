//! The county's intake queue: items round-trip, pickups link them to cases, two office
//! laptops adding items offline merge without loss, and township devices never get the
//! queue.

mod common;

use chrono::DateTime;
use fengqiao_model::intake::{IntakeId, IntakeItem};
use fengqiao_model::{IntakeSource, Role, Route};
use fengqiao_store::{DocName, StoreError, hash_query_code, new_query_code};

fn item(name: &str, at: &str) -> IntakeItem {
    IntakeItem {
        id: IntakeId::generate(),
        source: IntakeSource::Kiosk,
        received_at: DateTime::parse_from_rfc3339(at).expect("time"),
        name: name.into(),
        phone: "13800001111".into(),
        description: format!("{name}反映宅基地界址纠纷"),
        guide_type: Some("land-homestead".into()),
        route: Some(Route::Dispute),
        township: Some("港口镇".into()),
        query_code_hash: None,
    }
}

#[test]
fn items_round_trip_newest_first() {
    let (_da, _a, _db, office) = common::pair();
    let older = item("张三", "2026-11-26T09:00:00+08:00");
    let mut newer = item("李梅", "2026-11-27T10:30:00+08:00");
    newer.source = IntakeSource::Online;
    let code = new_query_code();
    newer.query_code_hash = Some(hash_query_code(&code));
    office.add_intake_item(&older).expect("add older");
    office.add_intake_item(&newer).expect("add newer");

    let queue = office.intake_queue(None).expect("queue");
    let items: Vec<_> = queue.iter().map(|e| e.item.clone()).collect();
    assert_eq!(items, vec![newer.clone(), older.clone()]);
    assert!(queue.iter().all(|e| e.pickup.is_none()));
    assert!(
        office
            .catalogue()
            .expect("catalogue")
            .contains(&DocName::Intake { year: 2026 })
    );
    assert!(
        office
            .intake_queue(Some(2025..=2025))
            .expect("queue")
            .is_empty()
    );

    let found = office
        .intake_by_query_hash(&hash_query_code(&code.to_lowercase()))
        .expect("lookup")
        .expect("found by its code");
    assert_eq!(found.item.id, newer.id);
    assert!(
        office
            .intake_by_query_hash(&hash_query_code("2222-2222-2222"))
            .expect("lookup")
            .is_none()
    );
}

#[test]
fn invalid_items_are_refused_with_every_field_named() {
    let (_da, _a, _db, office) = common::pair();
    let mut bad = item("", "2026-11-27T10:30:00+08:00");
    bad.phone = "12".into();
    match office.add_intake_item(&bad) {
        Err(StoreError::Invalid(errors)) => {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            assert!(text.iter().any(|t| t.starts_with("name")), "{text:?}");
            assert!(text.iter().any(|t| t.starts_with("phone")), "{text:?}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(office.intake_queue(None).expect("queue").is_empty());
}

#[test]
fn a_pickup_links_the_item_to_its_case_once() {
    let (_da, _a, _db, office) = common::pair();
    let it = item("张三", "2026-11-27T09:00:00+08:00");
    office.add_intake_item(&it).expect("add");
    let case = office.add_case(common::registration()).expect("case");

    let pickup = office
        .pick_up_intake(it.id, case.id, "王五")
        .expect("pick up");
    assert_eq!(pickup.case, case.id);
    let entry = office.intake_item(it.id).expect("entry");
    assert_eq!(entry.pickup, Some(pickup));

    let again = office.pick_up_intake(it.id, case.id, "王五");
    assert!(
        matches!(again, Err(StoreError::IntakeTaken { .. })),
        "{again:?}"
    );
    let unknown = office.pick_up_intake(IntakeId::generate(), case.id, "王五");
    assert!(
        matches!(unknown, Err(StoreError::NoSuchIntake(_))),
        "{unknown:?}"
    );
}

#[test]
fn two_offline_office_laptops_merge_their_items() {
    let (_da, _a, _db, office) = common::pair();
    let dir_c = tempfile::tempdir().expect("tmp");
    let other = common::join(&office, dir_c.path(), "赵六", Role::Office);

    let mine: Vec<IntakeItem> = (0..3)
        .map(|i| item(&format!("甲{i}"), &format!("2026-11-27T09:0{i}:00+08:00")))
        .collect();
    let theirs: Vec<IntakeItem> = (0..3)
        .map(|i| item(&format!("乙{i}"), &format!("2026-11-27T09:0{i}:30+08:00")))
        .collect();
    for it in &mine {
        office.add_intake_item(it).expect("add here");
    }
    for it in &theirs {
        other.add_intake_item(it).expect("add there");
    }
    common::sync(&office, &other);

    for store in [&office, &other] {
        let queue = store.intake_queue(None).expect("queue");
        let mut ids: Vec<IntakeId> = queue.iter().map(|e| e.item.id).collect();
        let mut expected: Vec<IntakeId> = mine.iter().chain(&theirs).map(|i| i.id).collect();
        ids.sort();
        expected.sort();
        assert_eq!(ids, expected);
    }
}

#[test]
fn township_devices_never_get_the_queue() {
    let (_da, township, _db, office) = common::pair();
    office
        .add_intake_item(&item("张三", "2026-11-27T09:00:00+08:00"))
        .expect("add");
    common::sync(&office, &township);
    let table = office.access();
    let me = township.identity().device_id.clone();
    for year in 2025..=2027 {
        let name = DocName::Intake { year };
        assert_eq!(
            table.access(&me, &name),
            fengqiao_store::Access::None,
            "{name}"
        );
        assert_eq!(
            table.access(&office.identity().device_id, &name),
            fengqiao_store::Access::ReadWrite
        );
    }
    let refused = township.add_intake_item(&item("李四", "2026-11-27T09:00:00+08:00"));
    assert!(
        matches!(refused, Err(StoreError::NotPermitted(_))),
        "{refused:?}"
    );
}
