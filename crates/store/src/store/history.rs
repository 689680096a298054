//! Per-case history: who changed what and when, read from the Automerge change history of
//! the case's document (never from a log of our own that could disagree with it).
//!
//! Each change is decoded and its operations followed from the `cases` map down: the
//! objects a change creates inside the case are tracked, so every later operation is known
//! by its path (`route`, `petitioners.0.phone` becomes `petitioners.*.phone`,
//! `events.<id>`). A record created in a change (the registration, an event, a note, a
//! resolution) is one edit, not one per field. Who: the change's actor → device (through
//! the directory's `actors` map) and its Automerge author → person. Merge decisions about
//! the case are listed too.

use std::collections::{HashMap, HashSet};

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{Automerge, ObjId, ScalarValue};
use chrono::{DateTime, FixedOffset};
use fengqiao_model::{CaseId, EventKind, PersonId};
use serde::Serialize;

use super::Store;
use super::directory::WhoIndex;
use crate::error::StoreError;
use crate::record::map_in;

/// What an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditAction {
    /// A record (the case, an event, a note, a resolution) or a container was created.
    Created,
    /// A field was given a value.
    Set,
    /// A field or element was removed.
    Deleted,
}

/// One edit within a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edit {
    /// Path inside the case record (`""` is the case itself).
    pub path: String,
    pub action: EditAction,
    /// The new value of a set field.
    pub value: Option<serde_json::Value>,
    /// In Chinese: `登记案件`, `记录事件：答复`, `修改 route = "dispute"`.
    pub summary: String,
}

/// One change (or merge decision) that touched a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// The change hash (hex), or the decision id for a merge decision.
    pub change: String,
    pub at: Option<DateTime<FixedOffset>>,
    pub device_id: Option<String>,
    pub device: Option<String>,
    pub person: Option<PersonId>,
    pub person_name: Option<String>,
    pub edits: Vec<Edit>,
}

