//! Open conflicts as the 冲突 view shows them: every value, who wrote it and when.

use fengqiao_store::Conflict;

/// Every open conflict.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conflicts {
    pub items: Vec<ConflictItem>,
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
    /// From the store's conflicts.
    pub fn from_store(conflicts: &[Conflict]) -> Conflicts {
        Conflicts {
            items: conflicts.iter().map(ConflictItem::from_store).collect(),
        }
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
