//! Helpers the UI tests share: acting on the screen as a user would.
// Each test binary uses some of these helpers.
#![allow(dead_code)]

pub mod app;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// Scrolls the button into view and clicks it once it has stopped moving (scrolling is
/// animated; a click during the animation lands on whatever slides under the pointer).
pub fn click_button<S>(h: &mut Harness<'_, S>, label: &str) {
    h.get_by_role_and_label(Role::Button, label).scroll_to_me();
    h.run_steps(2);
    let mut last = h.get_by_role_and_label(Role::Button, label).rect();
    let mut still = 0;
    for _ in 0..240 {
        h.step();
        let now = h.get_by_role_and_label(Role::Button, label).rect();
        still = if now == last { still + 1 } else { 0 };
        if still == 3 {
            break;
        }
        last = now;
    }
    h.get_by_role_and_label(Role::Button, label).click();
    h.run_steps(2);
}

/// Focuses the text field labelled `label` (single or multi-line) and types `text`.
pub fn type_into<S>(h: &mut Harness<'_, S>, label: &str, text: &str) {
    let field = h
        .query_by_role_and_label(Role::TextInput, label)
        .unwrap_or_else(|| h.get_by_role_and_label(Role::MultilineTextInput, label));
    field.focus();
    field.type_text(text);
    h.run_steps(2);
}

/// The real app on `dir`, `size` points wide and tall, with `live_sync` behind its seam.
pub fn app_on(
    dir: &std::path::Path,
    size: egui::Vec2,
    demo_cases: usize,
    live_sync: impl Fn() -> Box<dyn fengqiao_app::sync_seam::LiveSync> + 'static,
) -> Harness<'static, fengqiao_app::FengqiaoApp> {
    app_starting(dir, size, demo_cases, live_sync, false)
}

/// The app as [`app_on`] makes it; `create_demo` makes the demo county on an empty `dir`
/// without asking, as `fengqiao-app` does on its default data directory.
pub fn app_starting(
    dir: &std::path::Path,
    size: egui::Vec2,
    demo_cases: usize,
    live_sync: impl Fn() -> Box<dyn fengqiao_app::sync_seam::LiveSync> + 'static,
    create_demo: bool,
) -> Harness<'static, fengqiao_app::FengqiaoApp> {
    let dir = dir.to_owned();
    Harness::builder()
        .with_size(size)
        .with_context_setup(fengqiao_app::fonts::install)
        .build_eframe(move |cc| {
            fengqiao_app::fonts::install(&cc.egui_ctx);
            fengqiao_app::FengqiaoApp::with_context(
                &cc.egui_ctx,
                fengqiao_app::state::Prefs::default(),
                fengqiao_app::Startup {
                    data_dir: dir.clone(),
                    live_sync: live_sync(),
                    create_demo,
                    demo_cases,
                    screenshots: None,
                },
            )
        })
}

/// Runs frames until `done` holds (the store thread answers between frames).
#[track_caller]
pub fn wait_for(
    h: &mut Harness<'_, fengqiao_app::FengqiaoApp>,
    what: &str,
    done: impl Fn(&fengqiao_app::FengqiaoApp) -> bool,
) {
    let start = std::time::Instant::now();
    loop {
        h.step();
        if done(h.state()) && !h.state().state.busy {
            h.run_steps(2);
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(180),
            "timed out waiting for {what}; status: {:?}",
            h.state().state.status
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
