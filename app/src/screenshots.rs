//! `fengqiao-app --screenshots DIR`: visits every view once the data is loaded, saves the
//! window as `DIR/<nn>-<view>.png` with egui's own screenshot, then quits. Used by
//! `app/scripts/screenshots.sh` (under Xvfb) to make the README's pictures.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::state::{AppState, Phase, View};

/// Frames to let a view settle (layout, fonts, scroll areas) before it is shot.
const SETTLE_FRAMES: u32 = 8;

/// The screenshot tour's progress.
pub struct Tour {
    dir: PathBuf,
    /// Index into [`View::ALL`] of the view being shot.
    next: usize,
    frames_on_view: u32,
    /// Screenshots requested whose callback has not run yet.
    pending: Arc<AtomicUsize>,
    requested: bool,
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
        }
    }

    /// Called once per frame after the views are drawn.
    pub fn step(&mut self, ctx: &egui::Context, state: &mut AppState) {
        ctx.request_repaint();
        let ready = state.phase == Phase::Open
            && state.cases.loaded
            && state.clocks.today.is_some()
            && !state.busy;
        if !ready {
            return;
        }
        if self.next >= View::ALL.len() {
            if self.pending.load(Ordering::SeqCst) == 0 {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            return;
        }
        let view = View::ALL[self.next];
        if state.prefs.view != view {
            state.prefs.view = view;
            if view == View::Cases {
                // Show the list, not a case page left open.
                state.case_page.open = None;
            }
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
        let path = self
            .dir
            .join(format!("{:02}-{}.png", self.next + 1, file_name(view)));
        let pending = Arc::clone(&self.pending);
        pending.fetch_add(1, Ordering::SeqCst);
        let repaint = ctx.clone();
        ctx.request_screenshot(move |image| {
            save_png(&path, &image);
            pending.fetch_sub(1, Ordering::SeqCst);
            repaint.request_repaint();
        });
        self.requested = true;
    }
}

fn file_name(view: View) -> &'static str {
    match view {
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
    }
}

/// Writes an egui image as PNG; logs instead of failing (the tour goes on).
pub fn save_png(path: &std::path::Path, image: &egui::ColorImage) {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let (Ok(w), Ok(h)) = (u32::try_from(w), u32::try_from(h)) else {
        tracing::error!("screenshot too large: {w}×{h}");
        return;
    };
    match image::save_buffer(path, &bytes, w, h, image::ExtendedColorType::Rgba8) {
        Ok(()) => tracing::info!("saved {}", path.display()),
        Err(e) => tracing::error!("cannot save {}: {e}", path.display()),
    }
}
