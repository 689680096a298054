//! 冲突与重复: every open conflict with all its values, who wrote each and when; one click
//! keeps a value (the decision is recorded with the reason). Then duplicate candidates side
//! by side (合并 keeping either case, or 不是重复; both need a reason) and lifecycle
//! contradictions with their options.

use egui::RichText;

use crate::backend::Command;
use crate::i18n::{Key, tr, trf};
use crate::state::AppState;
use crate::vm::conflicts::CaseBrief;
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
    let mut resolve = None;
    let mut open = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        if conflicts.items.is_empty() {
            ui.weak(tr(lang, Key::ConflictsNone));
        }
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
        ui.add_space(10.0);
        duplicates(ui, state, &conflicts);
        ui.add_space(10.0);
        contradictions(ui, state, &conflicts);
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

fn case_column(ui: &mut egui::Ui, c: &CaseBrief) {
    ui.vertical(|ui| {
        ui.strong(&c.number);
        ui.label(format!("{} · {} {}", c.received_on, c.township, c.village));
        ui.label(&c.petitioner);
        ui.add(egui::Label::new(&c.request).wrap());
    });
}

fn duplicates(ui: &mut egui::Ui, state: &mut AppState, all: &crate::vm::conflicts::Conflicts) {
    let lang = state.lang();
    ui.label(RichText::new(tr(lang, Key::DupHeading)).strong());
    if all.duplicates.is_empty() {
        ui.weak(tr(lang, Key::DupNone));
        return;
    }
    ui.horizontal(|ui| {
        widgets::text_field(ui, tr(lang, Key::DupReason), &mut state.dup_reason);
    });
    let reason = state.dup_reason.trim().to_owned();
    let mut command = None;
    for (i, pair) in all.duplicates.iter().enumerate() {
        ui.push_id(("dup", i), |ui| {
            ui.group(|ui| {
                ui.horizontal(|ui| {
                    ui.strong(trf(lang, Key::DupScore, &[&format!("{:.2}", pair.score)]));
                    if !pair.same_case {
                        ui.weak(tr(lang, Key::DupSamePetitioner));
                    }
                    ui.weak(&pair.evidence);
                });
                ui.columns(2, |cols| {
                    case_column(&mut cols[0], &pair.a);
                    case_column(&mut cols[1], &pair.b);
                });
                ui.horizontal_wrapped(|ui| {
                    let ok = !reason.is_empty();
                    if pair.same_case {
                        for (keep, gone) in [(&pair.a, &pair.b), (&pair.b, &pair.a)] {
                            let button = ui
                                .add_enabled(
                                    ok,
                                    egui::Button::new(trf(
                                        lang,
                                        Key::DupMergeInto,
                                        &[&keep.number],
                                    )),
                                )
                                .on_disabled_hover_text(tr(lang, Key::DupReasonRequired));
                            if button.clicked() {
                                command = Some(Command::MergeCases {
                                    survivor: keep.number.clone(),
                                    absorbed: gone.number.clone(),
                                    reason: reason.clone(),
                                });
                            }
                        }
                    }
                    let button = ui
                        .add_enabled(ok, egui::Button::new(tr(lang, Key::DupNotDuplicate)))
                        .on_disabled_hover_text(tr(lang, Key::DupReasonRequired));
                    if button.clicked() {
                        command = Some(Command::DismissDuplicate {
                            a: pair.a.number.clone(),
                            b: pair.b.number.clone(),
                            reason: reason.clone(),
                        });
                    }
                });
            });
        });
    }
    if let Some(c) = command {
        state.send(c);
    }
}

fn contradictions(ui: &mut egui::Ui, state: &mut AppState, all: &crate::vm::conflicts::Conflicts) {
    let lang = state.lang();
    ui.label(RichText::new(tr(lang, Key::ContraHeading)).strong());
    if all.contradictions.is_empty() {
        ui.weak(tr(lang, Key::ContraNone));
        return;
    }
    let mut command = None;
    for (i, c) in all.contradictions.iter().enumerate() {
        ui.push_id(("contra", i), |ui| {
            ui.group(|ui| {
                ui.strong(format!("{} · {}", c.case_number, c.kind));
                for item in &c.items {
                    ui.label(item);
                }
                ui.horizontal_wrapped(|ui| {
                    for (n, option) in c.options.iter().enumerate() {
                        let button = ui.button(format!("{} {option}", tr(lang, Key::ContraChoose)));
                        if button.clicked() {
                            let reason = match state.conflict_reason.trim() {
                                "" => tr(lang, Key::ConflictDefaultReason).to_owned(),
                                r => r.to_owned(),
                            };
                            command = Some(Command::ResolveContradiction {
                                case: c.case_id.clone(),
                                key: c.key.clone(),
                                choice: n + 1,
                                reason,
                            });
                        }
                    }
                });
            });
        });
    }
    if let Some(c) = command {
        state.send(c);
    }
}
