//! 接待队列: what visitors left at the 导访 kiosk and petitioners on the online form,
//! newest first. 登记 opens the registration form filled in from the item; registering the
//! case records the pickup, so the item shows as picked up here and on every laptop.

use egui::RichText;
use egui_extras::{Column, TableBuilder};
use fengqiao_model::IntakeSource;

use crate::i18n::Key;
use crate::state::{AppState, RegisterForm, View};
use crate::widgets;

/// Draws the queue.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading(state.t(Key::IntakeHeading));
    let waiting = state.intake.iter().filter(|e| e.pickup.is_none()).count();
    ui.label(state.tf(Key::IntakeCounts, &[&waiting, &state.intake.len()]));
    ui.separator();
    if state.intake.is_empty() {
        ui.weak(state.t(Key::IntakeNone));
        return;
    }
    let may_register = state.welcome.as_ref().is_none_or(|w| w.may_write_cases);
    let entries = state.intake.clone();
    let guide = state.guide.latest().cloned();
    let mut register = None;
    let text_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    TableBuilder::new(ui)
        .striped(true)
        .column(Column::auto().at_least(64.0))
        .column(Column::auto().at_least(120.0))
        .column(Column::auto().at_least(80.0))
        .column(Column::auto().at_least(110.0))
        .column(Column::remainder().at_least(200.0).clip(true))
        // The guide's type names are long (邻里纠纷（通行、采光、排水）): room for one line.
        .column(Column::auto().at_least(280.0))
        .column(Column::auto().at_least(110.0))
        .header(text_height, |mut row| {
            for key in [
                Key::IntakeSource,
                Key::IntakeReceived,
                Key::IntakeName,
                Key::IntakePhone,
                Key::IntakeDescription,
                Key::IntakeGuideType,
                Key::IntakeState,
            ] {
                row.col(|ui| {
                    ui.strong(state.t(key));
                });
            }
        })
        .body(|body| {
            body.rows(text_height + 8.0, entries.len(), |mut row| {
                let entry = &entries[row.index()];
                let item = &entry.item;
                row.col(|ui| {
                    let color = match item.source {
                        IntakeSource::Kiosk => widgets::GREEN,
                        IntakeSource::Online => widgets::AMBER,
                    };
                    widgets::badge(ui, item.source.zh(), color);
                });
                row.col(|ui| {
                    ui.label(item.received_at.format("%m-%d %H:%M").to_string());
                });
                row.col(|ui| {
                    ui.label(&item.name);
                });
                row.col(|ui| {
                    ui.label(&item.phone);
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&item.description).truncate());
                });
                row.col(|ui| {
                    let name = item.guide_type.as_deref().map(|id| {
                        guide
                            .as_ref()
                            .and_then(|g| g.get(id))
                            .map_or_else(|| id.to_owned(), |t| t.name.clone())
                    });
                    match (name, item.route) {
                        (Some(name), Some(route)) => ui.label(format!("{name}（{}）", route.zh())),
                        (Some(name), None) => ui.label(name),
                        (None, Some(route)) => ui.label(route.zh()),
                        (None, None) => ui.weak("—"),
                    };
                });
                row.col(|ui| match &entry.pickup {
                    Some(p) => {
                        ui.label(
                            RichText::new(state.tf(Key::IntakePickedUp, &[&p.by]))
                                .color(widgets::GREEN),
                        );
                    }
                    None => {
                        if may_register
                            && ui
                                .push_id(item.id.to_string(), |ui| {
                                    ui.button(state.t(Key::IntakeRegister))
                                })
                                .inner
                                .clicked()
                        {
                            register = Some(entry.clone());
                        }
                    }
                });
            });
        });
    if let Some(entry) = register {
        state.register = RegisterForm::from_intake(&entry, state.today, &state.guide);
        state.prefs.view = View::Register;
    }
}
