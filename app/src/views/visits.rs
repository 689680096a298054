//! 下访: plan a visit, record households and the outcome (offline, in the village), and
//! carry cases down (带案下访).

use egui::RichText;
use fengqiao_model::{FieldVisit, Household, VisitId};

use crate::backend::Command;
use crate::i18n::{Key, tr, trf};
use crate::state::AppState;
use crate::widgets;

/// Draws the field-visit view.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading(state.t(Key::VisitsHeading));
    ui.separator();
    ui.columns(2, |cols| {
        list(&mut cols[0], state);
        editor(&mut cols[1], state);
    });
}

fn list(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    if ui.button(tr(lang, Key::VisitNew)).clicked() {
        let township = state
            .welcome
            .as_ref()
            .and_then(|w| w.scope.first().cloned())
            .or_else(|| state.directory.townships.first().map(|t| t.name.clone()))
            .unwrap_or_default();
        state.visits.editing = Some(FieldVisit {
            id: VisitId::generate(),
            leader: None,
            staff: Vec::new(),
            township,
            village: String::new(),
            date: state.today,
            households: Vec::new(),
            linked_cases: Vec::new(),
            outcome: String::new(),
        });
        state.visits.staff_text.clear();
    }
    if state.visits.visits.is_empty() {
        ui.weak(tr(lang, Key::VisitNone));
    }
    let visits = state.visits.visits.clone();
    egui::ScrollArea::vertical()
        .id_salt("visit-list")
        .show(ui, |ui| {
            for v in visits.iter().rev() {
                let status = if v.outcome.is_empty() {
                    tr(lang, Key::VisitPlanned)
                } else {
                    tr(lang, Key::VisitRecorded)
                };
                let selected = state.visits.editing.as_ref().is_some_and(|e| e.id == v.id);
                let text = format!("{} {}{} · {status}", v.date, v.township, v.village);
                if ui.selectable_label(selected, text).clicked() {
                    state.visits.staff_text = v.staff.join("、");
                    state.visits.editing = Some(v.clone());
                }
            }
        });
}

fn editor(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    let today = state.today;
    let townships = state.directory.township_names();
    let Some(visit) = state.visits.editing.as_mut() else {
        ui.weak(tr(lang, Key::VisitSelect));
        return;
    };
    let villages = state.directory.villages(&visit.township).to_vec();
    ui.label(RichText::new(tr(lang, Key::VisitPlan)).strong());
    widgets::date_field(
        ui,
        lang,
        "visit-date",
        tr(lang, Key::VisitDate),
        &mut visit.date,
        today,
    );
    let mut township = Some(visit.township.clone());
    if widgets::optional_combo(
        ui,
        "visit-township",
        tr(lang, Key::VisitTownship),
        &mut township,
        tr(lang, Key::Choose),
        &townships,
    ) {
        visit.township = township.unwrap_or_default();
        visit.village.clear();
    }
    let mut village = (!visit.village.is_empty()).then(|| visit.village.clone());
    if widgets::optional_combo(
        ui,
        "visit-village",
        tr(lang, Key::VisitVillage),
        &mut village,
        tr(lang, Key::Choose),
        &villages,
    ) {
        visit.village = village.unwrap_or_default();
    }
    ui.horizontal(|ui| {
        widgets::text_field(ui, tr(lang, Key::VisitStaff), &mut state.visits.staff_text);
    });

    ui.add_space(6.0);
    ui.label(RichText::new(tr(lang, Key::VisitLinked)).strong());
    let numbers: Vec<String> = visit
        .linked_cases
        .iter()
        .map(|id| {
            state
                .cases
                .by_id
                .get(id)
                .map(|i| state.cases.rows[*i].number.clone())
                .unwrap_or_else(|| id.to_string())
        })
        .collect();
    ui.label(numbers.join("、"));
    ui.horizontal(|ui| {
        widgets::text_field(
            ui,
            tr(lang, Key::VisitLinkCase),
            &mut state.visits.link_number,
        );
        if ui
            .button("+")
            .on_hover_text(tr(lang, Key::VisitLinkCase))
            .accessible_name(tr(lang, Key::VisitLinkCase))
            .clicked()
        {
            let wanted = state.visits.link_number.trim().to_owned();
            match state.cases.rows.iter().find(|r| r.number == wanted) {
                Some(row) => {
                    if !visit.linked_cases.contains(&row.id) {
                        visit.linked_cases.push(row.id);
                    }
                    state.visits.link_number.clear();
                    state.visits.link_error = None;
                }
                None => {
                    state.visits.link_error = Some(trf(lang, Key::VisitUnknownCase, &[&wanted]))
                }
            }
        }
    });
    if let Some(e) = &state.visits.link_error {
        widgets::errors(ui, std::slice::from_ref(e));
    }

    ui.add_space(6.0);
    ui.label(RichText::new(tr(lang, Key::VisitHouseholds)).strong());
    let mut remove = None;
    for (i, h) in visit.households.iter_mut().enumerate() {
        ui.push_id(("household", i), |ui| {
            ui.group(|ui| {
                ui.horizontal(|ui| {
                    widgets::text_field(ui, tr(lang, Key::VisitHouseholdHead), &mut h.head);
                    if ui.small_button(tr(lang, Key::RegRemove)).clicked() {
                        remove = Some(i);
                    }
                });
                ui.horizontal(|ui| {
                    widgets::text_field(ui, tr(lang, Key::VisitHouseholdAddress), &mut h.address);
                });
                widgets::text_area(ui, tr(lang, Key::VisitHouseholdOutcome), &mut h.outcome);
            });
        });
    }
    if let Some(i) = remove {
        visit.households.remove(i);
    }
    if ui.button(tr(lang, Key::VisitAddHousehold)).clicked() {
        visit.households.push(Household {
            head: String::new(),
            address: String::new(),
            outcome: String::new(),
        });
    }
    widgets::text_area(ui, tr(lang, Key::VisitOutcome), &mut visit.outcome);
    let mut save = None;
    if ui
        .button(RichText::new(tr(lang, Key::VisitSave)).strong())
        .clicked()
    {
        visit.staff = state
            .visits
            .staff_text
            .split(['、', ',', '，', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        save = Some(Command::PutVisit(Box::new(visit.clone())));
    }
    let visit = visit.clone();
    if let Some(command) = save {
        state.send(command);
    }
    let saved = state.visits.visits.iter().any(|v| v.id == visit.id);
    ui.add_space(6.0);
    super::attachments::visit_section(ui, state, &visit, saved);
    let dropped = super::attachments::Dropped::take(ui.ctx());
    if dropped.paths.is_empty() || !super::attachments::may_write(state) {
        return;
    }
    if saved {
        let owner = crate::backend::Owner::Visit {
            township: visit.township.clone(),
            year: chrono::Datelike::year(&visit.date),
            visit: visit.id,
        };
        let dest = crate::state::Dest::Now(owner);
        if let Some(c) = state
            .attach
            .dropped(dest, crate::state::Slot::Visit, dropped.paths)
        {
            state.send(c);
        }
    } else {
        state.status = Some(crate::state::StatusLine {
            text: tr(lang, Key::AttachSaveVisitFirst).to_owned(),
            is_error: true,
        });
    }
}
