//! The roster's use cases, with one owner for the CLI and the app: which years a period
//! reads, saving the reception rules, drafting, publishing, and who a change is recorded
//! as. The pure steps are `fengqiao-roster`'s; this module reads their input from the
//! store and writes back the records they return.

use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use fengqiao_roster::changes;
use fengqiao_roster::state::collections;
use fengqiao_roster::{
    Generation, Period, Record, RosterRules, RosterState, RulesError, check, generate,
};
use fengqiao_rules::HolidayCalendar;
use serde_json::{Value, json};

use super::Store;
use crate::error::StoreError;

/// The roster years a period's work reads: the period's own and the year before, whose
/// slots the fairness ledger counts, and the year after, where a swap may reach.
pub fn roster_years_for(period: Period) -> RangeInclusive<i32> {
    period.from.year() - 1..=period.to.year() + 1
}

/// The roster years a slot picked around `today` can live in: last year's (late
/// corrections), this year's and next year's (swaps go to next month's leader).
pub fn roster_years_around(today: NaiveDate) -> RangeInclusive<i32> {
    today.year() - 1..=today.year() + 1
}

/// Why a roster use case could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RosterWorkError {
    /// The reception rules do not parse.
    #[error("排班规则有误：{0}")]
    Rules(#[from] RulesError),
    /// No rules are stored for the period's years.
    #[error("尚未载入排班规则，请先生成排班草稿 (no roster rules yet)")]
    NoRules,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A period drafted: the rules it was drafted with, what the planner did, and the
/// roster state with the drafts applied (so callers need not read it again).
#[derive(Debug, Clone)]
pub struct Drafted {
    pub rules: RosterRules,
    pub generation: Generation,
    pub state: RosterState,
}

/// What publishing a period did.
#[derive(Debug, Clone)]
pub struct Published {
    /// Drafts that became published.
    pub published: usize,
    /// Past published slots that became historic.
    pub archived: Vec<Record>,
    /// What the roster check finds in the period afterwards.
    pub conflicts: Vec<fengqiao_roster::Conflict>,
}

impl Store {
    /// Who roster changes made on this device are recorded as: the person the directory
    /// names for it, else the device's own name.
    pub fn roster_author(&self) -> String {
        let person = self.identity().person.name.trim().to_owned();
        if person.is_empty() {
            self.identity().device_name.clone()
        } else {
            person
        }
    }

    /// The rules and every record of the years `period`'s work reads. Records that cannot
    /// be read are logged, not dropped in silence (see [`super::StoredRoster`]).
    pub fn roster_for(&self, period: Period) -> Result<super::StoredRoster, StoreError> {
        let roster = self.load_roster(roster_years_for(period))?;
        for e in &roster.unreadable {
            tracing::warn!("{e}");
        }
        Ok(roster)
    }

    /// The stored rules and state of `period`, or [`RosterWorkError::NoRules`].
    pub fn roster_rules_and_state(
        &self,
        period: Period,
    ) -> Result<(RosterRules, RosterState), RosterWorkError> {
        let roster = self.roster_for(period)?;
        let rules = roster.rules.ok_or(RosterWorkError::NoRules)?;
        Ok((rules, roster.state))
    }

    /// The TOML text of the rules stored for the latest year of `period`'s that has them.
    pub fn roster_rules_text(&self, period: Period) -> Result<Option<String>, StoreError> {
        let years = self.roster_years(roster_years_for(period))?;
        for &year in years.iter().rev() {
            if let Some((_, value)) = self
                .roster_records(year, collections::RULES)?
                .into_iter()
                .find(|(key, _)| key == collections::RULES_KEY)
            {
                return Ok(value.get("toml").and_then(Value::as_str).map(str::to_owned));
            }
        }
        Ok(None)
    }

    /// Parses `text` and stores it as the rules of every year `period` touches, so every
    /// replica derives the same roster from the same rules.
    pub fn save_roster_rules(
        &self,
        text: &str,
        period: Period,
    ) -> Result<RosterRules, RosterWorkError> {
        let rules = RosterRules::from_toml(text)?;
        let record = json!({ "toml": text, "county": rules.county, "name": rules.name });
        for year in period.years() {
            self.put_roster_record(year, collections::RULES, collections::RULES_KEY, &record)?;
        }
        Ok(rules)
    }

    /// Drafts `period` with `rules_text` (stored first), or with the stored rules when
    /// `None`; writes the drafts.
    pub fn draft_roster(
        &self,
        rules_text: Option<&str>,
        calendar: &HolidayCalendar,
        period: Period,
    ) -> Result<Drafted, RosterWorkError> {
        let text = match rules_text {
            Some(t) => t.to_owned(),
            None => self
                .roster_rules_text(period)?
                .ok_or(RosterWorkError::NoRules)?,
        };
        let rules = self.save_roster_rules(&text, period)?;
        let mut state = self.roster_for(period)?.state;
        let generation = generate(&rules, calendar, &state, &[], period);
        self.put_roster(&generation.records)?;
        state.apply_all(generation.records.clone());
        Ok(Drafted {
            rules,
            generation,
            state,
        })
    }

    /// Publishes the drafts of `period`; published slots before `today` become historic.
    pub fn publish_roster(
        &self,
        calendar: &HolidayCalendar,
        period: Period,
        today: NaiveDate,
    ) -> Result<Published, RosterWorkError> {
        let (rules, mut state) = self.roster_rules_and_state(period)?;
        let mut records = changes::publish(&state, period, crate::time::now_cst());
        let published = records.len();
        state.apply_all(records.clone());
        let archived = changes::archive(&state, today);
        records.extend(archived.iter().cloned());
        self.put_roster(&records)?;
        state.apply_all(archived.clone());
        Ok(Published {
            published,
            archived,
            conflicts: check(&rules, calendar, &state, &[], period),
        })
    }
}