fn scalar_json(v: &ScalarValue) -> serde_json::Value {
    match v {
        ScalarValue::Str(s) => serde_json::Value::String(s.to_string()),
        ScalarValue::Int(i) => (*i).into(),
        ScalarValue::Uint(u) => (*u).into(),
        ScalarValue::F64(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        ScalarValue::Boolean(b) => (*b).into(),
        ScalarValue::Timestamp(t) => (*t).into(),
        _ => serde_json::Value::Null,
    }
}

fn record_summary(path: &str, kind: Option<&str>) -> String {
    let mut parts = path.split('.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(""), None, None) => "登记案件".into(),
        (Some("events"), Some(_), None) => {
            let zh = kind
                .and_then(|k| {
                    serde_json::from_value::<EventKind>(serde_json::json!({ "kind": k }))
                        .ok()
                        .map(|e| e.zh().to_owned())
                })
                .or(kind.map(str::to_owned))
                .unwrap_or_default();
            format!("记录事件：{zh}")
        }
        (Some("notes"), Some(_), None) => "添加备注".into(),
        (Some("resolutions"), Some(_), None) => "记录冲突决定".into(),
        _ => format!("新建 {path}"),
    }
}

/// Changes in causal order with concurrent ones by (time, hash), so every replica lists
/// the same history in the same order.
fn deterministic_order(changes: Vec<automerge::Change>) -> Vec<automerge::Change> {
    use std::collections::BTreeSet;
    let known: HashSet<automerge::ChangeHash> = changes.iter().map(|c| c.hash()).collect();
    let mut waiting: HashMap<automerge::ChangeHash, usize> = HashMap::new();
    let mut children: HashMap<automerge::ChangeHash, Vec<automerge::ChangeHash>> = HashMap::new();
    let mut by_hash = HashMap::new();
    let mut ready = BTreeSet::new();
    for c in changes {
        let deps: Vec<_> = c
            .deps()
            .iter()
            .filter(|d| known.contains(d))
            .copied()
            .collect();
        for d in &deps {
            children.entry(*d).or_default().push(c.hash());
        }
        if deps.is_empty() {
            ready.insert((c.timestamp(), c.hash()));
        }
        waiting.insert(c.hash(), deps.len());
        by_hash.insert(c.hash(), c);
    }
    let mut out = Vec::with_capacity(by_hash.len());
    while let Some((_, hash)) = ready.pop_first() {
        for child in children.remove(&hash).unwrap_or_default() {
            if let Some(n) = waiting.get_mut(&child) {
                *n -= 1;
                if *n == 0
                    && let Some(c) = by_hash.get(&child)
                {
                    ready.insert((c.timestamp(), child));
                }
            }
        }
        if let Some(c) = by_hash.remove(&hash) {
            out.push(c);
        }
    }
    out
}

/// The edits of every change to the case `case_key` in `d`, oldest first.
fn case_history(d: &Automerge, case_key: &str, who: &WhoIndex) -> Vec<HistoryEntry> {
    let Some(ObjId::Id(counter, actor, _)) = map_in(d, "cases") else {
        return Vec::new();
    };
    let cases = OpId(counter, actor);
    // Objects inside the case, by the op that made them, with their path.
    let mut objects: HashMap<OpId, String> = HashMap::new();
    let mut out = Vec::new();
    for change in deterministic_order(d.get_changes(&[])) {
        let expanded = change.decode();
        let start = expanded.start_op.get();
        let mut edits = Vec::new();
        let mut made_here: HashSet<OpId> = HashSet::new();
        // The `kind` written into a record created in this change, for its summary.
        let mut kinds: HashMap<OpId, String> = HashMap::new();
        for (i, op) in expanded.operations.iter().enumerate() {
            let id = OpId(start + i as u64, expanded.actor_id.clone());
            let (parent, parent_path) = match &op.obj {
                ObjectId::Id(p) if *p == cases => {
                    match &op.key {
                        Key::Map(k) if k.as_str() == case_key => {}
                        _ => continue,
                    }
                    (p.clone(), None)
                }
                ObjectId::Id(p) => match objects.get(p) {
                    Some(path) => (p.clone(), Some(path.clone())),
                    None => continue,
                },
                ObjectId::Root => continue,
            };
            let key = match &op.key {
                Key::Map(k) => k.to_string(),
                Key::Seq(ElementId::Head) | Key::Seq(ElementId::Id(_)) => "*".to_owned(),
            };
            let path = match &parent_path {
                None => String::new(),
                Some(p) if p.is_empty() => key.clone(),
                Some(p) => format!("{p}.{key}"),
            };
            let inside_new = made_here.contains(&parent);
            match &op.action {
                OpType::Make(_) => {
                    objects.insert(id.clone(), path.clone());
                    made_here.insert(id.clone());
                    if !inside_new {
                        edits.push((
                            Some(id.clone()),
                            Edit {
                                path,
                                action: EditAction::Created,
                                value: None,
                                summary: String::new(),
                            },
                        ));
                    }
                }
                OpType::Put(ScalarValue::Str(s)) if inside_new && key == "kind" => {
                    kinds.insert(parent.clone(), s.to_string());
                }
                OpType::Put(_) if inside_new => {}
                OpType::Put(v) => {
                    let value = scalar_json(v);
                    edits.push((
                        None,
                        Edit {
                            summary: format!("修改 {path} = {value}"),
                            path,
                            action: EditAction::Set,
                            value: Some(value),
                        },
                    ));
                }
                OpType::Delete if !inside_new => edits.push((
                    None,
                    Edit {
                        summary: format!("删除 {path}"),
                        path,
                        action: EditAction::Deleted,
                        value: None,
                    },
                )),
                _ => {}
            }
        }
        if edits.is_empty() {
            continue;
        }
        let edits = edits
            .into_iter()
            .map(|(made, mut e)| {
                if e.action == EditAction::Created {
                    let kind = made.as_ref().and_then(|m| kinds.get(m)).map(String::as_str);
                    e.summary = record_summary(&e.path, kind);
                }
                e
            })
            .collect();
        let author = super::author_of(d, change.actor_id(), change.author().as_ref());
        let who_wrote = who.attribute(change.actor_id(), author.as_deref(), change.timestamp());
        out.push(HistoryEntry {
            change: change.hash().to_string(),
            at: who_wrote.at,
            device: who_wrote
                .device_id
                .as_ref()
                .and_then(|d| who.devices.get(d).cloned()),
            device_id: who_wrote.device_id,
            person: who_wrote.person,
            person_name: who_wrote.person_name,
            edits,
        });
    }
    out
}

impl Store {
    /// Who changed what on a case and when, oldest first: every change of its document
    /// that touched it, and the merge decisions that name it.
    pub fn history(&self, key: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let (name, id) = self.locate(key)?;
        let who = self.who_index()?;
        let case_key = id.to_string();
        let mut entries = self
            .read(&name, |d| case_history(d, &case_key, &who))?
            .unwrap_or_default();
        // Decisions go in by time; the document's own order stays (stable sort).
        entries.extend(self.merge_history(id)?);
        entries.sort_by_key(|e| e.at);
        Ok(entries)
    }

    fn merge_history(&self, id: CaseId) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut out = Vec::new();
        let entry = |change: String, decided: &super::Decided, summary: String| HistoryEntry {
            change,
            at: Some(decided.at),
            device_id: Some(decided.device.clone()),
            device: None,
            person: Some(decided.by),
            person_name: Some(decided.by_name.clone()),
            edits: vec![Edit {
                path: String::new(),
                action: EditAction::Set,
                value: None,
                summary,
            }],
        };
        for view in self.merges()? {
            let m = &view.merge;
            if m.survivor != id && m.absorbed != id {
                continue;
            }
            out.push(entry(
                m.id.to_string(),
                &m.decided,
                format!(
                    "合并：{} 并入 {}（{}）",
                    m.absorbed_number, m.survivor_number, m.decided.reason
                ),
            ));
            if let Some(u) = &view.unmerge {
                out.push(entry(
                    u.id.to_string(),
                    &u.decided,
                    format!(
                        "拆分：{} 与 {} 恢复为两个案件（{}）",
                        m.absorbed_number, m.survivor_number, u.decided.reason
                    ),
                ));
            }
        }
        Ok(out)
    }
}
