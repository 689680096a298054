//! What a new user sees in the first hour, in the real app (egui_kittest, a real store
//! thread): the demo county being made, with nothing to fill in; on-call duty shown as
//! duty; the register form; the reports' bars each named; and every view a key away.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::app::*;
use common::{click_button, type_into};
use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use fengqiao_app::FengqiaoApp;
use fengqiao_app::state::{Phase, View};
use fengqiao_roster::SlotKind;

fn demo_app(cases: usize) -> (tempfile::TempDir, Harness<'static, FengqiaoApp>) {
    let dir = tempfile::tempdir().expect("tmp");
    fengqiao_app::backend::create_demo_county(dir.path(), cases)
        .expect("demo county")
        .close();
    let mut h = harness(dir.path());
    opened(&mut h);
    (dir, h)
}

#[test]
fn the_first_start_shows_the_demo_county_being_made_and_nothing_to_fill_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_making_the_demo(dir.path());
    let mut steps_seen = BTreeSet::new();
    let start = Instant::now();
    while !(h.state().state.phase == Phase::Open && h.state().state.cases.loaded) {
        h.step();
        // The welcome screen's choices stand in the way while the county is being made.
        assert!(
            h.query_by_role_and_label(Role::MultilineTextInput, "登记码")
                .is_none()
                && h.query_by_role_and_label(Role::Button, "加入").is_none()
                && h.query_by_role_and_label(Role::Button, "创建演示县")
                    .is_none(),
            "the enrolment form is shown while the demo county is made"
        );
        if h.state().state.phase == Phase::CreatingDemo {
            h.get_by_label_contains("正在创建演示县");
            h.get_by_label("请稍候，无需任何操作。");
            // The step under way is marked with an arrow.
            for node in h.query_all_by_label_contains("→ ") {
                steps_seen.insert(node.accesskit_node().label().unwrap_or_default());
            }
        }
        assert!(start.elapsed() < Duration::from_secs(180), "never opened");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!steps_seen.is_empty(), "no progress was shown");
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "今日");
}

#[test]
fn on_call_duty_is_shown_as_duty_not_as_a_reception_from_midnight_to_midnight() {
    let (_dir, mut h) = demo_app(10);
    wait_for(&mut h, "this week's roster", |a| {
        !a.state.roster_week.rows.is_empty()
    });
    let today = h.state().state.today;
    let week = h.state().state.roster_week.clone();
    let duty = week
        .rows
        .iter()
        .find(|r| r.kind == SlotKind::OnCall && r.date <= today && today <= r.through)
        .expect("the demo county has a leader on call this week");
    assert_shown(&h, &format!("本周值班：{}（{}）", duty.leader, duty.title));
    assert!(
        h.query_all_by_label_contains("00:00–23:59")
            .next()
            .is_none()
    );

    // The roster: one band across the week, not a slot on each day.
    click_button(&mut h, "接访排班");
    wait_for(&mut h, "the week's roster", |a| {
        a.state
            .roster
            .rows
            .iter()
            .any(|r| r.kind == SlotKind::OnCall)
    });
    let band = format!(
        "值班 {} 至 {}",
        duty.date.format("%m-%d"),
        duty.through.format("%m-%d")
    );
    assert_eq!(h.query_all_by_label_contains(&band).count(), 1, "{band}");
    assert!(
        h.query_all_by_label_contains("00:00–23:59")
            .next()
            .is_none()
    );
}

#[test]
fn the_register_form_marks_what_is_required_moves_on_with_enter_and_submits_with_ctrl_enter() {
    let (_dir, mut h) = demo_app(10);
    click_button(&mut h, "登记");
    // Channel, date, township, name and request are marked.
    assert_eq!(h.query_all_by_label("*").count(), 5);

    // Ctrl+Enter on the empty form: the model's messages under their fields, in words.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run_steps(2);
    assert!(!h.state().state.register.errors.is_empty());
    assert!(h.query_all_by_label_contains("必填项不能为空").count() >= 3);
    assert!(
        h.query_all_by_label_contains("content.request")
            .next()
            .is_none(),
        "a field's machine name is shown to the clerk"
    );

    // Enter in a one-line field moves to the next one.
    type_into(&mut h, "信访人姓名", "汪堃");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert!(
        h.get_by_role_and_label(Role::TextInput, "联系电话")
            .is_focused()
    );

    choose(&mut h, "乡镇", "港口镇");
    type_into(&mut h, "诉求", "反映邻居建房占用宅基地");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run_steps(2);
    wait_for(&mut h, "the registration", |a| {
        status(a).starts_with("已登记")
    });
}

#[test]
fn every_bar_in_the_reports_has_its_name_and_count_on_its_row() {
    let (_dir, mut h) = demo_app(40);
    click_button(&mut h, "统计");
    h.run_steps(3);
    let reports = h.state().state.reports.clone();
    assert!(reports.clocks_known);
    let rows = reports
        .by_township
        .iter()
        .chain(&reports.by_month)
        .cloned()
        .chain(
            reports
                .by_status
                .iter()
                .map(|(s, n)| (s.zh().to_owned(), *n)),
        );
    for (name, count) in rows {
        let label = h.get_by_label(&name).rect();
        let on_its_row = h
            .query_all_by_label(&count.to_string())
            .any(|n| (n.rect().center().y - label.center().y).abs() < 4.0);
        assert!(on_its_row, "{name}: no count {count} on its row");
    }
}

#[test]
fn every_view_is_a_key_away_ctrl_f_searches_the_cases_and_escape_closes_a_case() {
    let (_dir, mut h) = demo_app(30);
    let keys = [
        Key::Num1,
        Key::Num2,
        Key::Num3,
        Key::Num4,
        Key::Num5,
        Key::Num6,
        Key::Num7,
        Key::Num8,
        Key::Num9,
        Key::Num0,
    ];
    for (view, key) in View::ALL.into_iter().zip(keys).rev() {
        h.key_press_modifiers(Modifiers::COMMAND, key);
        h.run_steps(2);
        assert_eq!(h.state().state.prefs.view, view);
    }

    // Ctrl+F from anywhere: the case list, with the keyboard in its search.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Num7);
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run_steps(2);
    assert_eq!(h.state().state.prefs.view, View::Cases);
    assert!(
        h.get_by_role_and_label(Role::TextInput, "搜索")
            .is_focused()
    );

    // Esc closes a case page (a first Esc leaves a field that has the keyboard).
    let number = {
        let cases = &h.state().state.cases;
        cases.rows[cases.shown[0]].number.clone()
    };
    h.get_by_label(&number).click();
    wait_for(&mut h, "the case page", |a| {
        a.state.case_page.page.is_some()
    });
    for _ in 0..2 {
        if h.state().state.case_page.open.is_some() {
            h.key_press(Key::Escape);
            h.run_steps(2);
        }
    }
    assert!(
        h.state().state.case_page.open.is_none(),
        "Esc left the case open"
    );
    h.get_by_role_and_label(Role::TextInput, "搜索");
}
