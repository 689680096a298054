//! 登记: the intake form. Validation runs on 登记 with the model's own rules and puts each
//! message under its field; the classification guide searches as the clerk types (words, a
//! visitor's sentence or pinyin initials) and picking a type sets the route; a group visit
//! lists its representatives; a petitioner already on record is pointed out.

use egui::RichText;
use fengqiao_model::case::MAX_REPRESENTATIVES;
use fengqiao_model::{Channel, Petitioner, Route};

use crate::backend::Command;
use crate::i18n::{Key, tr};
use crate::state::AppState;
use crate::widgets::{self, AMBER};

/// Draws the registration form.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading(state.t(Key::RegisterHeading));
    if state.welcome.as_ref().is_some_and(|w| !w.may_write_cases) {
        ui.colored_label(widgets::RED, state.t(Key::RegReadOnly));
        return;
    }
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.columns(2, |cols| {
            form(&mut cols[0], state);
            guide(&mut cols[1], state);
        });
    });
}

fn form(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    let today = state.today;
    let townships = state.directory.township_names();
    let villages = state.directory.villages(&state.register.township).to_vec();
    let same = same_petitioner(state);
    let f = &mut state.register;
    let t = |k| tr(lang, k);

    if let Some(entry) = &f.intake {
        ui.label(
            RichText::new(crate::i18n::trf(
                lang,
                Key::RegFromIntake,
                &[
                    &entry.item.source.zh(),
                    &entry.item.received_at.format("%Y-%m-%d %H:%M"),
                ],
            ))
            .color(widgets::GREEN),
        );
    }
    ui.weak(t(Key::RegRequiredHint));
    ui.add_space(4.0);
    // Enter in a one-line field moves to the next field, as Tab does (the text fields, in
    // the order drawn); Ctrl+Enter submits from anywhere.
    let mut fields: Vec<egui::Id> = Vec::new();
    let mut entered: Option<usize> = None;
    let line = |ui: &mut egui::Ui,
                label: egui::Id,
                value: &mut String,
                fields: &mut Vec<egui::Id>,
                entered: &mut Option<usize>| {
        let r = ui
            .add(egui::TextEdit::singleline(value).desired_width(widgets::FORM_FIELD_WIDTH))
            .labelled_by(label);
        if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            *entered = Some(fields.len());
        }
        fields.push(r.id);
    };
    let area =
        |ui: &mut egui::Ui, label: egui::Id, value: &mut String, fields: &mut Vec<egui::Id>| {
            let r = ui
                .add(
                    egui::TextEdit::multiline(value)
                        .desired_rows(3)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label);
            fields.push(r.id);
        };
    // Messages under their field, in the form's own words (the field is the row).
    let errors = |ui: &mut egui::Ui, messages: Vec<String>| {
        if !messages.is_empty() {
            ui.label("");
            ui.vertical(|ui| widgets::errors(ui, &messages));
            ui.end_row();
        }
    };
    egui::Grid::new("register-form")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .min_col_width(96.0)
        .show(ui, |ui| {
            let label = widgets::form_label(ui, lang, t(Key::RegChannel), true);
            widgets::form_combo(
                ui,
                "reg-channel",
                label.id,
                &mut f.channel,
                Channel::ALL,
                |c| c.zh().to_owned(),
            );
            ui.end_row();
            let label = widgets::form_label(ui, lang, t(Key::RegReceived), true);
            widgets::date_input(
                ui,
                lang,
                "reg-received",
                label.id,
                &mut f.received_on,
                today,
            );
            ui.end_row();
            errors(ui, f.field_messages(&["received_on"]));

            let label = widgets::form_label(ui, lang, t(Key::RegTownship), true);
            let mut township = (!f.township.is_empty()).then(|| f.township.clone());
            if widgets::form_optional_combo(
                ui,
                "reg-township",
                label.id,
                &mut township,
                t(Key::Choose),
                &townships,
            ) {
                f.township = township.unwrap_or_default();
                f.village.clear();
            }
            ui.end_row();
            errors(ui, f.field_messages(&["township"]));
            let label = widgets::form_label(ui, lang, t(Key::RegVillage), false);
            let mut village = (!f.village.is_empty()).then(|| f.village.clone());
            if widgets::form_optional_combo(
                ui,
                "reg-village",
                label.id,
                &mut village,
                t(Key::Choose),
                &villages,
            ) {
                f.village = village.unwrap_or_default();
            }
            ui.end_row();

            ui.label("");
            ui.checkbox(&mut f.group, t(Key::RegGroup));
            ui.end_row();
            // A group visit is named by its representatives; the first petitioner may be
            // left out.
            let label = widgets::form_label(ui, lang, t(Key::RegName), !f.group);
            line(ui, label.id, &mut f.name, &mut fields, &mut entered);
            ui.end_row();
            errors(ui, f.field_messages(&["petitioners", "petitioners.name"]));
            if let Some(hint) = &same {
                ui.label("");
                ui.label(RichText::new(hint).color(AMBER));
                ui.end_row();
            }
            let label = widgets::form_label(ui, lang, t(Key::RegPhone), false);
            line(ui, label.id, &mut f.phone, &mut fields, &mut entered);
            ui.end_row();
            errors(ui, f.field_messages(&["petitioners.phone"]));
            let label = widgets::form_label(ui, lang, t(Key::RegIdNumber), false);
            line(ui, label.id, &mut f.id_number, &mut fields, &mut entered);
            ui.end_row();
            let label = widgets::form_label(ui, lang, t(Key::RegAddress), false);
            line(ui, label.id, &mut f.address, &mut fields, &mut entered);
            ui.end_row();

            if f.group {
                let label = widgets::form_label(ui, lang, t(Key::RegHeadCount), true);
                ui.add(egui::DragValue::new(&mut f.head_count).range(1..=10_000))
                    .labelled_by(label.id);
                ui.end_row();
                errors(ui, f.field_messages(&["head_count"]));
                widgets::form_label(ui, lang, t(Key::RegRepresentatives), true);
                representatives(ui, lang, f);
                ui.end_row();
                errors(ui, f.field_messages(&["representatives"]));
            }

            let label = widgets::form_label(ui, lang, t(Key::RegRequest), true);
            area(ui, label.id, &mut f.request, &mut fields);
            ui.end_row();
            errors(ui, f.field_messages(&["content.request"]));
            let label = widgets::form_label(ui, lang, t(Key::RegFacts), false);
            area(ui, label.id, &mut f.facts, &mut fields);
            ui.end_row();
            let label = widgets::form_label(ui, lang, t(Key::RegReasons), false);
            area(ui, label.id, &mut f.reasons, &mut fields);
            ui.end_row();
            errors(ui, f.field_messages(&["content.facts", "content.reasons"]));

            let label = widgets::form_label(ui, lang, t(Key::RegRoute), false);
            let route_text = f.route.map(Route::zh).unwrap_or(t(Key::RegRouteNone));
            egui::ComboBox::from_id_salt("reg-route")
                .selected_text(route_text)
                .width(widgets::FORM_FIELD_WIDTH)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut f.route, None, t(Key::RegRouteNone));
                    for r in Route::ALL {
                        ui.selectable_value(&mut f.route, Some(*r), r.zh());
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            if let Some((name, c)) = &f.picked {
                ui.label("");
                ui.label(crate::i18n::trf(
                    lang,
                    Key::RegPicked,
                    &[name, &c.route.zh()],
                ));
                ui.end_row();
            }
        });
    if let Some(next) = entered.and_then(|i| fields.get(i + 1)) {
        ui.memory_mut(|m| m.request_focus(*next));
    }

    ui.add_space(8.0);
    let mut submit = ui.input_mut(|i| {
        i.consume_shortcut(&egui::KeyboardShortcut::new(
            egui::Modifiers::COMMAND,
            egui::Key::Enter,
        ))
    });
    ui.horizontal(|ui| {
        let button = egui::Button::new(
            RichText::new(t(Key::RegSubmit))
                .strong()
                .color(egui::Color32::WHITE),
        )
        .fill(widgets::ACCENT);
        submit |= ui.add(button).on_hover_text("Ctrl+Enter").clicked();
        if ui.button(t(Key::RegClear)).clicked() {
            *f = crate::state::RegisterForm::new(today);
        }
    });
    let mut confirmed = false;
    if !f.warnings.is_empty() {
        ui.colored_label(
            widgets::AMBER,
            crate::i18n::trf(lang, Key::RegCheckWarnings, &[&f.warnings.len()]),
        );
        for w in &f.warnings {
            ui.label(RichText::new(format!("！{w}")).color(widgets::AMBER));
        }
        confirmed = ui.button(t(Key::RegConfirmWarnings)).clicked();
    }
    if submit || confirmed {
        let reg = f.registration();
        match fengqiao_model::validate::validate_registration(&reg, &townships, today) {
            Ok(()) => {
                f.errors.clear();
                // An odd ID or phone number may still be real: the clerk looks, then
                // confirms exactly what was shown (a changed field is checked again).
                let warnings = fengqiao_model::validate::registration_warnings(&reg, today);
                if !warnings.is_empty() && (!confirmed || warnings != f.warnings) {
                    f.warnings = warnings;
                    return;
                }
                f.warnings.clear();
                let command = match &f.intake {
                    Some(entry) => Command::RegisterIntake {
                        registration: Box::new(reg),
                        intake: entry.item.id,
                    },
                    None => Command::Register(Box::new(reg)),
                };
                state.send(command);
            }
            Err(errors) => f.errors = errors,
        }
    }
    let f = &state.register;
    if !f.errors.is_empty() {
        ui.colored_label(
            widgets::RED,
            crate::i18n::trf(lang, Key::RegHasErrors, &[&f.errors.len()]),
        );
    }
}

