//! 接访排班: the week and month calendars, each leader's own week, and the office's
//! actions: draft, publish, swap, leave, export (.ics, CSV, the printable notice); the
//! 订阅 tab (calendar subscriptions) is [`super::roster_feeds`].

use chrono::{Datelike, NaiveDate};
use egui::RichText;
use fengqiao_roster::{SlotKind, SlotRow, SlotState};

use crate::backend::{Command, RosterExport};
use crate::i18n::{Key, tr, trf};
use crate::state::{AppState, RosterSpan};
use crate::widgets::{self, AMBER, GREEN};

const WEEKDAYS: [Key; 7] = [
    Key::Mon,
    Key::Tue,
    Key::Wed,
    Key::Thu,
    Key::Fri,
    Key::Sat,
    Key::Sun,
];

/// Draws the roster view.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    let (from, to) = state.roster_ui.period();
    if state.roster_ui.requested != Some((from, to)) {
        state.roster_ui.requested = Some((from, to));
        state.send(Command::LoadRoster { from, to });
    }
    ui.heading(tr(lang, Key::RosterHeading));
    toolbar(ui, state, from, to);
    ui.separator();
    if state.roster_ui.feeds.open {
        egui::ScrollArea::vertical()
            .id_salt("feeds-scroll")
            .show(ui, |ui| crate::views::roster_feeds::ui(ui, state));
        return;
    }
    state.roster_ui.feeds.closed();
    let view = state.roster.clone();
    let current = view.from == Some(from) && view.to == Some(to);
    if !view.has_rules {
        ui.weak(tr(lang, Key::RosterNoRules));
    }
    let rows: Vec<&SlotRow> = if current {
        view.rows
            .iter()
            .filter(|r| state.roster_ui.leader.is_none_or(|l| r.leader_id == l))
            .collect()
    } else {
        Vec::new()
    };
    egui::ScrollArea::vertical()
        .id_salt("roster-scroll")
        .show(ui, |ui| {
            match state.roster_ui.span {
                RosterSpan::Week => week(ui, state, from, &rows),
                RosterSpan::Month => month(ui, state, from, to, &rows),
            }
            ui.add_space(8.0);
            actions(ui, state, from, to);
            ui.add_space(6.0);
            bookings(ui, state);
            if !view.diagnostics.is_empty() {
                ui.add_space(8.0);
                ui.label(RichText::new(tr(lang, Key::RosterDiagnostics)).strong());
                for d in &view.diagnostics {
                    ui.label(RichText::new(format!("！{d}")).color(AMBER));
                }
            }
        });
}

fn toolbar(ui: &mut egui::Ui, state: &mut AppState, from: NaiveDate, to: NaiveDate) {
    let lang = state.lang();
    let leaders = state.directory.leaders.clone();
    let r = &mut state.roster_ui;
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(&mut r.span, RosterSpan::Week, tr(lang, Key::RosterWeek));
        ui.selectable_value(&mut r.span, RosterSpan::Month, tr(lang, Key::RosterMonth));
        ui.toggle_value(&mut r.feeds.open, tr(lang, Key::FeedsTab));
        ui.separator();
        let step = |anchor: NaiveDate, span: RosterSpan, forward: bool| match span {
            RosterSpan::Week => {
                let days = chrono::Days::new(7);
                if forward {
                    anchor.checked_add_days(days)
                } else {
                    anchor.checked_sub_days(days)
                }
            }
            RosterSpan::Month => {
                let months = chrono::Months::new(1);
                if forward {
                    anchor.checked_add_months(months)
                } else {
                    anchor.checked_sub_months(months)
                }
            }
        };
        if ui.button(tr(lang, Key::RosterPrev)).clicked() {
            r.anchor = step(r.anchor, r.span, false).unwrap_or(r.anchor);
        }
        ui.strong(trf(lang, Key::RosterPeriod, &[&from, &to]));
        if ui.button(tr(lang, Key::RosterNext)).clicked() {
            r.anchor = step(r.anchor, r.span, true).unwrap_or(r.anchor);
        }
        if ui.button(tr(lang, Key::RosterThisPeriod)).clicked() {
            r.anchor = state.today;
        }
        ui.separator();
        let name = |id: Option<fengqiao_model::LeaderId>| {
            id.and_then(|id| leaders.iter().find(|l| l.id == id))
                .map(|l| format!("{}（{}）", l.name, l.title))
                .unwrap_or_else(|| tr(lang, Key::RosterAllLeaders).to_owned())
        };
        let label = ui.label(tr(lang, Key::RosterLeader));
        egui::ComboBox::from_id_salt("roster-leader")
            .selected_text(name(r.leader))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut r.leader, None, tr(lang, Key::RosterAllLeaders));
                for l in &leaders {
                    ui.selectable_value(
                        &mut r.leader,
                        Some(l.id),
                        format!("{}（{}）", l.name, l.title),
                    );
                }
            })
            .response
            .labelled_by(label.id);
    });
}

