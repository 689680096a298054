//! 统计: counts by route, status, township and month, and the overdue rate, as horizontal
//! bar charts (every bar with its name and its count). The figures are
//! `fengqiao_store::reports`, the same as `fengqiao report` prints.

use egui::{Color32, RichText};

use crate::i18n::{Key, tr};
use crate::state::AppState;
use crate::widgets::{self, RED};

/// The bars' colour: the app's accent, quieter than the red of overdue figures.
const BAR: Color32 = Color32::from_rgb(0x5b, 0x8d, 0xc9);

/// Draws the reports view.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    let r = &state.reports;
    ui.heading(tr(lang, Key::ReportsHeading));
    ui.horizontal(|ui| {
        ui.label(format!("{} {}", tr(lang, Key::ReportsTotal), r.total));
        ui.separator();
        ui.label(format!("{} {}", tr(lang, Key::ReportsOpen), r.open));
        ui.separator();
        if r.clocks_known {
            ui.label(
                RichText::new(format!("{} {}", tr(lang, Key::ReportsOverdue), r.overdue))
                    .color(RED),
            );
            ui.separator();
            ui.label(
                RichText::new(crate::i18n::trf(
                    lang,
                    Key::ReportsOverdueRate,
                    &[&format!("{:.1}", r.overdue_percent())],
                ))
                .strong()
                .color(RED),
            );
        } else {
            ui.weak(tr(lang, Key::ReportsClocksPending));
        }
    });
    evaluation(ui, state);
    ui.separator();
    let not_routed = tr(lang, Key::NotRouted);
    let by_route: Vec<(String, usize)> = r
        .by_route
        .iter()
        .map(|(route, n)| (route.map_or(not_routed, |r| r.zh()).to_owned(), *n))
        .collect();
    let by_status: Vec<(String, usize)> = r
        .by_status
        .iter()
        .map(|(s, n)| (s.zh().to_owned(), *n))
        .collect();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.columns(2, |cols| {
            chart(&mut cols[0], tr(lang, Key::ReportsByRoute), &by_route);
            cols[0].add_space(12.0);
            chart(&mut cols[0], tr(lang, Key::ReportsByStatus), &by_status);
            chart(
                &mut cols[1],
                tr(lang, Key::ReportsByTownship),
                &r.by_township,
            );
            cols[1].add_space(12.0);
            chart(&mut cols[1], tr(lang, Key::ReportsByMonth), &r.by_month);
        });
    });
}

/// Satisfaction rate per dimension and the follow-up rate, each with its definition on hover.
fn evaluation(ui: &mut egui::Ui, state: &AppState) {
    let lang = state.lang();
    let e = &state.reports.evaluation;
    if !state.reports.clocks_known {
        return;
    }
    let percent = |rate: Option<f64>| rate.map_or_else(|| "—".to_owned(), |r| format!("{r:.1}%"));
    ui.horizontal_wrapped(|ui| {
        for (key, counts) in [
            (Key::ReportsSatisfactionQuality, &e.reply_quality),
            (Key::ReportsSatisfactionTimeliness, &e.timeliness),
        ] {
            ui.label(
                RichText::new(crate::i18n::trf(
                    lang,
                    key,
                    &[&percent(counts.rate_percent()), &counts.evaluated()],
                ))
                .strong(),
            )
            .on_hover_text(crate::i18n::trf(
                lang,
                Key::ReportsSatisfactionHelp,
                &[
                    &counts.satisfied,
                    &counts.basically_satisfied,
                    &counts.dissatisfied,
                ],
            ));
            ui.separator();
        }
        ui.label(
            RichText::new(crate::i18n::trf(
                lang,
                Key::ReportsFollowUpRate,
                &[
                    &percent(e.follow_up_rate_percent()),
                    &e.follow_ups_done,
                    &e.follow_ups_required,
                ],
            ))
            .strong(),
        )
        .on_hover_text(crate::i18n::trf(
            lang,
            Key::ReportsFollowUpHelp,
            &[&e.follow_ups_overdue],
        ));
    });
}

/// A chart of counts: a titled horizontal bar chart, every bar named.
fn chart(ui: &mut egui::Ui, title: &str, data: &[(String, usize)]) {
    ui.label(RichText::new(title).strong());
    widgets::bar_chart(ui, data, BAR);
}
