//! How records map onto Automerge: one record is one map keyed by its UUID.
//!
//! A record's serde form (from `fengqiao-model`) is written field by field: objects become
//! maps, arrays become lists, strings/numbers/booleans become scalars. So two laptops that
//! edit different fields of one case merge cleanly, and two that edit the same field leave
//! both values, which [`conflicts_in`] finds. The serde names in `fengqiao-model` are
//! therefore part of the storage format: renaming one is a format change.

use automerge::transaction::Transactable;
use automerge::{
    AutomergeError, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, ScalarValueRef,
    ValueRef,
};
use fengqiao_model::CaseId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::error::StoreError;

/// A case's sub-records: maps of their own inside the case's map.
pub(crate) const CASE_SUBRECORDS: &[&str] =
    &["events", "notes", "resolutions", "documents", "attachments"];

/// Writes `value` as a new map at `parent[key]`. The whole record goes in as one batch
/// (`batch_create_object`): its operations are appended together instead of each being
/// spliced into the document's columns, which is what made writing thousands of cases slow.
pub fn put_record<T: Transactable>(
    tx: &mut T,
    parent: &ObjId,
    key: &str,
    value: &Value,
) -> Result<ObjId, AutomergeError> {
    let record = match value {
        Value::Object(_) => to_hydrate(value),
        _ => automerge::hydrate::Value::map(),
    };
    tx.batch_create_object(parent, key, &record, false)
}

/// The Automerge form of a JSON value: objects as maps, arrays as lists, the rest scalars
/// (strings are scalar strings, never text objects).
fn to_hydrate(value: &Value) -> automerge::hydrate::Value {
    use automerge::hydrate;
    match value {
        Value::Object(fields) => hydrate::Value::Map(hydrate::Map::from(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), to_hydrate(v)))
                .collect::<std::collections::HashMap<String, hydrate::Value>>(),
        )),
        Value::Array(items) => hydrate::Value::List(hydrate::List::from(
            items.iter().map(to_hydrate).collect::<Vec<_>>(),
        )),
        scalar => hydrate::Value::Scalar(to_scalar(scalar)),
    }
}

/// Writes one JSON value at `obj[key]`.
pub fn put_value<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: &Value,
) -> Result<(), AutomergeError> {
    match value {
        Value::Object(_) => {
            put_record(tx, obj, key, value)?;
        }
        Value::Array(items) => {
            let list = tx.put_object(obj, key, ObjType::List)?;
            for (i, item) in items.iter().enumerate() {
                insert_value(tx, &list, i, item)?;
            }
        }
        scalar => tx.put(obj, key, to_scalar(scalar))?,
    }
    Ok(())
}

fn insert_value<T: Transactable>(
    tx: &mut T,
    list: &ObjId,
    index: usize,
    value: &Value,
) -> Result<(), AutomergeError> {
    match value {
        Value::Object(fields) => {
            let obj = tx.insert_object(list, index, ObjType::Map)?;
            for (k, v) in fields {
                put_value(tx, &obj, k, v)?;
            }
        }
        Value::Array(items) => {
            let inner = tx.insert_object(list, index, ObjType::List)?;
            for (i, item) in items.iter().enumerate() {
                insert_value(tx, &inner, i, item)?;
            }
        }
        scalar => tx.insert(list, index, to_scalar(scalar))?,
    }
    Ok(())
}

