//! A case page: fields, clocks with their articles, the event timeline, notes, conflict
//! badges; forms to record an event and add a note.

use egui::RichText;
use fengqiao_model::{EventKind, PanelKind, ReplyType, Route, Satisfaction};

use crate::backend::Command;
use crate::i18n::Key;
use crate::state::{AppState, CasePageState, Dest, EventChoice, Slot, View};
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
    let dropped = super::attachments::Dropped::take(ui.ctx());
    // Where the note form and the event form are, for files dropped onto them.
    let (mut note_rect, mut event_rect) = (egui::Rect::NOTHING, egui::Rect::NOTHING);
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
        unreadable(ui, state, &record.unreadable);
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
                    if !case.source_number.is_empty() {
                        field(
                            ui,
                            Key::FieldSourceNumber,
                            case.source_number.clone(),
                            "source_number",
                        );
                    }
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
                    let kept_apart = match record.kept_apart {
                        Some(fengqiao_store::KeptApart::Withheld) => Some(Key::KeptApartWithheld),
                        Some(fengqiao_store::KeptApart::AwaitingHandover) => {
                            Some(Key::KeptApartAwaiting)
                        }
                        _ => None,
                    };
                    if let Some(key) = kept_apart {
                        ui.label("");
                        ui.label(RichText::new(state.t(key)).color(ui.visuals().warn_fg_color));
                        ui.end_row();
                    }
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
                    // The guide's name for the type, not its id.
                    let complaint = state
                        .guide
                        .current(reg.received_on)
                        .or_else(|| state.guide.latest())
                        .and_then(|list| list.get(&reg.complaint_type))
                        .map_or_else(|| reg.complaint_type.clone(), |e| e.name.clone());
                    field(ui, Key::FieldComplaintType, complaint, "complaint_type");
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
            note_rect = ui
                .scope(|ui| {
                    widgets::text_area(ui, state.t(Key::NoteText), &mut state.case_page.note);
                    super::attachments::staged(ui, state, Slot::Note);
                    if ui.button(state.t(Key::AddNote)).clicked()
                        && !state.case_page.note.trim().is_empty()
                    {
                        let text = std::mem::take(&mut state.case_page.note);
                        let files = std::mem::take(&mut state.attach.note_files);
                        state.send(Command::AddNote {
                            case: case.id.to_string(),
                            text,
                            files,
                        });
                    }
                })
                .response
                .rect;
            ui.add_space(8.0);
            super::attachments::case_section(ui, state, &page);
            ui.add_space(8.0);
            super::papers::section(ui, state, &page);

            let ui = &mut cols[1];
            ui.label(RichText::new(state.t(Key::Clocks)).strong());
            if page.clocks.is_empty() {
                ui.weak(state.t(Key::NoClocks));
            }
            // The article under the clock's name: the table fits half a laptop's screen.
            egui::Grid::new("case-clocks").striped(true).show(ui, |ui| {
                ui.strong(format!(
                    "{} / {}",
                    state.t(Key::ClockName),
                    state.t(Key::ClockArticle)
                ));
                for key in [Key::ClockStart, Key::ClockDue, Key::ClockState] {
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
                    ui.vertical(|ui| {
                        ui.add(egui::Label::new(RichText::new(&c.name).color(color)).extend());
                        ui.add(
                            egui::Label::new(RichText::new(&c.citation).small().weak()).extend(),
                        );
                    });
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
            if !page.follow_ups.is_empty() {
                ui.add_space(8.0);
                ui.label(RichText::new(state.t(Key::FollowUps)).strong());
                for f in &page.follow_ups {
                    let text = match f.done_on {
                        Some(on) => state.tf(Key::FollowUpDoneLine, &[&f.due, &f.state, &on]),
                        None => state.tf(Key::FollowUpLine, &[&f.due, &f.state]),
                    };
                    let color = if f.overdue {
                        RED
                    } else {
                        ui.visuals().text_color()
                    };
                    ui.label(RichText::new(text).color(color));
                }
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
            event_rect = event_form(ui, state, &case.id.to_string());
        });
    });
    if !dropped.paths.is_empty() && super::attachments::may_write(state) {
        let (dest, slot) = if dropped.within(event_rect) {
            (Dest::Event, Slot::Event)
        } else if dropped.within(note_rect) {
            (Dest::Note, Slot::Note)
        } else {
            let on = fengqiao_model::AttachedTo::Case;
            let case = case.id.to_string();
            (
                Dest::Now(crate::backend::Owner::Case { case, on }),
                Slot::Case,
            )
        };
        if let Some(command) = state.attach.dropped(dest, slot, dropped.paths) {
            state.send(command);
        }
    }
}