fn state_color(s: SlotState) -> Option<egui::Color32> {
    match s {
        SlotState::Published => Some(GREEN),
        SlotState::Draft => Some(AMBER),
        SlotState::Historic | SlotState::Withdrawn => None,
    }
}

fn state_key(s: SlotState) -> Key {
    match s {
        SlotState::Draft => Key::SlotDraft,
        SlotState::Published => Key::SlotPublished,
        SlotState::Historic => Key::SlotHistoric,
        SlotState::Withdrawn => Key::SlotWithdrawn,
    }
}

fn slot_button(ui: &mut egui::Ui, state: &mut AppState, r: &SlotRow, compact: bool) {
    let lang = state.lang();
    let selected = state.roster_ui.selected == Some(r.id);
    let mut text = if compact {
        RichText::new(&r.leader)
    } else {
        RichText::new(format!(
            "{}–{}\n{}（{}）\n{}\n{}",
            r.start,
            r.end,
            r.leader,
            r.title,
            r.place,
            tr(lang, state_key(r.state))
        ))
    };
    if let Some(c) = state_color(r.state) {
        text = text.color(c);
    }
    let response = ui.selectable_label(selected, text).on_hover_text(format!(
        "{} {} {}–{} {}（{}）{} · {}",
        r.date, r.weekday, r.start, r.end, r.leader, r.title, r.place, r.slot_type
    ));
    if response.clicked() {
        state.roster_ui.selected = Some(r.id);
    }
}

/// On-call duties (随时接访) as bands across the period: a duty for days on end, not a
/// reception from midnight to midnight on each of them.
fn on_call_bands(ui: &mut egui::Ui, state: &mut AppState, rows: &[&SlotRow]) {
    let lang = state.lang();
    let duties: Vec<&SlotRow> = rows
        .iter()
        .copied()
        .filter(|r| r.kind == SlotKind::OnCall)
        .collect();
    if duties.is_empty() {
        return;
    }
    ui.label(RichText::new(tr(lang, Key::RosterOnCall)).strong());
    for r in duties {
        let selected = state.roster_ui.selected == Some(r.id);
        let mut text = RichText::new(format!(
            "{}  {}（{}）  {}  · {}",
            trf(
                lang,
                Key::OnCallBand,
                &[&r.date.format("%m-%d"), &r.through.format("%m-%d")]
            ),
            r.leader,
            r.title,
            r.place,
            tr(lang, state_key(r.state))
        ));
        if let Some(c) = state_color(r.state) {
            text = text.color(c);
        }
        let band = egui::Button::selectable(selected, text)
            .min_size(egui::vec2(ui.available_width(), 26.0));
        if ui
            .push_id(r.id.as_string(), |ui| ui.add(band))
            .inner
            .clicked()
        {
            state.roster_ui.selected = Some(r.id);
        }
    }
    ui.add_space(6.0);
}

fn week(ui: &mut egui::Ui, state: &mut AppState, monday: NaiveDate, rows: &[&SlotRow]) {
    let lang = state.lang();
    if rows.is_empty() {
        ui.weak(tr(lang, Key::RosterNoSlots));
    }
    on_call_bands(ui, state, rows);
    let rows: Vec<&SlotRow> = rows
        .iter()
        .copied()
        .filter(|r| r.kind == SlotKind::Reception)
        .collect();
    ui.columns(7, |cols| {
        for (i, col) in cols.iter_mut().enumerate() {
            let Some(day) = monday.checked_add_days(chrono::Days::new(i as u64)) else {
                continue;
            };
            let head = format!("{} {}", tr(lang, WEEKDAYS[i]), day.format("%m-%d"));
            if day == state.today {
                col.label(RichText::new(head).strong().underline());
            } else {
                col.strong(head);
            }
            for r in rows.iter().filter(|r| r.date <= day && day <= r.through) {
                col.push_id(r.id.as_string(), |ui| slot_button(ui, state, r, false));
                col.add_space(4.0);
            }
        }
    });
}

