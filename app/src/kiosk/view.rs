//! The kiosk's screens: large text and touch targets (every button at least
//! [`BUTTON_HEIGHT`] points high), one thing per screen, a way back on each.

use egui::{RichText, Vec2};
use fengqiao_rules::route_info;

use super::state::{Field, KioskState, Screen};
use crate::i18n::Key;
use crate::widgets::RED;

/// The height of every kiosk button, in points (a finger is about 10 mm wide).
pub const BUTTON_HEIGHT: f32 = 72.0;
/// Text sizes on the kiosk.
const TEXT: f32 = 24.0;
const HEADING: f32 = 40.0;

/// The kiosk's text sizes: large enough to read standing in front of the screen.
pub fn style(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        use egui::{FontId, TextStyle};
        style.text_styles = [
            (TextStyle::Heading, FontId::proportional(HEADING)),
            (TextStyle::Body, FontId::proportional(TEXT)),
            (TextStyle::Button, FontId::proportional(TEXT + 4.0)),
            (TextStyle::Small, FontId::proportional(TEXT - 4.0)),
            (TextStyle::Monospace, FontId::monospace(TEXT)),
        ]
        .into();
        style.spacing.item_spacing = Vec2::new(16.0, 14.0);
        style.spacing.button_padding = Vec2::new(20.0, 12.0);
    });
}

/// A big button as wide as the screen's column (the easiest to hit).
fn wide_button(ui: &mut egui::Ui, text: impl Into<RichText>) -> egui::Response {
    let width = ui.available_width();
    big_button(ui, text, width)
}

/// A big button `width` wide.
fn big_button(ui: &mut egui::Ui, text: impl Into<RichText>, width: f32) -> egui::Response {
    ui.add(egui::Button::new(text.into()).min_size(Vec2::new(width, BUTTON_HEIGHT)))
}

/// A big text field with its label as its accessible name.
fn big_field(ui: &mut egui::Ui, label: &str, value: &mut String, multiline: bool) {
    let label = ui.label(RichText::new(label).strong());
    let edit = if multiline {
        egui::TextEdit::multiline(value).desired_rows(3)
    } else {
        egui::TextEdit::singleline(value)
    };
    // The width asked for excludes the margin, which would push the field past the column.
    let margin = Vec2::new(12.0, 18.0);
    ui.add(
        edit.desired_width(ui.available_width() - 2.0 * margin.x)
            .min_size(Vec2::new(0.0, BUTTON_HEIGHT))
            .margin(margin),
    )
    .labelled_by(label.id);
}

/// Draws the current screen.
pub fn ui(ui: &mut egui::Ui, state: &mut KioskState) {
    egui::CentralPanel::default().show(ui, |ui| {
        // Each screen starts at its top, whatever the last one was scrolled to.
        let screen = format!("{:?}", state.screen);
        egui::ScrollArea::vertical().id_salt(screen).show(ui, |ui| {
            ui.add_space(12.0);
            ui.vertical_centered(|ui| ui.heading(RichText::new(state.t(Key::KioskTitle)).strong()));
            ui.add_space(12.0);
            match state.screen.clone() {
                Screen::Start => start(ui, state),
                Screen::Results => results(ui, state),
                Screen::Category(i) => category(ui, state, i),
                Screen::Route(id) => route(ui, state, &id),
                Screen::Register => register(ui, state),
                Screen::Done => done(ui, state),
            }
            ui.add_space(24.0);
            let seconds = state.idle_timeout.as_secs();
            ui.vertical_centered(|ui| ui.weak(state.tf(Key::KioskIdleHint, &[&seconds])));
        });
    });
}

fn start(ui: &mut egui::Ui, state: &mut KioskState) {
    ui.label(state.t(Key::KioskPrompt));
    let label = state.t(Key::KioskSearchLabel);
    big_field(ui, label, &mut state.query, false);
    let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
    if (wide_button(ui, state.t(Key::KioskSearch)).clicked() || enter)
        && !state.query.trim().is_empty()
    {
        state.screen = Screen::Results;
    }
    ui.add_space(12.0);
    ui.label(RichText::new(state.t(Key::KioskCategories)).strong());
    let names: Vec<String> = state
        .list()
        .map(|l| {
            l.categories()
                .iter()
                .map(|(n, _)| (*n).to_owned())
                .collect()
        })
        .unwrap_or_default();
    let columns = 4;
    let spacing = ui.spacing().item_spacing.x;
    let width = (ui.available_width() - spacing * (columns as f32 - 1.0)) / columns as f32;
    egui::Grid::new("kiosk-categories")
        .num_columns(columns)
        .spacing(Vec2::splat(spacing))
        .show(ui, |ui| {
            for (i, name) in names.iter().enumerate() {
                if big_button(ui, name.as_str(), width).clicked() {
                    state.screen = Screen::Category(i);
                }
                if i % columns == columns - 1 {
                    ui.end_row();
                }
            }
        });
    ui.add_space(12.0);
    if wide_button(ui, state.t(Key::KioskRegisterDirect)).clicked() {
        state.chosen = None;
        state.screen = Screen::Register;
    }
}

/// A list of types as big buttons, with the route each goes to.
fn type_buttons(ui: &mut egui::Ui, state: &mut KioskState, types: &[(String, String, String)]) {
    let mut picked = None;
    for (id, name, route) in types {
        let text = RichText::new(format!("{name}　→ {route}"));
        if wide_button(ui, text).clicked() {
            picked = Some(id.clone());
        }
    }
    if let Some(id) = picked {
        state.choose(&id);
    }
}