/// The case's records this version could not read: what each says it is, and why it is
/// not read (a newer version's, or damaged). Shown above everything, since the timeline
/// and the clocks below are without them.
fn unreadable(ui: &mut egui::Ui, state: &AppState, records: &[fengqiao_store::UnreadableRecord]) {
    if records.is_empty() {
        return;
    }
    ui.label(
        RichText::new(state.t(Key::UnreadableRecords))
            .strong()
            .color(AMBER),
    );
    ui.weak(state.t(Key::UnreadableHint));
    for u in records {
        let what = match u.collection.as_str() {
            "events" => state.t(Key::EventKindLabel),
            "notes" => state.t(Key::Notes),
            other => other,
        };
        let about: Vec<&str> = ["kind", "date", "written_at"]
            .into_iter()
            .filter_map(|k| u.stored.get(k).and_then(serde_json::Value::as_str))
            .collect();
        let why = match u.why {
            fengqiao_store::Unreadable::NewerVersion => state.t(Key::UnreadableNewer),
            fengqiao_store::Unreadable::Damaged => state.t(Key::UnreadableDamaged),
        };
        ui.label(RichText::new(format!("！{what} {} — {why}", about.join(" "))).color(AMBER));
    }
    ui.add_space(8.0);
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
        EventKind::Evaluated {
            reply_quality,
            timeliness,
        } => format!(
            "{}：答复质量{}，办理时效{}",
            kind.zh(),
            reply_quality.zh(),
            timeliness.zh()
        ),
        EventKind::FollowUpScheduled { due } => format!("{}：{due} 前回访", kind.zh()),
        EventKind::FollowUp { outcome } => format!("{}：{outcome}", kind.zh()),
        EventKind::HearingSession {
            days,
            members,
            outcome,
            ..
        } => format!(
            "{} {} 天，{} 人：{outcome}",
            kind.zh(),
            days.len(),
            members.len()
        ),
        other => other.zh().to_owned(),
    }
}

fn choice_name(choice: EventChoice) -> &'static str {
    match choice {
        EventChoice::Routed => "分流",
        EventChoice::Accepted => "受理",
        EventChoice::Acknowledged => "告知",
        EventChoice::Forwarded => "转送",
        EventChoice::Extended => "延期",
        EventChoice::Replied => "答复",
        EventChoice::Closed => "办结",
        EventChoice::Evaluated => "满意度评价",
        EventChoice::FollowUpScheduled => "回访安排",
        EventChoice::FollowUp => "回访",
        EventChoice::HearingSession => "听证/评议会",
    }
}

