//! Satisfaction evaluation (满意度评价) and follow-up visits (回访) after a reply
//! (RULES.md §2): what a case's events say about them, and the county's rates.
//!
//! Definitions (the 统计 view states them on hover):
//! - **satisfaction rate**, per dimension (答复质量, 办理时效): cases whose latest evaluation
//!   is 满意 or 基本满意, over cases evaluated. A re-evaluation replaces the earlier one.
//! - **follow-up rate**: follow-up tasks done, over tasks required by `today` (due on or
//!   before `today`, or already done). A task not yet due and not done is not counted.

use chrono::NaiveDate;
use fengqiao_model::event::{CaseEvent, EventKind};
use fengqiao_model::vocab::Satisfaction;

/// Where a follow-up task stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FollowUpState {
    /// Not done, due later.
    Pending,
    /// Not done, and the due date has passed.
    Overdue,
    /// Done on or before the due date.
    Done,
    /// Done after the due date.
    DoneLate,
}

impl FollowUpState {
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            FollowUpState::Pending => "待回访",
            FollowUpState::Overdue => "回访逾期",
            FollowUpState::Done => "已回访",
            FollowUpState::DoneLate => "已回访（逾期）",
        }
    }

    /// Whether the visit was made.
    pub fn is_done(self) -> bool {
        matches!(self, FollowUpState::Done | FollowUpState::DoneLate)
    }
}

/// One follow-up task of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpTask {
    /// The day the task was set.
    pub set_on: NaiveDate,
    pub due: NaiveDate,
    /// The follow-up visit that did it.
    pub done_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub state: FollowUpState,
}

/// The follow-up tasks of a case's sorted events. Each `FollowUp` does the oldest open
/// task set on or before its date; a visit with no open task is not a task.
pub fn follow_up_tasks(events: &[CaseEvent], today: NaiveDate) -> Vec<FollowUpTask> {
    let mut tasks: Vec<FollowUpTask> = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::FollowUpScheduled { due } => tasks.push(FollowUpTask {
                set_on: e.date,
                due: *due,
                done_on: None,
                outcome: None,
                state: FollowUpState::Pending,
            }),
            EventKind::FollowUp { outcome } => {
                if let Some(task) = tasks
                    .iter_mut()
                    .find(|t| t.done_on.is_none() && t.set_on <= e.date)
                {
                    task.done_on = Some(e.date);
                    task.outcome = Some(outcome.clone());
                }
            }
            _ => {}
        }
    }
    for task in &mut tasks {
        task.state = match task.done_on {
            Some(done) if done <= task.due => FollowUpState::Done,
            Some(_) => FollowUpState::DoneLate,
            None if task.due < today => FollowUpState::Overdue,
            None => FollowUpState::Pending,
        };
    }
    tasks
}

/// The latest evaluation of a case's sorted events: (reply quality, timeliness).
pub fn latest_evaluation(events: &[CaseEvent]) -> Option<(Satisfaction, Satisfaction)> {
    events.iter().rev().find_map(|e| match e.kind {
        EventKind::Evaluated {
            reply_quality,
            timeliness,
        } => Some((reply_quality, timeliness)),
        _ => None,
    })
}

/// Counts of one dimension's ratings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RatingCounts {
    pub satisfied: usize,
    pub basically_satisfied: usize,
    pub dissatisfied: usize,
}

impl RatingCounts {
    fn add(&mut self, rating: Satisfaction) {
        match rating {
            Satisfaction::Satisfied => self.satisfied += 1,
            Satisfaction::BasicallySatisfied => self.basically_satisfied += 1,
            Satisfaction::Dissatisfied => self.dissatisfied += 1,
        }
    }

    /// Cases evaluated.
    pub fn evaluated(&self) -> usize {
        self.satisfied + self.basically_satisfied + self.dissatisfied
    }

    /// (满意 + 基本满意) / evaluated, as a percentage; `None` when nothing was evaluated.
    pub fn rate_percent(&self) -> Option<f64> {
        let n = self.evaluated();
        (n > 0).then(|| (self.satisfied + self.basically_satisfied) as f64 * 100.0 / n as f64)
    }
}

/// The evaluation and follow-up figures of many cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvaluationTally {
    pub reply_quality: RatingCounts,
    pub timeliness: RatingCounts,
    /// Follow-up tasks due on or before `today`, or done.
    pub follow_ups_required: usize,
    pub follow_ups_done: usize,
    /// Required and not done.
    pub follow_ups_overdue: usize,
}

impl EvaluationTally {
    /// Adds one case's sorted events.
    pub fn add_case(&mut self, events: &[CaseEvent], today: NaiveDate) {
        if let Some((quality, timeliness)) = latest_evaluation(events) {
            self.reply_quality.add(quality);
            self.timeliness.add(timeliness);
        }
        for task in follow_up_tasks(events, today) {
            if task.state.is_done() {
                self.follow_ups_required += 1;
                self.follow_ups_done += 1;
            } else if task.state == FollowUpState::Overdue || task.due == today {
                self.follow_ups_required += 1;
                if task.state == FollowUpState::Overdue {
                    self.follow_ups_overdue += 1;
                }
            }
        }
    }

