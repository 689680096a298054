//! `fengqiao-app --screenshots DIR [--lang zh|en] [--size WxH]`: on a fresh data directory
//! it shoots the first start while the demo county is being made, then, once the data is
//! loaded, every view and a case page, saving the window as `DIR/<nn>-<view>.png` with
//! egui's own screenshot, then quits. Used by `app/scripts/screenshots.sh` (under Xvfb, in
//! both languages and at two screen sizes) to make the README's pictures.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::state::{AppState, Phase, View};

/// Frames to let a view settle (layout, fonts, scroll areas) before it is shot.
const SETTLE_FRAMES: u32 = 8;

/// What the tour shoots, in order: every view, with a case page after the case list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shot {
    View(View),
    CasePage,
}

const SHOTS: [Shot; 11] = [
    Shot::View(View::Today),
    Shot::View(View::Cases),
    Shot::CasePage,
    Shot::View(View::Register),
    Shot::View(View::Intake),
    Shot::View(View::Visits),
    Shot::View(View::Roster),
    Shot::View(View::Sync),
    Shot::View(View::Conflicts),
    Shot::View(View::Reports),
    Shot::View(View::Settings),
];

/// The screenshot tour's progress.
pub struct Tour {
    dir: PathBuf,
    /// Index into [`SHOTS`] of the shot being taken.
    next: usize,
    frames_on_view: u32,
    /// Screenshots requested whose callback has not run yet.
    pending: Arc<AtomicUsize>,
    requested: bool,
    /// Whether the first start (the demo county being made) has been shot.
    first_start_shot: bool,
}

impl Tour {
    /// A tour that saves into `dir`.
    pub fn new(dir: PathBuf) -> Tour {
        Tour {
            dir,
            next: 0,
            frames_on_view: 0,
            pending: Arc::new(AtomicUsize::new(0)),
            requested: false,
            first_start_shot: false,
        }
    }

    fn shoot(&mut self, ctx: &egui::Context, name: &str) {
        let path = self.dir.join(format!("{name}.png"));
        let pending = Arc::clone(&self.pending);
        pending.fetch_add(1, Ordering::SeqCst);
        let repaint = ctx.clone();
        ctx.request_screenshot(move |image| {
            save_png(&path, &image);
            pending.fetch_sub(1, Ordering::SeqCst);
            repaint.request_repaint();
        });
    }

    /// Called once per frame after the views are drawn.
    pub fn step(&mut self, ctx: &egui::Context, state: &mut AppState) {
        ctx.request_repaint();
        // The first start, a third of the way through the cases.
        if !self.first_start_shot
            && state.phase == Phase::CreatingDemo
            && matches!(
                state.demo_progress,
                Some(Some(fengqiao_store::demo::DemoStep::Cases { written, of })) if written * 3 >= of
            )
        {
            self.first_start_shot = true;
            self.shoot(ctx, "00-first-start");
        }
        let ready = state.phase == Phase::Open
            && state.cases.loaded
            && state.clocks.today.is_some()
            && !state.busy;
        if !ready {
            return;
        }
        let Some(shot) = SHOTS.get(self.next).copied() else {
            if self.pending.load(Ordering::SeqCst) == 0 {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            return;
        };
        if !self.arrange(state, shot) {
            self.frames_on_view = 0;
            self.requested = false;
            return;
        }
        self.frames_on_view += 1;
        if self.frames_on_view < SETTLE_FRAMES || self.requested {
            if self.requested && self.frames_on_view > SETTLE_FRAMES + 2 {
                self.next += 1;
            }
            return;
        }
        self.shoot(ctx, &format!("{:02}-{}", self.next + 1, file_name(shot)));
        self.requested = true;
    }

    /// Puts the window in the state `shot` shows; whether it is there already.
    fn arrange(&self, state: &mut AppState, shot: Shot) -> bool {
        match shot {
            Shot::View(view) => {
                let there = state.prefs.view == view
                    && (view != View::Cases || state.case_page.open.is_none());
                if !there {
                    state.prefs.view = view;
                    // The list, not a case page left open.
                    state.case_page.open = None;
                    // A visit done, open beside the list, as a clerk would look at it.
                    if view == View::Visits && state.visits.editing.is_none() {
                        let done = state
                            .visits
                            .visits
                            .iter()
                            .rev()
                            .find(|v| !v.outcome.is_empty());
                        if let Some(v) = done.cloned() {
                            state.visits.staff_text = v.staff.join("、");
                            state.visits.editing = Some(v);
                        }
                    }
                }
                there
            }
            // The longest-waiting overdue case: its clocks say the most.
            Shot::CasePage => {
                let wanted = state
                    .clocks
                    .overdue
                    .first()
                    .and_then(|id| state.cases.by_id.get(id))
                    .map(|i| state.cases.rows[*i].number.clone());
                let Some(number) = wanted else {
                    return true;
                };
                if state.case_page.open.as_deref() != Some(number.as_str()) {
                    state.open_case(number);
                    return false;
                }
                state.case_page.page.is_some()
            }
        }
    }
}

fn file_name(shot: Shot) -> &'static str {
    match shot {
        Shot::CasePage => "case",
        Shot::View(view) => match view {
            View::Today => "today",
            View::Cases => "cases",
            View::Register => "register",
            View::Intake => "intake",
            View::Visits => "visits",
            View::Roster => "roster",
            View::Sync => "sync",
            View::Conflicts => "conflicts",
            View::Reports => "reports",
            View::Settings => "settings",
        },
    }
}

/// Writes an egui image as an RGB PNG (the window is opaque); logs instead of failing
/// (the tour goes on).
pub fn save_png(path: &std::path::Path, image: &egui::ColorImage) {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| {
            let [r, g, b, _] = c.to_array();
            [r, g, b]
        })
        .collect();
    let (Ok(w), Ok(h)) = (u32::try_from(w), u32::try_from(h)) else {
        tracing::error!("screenshot too large: {w}×{h}");
        return;
    };
    match image::save_buffer(path, &bytes, w, h, image::ExtendedColorType::Rgb8) {
        Ok(()) => tracing::info!("saved {}", path.display()),
        Err(e) => tracing::error!("cannot save {}: {e}", path.display()),
    }
}
