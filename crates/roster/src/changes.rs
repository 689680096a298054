//! Changes to a roster: publish, archive, swap, leave with standby (补位), delegation.
//!
//! Each function takes the current state and returns the records to write ([`Outcome`]);
//! none mutates anything, so the caller writes them (one record per store transaction)
//! and applies them with [`RosterState::apply_all`]. A change to a published slot needs a
//! reason and leaves a [`Change`] record: the public notice only changes deliberately.
//! Historic slots (their day has passed) never change.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use fengqiao_model::LeaderId;
use fengqiao_rules::calendar::HolidayCalendar;

use crate::days::{DayTable, month_end, month_start, week_monday};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::ids::{ChangeId, SlotId, SwapId};
use crate::ledger::{Counters, DueAsk};
use crate::period::Period;
use crate::rules::{ClockTime, RosterRules, Rule};
use crate::state::{
    Change, ChangeCause, Engagement, Leave, Record, RosterState, Slot, SlotFacts, SlotKind,
    SlotState, Swap,
};

/// Why a change was refused. Each variant names the slot or leader and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// No live slot has this id.
    #[error("找不到接访安排 {id} (unknown slot)")]
    UnknownSlot { id: SlotId },
    /// The leader is not in the rules.
    #[error("排班规则中没有领导“{name}” (unknown leader)")]
    UnknownLeader { name: String },
    /// A published slot changes only with a reason.
    #[error("{date} 的接访已公布，变更必须填写理由 (reason required to change a published slot)")]
    ReasonRequired { id: SlotId, date: NaiveDate },
    /// The slot's day has passed.
    #[error("{date} 的接访已过，不能变更 (slot is in the past)")]
    Past { id: SlotId, date: NaiveDate },
    /// Both slots have the same leader.
    #[error("两个接访安排都是 {name}，无需对调 (same leader on both slots)")]
    SameLeader { name: String },
    /// The change would put a leader where they cannot be.
    #[error("{name} 在 {date} 无法接访：{why} (leader unavailable)")]
    Unavailable {
        name: String,
        date: NaiveDate,
        why: String,
    },
    /// A leave that ends before it starts.
    #[error("请假结束日期 {to} 早于开始日期 {from} (leave ends before it starts)")]
    LeaveEndsBeforeStart { from: NaiveDate, to: NaiveDate },
    /// A time change to a day that has passed.
    #[error("不能改到已过去的日期 {date} (new date is in the past)")]
    NewDateInPast { date: NaiveDate },
    /// A time change into another year: the slot's record lives in its year's document.
    #[error(
        "{from} 的接访不能改到另一年的 {to}，请在该年另行安排 (cannot move a slot into another year)"
    )]
    AcrossYears { from: NaiveDate, to: NaiveDate },
    /// Hours that end before they start.
    #[error("结束时间 {end} 不晚于开始时间 {start} (end is not after start)")]
    EndsBeforeStart { start: String, end: String },
    /// A time change that changes nothing.
    #[error("{date} 的接访日期、时间和地点均未改变 (nothing to change)")]
    NothingChanged { date: NaiveDate },
}

/// The records a change produces, and what it could not do as the rules ask.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub records: Vec<Record>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Who changes what, when.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The person making the change, for the record.
    pub by: &'a str,
    /// The office's today, which decides what is past.
    pub today: NaiveDate,
    /// The moment of the change (the caller's clock), recorded on the change so calendar
    /// feeds can stamp the slot (`DTSTAMP`, `LAST-MODIFIED`).
    pub at: DateTime<FixedOffset>,
}

/// Publishes every draft in `period` (draft → published), stamped `at`.
pub fn publish(state: &RosterState, period: Period, at: DateTime<FixedOffset>) -> Vec<Record> {
    state
        .slots
        .values()
        .filter(|s| s.state == SlotState::Draft && period.overlaps(s.date, s.through))
        .map(|s| {
            Record::Slot(Slot {
                state: SlotState::Published,
                published_at: Some(at),
                ..s.clone()
            })
        })
        .collect()
}

/// Marks published slots whose last day is before `today` historic.
pub fn archive(state: &RosterState, today: NaiveDate) -> Vec<Record> {
    state
        .slots
        .values()
        .filter(|s| s.state == SlotState::Published && s.through < today)
        .map(|s| {
            Record::Slot(Slot {
                state: SlotState::Historic,
                ..s.clone()
            })
        })
        .collect()
}

