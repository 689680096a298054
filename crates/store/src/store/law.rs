//! What the law needs from the store: the units' kinds and the county's readings
//! ([`fengqiao_rules::LawContext`]), the unit that received a case, the lifecycle check
//! before an event is written, and the route in force.
//!
//! Invariants:
//! - A unit's kind (信访部门 or another 机关、单位) lives in the directory's unit record;
//!   a unit recorded without it is another organ. The county's readings are scalars in
//!   the directory's `meta` map (`extension_from`), written by the office.
//! - An event the case's history makes impossible is refused before anything is written
//!   (`fengqiao_rules::check_new_event`); the refusal names the rule and its article.
//! - The route in force is the latest 分流 event in canonical order, else the route the
//!   registration recorded. Lists, case pages and clocks all read it so.

use automerge::transaction::Transactable;
use chrono::NaiveDate;
use fengqiao_model::{EventKind, OrgUnit, OrganKind, Registration, Role, UnitKind};
use fengqiao_rules::{CaseFacts, ExtensionBase, LawContext, LawSettings};

use super::{DocName, Store, now_cst};
use crate::error::StoreError;
use crate::record::{map_at, map_in, str_field};

/// The `meta` key of the county's T6 reading.
const EXTENSION_FROM: &str = "extension_from";

impl Store {
    /// The county's readings of points the law leaves open; the defaults where the office
    /// has not chosen (or chose something this version does not know).
    pub fn law_settings(&self) -> Result<LawSettings, StoreError> {
        let chosen = self
            .read(&DocName::Directory, |d| {
                map_in(d, "meta").map(|meta| str_field(d, &meta, EXTENSION_FROM))
            })?
            .flatten()
            .unwrap_or_default();
        Ok(LawSettings {
            extension_from: ExtensionBase::parse(&chosen).unwrap_or_default(),
        })
    }

    /// Records the county's readings (office and admin devices).
    pub fn put_law_settings(&self, settings: LawSettings) -> Result<(), StoreError> {
        self.require_role(Role::maintains_county_records, "修改法律适用设置")?;
        self.write(&DocName::Directory, |tx| {
            let meta = map_at(tx, "meta")?;
            tx.put(&meta, EXTENSION_FROM, settings.extension_from.code())?;
            Ok(())
        })
    }

    /// What the clocks need from the directory: every unit's kind and the county's
    /// readings. Build each case's facts with [`LawContext::facts`].
    pub fn law_context(&self) -> Result<LawContext, StoreError> {
        Ok(LawContext::new(&self.units()?, self.law_settings()?))
    }

    /// Marks the unit named `name` as a 信访部门 or another organ (office and admin
    /// devices).
    pub fn set_unit_organ(&self, name: &str, organ: OrganKind) -> Result<OrgUnit, StoreError> {
        let units = self.units()?;
        let Some(unit) = units.iter().find(|u| u.name == name.trim()) else {
            return Err(StoreError::BadValue {
                field: "unit".into(),
                value: name.to_owned(),
                why: "名录中没有这个单位".into(),
            });
        };
        let unit = OrgUnit {
            organ: Some(organ),
            ..unit.clone()
        };
        self.put_unit(&unit)?;
        Ok(unit)
    }

    /// The unit a case this device registers is received by, when the clerk names none:
    /// the county's 信访部门 for an office device, the township for a device that works
    /// in exactly one; empty when the directory cannot say (the clocks then show both
    /// 第二十二条's and 第二十三条's and say why).
    pub(super) fn home_unit(&self) -> Result<String, StoreError> {
        let device = self.directory_device()?;
        let units = self.units()?;
        let found = match device.role {
            Role::Office => units
                .iter()
                .filter(|u| u.organ_kind() == OrganKind::PetitionOffice)
                .min_by_key(|u| (u.kind != UnitKind::Department, u.name.clone())),
            Role::Township => match device.scope.as_slice() {
                [only] => units
                    .iter()
                    .find(|u| u.kind == UnitKind::Township && u.name == *only),
                _ => None,
            },
            _ => None,
        };
        Ok(found.map(|u| u.name.clone()).unwrap_or_default())
    }

    /// Fills in the receiving unit of a registration that names none (see
    /// [`Store::home_unit`]).
    pub(super) fn with_receiving_unit(
        &self,
        mut registration: Registration,
    ) -> Result<Registration, StoreError> {
        registration.received_by = registration.received_by.trim().to_owned();
        if registration.received_by.is_empty() {
            registration.received_by = self.home_unit()?;
        }
        Ok(registration)
    }

    /// Once a case has a 分流, its route is the latest 分流's: setting the registration's
    /// route would change nothing a clerk sees, so it is refused with what to do instead.
    pub(super) fn check_route_settable(&self, key: &str, field: &str) -> Result<(), StoreError> {
        if field != "route" {
            return Ok(());
        }
        let record = self.case_alone(key)?;
        if record
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Routed { .. }))
        {
            return Err(StoreError::FieldNotSettable {
                field: field.into(),
                why: format!(
                    "案件已有分流记录，分流途径以最新的分流为准；请用 fengqiao case event {key} routed --route <途径> 记录新的分流"
                ),
            });
        }
        Ok(())
    }

    /// Refuses an event the case's history makes impossible (a 答复 before the 受理, a
    /// 办结 before the item was received…): nothing is written, and the error names the
    /// rule and its article.
    pub(super) fn check_lifecycle(
        &self,
        key: &str,
        kind: &EventKind,
        date: NaiveDate,
    ) -> Result<(), StoreError> {
        let record = self.case(key)?;
        let reg = &record.case.registration;
        let facts = self.law_context()?.facts(reg);
        fengqiao_rules::check_new_event(
            &facts,
            CaseFacts::earliest_event_date(reg),
            &record.events,
            kind,
            date,
            now_cst().date_naive(),
            &self.holiday_calendar()?,
        )?;
        Ok(())
    }
}

/// The unit record of the county's 信访部门, made with the directory: `<county>信访局`.
pub(super) fn petition_office_unit(county: &str, county_id: fengqiao_model::UnitId) -> OrgUnit {
    let name = format!("{county}信访局");
    OrgUnit {
        id: super::unit_id(county, "department", &name),
        name,
        kind: UnitKind::Department,
        parent: Some(county_id),
        code: String::new(),
        head: None,
        organ: Some(OrganKind::PetitionOffice),
    }
}

/// What a list row reads of one event: date, recording time, id, kind code and (for a
/// 分流) the route code; sorted, they are in canonical order.
pub(super) type RowEvent = (
    String,
    Option<chrono::DateTime<chrono::FixedOffset>>,
    String,
    String,
    String,
);

/// The route in force from a list row's sorted events: the latest 分流, else the
/// registration's route.
pub(super) fn route_in_force_of_row(
    events: &[RowEvent],
    registered: &str,
) -> Option<fengqiao_model::Route> {
    events
        .iter()
        .rev()
        .find(|(_, _, _, kind, _)| kind == "routed")
        .map(|(.., route)| route.as_str())
        .or(Some(registered))
        .and_then(|r| fengqiao_model::Route::parse(r).ok())
}
