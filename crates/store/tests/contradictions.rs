//! What two laptops recorded that cannot both stand: field conflicts on legally
//! significant fields, two different replies, a case closed on one laptop while it was
//! still worked on the other. Each is detected after sync and decided by a named person,
//! and the decision reaches every replica.

mod common;

use common::{pair, registration, sync};
use fengqiao_model::{EventKind, ReplyType, Satisfaction};
use fengqiao_store::{ContradictionKind, StoreError};

fn today() -> chrono::NaiveDate {
    fengqiao_store::now_cst().date_naive()
}

#[test]
fn concurrent_different_replies_are_a_contradiction_resolved_by_a_named_person_everywhere() {
    let (_da, a, _db, b) = pair();
    let case = a.add_case(registration()).expect("add");
    let id = case.id.to_string();
    // A reply answers an accepted item (第三十二、三十四条).
    a.add_event(&id, EventKind::Accepted, today(), "")
        .expect("accepted");
    sync(&a, &b);
    a.add_event(
        &id,
        EventKind::Replied {
            reply: ReplyType::Support,
        },
        today(),
        "宁港信复〔2026〕1号",
    )
    .expect("a replies");
    b.add_event(
        &id,
        EventKind::Replied {
            reply: ReplyType::NotSupport,
        },
        today(),
        "宁港信复〔2026〕2号",
    )
    .expect("b replies");
    assert!(
        a.contradictions().expect("a alone").is_empty(),
        "one reply is no contradiction"
    );
    sync(&a, &b);
    let mut key = String::new();
    for store in [&a, &b] {
        let found = store.contradictions().expect("list");
        assert_eq!(found.len(), 1, "{found:#?}");
        let c = &found[0];
        assert_eq!(c.kind, ContradictionKind::DifferentReplies);
        assert_eq!(c.items.len(), 2);
        let mut people: Vec<_> = c
            .items
            .iter()
            .filter_map(|i| i.person_name.clone())
            .collect();
        people.sort();
        assert_eq!(people, ["李四", "王五"], "who wrote each reply");
        assert!(
            c.items
                .iter()
                .all(|i| i.device.is_some() && i.written_at.is_some())
        );
        assert_eq!(c.options.len(), 2);
        key.clone_from(&c.key);
    }
    // A choice out of range and an empty reason are refused.
    assert!(matches!(
        b.resolve_contradiction(&id, &key, 3, "x"),
        Err(StoreError::BadChoice { count: 2 })
    ));
    assert!(matches!(
        b.resolve_contradiction(&id, &key, 1, ""),
        Err(StoreError::Invalid(_))
    ));
    let options = b.case_contradictions(&id).expect("case")[0].options.clone();
    let choice = options
        .iter()
        .position(|o| o.contains("不予支持"))
        .expect("option")
        + 1;
    let resolution = b
        .resolve_contradiction(&id, &key, choice, "经局长审定，以2号意见书为准")
        .expect("resolve");
    assert_eq!(resolution.resolved_by_name, "王五");
    sync(&a, &b);
    for store in [&a, &b] {
        assert!(
            store.contradictions().expect("list").is_empty(),
            "resolved everywhere"
        );
        let r = store.case(&id).expect("case");
        let recorded = r
            .resolutions
            .iter()
            .find(|r| r.field == key)
            .expect("recorded");
        assert_eq!(recorded.resolved_by_name, "王五");
        assert_eq!(recorded.reason, "经局长审定，以2号意见书为准");
        assert!(
            recorded
                .chosen
                .as_str()
                .is_some_and(|s| s.contains("不予支持"))
        );
        assert_eq!(r.events.len(), 4, "both replies stay in the history");
    }
}

#[test]
fn closed_on_one_laptop_while_noted_on_the_other_is_detected_but_a_later_note_is_not() {
    let (_da, a, _db, b) = pair();
    let case = a.add_case(registration()).expect("add");
    let id = case.id.to_string();
    // A case closes on an outcome (第三十一至三十三条): accepted and replied first.
    a.add_event(&id, EventKind::Accepted, today(), "")
        .expect("accepted");
    a.add_event(
        &id,
        EventKind::Replied {
            reply: ReplyType::Explain,
        },
        today(),
        "",
    )
    .expect("replied");
    sync(&a, &b);
    a.add_event(
        &id,
        EventKind::Closed {
            satisfaction: Some(Satisfaction::Satisfied),
        },
        today(),
        "",
    )
    .expect("a closes");
    b.add_note(&id, "信访人又来电，称问题未解决")
        .expect("b notes");
    b.add_event(&id, EventKind::Acknowledged, today(), "")
        .expect("b keeps working");
    sync(&a, &b);
    let found = a.contradictions().expect("list");
    assert_eq!(found.len(), 1, "{found:#?}");
    let c = &found[0];
    assert_eq!(c.kind, ContradictionKind::ClosedWhileWorked);
    assert_eq!(
        c.items.len(),
        3,
        "the closing, the note and the event: {:#?}",
        c.items
    );
    assert_eq!(c.items[0].person_name.as_deref(), Some("李四"));
    assert!(
        c.items[1..]
            .iter()
            .all(|i| i.person_name.as_deref() == Some("王五"))
    );
    assert_eq!(
        b.contradictions().expect("b").len(),
        1,
        "the same on the other replica"
    );
    assert_eq!(b.contradictions().expect("b")[0].key, c.key);

    // A note written after the closing was seen is no contradiction.
    a.add_note(&id, "办结后回访，信访人表示满意")
        .expect("later note");
    let again = a.contradictions().expect("list");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].key, c.key, "same records, same key");

    a.resolve_contradiction(&id, &c.key, 1, "问题已解决，来电内容记入回访")
        .expect("resolve");
    sync(&a, &b);
    assert!(b.contradictions().expect("b").is_empty());
}

#[test]
fn conflicts_on_legally_significant_fields_are_marked() {
    let (_da, a, _db, b) = pair();
    let case = a.add_case(registration()).expect("add");
    let id = case.id.to_string();
    sync(&a, &b);
    a.set_field(&id, "lead_unit", "自然资源和规划局")
        .expect("a");
    b.set_field(&id, "lead_unit", "司法局").expect("b");
    a.set_field(&id, "handler", "李四").expect("a");
    b.set_field(&id, "handler", "王五").expect("b");
    sync(&a, &b);
    let mut conflicts = a.conflicts().expect("conflicts");
    conflicts.sort_by(|x, y| x.field.cmp(&y.field));
    let marks: Vec<(&str, bool)> = conflicts
        .iter()
        .map(|c| (c.field.as_str(), c.legally_significant))
        .collect();
    assert_eq!(marks, [("handler", false), ("lead_unit", true)]);
}
