//! The eframe app: the state, the store thread's channels, and the frame.

use crate::backend::{Backend, Command};
use crate::i18n::Key;
use crate::state::{AppState, Phase, Prefs};
use crate::sync_seam::LiveSync;
use crate::views;

/// The eframe storage key of [`Prefs`].
pub const PREFS_KEY: &str = "fengqiao-prefs";

/// The desktop app.
pub struct FengqiaoApp {
    pub state: AppState,
    backend: Backend,
    /// Save a screenshot of every view to this directory, then quit (`--screenshots DIR`).
    screenshots: Option<crate::screenshots::Tour>,
}

/// How the app starts.
pub struct Startup {
    pub data_dir: std::path::PathBuf,
    pub live_sync: Box<dyn LiveSync>,
    /// Create the demo county without asking when the directory is empty.
    pub create_demo: bool,
    /// How many cases the demo county gets ([`crate::backend::DEMO_CASES`] in the app).
    pub demo_cases: usize,
    pub screenshots: Option<std::path::PathBuf>,
}

impl FengqiaoApp {
    /// Starts the store thread and builds the state; installs the bundled font.
    pub fn new(cc: &eframe::CreationContext<'_>, startup: Startup) -> FengqiaoApp {
        let ctx = cc.egui_ctx.clone();
        crate::fonts::install(&ctx);
        let prefs: Prefs = cc
            .storage
            .and_then(|s| eframe::get_value(s, PREFS_KEY))
            .unwrap_or_default();
        Self::with_context(&ctx, prefs, startup)
    }

    /// The same, from a bare context (tests).
    pub fn with_context(ctx: &egui::Context, prefs: Prefs, startup: Startup) -> FengqiaoApp {
        apply_theme(ctx, prefs.dark);
        let repaint_ctx = ctx.clone();
        let mut backend = Backend::spawn(
            startup.data_dir,
            startup.demo_cases,
            startup.live_sync,
            move || {
                repaint_ctx.request_repaint();
            },
        );
        let home = directories::UserDirs::new()
            .map(|d| d.home_dir().to_owned())
            .unwrap_or_else(std::env::temp_dir);
        let today = fengqiao_store::now_cst().date_naive();
        let mut state = AppState::new(prefs, today, &home);
        if startup.create_demo {
            backend.send(Command::CreateDemoCounty);
            state.phase = Phase::CreatingDemo;
        }
        FengqiaoApp {
            state,
            backend,
            screenshots: startup.screenshots.map(crate::screenshots::Tour::new),
        }
    }

    /// Takes in the store thread's updates (also used by tests between frames).
    pub fn pump(&mut self) {
        for update in self.backend.drain() {
            self.state.apply(update);
        }
    }

    /// Sends the commands the views queued.
    fn flush(&mut self) {
        for command in self.state.take_outbox() {
            match (&command, &self.state.phase) {
                (Command::CreateDemoCounty, _) => self.state.phase = Phase::CreatingDemo,
                (Command::JoinCounty(_), Phase::Empty { data_dir }) => {
                    self.state.phase = Phase::Joining {
                        data_dir: data_dir.clone(),
                    };
                }
                _ => {}
            }
            self.backend.send(command);
        }
    }
}

/// Light or dark visuals.
pub fn apply_theme(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
}

impl eframe::App for FengqiaoApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.pump();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.pump();
        if self.backend.disconnected && self.state.status.is_none() {
            self.state.status = Some(crate::state::StatusLine {
                text: self.state.t(Key::StoreGone).to_owned(),
                is_error: true,
            });
        }
        let dark_before = self.state.prefs.dark;
        views::frame(ui, &mut self.state);
        if self.state.prefs.dark != dark_before {
            apply_theme(ui.ctx(), self.state.prefs.dark);
        }
        if let Some(tour) = &mut self.screenshots {
            tour.step(ui.ctx(), &mut self.state);
        }
        self.flush();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PREFS_KEY, &self.state.prefs);
    }
}
