//! The reception roster in `roster/<year>` documents, as the pure `fengqiao-roster` crate
//! sees it: records in, [`RosterState`] and [`RosterRules`] out, and generated records
//! back, one store transaction each. The CLI and the app both go through here.

use std::collections::BTreeSet;

use fengqiao_model::Role;
use fengqiao_roster::state::collections;
use fengqiao_roster::{Record, RosterRules, RosterState};
use serde_json::Value;

use super::Store;
use crate::docs::{DocName, ROSTER_COLLECTIONS};
use crate::error::StoreError;
use crate::record::{map_at, update_record};

/// What the roster documents of some years hold.
#[derive(Debug, Default)]
pub struct StoredRoster {
    /// The rules of the latest year that has them.
    pub rules: Option<RosterRules>,
    pub state: RosterState,
    /// Records that could not be read (say, written by a newer version): reported, so one
    /// of them does not hide the rest of the roster, and not silently dropped.
    pub unreadable: Vec<StoreError>,
}

fn to_record(collection: &str, value: Value) -> serde_json::Result<Record> {
    Ok(match collection {
        collections::SLOTS => Record::Slot(serde_json::from_value(value)?),
        collections::LEAVE => Record::Leave(serde_json::from_value(value)?),
        collections::SWAPS => Record::Swap(serde_json::from_value(value)?),
        collections::BOOKINGS => Record::Booking(serde_json::from_value(value)?),
        _ => Record::Change(serde_json::from_value(value)?),
    })
}

/// A roster record as stored: its serde form.
fn record_value(record: &Record) -> serde_json::Result<Value> {
    match record {
        Record::Slot(r) => serde_json::to_value(r),
        Record::Leave(r) => serde_json::to_value(r),
        Record::Swap(r) => serde_json::to_value(r),
        Record::Change(r) => serde_json::to_value(r),
        Record::Booking(r) => serde_json::to_value(r),
    }
}

/// This version's view of a stored record of `collection` (see [`crate::record::known_form`]).
fn known_roster_record(collection: &str, stored: &Value) -> Option<Value> {
    if collection == collections::RULES {
        let toml = stored.get("toml")?;
        return Some(serde_json::json!({ "toml": toml }));
    }
    to_record(collection, stored.clone())
        .ok()
        .and_then(|r| record_value(&r).ok())
}

impl Store {
    /// Of `years`, those whose roster document exists (is in the catalogue). Only those
    /// are read: asking for a document that does not exist yet costs a lookup for nothing.
    pub fn roster_years(
        &self,
        years: impl IntoIterator<Item = i32>,
    ) -> Result<BTreeSet<i32>, StoreError> {
        let catalogue = self.catalogue()?;
        Ok(years
            .into_iter()
            .filter(|year| catalogue.contains(&DocName::Roster { year: *year }))
            .collect())
    }

    /// The roster of `years`: every slot, leave, swap, change and booking, and the rules of the
    /// latest of them that has rules.
    pub fn load_roster(
        &self,
        years: impl IntoIterator<Item = i32>,
    ) -> Result<StoredRoster, StoreError> {
        let years = self.roster_years(years)?;
        let mut out = StoredRoster::default();
        for &year in &years {
            for collection in [
                collections::SLOTS,
                collections::LEAVE,
                collections::SWAPS,
                collections::CHANGES,
                collections::BOOKINGS,
            ] {
                for (key, value) in self.roster_records(year, collection)? {
                    match to_record(collection, value) {
                        Ok(record) => out.state.apply(record),
                        Err(e) => out.unreadable.push(StoreError::DamagedRecord {
                            doc: DocName::Roster { year }.to_string(),
                            id: format!("{collection}/{key}"),
                            reason: e.to_string(),
                        }),
                    }
                }
            }
        }
        for &year in years.iter().rev() {
            let rules = self
                .roster_records(year, collections::RULES)?
                .into_iter()
                .find(|(key, _)| key == collections::RULES_KEY);
            if let Some((key, value)) = rules {
                let damaged = |reason: String| StoreError::DamagedRecord {
                    doc: DocName::Roster { year }.to_string(),
                    id: format!("{}/{key}", collections::RULES),
                    reason,
                };
                let text = value
                    .get("toml")
                    .and_then(Value::as_str)
                    .ok_or_else(|| damaged("排班规则记录缺少 toml 字段".into()))?;
                out.rules = Some(RosterRules::from_toml(text).map_err(|e| damaged(e.to_string()))?);
                break;
            }
        }
        Ok(out)
    }

