//! Slot rows: a slot with its leader's name, title and level resolved, the shape that the
//! CLI's `--json`, the exports and the app's tables share.

use chrono::NaiveDate;
use fengqiao_model::{LeaderId, LeaderLevel};
use serde::Serialize;

use crate::ids::SlotId;
use crate::period::Period;
use crate::rules::{RosterRules, weekday_short_zh};
use crate::state::{RosterState, SlotKind, SlotState};
use chrono::Datelike;

/// One slot, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlotRow {
    pub id: SlotId,
    pub date: NaiveDate,
    /// Last day, for on-call duties; equal to `date` otherwise.
    pub through: NaiveDate,
    /// 周一…周日.
    pub weekday: &'static str,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    pub kind: SlotKind,
    /// The slot type's name, e.g. 市领导接访.
    pub slot_type: String,
    pub leader_id: LeaderId,
    /// The leader the roster names.
    pub leader: String,
    pub title: String,
    /// Machine code, e.g. `city-principal`.
    pub level: LeaderLevel,
    /// Chinese, e.g. 市主要领导.
    pub level_zh: &'static str,
    /// Who receives in the leader's place, with their title.
    pub deputy: Option<String>,
    pub place: String,
    pub township: Option<String>,
    pub state: SlotState,
    pub rule: String,
    /// How many recorded changes the slot has had (the iCalendar SEQUENCE).
    pub sequence: u32,
}

/// Which rows to show.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowFilter {
    /// Slots that touch this period; all when `None`.
    pub period: Option<Period>,
    /// Slots this leader is named on or deputises; all when `None`.
    pub leader: Option<LeaderId>,
    /// Only published and historic slots (the public notice).
    pub published_only: bool,
}

/// The live slots matching `filter`, by date, with names resolved from `rules`.
pub fn rows(rules: &RosterRules, state: &RosterState, filter: RowFilter) -> Vec<SlotRow> {
    state
        .live_slots()
        .into_iter()
        .filter(|s| filter.period.is_none_or(|p| p.overlaps(s.date, s.through)))
        .filter(|s| {
            filter
                .leader
                .is_none_or(|l| s.leader == l || s.deputy == Some(l))
        })
        .filter(|s| {
            !filter.published_only || matches!(s.state, SlotState::Published | SlotState::Historic)
        })
        .map(|s| {
            let leader = rules.leader(s.leader);
            let deputy = s.deputy.map(|d| match rules.leader(d) {
                Some(l) => format!("{}（{}）", l.name, l.title),
                None => d.to_string(),
            });
            let slot_type = rules
                .rule(&s.rule)
                .and_then(|r| r.slot_type())
                .and_then(|t| rules.slot_types.get(t))
                .map(|t| t.name.clone())
                .unwrap_or_else(|| s.rule.clone());
            let level = leader.map_or(LeaderLevel::City, |l| l.level);
            SlotRow {
                id: s.id,
                date: s.date,
                through: s.through,
                weekday: weekday_short_zh(s.date.weekday()),
                start: s.start.to_string(),
                end: s.end.to_string(),
                kind: s.kind,
                slot_type,
                leader_id: s.leader,
                leader: leader.map_or_else(|| s.leader.to_string(), |l| l.name.clone()),
                title: leader.map(|l| l.title.clone()).unwrap_or_default(),
                level,
                level_zh: level.zh(),
                deputy,
                place: s.place.clone(),
                township: s.township.clone(),
                state: s.state,
                rule: s.rule.clone(),
                sequence: u32::try_from(state.changes_of(s.id).len()).unwrap_or(u32::MAX),
            }
        })
        .collect()
}