/// The Automerge scalar for a JSON scalar.
pub fn to_scalar(value: &Value) -> ScalarValue {
    match value {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                ScalarValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                ScalarValue::Uint(u)
            } else {
                ScalarValue::F64(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        // Objects and arrays are never scalars; callers route them to put_record.
        Value::Object(_) | Value::Array(_) => ScalarValue::Null,
    }
}

/// The JSON value of an Automerge scalar.
pub fn scalar_to_json(s: &ScalarValueRef<'_>) -> Value {
    match s {
        ScalarValueRef::Str(s) => Value::String(s.to_string()),
        ScalarValueRef::Int(i) | ScalarValueRef::Counter(i) | ScalarValueRef::Timestamp(i) => {
            Value::Number((*i).into())
        }
        ScalarValueRef::Uint(u) => Value::Number((*u).into()),
        ScalarValueRef::F64(f) => Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ScalarValueRef::Boolean(b) => Value::Bool(*b),
        ScalarValueRef::Null | ScalarValueRef::Bytes(_) | ScalarValueRef::Unknown { .. } => {
            Value::Null
        }
    }
}

/// Reads the object `obj` as JSON, taking the deterministic winner of any conflict.
pub fn read_value<R: ReadDoc>(doc: &R, obj: &ObjId, obj_type: ObjType) -> Value {
    match obj_type {
        ObjType::Map | ObjType::Table => {
            let mut out = Map::new();
            for item in doc.map_range(obj, ..) {
                let v = match &item.value {
                    ValueRef::Scalar(s) => scalar_to_json(s),
                    ValueRef::Object(t) => read_value(doc, &item.id(), *t),
                };
                out.insert(item.key.into_owned(), v);
            }
            Value::Object(out)
        }
        ObjType::List => Value::Array(
            doc.list_range(obj, ..)
                .map(|item| match &item.value {
                    ValueRef::Scalar(s) => scalar_to_json(s),
                    ValueRef::Object(t) => read_value(doc, &item.id(), *t),
                })
                .collect(),
        ),
        ObjType::Text => Value::String(doc.text(obj).unwrap_or_default()),
    }
}

/// Reads the map at `parent[key]`, if there is one.
pub fn read_record<R: ReadDoc>(doc: &R, parent: &ObjId, key: &str) -> Option<(ObjId, Value)> {
    match doc.get(parent, key).ok()?? {
        (automerge::Value::Object(t @ (ObjType::Map | ObjType::Table)), id) => {
            let v = read_value(doc, &id, t);
            Some((id, v))
        }
        _ => None,
    }
}

/// One value among concurrent values of a field, with the op that wrote it.
#[derive(Debug, Clone)]
pub struct RawConflictValue {
    pub value: Value,
    pub op: ObjId,
}

/// A field with more than one concurrent value.
#[derive(Debug, Clone)]
pub struct RawConflict {
    /// Dotted path from the record, e.g. `content.request` or `petitioners.0.phone`.
    pub path: String,
    pub values: Vec<RawConflictValue>,
}

/// Finds every field of the record at `obj` (recursively) with concurrent values.
/// `skip` names top-level keys not to descend into (e.g. the notes map).
pub fn conflicts_in<R: ReadDoc>(doc: &R, obj: &ObjId, skip: &[&str]) -> Vec<RawConflict> {
    let mut out = Vec::new();
    walk_conflicts(doc, obj, "", skip, &mut out);
    out
}

fn walk_conflicts<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    prefix: &str,
    skip: &[&str],
    out: &mut Vec<RawConflict>,
) {
    let Ok(Some(obj_type)) = doc.object_type(obj).map(Some) else {
        return;
    };
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match obj_type {
        ObjType::Map | ObjType::Table => {
            let items: Vec<_> = doc.map_range(obj, ..).map(|i| i.into_owned()).collect();
            for item in items {
                if prefix.is_empty() && skip.contains(&item.key.as_ref()) {
                    continue;
                }
                let path = join(&item.key);
                if item.conflict {
                    out.push(collect_conflict(
                        doc,
                        obj,
                        automerge::Prop::Map(item.key.to_string()),
                        path.clone(),
                    ));
                }
                if let ValueRef::Object(_) = item.value {
                    walk_conflicts(doc, &item.id(), &path, &[], out);
                }
            }
        }
        ObjType::List => {
            let items: Vec<_> = doc.list_range(obj, ..).map(|i| i.into_owned()).collect();
            for item in items {
                let path = join(&item.index.to_string());
                if item.conflict {
                    out.push(collect_conflict(
                        doc,
                        obj,
                        automerge::Prop::Seq(item.index),
                        path.clone(),
                    ));
                }
                if let ValueRef::Object(_) = item.value {
                    walk_conflicts(doc, &item.id(), &path, &[], out);
                }
            }
        }
        ObjType::Text => {}
    }
}

