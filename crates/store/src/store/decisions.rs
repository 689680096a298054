//! Decisions about duplicates: merge, unmerge and "not a duplicate", kept as replicated
//! records in the county's `decisions/<year>` documents.
//!
//! Invariants:
//! - **Nothing is copied or deleted.** A merge is one record (survivor, absorbed, who,
//!   when, why); the absorbed case stays in its document untouched. Reading the survivor
//!   ([`Store::case`]) shows both cases' events and notes; lists hide the absorbed case;
//!   reading the absorbed case shows where it went.
//! - **Undo is another record.** An unmerge names the merge it undoes; a merge with an
//!   unmerge is inactive, and both cases read as before.
//! - **Every replica applies the same merges.** Active merges are applied in the order
//!   (time, id); a merge that would chain or loop (its survivor already absorbed, its
//!   absorbed case already absorbed or itself a survivor — two laptops merging the same
//!   pair both ways offline) is *contested*: not applied, and listed for a person.
//! - Each decision is one change in one document, so it is atomic even when the two cases
//!   live in different township documents.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, FixedOffset};
use fengqiao_model::{CaseId, PersonId, Registration, event};
use serde::{Deserialize, Serialize};

use super::Store;
use crate::docs::DocName;
use crate::duplicates::{self, Candidate, CaseProfile, RegistrationMatch, pair_key};
use crate::error::StoreError;
use crate::record;
use crate::record::{map_at, to_json};
use crate::time::now_cst;

fengqiao_model::uuid_id!(
    /// A merge decision.
    MergeId,
    "合并记录"
);
fengqiao_model::uuid_id!(
    /// An unmerge decision.
    UnmergeId,
    "拆分记录"
);
fengqiao_model::uuid_id!(
    /// A "not a duplicate" decision.
    DismissalId,
    "排除记录"
);

/// Who decided, when and why: every decision carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decided {
    pub by: PersonId,
    pub by_name: String,
    /// The device the decision was made on.
    pub device: String,
    pub at: DateTime<FixedOffset>,
    pub reason: String,
}

/// Two cases merged into one: `absorbed` is shown as part of `survivor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeRecord {
    pub id: MergeId,
    pub survivor: CaseId,
    pub survivor_number: String,
    pub absorbed: CaseId,
    pub absorbed_number: String,
    pub decided: Decided,
}

/// A merge undone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmergeRecord {
    pub id: UnmergeId,
    pub merge: MergeId,
    pub survivor: CaseId,
    pub absorbed: CaseId,
    pub decided: Decided,
}

/// A pair a person judged not to be duplicates; it is no longer offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dismissal {
    pub id: DismissalId,
    /// The pair, smaller id first.
    pub a: CaseId,
    pub b: CaseId,
    pub a_number: String,
    pub b_number: String,
    pub decided: Decided,
}

/// Where a merge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MergeStatus {
    /// Applied: the absorbed case is shown within the survivor.
    Active,
    /// Undone by an unmerge.
    Undone,
    /// Not applied: it chains or loops with another merge (made concurrently elsewhere);
    /// a person must unmerge one of them.
    Contested,
}

impl MergeStatus {
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            MergeStatus::Active => "已合并",
            MergeStatus::Undone => "已拆分",
            MergeStatus::Contested => "合并冲突（待处理）",
        }
    }
}

/// A merge with its state and, when undone, the unmerge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeView {
    pub merge: MergeRecord,
    pub status: MergeStatus,
    pub unmerge: Option<UnmergeRecord>,
}

/// Every decision in the decisions documents this laptop holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Decisions {
    merges: Vec<MergeRecord>,
    unmerges: Vec<UnmergeRecord>,
    dismissals: Vec<Dismissal>,
}

impl Decisions {
    /// The merges with their status, applied in (time, id) order.
    fn views(&self) -> Vec<MergeView> {
        let undone: HashMap<MergeId, &UnmergeRecord> =
            self.unmerges.iter().map(|u| (u.merge, u)).collect();
        let mut merges: Vec<&MergeRecord> = self.merges.iter().collect();
        merges.sort_by_key(|m| (m.decided.at, m.id));
        let mut absorbed: HashSet<CaseId> = HashSet::new();
        let mut survivors: HashSet<CaseId> = HashSet::new();
        merges
            .into_iter()
            .map(|m| {
                let unmerge = undone.get(&m.id).map(|u| (*u).clone());
                let status = if unmerge.is_some() {
                    MergeStatus::Undone
                } else if absorbed.contains(&m.survivor)
                    || absorbed.contains(&m.absorbed)
                    || survivors.contains(&m.absorbed)
                    || m.survivor == m.absorbed
                {
                    MergeStatus::Contested
                } else {
                    absorbed.insert(m.absorbed);
                    survivors.insert(m.survivor);
                    MergeStatus::Active
                };
                MergeView {
                    merge: m.clone(),
                    status,
                    unmerge,
                }
            })
            .collect()
    }