fn name_of(rules: &RosterRules, leader: LeaderId) -> String {
    rules
        .leader(leader)
        .map(|l| l.name.clone())
        .unwrap_or_else(|| leader.to_string())
}

fn live_slot(state: &RosterState, id: SlotId, today: NaiveDate) -> Result<&Slot, ChangeError> {
    let slot = state
        .slots
        .get(&id)
        .filter(|s| s.state.is_live())
        .ok_or(ChangeError::UnknownSlot { id })?;
    if slot.state == SlotState::Historic || slot.through < today {
        return Err(ChangeError::Past {
            id,
            date: slot.date,
        });
    }
    Ok(slot)
}

/// Why `leader` cannot take `slot`'s day(s), ignoring the slots in `ignoring`; `None` when free.
fn unavailable(
    state: &RosterState,
    engagements: &[Engagement],
    leader: LeaderId,
    slot: &Slot,
    ignoring: &[SlotId],
) -> Option<String> {
    if let Some(leave) = state
        .leave
        .values()
        .find(|l| l.leader == leader && l.overlaps(slot.date, slot.through))
    {
        return Some(format!("请假 {}—{} (on leave)", leave.from, leave.to));
    }
    if slot.kind == SlotKind::OnCall {
        return None;
    }
    if let Some(other) = state.slots.values().find(|s| {
        s.occupies_day()
            && s.serving() == leader
            && s.date == slot.date
            && !ignoring.contains(&s.id)
    }) {
        return Some(format!(
            "当日已在 {} 接访 (already receiving that day)",
            other.place
        ));
    }
    engagements
        .iter()
        .find(|e| e.leader == leader && e.date == slot.date)
        .map(|e| format!("当日{} (busy)", e.what))
}

fn change(
    cause_key: &str,
    slot: &Slot,
    after: &Slot,
    actor: Actor<'_>,
    reason: &str,
    cause: ChangeCause,
) -> Record {
    Record::Change(Change {
        id: ChangeId::derive(cause_key, slot.id),
        slot: slot.id,
        slot_date: slot.date,
        on: actor.today,
        at: Some(actor.at),
        by: actor.by.to_owned(),
        reason: reason.to_owned(),
        cause,
        before: SlotFacts::from(slot),
        after: SlotFacts::from(after),
    })
}

/// A request to swap two slots between their leaders.
#[derive(Debug, Clone)]
pub struct SwapRequest {
    /// A fresh id from the caller.
    pub id: SwapId,
    pub first: SlotId,
    pub second: SlotId,
    pub reason: String,
}

/// Swaps the leaders of two slots. The swap is recorded (the ledger derives the debt from
/// it), and so is a change for each published slot.
pub fn swap(
    rules: &RosterRules,
    state: &RosterState,
    engagements: &[Engagement],
    request: &SwapRequest,
    actor: Actor<'_>,
) -> Result<Outcome, ChangeError> {
    let first = live_slot(state, request.first, actor.today)?;
    let second = live_slot(state, request.second, actor.today)?;
    if first.leader == second.leader {
        return Err(ChangeError::SameLeader {
            name: name_of(rules, first.leader),
        });
    }
    let reason = request.reason.trim();
    for slot in [first, second] {
        if slot.state == SlotState::Published && reason.is_empty() {
            return Err(ChangeError::ReasonRequired {
                id: slot.id,
                date: slot.date,
            });
        }
    }
    let both = [first.id, second.id];
    for (leader, slot) in [(first.leader, second), (second.leader, first)] {
        if let Some(why) = unavailable(state, engagements, leader, slot, &both) {
            return Err(ChangeError::Unavailable {
                name: name_of(rules, leader),
                date: slot.date,
                why,
            });
        }
    }
    let new_first = Slot {
        leader: second.leader,
        deputy: None,
        ..first.clone()
    };
    let new_second = Slot {
        leader: first.leader,
        deputy: None,
        ..second.clone()
    };
    let mut records = Vec::new();
    let cause_key = format!("swap/{}", request.id);
    for (before, after) in [(first, &new_first), (second, &new_second)] {
        if before.state == SlotState::Published {
            records.push(change(
                &cause_key,
                before,
                after,
                actor,
                reason,
                ChangeCause::Swap { swap: request.id },
            ));
        }
    }
    records.push(Record::Swap(Swap {
        id: request.id,
        first: first.id,
        first_leader: first.leader,
        second: second.id,
        second_leader: second.leader,
        first_date: first.date,
        on: actor.today,
        reason: reason.to_owned(),
        by: actor.by.to_owned(),
    }));
    records.push(Record::Slot(new_first));
    records.push(Record::Slot(new_second));
    Ok(Outcome {
        records,
        diagnostics: Vec::new(),
    })
}