fn nothing_found(ui: &mut egui::Ui, state: &mut KioskState) {
    ui.label(state.t(Key::KioskNoResults));
    if wide_button(ui, state.t(Key::KioskPreRegister)).clicked() {
        state.chosen = None;
        state.screen = Screen::Register;
    }
}

fn home_button(ui: &mut egui::Ui, state: &mut KioskState) {
    if wide_button(ui, state.t(Key::KioskHome)).clicked() {
        state.reset();
    }
}

fn results(ui: &mut egui::Ui, state: &mut KioskState) {
    let query = state.query.trim().to_owned();
    ui.label(RichText::new(state.tf(Key::KioskResultsFor, &[&query])).strong());
    let types: Vec<(String, String, String)> = state
        .list()
        .map(|l| {
            l.search(&query)
                .into_iter()
                .take(8)
                .map(|h| {
                    let e = h.entry;
                    (e.id.clone(), e.name.clone(), e.route.zh().to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    if types.is_empty() {
        nothing_found(ui, state);
    } else {
        type_buttons(ui, state, &types);
    }
    home_button(ui, state);
}

fn category(ui: &mut egui::Ui, state: &mut KioskState, index: usize) {
    let Some((name, types)) = state.list().and_then(|l| {
        l.categories().get(index).map(|(name, types)| {
            let types: Vec<(String, String, String)> = types
                .iter()
                .map(|t| (t.id.clone(), t.name.clone(), t.route.zh().to_owned()))
                .collect();
            ((*name).to_owned(), types)
        })
    }) else {
        state.reset();
        return;
    };
    ui.label(RichText::new(name).strong());
    type_buttons(ui, state, &types);
    home_button(ui, state);
}

fn route(ui: &mut egui::Ui, state: &mut KioskState, id: &str) {
    let Some((t, materials)) = state.list().and_then(|l| {
        l.get(id).map(|t| {
            let materials: Vec<String> = l.materials(id).into_iter().map(str::to_owned).collect();
            (t.clone(), materials)
        })
    }) else {
        state.reset();
        return;
    };
    let info = route_info(t.route);
    ui.label(RichText::new(&t.name).size(HEADING - 8.0).strong());
    egui::Grid::new("kiosk-route")
        .num_columns(2)
        .spacing(Vec2::new(24.0, 14.0))
        .show(ui, |ui| {
            ui.label(RichText::new(state.t(Key::KioskRoute)).strong());
            ui.add(egui::Label::new(format!("{}：{}", t.route.zh(), info.meaning)).wrap());
            ui.end_row();
            ui.label(RichText::new(state.t(Key::KioskBody)).strong());
            ui.add(egui::Label::new(&t.body).wrap());
            ui.end_row();
            ui.label(RichText::new(state.t(Key::KioskLaw)).strong());
            ui.add(egui::Label::new(format!("{}；{}", t.law, info.legal_basis)).wrap());
            ui.end_row();
        });
    ui.add_space(8.0);
    ui.label(RichText::new(state.t(Key::KioskBring)).strong());
    for (i, m) in materials.iter().enumerate() {
        ui.add(egui::Label::new(format!("{}. {m}", i + 1)).wrap());
    }
    ui.add_space(8.0);
    if wide_button(ui, RichText::new(state.t(Key::KioskPreRegister)).strong()).clicked() {
        state.screen = Screen::Register;
    }
    let back = if state.query.trim().is_empty() {
        None
    } else {
        Some(Screen::Results)
    };
    if let Some(back) = back
        && wide_button(ui, state.t(Key::KioskBack)).clicked()
    {
        state.screen = back;
    }
    home_button(ui, state);
}

fn register(ui: &mut egui::Ui, state: &mut KioskState) {
    ui.label(
        RichText::new(state.t(Key::KioskPreRegister))
            .size(HEADING - 8.0)
            .strong(),
    );
    if state.accepting == Some(false) {
        ui.colored_label(RED, state.t(Key::KioskUnavailable));
        home_button(ui, state);
        return;
    }
    ui.label(state.t(Key::KioskRegisterBody));
    if let Some((name, route)) = state.chosen_type() {
        ui.label(state.tf(Key::KioskChosenType, &[&name, &route.zh()]));
    }
    let lang = state.lang;
    let t = |k| crate::i18n::tr(lang, k);
    for (field, key, multiline) in [
        (Field::Name, Key::KioskName, false),
        (Field::Phone, Key::KioskPhone, false),
        (Field::Description, Key::KioskDescription, true),
    ] {
        let value = match field {
            Field::Name => &mut state.form.name,
            Field::Phone => &mut state.form.phone,
            Field::Description => &mut state.form.description,
        };
        big_field(ui, t(key), value, multiline);
        for m in state.errors_for(field) {
            ui.colored_label(RED, format!("× {m}"));
        }
    }
    if let Some(why) = &state.failure {
        ui.colored_label(RED, state.tf(Key::KioskFailed, &[why]));
    }
    ui.add_space(8.0);
    if state.sending {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(state.t(Key::KioskSending));
        });
    } else if wide_button(ui, RichText::new(state.t(Key::KioskSubmit)).strong()).clicked() {
        state.submit();
    }
    if let Some(id) = state.chosen.clone()
        && wide_button(ui, state.t(Key::KioskBack)).clicked()
    {
        state.screen = Screen::Route(id);
    }
    home_button(ui, state);
}

fn done(ui: &mut egui::Ui, state: &mut KioskState) {
    ui.vertical_centered(|ui| {
        ui.label(
            RichText::new(state.t(Key::KioskDone))
                .size(HEADING)
                .strong(),
        );
        ui.label(state.t(Key::KioskDoneBody));
    });
    home_button(ui, state);
}
