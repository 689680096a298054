//! 设置: this device's identity, the language, the appearance, the data directory.

use egui::RichText;

use crate::i18n::{Key, Lang, tr};
use crate::state::AppState;

/// Draws the settings view.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.heading(tr(lang, Key::SettingsHeading));
    ui.separator();
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
                    (Key::SettingsRole, w.role.clone()),
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
