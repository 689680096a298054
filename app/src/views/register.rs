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
    widgets::combo(
        ui,
        "reg-channel",
        t(Key::RegChannel),
        &mut f.channel,
        Channel::ALL,
        |c| c.zh().to_owned(),
    );
    widgets::date_field(
        ui,
        lang,
        "reg-received",
        t(Key::RegReceived),
        &mut f.received_on,
        today,
    );
    widgets::errors(ui, &f.errors_for(&["received_on"]));

    let mut township = (!f.township.is_empty()).then(|| f.township.clone());
    if widgets::optional_combo(
        ui,
        "reg-township",
        t(Key::RegTownship),
        &mut township,
        t(Key::Choose),
        &townships,
    ) {
        f.township = township.unwrap_or_default();
        f.village.clear();
    }
    widgets::errors(ui, &f.errors_for(&["township"]));
    let mut village = (!f.village.is_empty()).then(|| f.village.clone());
    if widgets::optional_combo(
        ui,
        "reg-village",
        t(Key::RegVillage),
        &mut village,
        t(Key::Choose),
        &villages,
    ) {
        f.village = village.unwrap_or_default();
    }

    ui.checkbox(&mut f.group, t(Key::RegGroup));
    ui.horizontal(|ui| {
        widgets::text_field(ui, t(Key::RegName), &mut f.name);
    });
    widgets::errors(ui, &f.errors_for(&["petitioners", "petitioners.name"]));
    if let Some(hint) = same {
        ui.label(RichText::new(hint).color(AMBER));
    }
    ui.horizontal(|ui| {
        widgets::text_field(ui, t(Key::RegPhone), &mut f.phone);
    });
    widgets::errors(ui, &f.errors_for(&["petitioners.phone"]));
    ui.horizontal(|ui| {
        widgets::text_field(ui, t(Key::RegIdNumber), &mut f.id_number);
    });
    ui.horizontal(|ui| {
        widgets::text_field(ui, t(Key::RegAddress), &mut f.address);
    });

    if f.group {
        ui.group(|ui| {
            ui.horizontal(|ui| {
                let label = ui.label(t(Key::RegHeadCount));
                ui.add(egui::DragValue::new(&mut f.head_count).range(1..=10_000))
                    .labelled_by(label.id);
            });
            widgets::errors(ui, &f.errors_for(&["head_count"]));
            ui.label(t(Key::RegRepresentatives));
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
            // The form allows one more than the law, so the model's message explains why.
            if f.representatives.len() <= MAX_REPRESENTATIVES
                && ui.button(t(Key::RegAddRepresentative)).clicked()
            {
                f.representatives.push(Petitioner::default());
            }
            widgets::errors(ui, &f.errors_for(&["representatives"]));
        });
    }

    widgets::text_area(ui, t(Key::RegRequest), &mut f.request);
    widgets::errors(ui, &f.errors_for(&["content.request"]));
    widgets::text_area(ui, t(Key::RegFacts), &mut f.facts);
    widgets::text_area(ui, t(Key::RegReasons), &mut f.reasons);
    widgets::errors(ui, &f.errors_for(&["content.facts", "content.reasons"]));

    let route_text = f.route.map(Route::zh).unwrap_or(t(Key::RegRouteNone));
    egui::ComboBox::new("reg-route", t(Key::RegRoute))
        .selected_text(route_text)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut f.route, None, t(Key::RegRouteNone));
            for r in Route::ALL {
                ui.selectable_value(&mut f.route, Some(*r), r.zh());
            }
        });
    if let Some((name, c)) = &f.picked {
        ui.label(crate::i18n::trf(
            lang,
            Key::RegPicked,
            &[name, &c.route.zh()],
        ));
    }

    ui.add_space(8.0);
    let mut submit = false;
    ui.horizontal(|ui| {
        submit = ui
            .button(RichText::new(t(Key::RegSubmit)).strong())
            .clicked();
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
    if query.is_empty() {
        return;
    }
    let mut picked = None;
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