/// The slots `slot`'s leader may swap with, best first: in principle next month's slots of
/// the same rule (same township for township rules), then later ones, whose leaders can
/// take each other's day.
pub fn swap_partners(
    state: &RosterState,
    engagements: &[Engagement],
    slot: SlotId,
    today: NaiveDate,
) -> Vec<SlotId> {
    let Some(own) = state.slots.get(&slot) else {
        return Vec::new();
    };
    let next_month = month_end(own.date) + chrono::Duration::days(1);
    let mut partners: Vec<&Slot> = state
        .live_slots()
        .into_iter()
        .filter(|s| {
            s.rule == own.rule
                && s.id != own.id
                && s.leader != own.leader
                && s.township == own.township
        })
        .filter(|s| s.state != SlotState::Historic && s.date >= today && s.date > own.date)
        .filter(|s| {
            unavailable(state, engagements, own.leader, s, &[own.id, s.id]).is_none()
                && unavailable(state, engagements, s.leader, own, &[own.id, s.id]).is_none()
        })
        .collect();
    // Next month first (the usual practice), then by date.
    partners.sort_by_key(|s| (month_start(s.date) != next_month, s.date, s.id));
    partners.into_iter().map(|s| s.id).collect()
}

/// Records a leader's leave and fills each of their slots it touches: first from the
/// rule's standby list in order (补位), then with the most due leader of the pool. A slot
/// nobody can take stays with the absent leader and is reported. Leave reported later than
/// the notice rule asks before a published slot is flagged.
pub fn report_leave(
    rules: &RosterRules,
    calendar: &HolidayCalendar,
    state: &RosterState,
    engagements: &[Engagement],
    leave: Leave,
    actor: Actor<'_>,
) -> Result<Outcome, ChangeError> {
    if leave.to < leave.from {
        return Err(ChangeError::LeaveEndsBeforeStart {
            from: leave.from,
            to: leave.to,
        });
    }
    let absent = rules
        .leader(leave.leader)
        .ok_or_else(|| ChangeError::UnknownLeader {
            name: leave.leader.to_string(),
        })?;
    let mut working = state.clone();
    working.apply(Record::Leave(leave.clone()));
    let mut outcome = Outcome {
        records: vec![Record::Leave(leave.clone())],
        diagnostics: Vec::new(),
    };
    let affected: Vec<Slot> = state
        .live_slots()
        .into_iter()
        .filter(|s| s.state != SlotState::Historic && s.through >= actor.today)
        .filter(|s| {
            (s.leader == leave.leader || s.deputy == Some(leave.leader))
                && leave.overlaps(s.date, s.through)
        })
        .cloned()
        .collect();
    let days = DayTable::new(
        calendar,
        affected.first().map_or(leave.from, |s| s.date) - chrono::Duration::days(400),
        affected.last().map_or(leave.to, |s| s.through) + chrono::Duration::days(14),
        rules.receive_on_makeup_days,
    );
    let cause_key = format!("leave/{}", leave.id);
    let reason = format!("请假：{}", leave.reason.trim());
    for slot in affected {
        if slot.state == SlotState::Published {
            let notice_days = leave.notice_days_before(slot.date);
            if notice_days < i64::from(rules.leave_notice_days) {
                outcome.diagnostics.push(Diagnostic::warning(
                    Some(&slot.rule),
                    DiagnosticKind::LateLeaveNotice {
                        leader: absent.name.clone(),
                        slot_date: slot.date,
                        reported_on: leave.reported_on,
                        notice_days,
                        required: rules.leave_notice_days,
                    },
                ));
            }
        }
        let after = if slot.deputy == Some(leave.leader) {
            // The deputy is away: the slot goes back to its own leader, if they are free.
            match unavailable(&working, engagements, slot.leader, &slot, &[slot.id]) {
                None => Some(Slot {
                    deputy: None,
                    ..slot.clone()
                }),
                Some(_) => fill_gap(
                    rules,
                    &days,
                    &working,
                    engagements,
                    &slot,
                    &mut outcome.diagnostics,
                    &absent.name,
                ),
            }
        } else {
            fill_gap(
                rules,
                &days,
                &working,
                engagements,
                &slot,
                &mut outcome.diagnostics,
                &absent.name,
            )
        };
        let Some(after) = after else { continue };
        if slot.state == SlotState::Published {
            outcome.records.push(change(
                &cause_key,
                &slot,
                &after,
                actor,
                &reason,
                ChangeCause::Leave { leave: leave.id },
            ));
        }
        working.apply(Record::Slot(after.clone()));
        outcome.records.push(Record::Slot(after));
    }
    Ok(outcome)
}

