//! 设置 → 导入旧系统案件: a file (and a mapping) typed, 检查 shows what importing it would
//! do — every refused row with its column, value and why, the counts, the cases a
//! re-import changes — and only then 导入 writes it, with progress.

use egui::RichText;

use crate::backend::Command;
use crate::i18n::{Key, tr, trf};
use crate::state::AppState;

/// The most refusals listed on screen; the refused-rows file has them all.
const SHOWN: usize = 200;

/// Draws the import section.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.label(RichText::new(tr(lang, Key::ImportHeading)).strong());
    if !state.welcome.as_ref().is_some_and(|w| w.may_write_cases) {
        ui.label(tr(lang, Key::ImportNotAllowed));
        return;
    }
    ui.add(egui::Label::new(tr(lang, Key::ImportBody)).wrap());
    egui::Grid::new("import-files")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label(tr(lang, Key::ImportFile));
            ui.add(egui::TextEdit::singleline(&mut state.import.file).desired_width(480.0))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label(tr(lang, Key::ImportMapping));
            ui.add(egui::TextEdit::singleline(&mut state.import.mapping).desired_width(480.0))
                .labelled_by(label.id);
            ui.end_row();
        });
    let idle = !state.busy;
    let mut command = None;
    ui.horizontal(|ui| {
        let has_file = !state.import.file.trim().is_empty();
        if ui
            .add_enabled(
                idle && has_file,
                egui::Button::new(tr(lang, Key::ImportCheck)),
            )
            .clicked()
        {
            command = Some(state.import.check());
        }
        let run = state.import.run();
        if ui
            .add_enabled(
                idle && run.is_some(),
                egui::Button::new(tr(lang, Key::ImportRun)),
            )
            .clicked()
        {
            command = run;
        }
    });
    if let Some(command) = command {
        state.send(Command::Import(command));
    }
    if let (Some((done, total)), true) = (state.import.progress, state.busy) {
        ui.add(
            egui::ProgressBar::new(done as f32 / total.max(1) as f32).text(trf(
                lang,
                Key::ImportProgress,
                &[&done, &total],
            )),
        );
    }
    let Some(report) = state.import.report.clone() else {
        return;
    };
    ui.add_space(6.0);
    ui.label(trf(
        lang,
        Key::ImportSummary,
        &[
            &report.file.display(),
            &report.source,
            &report.rows,
            &report.create,
            &report.update,
            &report.unchanged,
            &report.refused_rows(),
        ],
    ));
    match &report.written {
        None if report.create + report.update == 0 => {
            ui.label(tr(lang, Key::ImportNothing));
        }
        None => {
            ui.label(RichText::new(tr(lang, Key::ImportChecked)).strong());
        }
        Some(w) => {
            ui.label(RichText::new(trf(lang, Key::ImportDone, &[&w.created, &w.updated])).strong());
            if let Some(p) = &w.refused_file {
                ui.label(trf(lang, Key::ImportRefusedFile, &[&p.display()]));
            }
        }
    }
    if !report.refusals.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new(tr(lang, Key::ImportRefusals)).strong());
        egui::Grid::new("import-refusals")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                for key in [
                    Key::ImportRow,
                    Key::ImportColumn,
                    Key::ImportValue,
                    Key::ImportWhy,
                ] {
                    ui.strong(tr(lang, key));
                }
                ui.end_row();
                for r in report.refusals.iter().take(SHOWN) {
                    ui.label(r.row.to_string());
                    ui.label(&r.column);
                    ui.label(&r.value);
                    ui.add(egui::Label::new(&r.why).wrap());
                    ui.end_row();
                }
            });
        if report.refusals.len() > SHOWN {
            ui.weak(format!("… {}", report.refusals.len() - SHOWN));
        }
    }
    if !report.updates.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new(tr(lang, Key::ImportUpdates)).strong());
        for line in report.updates.iter().take(SHOWN) {
            ui.label(line);
        }
    }
}