fn collect_conflict<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    prop: automerge::Prop,
    path: String,
) -> RawConflict {
    let values = doc
        .get_all(obj, prop)
        .unwrap_or_default()
        .into_iter()
        .map(|(v, id)| RawConflictValue {
            value: match v {
                automerge::Value::Scalar(s) => scalar_to_json(&scalar_ref(&s)),
                automerge::Value::Object(t) => read_value(doc, &id, t),
            },
            op: id,
        })
        .collect();
    RawConflict { path, values }
}

fn scalar_ref(s: &ScalarValue) -> ScalarValueRef<'_> {
    match s {
        ScalarValue::Str(s) => ScalarValueRef::Str(s.as_str().into()),
        ScalarValue::Int(i) => ScalarValueRef::Int(*i),
        ScalarValue::Uint(u) => ScalarValueRef::Uint(*u),
        ScalarValue::F64(f) => ScalarValueRef::F64(*f),
        ScalarValue::Counter(c) => ScalarValueRef::Int(i64::from(c)),
        ScalarValue::Timestamp(t) => ScalarValueRef::Timestamp(*t),
        ScalarValue::Boolean(b) => ScalarValueRef::Boolean(*b),
        _ => ScalarValueRef::Null,
    }
}

/// Navigates a dotted path from `obj` to the container and final key of a field.
pub fn resolve_path<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    path: &str,
) -> Option<(ObjId, automerge::Prop)> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop()?;
    let mut current = obj.clone();
    for part in parts {
        let prop = prop_of(doc, &current, part)?;
        match doc.get(&current, prop).ok()?? {
            (automerge::Value::Object(_), id) => current = id,
            _ => return None,
        }
    }
    let prop = prop_of(doc, &current, last)?;
    Some((current, prop))
}

fn prop_of<R: ReadDoc>(doc: &R, obj: &ObjId, part: &str) -> Option<automerge::Prop> {
    match doc.object_type(obj).ok()? {
        ObjType::List | ObjType::Text => part.parse().ok().map(automerge::Prop::Seq),
        _ => Some(automerge::Prop::Map(part.to_owned())),
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::BadValue {
        field: String::new(),
        value: String::new(),
        why: e.to_string(),
    })
}

