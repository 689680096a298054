//! The views: functions that draw [`AppState`] and queue commands; they never call the
//! store. `frame` lays out the top bar, the navigation and the current view.

pub mod attachments;
pub mod case_page;
pub mod cases;
pub mod conflicts;
pub mod import;
pub mod intake;
pub mod papers;
pub mod register;
pub mod reports;
pub mod roster;
pub mod roster_feeds;
pub mod settings;
pub mod sync;
pub mod today;
pub mod unlock;
pub mod visits;

use egui::RichText;

use crate::backend::Command;
use crate::i18n::{Key, Lang};
use crate::state::{AppState, Phase, View};
use crate::widgets;

/// Draws the whole window.
pub fn frame(ui: &mut egui::Ui, state: &mut AppState) {
    state.prepare();
    egui::Panel::top("top-bar").show(ui, |ui| top_bar(ui, state));
    if state.phase != Phase::Open {
        egui::CentralPanel::default().show(ui, |ui| first_start(ui, state));
        return;
    }
    shortcuts(ui, state);
    egui::Panel::left("navigation")
        .resizable(false)
        .exact_size(132.0)
        .show(ui, |ui| navigation(ui, state));
    egui::CentralPanel::default().show(ui, |ui| match state.prefs.view {
        View::Today => today::ui(ui, state),
        View::Cases => {
            if state.case_page.open.is_some() {
                case_page::ui(ui, state);
            } else {
                cases::ui(ui, state);
            }
        }
        View::Register => register::ui(ui, state),
        View::Intake => intake::ui(ui, state),
        View::Visits => visits::ui(ui, state),
        View::Roster => roster::ui(ui, state),
        View::Sync => sync::ui(ui, state),
        View::Conflicts => conflicts::ui(ui, state),
        View::Reports => reports::ui(ui, state),
        View::Settings => settings::ui(ui, state),
    });
}

fn top_bar(ui: &mut egui::Ui, state: &mut AppState) {
    ui.horizontal(|ui| {
        ui.heading(state.t(Key::AppTitle));
        if let Some(w) = &state.welcome {
            ui.weak(format!("{} · {}", w.county, w.device_name));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            for lang in Lang::ALL.iter().rev() {
                if ui
                    .selectable_label(state.prefs.lang == *lang, lang.name())
                    .clicked()
                {
                    state.prefs.lang = *lang;
                    state.invalidate_reports();
                }
            }
            if state.busy {
                ui.spinner();
                ui.weak(state.t(Key::Working));
            }
            if let Some(status) = state.status.clone() {
                if ui.small_button(state.t(Key::Dismiss)).clicked() {
                    state.status = None;
                }
                let color = if status.is_error {
                    widgets::RED
                } else {
                    widgets::GREEN
                };
                ui.add(egui::Label::new(RichText::new(status.text).color(color)).truncate());
            }
        });
    });
}

/// The navigation's keys: Ctrl+1…9 and Ctrl+0 for the views in their order.
const VIEW_KEYS: [egui::Key; 10] = [
    egui::Key::Num1,
    egui::Key::Num2,
    egui::Key::Num3,
    egui::Key::Num4,
    egui::Key::Num5,
    egui::Key::Num6,
    egui::Key::Num7,
    egui::Key::Num8,
    egui::Key::Num9,
    egui::Key::Num0,
];

/// Every view is a key away: Ctrl+1…0 opens a view, Ctrl+F searches the cases, Esc closes
/// a case page (once no field has the keyboard and no list is open: Esc first leaves
/// those, as egui does).
fn shortcuts(ui: &mut egui::Ui, state: &mut AppState) {
    use egui::{KeyboardShortcut, Modifiers};
    let pressed = |ui: &mut egui::Ui, key| {
        ui.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, key)))
    };
    for (view, key) in View::ALL.into_iter().zip(VIEW_KEYS) {
        if pressed(ui, key) {
            go_to(state, view);
        }
    }
    if pressed(ui, egui::Key::F) {
        state.prefs.view = View::Cases;
        state.case_page.open = None;
        state.focus_search = true;
    }
    let nothing_holds_escape =
        ui.ctx().memory(|m| m.focused().is_none()) && !egui::Popup::is_any_open(ui.ctx());
    if state.prefs.view == View::Cases
        && state.case_page.open.is_some()
        && nothing_holds_escape
        && ui.input_mut(|i| i.consume_key(Modifiers::NONE, egui::Key::Escape))
    {
        state.case_page.open = None;
    }
}

/// Shows `view`; choosing 信访事项 again from a case page goes back to the list.
fn go_to(state: &mut AppState, view: View) {
    if view == View::Cases && state.prefs.view == View::Cases {
        state.case_page.open = None;
    }
    state.prefs.view = view;
}

/// The shortcut of the `i`th view, as its hint says it.
fn shortcut_text(i: usize) -> String {
    format!("Ctrl+{}", (i + 1) % 10)
}

fn navigation(ui: &mut egui::Ui, state: &mut AppState) {
    ui.add_space(6.0);
    for (i, view) in View::ALL.into_iter().enumerate() {
        let mut text = RichText::new(state.t(view.key())).size(16.0);
        if view == View::Conflicts && !state.conflicts.items.is_empty() {
            text = RichText::new(format!(
                "{} ({})",
                state.t(view.key()),
                state.conflicts.items.len()
            ))
            .size(16.0)
            .color(widgets::AMBER);
        }
        let button = egui::Button::selectable(state.prefs.view == view, text)
            .min_size(egui::vec2(ui.available_width(), 30.0));
        if ui
            .add(button)
            .on_hover_text(state.tf(Key::ShortcutNav, &[&shortcut_text(i)]))
            .clicked()
        {
            go_to(state, view);
        }
    }
    ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
        ui.add_space(4.0);
        // Bottom up: the last line first.
        for line in state.t(Key::ShortcutsHint).split('\n').rev() {
            ui.label(RichText::new(line).small().weak());
        }
    });
}