/// The slot with a new leader for a gap, or `None` (reported) when nobody can take it.
fn fill_gap(
    rules: &RosterRules,
    days: &DayTable,
    state: &RosterState,
    engagements: &[Engagement],
    slot: &Slot,
    diagnostics: &mut Vec<Diagnostic>,
    absent: &str,
) -> Option<Slot> {
    let rule = rules.rule(&slot.rule);
    let free = |leader: LeaderId| {
        leader != slot.leader && unavailable(state, engagements, leader, slot, &[slot.id]).is_none()
    };
    let standby = rule
        .map(|r| r.standby())
        .unwrap_or(&[])
        .iter()
        .filter_map(|name| rules.leader_by_name(name))
        .map(|l| l.id)
        .find(|&l| free(l));
    let (leader, from_standby) = match standby {
        Some(leader) => (leader, true),
        None => {
            let Some(leader) =
                rule.and_then(|r| most_due_in_pool(rules, days, state, r, slot, &free))
            else {
                diagnostics.push(Diagnostic::warning(
                    Some(&slot.rule),
                    DiagnosticKind::SeatUnfilled {
                        date: slot.date,
                        township: slot.township.clone(),
                        why: format!(
                            "{absent} 请假，补位名单和人员范围内当日无人可排 (nobody free to cover)"
                        ),
                    },
                ));
                return None;
            };
            if rule.is_some_and(|r| !r.standby().is_empty()) {
                diagnostics.push(Diagnostic::info(
                    Some(&slot.rule),
                    DiagnosticKind::StandbyExhausted {
                        date: slot.date,
                        filled_by: name_of(rules, leader),
                    },
                ));
            }
            (leader, false)
        }
    };
    diagnostics.push(Diagnostic::info(
        Some(&slot.rule),
        DiagnosticKind::GapFilled {
            date: slot.date,
            absent: absent.to_owned(),
            filled_by: name_of(rules, leader),
            from_standby,
        },
    ));
    Some(Slot {
        leader,
        deputy: None,
        ..slot.clone()
    })
}

/// The most due free leader of the rule's pool (same township for township rules).
fn most_due_in_pool(
    rules: &RosterRules,
    days: &DayTable,
    state: &RosterState,
    rule: &Rule,
    slot: &Slot,
    free: &dyn Fn(LeaderId) -> bool,
) -> Option<LeaderId> {
    let rule_index = rules.rules.iter().position(|r| r.id() == rule.id())?;
    let live = state.live_slots();
    let mut counters = Counters::new(rules.rules.len(), rules.leaders.len());
    for s in &live {
        if s.date >= slot.date {
            break;
        }
        let (Some(r), Some(l)) = (
            rules.rules.iter().position(|r| r.id() == s.rule),
            rules.leaders.iter().position(|l| l.id == s.leader),
        ) else {
            continue;
        };
        counters.record(r, l, s.date, s.kind, days);
    }
    let same_turn = |l: LeaderId| {
        live.iter().any(|s| {
            s.rule == slot.rule && s.leader == l && week_monday(s.date) == week_monday(slot.date)
        })
    };
    let township_rule = matches!(rule, Rule::Weekday(w) if w.by_township);
    rules
        .pool_members(rule.pool())
        .into_iter()
        .filter(|&i| !township_rule || rules.leaders[i].township == slot.township)
        .filter(|&i| free(rules.leaders[i].id))
        .min_by_key(|&i| {
            let l = &rules.leaders[i];
            let ask = DueAsk {
                rule: rule_index,
                date: slot.date,
                position: &slot.position,
            };
            (
                same_turn(l.id),
                counters.due_key(&ask, i, l.id, false, days),
            )
        })
        .map(|i| rules.leaders[i].id)
}

