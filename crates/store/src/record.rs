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
pub(crate) const CASE_SUBRECORDS: &[&str] = &["events", "notes", "resolutions", "documents"];

/// Writes `value` as a new map at `parent[key]`.
pub fn put_record<T: Transactable>(
    tx: &mut T,
    parent: &ObjId,
    key: &str,
    value: &Value,
) -> Result<ObjId, AutomergeError> {
    let obj = tx.put_object(parent, key, ObjType::Map)?;
    if let Value::Object(fields) = value {
        for (k, v) in fields {
            put_value(tx, &obj, k, v)?;
        }
    }
    Ok(obj)
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

/// Updates the record at `parent[key]` field by field; creates it if missing.
pub(crate) fn update_record<T: Transactable + ReadDoc>(
    tx: &mut T,
    parent: &ObjId,
    key: &str,
    value: &Value,
) -> Result<(), StoreError> {
    let existing = match tx.get(parent, key)? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => Some(obj),
        _ => None,
    };
    let (Some(obj), Value::Object(fields)) = (existing, value) else {
        put_value(tx, parent, key, value)?;
        return Ok(());
    };
    let current = read_value(tx, &obj, ObjType::Map);
    for (k, v) in fields {
        if current.get(k) != Some(v) {
            put_value(tx, &obj, k, v)?;
        }
    }
    if let Value::Object(cur) = &current {
        for k in cur.keys() {
            if !fields.contains_key(k) {
                tx.delete(&obj, k.as_str())?;
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

pub(crate) fn parse_map<T: for<'de> Deserialize<'de>>(v: Option<&Value>) -> (Vec<T>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    if let Some(Value::Object(o)) = v {
        for (k, v) in o {
            match T::deserialize(v) {
                Ok(t) => ok.push(t),
                Err(e) => bad.push(format!("{k}: {e}")),
            }
        }
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
