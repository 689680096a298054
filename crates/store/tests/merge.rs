//! Two laptops edit the same case offline, then exchange their documents.

use chrono::NaiveDate;
use fengqiao_model::{Channel, Registration, Role, Route};
use fengqiao_store::{InitOptions, Store, TownshipSpec};

fn township() -> TownshipSpec {
    TownshipSpec {
        name: "港口镇".into(),
        code: "gangkou".into(),
        villages: vec!["西村".into()],
    }
}

fn init(dir: &std::path::Path, person: &str, directory: Option<Vec<u8>>) -> Store {
    Store::init(
        dir,
        InitOptions {
            device_name: format!("{person}的笔记本"),
            county: "宁国市".into(),
            role: Role::Township,
            scope: vec!["港口镇".into()],
            person_name: person.into(),
            townships: vec![township()],
            directory,
        },
    )
    .expect("init")
}

fn registration() -> Registration {
    let received_on = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    let mut reg = Registration::new(Channel::FieldVisit, received_on, "港口镇", "反映宅基地纠纷")
        .with_petitioner("张三", "13800001111");
    reg.village = "西村".into();
    reg.content.facts = "邻居建房占地".into();
    reg
}

/// The county office's laptop, which creates the directory.
fn office(dir: &std::path::Path) -> Store {
    Store::init(
        dir,
        InitOptions {
            device_name: "信访局".into(),
            county: "宁国市".into(),
            role: Role::Office,
            scope: Vec::new(),
            person_name: "王主任".into(),
            townships: vec![township()],
            directory: None,
        },
    )
    .expect("office")
}

/// Laptops A (李四) and B (王五), both in 港口镇, enrolled by the county office (which
/// creates the directory and then stays out of the way).
fn pair() -> (tempfile::TempDir, Store, tempfile::TempDir, Store) {
    let (dir_o, dir_a, dir_b) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let office = office(dir_o.path());
    let enrol = |dir: &std::path::Path, person: &str| {
        office
            .enrol_at(
                dir,
                Role::Township,
                vec!["港口镇".into()],
                &format!("{person}的笔记本"),
                person,
            )
            .expect("enrol")
    };
    enrol(dir_a.path(), "李四");
    let directory = enrol(dir_b.path(), "王五");
    office.close();
    let a = init(dir_a.path(), "李四", Some(directory.clone()));
    let b = init(dir_b.path(), "王五", Some(directory));
    (dir_a, a, dir_b, b)
}

/// Sends every document of `from` to `to`.
fn exchange(from: &Store, to: &Store) {
    for name in from.catalogue().expect("catalogue") {
        if let Some(bytes) = from.export_document(&name).expect("export") {
            to.import_document(&name, &bytes).expect("import");
        }
    }
}

#[test]
fn offline_edits_merge_and_same_field_edits_become_a_resolvable_conflict() {
    let (_dir_a, a, _dir_b, b) = pair();

    // A registers; B receives it (both are then offline).
    let case = a.add_case(registration()).expect("add");
    let id = case.id.to_string();
    exchange(&a, &b);
    assert_eq!(b.case(&id).expect("b has the case").case, case);
    let histories = b.histories(&Default::default()).expect("histories");
    assert_eq!(histories.len(), 1);
    assert_eq!(histories[0].0, case);
    assert_eq!(histories[0].1.len(), 1, "the registration event");

    // Offline: different fields, the same field, and notes on both sides.
    a.set_field(&id, "lead_unit", "自然资源和规划局")
        .expect("a sets lead unit");
    b.set_field(&id, "handler", "王五").expect("b sets handler");
    a.set_field(&id, "route", "矛盾纠纷").expect("a routes");
    b.set_field(&id, "route", "信访诉求")
        .expect("b routes differently");
    a.add_note(&id, "已电话联系信访人").expect("note a");
    b.add_note(&id, "现场查看了宅基地界址").expect("note b");

    exchange(&a, &b);
    exchange(&b, &a);

    for store in [&a, &b] {
        let r = store.case(&id).expect("case");
        assert_eq!(
            r.case.registration.lead_unit, "自然资源和规划局",
            "A's field kept"
        );
        assert_eq!(r.case.registration.handler, "王五", "B's field kept");
        let notes: Vec<&str> = r.notes.iter().map(|n| n.text.as_str()).collect();
        assert!(
            notes.contains(&"已电话联系信访人") && notes.contains(&"现场查看了宅基地界址"),
            "{notes:?}"
        );
        let conflict = r
            .conflicts
            .iter()
            .find(|c| c.field == "route")
            .expect("route conflict");
        let mut values: Vec<String> = conflict
            .values
            .iter()
            .map(|v| v.value.to_string())
            .collect();
        values.sort();
        assert_eq!(values, ["\"dispute\"", "\"petition-request\""]);
        let people: Vec<_> = conflict
            .values
            .iter()
            .filter_map(|v| v.person_name.clone())
            .collect();
        assert!(
            people.contains(&"李四".to_owned()) && people.contains(&"王五".to_owned()),
            "who wrote each: {people:?}"
        );
        assert!(
            conflict.values.iter().all(|v| v.written_at.is_some()),
            "when each was written"
        );
        assert_eq!(
            r.conflicts.len(),
            1,
            "only the same-field edit conflicts: {:?}",
            r.conflicts
        );
    }
    assert_eq!(a.conflicts().expect("list").len(), 1);
    let row = a
        .list_cases(&Default::default())
        .expect("list")
        .into_iter()
        .find(|c| c.id == case.id)
        .expect("row");
    assert!(row.has_conflicts, "the list marks the case");

    // Resolve on B; the decision and who made it reach A.
    let b_choice = b.case(&id).expect("case").conflicts[0]
        .values
        .iter()
        .position(|v| v.value == serde_json::json!("dispute"))
        .expect("dispute is a candidate")
        + 1;
    let resolution = b
        .resolve_conflict(&id, "route", b_choice, "属邻里宅基地纠纷，应调解")
        .expect("resolve");
    assert_eq!(resolution.resolved_by_name, "王五");
    exchange(&b, &a);
    for store in [&a, &b] {
        let r = store.case(&id).expect("case");
        assert!(
            r.conflicts.is_empty(),
            "resolved everywhere: {:?}",
            r.conflicts
        );
        assert_eq!(r.case.registration.route, Some(Route::Dispute));
        assert_eq!(r.resolutions.len(), 1);
        assert_eq!(r.resolutions[0].resolved_by_name, "王五");
        assert_eq!(
            r.resolutions[0].discarded,
            vec![serde_json::json!("petition-request")]
        );
    }
}

