//! The case page's 文书 section, driven as a clerk would with egui_kittest: only the
//! documents the case allows are offered; a refusal names the missing field and keeps the
//! form; an issued notice moves the timeline and shows its preview; 保存 PDF writes the
//! bytes issued and 打印 hands that file to the PDF viewer; an opinion's reply is recorded
//! when its service is, and T7 then runs.

mod common;

use common::{app_on, click_button, type_into, wait_for};
use std::path::Path;

use chrono::NaiveDate;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use fengqiao_app::FengqiaoApp;
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::NoLiveSync;
use fengqiao_model::{Channel, Registration, Route};
use fengqiao_store::Store;

fn harness(dir: &Path) -> Harness<'static, FengqiaoApp> {
    app_on(dir, egui::vec2(1280.0, 1000.0), 20, || Box::new(NoLiveSync))
}

fn status(app: &FengqiaoApp) -> String {
    app.state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn choose(h: &mut Harness<'_, FengqiaoApp>, combo: &str, option: &str) {
    h.get_by_role_and_label(Role::ComboBox, combo).click();
    h.run_steps(2);
    h.get_by_role(Role::ListBox).get_by_label(option).click();
    h.run_steps(2);
}

fn papers(app: &FengqiaoApp) -> usize {
    app.state
        .case_page
        .page
        .as_ref()
        .map_or(0, |p| p.papers.len())
}

/// The test's PDF viewer: it leaves a mark beside the file it was handed, so no window opens.
fn mark_printed(path: &Path) -> std::io::Result<()> {
    std::fs::write(path.with_extension("printed"), path.display().to_string())
}

fn offered(h: &Harness<'_, FengqiaoApp>, label: &str) -> bool {
    h.query_by_role_and_label(Role::Button, label).is_some()
}

#[test]
fn a_clerk_issues_a_notice_and_an_opinion_from_the_case_page_and_records_its_service() {
    let dir = tempfile::tempdir().expect("tmp");
    fengqiao_app::backend::create_demo_county(dir.path(), 10)
        .expect("demo")
        .close();
    // A case the township received directly (another organ, so the 受理告知书 of
    // 第二十三条 is its to give), received today, on the ordinary route (第三十一条第（六）项,
    // so an opinion follows).
    let number = {
        let store = Store::open(dir.path()).expect("open");
        let today = fengqiao_store::now_cst().date_naive();
        let township = store.townships().expect("townships")[0].name.clone();
        let mut reg = Registration::new(Channel::Visit, today, &township, "请求修复灌溉水渠")
            .with_petitioner("欧阳娜娜", "13800001111");
        reg.petitioners[0].address = "山门村三组".into();
        reg.received_by = township.clone();
        reg.route = Some(Route::PetitionRequest);
        let number = store.add_case(reg).expect("add").number.to_string();
        store.close();
        number
    };
    let mut h = harness(dir.path());
    wait_for(&mut h, "the store to open", |a| {
        a.state.phase == Phase::Open && a.state.cases.loaded
    });
    h.state_mut().state.case_page.papers.viewer = mark_printed;
    click_button(&mut h, "信访事项");
    h.get_by_label(&number).click();
    wait_for(&mut h, "the case page with its offers", |a| {
        a.state
            .case_page
            .page
            .as_ref()
            .is_some_and(|p| !p.offers.is_empty())
    });
    assert!(offered(&h, "签发受理告知书"));
    assert!(offered(&h, "签发不予受理告知书"));
    assert!(
        !offered(&h, "签发信访处理意见书"),
        "no opinion before acceptance"
    );

    click_button(&mut h, "签发受理告知书");
    click_button(&mut h, "签发");
    wait_for(&mut h, "the notice", |a| papers(a) == 1);
    let page = h.state().state.case_page.page.clone().expect("page");
    let notice = page.papers[0].record.number.clone();
    let kinds: Vec<&str> = page.record.events.iter().map(|e| e.kind.code()).collect();
    assert_eq!(kinds, ["registered", "accepted", "acknowledged"]);
    assert!(
        h.query_all_by_label_contains(&format!("预览：{notice} 受理告知书"))
            .next()
            .is_some(),
        "the issued notice is previewed"
    );
    assert!(
        !offered(&h, "签发不予受理告知书"),
        "accepted: no refusal any more"
    );

    // 保存 PDF: the bytes issued, typeset again, in the data directory's exports/.
    let sha256 = page.papers[0].record.sha256.clone();
    click_button(&mut h, "保存 PDF");
    wait_for(&mut h, "the saved PDF", |a| {
        status(a).contains("已保存 PDF")
    });
    let saved = dir
        .path()
        .join("exports")
        .join(fengqiao_app::backend::papers_file_name(&notice));
    let bytes = std::fs::read(&saved).expect("saved PDF");
    assert_eq!(fengqiao_store::paperwork::sha256_hex(&bytes), sha256);
    // 打印: saved again and handed to the PDF viewer.
    std::fs::remove_file(&saved).expect("remove");
    click_button(&mut h, "打印");
    wait_for(&mut h, "the viewer", |a| {
        status(a).contains("已用 PDF 阅读器打开")
    });
    assert_eq!(
        std::fs::read_to_string(saved.with_extension("printed")).expect("viewer called"),
        saved.display().to_string()
    );
    assert!(saved.exists(), "printed from the saved file");

    // The opinion's form: refused while a field is missing, and the form stays.
    click_button(&mut h, "签发信访处理意见书");
    choose(
        &mut h,
        "处理意见类型（支持/解释说明/不予支持）（必填）",
        "不予支持",
    );
    type_into(
        &mut h,
        "处理依据（必填）",
        "《中华人民共和国水法》第四十二条",
    );
    type_into(
        &mut h,
        "复查机关（原办理机关的上一级机关）（必填）",
        "宣城市信访局",
    );
    click_button(&mut h, "签发");
    wait_for(&mut h, "the refusal", |a| {
        status(a).contains("查明的事实（findings）")
    });
    assert_eq!(papers(h.state()), 1);
    type_into(
        &mut h,
        "查明的事实（必填）",
        "该段水渠不属于政府投资建设的公共设施",
    );
    click_button(&mut h, "签发");
    wait_for(&mut h, "the opinion", |a| papers(a) == 2);
    let page = h.state().state.case_page.page.clone().expect("page");
    assert_eq!(
        page.record.status.code(),
        "in-progress",
        "not replied until served"
    );
    assert!(h.query_all_by_label_contains("未送达").next().is_some());

    // Served today: the reply is recorded and T7 runs from today.
    let opinion = page.papers[1].record.number.clone();
    let buttons = h
        .query_all_by_role_and_label(Role::Button, "记录送达")
        .count();
    assert_eq!(buttons, 2, "both documents can still be served");
    h.get_all_by_role_and_label(Role::Button, "记录送达")
        .last()
        .expect("the opinion's button")
        .click();
    h.run_steps(2);
    click_button(&mut h, "确认送达");
    wait_for(&mut h, "the service", |a| {
        a.state.case_page.page.as_ref().is_some_and(|p| {
            p.papers
                .iter()
                .any(|d| d.record.number == opinion && d.served.is_some())
        })
    });
    let page = h.state().state.case_page.page.clone().expect("page");
    assert_eq!(page.record.status.code(), "replied");
    let today: NaiveDate = fengqiao_store::now_cst().date_naive();
    let t7 = page
        .clocks
        .iter()
        .find(|c| c.name.starts_with("T7"))
        .expect("T7 shown");
    assert_eq!(t7.start, today);
    assert!(
        h.query_all_by_label_contains("已送达：直接送达")
            .next()
            .is_some()
    );
}
