//! Frame CPU time of the 信访事项 view on 10,000 cases: one `egui::Context::run_ui` of the
//! whole window (navigation, filters, table) fed from the view model, the store out of the
//! loop. Three cases: an idle frame, a frame that scrolls the table, and a frame in which the
//! search text changes (the filter runs over all 10,000 rows).
//!
//! `cargo bench -p fengqiao-app --bench frame`. Goal: ≤ 4 ms per frame.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use egui::{Event, MouseWheelUnit, Pos2, RawInput, Rect, TouchPhase, vec2};
use fengqiao_app::backend::Update;
use fengqiao_app::state::{AppState, Prefs, View};
use fengqiao_app::vm::Welcome;
use fengqiao_app::{fixtures, fonts, views};

const CASES: usize = 10_000;

fn state() -> AppState {
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
    let (rows, clocks) = fixtures::cases(CASES, today);
    let prefs = Prefs {
        view: View::Cases,
        ..Prefs::default()
    };
    let mut state = AppState::new(prefs, today, Path::new("/tmp"));
    state.apply(Update::Opened(Box::new(Welcome {
        data_dir: "/tmp/fengqiao".into(),
        device_name: "县信访局演示机".into(),
        device_code: "DEMO".into(),
        device_id: "bench".into(),
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

fn input(time: f64, events: Vec<Event>) -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(1280.0, 800.0))),
        time: Some(time),
        events,
        ..RawInput::default()
    }
}

fn wheel(dy: f32) -> Vec<Event> {
    vec![
        Event::PointerMoved(Pos2::new(700.0, 500.0)),
        Event::MouseWheel {
            unit: MouseWheelUnit::Point,
            delta: vec2(0.0, dy),
            phase: TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        },
    ]
}

/// One frame of the whole window; returns the number of shapes it produced.
fn frame(ctx: &egui::Context, state: &mut AppState, input: RawInput) -> usize {
    let mut output = ctx.run_ui(input, |ui| views::frame(ui, state));
    // A renderer would upload these; the benchmark measures the UI's CPU time only.
    output.textures_delta.clear();
    output.shapes.len()
}

fn frames(c: &mut Criterion) {
    let ctx = egui::Context::default();
    fonts::install(&ctx);
    let mut state = state();
    let mut time = 0.0;
    // Warm up: fonts load and glyphs are cached before anything is timed.
    for _ in 0..10 {
        time += 1.0 / 60.0;
        frame(&ctx, &mut state, input(time, Vec::new()));
    }
    assert!(state.cases.shown.len() == CASES, "all cases listed");

    let mut group = c.benchmark_group("cases view, 10k cases");
    group.bench_function("idle frame", |b| {
        b.iter(|| {
            time += 1.0 / 60.0;
            black_box(frame(&ctx, &mut state, input(time, Vec::new())))
        })
    });
    let mut step = 0u32;
    group.bench_function("scrolling frame", |b| {
        b.iter(|| {
            time += 1.0 / 60.0;
            step += 1;
            // Down 200 points a frame for a while, then back up: always new rows.
            let dy = if (step / 200).is_multiple_of(2) {
                -200.0
            } else {
                200.0
            };
            black_box(frame(&ctx, &mut state, input(time, wheel(dy))))
        })
    });
    let mut typed = 0u32;
    group.bench_function("typing a filter frame", |b| {
        b.iter(|| {
            time += 1.0 / 60.0;
            typed += 1;
            // Each frame the search text changes, so the filter runs over every row.
            state.cases.filter.text = if typed.is_multiple_of(2) {
                "张".into()
            } else {
                "港口".into()
            };
            black_box(frame(&ctx, &mut state, input(time, Vec::new())))
        })
    });
    group.finish();
    state.cases.filter.text.clear();
}

criterion_group!(benches, frames);
criterion_main!(benches);