pub(crate) fn map_in<R: ReadDoc>(d: &R, key: &str) -> Option<ObjId> {
    match d.get(ROOT, key).ok()?? {
        (automerge::Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

pub(crate) fn map_at<R: ReadDoc>(d: &R, key: &str) -> Result<ObjId, StoreError> {
    map_in(d, key).ok_or_else(|| StoreError::BadDocumentData {
        doc: String::new(),
        reason: format!("缺少顶层容器 {key}"),
    })
}

pub(crate) fn case_obj<R: ReadDoc>(d: &R, id: CaseId) -> Result<ObjId, StoreError> {
    let cases = map_at(d, "cases")?;
    match d.get(&cases, id.to_string())? {
        Some((automerge::Value::Object(_), obj)) => Ok(obj),
        _ => Err(StoreError::NoSuchCase(id.to_string())),
    }
}

pub(crate) fn case_sub<R: ReadDoc>(d: &R, id: CaseId, sub: &str) -> Result<ObjId, StoreError> {
    let obj = case_obj(d, id)?;
    match d.get(&obj, sub)? {
        Some((automerge::Value::Object(_), m)) => Ok(m),
        _ => Err(StoreError::DamagedRecord {
            doc: String::new(),
            id: id.to_string(),
            reason: format!("缺少 {sub}"),
        }),
    }
}

pub(crate) fn put_at<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    prop: automerge::Prop,
    value: &Value,
) -> Result<(), StoreError> {
    match prop {
        automerge::Prop::Map(k) => put_value(tx, obj, &k, value)?,
        automerge::Prop::Seq(i) => match value {
            Value::Object(_) | Value::Array(_) => {
                return Err(StoreError::FieldNotSettable {
                    field: i.to_string(),
                    why: "只能修改单个值".into(),
                });
            }
            scalar => tx.put(obj, i, to_scalar(scalar))?,
        },
    }
    Ok(())
}

/// This version's view of a stored record: the record read as `T` and written back as
/// JSON, so it holds exactly the fields this version knows. `None` when it does not read.
pub(crate) fn known_form<T: Serialize + for<'de> Deserialize<'de>>(
    stored: &Value,
) -> Option<Value> {
    T::deserialize(stored)
        .ok()
        .and_then(|t| serde_json::to_value(t).ok())
}

/// Updates the record at `parent[key]` field by field to `value`; creates it if missing.
/// `known` gives this version's view of the stored record ([`known_form`]): only fields
/// in that view are compared, overwritten or deleted, so what a newer version added (a
/// field this version does not know, at any depth of nested maps) is kept as it is.
/// When the stored record does not read, nothing is deleted.
pub(crate) fn update_record<T: Transactable + ReadDoc>(
    tx: &mut T,
    parent: &ObjId,
    key: &str,
    value: &Value,
    known: impl Fn(&Value) -> Option<Value>,
) -> Result<(), StoreError> {
    let existing = match tx.get(parent, key)? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => Some(obj),
        _ => None,
    };
    let (Some(obj), Value::Object(_)) = (existing, value) else {
        put_value(tx, parent, key, value)?;
        return Ok(());
    };
    let current = read_value(tx, &obj, ObjType::Map);
    let seen = known(&current);
    merge_into(tx, &obj, &current, seen.as_ref(), value)
}

/// Writes `new`'s fields into the stored map `obj` (whose content is `current`), where
/// they differ from this version's view `seen` of it; deletes the fields `seen` has and
/// `new` lacks. Nested maps are merged the same way, so their unknown fields stay too.
pub(crate) fn merge_into<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    current: &Value,
    seen: Option<&Value>,
    new: &Value,
) -> Result<(), StoreError> {
    let (Value::Object(cur), Value::Object(fields)) = (current, new) else {
        return Ok(());
    };
    let seen = seen.and_then(Value::as_object);
    for (k, v) in fields {
        // Compare with what this version sees: a stored value that differs only in what
        // this version cannot see (a newer version's field inside it) is not a change.
        let before = seen.map_or(cur.get(k), |s| s.get(k));
        if before == Some(v) {
            continue;
        }
        match (cur.get(k), v, obj_field(tx, obj, k.as_str())) {
            (Some(inner @ Value::Object(_)), Value::Object(_), Some(child))
                if matches!(tx.object_type(&child), Ok(ObjType::Map)) =>
            {
                let inner_seen = seen.map(|s| s.get(k).unwrap_or(&Value::Null));
                merge_into(tx, &child, inner, inner_seen, v)?;
            }
            _ => put_value(tx, obj, k, v)?,
        }
    }
    if let Some(seen) = seen {
        for k in seen.keys() {
            if !fields.contains_key(k) && cur.contains_key(k) {
                tx.delete(obj, k.as_str())?;
            }
        }
    }
    Ok(())
}

pub(crate) fn strip_subrecords(value: &mut Value) {
    if let Value::Object(o) = value {
        for k in CASE_SUBRECORDS {
            o.remove(*k);
        }
    }
}

pub(crate) fn get_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, part| match v {
        Value::Object(o) => o.get(part),
        Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

pub(crate) fn set_path(value: &mut Value, path: &str, new: Value) -> Option<()> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop()?;
    let mut cur = value;
    for part in parts {
        cur = match cur {
            Value::Object(o) => o.get_mut(part)?,
            Value::Array(a) => a.get_mut(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match cur {
        Value::Object(o) => {
            o.insert(last.to_owned(), new);
            Some(())
        }
        Value::Array(a) => {
            *a.get_mut(last.parse::<usize>().ok()?)? = new;
            Some(())
        }
        _ => None,
    }
}

/// Why this version could not read a stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unreadable {
    /// It names a kind or a code this version does not know: a newer version wrote it.
    NewerVersion,
    /// Anything else: a field missing or of the wrong type.
    Damaged,
}

impl Unreadable {
    /// What a clerk is told, in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Unreadable::NewerVersion => "由较新版本记录，本机版本无法读取（请升级本机的枫桥）",
            Unreadable::Damaged => "已损坏，无法读取",
        }
    }
}

