//! The county's directory: founding it, townships and units, people and leaders, devices
//! and their enrolment, the catalogue of documents, and the holiday calendar's overrides.
//! Who may change it is decided in `rights.rs`.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ActorId, ReadDoc};
use fengqiao_model::{Device, Leader, OrgUnit, Person, PersonId, Role, UnitId, UnitKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Store;
use crate::record::{known_form, map_at, map_in, to_json, update_record};
use crate::store::HashMap;
use crate::{DocName, StoreError, local, now_cst, record};

/// A township (or street) of the county, with its villages, for `init`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownshipSpec {
    pub name: String,
    /// Short ASCII code used in document names; derived from the name when empty.
    pub code: String,
    pub villages: Vec<String>,
}

/// What `init` needs to know.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub device_name: String,
    pub county: String,
    pub role: Role,
    /// Townships this device works in (names); empty means all (county office).
    pub scope: Vec<String>,
    pub person_name: String,
    /// The county's townships, when this device creates the directory.
    pub townships: Vec<TownshipSpec>,
    /// An existing directory document to join instead of creating one.
    pub directory: Option<Vec<u8>>,
}

/// Maps actors to devices and people.
pub(super) struct WhoIndex {
    pub(super) people: HashMap<PersonId, String>,
    /// Actors from before writer actors: registered (device, person) by hex id.
    pub(super) actors: HashMap<String, (String, String)>,
    pub(super) devices: HashMap<String, String>,
}

/// Who wrote a change and when, as every view shows it (history, conflicts, contradictions).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Attribution {
    pub(super) device_id: Option<String>,
    /// The device's name in the directory, else its id.
    pub(super) device: Option<String>,
    pub(super) person: Option<PersonId>,
    pub(super) person_name: Option<String>,
    pub(super) at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl WhoIndex {
    /// Who wrote a change of `actor`, with the change's Automerge `author` (the person's id
    /// bytes) and `time` (seconds): the author, or for actors from before writer actors the
    /// person their registration names; names from the directory.
    pub(super) fn attribute(
        &self,
        actor: &ActorId,
        author: Option<&[u8]>,
        time: i64,
    ) -> Attribution {
        let (device_id, registered_person) = self.actor(actor).unwrap_or_default();
        let person = author
            .and_then(|a| uuid::Uuid::from_slice(a).ok())
            .or_else(|| uuid::Uuid::parse_str(&registered_person).ok())
            .map(PersonId);
        let device = self
            .devices
            .get(&device_id)
            .cloned()
            .or((!device_id.is_empty()).then(|| device_id.clone()));
        Attribution {
            device_id: (!device_id.is_empty()).then_some(device_id),
            device,
            person,
            person_name: person.and_then(|p| self.people.get(&p).cloned()),
            at: chrono::DateTime::from_timestamp(time, 0)
                .map(|t| t.with_timezone(&crate::time::china_offset())),
        }
    }

    /// The device (id) an actor writes for, and the person its registration names (empty
    /// for writer actors: their changes carry the person as the Automerge author).
    pub(super) fn actor(&self, actor: &ActorId) -> Option<(String, String)> {
        local::device_of_actor(actor)
            .map(|device| (device, String::new()))
            .or_else(|| self.actors.get(&actor.to_hex_string()).cloned())
    }
}

impl Store {
    /// Enrols a device in the directory (or re-enrols it with a new role or scope). Only
    /// the county office, an administrator or the server may.
    pub fn enrol_device(&self, device: &fengqiao_model::Device) -> Result<(), StoreError> {
        self.require_role(Role::keeps_directory, "登记设备")?;
        let value = to_json(device)?;
        self.write(&DocName::Directory, |tx| {
            let devices = map_at(tx, "devices")?;
            // Field by field: a re-enrolment or a revocation keeps what else the record
            // holds (fields a newer version added).
            update_record(tx, &devices, &device.id, &value, known_form::<Device>)
        })
    }

