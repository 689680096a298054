//! 信访事项: the case list. Only the visible rows are laid out (egui_extras' table body
//! `rows`), and the filters run once per change over an index built when the list arrives,
//! so the list stays smooth at 10,000+ cases.

use egui_extras::{Column, TableBuilder};
use fengqiao_model::{CaseStatus, Route};

use crate::i18n::Key;
use crate::state::AppState;
use crate::widgets::{self, AMBER, RED};

/// Row height of the case table, in points.
pub const ROW_HEIGHT: f32 = 24.0;

/// Draws the case list.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading(state.t(Key::CasesHeading));
    filters(ui, state);
    ui.separator();
    if !state.cases.loaded {
        ui.spinner();
        ui.label(state.t(Key::CasesLoading));
        return;
    }
    state.cases.refilter(&state.clocks);
    ui.weak(state.tf(
        Key::CasesShown,
        &[&state.cases.shown.len(), &state.cases.rows.len()],
    ));
    table(ui, state);
}

/// The filter bar: each list after its name, the search last (Ctrl+F puts the keyboard in
/// it).
fn filters(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.prefs.lang;
    let all = tr(lang, Key::FilterAll);
    let townships = state.directory.township_names();
    ui.horizontal_wrapped(|ui| {
        let f = &mut state.cases.filter;
        let label = ui.label(tr(lang, Key::FilterTownship));
        egui::ComboBox::from_id_salt("filter-township")
            .selected_text(f.township.as_deref().unwrap_or(all))
            .height(560.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.township, None, all);
                for t in &townships {
                    ui.selectable_value(&mut f.township, Some(t.clone()), t.as_str());
                }
            })
            .response
            .labelled_by(label.id);
        ui.add_space(8.0);
        let label = ui.label(tr(lang, Key::FilterStatus));
        egui::ComboBox::from_id_salt("filter-status")
            .selected_text(f.status.map(CaseStatus::zh).unwrap_or(all))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.status, None, all);
                for s in CaseStatus::ALL {
                    ui.selectable_value(&mut f.status, Some(*s), s.zh());
                }
            })
            .response
            .labelled_by(label.id);
        ui.add_space(8.0);
        let not_routed = tr(lang, Key::NotRouted);
        let route_text = match f.route {
            None => all,
            Some(None) => not_routed,
            Some(Some(r)) => r.zh(),
        };
        let label = ui.label(tr(lang, Key::FilterRoute));
        egui::ComboBox::from_id_salt("filter-route")
            .selected_text(route_text)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.route, None, all);
                for r in Route::ALL {
                    ui.selectable_value(&mut f.route, Some(Some(*r)), r.zh());
                }
                ui.selectable_value(&mut f.route, Some(None), not_routed);
            })
            .response
            .labelled_by(label.id);
        ui.add_space(8.0);
        ui.checkbox(&mut f.overdue_only, tr(lang, Key::FilterOverdue));
        ui.add_space(8.0);
        let label = ui.label(tr(lang, Key::FilterSearch));
        let search = ui
            .add(
                egui::TextEdit::singleline(&mut f.text)
                    .desired_width(180.0)
                    .hint_text("Ctrl+F"),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut state.focus_search) {
            search.request_focus();
        }
        if ui.button(tr(lang, Key::FilterClear)).clicked() {
            *f = Default::default();
        }
    });
}

fn tr(lang: crate::i18n::Lang, key: Key) -> &'static str {
    crate::i18n::tr(lang, key)
}

fn table(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.prefs.lang;
    let mut open = None;
    let mut builder = TableBuilder::new(ui)
        .id_salt("case-table")
        .striped(true)
        .column(Column::exact(130.0))
        .column(Column::exact(84.0))
        .column(Column::exact(130.0))
        .column(Column::exact(70.0))
        .column(Column::remainder().at_least(120.0).clip(true))
        .column(Column::exact(80.0))
        .column(Column::exact(96.0))
        .column(Column::exact(150.0));
    if let Some(row) = state.cases.scroll_to.take() {
        builder = builder.scroll_to_row(row, Some(egui::Align::Center));
    }
    let cases = &state.cases;
    let clocks = &state.clocks;
    builder
        .header(22.0, |mut header| {
            for key in [
                Key::ColNumber,
                Key::ColReceived,
                Key::ColTownship,
                Key::ColPetitioner,
                Key::ColRequest,
                Key::ColRoute,
                Key::ColStatus,
                Key::ColDue,
            ] {
                header.col(|ui| {
                    ui.strong(tr(lang, key));
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, cases.shown.len(), |mut row| {
                let r = &cases.rows[cases.shown[row.index()]];
                let flag = clocks.per_case.get(&r.id);
                row.col(|ui| {
                    if ui.link(&r.number).clicked() {
                        open = Some(r.number.clone());
                    }
                    if r.has_conflicts {
                        widgets::badge(ui, tr(lang, Key::BadgeConflict), AMBER);
                    }
                });
                row.col(|ui| {
                    ui.label(r.received_on.format("%Y-%m-%d").to_string());
                });
                row.col(|ui| {
                    ui.label(format!("{} {}", r.township, r.village));
                });
                row.col(|ui| {
                    ui.label(&r.petitioner);
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&r.request).truncate());
                });
                row.col(|ui| {
                    ui.label(r.route.map(Route::zh).unwrap_or(tr(lang, Key::NotRouted)));
                });
                row.col(|ui| {
                    ui.label(r.status.zh());
                });
                row.col(|ui| match flag.and_then(|f| f.next.as_ref()) {
                    Some(next) => {
                        let text =
                            format!("{} {}", next.name.split(' ').next().unwrap_or(""), next.due);
                        if flag.is_some_and(|f| f.overdue) {
                            widgets::badge(ui, tr(lang, Key::BadgeOverdue), RED);
                            ui.label(egui::RichText::new(text).color(RED));
                        } else {
                            ui.label(text);
                        }
                    }
                    None => {
                        ui.weak("—");
                    }
                });
            });
        });
    if let Some(number) = open {
        state.open_case(number);
    }
}
