//! The case page of an accusation kept apart (第三十条第三款) on a device without the
//! confidential grant: the case with its clocks, and the notice in place of the accuser,
//! whose name appears nowhere on the page.

mod common;

use common::{app_on, wait_for};

use egui_kittest::kittest::Queryable as _;
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::NoLiveSync;
use fengqiao_model::ContentType;
use fengqiao_store::{KeptApart, Store};

const ACCUSER: &str = "欧阳检举";

#[test]
fn a_device_without_the_grant_shows_the_case_and_not_the_accuser() {
    let dir = tempfile::tempdir().expect("tmp");
    fengqiao_app::backend::create_demo_county(dir.path(), 5)
        .expect("demo")
        .close();
    let number = {
        let store = Store::open(dir.path()).expect("open");
        let township = store.townships().expect("townships")[0].name.clone();
        let mut reg = fengqiao_model::Registration::new(
            fengqiao_model::Channel::Visit,
            fengqiao_store::now_cst().date_naive(),
            &township,
            "检举村主任侵占集体土地补偿款",
        )
        .with_petitioner(ACCUSER, "13905561234");
        reg.content_type = Some(ContentType::Accusation);
        let case = store.add_case(reg).expect("register");
        // The demo's office device founded the county and holds the grant; it gives it up.
        let me = store.identity().device_id.clone();
        store
            .set_confidential_grant(&me, false)
            .expect("give up the grant");
        store.close();
        case.number.to_string()
    };
    let mut h = app_on(dir.path(), egui::vec2(1280.0, 1400.0), 10, || {
        Box::new(NoLiveSync)
    });
    wait_for(&mut h, "the store to open", |a| {
        a.state.phase == Phase::Open
    });
    h.state_mut().state.open_case(number.clone());
    wait_for(&mut h, "the case page", |a| {
        a.state
            .case_page
            .page
            .as_ref()
            .is_some_and(|p| p.record.case.number.to_string() == number)
    });
    h.run();
    let page = h.state().state.case_page.page.clone().expect("page");
    assert_eq!(page.record.kept_apart, Some(KeptApart::Withheld));
    assert!(
        h.query_all_by_label_contains("本机无权查看")
            .next()
            .is_some(),
        "the notice is shown"
    );
    assert!(
        h.query_all_by_label_contains(ACCUSER).next().is_none(),
        "the accuser is nowhere on the page"
    );
    assert!(h.query_all_by_label_contains(&number).next().is_some());
}