    fn active(&self) -> Vec<MergeRecord> {
        self.views()
            .into_iter()
            .filter(|v| v.status == MergeStatus::Active)
            .map(|v| v.merge)
            .collect()
    }

    fn dismissed(&self) -> HashSet<(CaseId, CaseId)> {
        self.dismissals.iter().map(|d| pair_key(d.a, d.b)).collect()
    }
}

impl Store {
    pub(crate) fn decisions(&self) -> Result<Decisions, StoreError> {
        let mut out = Decisions::default();
        for name in self.catalogue()? {
            if !matches!(name, DocName::Decisions { .. }) {
                continue;
            }
            out.merges.extend(self.typed_records(&name, "merges")?);
            out.unmerges.extend(self.typed_records(&name, "unmerges")?);
            out.dismissals
                .extend(self.typed_records(&name, "dismissals")?);
        }
        Ok(out)
    }

    /// Ids of the cases absorbed by an active merge (lists hide them).
    pub(crate) fn absorbed_cases(&self) -> Result<HashSet<CaseId>, StoreError> {
        Ok(self
            .decisions()?
            .active()
            .into_iter()
            .map(|m| m.absorbed)
            .collect())
    }

    fn decided(&self, reason: &str) -> Result<Decided, StoreError> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required { field: "reason" },
            ]));
        }
        Ok(Decided {
            by: self.identity.person.id,
            by_name: self.identity.person.name.clone(),
            device: self.identity.device_id.clone(),
            at: now_cst(),
            reason: reason.trim().to_owned(),
        })
    }

    fn put_decision(
        &self,
        collection: &'static str,
        id: String,
        value: serde_json::Value,
    ) -> Result<(), StoreError> {
        let name = DocName::Decisions {
            year: now_cst().year(),
        };
        self.write(&name, move |tx| {
            let map = map_at(tx, collection)?;
            record::put_record(tx, &map, &id, &value)?;
            Ok(())
        })
    }

    /// Every case as duplicate detection sees it (absorbed cases left out).
    pub fn case_profiles(&self) -> Result<Vec<CaseProfile>, StoreError> {
        self.profiles_where(&Default::default())
    }

    fn profiles_where(&self, filter: &super::CaseFilter) -> Result<Vec<CaseProfile>, StoreError> {
        Ok(self
            .histories(filter)?
            .iter()
            .map(|(case, events)| CaseProfile::of(case, events))
            .collect())
    }

    /// Candidate duplicate pairs among the cases this laptop holds, best first: same-case
    /// pairs, then same-petitioner pairs. Pairs dismissed as "not a duplicate" and cases
    /// already absorbed by a merge are left out.
    pub fn duplicate_candidates(&self) -> Result<Vec<Candidate>, StoreError> {
        let profiles = self.case_profiles()?;
        let dismissed = self.decisions()?.dismissed();
        Ok(duplicates::find_candidates(&profiles, |a, b| {
            dismissed.contains(&(a, b))
        }))
    }

    /// What a registration matches among the cases of its township held here: repeat
    /// petitions (重复访),
    /// matters already final (不再受理, 第三十六条第三款) and known petitioners. Call it
    /// before saving (the register form) or after (`case add`, passing the new case's id
    /// as `exclude` so it does not match itself).
    pub fn check_registration(
        &self,
        registration: &Registration,
        exclude: Option<CaseId>,
    ) -> Result<Vec<RegistrationMatch>, StoreError> {
        let id = exclude.unwrap_or(CaseId(uuid::Uuid::nil()));
        let new = CaseProfile::of_registration(id, "（新登记）", registration);
        // The same matter is registered where it arose: reading only that township's
        // documents keeps `case add` quick in a county office holding every township.
        let existing = self.profiles_where(&super::CaseFilter {
            township: Some(registration.township.trim().to_owned()),
            ..Default::default()
        })?;
        Ok(duplicates::check_registration(&new, &existing))
    }

    /// Every merge with its status (active, undone, contested), oldest first.
    pub fn merges(&self) -> Result<Vec<MergeView>, StoreError> {
        Ok(self.decisions()?.views())
    }

    /// Every "not a duplicate" decision.
    pub fn dismissals(&self) -> Result<Vec<Dismissal>, StoreError> {
        let mut out = self.decisions()?.dismissals;
        out.sort_by_key(|d| (d.decided.at, d.id));
        Ok(out)
    }

    /// Merges `absorbed` into `survivor` (case ids or numbers): afterwards the survivor
    /// shows both cases' events and notes, and lists no longer show the absorbed case.
    /// Nothing of either case is changed; [`Store::unmerge_case`] undoes it.
    pub fn merge_cases(
        &self,
        survivor: &str,
        absorbed: &str,
        reason: &str,
    ) -> Result<MergeRecord, StoreError> {
        self.require_case_writer()?;
        let decided = self.decided(reason)?;
        let (_, survivor_id) = self.locate(survivor)?;
        let (_, absorbed_id) = self.locate(absorbed)?;
        if survivor_id == absorbed_id {
            return Err(StoreError::BadMerge(format!(
                "{survivor} 与 {absorbed} 是同一案件"
            )));
        }
        let active = self.decisions()?.active();
        if let Some(m) = active.iter().find(|m| m.absorbed == absorbed_id) {
            return Err(StoreError::BadMerge(format!(
                "{absorbed} 已并入 {}，请先拆分",
                m.survivor_number
            )));
        }
        if let Some(m) = active.iter().find(|m| m.absorbed == survivor_id) {
            return Err(StoreError::BadMerge(format!(
                "{survivor} 已并入 {}，请改为并入该案件",
                m.survivor_number
            )));
        }
        if active.iter().any(|m| m.survivor == absorbed_id) {
            return Err(StoreError::BadMerge(format!(
                "{absorbed} 已并入了其他案件，请先拆分那些合并"
            )));
        }
        let survivor_case = self.case_alone(&survivor_id.to_string())?;
        let absorbed_case = self.case_alone(&absorbed_id.to_string())?;
        let merge = MergeRecord {
            id: MergeId::generate(),
            survivor: survivor_id,
            survivor_number: survivor_case.case.number.to_string(),
            absorbed: absorbed_id,
            absorbed_number: absorbed_case.case.number.to_string(),
            decided,
        };
        self.put_decision("merges", merge.id.to_string(), to_json(&merge)?)?;
        tracing::info!(survivor = %merge.survivor_number, absorbed = %merge.absorbed_number, "cases merged");
        Ok(merge)
    }

    /// Undoes the active merge that absorbed `absorbed` (a case id or number) or that has
    /// the merge id given; both cases then read as before the merge.
    pub fn unmerge_case(&self, key: &str, reason: &str) -> Result<UnmergeRecord, StoreError> {
        self.require_case_writer()?;
        let decided = self.decided(reason)?;
        let views = self.decisions()?.views();
        let key = key.trim();
        let by_merge_id = key.parse::<MergeId>().ok();
        let absorbed_id = match by_merge_id {
            Some(_) => None,
            None => Some(self.locate(key)?.1),
        };
        let view = views
            .iter()
            .filter(|v| v.status != MergeStatus::Undone)
            .find(|v| Some(v.merge.id) == by_merge_id || Some(v.merge.absorbed) == absorbed_id)
            .ok_or_else(|| StoreError::BadMerge(format!("{key} 没有可拆分的合并")))?;
        let unmerge = UnmergeRecord {
            id: UnmergeId::generate(),
            merge: view.merge.id,
            survivor: view.merge.survivor,
            absorbed: view.merge.absorbed,
            decided,
        };
        self.put_decision("unmerges", unmerge.id.to_string(), to_json(&unmerge)?)?;
        Ok(unmerge)
    }

    /// Records that two cases are not duplicates; the pair is no longer offered.
    pub fn dismiss_duplicate(
        &self,
        a: &str,
        b: &str,
        reason: &str,
    ) -> Result<Dismissal, StoreError> {
        self.require_case_writer()?;
        let decided = self.decided(reason)?;
        let (_, a_id) = self.locate(a)?;
        let (_, b_id) = self.locate(b)?;
        if a_id == b_id {
            return Err(StoreError::BadMerge(format!("{a} 与 {b} 是同一案件")));
        }
        let (x, y) = pair_key(a_id, b_id);
        let number = |id: CaseId| -> Result<String, StoreError> {
            Ok(self.case_alone(&id.to_string())?.case.number.to_string())
        };
        let dismissal = Dismissal {
            id: DismissalId::generate(),
            a: x,
            b: y,
            a_number: number(x)?,
            b_number: number(y)?,
            decided,
        };
        self.put_decision("dismissals", dismissal.id.to_string(), to_json(&dismissal)?)?;
        Ok(dismissal)
    }

    /// Adds what merges mean for one case to its record: the absorbed cases' events and
    /// notes on a survivor (and its status from all of them), the merge on an absorbed case.
    pub(crate) fn attach_merges(&self, record: &mut super::CaseRecord) -> Result<(), StoreError> {
        let active = self.decisions()?.active();
        let id = record.case.id;
        record.merged_into = active.iter().find(|m| m.absorbed == id).cloned();
        for m in active.iter().filter(|m| m.survivor == id) {
            // The absorbed case may live in a township document this device does not
            // receive: the merge is still shown, its records only where they are held.
            match self.case_alone(&m.absorbed.to_string()) {
                Ok(absorbed) => {
                    record.events.extend(absorbed.events);
                    record.notes.extend(absorbed.notes);
                    record.unreadable.extend(absorbed.unreadable);
                }
                Err(StoreError::NoSuchCase(_)) => {
                    tracing::info!(absorbed = %m.absorbed_number, "absorbed case not held here");
                }
                Err(e) => return Err(e),
            }
            record.merged_from.push(m.clone());
        }
        if !record.merged_from.is_empty() {
            event::sort_events(&mut record.events);
            record.notes.sort_by_key(|n| (n.written_at, n.id));
            record.status = event::status_of(&record.events);
        }
        Ok(())
    }
}
