//! Open conflicts as the 冲突 view shows them: every value, who wrote it and when.

use std::collections::HashMap;

use fengqiao_store::duplicates::{Candidate, MatchKind};
use fengqiao_store::{CaseSummary, Conflict, Contradiction};

/// Every open conflict, duplicate candidate and lifecycle contradiction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conflicts {
    pub items: Vec<ConflictItem>,
    pub duplicates: Vec<DuplicatePair>,
    pub contradictions: Vec<ContradictionView>,
}

/// The key fields of one case of a duplicate pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseBrief {
    pub id: String,
    pub number: String,
    pub received_on: String,
    pub township: String,
    pub village: String,
    pub petitioner: String,
    pub request: String,
}

/// Two cases that may be one, side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    pub a: CaseBrief,
    pub b: CaseBrief,
    pub score: f32,
    /// Whether merging is offered (same matter), not only the same petitioner.
    pub same_case: bool,
    /// Why, in Chinese, as the store explains it.
    pub evidence: String,
}

/// A lifecycle contradiction of one case with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContradictionView {
    pub case_id: String,
    pub case_number: String,
    pub key: String,
    pub kind: String,
    /// Each record: what, who, when.
    pub items: Vec<String>,
    pub options: Vec<String>,
}

fn brief(id: String, number: &str, cases: &HashMap<String, &CaseSummary>) -> CaseBrief {
    match cases.get(&id) {
        Some(c) => CaseBrief {
            id,
            number: c.number.clone(),
            received_on: c.received_on.to_string(),
            township: c.township.clone(),
            village: c.village.clone(),
            petitioner: c.petitioner.clone(),
            request: c.request.clone(),
        },
        None => CaseBrief {
            id,
            number: number.to_owned(),
            ..Default::default()
        },
    }
}

impl Conflicts {
    /// From the store's conflicts, duplicate candidates (with the case list for their key
    /// fields) and contradictions.
    pub fn from_parts(
        conflicts: &[Conflict],
        candidates: &[Candidate],
        cases: &[CaseSummary],
        contradictions: &[Contradiction],
    ) -> Conflicts {
        let by_id: HashMap<String, &CaseSummary> =
            cases.iter().map(|c| (c.id.to_string(), c)).collect();
        Conflicts {
            items: conflicts.iter().map(ConflictItem::from_store).collect(),
            duplicates: candidates
                .iter()
                .map(|c| DuplicatePair {
                    a: brief(c.a.to_string(), &c.a_number, &by_id),
                    b: brief(c.b.to_string(), &c.b_number, &by_id),
                    score: c.score,
                    same_case: c.kind == MatchKind::SameCase,
                    evidence: c
                        .evidence
                        .iter()
                        .map(|e| e.zh())
                        .collect::<Vec<_>>()
                        .join("，"),
                })
                .collect(),
            contradictions: contradictions
                .iter()
                .map(|c| ContradictionView {
                    case_id: c.case_id.to_string(),
                    case_number: c.case_number.clone(),
                    key: c.key.clone(),
                    kind: c.kind.zh().to_owned(),
                    items: c
                        .items
                        .iter()
                        .map(|i| {
                            format!(
                                "{} · {} · {}",
                                i.what,
                                i.person_name.clone().unwrap_or_default(),
                                i.written_at
                                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                                    .unwrap_or_default()
                            )
                        })
                        .collect(),
                    options: c.options.clone(),
                })
                .collect(),
        }
    }
}

/// One field of one case with concurrent values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictItem {
    pub case_id: String,
    pub case_number: String,
    pub field: String,
    pub values: Vec<ConflictChoice>,
}

/// One of the values, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictChoice {
    /// The value as text (strings without quotes).
    pub value: String,
    pub person: String,
    pub device: String,
    /// `YYYY-MM-DD HH:MM`, China Standard Time; empty when unknown.
    pub written_at: String,
}

impl Conflicts {
    /// From the store's conflicts only.
    pub fn from_store(conflicts: &[Conflict]) -> Conflicts {
        Conflicts::from_parts(conflicts, &[], &[], &[])
    }
}

impl ConflictItem {
    /// From one store conflict.
    pub fn from_store(c: &Conflict) -> ConflictItem {
        ConflictItem {
            case_id: c.case_id.to_string(),
            case_number: c.case_number.clone(),
            field: c.field.clone(),
            values: c
                .values
                .iter()
                .map(|v| ConflictChoice {
                    value: value_text(&v.value),
                    person: v.person_name.clone().unwrap_or_default(),
                    device: v.device.clone().unwrap_or_default(),
                    written_at: v
                        .written_at
                        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// A JSON value as a clerk reads it: strings bare, route codes in Chinese.
pub fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => fengqiao_model::Route::parse(s)
            .map(|r| r.zh().to_owned())
            .unwrap_or_else(|_| s.clone()),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}
