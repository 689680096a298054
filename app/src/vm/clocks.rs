//! A case page's clocks, computed with `fengqiao-rules` (pure; the store thread calls it).
//! The clocks of every open case (今日, 仅超期, 统计) are `fengqiao_store::reports`, shared
//! with the CLI.

use chrono::NaiveDate;
use fengqiao_rules::{HolidayCalendar, LawContext};
use fengqiao_store::reports::clock_line;

use super::{CasePage, FollowUpLine};

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
        attachments: Vec::new(),
    }
}
