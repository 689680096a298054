//! `history`: who changed what on a case and when, across laptops, from the Automerge
//! change history.

mod common;

use common::{pair, registration, sync};
use fengqiao_model::EventKind;
use fengqiao_store::EditAction;

#[test]
fn history_names_person_device_time_and_what_changed_on_each_laptop() {
    let (_da, a, _db, b) = pair();
    let case = a.add_case(registration()).expect("add");
    let id = case.id.to_string();
    // Another case in the same document must not show up in this one's history.
    let mut other = registration();
    other.petitioners[0].name = "赵六".into();
    a.add_case(other).expect("other");
    sync(&a, &b);
    b.set_field(&id, "lead_unit", "自然资源和规划局")
        .expect("b sets");
    b.add_event(
        &id,
        EventKind::Accepted,
        fengqiao_store::now_cst().date_naive(),
        "",
    )
    .expect("b accepts");
    a.add_note(&id, "已电话联系信访人").expect("a notes");
    sync(&a, &b);
    let history = a.history(&case.number.to_string()).expect("history");
    let lines: Vec<(String, String)> = history
        .iter()
        .flat_map(|h| {
            h.edits
                .iter()
                .map(|e| (h.person_name.clone().unwrap_or_default(), e.summary.clone()))
        })
        .collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert_eq!(lines[0], ("李四".into(), "登记案件".into()));
    assert!(
        lines.contains(&(
            "王五".into(),
            "修改 lead_unit = \"自然资源和规划局\"".into()
        )),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&("王五".into(), "记录事件：受理".into())),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&("李四".into(), "添加备注".into())),
        "{lines:#?}"
    );
    assert!(
        history.iter().all(|h| h.at.is_some() && h.device.is_some()),
        "{history:#?}"
    );
    let set = history
        .iter()
        .flat_map(|h| &h.edits)
        .find(|e| e.action == EditAction::Set)
        .expect("a set");
    assert_eq!(set.path, "lead_unit");
    // The same history on the other replica.
    assert_eq!(b.history(&id).expect("b"), history);

    // Merge decisions about the case are part of its history.
    let mut dup = registration();
    dup.content.facts.clear();
    let second = b.add_case(dup).expect("dup");
    b.merge_cases(&id, &second.id.to_string(), "重复登记")
        .expect("merge");
    let history = b.history(&id).expect("history");
    let last = history.last().expect("entries");
    assert!(last.edits[0].summary.starts_with("合并："), "{last:#?}");
    assert_eq!(last.person_name.as_deref(), Some("王五"));
}
