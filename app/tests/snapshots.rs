//! Image snapshots of the main views, rendered on the CPU (wgpu on Mesa lavapipe; `.ci/run`
//! installs it). The state is built from fixtures with a fixed date, so the pictures do not
//! change from day to day. Update them with `UPDATE_SNAPSHOTS=1 cargo test -p fengqiao-app
//! --test snapshots` on the CI image and look at the PNGs before committing.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use egui_kittest::{Harness, SnapshotResults};
use fengqiao_app::backend::Update;
use fengqiao_app::state::{AppState, Prefs, View};
use fengqiao_app::vm::Welcome;
use fengqiao_app::{fixtures, fonts, views};

fn state(view: View) -> AppState {
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("a valid date");
    let (rows, clocks) = fixtures::cases(400, today);
    let prefs = Prefs {
        view,
        ..Prefs::default()
    };
    let mut state = AppState::new(prefs, today, Path::new("/home/clerk"));
    state.apply(Update::Opened(Box::new(Welcome {
        data_dir: "/home/clerk/.local/share/fengqiao".into(),
        device_name: "县信访局演示机".into(),
        device_code: "DEMO".into(),
        device_id: "0193a000-0000-7000-8000-000000000001".into(),
        county: "宁国市".into(),
        role: fengqiao_model::Role::Office,
        scope: Vec::new(),
        person: "演示管理员".into(),
        may_write_cases: true,
        may_enrol: true,
    })));
    state.apply(Update::Directory(Arc::new(fixtures::directory())));
    state.apply(Update::Cases(Arc::new(rows)));
    state.apply(Update::Clocks(Arc::new(clocks)));
    state
}

/// Snapshots are made with lavapipe (CPU Vulkan); without it the pictures would differ or
/// not render at all, so say what to install instead of failing obscurely.
fn require_lavapipe() {
    if cfg!(target_os = "linux") {
        let icd = std::env::var("VK_ICD_FILENAMES")
            .unwrap_or_else(|_| "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json".into());
        assert!(
            Path::new(&icd).exists(),
            "snapshot tests render with Mesa lavapipe: apt-get install -y mesa-vulkan-drivers \
             libvulkan1 (or run .ci/run, which installs it); {icd} is missing"
        );
    }
}

fn harness(state: AppState) -> Harness<'static, AppState> {
    require_lavapipe();
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_theme(egui::Theme::Light)
        .with_context_setup(fonts::install)
        .wgpu()
        .build_ui_state(|ui, state: &mut AppState| views::frame(ui, state), state)
}

#[test]
fn main_views() {
    let mut results = SnapshotResults::new();
    for (view, name) in [
        (View::Today, "today"),
        (View::Cases, "cases"),
        (View::Reports, "reports"),
    ] {
        let mut h = harness(state(view));
        h.run_steps(4);
        results.add(h.try_snapshot(name));
    }

    // The register form after 提交登记 on an empty form: every message under its field.
    let mut s = state(View::Register);
    s.register.errors = fengqiao_model::validate::validate_registration(
        &s.register.registration(),
        &fixtures::directory().township_names(),
        s.today,
    )
    .unwrap_err();
    let mut h = harness(s);
    h.run_steps(4);
    results.add(h.try_snapshot("register_errors"));
}
