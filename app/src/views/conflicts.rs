//! 冲突: every open conflict with all its values, who wrote each and when; one click keeps
//! a value (the decision is recorded with the reason). Duplicate candidates (issue 8) are
//! not shown here yet: the store has no duplicate detection to back them.

use egui::RichText;

use crate::backend::Command;
use crate::i18n::{Key, tr};
use crate::state::AppState;
use crate::widgets::{self, AMBER};

/// Draws the conflicts view.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.heading(tr(lang, Key::ConflictsHeading));
    ui.horizontal(|ui| {
        widgets::text_field(
            ui,
            tr(lang, Key::ConflictReason),
            &mut state.conflict_reason,
        );
    });
    ui.separator();
    let conflicts = state.conflicts.clone();
    if conflicts.items.is_empty() {
        ui.weak(tr(lang, Key::ConflictsNone));
        return;
    }
    let mut resolve = None;
    let mut open = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (i, c) in conflicts.items.iter().enumerate() {
            ui.push_id(i, |ui| {
                ui.group(|ui| {
                    ui.horizontal(|ui| {
                        widgets::badge(ui, tr(lang, Key::BadgeConflict), AMBER);
                        ui.strong(format!(
                            "{} {} · {} {}",
                            tr(lang, Key::ConflictCase),
                            c.case_number,
                            tr(lang, Key::ConflictField),
                            c.field
                        ));
                        if ui.link(tr(lang, Key::ConflictOpenCase)).clicked() {
                            open = Some(c.case_number.clone());
                        }
                    });
                    egui::Grid::new("values").striped(true).show(ui, |ui| {
                        for key in [
                            Key::ConflictValue,
                            Key::ConflictWho,
                            Key::ConflictDevice,
                            Key::ConflictWhen,
                        ] {
                            ui.label(RichText::new(tr(lang, key)).weak());
                        }
                        ui.end_row();
                        for (n, v) in c.values.iter().enumerate() {
                            ui.label(RichText::new(&v.value).strong());
                            ui.label(&v.person);
                            ui.label(&v.device);
                            ui.label(&v.written_at);
                            let button = ui
                                .button(tr(lang, Key::ConflictChoose))
                                .on_hover_text(&v.value);
                            if button.clicked() {
                                resolve = Some((c.case_id.clone(), c.field.clone(), n + 1));
                            }
                            ui.end_row();
                        }
                    });
                });
            });
        }
    });
    if let Some((case, field, choice)) = resolve {
        let reason = match state.conflict_reason.trim() {
            "" => tr(lang, Key::ConflictDefaultReason).to_owned(),
            r => r.to_owned(),
        };
        state.send(Command::ResolveConflict {
            case,
            field,
            choice,
            reason,
        });
    }
    if let Some(number) = open {
        state.open_case(number);
    }
}
