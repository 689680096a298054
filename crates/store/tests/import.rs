//! The store's side of an import (issue 24): the list rows it writes without reading the
//! cases back are the rows read from the documents; a case imported apart on two laptops
//! is not updated until a person merges it; a re-import keeps what a clerk edited on
//! another laptop and updates what the source changed.

mod common;

use chrono::{NaiveDate, TimeZone};
use fengqiao_model::{ImportedCase, ImportedEvent};
use fengqiao_store::{CaseFilter, ImportAction, Store, china_offset, demo};

fn imported(source_number: &str, reg: fengqiao_model::Registration) -> ImportedCase {
    let registered_at = china_offset()
        .from_local_datetime(&reg.received_on.and_hms_opt(9, 30, 0).expect("time"))
        .single()
        .expect("a time");
    ImportedCase {
        registration: reg,
        registered_at,
        source_number: source_number.into(),
        events: Vec::new(),
        notes: Vec::new(),
        provided: None,
    }
}

#[test]
fn the_list_rows_an_import_writes_are_the_rows_read_back_from_the_documents() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo::init_demo_county(dir.path()).expect("init");
    // A case already in a document the import adds to, so its rows are kept too.
    let mut reg = common::registration();
    reg.received_on = NaiveDate::from_ymd_opt(2026, 10, 8).expect("date");
    store.add_case(reg).expect("add");
    let cases: Vec<ImportedCase> = demo::generate(demo::DemoOptions {
        cases: 300,
        seed: 11,
        end: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
    })
    .into_iter()
    .enumerate()
    .map(|(i, mut c)| {
        c.source_number = format!("旧-{i:04}");
        c
    })
    .collect();
    assert!(
        cases
            .iter()
            .any(|c| !c.registration.representatives.is_empty())
    );
    let plan = store.plan_import(cases).expect("plan");
    assert_eq!(plan.to_create(), 300);
    store.apply_import(plan, |_| {}).expect("apply");
    let mut written = store.list_cases(&CaseFilter::default()).expect("list");
    store.close();
    // The index is a cache: without it every row is read from the documents.
    std::fs::remove_dir_all(dir.path().join("index")).expect("drop the index");
    let store = Store::open(dir.path()).expect("open");
    let mut read = store.list_cases(&CaseFilter::default()).expect("list");
    store.close();
    written.sort_by_key(|c| c.id);
    read.sort_by_key(|c| c.id);
    assert_eq!(written.len(), 301);
    assert_eq!(written, read);
    assert!(read.iter().filter(|c| !c.source_number.is_empty()).count() == 300);
}

#[test]
fn a_case_two_laptops_imported_apart_is_refused_until_it_is_merged() {
    let (_da, a, _db, b) = common::pair();
    for store in [&a, &b] {
        store
            .import_cases(vec![imported("XF-7", common::registration())], |_| {})
            .expect("import");
    }
    common::sync(&a, &b);
    let plan = b
        .plan_import(vec![imported("XF-7", common::registration())])
        .expect("plan");
    assert!(plan.cases.is_empty());
    assert_eq!(plan.refused.len(), 1);
    assert_eq!(plan.refused[0].field, "source_number");
    assert!(plan.refused[0].why.contains("合并"), "{:?}", plan.refused);
}

#[test]
fn a_reimport_keeps_an_edit_made_on_another_laptop_and_updates_what_the_source_changed() {
    let (_da, a, _db, b) = common::pair();
    let reg = common::registration();
    b.import_cases(vec![imported("XF-9", reg.clone())], |_| {})
        .expect("import");
    common::sync(&a, &b);
    let number = a.list_cases(&CaseFilter::default()).expect("list")[0]
        .number
        .clone();
    a.set_field(&number, "handler", "港口镇的承办人")
        .expect("edit");
    common::sync(&a, &b);
    let mut changed = reg;
    changed.handler = "旧系统的承办人".into();
    changed.content.facts = "旧系统补充的事实".into();
    let mut case = imported("XF-9", changed);
    case.events = vec![ImportedEvent::new(
        fengqiao_model::EventKind::Accepted,
        NaiveDate::from_ymd_opt(2026, 11, 3).expect("date"),
    )];
    let plan = b.plan_import(vec![case]).expect("plan");
    let ImportAction::Update(update) = &plan.cases[0].action else {
        panic!("an update: {:?}", plan.cases[0].action);
    };
    let fields: Vec<&str> = update.fields.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["content.facts"]);
    assert_eq!(update.kept, ["handler"]);
    assert_eq!(update.events.len(), 1);
    b.apply_import(plan, |_| {}).expect("apply");
    let record = b.case(&number).expect("case");
    assert_eq!(record.case.registration.handler, "港口镇的承办人");
    assert_eq!(record.case.registration.content.facts, "旧系统补充的事实");
    assert_eq!(record.case.source_number, "XF-9");
    let accepted = record
        .events
        .iter()
        .find(|e| e.kind == fengqiao_model::EventKind::Accepted)
        .expect("the imported event");
    assert_eq!(accepted.date.to_string(), "2026-11-03");
    // Imported events are recorded as of their day, so the clocks run as if on time.
    assert_eq!(accepted.recorded_at.date_naive(), accepted.date);
}
