//! A case page: fields, clocks with their articles, the event timeline, notes, conflict
//! badges; forms to record an event and add a note.

use egui::RichText;
use fengqiao_model::{EventKind, ReplyType, Route};

use crate::backend::Command;
use crate::i18n::Key;
use crate::state::{AppState, EventChoice, View};
use crate::widgets::{self, AMBER, GREEN, RED};

/// Draws the open case.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    if ui.button(state.t(Key::BackToList)).clicked() {
        state.case_page.open = None;
        return;
    }
    let Some(page) = state.case_page.page.clone() else {
        ui.spinner();
        ui.label(state.t(Key::CaseLoading));
        return;
    };
    let record = &page.record;
    let case = &record.case;
    let reg = &case.registration;
    ui.horizontal(|ui| {
        ui.heading(format!("{} · {}", case.number, record.status.zh()));
        if !record.conflicts.is_empty() {
            let fields: Vec<&str> = record.conflicts.iter().map(|c| c.field.as_str()).collect();
            widgets::badge(
                ui,
                &state.tf(Key::ConflictsOnCase, &[&fields.join("、")]),
                AMBER,
            );
            if ui.button(state.t(Key::ResolveIn)).clicked() {
                state.prefs.view = View::Conflicts;
            }
        }
    });
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.columns(2, |cols| {
            let ui = &mut cols[0];
            ui.label(RichText::new(state.t(Key::CaseFields)).strong());
            let conflicted = |field: &str| record.conflicts.iter().any(|c| c.field == field);
            egui::Grid::new("case-fields")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    let field = |ui: &mut egui::Ui, key: Key, value: String, name: &str| {
                        ui.label(state.t(key));
                        ui.horizontal_wrapped(|ui| {
                            ui.label(value);
                            if conflicted(name) {
                                widgets::badge(ui, state.t(Key::BadgeConflict), AMBER);
                            }
                        });
                        ui.end_row();
                    };
                    field(ui, Key::FieldNumber, case.number.to_string(), "number");
                    field(
                        ui,
                        Key::FieldReceived,
                        reg.received_on.to_string(),
                        "received_on",
                    );
                    field(
                        ui,
                        Key::FieldChannel,
                        reg.channel.zh().to_owned(),
                        "channel",
                    );
                    field(
                        ui,
                        Key::FieldPlace,
                        format!("{} {}", reg.township, reg.village),
                        "village",
                    );
                    let people: Vec<String> = reg
                        .petitioners
                        .iter()
                        .chain(&reg.representatives)
                        .map(|p| {
                            if p.phone.is_empty() {
                                p.name.clone()
                            } else {
                                format!("{}（{}）", p.name, p.phone)
                            }
                        })
                        .collect();
                    field(ui, Key::FieldPetitioners, people.join("、"), "petitioners");
                    field(
                        ui,
                        Key::FieldHeadCount,
                        reg.head_count.to_string(),
                        "head_count",
                    );
                    field(
                        ui,
                        Key::FieldRequest,
                        reg.content.request.clone(),
                        "content.request",
                    );
                    field(
                        ui,
                        Key::FieldFacts,
                        reg.content.facts.clone(),
                        "content.facts",
                    );
                    field(
                        ui,
                        Key::FieldRoute,
                        reg.route
                            .map(|r| r.zh().to_owned())
                            .unwrap_or_else(|| state.t(Key::NotRouted).to_owned()),
                        "route",
                    );
                    field(
                        ui,
                        Key::FieldComplaintType,
                        reg.complaint_type.clone(),
                        "complaint_type",
                    );
                    field(ui, Key::FieldLeadUnit, reg.lead_unit.clone(), "lead_unit");
                    field(
                        ui,
                        Key::FieldRegisteredBy,
                        case.registered_at.format("%Y-%m-%d %H:%M").to_string(),
                        "registered_at",
                    );
                });
            ui.add_space(8.0);
            ui.label(RichText::new(state.t(Key::Notes)).strong());
            if record.notes.is_empty() {
                ui.weak(state.t(Key::NoNotes));
            }
            for note in &record.notes {
                ui.label(format!(
                    "{} {}",
                    note.written_at.format("%Y-%m-%d %H:%M"),
                    note.text
                ));
            }
            widgets::text_area(ui, state.t(Key::NoteText), &mut state.case_page.note);
            if ui.button(state.t(Key::AddNote)).clicked() && !state.case_page.note.trim().is_empty()
            {
                let text = std::mem::take(&mut state.case_page.note);
                state.send(Command::AddNote {
                    case: case.id.to_string(),
                    text,
                });
            }

            let ui = &mut cols[1];
            ui.label(RichText::new(state.t(Key::Clocks)).strong());
            if page.clocks.is_empty() {
                ui.weak(state.t(Key::NoClocks));
            }
            egui::Grid::new("case-clocks").striped(true).show(ui, |ui| {
                for key in [
                    Key::ClockName,
                    Key::ClockArticle,
                    Key::ClockStart,
                    Key::ClockDue,
                    Key::ClockState,
                ] {
                    ui.strong(state.t(key));
                }
                ui.end_row();
                for c in &page.clocks {
                    let color = if c.overdue {
                        RED
                    } else if c.running {
                        ui.visuals().text_color()
                    } else {
                        GREEN
                    };
                    ui.label(RichText::new(&c.name).color(color));
                    ui.label(&c.citation);
                    ui.label(c.start.to_string());
                    ui.label(
                        RichText::new(format!("{}{}", c.due, if c.uncertain { " ?" } else { "" }))
                            .color(color),
                    );
                    ui.label(RichText::new(&c.state).color(color));
                    ui.end_row();
                }
            });
            for w in &page.warnings {
                ui.label(RichText::new(format!("！{w}")).color(AMBER));
            }
            ui.add_space(8.0);
            ui.label(RichText::new(state.t(Key::Timeline)).strong());
            for e in &record.events {
                ui.label(format!(
                    "{}  {}{}",
                    e.date,
                    event_text(&e.kind),
                    if e.remark.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", e.remark)
                    }
                ));
            }
            ui.add_space(8.0);
            event_form(ui, state, &case.id.to_string());
        });
    });
}