/// The event the form describes; its date is `form.event_date` (a session's first day).
fn kind_of(form: &CasePageState) -> EventKind {
    let text = form.event_text.trim();
    match form.event {
        EventChoice::Routed => EventKind::Routed {
            route: form.event_route,
        },
        EventChoice::Accepted => EventKind::Accepted,
        EventChoice::Acknowledged => EventKind::Acknowledged,
        EventChoice::Forwarded => EventKind::Forwarded {
            unit: text.to_owned(),
        },
        EventChoice::Extended => EventKind::Extended {
            days: form.event_days,
            approved_by: String::new(),
            reason: text.to_owned(),
        },
        EventChoice::Replied => EventKind::Replied {
            reply: form.event_reply,
        },
        EventChoice::Closed => EventKind::Closed { satisfaction: None },
        EventChoice::Evaluated => EventKind::Evaluated {
            reply_quality: form.event_quality,
            timeliness: form.event_timeliness,
        },
        EventChoice::FollowUpScheduled => EventKind::FollowUpScheduled {
            due: form.event_due,
        },
        EventChoice::FollowUp => EventKind::FollowUp {
            outcome: text.to_owned(),
        },
        EventChoice::HearingSession => {
            let first = form.event_date;
            let last = form.event_last_day.max(first);
            EventKind::HearingSession {
                panel: form.event_panel,
                days: first.iter_days().take_while(|d| *d <= last).collect(),
                members: form.event_members.clone(),
                outcome: text.to_owned(),
                minutes: form.event_minutes.trim().to_owned(),
            }
        }
    }
}

/// The form to record an event, with the files to attach to it; returns where it is.
fn event_form(ui: &mut egui::Ui, state: &mut AppState, case: &str) -> egui::Rect {
    let lang = state.lang();
    let today = state.today;
    let directory = state.directory.clone();
    let members = &directory.panel_members;
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
            EventChoice::Evaluated => {
                widgets::combo(
                    ui,
                    "event-quality",
                    crate::i18n::tr(lang, Key::EvalReplyQuality),
                    &mut form.event_quality,
                    Satisfaction::ALL,
                    |s| s.zh().to_owned(),
                );
                widgets::combo(
                    ui,
                    "event-timeliness",
                    crate::i18n::tr(lang, Key::EvalTimeliness),
                    &mut form.event_timeliness,
                    Satisfaction::ALL,
                    |s| s.zh().to_owned(),
                );
            }
            EventChoice::FollowUpScheduled => {
                widgets::date_field(
                    ui,
                    lang,
                    "event-due",
                    crate::i18n::tr(lang, Key::FollowUpDue),
                    &mut form.event_due,
                    today,
                );
            }
            EventChoice::HearingSession => {
                widgets::combo(
                    ui,
                    "event-panel",
                    crate::i18n::tr(lang, Key::PanelKindLabel),
                    &mut form.event_panel,
                    PanelKind::ALL,
                    |p| p.zh().to_owned(),
                );
                widgets::date_field(
                    ui,
                    lang,
                    "event-last-day",
                    crate::i18n::tr(lang, Key::PanelLastDay),
                    &mut form.event_last_day,
                    today,
                );
                ui.label(crate::i18n::tr(lang, Key::PanelMembers));
                ui.horizontal_wrapped(|ui| {
                    for m in members
                        .iter()
                        .filter(|m| m.panels.contains(&form.event_panel))
                    {
                        let mut on = form.event_members.contains(&m.id);
                        if ui
                            .checkbox(&mut on, format!("{}（{}）", m.name, m.unit))
                            .changed()
                        {
                            if on {
                                form.event_members.push(m.id);
                            } else {
                                form.event_members.retain(|id| *id != m.id);
                            }
                        }
                    }
                });
                widgets::text_field(
                    ui,
                    crate::i18n::tr(lang, Key::PanelOutcome),
                    &mut form.event_text,
                );
                widgets::text_area(
                    ui,
                    crate::i18n::tr(lang, Key::PanelMinutes),
                    &mut form.event_minutes,
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
        super::attachments::staged(ui, state, Slot::Event);
        let form = &mut state.case_page;
        if ui.button(crate::i18n::tr(lang, Key::AddEvent)).clicked() {
            let kind = kind_of(form);
            let command = Command::AddEvent {
                case: case.to_owned(),
                kind,
                date: form.event_date,
                remark: std::mem::take(&mut form.event_remark),
                files: std::mem::take(&mut state.attach.event_files),
            };
            form.event_text.clear();
            form.event_minutes.clear();
            form.event_members.clear();
            state.send(command);
        }
    })
    .response
    .rect
}