    /// Enrols a device and records the person who uses it (the person's id is
    /// [`local::enrolled_person_id`], which the device writes its changes as), in one
    /// change: the device may not write the directory itself.
    pub fn enrol_device_with_person(
        &self,
        device: &fengqiao_model::Device,
        person_name: &str,
    ) -> Result<(), StoreError> {
        self.require_role(Role::keeps_directory, "登记设备")?;
        let value = to_json(device)?;
        let person = Person {
            id: local::enrolled_person_id(&device.id, person_name),
            name: person_name.trim().to_owned(),
            unit: String::new(),
            title: String::new(),
            panels: Vec::new(),
        };
        let person_value = to_json(&person)?;
        self.write(&DocName::Directory, |tx| {
            let devices = map_at(tx, "devices")?;
            update_record(tx, &devices, &device.id, &value, known_form::<Device>)?;
            if !person.name.is_empty() {
                let people = map_at(tx, "people")?;
                let key = person.id.to_string();
                update_record(tx, &people, &key, &person_value, known_form::<Person>)?;
            }
            Ok(())
        })
    }

    /// Revokes a device: from the moment this change reaches a peer, that peer refuses it.
    pub fn revoke_device(&self, device_id: &str) -> Result<(), StoreError> {
        self.require_role(Role::keeps_directory, "吊销设备")?;
        let mut device = self
            .devices()?
            .into_iter()
            .find(|d| d.id == device_id)
            .ok_or_else(|| StoreError::NoSuchDevice(device_id.to_owned()))?;
        device.revoked = true;
        self.enrol_device(&device)
    }

    pub(super) fn create_directory(&self, opts: &InitOptions) -> Result<(), StoreError> {
        let county = opts.county.clone();
        let townships = opts.townships.clone();
        self.write(&DocName::Directory, |tx| {
            let meta = map_at(tx, "meta")?;
            tx.put(&meta, "county", county.as_str())?;
            tx.put(&meta, "schema", 1_i64)?;
            let units = map_at(tx, "units")?;
            let county_id = unit_id(&county, "county", &county);
            let county_unit = OrgUnit {
                id: county_id,
                name: county.clone(),
                kind: UnitKind::County,
                parent: None,
                code: String::new(),
                head: None,
                organ: None,
            };
            record::put_record(tx, &units, &county_id.to_string(), &to_json(&county_unit)?)?;
            // The county's 信访部门 (第二十二条's clock runs there), so office devices have a
            // unit to register cases under.
            let office = super::law::petition_office_unit(&county, county_id);
            record::put_record(tx, &units, &office.id.to_string(), &to_json(&office)?)?;
            for spec in &townships {
                let tid = unit_id(&county, "township", &spec.name);
                let unit = OrgUnit {
                    id: tid,
                    name: spec.name.clone(),
                    kind: UnitKind::Township,
                    parent: Some(county_id),
                    code: township_code(spec),
                    head: None,
                    // A township government is not a 信访部门 (第二十三条 binds it).
                    organ: Some(fengqiao_model::OrganKind::OtherOrgan),
                };
                record::put_record(tx, &units, &tid.to_string(), &to_json(&unit)?)?;
                for village in &spec.villages {
                    let vid = unit_id(&county, &format!("village:{}", spec.name), village);
                    let unit = OrgUnit {
                        id: vid,
                        name: village.clone(),
                        kind: UnitKind::Village,
                        parent: Some(tid),
                        code: String::new(),
                        head: None,
                        organ: None,
                    };
                    record::put_record(tx, &units, &vid.to_string(), &to_json(&unit)?)?;
                }
            }
            Ok(())
        })
    }

