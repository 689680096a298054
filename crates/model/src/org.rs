//! The organisation: units, leaders, staff and devices (the `directory` document's records).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{CaseId, LeaderId, PersonId, UnitId, VisitId};
use crate::vocab::{LeaderLevel, OrganKind, PanelKind, Role, UnitKind};

/// An organisational unit: the county, a township, a village, or a responsible department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    /// The unit above (a village's township, a township's county).
    pub parent: Option<UnitId>,
    /// A short ASCII code for townships, used in document names (`cases/<code>/2026-Q1`).
    #[serde(default)]
    pub code: String,
    /// The head of the unit (负责人), who attends a leader's reception when the unit owns
    /// a booked case (联合接访, 第十八条第三款).
    #[serde(default)]
    pub head: Option<PersonId>,
    /// 信访部门 or another 机关、单位: decides which clocks run on items the unit receives
    /// (第二十二条 vs 第二十三条). Units recorded before the field existed read as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organ: Option<OrganKind>,
}

impl OrgUnit {
    /// The unit's kind of organ. A unit that does not say is another 机关、单位: only a
    /// 党委和政府信访部门 runs 第二十二条's clock, and the office marks its own unit so.
    pub fn organ_kind(&self) -> OrganKind {
        self.organ.unwrap_or(OrganKind::OtherOrgan)
    }
}

/// A leader who receives petitioners and carries cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leader {
    pub id: LeaderId,
    pub name: String,
    /// 职务, e.g. 市委书记, 副市长, 镇长.
    pub title: String,
    pub level: LeaderLevel,
    /// The township a township leader belongs to.
    #[serde(default)]
    pub township: Option<String>,
}

/// A staff member: the author of changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    #[serde(default)]
    pub unit: String,
    /// 职务, e.g. 局长 (empty when not recorded).
    #[serde(default)]
    pub title: String,
    /// The 评议/听证团 panels the person sits on.
    #[serde(default)]
    pub panels: Vec<PanelKind>,
}

/// A laptop or server known to the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The device's public key (its iroh endpoint id) or, before sync is set up, its local id.
    pub id: String,
    pub name: String,
    /// The short code that prefixes the case numbers this device issues.
    pub code: String,
    pub role: Role,
    /// Townships whose documents the device may hold; empty with role Office means all.
    #[serde(default)]
    pub scope: Vec<String>,
    pub enrolled_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub revoked: bool,
    /// The confidential grant (第三十条第三款): an office device that may receive the
    /// identities of accusers and the text of accusations. Given by the office in the
    /// directory; the county server holds them by its role.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confidential: bool,
}

impl Device {
    /// Whether the device may receive accusers' identities and accusations' text.
    pub fn reads_confidential(&self) -> bool {
        !self.revoked
            && (self.role == crate::Role::Server
                || (self.role == crate::Role::Office && self.confidential))
    }
}

/// A household visited on a field visit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Household {
    pub head: String,
    pub address: String,
    /// What was heard or agreed.
    pub outcome: String,
}

/// A field visit (下访, 带案下访): planned, then recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldVisit {
    pub id: VisitId,
    /// The leader who goes down, when it is a leader's visit.
    #[serde(default)]
    pub leader: Option<LeaderId>,
    /// Staff who go along.
    #[serde(default)]
    pub staff: Vec<String>,
    pub township: String,
    pub village: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub households: Vec<Household>,
    /// Cases carried down (带案下访).
    #[serde(default)]
    pub linked_cases: Vec<CaseId>,
    /// Empty until the visit is recorded.
    #[serde(default)]
    pub outcome: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_stored_before_the_organ_field_reads_as_another_organ() {
        let old: OrgUnit = serde_json::from_value(serde_json::json!({
            "id": "00000000-0000-7000-8000-000000000001",
            "name": "港口镇", "kind": "township", "parent": null
        }))
        .unwrap();
        assert_eq!(old.organ, None);
        assert_eq!(old.organ_kind(), OrganKind::OtherOrgan);
        let office = OrgUnit {
            organ: Some(OrganKind::PetitionOffice),
            name: "宁国市信访局".into(),
            ..old.clone()
        };
        let json = serde_json::to_value(&office).unwrap();
        assert_eq!(json["organ"], "petition-office");
        assert_eq!(
            serde_json::from_value::<OrgUnit>(json)
                .unwrap()
                .organ_kind(),
            OrganKind::PetitionOffice
        );
        // Written without the field, so older readers see the same record as before.
        assert!(serde_json::to_value(&old).unwrap().get("organ").is_none());
    }
}
