//! 设置: this device's identity, the language, the appearance, the data directory; for the
//! office (and admin and server) devices, the county's devices with revocation, and the
//! enrolment of a new laptop (a one-time ticket as text and QR code); for the office, the
//! access trail (访问记录); how the law applies;
//! importing a county's existing cases (`views/import.rs`).

use egui::RichText;
use fengqiao_model::Role;

use crate::backend::Command;
use crate::i18n::{Key, Lang, tr, trf};
use crate::state::AppState;
use crate::sync_seam::EnrolmentState;
use crate::views::role_key;
use crate::widgets;

/// Draws the settings view.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.heading(tr(lang, Key::SettingsHeading));
    ui.separator();
    // As wide as the view: its scroll bar at the window's edge, not after the widest row.
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            identity_and_preferences(ui, state);
            ui.add_space(14.0);
            devices(ui, state);
            ui.add_space(14.0);
            access_trail(ui, state);
            enrolment(ui, state);
            ui.add_space(14.0);
            law(ui, state);
            ui.add_space(14.0);
            super::import::ui(ui, state);
        });
}

/// 法律适用: each unit's kind under the law and the county's T6 reading. The office edits
/// them (they live in the directory, so every device counts alike); others see them.
fn law(ui: &mut egui::Ui, state: &mut AppState) {
    use fengqiao_model::OrganKind;
    use fengqiao_rules::ExtensionBase;
    let lang = state.lang();
    let may_edit = state.welcome.as_ref().is_some_and(|w| w.may_enrol);
    ui.label(RichText::new(tr(lang, Key::LawHeading)).strong());
    ui.label(tr(lang, Key::LawBody));
    let directory = state.directory.clone();
    let mut command = None;
    egui::Grid::new("law-units")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for key in [Key::LawUnit, Key::LawUnitKind, Key::LawOrgan] {
                ui.strong(tr(lang, key));
            }
            ui.end_row();
            for unit in &directory.units {
                ui.label(&unit.name);
                ui.label(unit.kind.zh());
                if may_edit {
                    let mut organ = unit.organ;
                    egui::ComboBox::from_id_salt(("organ", &unit.name))
                        .selected_text(organ.zh())
                        .show_ui(ui, |ui| {
                            for kind in OrganKind::ALL {
                                ui.selectable_value(&mut organ, *kind, kind.zh());
                            }
                        });
                    if organ != unit.organ {
                        command = Some(Command::SetUnitOrgan {
                            unit: unit.name.clone(),
                            organ,
                        });
                    }
                } else {
                    ui.label(unit.organ.zh());
                }
                ui.end_row();
            }
        });
    ui.add_space(6.0);
    let mut extension_from = directory.extension_from;
    ui.add_enabled_ui(may_edit, |ui| {
        egui::ComboBox::new("law-extension-from", tr(lang, Key::LawExtensionFrom))
            .selected_text(extension_from.zh())
            .show_ui(ui, |ui| {
                for base in ExtensionBase::ALL {
                    ui.selectable_value(&mut extension_from, *base, base.zh());
                }
            });
    });
    ui.label(
        RichText::new(tr(lang, Key::LawExtensionHelp))
            .small()
            .weak(),
    );
    if extension_from != directory.extension_from {
        command = Some(Command::SetExtensionFrom(extension_from));
    }
    if let Some(command) = command {
        state.send(command);
    }
}

fn identity_and_preferences(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.label(RichText::new(tr(lang, Key::SettingsIdentity)).strong());
    if let Some(w) = &state.welcome {
        egui::Grid::new("identity")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                let scope = if w.scope.is_empty() {
                    tr(lang, Key::SettingsScopeAll).to_owned()
                } else {
                    w.scope.join("、")
                };
                for (key, value) in [
                    (Key::SettingsDeviceName, w.device_name.clone()),
                    (Key::SettingsDeviceCode, w.device_code.clone()),
                    (Key::SettingsDeviceId, w.device_id.clone()),
                    (Key::SettingsCounty, w.county.clone()),
                    (Key::SettingsRole, tr(lang, role_key(w.role)).to_owned()),
                    (Key::SettingsScope, scope),
                    (Key::SettingsPerson, w.person.clone()),
                    (Key::SettingsDataDir, w.data_dir.display().to_string()),
                ] {
                    ui.label(tr(lang, key));
                    ui.label(value);
                    ui.end_row();
                }
            });
    }
    ui.add_space(10.0);
    ui.label(RichText::new(tr(lang, Key::SettingsLanguage)).strong());
    ui.horizontal(|ui| {
        for l in Lang::ALL {
            if ui.radio_value(&mut state.prefs.lang, l, l.name()).changed() {
                state.invalidate_reports();
            }
        }
    });
    ui.add_space(10.0);
    ui.label(RichText::new(tr(lang, Key::SettingsTheme)).strong());
    ui.horizontal(|ui| {
        ui.radio_value(&mut state.prefs.dark, false, tr(lang, Key::ThemeLight));
        ui.radio_value(&mut state.prefs.dark, true, tr(lang, Key::ThemeDark));
    });
}

