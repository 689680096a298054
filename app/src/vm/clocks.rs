//! Clocks for the views, computed with `fengqiao-rules` (pure; the store thread and the
//! benchmark call it).

use chrono::NaiveDate;
use fengqiao_model::{CaseEvent, CaseId, CaseStatus, Registration};
use fengqiao_rules::{
    ClockReport, ClockState, DueStatus, DueThresholds, HolidayCalendar, LawContext, case_clocks,
};

use super::{CaseClockFlag, CasePage, ClockIndex, ClockLine, DUE_SOON_DAYS, FollowUpLine};

/// One clock as a line of the case page.
pub fn clock_line(report: &ClockReport) -> ClockLine {
    let d = &report.deadline;
    let running = matches!(report.state, ClockState::Running(_));
    ClockLine {
        name: format!("{} {}", d.clock.code(), d.clock.zh()),
        citation: d.citation(),
        start: d.start,
        due: d.due,
        state: report.state.to_string(),
        running,
        overdue: matches!(report.state, ClockState::Running(DueStatus::Overdue { .. })),
        uncertain: !d.uncertain_years.is_empty(),
    }
}

/// A case page with its clocks as of `today`; `law` (the store's `law_context`) says
/// which unit kind received the case and how the county reads the law.
pub fn case_page(
    record: fengqiao_store::CaseRecord,
    calendar: &HolidayCalendar,
    law: &LawContext,
    today: NaiveDate,
) -> CasePage {
    let clocks = record.clocks(law, calendar, today);
    let mut warnings: Vec<String> = clocks.warnings.iter().map(ToString::to_string).collect();
    warnings.extend(clocks.diagnostics.iter().map(ToString::to_string));
    let follow_ups = fengqiao_rules::follow_up_tasks(&record.events, today)
        .into_iter()
        .map(|t| FollowUpLine {
            due: t.due,
            done_on: t.done_on,
            state: t.state.zh().to_owned(),
            overdue: t.state == fengqiao_rules::FollowUpState::Overdue,
        })
        .collect();
    CasePage {
        clocks: clocks.clocks.iter().map(clock_line).collect(),
        warnings,
        follow_ups,
        record,
        papers: Vec::new(),
        offers: Vec::new(),
    }
}

/// The clocks of every open case among `cases` (id, registration, sorted events).
pub fn index<'a>(
    cases: impl Iterator<Item = (CaseId, &'a Registration, &'a [CaseEvent])>,
    calendar: &HolidayCalendar,
    law: &LawContext,
    today: NaiveDate,
) -> ClockIndex {
    let mut index = ClockIndex {
        today: Some(today),
        ..ClockIndex::default()
    };
    let thresholds = DueThresholds::default();
    let mut overdue = Vec::new();
    let mut due_soon = Vec::new();
    for (id, registration, events) in cases {
        // Evaluations and follow-ups count for every case, closed ones above all.
        index.evaluation.add_case(events, today);
        let status = fengqiao_model::event::status_of(events);
        if !status.is_open() || status == CaseStatus::Final {
            continue;
        }
        let facts = law.facts(registration);
        let clocks = case_clocks(&facts, events, calendar, today, &thresholds);
        let is_overdue = clocks.overdue().next().is_some();
        let next = clocks
            .running()
            .min_by_key(|c| c.deadline.due)
            .map(clock_line);
        if is_overdue {
            overdue.push((registration.received_on, id));
        } else if let Some(line) = &next
            && line.due <= today + chrono::Duration::days(DUE_SOON_DAYS)
        {
            due_soon.push((line.due, id));
        }
        index.per_case.insert(
            id,
            CaseClockFlag {
                overdue: is_overdue,
                next,
            },
        );
    }
    overdue.sort();
    due_soon.sort();
    index.overdue = overdue.into_iter().map(|(_, id)| id).collect();
    index.due_soon = due_soon.into_iter().map(|(_, id)| id).collect();
    index
}