fn event_text(kind: &EventKind) -> String {
    match kind {
        EventKind::Routed { route } => format!("{}：{}", kind.zh(), route.zh()),
        EventKind::Forwarded { unit } | EventKind::Assigned { unit } => {
            format!("{}：{unit}", kind.zh())
        }
        EventKind::Extended { days, .. } => format!("{} {days} 日", kind.zh()),
        EventKind::Replied { reply } => format!("{}：{}", kind.zh(), reply.zh()),
        EventKind::Closed {
            satisfaction: Some(s),
        } => format!("{}（{}）", kind.zh(), s.zh()),
        other => other.zh().to_owned(),
    }
}

fn choice_name(choice: EventChoice) -> &'static str {
    kind_of(choice, Route::Dispute, ReplyType::Support, "", 0).zh()
}

fn kind_of(
    choice: EventChoice,
    route: Route,
    reply: ReplyType,
    text: &str,
    days: u32,
) -> EventKind {
    match choice {
        EventChoice::Routed => EventKind::Routed { route },
        EventChoice::Accepted => EventKind::Accepted,
        EventChoice::Acknowledged => EventKind::Acknowledged,
        EventChoice::Forwarded => EventKind::Forwarded {
            unit: text.to_owned(),
        },
        EventChoice::Extended => EventKind::Extended {
            days,
            approved_by: String::new(),
            reason: text.to_owned(),
        },
        EventChoice::Replied => EventKind::Replied { reply },
        EventChoice::Closed => EventKind::Closed { satisfaction: None },
        EventChoice::FollowUp => EventKind::FollowUp {
            outcome: text.to_owned(),
        },
    }
}

fn event_form(ui: &mut egui::Ui, state: &mut AppState, case: &str) {
    let lang = state.lang();
    let today = state.today;
    ui.group(|ui| {
        ui.label(RichText::new(state.t(Key::AddEvent)).strong());
        let form = &mut state.case_page;
        widgets::combo(
            ui,
            "event-kind",
            crate::i18n::tr(lang, Key::EventKindLabel),
            &mut form.event,
            &EventChoice::ALL,
            |c| choice_name(c).to_owned(),
        );
        match form.event {
            EventChoice::Routed => {
                widgets::combo(
                    ui,
                    "event-route",
                    crate::i18n::tr(lang, Key::EventRoute),
                    &mut form.event_route,
                    Route::ALL,
                    |r| r.zh().to_owned(),
                );
            }
            EventChoice::Replied => {
                widgets::combo(
                    ui,
                    "event-reply",
                    crate::i18n::tr(lang, Key::EventReply),
                    &mut form.event_reply,
                    ReplyType::ALL,
                    |r| r.zh().to_owned(),
                );
            }
            EventChoice::Forwarded => {
                widgets::text_field(
                    ui,
                    crate::i18n::tr(lang, Key::EventUnit),
                    &mut form.event_text,
                );
            }
            EventChoice::FollowUp => {
                widgets::text_field(
                    ui,
                    crate::i18n::tr(lang, Key::VisitOutcome),
                    &mut form.event_text,
                );
            }
            EventChoice::Extended => {
                ui.horizontal(|ui| {
                    let label = ui.label(crate::i18n::tr(lang, Key::EventDays));
                    ui.add(egui::DragValue::new(&mut form.event_days).range(1..=30))
                        .labelled_by(label.id);
                });
                widgets::text_field(
                    ui,
                    crate::i18n::tr(lang, Key::EventRemark),
                    &mut form.event_text,
                );
            }
            _ => {}
        }
        widgets::date_field(
            ui,
            lang,
            "event-date",
            crate::i18n::tr(lang, Key::EventDate),
            &mut form.event_date,
            today,
        );
        widgets::text_field(
            ui,
            crate::i18n::tr(lang, Key::EventRemark),
            &mut form.event_remark,
        );
        if ui.button(crate::i18n::tr(lang, Key::AddEvent)).clicked() {
            let kind = kind_of(
                form.event,
                form.event_route,
                form.event_reply,
                form.event_text.trim(),
                form.event_days,
            );
            let command = Command::AddEvent {
                case: case.to_owned(),
                kind,
                date: form.event_date,
                remark: std::mem::take(&mut form.event_remark),
            };
            form.event_text.clear();
            state.send(command);
        }
    });
}
