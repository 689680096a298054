//! 统计: counts by route, status, township and month, and the overdue rate, as bar charts.

use egui::RichText;
use egui_plot::{Bar, BarChart, Plot};

use crate::i18n::{Key, tr};
use crate::state::AppState;
use crate::widgets::RED;

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
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.columns(2, |cols| {
            chart(
                &mut cols[0],
                "by-route",
                tr(lang, Key::ReportsByRoute),
                &r.by_route,
                lang,
            );
            chart(
                &mut cols[1],
                "by-status",
                tr(lang, Key::ReportsByStatus),
                &r.by_status,
                lang,
            );
        });
        ui.columns(2, |cols| {
            chart(
                &mut cols[0],
                "by-township",
                tr(lang, Key::ReportsByTownship),
                &r.by_township,
                lang,
            );
            chart(
                &mut cols[1],
                "by-month",
                tr(lang, Key::ReportsByMonth),
                &r.by_month,
                lang,
            );
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

fn chart(
    ui: &mut egui::Ui,
    id: &str,
    title: &str,
    data: &[(String, usize)],
    lang: crate::i18n::Lang,
) {
    ui.label(RichText::new(title).strong());
    let bars: Vec<Bar> = data
        .iter()
        .enumerate()
        .map(|(i, (name, n))| Bar::new(i as f64, *n as f64).name(name).width(0.7))
        .collect();
    let labels: Vec<String> = data.iter().map(|(name, _)| name.clone()).collect();
    Plot::new(id)
        .height(220.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .show_grid([false, true])
        .y_axis_label(tr(lang, Key::ReportsCount))
        .x_axis_formatter(move |mark, _range| {
            let i = mark.value.round();
            if (mark.value - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            labels.get(i as usize).cloned().unwrap_or_default()
        })
        .show(ui, |plot| plot.bar_chart(BarChart::new(title, bars)));
    // The numbers, for readers and for tests (plots carry little accessibility).
    ui.horizontal_wrapped(|ui| {
        for (name, n) in data {
            ui.weak(format!("{name} {n}"));
        }
    });
}