fn month(
    ui: &mut egui::Ui,
    state: &mut AppState,
    first: NaiveDate,
    last: NaiveDate,
    rows: &[&SlotRow],
) {
    let lang = state.lang();
    on_call_bands(ui, state, rows);
    let rows: Vec<&SlotRow> = rows
        .iter()
        .copied()
        .filter(|r| r.kind == SlotKind::Reception)
        .collect();
    let offset = first.weekday().num_days_from_monday() as usize;
    let days = (last - first).num_days() as usize + 1;
    let cells = (offset + days).div_ceil(7) * 7;
    egui::Grid::new("roster-month")
        .min_col_width(ui.available_width() / 7.0 - 8.0)
        .min_row_height(64.0)
        .striped(true)
        .show(ui, |ui| {
            for key in WEEKDAYS {
                ui.strong(tr(lang, key));
            }
            ui.end_row();
            for cell in 0..cells {
                let day = cell
                    .checked_sub(offset)
                    .filter(|d| *d < days)
                    .and_then(|d| first.checked_add_days(chrono::Days::new(d as u64)));
                ui.vertical(|ui| {
                    if let Some(day) = day {
                        let mut head = RichText::new(day.day().to_string());
                        if day == state.today {
                            head = head.strong().underline();
                        }
                        ui.label(head);
                        for r in rows.iter().filter(|r| r.date <= day && day <= r.through) {
                            ui.push_id((r.id.as_string(), day), |ui| {
                                slot_button(ui, state, r, true)
                            });
                        }
                    }
                });
                if cell % 7 == 6 {
                    ui.end_row();
                }
            }
        });
}

fn actions(ui: &mut egui::Ui, state: &mut AppState, from: NaiveDate, to: NaiveDate) {
    let lang = state.lang();
    let today = state.today;
    let export_dir = state
        .welcome
        .as_ref()
        .map(|w| w.data_dir.join("exports"))
        .unwrap_or_default();
    ui.horizontal_wrapped(|ui| {
        if ui.button(tr(lang, Key::RosterGenerate)).clicked() {
            state.send(Command::GenerateRoster { from, to });
        }
        if ui.button(tr(lang, Key::RosterPublish)).clicked() {
            state.send(Command::PublishRoster { from, to });
        }
        ui.separator();
        for (format, key) in [
            (RosterExport::Ics, Key::RosterExportIcs),
            (RosterExport::Csv, Key::RosterExportCsv),
            (RosterExport::Notice, Key::RosterExportNotice),
        ] {
            if ui.button(tr(lang, key)).clicked() {
                let path = export_dir.join(format!("roster-{from}-{to}.{}", format.extension()));
                state.send(Command::ExportRoster {
                    format,
                    from,
                    to,
                    path,
                });
            }
        }
    });
    ui.weak(trf(lang, Key::RosterExportTo, &[&export_dir.display()]));

    ui.add_space(6.0);
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.group(|ui| {
            ui.label(RichText::new(tr(lang, Key::RosterSwap)).strong());
            let selected = state
                .roster_ui
                .selected
                .and_then(|id| state.roster.rows.iter().find(|r| r.id == id))
                .map(|r| format!("{} {} {}", r.date, r.leader, r.place));
            match &selected {
                Some(s) => ui.label(trf(lang, Key::RosterSelected, &[s])),
                None => ui.weak(trf(lang, Key::RosterSelected, &[&"—"])),
            };
            widgets::text_field(
                ui,
                tr(lang, Key::RosterSwapReason),
                &mut state.roster_ui.swap_reason,
            );
            if ui
                .add_enabled(
                    selected.is_some(),
                    egui::Button::new(tr(lang, Key::RosterSwap)),
                )
                .clicked()
                && let Some(slot) = state.roster_ui.selected
            {
                let reason = std::mem::take(&mut state.roster_ui.swap_reason);
                state.send(Command::SwapSlot { slot, reason });
            }
        });
        let ui = &mut cols[1];
        ui.group(|ui| {
            ui.label(RichText::new(tr(lang, Key::RosterLeave)).strong());
            let leaders = state.directory.leaders.clone();
            let r = &mut state.roster_ui;
            let current = r
                .leave_leader
                .and_then(|id| leaders.iter().find(|l| l.id == id))
                .map(|l| l.name.clone())
                .unwrap_or_else(|| tr(lang, Key::Choose).to_owned());
            ui.horizontal(|ui| {
                let label = ui.label(tr(lang, Key::RosterLeader));
                egui::ComboBox::from_id_salt("leave-leader")
                    .selected_text(current)
                    .show_ui(ui, |ui| {
                        for l in &leaders {
                            ui.selectable_value(
                                &mut r.leave_leader,
                                Some(l.id),
                                format!("{}（{}）", l.name, l.title),
                            );
                        }
                    })
                    .response
                    .labelled_by(label.id);
            });
            widgets::date_field(
                ui,
                lang,
                "leave-from",
                tr(lang, Key::RosterLeaveFrom),
                &mut r.leave_from,
                today,
            );
            widgets::date_field(
                ui,
                lang,
                "leave-to",
                tr(lang, Key::RosterLeaveTo),
                &mut r.leave_to,
                today,
            );
            widgets::text_field(ui, tr(lang, Key::RosterLeaveReason), &mut r.leave_reason);
            if ui
                .add_enabled(
                    r.leave_leader.is_some(),
                    egui::Button::new(tr(lang, Key::RosterReportLeave)),
                )
                .clicked()
                && let Some(leader) = r.leave_leader
            {
                let command = Command::ReportLeave {
                    leader,
                    from: r.leave_from,
                    to: r.leave_to,
                    reason: std::mem::take(&mut r.leave_reason),
                };
                state.send(command);
            }
        });
    });
}

