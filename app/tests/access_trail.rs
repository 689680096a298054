//! 设置 → 访问记录 (issue 23, item 3): on the office's laptop, opening a confidential
//! case's page adds a line naming the person, the device and the case; an ordinary case's
//! page adds none.

mod common;

use common::{app_on, click_button, wait_for};

use egui_kittest::kittest::Queryable as _;
use fengqiao_app::FengqiaoApp;
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::NoLiveSync;
use fengqiao_store::{CaseFilter, Store};

fn shown(h: &egui_kittest::Harness<'_, FengqiaoApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn opening_a_confidential_case_shows_in_the_offices_access_trail() {
    let dir = tempfile::tempdir().expect("tmp");
    fengqiao_app::backend::create_demo_county(dir.path(), 10)
        .expect("demo")
        .close();
    let (secret, plain, person, device) = {
        let store = Store::open(dir.path()).expect("open");
        let rows = store.list_cases(&CaseFilter::default()).expect("cases");
        let (secret, plain) = (rows[0].number.clone(), rows[1].number.clone());
        store
            .set_field(&secret, "flags.confidential", "true")
            .expect("mark confidential");
        let who = store.identity().person.name.clone();
        let device = store.identity().device_name.clone();
        store.close();
        (secret, plain, who, device)
    };
    let mut h = app_on(dir.path(), egui::vec2(1280.0, 1400.0), 10, || {
        Box::new(NoLiveSync)
    });
    wait_for(&mut h, "the store to open", |a| {
        a.state.phase == Phase::Open && a.state.directory.access_trail.is_some()
    });
    assert!(
        h.state()
            .state
            .directory
            .access_trail
            .as_ref()
            .is_some_and(|t| t.rows.is_empty()),
        "nothing opened yet"
    );

    for case in [&plain, &secret] {
        h.state_mut().state.open_case(case.clone());
        wait_for(&mut h, "the case page", |a| {
            a.state
                .case_page
                .page
                .as_ref()
                .is_some_and(|p| p.record.case.number.to_string() == *case)
        });
    }
    wait_for(&mut h, "the trail", |a| {
        a.state
            .directory
            .access_trail
            .as_ref()
            .is_some_and(|t| !t.rows.is_empty())
    });
    let trail = h
        .state()
        .state
        .directory
        .access_trail
        .clone()
        .expect("trail");
    assert_eq!(trail.rows.len(), 1, "only the confidential case: {trail:?}");
    assert_eq!(trail.rows[0].who, person);
    assert_eq!(trail.rows[0].device, device);
    assert!(trail.rows[0].what.contains(&secret), "{:?}", trail.rows[0]);

    click_button(&mut h, "设置");
    h.run_steps(2);
    assert!(shown(&h, "访问记录"));
    assert!(shown(&h, &format!("打开保密案件 {secret}")));
    assert!(!shown(&h, &format!("打开保密案件 {plain}")));
}