/// A group visit's representatives: name and phone each, removable; one more than the law
/// allows may be added, so the model's message explains why that is too many.
fn representatives(ui: &mut egui::Ui, lang: crate::i18n::Lang, f: &mut crate::state::RegisterForm) {
    let t = |k| tr(lang, k);
    ui.vertical(|ui| {
        let mut remove = None;
        for (i, rep) in f.representatives.iter_mut().enumerate() {
            ui.push_id(i, |ui| {
                ui.horizontal(|ui| {
                    ui.label(format!("{}.", i + 1));
                    widgets::text_field(ui, t(Key::RegName), &mut rep.name);
                    widgets::text_field(ui, t(Key::RegPhone), &mut rep.phone);
                    if ui.small_button(t(Key::RegRemove)).clicked() {
                        remove = Some(i);
                    }
                });
            });
        }
        if let Some(i) = remove {
            f.representatives.remove(i);
        }
        if f.representatives.len() <= MAX_REPRESENTATIVES
            && ui.button(t(Key::RegAddRepresentative)).clicked()
        {
            f.representatives.push(Petitioner::default());
        }
    });
}

/// "Same petitioner?": earlier records with the typed name (and the same township, if set).
fn same_petitioner(state: &AppState) -> Option<String> {
    let name = state.register.name.trim();
    if name.chars().count() < 2 {
        return None;
    }
    let township = state.register.township.as_str();
    let matches: Vec<&str> = state
        .cases
        .rows
        .iter()
        .filter(|r| r.petitioner == name && (township.is_empty() || r.township == township))
        .map(|r| r.number.as_str())
        .collect();
    if matches.is_empty() {
        return None;
    }
    let shown: Vec<&str> = matches.iter().take(3).copied().collect();
    Some(state.tf(Key::RegSamePetitioner, &[&matches.len(), &shown.join("、")]))
}