    pub(super) fn register_device(&self) -> Result<(), StoreError> {
        let device = fengqiao_model::Device {
            id: self.identity.device_id.clone(),
            name: self.identity.device_name.clone(),
            code: self.identity.device_code.clone(),
            role: self.identity.role,
            scope: self.identity.scope.clone(),
            enrolled_at: now_cst(),
            revoked: false,
            // The office device that founds the county holds the confidential grant, so
            // someone reads accusations from the start; it grants others (`devices`).
            confidential: self.is_founding() && self.identity.role == fengqiao_model::Role::Office,
        };
        let person = self.identity.person.clone();
        self.write(&DocName::Directory, |tx| {
            let devices = map_at(tx, "devices")?;
            record::put_record(tx, &devices, &device.id, &to_json(&device)?)?;
            let people = map_at(tx, "people")?;
            record::put_record(tx, &people, &person.id.to_string(), &to_json(&person)?)?;
            Ok(())
        })
    }

    /// Lists `name` in the directory's catalogue if this device keeps the directory and it
    /// is not listed yet: a device that keeps the directory lists every county document
    /// it starts receiving, since the laptops that create them may not list them.
    pub fn list_in_catalogue(&self, name: &DocName) -> Result<(), StoreError> {
        if *name == DocName::Directory || !self.may_write(&DocName::Directory) {
            return Ok(());
        }
        self.catalogue_add(name)
    }

    pub(super) fn catalogue_add(&self, name: &DocName) -> Result<(), StoreError> {
        // Others' documents are found on disk (`catalogue`): the directory is not theirs.
        if !self.may_write(&DocName::Directory) {
            return Ok(());
        }
        let key = name.to_string();
        let listed = self
            .read(&DocName::Directory, |d| {
                map_in(d, "catalogue")
                    .and_then(|m| d.get(&m, key.as_str()).ok().flatten())
                    .is_some()
            })?
            .unwrap_or(false);
        if listed {
            return Ok(());
        }
        let id = name.document_id(&self.identity.county).to_string();
        self.write(&DocName::Directory, |tx| {
            let catalogue = map_at(tx, "catalogue")?;
            tx.put(&catalogue, key.as_str(), id.as_str())?;
            Ok(())
        })
    }

    /// Lists many documents in the catalogue in one write (an import creates dozens; one
    /// directory change each cost a wait for the disk and an access-table rebuild each).
    pub(super) fn catalogue_add_all(&self, names: &[DocName]) -> Result<(), StoreError> {
        if !self.may_write(&DocName::Directory) {
            return Ok(());
        }
        let county = self.identity.county.clone();
        let wanted: Vec<(String, String)> = names
            .iter()
            .map(|n| (n.to_string(), n.document_id(&county).to_string()))
            .collect();
        let missing: Vec<(String, String)> = self
            .read(&DocName::Directory, |d| {
                let catalogue = map_in(d, "catalogue");
                wanted
                    .iter()
                    .filter(|(key, _)| {
                        catalogue
                            .as_ref()
                            .and_then(|m| d.get(m, key.as_str()).ok().flatten())
                            .is_none()
                    })
                    .cloned()
                    .collect()
            })?
            .unwrap_or_default();
        if missing.is_empty() {
            return Ok(());
        }
        self.write(&DocName::Directory, |tx| {
            let catalogue = map_at(tx, "catalogue")?;
            for (key, id) in &missing {
                tx.put(&catalogue, key.as_str(), id.as_str())?;
            }
            Ok(())
        })
    }

