//! The views: functions that draw [`AppState`] and queue commands; they never call the
//! store. `frame` lays out the top bar, the navigation and the current view.

pub mod case_page;
pub mod cases;
pub mod conflicts;
pub mod intake;
pub mod papers;
pub mod register;
pub mod reports;
pub mod roster;
pub mod roster_feeds;
pub mod settings;
pub mod sync;
pub mod today;
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

fn navigation(ui: &mut egui::Ui, state: &mut AppState) {
    ui.add_space(6.0);
    for view in View::ALL {
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
        if ui.add(button).clicked() {
            if view == View::Cases && state.prefs.view == View::Cases {
                state.case_page.open = None;
            }
            state.prefs.view = view;
        }
    }
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
        Phase::CreatingDemo => {
            ui.spinner();
            ui.label(state.t(Key::CreatingDemo));
        }
        Phase::Joining { .. } => {
            ui.spinner();
            ui.label(state.t(Key::Joining));
        }
        Phase::Starting | Phase::Open => {
            ui.spinner();
        }
    });
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