fn guide(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.label(RichText::new(tr(lang, Key::RegGuide)).strong());
    widgets::text_field(
        ui,
        tr(lang, Key::RegGuideSearch),
        &mut state.register.guide_query,
    );
    ui.weak(tr(lang, Key::RegGuideHint));
    let Some(list) = state
        .guide
        .current(state.today)
        .or_else(|| state.guide.latest())
    else {
        return;
    };
    let query = state.register.guide_query.trim();
    let mut picked = None;
    if query.is_empty() {
        // Nothing typed yet: the list by category, to browse.
        for (category, types) in list.categories() {
            egui::CollapsingHeader::new(category)
                .id_salt(("guide-category", category))
                .show(ui, |ui| {
                    for e in types {
                        ui.horizontal(|ui| {
                            if ui.link(&e.name).clicked() {
                                picked = list.classify(&e.id).map(|c| (e.name.clone(), c));
                            }
                            ui.weak(format!("→ {}", e.route.zh()));
                        });
                    }
                });
        }
        if let Some((name, c)) = picked {
            state.register.route = Some(c.route);
            state.register.picked = Some((name, c));
        }
        return;
    }
    for hit in list.search(query).into_iter().take(8) {
        let e = hit.entry;
        ui.group(|ui| {
            ui.horizontal(|ui| {
                ui.strong(&e.name);
                ui.label(format!("→ {}", e.route.zh()));
                if ui.button(tr(lang, Key::RegPick)).clicked() {
                    picked = list.classify(&e.id).map(|c| (e.name.clone(), c));
                }
            });
            ui.weak(format!("{}；{}", e.body, e.law));
            if !hit.matched.is_empty() {
                ui.weak(hit.matched.join("、"));
            }
        });
    }
    if let Some((name, c)) = picked {
        state.register.route = Some(c.route);
        state.register.picked = Some((name, c));
    }
}
