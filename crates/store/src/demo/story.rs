//! How a demo case moves through the year: as a county office that keeps its deadlines
//! works. Each step follows the one before it within days, well inside its statutory
//! clock, so a case received months ago is finished (closed, evaluated, visited again) and
//! a recent one stands where its age puts it. A few are late: stuck at one step for days
//! or weeks past its deadline, as the office's supervision (督办) would find them — not
//! for a year, which no office would let happen.
//!
//! The shares below give the demo county (2,000 cases) an overdue rate of a few per cent
//! on 今日 and 统计; `crates/store/tests/demo.rs` computes it with the views' own code.

use chrono::{Duration, NaiveDate};
use fengqiao_model::{EventKind, ReplyType, Route, Satisfaction};
use rand::{Rng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;

/// Of the cases whose reply falls due in the last few weeks, the share still awaiting it.
const LATE_REPLY_SHARE: f64 = 0.06;
/// Of the cases whose written notice falls due in the last few weeks, the share without it.
const LATE_NOTICE_SHARE: f64 = 0.04;
/// How long a late case has been late at most, in days: supervision catches the rest.
const MOST_DAYS_LATE: i64 = 40;
/// Of the replies the petitioner did not accept (不予支持), the share taken to review.
const REVIEW_SHARE: f64 = 0.35;
/// Of the petition requests, the share whose handling was extended (T6).
const EXTENSION_SHARE: f64 = 0.08;
/// Of the notices and replies on time, the share given in the clock's last days (so that
/// some fall due soon on any day).
const LAST_DAYS_SHARE: f64 = 0.2;
/// Of the follow-up visits due, the share done.
const FOLLOW_UP_SHARE: f64 = 0.97;

/// The events of a case received on `received` with the template's route and unit, up to
/// `end`, in order.
pub(super) fn history(
    rng: &mut ChaCha8Rng,
    route: Route,
    unit: &str,
    received: NaiveDate,
    end: NaiveDate,
) -> Vec<(EventKind, NaiveDate)> {
    let mut story = Story {
        events: Vec::new(),
        day: received,
        end,
    };
    let _ = story.tell(rng, route, unit, received);
    story.events
}

/// The story so far: events up to `end`; a step past `end` has not happened yet.
struct Story {
    events: Vec<(EventKind, NaiveDate)>,
    day: NaiveDate,
    end: NaiveDate,
}

/// A step that has not happened by the end of the demo year (or was left undone).
struct NotYet;

impl Story {
    /// The next event, `lo..=hi` days after the last one; `NotYet` if that is after `end`.
    fn after(
        &mut self,
        rng: &mut ChaCha8Rng,
        lo: i64,
        hi: i64,
        kind: EventKind,
    ) -> Result<NaiveDate, NotYet> {
        let day = self.day + Duration::days(rng.random_range(lo..=hi));
        self.at(day, kind)
    }

    fn at(&mut self, day: NaiveDate, kind: EventKind) -> Result<NaiveDate, NotYet> {
        if day > self.end {
            return Err(NotYet);
        }
        self.day = day;
        self.events.push((kind, day));
        Ok(day)
    }

    /// Whether a case whose step falls due on `due` is one of the late ones: due within
    /// the last [`MOST_DAYS_LATE`] days, and drawn with `share`.
    fn late(&self, rng: &mut ChaCha8Rng, due: NaiveDate, share: f64) -> bool {
        let days_late = (self.end - due).num_days();
        (1..=MOST_DAYS_LATE).contains(&days_late) && rng.random_bool(share)
    }

    fn tell(
        &mut self,
        rng: &mut ChaCha8Rng,
        route: Route,
        unit: &str,
        received: NaiveDate,
    ) -> Result<(), NotYet> {
        self.after(rng, 0, 1, EventKind::Routed { route })?;
        match route {
            // 诉访分离: into the court's or the police's own procedure, in writing.
            Route::LitigationRelated => {
                self.after(
                    rng,
                    1,
                    5,
                    EventKind::Diverted {
                        procedure: format!("导入{unit}程序"),
                    },
                )?;
                return Ok(());
            }
            // To the discipline inspectors, who notify by their own rules; the office
            // closes its part when their result comes back.
            Route::DisciplineReport => {
                self.after(rng, 1, 4, EventKind::Forwarded { unit: unit.into() })?;
                self.after(rng, 0, 5, EventKind::Acknowledged)?;
                self.after(rng, 30, 80, EventKind::Closed { satisfaction: None })?;
                return Ok(());
            }
            _ => {}
        }
        let assigned = self.after(rng, 1, 4, EventKind::Assigned { unit: unit.into() })?;
        self.after(rng, 1, 4, EventKind::Accepted)?;
        let accepted = self.day;
        // The written notice (T2/T3: 15 days from receipt): a few are late.
        let notice_due = assigned.max(received) + Duration::days(15);
        if self.late(rng, notice_due, LATE_NOTICE_SHARE) {
            return Err(NotYet);
        }
        if rng.random_bool(LAST_DAYS_SHARE) {
            let last_days = notice_due - Duration::days(rng.random_range(1..=4));
            self.at(last_days.max(self.day), EventKind::Acknowledged)?;
        } else {
            self.after(rng, 0, 3, EventKind::Acknowledged)?;
        }
        if route == Route::Dispute && rng.random_bool(0.5) {
            self.after(
                rng,
                5,
                25,
                EventKind::Mediated {
                    agreement: "达成调解协议".into(),
                },
            )?;
        }
        // Handling (T5: 60 days from acceptance, T6 when extended).
        let extended = route == Route::PetitionRequest && rng.random_bool(EXTENSION_SHARE);
        let reply_due = accepted + Duration::days(if extended { 90 } else { 60 });
        if extended {
            self.at(
                accepted + Duration::days(rng.random_range(45..=55)),
                EventKind::Extended {
                    days: 30,
                    approved_by: "分管局长".into(),
                    reason: "需补充调查".into(),
                },
            )?;
        }
        if self.late(rng, reply_due, LATE_REPLY_SHARE) {
            return Err(NotYet);
        }
        let reply = *[
            ReplyType::Support,
            ReplyType::Support,
            ReplyType::Explain,
            ReplyType::Explain,
            ReplyType::NotSupport,
        ]
        .choose(rng)
        .unwrap_or(&ReplyType::Explain);
        let latest = (reply_due - self.day).num_days().max(1);
        let earliest = if rng.random_bool(LAST_DAYS_SHARE) {
            latest - 5
        } else {
            latest / 4
        }
        .max(1);
        self.after(
            rng,
            earliest,
            (latest - 1).max(earliest),
            EventKind::Replied { reply },
        )?;
        // Review (T7 window, T8 opinion within 30 days).
        if reply == ReplyType::NotSupport && rng.random_bool(REVIEW_SHARE) {
            self.after(rng, 5, 25, EventKind::ReviewRequested)?;
            self.after(rng, 10, 27, EventKind::ReviewOpinion { reply })?;
        }
        let satisfaction = *[
            Satisfaction::Satisfied,
            Satisfaction::Satisfied,
            Satisfaction::Satisfied,
            Satisfaction::BasicallySatisfied,
            Satisfaction::BasicallySatisfied,
            Satisfaction::Dissatisfied,
        ]
        .choose(rng)
        .unwrap_or(&Satisfaction::Satisfied);
        let closed = self.after(
            rng,
            1,
            10,
            EventKind::Closed {
                satisfaction: Some(satisfaction),
            },
        )?;
        // The evaluation (满意度评价) and the follow-up visit (回访) derive from the close.
        // Timeliness is judged on how long it took, whatever the answer was.
        let timeliness = match (closed - received).num_days() {
            took if took > 80 => Satisfaction::Dissatisfied,
            took if took > 50 => Satisfaction::BasicallySatisfied,
            _ => Satisfaction::Satisfied,
        };
        self.at(
            closed,
            EventKind::Evaluated {
                reply_quality: satisfaction,
                timeliness,
            },
        )?;
        let due = closed + Duration::days(15);
        self.at(closed, EventKind::FollowUpScheduled { due })?;
        if rng.random_bool(FOLLOW_UP_SHARE) {
            self.after(
                rng,
                5,
                15,
                EventKind::FollowUp {
                    outcome: "回访：信访人无新诉求".into(),
                },
            )?;
        }
        Ok(())
    }
}