/// Every device of the county; office devices may revoke the others.
fn devices(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    let may_enrol = state.welcome.as_ref().is_some_and(|w| w.may_enrol);
    ui.label(RichText::new(tr(lang, Key::SettingsDevices)).strong());
    let directory = state.directory.clone();
    egui::Grid::new("devices")
        .num_columns(6)
        .striped(true)
        .show(ui, |ui| {
            for key in [
                Key::SettingsDeviceName,
                Key::SettingsRole,
                Key::SettingsScope,
                Key::DeviceEnrolled,
                Key::DeviceStatus,
            ] {
                ui.strong(tr(lang, key));
            }
            ui.end_row();
            for d in &directory.devices {
                ui.label(&d.name);
                ui.label(tr(lang, role_key(d.role)));
                ui.label(if d.scope.is_empty() {
                    tr(lang, Key::SettingsScopeAll).to_owned()
                } else {
                    d.scope.join("、")
                });
                ui.label(d.enrolled.to_string());
                if d.revoked {
                    ui.colored_label(widgets::RED, tr(lang, Key::DeviceRevoked));
                } else if d.is_me {
                    ui.label(tr(lang, Key::DeviceThis));
                } else {
                    ui.label(tr(lang, Key::DeviceActive));
                }
                if may_enrol && !d.revoked && !d.is_me {
                    if state.devices_ui.confirm_revoke.as_deref() == Some(d.id.as_str()) {
                        ui.horizontal(|ui| {
                            ui.colored_label(
                                widgets::RED,
                                trf(lang, Key::RevokeConfirm, &[&d.name]),
                            );
                            if ui.button(tr(lang, Key::RevokeYes)).clicked() {
                                state.devices_ui.confirm_revoke = None;
                                state.send(Command::RevokeDevice { id: d.id.clone() });
                            }
                            if ui.button(tr(lang, Key::RevokeNo)).clicked() {
                                state.devices_ui.confirm_revoke = None;
                            }
                        });
                    } else if ui
                        .add(egui::Button::new(tr(lang, Key::RevokeButton)))
                        .on_hover_text(&d.id)
                        .clicked()
                    {
                        state.devices_ui.confirm_revoke = Some(d.id.clone());
                    }
                }
                ui.end_row();
            }
        });
}

/// 访问记录: who opened confidential cases, exported cases or issued documents on
/// confidential cases, newest first; only where the directory lets this device read it.
fn access_trail(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    let directory = state.directory.clone();
    let Some(trail) = &directory.access_trail else {
        return;
    };
    ui.label(RichText::new(tr(lang, Key::TrailHeading)).strong());
    ui.label(tr(lang, Key::TrailBody));
    for gap in &trail.gaps {
        ui.colored_label(
            widgets::RED,
            format!("{} {gap}", tr(lang, Key::TrailIncomplete)),
        );
    }
    if trail.rows.is_empty() {
        ui.label(tr(lang, Key::TrailNone));
    } else {
        egui::Grid::new("access-trail")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                for key in [
                    Key::TrailAt,
                    Key::TrailWho,
                    Key::TrailDevice,
                    Key::TrailWhat,
                ] {
                    ui.strong(tr(lang, key));
                }
                ui.end_row();
                for row in &trail.rows {
                    ui.label(&row.at);
                    ui.label(&row.who);
                    ui.label(&row.device);
                    ui.label(&row.what);
                    ui.end_row();
                }
            });
    }
    if !trail.unheard.is_empty() {
        ui.label(trf(lang, Key::TrailUnheard, &[&trail.unheard.join("、")]));
    }
    ui.add_space(14.0);
}