fn first_start(ui: &mut egui::Ui, state: &mut AppState) {
    ui.add_space(40.0);
    ui.vertical_centered(|ui| match state.phase.clone() {
        Phase::Empty { data_dir } => {
            ui.heading(state.t(Key::FirstStartTitle));
            ui.add_space(12.0);
            ui.label(state.t(Key::FirstStartBody));
            ui.weak(state.tf(Key::DataDirIs, &[&data_dir.display()]));
            ui.add_space(20.0);
            join_form(ui, state);
            ui.add_space(20.0);
            ui.label(state.t(Key::OrDemo));
            if ui.button(state.t(Key::CreateDemo)).clicked() {
                state.send(Command::CreateDemoCounty);
            }
        }
        Phase::Locked { data_dir } => unlock::ui(ui, state, &data_dir),
        Phase::CreatingDemo => creating_demo(ui, state),
        Phase::Joining { .. } => {
            ui.spinner();
            ui.label(state.t(Key::Joining));
        }
        Phase::Starting | Phase::Open => {
            ui.spinner();
        }
    });
}

/// Making the demo county: which step, how far, and that there is nothing to do.
fn creating_demo(ui: &mut egui::Ui, state: &AppState) {
    use fengqiao_store::demo::DemoStep;
    ui.heading(state.t(Key::CreatingDemo));
    ui.add_space(16.0);
    // (the step under way, the share of the work done)
    let (step, fraction) = match state.demo_progress {
        None | Some(Some(DemoStep::Directory)) => (0, 0.02),
        Some(Some(DemoStep::Cases { written, of })) => {
            (1, 0.05 + 0.8 * written as f32 / of.max(1) as f32)
        }
        Some(Some(DemoStep::Roster)) => (2, 0.87),
        Some(Some(DemoStep::Desk)) => (3, 0.93),
        Some(None) => (4, 0.97),
    };
    ui.add(egui::ProgressBar::new(fraction).desired_width(480.0));
    ui.add_space(12.0);
    let cases = match state.demo_progress {
        Some(Some(DemoStep::Cases { written, of })) => {
            state.tf(Key::DemoStepCases, &[&written, &of])
        }
        _ => state.tf(
            Key::DemoStepCases,
            &[&"…", &fengqiao_store::demo::DEMO_CASES],
        ),
    };
    let steps = [
        state.t(Key::DemoStepDirectory).to_owned(),
        cases,
        state.t(Key::DemoStepRoster).to_owned(),
        state.t(Key::DemoStepDesk).to_owned(),
        state.t(Key::DemoStepOpening).to_owned(),
    ];
    // Done, under way, still to come.
    for (i, text) in steps.iter().enumerate() {
        let line = match i.cmp(&step) {
            std::cmp::Ordering::Less => RichText::new(format!("√ {text}")).color(widgets::GREEN),
            std::cmp::Ordering::Equal => RichText::new(format!("→ {text}")).strong(),
            std::cmp::Ordering::Greater => RichText::new(format!("○ {text}")).weak(),
        };
        ui.label(line);
    }
    ui.add_space(12.0);
    ui.weak(state.t(Key::DemoNothingToDo));
}

/// First start on a new laptop: the enrolment ticket from the office, this laptop's name
/// and its user.
fn join_form(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.label(RichText::new(state.t(Key::JoinTitle)).strong().size(16.0));
    ui.add(egui::Label::new(state.t(Key::JoinBody)).wrap());
    ui.add_space(6.0);
    egui::Grid::new("join").num_columns(2).show(ui, |ui| {
        let join = &mut state.devices_ui.join;
        let label = ui.label(crate::i18n::tr(lang, Key::JoinTicket));
        ui.add(
            egui::TextEdit::multiline(&mut join.ticket)
                .desired_rows(3)
                .desired_width(420.0)
                .font(egui::TextStyle::Monospace),
        )
        .labelled_by(label.id);
        ui.end_row();
        let label = ui.label(crate::i18n::tr(lang, Key::JoinDeviceName));
        ui.add(egui::TextEdit::singleline(&mut join.device_name).desired_width(420.0))
            .labelled_by(label.id);
        ui.end_row();
        let label = ui.label(crate::i18n::tr(lang, Key::JoinPerson));
        ui.add(egui::TextEdit::singleline(&mut join.person).desired_width(420.0))
            .labelled_by(label.id);
        ui.end_row();
    });
    let missing = state.devices_ui.join_missing();
    if ui.button(state.t(Key::JoinButton)).clicked() {
        if missing.is_empty() {
            state.status = None;
            let request = state.devices_ui.join.clone();
            state.send(Command::JoinCounty(request));
        } else {
            let names: Vec<&str> = missing.iter().map(|k| state.t(*k)).collect();
            state.status = Some(crate::state::StatusLine {
                text: state.tf(Key::JoinMissing, &[&names.join("、")]),
                is_error: true,
            });
        }
    }
}

/// The name of a directory role.
pub fn role_key(role: fengqiao_model::Role) -> Key {
    use fengqiao_model::Role;
    match role {
        Role::Township => Key::RoleTownship,
        Role::Office => Key::RoleOffice,
        Role::Leader => Key::RoleLeader,
        Role::Server => Key::RoleServer,
        Role::Admin => Key::RoleAdmin,
        Role::ReadOnly => Key::RoleReadOnly,
    }
}
