//! The app's first start (issue 24): from an empty data directory to the demo county's 今日
//! view, as `fengqiao-app` does it — the store thread builds the demo county
//! (`DEMO_CASES` cases, the roster, the desk, bookings) while the window shows its
//! progress, then opens it and sends the views. A bench binary: each run a fresh
//! directory, wall-clock time; a frame of the whole window is drawn every 16 ms, as the
//! real window would, and the run ends at the first frame that draws 今日 with its clocks.
//!
//! `cargo bench -p fengqiao-app --profile dev --bench first_start` (`-- --runs N`, default
//! 3): the dev profile builds dependencies at opt-level 2, as `edit_loop` does.
//! Goal (issue 24): within 5 s on the 2-core machine.

use std::time::{Duration, Instant};

use egui::{Pos2, RawInput, Rect, vec2};
use fengqiao_app::state::{Phase, Prefs, View};
use fengqiao_app::sync_seam::NoLiveSync;
use fengqiao_app::{FengqiaoApp, Startup, backend, fonts, views};

fn main() {
    let runs = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(3usize);
    let mut times = Vec::new();
    for run in 0..runs {
        let dir = tempfile::tempdir().expect("tmp");
        let ctx = egui::Context::default();
        fonts::install(&ctx);
        let started = Instant::now();
        let mut app = FengqiaoApp::with_context(
            &ctx,
            Prefs {
                view: View::Today,
                ..Prefs::default()
            },
            Startup {
                data_dir: dir.path().to_owned(),
                live_sync: Box::new(NoLiveSync),
                demo_cases: backend::DEMO_CASES,
                create_demo: true,
                screenshots: None,
            },
        );
        let mut frames = 0u32;
        let mut progress_frames = 0u32;
        let mut opened_at = None;
        loop {
            app.pump();
            app.state.prepare();
            let input = RawInput {
                screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(1280.0, 800.0))),
                time: Some(started.elapsed().as_secs_f64()),
                ..RawInput::default()
            };
            let mut output = ctx.run_ui(input, |ui| views::frame(ui, &mut app.state));
            // A renderer would upload these; the benchmark measures the app, not a GPU.
            output.textures_delta.clear();
            frames += 1;
            if app.state.phase == Phase::CreatingDemo && app.state.demo_progress.is_some() {
                progress_frames += 1;
            }
            if app.state.phase == Phase::Open && opened_at.is_none() {
                opened_at = Some(started.elapsed());
            }
            // 今日 is drawn with the county's clocks: overdue and due-soon lists filled.
            let today_ready = app.state.phase == Phase::Open
                && !app.state.cases.rows.is_empty()
                && !(app.state.clocks.overdue.is_empty() && app.state.clocks.due_soon.is_empty());
            drop(output);
            if today_ready {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "the first start did not finish"
            );
            std::thread::sleep(Duration::from_millis(16));
        }
        let took = started.elapsed();
        eprintln!(
            "run {}: 今日 shown after {took:.2?} (store open after {:.2?}); {frames} frames, {progress_frames} with progress",
            run + 1,
            opened_at.unwrap_or_default()
        );
        times.push(took);
        // The store thread ends when the app (its command sender) is dropped.
        drop(app);
        std::thread::sleep(Duration::from_millis(200));
    }
    times.sort();
    println!(
        "first start to 今日 ({} demo cases): median {:.2?}, min {:.2?}, max {:.2?} ({} runs)",
        backend::DEMO_CASES,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        runs
    );
}