/// Booking visitors onto the selected slot, and its briefing pack (接访准备).
fn bookings(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    let Some(slot) = state.roster_ui.selected else {
        return;
    };
    let export_dir = state
        .welcome
        .as_ref()
        .map(|w| w.data_dir.join("exports"))
        .unwrap_or_default();
    ui.group(|ui| {
        ui.label(RichText::new(tr(lang, Key::BriefingHeading)).strong());
        let r = &mut state.roster_ui;
        ui.horizontal_wrapped(|ui| {
            widgets::text_field(ui, tr(lang, Key::BriefingPetitioner), &mut r.book_name);
            widgets::text_field(ui, tr(lang, Key::BriefingPhone), &mut r.book_phone);
            widgets::text_field(ui, tr(lang, Key::BriefingCase), &mut r.book_case);
            widgets::text_field(ui, tr(lang, Key::BriefingNote), &mut r.book_note);
        });
        let mut commands = Vec::new();
        ui.horizontal_wrapped(|ui| {
            if ui.button(tr(lang, Key::BriefingBook)).clicked() {
                commands.push(Command::Book(Box::new(crate::backend::BookingForm {
                    slot,
                    petitioner: std::mem::take(&mut r.book_name),
                    phone: std::mem::take(&mut r.book_phone),
                    case: std::mem::take(&mut r.book_case),
                    note: std::mem::take(&mut r.book_note),
                })));
            }
            if ui.button(tr(lang, Key::BriefingShow)).clicked() {
                commands.push(Command::LoadBriefing { slot });
            }
            if ui.button(tr(lang, Key::BriefingSave)).clicked() {
                commands.push(Command::SaveBriefing {
                    slot,
                    path: export_dir.join(format!("briefing-{slot}.html")),
                });
            }
        });
        for c in commands {
            state.send(c);
        }
        let Some(b) = state.briefing.clone().filter(|b| b.slot.id == slot) else {
            return;
        };
        ui.separator();
        ui.label(format!(
            "{} {} {}–{} {} · {}",
            b.slot.date, b.slot.weekday, b.slot.start, b.slot.end, b.slot.place, b.slot.leader
        ));
        ui.label(RichText::new(trf(lang, Key::BriefingVisitors, &[&b.visitors.len()])).strong());
        if b.visitors.is_empty() {
            ui.weak(tr(lang, Key::BriefingNoBookings));
        }
        for v in &b.visitors {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(&v.petitioner).strong());
                match &v.case {
                    Some(c) => {
                        ui.label(format!("{} · {} · {}", c.number, c.status, c.request));
                        if let Some(k) = c.clocks.iter().filter(|k| k.running).min_by_key(|k| k.due)
                        {
                            let color = if k.overdue { widgets::RED } else { AMBER };
                            ui.label(RichText::new(format!("{} {}", k.name, k.due)).color(color));
                        }
                    }
                    None => {
                        ui.weak(tr(lang, Key::BriefingNoCase));
                    }
                }
                if !v.note.is_empty() {
                    ui.weak(&v.note);
                }
                if ui.small_button(tr(lang, Key::BriefingCancel)).clicked() {
                    state.send(Command::CancelBooking {
                        slot,
                        booking: v.booking,
                    });
                }
            });
        }
        if !b.attendees.is_empty() {
            ui.label(RichText::new(tr(lang, Key::BriefingAttendees)).strong());
            for a in &b.attendees {
                let head = match &a.head {
                    Some(name) => format!("{name}（{}）", a.title),
                    None => tr(lang, Key::BriefingNoHead).to_owned(),
                };
                ui.label(format!("{}：{head} · {}", a.unit, a.cases.join("、")));
            }
        }
        for n in &b.notes {
            ui.label(RichText::new(format!("！{n}")).color(AMBER));
        }
    });
}
