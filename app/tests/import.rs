//! 设置 → 导入旧系统案件, driven as a clerk would: 检查 shows the refused row with its
//! column and why and what would be written, and writes nothing; 导入 writes the good rows
//! and sets the refused one aside; a second check finds nothing new.

mod common;

use common::{app_on, click_button, type_into, wait_for};

use egui_kittest::kittest::{NodeT as _, Queryable as _};
use fengqiao_app::FengqiaoApp;
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::NoLiveSync;

fn shown(h: &egui_kittest::Harness<'_, FengqiaoApp>, text: &str) -> bool {
    h.query_by_label_contains(text).is_some()
}

/// A county spreadsheet as Chinese Excel saves it (GB18030): three good rows and one whose
/// township is not in the directory.
fn spreadsheet(dir: &std::path::Path) -> std::path::PathBuf {
    let text = "原编号,收到日期,渠道,乡镇,村社区,信访人,联系电话,诉求,办理过程,状态\n\
        XF-001,2026/3/2,来访,港口镇,西村,张三,13800001111,反映宅基地纠纷,\"2026-03-03 分流：矛盾纠纷\n2026-03-05 受理\",办理中\n\
        XF-002,2026年3月4日,来信,梅林镇,罗村,李四,,请求修复村道,,已登记\n\
        XF-003,2026-03-06,来电,火星镇,,王五,,反映噪声扰民,,\n\
        XF-004,2026-03-07,网上,青龙乡,朱村,赵六,13900002222,反映低保评定不公,,\n";
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    let path = dir.join("旧系统.csv");
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn a_clerk_checks_a_county_spreadsheet_then_imports_it_and_a_second_check_finds_nothing_new() {
    let dir = tempfile::tempdir().expect("tmp");
    fengqiao_app::backend::create_demo_county(dir.path(), 10)
        .expect("demo")
        .close();
    let files = tempfile::tempdir().expect("tmp");
    let file = spreadsheet(files.path());
    let mut h = app_on(dir.path(), egui::vec2(1280.0, 1400.0), 10, || {
        Box::new(NoLiveSync)
    });
    wait_for(&mut h, "the store to open", |a| {
        a.state.phase == Phase::Open && !a.state.cases.rows.is_empty()
    });
    let before = h.state().state.cases.rows.len();
    click_button(&mut h, "设置");
    h.run_steps(2);
    type_into(&mut h, "文件", &file.display().to_string());
    // Nothing is written before the check: 导入 is not offered yet.
    assert!(h.get_by_label("导入").accesskit_node().is_disabled());
    click_button(&mut h, "检查");
    wait_for(&mut h, "the check", |a| a.state.import.report.is_some());
    let report = h.state().state.import.report.clone().expect("report");
    assert_eq!(report.written, None);
    assert_eq!(
        (report.rows, report.create, report.refused_rows()),
        (4, 3, 1)
    );
    assert!(shown(&h, "将新建 3 件"));
    assert!(shown(&h, "尚未写入任何内容"));
    assert!(shown(&h, "乡镇（D列）"));
    assert!(shown(&h, "不是本县（市）目录中的乡镇"));
    assert_eq!(
        h.state().state.cases.rows.len(),
        before,
        "a check writes nothing"
    );

    click_button(&mut h, "导入");
    wait_for(&mut h, "the import", |a| {
        a.state
            .import
            .report
            .as_ref()
            .is_some_and(|r| r.written.is_some())
            && a.state.cases.rows.len() == before + 3
    });
    assert!(shown(&h, "已新建 3 件"));
    let refused = files.path().join("旧系统-未导入.csv");
    assert!(
        refused.exists(),
        "the refused row is set aside beside the file"
    );
    assert!(
        std::fs::read_to_string(&refused)
            .expect("refused rows")
            .contains("火星镇")
    );
    let imported = h
        .state()
        .state
        .cases
        .rows
        .iter()
        .find(|r| r.petitioner == "张三")
        .cloned()
        .expect("the imported case");
    assert_eq!(imported.received_on.to_string(), "2026-03-02");
    // Its page shows the county's number and the old system's.
    h.state_mut().state.open_case(imported.number.clone());
    wait_for(&mut h, "the case page", |a| {
        a.state.case_page.page.is_some()
    });
    assert!(shown(&h, "原编号（导入）"));
    assert!(shown(&h, "XF-001"));
    click_button(&mut h, "设置");
    h.run_steps(2);

    click_button(&mut h, "检查");
    wait_for(&mut h, "the second check", |a| {
        a.state
            .import
            .report
            .as_ref()
            .is_some_and(|r| r.written.is_none())
    });
    let again = h.state().state.import.report.clone().expect("report");
    assert_eq!((again.create, again.unchanged), (0, 3));
    assert!(
        h.get_by_label("导入").accesskit_node().is_disabled(),
        "nothing new to import"
    );
}