    /// Follow-ups done over required, as a percentage; `None` when none is required.
    pub fn follow_up_rate_percent(&self) -> Option<f64> {
        (self.follow_ups_required > 0)
            .then(|| self.follow_ups_done as f64 * 100.0 / self.follow_ups_required as f64)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test helpers on fixed literals
mod tests {
    use super::*;
    use Satisfaction::{BasicallySatisfied, Dissatisfied, Satisfied};
    use chrono::FixedOffset;
    use fengqiao_model::ids::{EventId, PersonId};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ev(n: u32, date: &str, kind: EventKind) -> CaseEvent {
        let offset = FixedOffset::east_opt(8 * 3600).unwrap();
        CaseEvent {
            id: format!("00000000-0000-7000-8000-{n:012}")
                .parse::<EventId>()
                .unwrap(),
            kind,
            date: d(date),
            recorded_at: d(date)
                .and_hms_opt(9, 0, 0)
                .unwrap()
                .and_local_timezone(offset)
                .unwrap(),
            recorded_by: "00000000-0000-7000-8000-000000000000"
                .parse::<PersonId>()
                .unwrap(),
            remark: String::new(),
        }
    }

    fn evaluated(n: u32, date: &str, q: Satisfaction, t: Satisfaction) -> CaseEvent {
        ev(
            n,
            date,
            EventKind::Evaluated {
                reply_quality: q,
                timeliness: t,
            },
        )
    }

    fn scheduled(n: u32, date: &str, due: &str) -> CaseEvent {
        ev(n, date, EventKind::FollowUpScheduled { due: d(due) })
    }

    fn visited(n: u32, date: &str) -> CaseEvent {
        ev(
            n,
            date,
            EventKind::FollowUp {
                outcome: "无新诉求".into(),
            },
        )
    }

    #[test]
    fn follow_up_tasks_are_done_by_later_visits_in_order() {
        let events = [
            scheduled(1, "2026-06-01", "2026-06-15"),
            scheduled(2, "2026-06-20", "2026-07-01"),
            visited(3, "2026-06-10"),
            visited(4, "2026-07-05"),
            scheduled(5, "2026-08-01", "2026-08-10"),
            scheduled(6, "2026-08-02", "2026-09-30"),
        ];
        let tasks = follow_up_tasks(&events, d("2026-09-01"));
        let states: Vec<FollowUpState> = tasks.iter().map(|t| t.state).collect();
        assert_eq!(
            states,
            [
                FollowUpState::Done,
                FollowUpState::DoneLate,
                FollowUpState::Overdue,
                FollowUpState::Pending
            ]
        );
        assert_eq!(tasks[1].done_on, Some(d("2026-07-05")));
        // A visit before any task is set does not do a later task.
        let early = [
            visited(1, "2026-05-01"),
            scheduled(2, "2026-06-01", "2026-06-15"),
        ];
        assert_eq!(
            follow_up_tasks(&early, d("2026-07-01"))[0].state,
            FollowUpState::Overdue
        );
    }

    #[test]
    fn tally_counts_latest_evaluation_per_dimension_and_follow_up_rate() {
        let today = d("2026-09-01");
        let mut tally = EvaluationTally::default();
        // Re-evaluated: only the latest counts.
        tally.add_case(
            &[
                evaluated(1, "2026-06-01", Dissatisfied, Dissatisfied),
                evaluated(2, "2026-06-09", Satisfied, Dissatisfied),
                scheduled(3, "2026-06-09", "2026-06-30"),
                visited(4, "2026-06-20"),
            ],
            today,
        );
        tally.add_case(
            &[
                evaluated(1, "2026-07-01", BasicallySatisfied, Satisfied),
                scheduled(2, "2026-07-01", "2026-07-15"),
            ],
            today,
        );
        tally.add_case(
            &[
                evaluated(1, "2026-08-01", Dissatisfied, BasicallySatisfied),
                // Not yet due: not required.
                scheduled(2, "2026-08-01", "2026-09-20"),
            ],
            today,
        );
        tally.add_case(&[visited(1, "2026-08-01")], today);
        assert_eq!(tally.reply_quality.evaluated(), 3);
        assert_eq!(
            tally.reply_quality.rate_percent().map(|r| r.round()),
            Some(67.0)
        );
        assert_eq!(tally.timeliness.dissatisfied, 1);
        assert_eq!(
            tally.timeliness.rate_percent().map(|r| r.round()),
            Some(67.0)
        );
        assert_eq!(
            (
                tally.follow_ups_required,
                tally.follow_ups_done,
                tally.follow_ups_overdue
            ),
            (2, 1, 1)
        );
        assert_eq!(tally.follow_up_rate_percent(), Some(50.0));
        assert_eq!(EvaluationTally::default().follow_up_rate_percent(), None);
        assert_eq!(RatingCounts::default().rate_percent(), None);
    }
}
