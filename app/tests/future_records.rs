//! The case page of a case that holds what a newer version wrote (an event of an unknown
//! kind, unknown fields on the case and an event) and a damaged note: the page names both
//! records and says its clocks are incomplete, and the page's own writes keep them intact.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{app_on, click_button, type_into, wait_for};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use fengqiao_app::FengqiaoApp;
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::NoLiveSync;
use fengqiao_store::testing::{FUTURE_EVENT_KIND, plant_future_records, stored_record};
use fengqiao_store::{Store, Unreadable};

fn harness(dir: &Path) -> Harness<'static, FengqiaoApp> {
    app_on(dir, egui::vec2(1280.0, 860.0), 5, || Box::new(NoLiveSync))
}

#[track_caller]
fn assert_shown(h: &Harness<'_, FengqiaoApp>, text: &str) {
    assert!(
        h.query_all_by_label_contains(text).next().is_some(),
        "“{text}” is not shown"
    );
}

/// Opens `dir` once the app's store thread has let go of it.
fn reopen(dir: &Path) -> Store {
    let start = Instant::now();
    loop {
        match Store::open(dir) {
            Ok(store) => return store,
            Err(_) if start.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("the app's store thread never closed the store: {e}"),
        }
    }
}

#[test]
fn the_case_page_shows_a_newer_versions_records_and_its_writes_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = fengqiao_app::backend::create_demo_county(dir.path(), 5).unwrap();
    let number = store.list_cases(&Default::default()).unwrap()[0]
        .number
        .clone();
    let id = store.case(&number).unwrap().case.id.to_string();
    let planted = plant_future_records(&store, &number).unwrap();
    store.close();

    let mut h = harness(dir.path());
    wait_for(&mut h, "the store to open", |a| {
        a.state.phase == Phase::Open && a.state.cases.loaded
    });
    click_button(&mut h, "信访事项");
    h.get_by_label(&number).click();
    wait_for(&mut h, "the case page", |a| {
        a.state.case_page.page.is_some()
    });

    let page = h.state().state.case_page.page.clone().unwrap();
    let why = |id: &str| {
        page.record
            .unreadable
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.why)
    };
    assert_eq!(why(&planted.future_event), Some(Unreadable::NewerVersion));
    assert_eq!(why(&planted.damaged_note), Some(Unreadable::Damaged));
    assert_shown(&h, "无法读取的记录");
    assert_shown(&h, FUTURE_EVENT_KIND);
    assert_shown(&h, "由较新版本记录");
    assert_shown(&h, "昨天 — 已损坏");
    assert_shown(&h, "时限不完整：本案有 1 条事件本机无法读取");

    // Work the case from the page: an event (the form's default) and a note.
    let events = page.record.events.len();
    let notes = page.record.notes.len();
    click_button(&mut h, "记录办理环节");
    type_into(&mut h, "备注内容", "已电话联系信访人");
    click_button(&mut h, "添加备注");
    wait_for(&mut h, "the event and the note", |a| {
        a.state.case_page.page.as_ref().is_some_and(|p| {
            p.record.events.len() == events + 1 && p.record.notes.len() == notes + 1
        })
    });
    assert_eq!(
        h.state()
            .state
            .case_page
            .page
            .as_ref()
            .unwrap()
            .record
            .unreadable
            .len(),
        2,
        "still shown after the page's own writes"
    );
    drop(h);

    let store = reopen(dir.path());
    let stored = stored_record(&store, &planted.document, &["cases", &id])
        .unwrap()
        .unwrap();
    assert_eq!(stored["risk_level"], "high");
    assert_eq!(stored["flags"]["escalated_to_city"], true);
    assert_eq!(
        stored["events"][&planted.future_event]["kind"],
        FUTURE_EVENT_KIND
    );
    assert_eq!(
        stored["events"][&planted.future_event]["centre"],
        "宁国市矛盾纠纷调处化解中心"
    );
    assert_eq!(
        stored["events"][&planted.extended_event]["signed_by"],
        "窗口电子签名"
    );
    assert_eq!(stored["notes"][&planted.damaged_note]["written_at"], "昨天");
}
