//! The real app's harness for the UI tests: `FengqiaoApp` on a real data directory with
//! the bundled font installed, and waiting for the store thread the way a user would.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use fengqiao_app::FengqiaoApp;
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::{LiveSync, NoLiveSync};
use fengqiao_store::Store;

pub use super::wait_for;

pub fn harness(dir: &Path) -> Harness<'static, FengqiaoApp> {
    harness_with(dir, || Box::new(NoLiveSync))
}

/// The app with the given live sync (a real `IrohSync` for the enrolment test).
pub fn harness_with(
    dir: &Path,
    live_sync: impl Fn() -> Box<dyn LiveSync> + 'static,
) -> Harness<'static, FengqiaoApp> {
    super::app_on(dir, egui::vec2(1280.0, 860.0), 20, live_sync)
}

/// The app's first start as `fengqiao-app` does it on the default data directory: the demo
/// county (of 20 cases) is made without asking.
pub fn harness_making_the_demo(dir: &Path) -> Harness<'static, FengqiaoApp> {
    super::app_starting(
        dir,
        egui::vec2(1280.0, 860.0),
        20,
        || Box::new(NoLiveSync),
        true,
    )
}

pub fn status(app: &FengqiaoApp) -> String {
    app.state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// Opens the combo box labelled `combo` and clicks `option` in its popup list, as a user
/// would (scrolling the list to the option first).
pub fn choose(h: &mut Harness<'_, FengqiaoApp>, combo: &str, option: &str) {
    h.get_by_role_and_label(Role::ComboBox, combo).click();
    h.run_steps(2);
    h.get_by_role(Role::ListBox)
        .get_by_label(option)
        .scroll_to_me();
    h.run_steps(2);
    h.get_by_role(Role::ListBox).get_by_label(option).click();
    h.run_steps(2);
    assert!(
        h.query_by_role(Role::ListBox).is_none(),
        "the {combo} popup closes after picking {option}"
    );
}

/// At least one label containing `text` is on screen (it may be shown several times).
#[track_caller]
pub fn assert_shown(h: &Harness<'_, FengqiaoApp>, text: &str) {
    assert!(
        h.query_all_by_label_contains(text).next().is_some(),
        "“{text}” is not shown"
    );
}

/// Opens `dir` once the app's store thread has let go of it.
pub fn reopen(dir: &Path) -> Store {
    let start = Instant::now();
    loop {
        match Store::open(dir) {
            Ok(store) => return store,
            Err(e) if start.elapsed() < Duration::from_secs(30) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("the app's store thread never closed the store: {e}"),
        }
    }
}

pub fn opened(h: &mut Harness<'_, FengqiaoApp>) {
    wait_for(h, "the store to open", |a| {
        a.state.phase == Phase::Open && a.state.cases.loaded && a.state.clocks.today.is_some()
    });
}