    /// Every document listed in the directory's catalogue or held on this laptop (a
    /// township laptop creates period documents it may not list in the directory), plus
    /// the directory.
    pub fn catalogue(&self) -> Result<Vec<DocName>, StoreError> {
        let mut names: Vec<DocName> = self
            .read(&DocName::Directory, |d| {
                map_in(d, "catalogue")
                    .map(|m| {
                        d.keys(&m)
                            .filter_map(|k| k.parse::<DocName>().ok())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })?
            .unwrap_or_default();
        names.extend(self.documents_on_disk());
        names.retain(|n| *n != DocName::Directory);
        names.sort();
        names.dedup();
        names.insert(0, DocName::Directory);
        Ok(names)
    }

    pub(super) fn directory_records(&self, collection: &str) -> Result<Vec<Value>, StoreError> {
        Ok(self
            .directory_records_keyed(collection)?
            .into_iter()
            .map(|(_, v)| v)
            .collect())
    }

    /// Every org unit in the directory.
    pub fn units(&self) -> Result<Vec<OrgUnit>, StoreError> {
        let mut units: Vec<OrgUnit> = self
            .directory_records("units")?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        units.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(units)
    }

    /// The county's townships.
    pub fn townships(&self) -> Result<Vec<OrgUnit>, StoreError> {
        Ok(self
            .units()?
            .into_iter()
            .filter(|u| u.kind == UnitKind::Township)
            .collect())
    }

    /// The villages of a township (by name).
    pub fn villages(&self, township: &str) -> Result<Vec<String>, StoreError> {
        let units = self.units()?;
        let Some(t) = units
            .iter()
            .find(|u| u.kind == UnitKind::Township && u.name == township)
        else {
            return Ok(Vec::new());
        };
        Ok(units
            .iter()
            .filter(|u| u.parent == Some(t.id))
            .map(|u| u.name.clone())
            .collect())
    }

    /// People known to the directory.
    pub fn people(&self) -> Result<Vec<Person>, StoreError> {
        Ok(self
            .directory_records("people")?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// Devices known to the directory.
    pub fn devices(&self) -> Result<Vec<fengqiao_model::Device>, StoreError> {
        Ok(self
            .directory_records("devices")?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// Leaders known to the directory.
    pub fn leaders(&self) -> Result<Vec<fengqiao_model::Leader>, StoreError> {
        Ok(self
            .directory_records("leaders")?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// Adds or updates a leader.
    pub fn put_leader(&self, leader: &fengqiao_model::Leader) -> Result<(), StoreError> {
        self.require_role(Role::maintains_county_records, "维护领导名单")?;
        let value = to_json(leader)?;
        let key = leader.id.to_string();
        self.write(&DocName::Directory, |tx| {
            let leaders = map_at(tx, "leaders")?;
            update_record(tx, &leaders, &key, &value, known_form::<Leader>)
        })
    }

    /// A holiday calendar override the office added (TOML text per year).
    pub fn calendar_overrides(&self) -> Result<BTreeMap<i32, String>, StoreError> {
        // Calendars are scalars keyed by year, not records, but the same reader serves.
        Ok(self
            .collection_records(&DocName::Directory, "calendars")?
            .into_iter()
            .filter_map(|(year, text)| Some((year.parse().ok()?, text.as_str()?.to_owned())))
            .collect())
    }

    /// The holiday calendar: the embedded years plus the office's overrides. A damaged
    /// override is skipped with a warning, so one bad notice cannot hide the others.
    pub fn holiday_calendar(&self) -> Result<fengqiao_rules::HolidayCalendar, StoreError> {
        let mut calendar = fengqiao_rules::HolidayCalendar::embedded();
        for (year, text) in self.calendar_overrides()? {
            match calendar.clone().with_year_toml(&text) {
                Ok(c) => calendar = c,
                Err(e) => tracing::warn!(year, error = %e, "ignoring a damaged calendar override"),
            }
        }
        Ok(calendar)
    }

    /// Stores a year's holiday calendar (the State Council notice, as TOML text).
    pub fn put_calendar_override(&self, year: i32, toml_text: &str) -> Result<(), StoreError> {
        self.require_role(Role::maintains_county_records, "维护节假日安排")?;
        let parsed = fengqiao_rules::YearCalendar::from_toml(toml_text).map_err(|e| {
            StoreError::BadValue {
                field: format!("calendars.{year}"),
                value: String::new(),
                why: e.to_string(),
            }
        })?;
        if parsed.year != year {
            return Err(StoreError::BadValue {
                field: format!("calendars.{year}"),
                value: parsed.year.to_string(),
                why: format!("节假日安排写的是 {} 年，不是 {year} 年", parsed.year),
            });
        }
        let text = toml_text.to_owned();
        self.write(&DocName::Directory, |tx| {
            let calendars = map_at(tx, "calendars")?;
            tx.put(&calendars, year.to_string(), text.as_str())?;
            Ok(())
        })
    }

    /// Refuses `what` unless the directory gives this device a role that `allowed` (one of
    /// `Role`'s policy predicates) admits.
    pub(super) fn require_role(
        &self,
        allowed: fn(Role) -> bool,
        what: &str,
    ) -> Result<(), StoreError> {
        let role = self.directory_role()?;
        if allowed(role) {
            Ok(())
        } else {
            Err(StoreError::NotPermitted(format!(
                "{what}（县目录中本设备的角色：{role}）"
            )))
        }
    }

    pub(super) fn township_code_of(&self, name: &str) -> Result<String, StoreError> {
        code_of(&self.townships()?, name)
    }

    /// Adds or updates an org unit (e.g. names its head, 负责人).
    pub fn put_unit(&self, unit: &OrgUnit) -> Result<(), StoreError> {
        self.require_role(Role::maintains_county_records, "维护单位名录")?;
        let value = to_json(unit)?;
        let key = unit.id.to_string();
        self.write(&DocName::Directory, |tx| {
            let units = map_at(tx, "units")?;
            update_record(tx, &units, &key, &value, known_form::<OrgUnit>)
        })
    }

    /// Adds or updates a person (staff, unit heads, 评议/听证团 members).
    pub fn put_person(&self, person: &Person) -> Result<(), StoreError> {
        self.require_role(Role::maintains_county_records, "维护人员名录")?;
        if person.name.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required {
                    field: "person.name",
                },
            ]));
        }
        let value = to_json(person)?;
        let key = person.id.to_string();
        self.write(&DocName::Directory, |tx| {
            let people = map_at(tx, "people")?;
            update_record(tx, &people, &key, &value, known_form::<Person>)
        })
    }

    pub(super) fn who_index(&self) -> Result<WhoIndex, StoreError> {
        let people: HashMap<PersonId, String> =
            self.people()?.into_iter().map(|p| (p.id, p.name)).collect();
        let actors: HashMap<String, (String, String)> = self
            .directory_records_keyed("actors")?
            .into_iter()
            .map(|(k, v)| {
                let device = v
                    .get("device")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let person = v
                    .get("person")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                (k, (device, person))
            })
            .collect();
        let devices: HashMap<String, String> = self
            .devices()?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        Ok(WhoIndex {
            people,
            actors,
            devices,
        })
    }

    pub(super) fn directory_records_keyed(
        &self,
        collection: &str,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        self.collection_records(&DocName::Directory, collection)
    }
}

/// A deterministic id for a directory unit, so re-running `init` names units the same.
pub(super) fn unit_id(county: &str, kind: &str, name: &str) -> UnitId {
    UnitId(Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("fengqiao:{county}:{kind}:{name}").as_bytes(),
    ))
}

pub(super) fn township_code(spec: &TownshipSpec) -> String {
    if !spec.code.is_empty() {
        return spec.code.clone();
    }
    let hash = Uuid::new_v5(&Uuid::NAMESPACE_OID, spec.name.as_bytes());
    format!("t{}", &hash.simple().to_string()[..8])
}

/// The document code of a township, or the error naming the townships there are.
pub(super) fn code_of(townships: &[OrgUnit], name: &str) -> Result<String, StoreError> {
    townships
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.code.clone())
        .ok_or_else(|| {
            StoreError::Invalid(vec![fengqiao_model::FieldError::UnknownTownship {
                name: name.to_owned(),
                known: townships
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            }])
        })
}
