//! The passphrase dialog shown when the data directory is encrypted.

use egui::RichText;

use crate::i18n::Key;
use crate::state::AppState;

pub fn ui(ui: &mut egui::Ui, state: &mut AppState, data_dir: &std::path::Path) {
    ui.heading(state.t(Key::UnlockTitle));
    ui.add_space(12.0);
    ui.label(state.t(Key::UnlockBody));
    ui.weak(state.tf(Key::DataDirIs, &[&data_dir.display()]));
    if !state.unlock.people.is_empty() {
        ui.weak(state.tf(Key::UnlockWho, &[&state.unlock.people.join("、")]));
    }
    ui.add_space(16.0);
    let label = state.t(Key::UnlockPassphrase);
    let mut submit = false;
    ui.horizontal(|ui| {
        let name = ui.label(label);
        let field = ui
            .add_enabled(
                !state.unlock.waiting,
                egui::TextEdit::singleline(&mut state.unlock.passphrase)
                    .password(true)
                    .desired_width(260.0),
            )
            .labelled_by(name.id);
        submit = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    });
    ui.add_space(8.0);
    let button = ui.add_enabled(
        !state.unlock.waiting,
        egui::Button::new(state.t(Key::UnlockButton)),
    );
    if button.clicked() || submit {
        state.submit_passphrase();
    }
    if state.unlock.waiting {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(state.t(Key::Unlocking));
        });
    }
    if let Some(why) = &state.unlock.refused {
        ui.add_space(8.0);
        ui.label(RichText::new(why).color(ui.visuals().error_fg_color));
    }
}