    /// Writes roster records, each in its own transaction, to the document of its year.
    /// Returns how many were written.
    pub fn put_roster(&self, records: &[Record]) -> Result<usize, StoreError> {
        for record in records {
            let value = record_value(record).map_err(|e| StoreError::DamagedRecord {
                doc: DocName::Roster {
                    year: record.year(),
                }
                .to_string(),
                id: format!("{}/{}", record.collection(), record.key()),
                reason: e.to_string(),
            })?;
            self.put_roster_record(record.year(), record.collection(), &record.key(), &value)?;
        }
        Ok(records.len())
    }
}

impl Store {
    /// The briefing pack of one reception slot (接访准备): its bookings, the booked cases
    /// with their events, and the directory's units and people, put through the pure
    /// [`fengqiao_roster::briefing()`]. `None` when the slot is not in `years`' roster.
    pub fn slot_briefing(
        &self,
        slot: fengqiao_roster::SlotId,
        years: impl IntoIterator<Item = i32>,
        calendar: &fengqiao_rules::HolidayCalendar,
        today: chrono::NaiveDate,
    ) -> Result<Option<fengqiao_roster::Briefing>, StoreError> {
        let roster = self.load_roster(years)?;
        let Some(rules) = roster.rules else {
            return Ok(None);
        };
        let (histories, units, people) = self.briefing_sources(&roster.state)?;
        let cases = briefing_cases(&histories);
        Ok(fengqiao_roster::briefing(
            &rules,
            &roster.state,
            slot,
            &cases,
            &units,
            &people,
            self.law_settings()?,
            calendar,
            today,
        ))
    }

    /// The briefing packs of every reception `leader` serves on `date`.
    pub fn leader_briefings(
        &self,
        leader: fengqiao_model::LeaderId,
        date: chrono::NaiveDate,
        calendar: &fengqiao_rules::HolidayCalendar,
        today: chrono::NaiveDate,
    ) -> Result<Vec<fengqiao_roster::Briefing>, StoreError> {
        use chrono::Datelike;
        let roster = self.load_roster(date.year() - 1..=date.year())?;
        let Some(rules) = roster.rules else {
            return Ok(Vec::new());
        };
        let (histories, units, people) = self.briefing_sources(&roster.state)?;
        let cases = briefing_cases(&histories);
        Ok(fengqiao_roster::briefings_for(
            &rules,
            &roster.state,
            leader,
            date,
            &cases,
            &units,
            &people,
            self.law_settings()?,
            calendar,
            today,
        ))
    }

    /// Cases (only when a booking names one: reading every case costs), units and people.
    #[allow(clippy::type_complexity)]
    fn briefing_sources(
        &self,
        state: &RosterState,
    ) -> Result<
        (
            Vec<(fengqiao_model::Case, Vec<fengqiao_model::CaseEvent>)>,
            Vec<fengqiao_model::OrgUnit>,
            Vec<fengqiao_model::Person>,
        ),
        StoreError,
    > {
        let any_case = state
            .bookings
            .values()
            .any(|b| b.is_active() && b.case.is_some());
        let histories = if any_case {
            self.histories(&crate::CaseFilter::default())?
        } else {
            Vec::new()
        };
        Ok((histories, self.units()?, self.people()?))
    }
}

fn briefing_cases(
    histories: &[(fengqiao_model::Case, Vec<fengqiao_model::CaseEvent>)],
) -> Vec<fengqiao_roster::BriefingCase<'_>> {
    histories
        .iter()
        .map(|(case, events)| fengqiao_roster::BriefingCase { case, events })
        .collect()
}

impl Store {
    pub(super) fn roster_collection(collection: &str) -> Result<&'static str, StoreError> {
        ROSTER_COLLECTIONS
            .iter()
            .copied()
            .find(|c| *c == collection)
            .ok_or_else(|| StoreError::NoSuchCollection(collection.to_owned()))
    }

    /// Every record of a roster collection for `year`, keyed by record id.
    pub fn roster_records(
        &self,
        year: i32,
        collection: &str,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        let collection = Self::roster_collection(collection)?;
        self.collection_records(&DocName::Roster { year }, collection)
    }

    /// Writes one roster record (field by field, so concurrent edits of different fields
    /// of one slot merge; fields a newer version added are kept).
    pub fn put_roster_record(
        &self,
        year: i32,
        collection: &str,
        id: &str,
        value: &Value,
    ) -> Result<(), StoreError> {
        self.require_role(Role::edits_roster, "修改排班")?;
        let collection = Self::roster_collection(collection)?;
        let id = id.to_owned();
        let value = value.clone();
        self.write(&DocName::Roster { year }, move |tx| {
            let map = map_at(tx, collection)?;
            update_record(tx, &map, &id, &value, |stored| {
                known_roster_record(collection, stored)
            })
        })
    }
}