#[test]
fn two_laptops_creating_the_same_period_document_offline_keep_both_cases() {
    let (_dir_a, a, _dir_b, b) = pair();
    // Both create cases/gangkou/2026-Q4 independently.
    let ca = a.add_case(registration()).expect("a");
    let mut reg = registration();
    reg.petitioners[0].name = "赵六".into();
    let cb = b.add_case(reg).expect("b");
    assert_ne!(ca.number, cb.number, "case numbers stay unique offline");
    exchange(&a, &b);
    exchange(&b, &a);
    for store in [&a, &b] {
        let list = store.list_cases(&Default::default()).expect("list");
        let names: Vec<_> = list.iter().map(|c| c.petitioner.as_str()).collect();
        assert_eq!(list.len(), 2, "{names:?}");
        assert!(store.conflicts().expect("conflicts").is_empty());
    }
}

#[test]
fn a_visit_planned_in_the_office_and_recorded_in_the_village_merges() {
    use fengqiao_model::{FieldVisit, Household, VisitId};
    let (_dir_a, a, _dir_b, b) = pair();
    let mut visit = FieldVisit {
        id: VisitId::generate(),
        leader: None,
        staff: vec!["李四".into()],
        township: "港口镇".into(),
        village: "西村".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 10).expect("date"),
        households: vec![],
        linked_cases: vec![],
        outcome: String::new(),
    };
    a.put_visit(&visit).expect("plan");
    exchange(&a, &b);
    // Offline: the office adds staff; the village records households and the outcome.
    let mut planned = visit.clone();
    planned.staff.push("赵书记".into());
    a.put_visit(&planned).expect("office edit");
    visit.households = vec![Household {
        head: "张三".into(),
        address: "西村3组".into(),
        outcome: "同意调解".into(),
    }];
    visit.outcome = "走访农户1户，矛盾已初步化解".into();
    b.put_visit(&visit).expect("village record");
    exchange(&a, &b);
    exchange(&b, &a);
    for store in [&a, &b] {
        let visits = store.visits("港口镇", 2026).expect("visits");
        assert_eq!(visits.len(), 1);
        assert_eq!(
            visits[0].staff,
            vec!["李四".to_owned(), "赵书记".to_owned()]
        );
        assert_eq!(visits[0].households.len(), 1);
        assert_eq!(visits[0].outcome, "走访农户1户，矛盾已初步化解");
    }
}

#[test]
fn reading_a_roster_year_that_does_not_exist_yet_does_not_block_creating_it() {
    let dir = tempfile::tempdir().expect("tmp");
    // The roster is the office's to write.
    let store = office(dir.path());
    assert!(
        store
            .roster_records(2027, "slots")
            .expect("read")
            .is_empty()
    );
    store
        .put_roster_record(
            2027,
            "slots",
            "s1",
            &serde_json::json!({"date": "2027-01-04"}),
        )
        .expect("create after read");
    assert_eq!(store.roster_records(2027, "slots").expect("read").len(), 1);
}
