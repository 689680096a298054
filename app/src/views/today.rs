//! 今日: my overdue and due-soon clocks, today's and this week's reception, planned visits,
//! sync state.

use egui::RichText;
use fengqiao_model::CaseId;
use fengqiao_roster::{SlotKind, SlotRow, SlotState};

use crate::i18n::Key;
use crate::state::{AppState, View};
use crate::sync_seam::RoundKind;
use crate::widgets::{self, AMBER, RED};

/// Rows shown per list before "and N more".
const LIST_ROWS: usize = 12;

/// Draws the Today view.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading(state.tf(
        Key::TodayHeading,
        &[&widgets::date_text(state.lang(), state.today)],
    ));
    let open = state
        .cases
        .rows
        .iter()
        .filter(|r| r.status.is_open())
        .count();
    ui.weak(state.tf(Key::TodayCounts, &[&state.cases.rows.len(), &open]));
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.columns(2, |cols| {
            let overdue = state.clocks.overdue.clone();
            let due_soon = state.clocks.due_soon.clone();
            clock_list(
                &mut cols[0],
                state,
                Key::TodayOverdue,
                &overdue,
                RED,
                Key::TodayNothingOverdue,
            );
            cols[0].add_space(10.0);
            clock_list(
                &mut cols[0],
                state,
                Key::TodayDueSoon,
                &due_soon,
                AMBER,
                Key::TodayNothingDueSoon,
            );
            reception(&mut cols[1], state);
            cols[1].add_space(10.0);
            visits(&mut cols[1], state);
            cols[1].add_space(10.0);
            sync(&mut cols[1], state);
        });
    });
}

fn clock_list(
    ui: &mut egui::Ui,
    state: &mut AppState,
    title: Key,
    cases: &[CaseId],
    color: egui::Color32,
    empty: Key,
) {
    ui.label(
        RichText::new(format!("{} ({})", state.t(title), cases.len()))
            .strong()
            .color(color),
    );
    if state.clocks.today.is_none() {
        ui.weak(state.t(Key::TodayClocksPending));
        return;
    }
    if cases.is_empty() {
        ui.weak(state.t(empty));
        return;
    }
    let mut open = None;
    for id in cases.iter().take(LIST_ROWS) {
        let Some(row) = state.cases.by_id.get(id).map(|i| &state.cases.rows[*i]) else {
            continue;
        };
        let clock = state
            .clocks
            .per_case
            .get(id)
            .and_then(|f| f.next.as_ref())
            // Due when, and how late or how soon.
            .map(|c| {
                format!(
                    "{} {} · {}",
                    c.name,
                    c.due.format("%m-%d"),
                    days_text(state, c.due)
                )
            })
            .unwrap_or_default();
        ui.horizontal(|ui| {
            if ui.link(&row.number).clicked() {
                open = Some(row.number.clone());
            }
            ui.label(format!("{} {}", row.township, row.petitioner));
            ui.weak(clock);
        });
    }
    if cases.len() > LIST_ROWS {
        ui.weak(state.tf(Key::MoreItems, &[&(cases.len() - LIST_ROWS)]));
    }
    if let Some(number) = open {
        state.open_case(number);
    }
}

/// Today's and this week's receptions, and who is on call this week (a duty for the
/// week, not a reception at midnight).
fn reception(ui: &mut egui::Ui, state: &mut AppState) {
    let today = state.today;
    let week = state.roster_week.clone();
    let (on_call, receptions): (Vec<&SlotRow>, Vec<&SlotRow>) = week
        .rows
        .iter()
        .filter(|r| r.state != SlotState::Withdrawn)
        .partition(|r| r.kind == SlotKind::OnCall);
    ui.label(RichText::new(state.t(Key::TodayReceptionToday)).strong());
    let todays: Vec<&&SlotRow> = receptions.iter().filter(|r| r.date == today).collect();
    if todays.is_empty() {
        ui.weak(state.t(Key::TodayNoReception));
    }
    for r in todays {
        ui.label(format!(
            "{}–{} {}（{}） {}",
            r.start, r.end, r.leader, r.title, r.place
        ));
    }
    for r in on_call
        .iter()
        .filter(|r| r.date <= today && today <= r.through)
    {
        ui.label(state.tf(
            Key::OnCallThisWeek,
            &[&format!("{}（{}）", r.leader, r.title)],
        ))
        .on_hover_text(format!(
            "{} · {}",
            state.tf(
                Key::OnCallBand,
                &[&r.date.format("%m-%d"), &r.through.format("%m-%d")]
            ),
            r.place
        ));
    }
    ui.add_space(6.0);
    ui.label(RichText::new(state.t(Key::TodayReceptionWeek)).strong());
    if receptions.is_empty() {
        ui.weak(state.t(Key::TodayNoReception));
    }
    egui::Grid::new("today-week").striped(true).show(ui, |ui| {
        for r in &receptions {
            ui.label(format!(
                "{} {}",
                r.date.format("%m-%d"),
                weekday(state.lang(), r.date, r.weekday)
            ));
            ui.label(format!("{}–{}", r.start, r.end));
            ui.label(&r.leader);
            ui.label(&r.place);
            ui.end_row();
        }
    });
    if ui.link(state.t(Key::NavRoster)).clicked() {
        state.prefs.view = View::Roster;
    }
}

/// How far a due date is from the day the clocks were computed for: 已超期 12 天, 还剩 2 天.
fn days_text(state: &AppState, due: chrono::NaiveDate) -> String {
    let today = state.clocks.today.unwrap_or(state.today);
    match (due - today).num_days() {
        d if d < 0 => state.tf(Key::DaysOverdue, &[&-d]),
        0 => state.t(Key::DueToday).to_owned(),
        d => state.tf(Key::DaysLeft, &[&d]),
    }
}

/// A weekday as the UI's language writes it (the roster gives the Chinese one).
fn weekday(lang: crate::i18n::Lang, date: chrono::NaiveDate, zh: &str) -> String {
    match lang {
        crate::i18n::Lang::Zh => zh.to_owned(),
        crate::i18n::Lang::English => date.format("%a").to_string(),
    }
}

fn visits(ui: &mut egui::Ui, state: &mut AppState) {
    ui.label(RichText::new(state.t(Key::TodayVisits)).strong());
    let planned: Vec<_> = state
        .visits
        .visits
        .iter()
        .filter(|v| v.date >= state.today && v.outcome.is_empty())
        .take(LIST_ROWS)
        .cloned()
        .collect();
    if planned.is_empty() {
        ui.weak(state.t(Key::TodayNoVisits));
    }
    for v in planned {
        ui.label(format!(
            "{} {}{}（{}）",
            v.date,
            v.township,
            v.village,
            v.staff.join("、")
        ));
    }
}

fn sync(ui: &mut egui::Ui, state: &mut AppState) {
    ui.label(RichText::new(state.t(Key::TodaySync)).strong());
    match state.sync.rounds.first() {
        Some(round) => {
            let kind = state.t(match round.kind {
                RoundKind::BundleExported => Key::RoundExported,
                RoundKind::BundleImported => Key::RoundImported,
                RoundKind::PeerStateSaved => Key::RoundState,
                RoundKind::Live => Key::RoundLive,
                RoundKind::LiveFailed => Key::RoundLiveFailed,
            });
            ui.label(state.tf(
                Key::TodayLastRound,
                &[&round.at.format("%m-%d %H:%M"), &kind],
            ));
        }
        None => {
            ui.weak(state.t(Key::TodayNoRounds));
        }
    }
    if !state.sync.live_available {
        ui.weak(state.t(Key::SyncLiveOff));
    }
}
