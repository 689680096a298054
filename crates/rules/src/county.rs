//! What the county's directory says that the clocks depend on: the kind of each unit
//! (a 党委和政府信访部门 or another 机关、单位, which decides between 第二十二条 and
//! 第二十三条) and the county's choices where the law leaves a reading open.
//!
//! The store builds a [`LawContext`] from the replicated directory; the CLI, the app and
//! the roster's briefing build every case's [`CaseFacts`] through it, so every replica
//! runs the same clocks for the same case.

use std::collections::BTreeMap;

use fengqiao_model::case::Registration;
use fengqiao_model::org::OrgUnit;
use fengqiao_model::vocab::OrganKind;

use crate::case_clocks::CaseFacts;
use crate::clock::ExtensionBase;

/// The county's readings of points the law leaves open (`docs/law.md`, "Readings").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LawSettings {
    /// Where an extension (T6) is counted from (law review 2026-12, row 21).
    pub extension_from: ExtensionBase,
}

/// The units' kinds and the county's settings, as the clocks need them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LawContext {
    organs: BTreeMap<String, OrganKind>,
    /// The county's settings.
    pub settings: LawSettings,
}

impl LawContext {
    /// The context of a directory's units and the county's settings. A unit listed twice
    /// under one name counts as a 信访部门 if either record says so.
    pub fn new(units: &[OrgUnit], settings: LawSettings) -> LawContext {
        let mut organs = BTreeMap::new();
        for u in units {
            let kind = u.organ_kind();
            organs
                .entry(u.name.trim().to_owned())
                .and_modify(|k| {
                    if kind == OrganKind::PetitionOffice {
                        *k = kind;
                    }
                })
                .or_insert(kind);
        }
        LawContext { organs, settings }
    }

    /// The kind of the unit named `unit`, if the directory knows it.
    pub fn organ_of(&self, unit: &str) -> Option<OrganKind> {
        self.organs.get(unit.trim()).copied()
    }

    /// A case's facts: what its registration records, the kind of the unit that received
    /// it (unknown when the case names none or the directory lacks it) and the county's
    /// settings.
    pub fn facts(&self, reg: &Registration) -> CaseFacts {
        CaseFacts {
            office: self.organ_of(&reg.received_by),
            extension_from: self.settings.extension_from,
            ..CaseFacts::from_registration(reg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fengqiao_model::ids::UnitId;
    use fengqiao_model::vocab::{Channel, UnitKind};

    fn unit(n: u32, name: &str, organ: Option<OrganKind>) -> OrgUnit {
        OrgUnit {
            id: format!("00000000-0000-7000-8000-{n:012}")
                .parse::<UnitId>()
                .unwrap_or_else(|e| panic!("{e}")),
            name: name.into(),
            kind: UnitKind::Department,
            parent: None,
            code: String::new(),
            head: None,
            organ,
        }
    }

    #[test]
    fn the_receiving_units_kind_comes_from_the_directory() {
        let ctx = LawContext::new(
            &[
                unit(1, "宁国市信访局", Some(OrganKind::PetitionOffice)),
                unit(2, "港口镇", Some(OrganKind::OtherOrgan)),
                // Recorded before units had a kind: another organ.
                unit(3, "人力资源和社会保障局", None),
            ],
            LawSettings {
                extension_from: ExtensionBase::RolledEnd,
            },
        );
        let mut reg = Registration::new(
            Channel::Visit,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
            "港口镇",
            "修路",
        );
        let office = |ctx: &LawContext, reg: &Registration| ctx.facts(reg).office;
        assert_eq!(office(&ctx, &reg), None, "no receiving unit recorded");
        reg.received_by = "宁国市信访局".into();
        assert_eq!(office(&ctx, &reg), Some(OrganKind::PetitionOffice));
        reg.received_by = " 港口镇 ".into();
        assert_eq!(office(&ctx, &reg), Some(OrganKind::OtherOrgan));
        reg.received_by = "人力资源和社会保障局".into();
        assert_eq!(office(&ctx, &reg), Some(OrganKind::OtherOrgan));
        reg.received_by = "不在名录的单位".into();
        assert_eq!(office(&ctx, &reg), None);
        assert_eq!(ctx.facts(&reg).extension_from, ExtensionBase::RolledEnd);
    }
}
