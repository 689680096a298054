//! The leader's day-before briefing pack (接访准备, RULES.md §5): for one reception slot,
//! the booked visitors, their cases with clocks and history, and the heads of the units
//! that own those cases, who attend with the leader (联合接访, 第十八条第三款).
//!
//! Pure: the caller passes the roster, the cases with their events, the directory's units
//! and people, the holiday calendar and `today`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use fengqiao_model::{Case, CaseEvent, CaseId, LeaderId, OrgUnit, Person};
use fengqiao_rules::{
    ClockState, DueStatus, DueThresholds, HolidayCalendar, LawContext, LawSettings, case_clocks,
    follow_up_tasks, latest_evaluation,
};
use serde::Serialize;

use crate::bookings::active_bookings;
use crate::ids::{BookingId, SlotId};
use crate::rules::RosterRules;
use crate::state::{RosterState, SlotKind};
use crate::view::{RowFilter, SlotRow, rows};

/// A case as the briefing needs it: the record and its sorted events.
#[derive(Debug, Clone, Copy)]
pub struct BriefingCase<'a> {
    pub case: &'a Case,
    pub events: &'a [CaseEvent],
}

/// One clock of a booked case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BriefingClock {
    /// e.g. `T5 办理期限`.
    pub name: String,
    pub due: NaiveDate,
    /// Where it stands, in Chinese.
    pub state: String,
    pub running: bool,
    pub overdue: bool,
}

/// One event of a booked case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BriefingEvent {
    pub date: NaiveDate,
    /// e.g. 交办.
    pub what: String,
    /// The event's particulars and remark.
    pub detail: String,
}

/// A booked case: what the leader reads before meeting its petitioner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BriefingCaseInfo {
    pub id: CaseId,
    pub number: String,
    pub received_on: NaiveDate,
    pub township: String,
    pub village: String,
    pub request: String,
    pub facts: String,
    /// 分流途径, or 未分流.
    pub route: String,
    /// 办理中…
    pub status: String,
    pub lead_unit: String,
    pub co_units: Vec<String>,
    pub handler: String,
    pub clocks: Vec<BriefingClock>,
    /// Accountability warnings (第四十四、四十五条).
    pub warnings: Vec<String>,
    pub history: Vec<BriefingEvent>,
    /// Other cases of the same petitioner (by name in the same township): number, date,
    /// request, status. The leader should know a repeat petitioner.
    pub earlier: Vec<String>,
}

/// A booked visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BriefingVisitor {
    pub booking: BookingId,
    pub petitioner: String,
    pub phone: String,
    pub note: String,
    pub case: Option<BriefingCaseInfo>,
}

/// A unit head who attends the reception (联合接访).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendee {
    pub unit: String,
    /// The head's name; `None` when the directory names no head for the unit.
    pub head: Option<String>,
    pub title: String,
    /// Numbers of the booked cases the unit owns (lead or co-handling).
    pub cases: Vec<String>,
}

/// The briefing pack of one reception slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Briefing {
    pub slot: SlotRow,
    /// The day the pack was prepared.
    pub prepared_on: NaiveDate,
    pub visitors: Vec<BriefingVisitor>,
    pub attendees: Vec<Attendee>,
    /// What the office must still sort out: a booked case it cannot find, a unit with no
    /// head in the directory.
    pub notes: Vec<String>,
}

