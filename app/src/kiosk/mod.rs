//! 导访 kiosk mode (`fengqiao-app --kiosk`): a full-screen touch screen in the reception
//! hall. A visitor searches the classification guide (words, a sentence, pinyin initials,
//! or a big category button), sees the route, the competent body, the law and what to
//! bring, and may leave a pre-registration (name, phone, a short description) in the
//! county's intake queue for the reception clerk. After [`state::DEFAULT_IDLE_TIMEOUT`]
//! without input it returns to the start and clears everything.
//!
//! No case data, by construction: [`KioskApp`] holds a [`KioskState`] (the guide, which is
//! public, and what the visitor typed) and a [`desk::IntakeDesk`], whose only operation is
//! "add this pre-registration". It never holds a store or the main app's backend.

pub mod clock;
pub mod desk;
pub mod state;
pub mod view;

use std::time::Duration;

use clock::Clock;
use desk::IntakeDesk;
pub use state::KioskState;

/// The kiosk app.
pub struct KioskApp {
    pub state: KioskState,
    desk: Box<dyn IntakeDesk>,
    tour: Option<Tour>,
}

/// How the kiosk starts.
pub struct KioskStartup {
    pub desk: Box<dyn IntakeDesk>,
    pub clock: Box<dyn Clock>,
    pub idle_timeout: Duration,
    /// Save a screenshot of each screen to this directory, then quit.
    pub screenshots: Option<std::path::PathBuf>,
}

impl KioskApp {
    /// The kiosk on `ctx`: large text, light theme, the start screen.
    pub fn with_context(ctx: &egui::Context, startup: KioskStartup) -> KioskApp {
        crate::app::apply_theme(ctx, false);
        view::style(ctx);
        let today = fengqiao_store::now_cst().date_naive();
        KioskApp {
            state: KioskState::new(today, startup.clock, startup.idle_timeout),
            desk: startup.desk,
            tour: startup.screenshots.map(Tour::new),
        }
    }

    fn pump(&mut self) {
        for reply in self.desk.replies() {
            self.state.apply(reply);
        }
    }
}

/// Whether this frame's input is the visitor doing something.
fn visitor_active(ctx: &egui::Context) -> bool {
    ctx.input(|i| {
        i.events.iter().any(|e| {
            matches!(
                e,
                egui::Event::Key { .. }
                    | egui::Event::Text(_)
                    | egui::Event::Paste(_)
                    | egui::Event::PointerButton { .. }
                    | egui::Event::PointerMoved(_)
                    | egui::Event::MouseWheel { .. }
                    | egui::Event::Touch { .. }
                    | egui::Event::Ime(_)
            )
        })
    })
}

impl eframe::App for KioskApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.pump();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.pump();
        let ctx = ui.ctx().clone();
        if visitor_active(&ctx) {
            self.state.touched();
        }
        let remaining = self.state.tick();
        view::ui(ui, &mut self.state);
        for item in self.state.take_outbox() {
            self.desk.submit(item);
        }
        if let Some(tour) = &mut self.tour {
            tour.step(&ctx, &mut self.state);
        }
        // Wake up when the idle timeout is due, even if nobody touches the screen.
        ctx.request_repaint_after(remaining);
    }
}

/// `--kiosk --screenshots DIR`: shoots the start, a search, a route and the form.
struct Tour {
    dir: std::path::PathBuf,
    step: usize,
    frames: u32,
    pending: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Tour {
    fn new(dir: std::path::PathBuf) -> Tour {
        Tour {
            dir,
            step: 0,
            frames: 0,
            pending: Default::default(),
        }
    }

    fn step(&mut self, ctx: &egui::Context, state: &mut KioskState) {
        use std::sync::atomic::Ordering;
        ctx.request_repaint();
        const SHOTS: [&str; 4] = ["start", "results", "route", "register"];
        self.frames += 1;
        if self.step >= SHOTS.len() {
            if self.pending.load(Ordering::SeqCst) == 0 {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            return;
        }
        if self.frames == 1 {
            match self.step {
                0 => state.reset(),
                1 => {
                    state.query = "包工头拖欠工资".into();
                    state.screen = state::Screen::Results;
                }
                2 => state.choose("wage-arrears"),
                _ => state.screen = state::Screen::Register,
            }
        }
        if self.frames == 8 {
            let path = self
                .dir
                .join(format!("kiosk-{}-{}.png", self.step + 1, SHOTS[self.step]));
            let pending = std::sync::Arc::clone(&self.pending);
            pending.fetch_add(1, Ordering::SeqCst);
            let repaint = ctx.clone();
            ctx.request_screenshot(move |image| {
                crate::screenshots::save_png(&path, &image);
                pending.fetch_sub(1, Ordering::SeqCst);
                repaint.request_repaint();
            });
        }
        if self.frames >= 12 {
            self.step += 1;
            self.frames = 0;
        }
    }
}