/// Hands a slot to a deputy who receives in the leader's place (代为接访).
pub fn delegate(
    rules: &RosterRules,
    state: &RosterState,
    engagements: &[Engagement],
    slot: SlotId,
    deputy: LeaderId,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Outcome, ChangeError> {
    let before = live_slot(state, slot, actor.today)?;
    if rules.leader(deputy).is_none() {
        return Err(ChangeError::UnknownLeader {
            name: deputy.to_string(),
        });
    }
    if deputy == before.leader {
        return Err(ChangeError::SameLeader {
            name: name_of(rules, deputy),
        });
    }
    let reason = reason.trim();
    if before.state == SlotState::Published && reason.is_empty() {
        return Err(ChangeError::ReasonRequired {
            id: slot,
            date: before.date,
        });
    }
    if let Some(why) = unavailable(state, engagements, deputy, before, &[slot]) {
        return Err(ChangeError::Unavailable {
            name: name_of(rules, deputy),
            date: before.date,
            why,
        });
    }
    let after = Slot {
        deputy: Some(deputy),
        ..before.clone()
    };
    let mut records = Vec::new();
    if before.state == SlotState::Published {
        let cause_key = format!("delegate/{deputy}/{}", actor.today.num_days_from_ce());
        records.push(change(
            &cause_key,
            before,
            &after,
            actor,
            reason,
            ChangeCause::Delegate,
        ));
    }
    records.push(Record::Slot(after));
    Ok(Outcome {
        records,
        diagnostics: Vec::new(),
    })
}

/// A new day, hours or place for a slot (改期); `None` keeps what the slot has.
#[derive(Debug, Clone, Default)]
pub struct Reschedule {
    pub date: Option<NaiveDate>,
    pub start: Option<ClockTime>,
    pub end: Option<ClockTime>,
    pub place: Option<String>,
}

/// Moves a slot to another day, other hours or another place in the same year. An on-call
/// duty keeps its length. The serving leader must be free on the new day; visitors booked
/// onto the slot are reported, because someone must tell them.
pub fn reschedule(
    rules: &RosterRules,
    state: &RosterState,
    engagements: &[Engagement],
    slot: SlotId,
    to: &Reschedule,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Outcome, ChangeError> {
    let before = live_slot(state, slot, actor.today)?;
    let date = to.date.unwrap_or(before.date);
    if date < actor.today {
        return Err(ChangeError::NewDateInPast { date });
    }
    if date.year() != before.date.year() {
        return Err(ChangeError::AcrossYears {
            from: before.date,
            to: date,
        });
    }
    let (start, end) = (
        to.start.unwrap_or(before.start),
        to.end.unwrap_or(before.end),
    );
    if before.kind == SlotKind::Reception && end <= start {
        return Err(ChangeError::EndsBeforeStart {
            start: start.to_string(),
            end: end.to_string(),
        });
    }
    let place = to
        .place
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map_or_else(|| before.place.clone(), str::to_owned);
    let after = Slot {
        date,
        through: date + (before.through - before.date),
        start,
        end,
        place,
        ..before.clone()
    };
    if SlotFacts::from(&after) == SlotFacts::from(before) {
        return Err(ChangeError::NothingChanged { date: before.date });
    }
    let reason = reason.trim();
    if before.state == SlotState::Published && reason.is_empty() {
        return Err(ChangeError::ReasonRequired {
            id: slot,
            date: before.date,
        });
    }
    if let Some(why) = unavailable(state, engagements, after.serving(), &after, &[slot]) {
        return Err(ChangeError::Unavailable {
            name: name_of(rules, after.serving()),
            date,
            why,
        });
    }
    let mut outcome = Outcome::default();
    let booked = crate::bookings::active_bookings(state, slot).len();
    if booked > 0 {
        outcome.diagnostics.push(Diagnostic::warning(
            Some(&before.rule),
            DiagnosticKind::BookedVisitorsMoved {
                from: before.date,
                to: date,
                visitors: booked,
            },
        ));
    }
    if before.state == SlotState::Published {
        // The moment makes the key: moving a slot back and forth records every move.
        let cause_key = format!("reschedule/{}", actor.at.to_rfc3339());
        outcome.records.push(change(
            &cause_key,
            before,
            &after,
            actor,
            reason,
            ChangeCause::Reschedule,
        ));
    }
    outcome.records.push(Record::Slot(after));
    Ok(outcome)
}