/// Builds the briefing pack of `slot`. Cases are looked up by the bookings' case ids; a
/// booking without a case is listed with its note only.
#[allow(clippy::too_many_arguments)] // each input is a different source the pack joins
pub fn briefing(
    rules: &RosterRules,
    state: &RosterState,
    slot: SlotId,
    cases: &[BriefingCase<'_>],
    units: &[OrgUnit],
    people: &[Person],
    law: LawSettings,
    calendar: &HolidayCalendar,
    today: NaiveDate,
) -> Option<Briefing> {
    let law = LawContext::new(units, law);
    let row = rows(rules, state, RowFilter::default())
        .into_iter()
        .find(|r| r.id == slot)?;
    let by_id: BTreeMap<CaseId, &BriefingCase<'_>> = cases.iter().map(|c| (c.case.id, c)).collect();
    let mut visitors = Vec::new();
    let mut notes = Vec::new();
    // unit name → numbers of the booked cases it owns, in booking order.
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unit_order: Vec<String> = Vec::new();
    for booking in active_bookings(state, slot) {
        let case = match booking.case {
            Some(id) => match by_id.get(&id) {
                Some(c) => Some(case_info(c, cases, &law, calendar, today)),
                None => {
                    notes.push(format!(
                        "{} 的预约关联的案件 {id} 在本机找不到 (booked case not found)",
                        booking.petitioner
                    ));
                    None
                }
            },
            None => None,
        };
        if let Some(info) = &case {
            for unit in std::iter::once(&info.lead_unit).chain(&info.co_units) {
                if unit.trim().is_empty() {
                    continue;
                }
                let numbers = owners.entry(unit.clone()).or_default();
                if numbers.is_empty() {
                    unit_order.push(unit.clone());
                }
                if !numbers.contains(&info.number) {
                    numbers.push(info.number.clone());
                }
            }
        }
        visitors.push(BriefingVisitor {
            booking: booking.id,
            petitioner: booking.petitioner.clone(),
            phone: booking.phone.clone(),
            note: booking.note.clone(),
            case,
        });
    }
    let attendees = unit_order
        .into_iter()
        .map(|unit| {
            let head = units
                .iter()
                .find(|u| u.name == unit)
                .and_then(|u| u.head)
                .and_then(|id| people.iter().find(|p| p.id == id));
            if head.is_none() {
                notes.push(format!(
                    "通讯录未登记“{unit}”的负责人，请另行通知 (no head recorded for the unit)"
                ));
            }
            Attendee {
                cases: owners.remove(&unit).unwrap_or_default(),
                head: head.map(|p| p.name.clone()),
                title: head.map(|p| p.title.clone()).unwrap_or_default(),
                unit,
            }
        })
        .collect();
    Some(Briefing {
        slot: row,
        prepared_on: today,
        visitors,
        attendees,
        notes,
    })
}

/// The briefing packs of every reception `leader` serves on `date` (as named or deputy).
#[allow(clippy::too_many_arguments)] // the same inputs as `briefing`, plus who and when
pub fn briefings_for(
    rules: &RosterRules,
    state: &RosterState,
    leader: LeaderId,
    date: NaiveDate,
    cases: &[BriefingCase<'_>],
    units: &[OrgUnit],
    people: &[Person],
    law: LawSettings,
    calendar: &HolidayCalendar,
    today: NaiveDate,
) -> Vec<Briefing> {
    state
        .live_slots()
        .into_iter()
        .filter(|s| s.kind == SlotKind::Reception && s.date == date && s.serving() == leader)
        .filter_map(|s| {
            briefing(
                rules, state, s.id, cases, units, people, law, calendar, today,
            )
        })
        .collect()
}

fn case_info(
    c: &BriefingCase<'_>,
    all: &[BriefingCase<'_>],
    law: &LawContext,
    calendar: &HolidayCalendar,
    today: NaiveDate,
) -> BriefingCaseInfo {
    let reg = &c.case.registration;
    let clocks = case_clocks(
        &law.facts(reg),
        c.events,
        calendar,
        today,
        &DueThresholds::default(),
    );
    let mut history: Vec<BriefingEvent> = c
        .events
        .iter()
        .map(|e| BriefingEvent {
            date: e.date,
            what: e.kind.zh().to_owned(),
            detail: event_detail(e),
        })
        .collect();
    if let Some((quality, timeliness)) = latest_evaluation(c.events) {
        history.push(BriefingEvent {
            date: today,
            what: "评价现状".into(),
            detail: format!("答复质量{}，办理时效{}", quality.zh(), timeliness.zh()),
        });
    }
    for task in follow_up_tasks(c.events, today) {
        if !task.state.is_done() {
            history.push(BriefingEvent {
                date: task.due,
                what: task.state.zh().into(),
                detail: format!("回访期限 {}", task.due),
            });
        }
    }
    let petitioner = first_name(c.case);
    let earlier = all
        .iter()
        .filter(|o| {
            o.case.id != c.case.id
                && !petitioner.is_empty()
                && first_name(o.case) == petitioner
                && o.case.registration.township == reg.township
        })
        .map(|o| {
            let status = fengqiao_model::event::status_of(o.events);
            format!(
                "{} {} {}（{}）",
                o.case.number,
                o.case.registration.received_on,
                o.case.registration.content.request,
                status.zh()
            )
        })
        .collect();
    BriefingCaseInfo {
        id: c.case.id,
        number: c.case.number.to_string(),
        received_on: reg.received_on,
        township: reg.township.clone(),
        village: reg.village.clone(),
        request: reg.content.request.clone(),
        facts: reg.content.facts.clone(),
        route: clocks.route.map_or("未分流", |r| r.zh()).to_owned(),
        status: clocks.status.zh().to_owned(),
        lead_unit: reg.lead_unit.clone(),
        co_units: reg.co_units.clone(),
        handler: reg.handler.clone(),
        clocks: clocks
            .clocks
            .iter()
            .map(|r| BriefingClock {
                name: format!("{} {}", r.deadline.clock.code(), r.deadline.clock.zh()),
                due: r.deadline.due,
                state: r.state.to_string(),
                running: matches!(r.state, ClockState::Running(_)),
                overdue: matches!(r.state, ClockState::Running(DueStatus::Overdue { .. })),
            })
            .collect(),
        warnings: clocks.warnings.iter().map(ToString::to_string).collect(),
        history,
        earlier,
    }
}

fn first_name(case: &Case) -> String {
    let reg = &case.registration;
    reg.petitioners
        .iter()
        .chain(&reg.representatives)
        .map(|p| p.name.trim())
        .find(|n| !n.is_empty())
        .unwrap_or_default()
        .to_owned()
}

fn event_detail(e: &CaseEvent) -> String {
    use fengqiao_model::EventKind as K;
    let detail = match &e.kind {
        K::Routed { route } => route.zh().to_owned(),
        K::Forwarded { unit } | K::Assigned { unit } => unit.clone(),
        K::Objected { unit, reason } => format!("{unit}：{reason}"),
        K::Diverted { procedure } => procedure.clone(),
        K::NotAccepted { reason } | K::NotReaccepted { reason } => reason.clone(),
        K::Extended { days, reason, .. } => format!("{days}天：{reason}"),
        K::Mediated { agreement } => agreement.clone(),
        K::Hearing { days } => format!("{days}天"),
        K::Replied { reply } | K::ReviewOpinion { reply } | K::ReReviewOpinion { reply } => {
            reply.zh().to_owned()
        }
        K::Closed { satisfaction } => satisfaction.map(|s| s.zh()).unwrap_or("").to_owned(),
        K::FollowUp { outcome } => outcome.clone(),
        K::Evaluated {
            reply_quality,
            timeliness,
        } => format!(
            "答复质量{}，办理时效{}",
            reply_quality.zh(),
            timeliness.zh()
        ),
        K::FollowUpScheduled { due } => format!("回访期限 {due}"),
        K::HearingSession { days, outcome, .. } => format!("{}天：{outcome}", days.len()),
        _ => String::new(),
    };
    match (detail.is_empty(), e.remark.trim().is_empty()) {
        (_, true) => detail,
        (true, false) => e.remark.clone(),
        (false, false) => format!("{detail}；{}", e.remark),
    }
}