/// A stored record this version could not read: kept as it is in the document, and
/// shown, never dropped in silence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnreadableRecord {
    /// The collection it is in, e.g. `events` or `notes`.
    pub collection: String,
    /// Its key in the collection (the record's id).
    pub id: String,
    pub why: Unreadable,
    /// The decoder's message (in English, from serde).
    pub detail: String,
    /// The record as stored.
    pub stored: Value,
}

impl UnreadableRecord {
    /// One line for a clerk: what the record is, what it says it is, and why it is not read.
    pub fn zh(&self) -> String {
        let what = match self.collection.as_str() {
            "events" => "事件",
            "notes" => "备注",
            "resolutions" => "处理决定",
            "documents" => "文书",
            "attachments" => "附件",
            "cases" => "案件",
            "units" => "单位",
            "people" => "人员",
            "devices" => "设备",
            "leaders" => "领导",
            "visits" => "下访",
            "slots" => "接访安排",
            "leave" => "请假",
            "swaps" => "调班",
            "changes" => "排班变更",
            "bookings" => "预约",
            "merges" => "合并决定",
            "unmerges" => "拆分决定",
            "dismissals" => "排除决定",
            "items" => "导访登记",
            "pickups" => "导访受理",
            "attestations" => "签名",
            other => other,
        };
        let field = |k: &str| self.stored.get(k).and_then(Value::as_str);
        let about: Vec<&str> = ["kind", "date", "written_at"]
            .into_iter()
            .filter_map(field)
            .collect();
        let about = if about.is_empty() {
            String::new()
        } else {
            format!("（{}）", about.join("，"))
        };
        // serde lists every known variant after the unknown one: the clerk needs the name.
        let detail = self
            .detail
            .split_once(", expected")
            .map_or(self.detail.as_str(), |(head, _)| head);
        format!("{what} {}{about} {}：{detail}", self.id, self.why.zh())
    }
}

/// Decodes one stored record, or says why it cannot be read. A record that names a kind
/// or code this version lacks is a newer version's (serde reports those, and only those,
/// as an unknown variant); any other failure is damage.
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(
    collection: &str,
    id: &str,
    value: &Value,
) -> Result<T, UnreadableRecord> {
    T::deserialize(value).map_err(|e| {
        let detail = e.to_string();
        UnreadableRecord {
            collection: collection.to_owned(),
            id: id.to_owned(),
            why: if detail.starts_with("unknown variant") {
                Unreadable::NewerVersion
            } else {
                Unreadable::Damaged
            },
            detail,
            stored: value.clone(),
        }
    })
}

/// Decodes every record of a collection (`parent[collection]`, a map keyed by id): the
/// records this version reads, and those it cannot. The one decoder every reader of a
/// case's events, notes and resolutions uses.
pub(crate) fn decode_map<T: for<'de> Deserialize<'de>>(
    parent: &Value,
    collection: &str,
) -> (Vec<T>, Vec<UnreadableRecord>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    match parent.get(collection) {
        Some(Value::Object(o)) => {
            for (k, v) in o {
                match decode(collection, k, v) {
                    Ok(t) => ok.push(t),
                    Err(u) => bad.push(u),
                }
            }
        }
        None => {}
        Some(other) => bad.push(UnreadableRecord {
            collection: collection.to_owned(),
            id: String::new(),
            why: Unreadable::Damaged,
            detail: "not a map of records".into(),
            stored: other.clone(),
        }),
    }
    (ok, bad)
}

