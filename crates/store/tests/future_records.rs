//! Mixed versions in the field: a newer laptop's records reach this version. A case shows
//! the records it cannot read (a newer version's kind, a damaged note) instead of dropping
//! them, its clocks say they are incomplete, `doctor` names them, and this version's
//! writes keep every field and record a newer version added.

mod common;

use fengqiao_model::{EventKind, FieldVisit, OrgUnit, Person, Role};
use fengqiao_rules::{Diagnostic, DueThresholds, case_clocks};
use fengqiao_store::testing::{
    FUTURE_EVENT_KIND, plant_future_records, stored_record, write_as_peer,
};
use fengqiao_store::{DocName, Store, Unreadable};
use serde_json::{Value, json};

/// The case's record as stored on `store`.
fn stored_case(store: &Store, document: &DocName, case: &str) -> Value {
    stored_record(store, document, &["cases", case])
        .expect("read")
        .expect("the case is stored")
}

#[test]
fn a_newer_versions_records_are_shown_counted_and_kept_through_this_versions_writes() {
    let (_da, township, _db, office) = common::pair();
    let case = township.add_case(common::registration()).expect("add");
    let number = case.number.to_string();
    common::sync(&township, &office);
    // The office laptop runs a newer version; what it wrote reaches the township laptop.
    let planted = plant_future_records(&office, &number).expect("plant");
    common::exchange(&office, &township);
    let planted_case = stored_case(&township, &planted.document, &case.id.to_string());
    let planted_event = planted_case["events"][&planted.future_event].clone();
    assert_eq!(planted_event["kind"], FUTURE_EVENT_KIND);

    // The case page's record: every readable record, and the two it cannot read.
    let record = township.case(&number).expect("case");
    assert_eq!(
        record.events.len(),
        1,
        "the registration, with its unknown field, reads"
    );
    assert_eq!(record.events[0].kind, EventKind::Registered);
    assert!(record.notes.is_empty());
    let why = |id: &str| {
        record
            .unreadable
            .iter()
            .find(|u| u.id == id)
            .map(|u| (u.collection.as_str(), u.why))
    };
    assert_eq!(record.unreadable.len(), 2, "{:?}", record.unreadable);
    assert_eq!(
        why(&planted.future_event),
        Some(("events", Unreadable::NewerVersion))
    );
    assert_eq!(
        why(&planted.damaged_note),
        Some(("notes", Unreadable::Damaged))
    );
    let line = record.unreadable[0].zh();
    assert!(
        line.contains("较新版本") || line.contains("已损坏"),
        "{line}"
    );

    // Its clocks say they are computed without the unreadable event.
    let facts = record.clock_facts(&township.law_context().expect("law context"));
    assert_eq!(facts.unreadable_events, 1);
    let clocks = case_clocks(
        &facts,
        &record.events,
        &township.holiday_calendar().expect("calendar"),
        case.registration.received_on,
        &DueThresholds::default(),
    );
    assert!(!clocks.is_complete());
    assert!(
        clocks
            .diagnostics
            .contains(&Diagnostic::UnreadableEvents { count: 1 })
    );

    // `doctor` checks the case's sub-records with the same decoder.
    let report = township.doctor().expect("doctor");
    let doc = report
        .documents
        .iter()
        .find(|d| d.name == planted.document.to_string())
        .expect("the case document");
    assert_eq!(doc.damaged_records.len(), 2, "{:?}", doc.damaged_records);
    let named = |id: &str| doc.damaged_records.iter().find(|r| r.contains(id));
    assert!(named(&planted.future_event).is_some_and(|r| r.contains("较新版本")));
    assert!(named(&planted.damaged_note).is_some_and(|r| r.contains("已损坏")));

    // This version works the case: a known field, a field of a map holding an unknown
    // field, the whole map, an event and a note.
    township
        .set_field(&number, "lead_unit", "港口镇综治中心")
        .expect("set lead unit");
    township
        .set_field(&number, "flags.supervised", "是")
        .expect("set one flag");
    township
        .set_field(&number, "flags", r#"{"repeat": true, "supervised": true}"#)
        .expect("set the flags map");
    let today = fengqiao_store::now_cst().date_naive();
    township
        .add_event(&number, EventKind::Accepted, today, "")
        .expect("event");
    township
        .add_note(&number, "已电话联系信访人")
        .expect("note");
    common::exchange(&township, &office);

    for (laptop, store) in [("township", &township), ("office", &office)] {
        let stored = stored_case(store, &planted.document, &case.id.to_string());
        assert_eq!(stored["lead_unit"], "港口镇综治中心", "{laptop}");
        assert_eq!(stored["risk_level"], "high", "{laptop}: unknown case field");
        assert_eq!(stored["flags"]["repeat"], true, "{laptop}");
        assert_eq!(stored["flags"]["supervised"], true, "{laptop}");
        assert_eq!(
            stored["flags"]["escalated_to_city"], true,
            "{laptop}: unknown field inside a map this version rewrote"
        );
        assert_eq!(
            stored["events"][&planted.future_event], planted_event,
            "{laptop}: the unknown kind's event, untouched"
        );
        assert_eq!(
            stored["events"][&planted.extended_event]["signed_by"], "窗口电子签名",
            "{laptop}: unknown field on a known event"
        );
        assert_eq!(
            stored["notes"][&planted.damaged_note], planted_case["notes"][&planted.damaged_note],
            "{laptop}: the damaged note, untouched"
        );
    }
    let after = township.case(&number).expect("case");
    assert_eq!(after.events.len(), 2);
    assert_eq!(after.notes.len(), 1);
    assert_eq!(after.unreadable.len(), 2, "still shown, still not read");
}

#[test]
fn directory_visit_and_roster_records_keep_what_a_newer_version_added_when_edited_here() {
    let dir = tempfile::tempdir().expect("tmp");
    let office = common::init(dir.path(), "王五", Role::Office, None);
    let person = Person {
        id: fengqiao_model::PersonId::generate(),
        name: "赵六".into(),
        unit: "县信访局".into(),
        title: String::new(),
        panels: Vec::new(),
    };
    office.put_person(&person).expect("person");
    let key = person.id.to_string();
    write_as_peer(
        &office,
        &DocName::Directory,
        &["people", &key],
        &json!({ "email": "zhaoliu@example.cn", "unit": "县信访局" }),
    )
    .expect("newer person fields");
    office
        .put_person(&Person {
            title: "科长".into(),
            ..person.clone()
        })
        .expect("edit");
    let stored = stored_record(&office, &DocName::Directory, &["people", &key])
        .expect("read")
        .expect("stored");
    assert_eq!(stored["title"], "科长");
    assert_eq!(
        stored["email"], "zhaoliu@example.cn",
        "an unknown field survives an edit"
    );

    // A unit's head set and a device revoked keep their unknown fields too.
    let unit: OrgUnit = office.units().expect("units").remove(0);
    let unit_key = unit.id.to_string();
    write_as_peer(
        &office,
        &DocName::Directory,
        &["units", &unit_key],
        &json!({ "phone": "0563-4012345" }),
    )
    .expect("newer unit field");
    office
        .put_unit(&OrgUnit {
            head: Some(person.id),
            ..unit
        })
        .expect("head");
    let stored = stored_record(&office, &DocName::Directory, &["units", &unit_key])
        .expect("read")
        .expect("stored");
    assert_eq!(stored["head"], key);
    assert_eq!(stored["phone"], "0563-4012345");

    let device = office.devices().expect("devices").remove(0);
    let laptop = tempfile::tempdir().expect("tmp");
    office
        .enrol_at(
            laptop.path(),
            Role::Township,
            vec!["港口镇".into()],
            "笔记本",
            "李四",
        )
        .expect("enrol");
    let other = office
        .devices()
        .expect("devices")
        .into_iter()
        .find(|d| d.id != device.id)
        .expect("the enrolled laptop");
    write_as_peer(
        &office,
        &DocName::Directory,
        &["devices", &other.id],
        &json!({ "serial": "PF3K9Q" }),
    )
    .expect("newer device field");
    office.revoke_device(&other.id).expect("revoke");
    let stored = stored_record(&office, &DocName::Directory, &["devices", &other.id])
        .expect("read")
        .expect("stored");
    assert_eq!(stored["revoked"], true);
    assert_eq!(stored["serial"], "PF3K9Q");

    // A field visit recorded after it was planned.
    let visit = FieldVisit {
        id: fengqiao_model::VisitId::generate(),
        leader: None,
        staff: vec!["赵六".into()],
        township: "港口镇".into(),
        village: "西村".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        households: Vec::new(),
        linked_cases: Vec::new(),
        outcome: String::new(),
    };
    office.put_visit(&visit).expect("plan");
    let visits = DocName::Visits {
        township: "gangkou".into(),
        year: 2026,
    };
    let visit_key = visit.id.to_string();
    write_as_peer(
        &office,
        &visits,
        &["visits", &visit_key],
        &json!({ "transport": "公务车" }),
    )
    .expect("newer visit field");
    office
        .put_visit(&FieldVisit {
            outcome: "已现场调解".into(),
            ..visit
        })
        .expect("record");
    let stored = stored_record(&office, &visits, &["visits", &visit_key])
        .expect("read")
        .expect("stored");
    assert_eq!(stored["outcome"], "已现场调解");
    assert_eq!(stored["transport"], "公务车");

    // A leader's leave, corrected after it was reported.
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
    let leave = fengqiao_roster::state::Leave {
        id: fengqiao_roster::LeaveId::generate(),
        leader: fengqiao_model::LeaderId::generate(),
        from: day(16),
        to: day(18),
        reported_on: day(9),
        reason: "学习".into(),
    };
    let roster = DocName::Roster { year: 2026 };
    let leave_key = leave.id.to_string();
    let put = |leave: fengqiao_roster::state::Leave| {
        office
            .put_roster(&[fengqiao_roster::Record::Leave(leave)])
            .expect("leave")
    };
    put(leave.clone());
    write_as_peer(
        &office,
        &roster,
        &["leave", &leave_key],
        &json!({ "approved_by": "市委办" }),
    )
    .expect("newer leave field");
    put(fengqiao_roster::state::Leave {
        reason: "赴省党校学习".into(),
        ..leave
    });
    let stored = stored_record(&office, &roster, &["leave", &leave_key])
        .expect("read")
        .expect("stored");
    assert_eq!(stored["reason"], "赴省党校学习");
    assert_eq!(stored["approved_by"], "市委办");
}