/// The roles a new laptop can be enrolled with from the app (servers are set up with
/// their own command).
const ENROL_ROLES: [Role; 4] = [Role::Township, Role::Office, Role::Leader, Role::ReadOnly];

/// Enrolling a new laptop: the form, then the ticket and where the offer stands.
fn enrolment(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.label(RichText::new(tr(lang, Key::EnrolHeading)).strong());
    if !state.welcome.as_ref().is_some_and(|w| w.may_enrol) {
        ui.weak(tr(lang, Key::EnrolNotAllowed));
        return;
    }
    if !state.sync.live_available {
        ui.weak(tr(lang, Key::SyncLiveOff));
        return;
    }
    ui.add(egui::Label::new(tr(lang, Key::EnrolBody)).wrap());
    let townships: Vec<String> = state
        .directory
        .townships
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let form = &mut state.devices_ui;
    egui::Grid::new("enrol").num_columns(2).show(ui, |ui| {
        let label = ui.label(tr(lang, Key::EnrolName));
        ui.add(egui::TextEdit::singleline(&mut form.enrol_name).desired_width(260.0))
            .labelled_by(label.id);
        ui.end_row();
        ui.label(tr(lang, Key::SettingsRole));
        ui.horizontal(|ui| {
            for role in ENROL_ROLES {
                ui.radio_value(&mut form.enrol_role, role, tr(lang, role_key(role)));
            }
        });
        ui.end_row();
        if form.enrol_role == Role::Township {
            ui.label(tr(lang, Key::EnrolScope));
            ui.horizontal_wrapped(|ui| {
                // A grid cell does not bound its width: wrap at a readable line length.
                ui.set_max_width(560.0);
                for t in &townships {
                    let mut on = form.enrol_scope.contains(t);
                    if ui.checkbox(&mut on, t).changed() {
                        if on {
                            form.enrol_scope.insert(t.clone());
                        } else {
                            form.enrol_scope.remove(t);
                        }
                    }
                }
            });
            ui.end_row();
        }
    });
    if let Some(error) = form.enrol_error {
        widgets::errors(ui, &[tr(lang, error).to_owned()]);
    }
    let offer = state.sync.enrolment.clone();
    let waiting = offer
        .as_ref()
        .is_some_and(|o| matches!(o.state, EnrolmentState::Opening | EnrolmentState::Waiting));
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!waiting, egui::Button::new(tr(lang, Key::EnrolMake)))
            .clicked()
        {
            match state.devices_ui.enrolment() {
                Ok(request) => {
                    state.devices_ui.enrol_error = None;
                    state.send(Command::OfferEnrolment(request));
                }
                Err(why) => state.devices_ui.enrol_error = Some(why),
            }
        }
        if waiting && ui.button(tr(lang, Key::EnrolCancel)).clicked() {
            state.send(Command::CancelEnrolment);
        }
    });
    let Some(offer) = offer else {
        return;
    };
    ui.add_space(6.0);
    match &offer.state {
        EnrolmentState::Opening => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, Key::EnrolOpening));
            });
        }
        EnrolmentState::Waiting => {
            ui.label(trf(
                lang,
                Key::EnrolWaiting,
                &[&offer.until.format("%H:%M")],
            ));
        }
        EnrolmentState::Joined => {
            ui.colored_label(
                widgets::GREEN,
                trf(lang, Key::EnrolJoined, &[&offer.request.device_name]),
            );
        }
        EnrolmentState::Closed => {
            ui.weak(tr(lang, Key::EnrolClosed));
        }
        EnrolmentState::Failed(f) => {
            let why = format!("{}（{}）", tr(lang, f.why), f.detail);
            ui.colored_label(widgets::RED, trf(lang, Key::EnrolFailed, &[&why]));
        }
    }
    if !offer.ticket.is_empty() && offer.state == EnrolmentState::Waiting {
        ui.label(tr(lang, Key::JoinTicket));
        ui.add(egui::Label::new(RichText::new(&offer.ticket).monospace()).wrap());
        crate::views::sync::qr(ui, "enrolment-qr", &offer.ticket);
    }
}