pub(crate) fn hex_heads(heads: &[ChangeHash]) -> Vec<String> {
    let mut out: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    out.sort();
    out
}

/// A scalar string field of an object (empty when absent or not a string).
pub(crate) fn str_field<R: ReadDoc>(d: &R, obj: &ObjId, key: &str) -> String {
    match d.get(obj, key) {
        Ok(Some((automerge::Value::Scalar(s), _))) => s.as_str().unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

pub(crate) fn obj_field<R: ReadDoc, P: Into<automerge::Prop>>(
    d: &R,
    obj: &ObjId,
    key: P,
) -> Option<ObjId> {
    match d.get(obj, key) {
        Ok(Some((automerge::Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::Automerge;
    use fengqiao_model::CaseEvent;
    use serde_json::json;

    /// A record type of this version: `leader` is left out when empty, `inner` is a map.
    #[derive(Serialize, Deserialize)]
    struct Visit {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        leader: Option<String>,
        inner: Inner,
    }

    #[derive(Serialize, Deserialize)]
    struct Inner {
        a: u32,
    }

    /// Stores `before` at `r`, updates it to `after` as this version's `Visit`, and
    /// returns what is stored then.
    fn update(before: Value, after: Value) -> Value {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        put_value(&mut tx, &ROOT, "r", &before).unwrap();
        update_record(&mut tx, &ROOT, "r", &after, known_form::<Visit>).unwrap();
        tx.commit();
        read_record(&doc, &ROOT, "r").unwrap().1
    }

    #[test]
    fn an_update_keeps_unknown_fields_at_any_depth_and_deletes_known_ones_left_out() {
        let stored = update(
            json!({"id": "1", "leader": "x", "inner": {"a": 1, "later": true}, "later": "v2"}),
            json!({"id": "1", "inner": {"a": 2}}),
        );
        assert_eq!(
            stored,
            json!({"id": "1", "inner": {"a": 2, "later": true}, "later": "v2"})
        );
    }

    #[test]
    fn an_update_of_a_record_this_version_cannot_read_deletes_nothing() {
        // No `inner`: not a `Visit` this version reads, so nothing is known to be stale.
        let stored = update(
            json!({"id": "1", "leader": "x", "later": "v2"}),
            json!({"id": "1", "inner": {"a": 2}}),
        );
        assert_eq!(
            stored,
            json!({"id": "1", "leader": "x", "inner": {"a": 2}, "later": "v2"})
        );
    }

    #[test]
    fn the_decoder_tells_a_newer_versions_record_from_a_damaged_one() {
        let event = |extra: Value| {
            let mut e = json!({
                "id": "01936d3a-0000-7000-8000-000000000001",
                "kind": "accepted",
                "date": "2026-03-02",
                "recorded_at": "2026-03-02T09:00:00+08:00",
                "recorded_by": "01936d3a-0000-7000-8000-000000000002",
            });
            if let (Value::Object(e), Value::Object(extra)) = (&mut e, extra) {
                e.extend(extra);
            }
            e
        };
        let why = |v: Value| {
            decode::<CaseEvent>("events", "e", &v)
                .map(|_| ())
                .map_err(|u| u.why)
        };
        assert_eq!(
            why(event(json!({"signed_by": "x"}))),
            Ok(()),
            "unknown field: read"
        );
        assert_eq!(
            why(event(
                json!({"kind": "mediation-centre-transfer", "centre": "x"})
            )),
            Err(Unreadable::NewerVersion),
            "unknown kind"
        );
        assert_eq!(
            why(event(json!({"kind": "replied", "reply": "partly-upheld"}))),
            Err(Unreadable::NewerVersion),
            "unknown code of a closed vocabulary"
        );
        assert_eq!(
            why(event(json!({"date": "昨天"}))),
            Err(Unreadable::Damaged),
            "a date that is not one"
        );
        let mut no_date = event(json!({}));
        if let Value::Object(o) = &mut no_date {
            o.remove("date");
        }
        assert_eq!(why(no_date), Err(Unreadable::Damaged), "a field missing");
    }
}
