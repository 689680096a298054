//! Test support: records as a newer version of Fengqiao would write them, merged into a
//! document the way a peer's change is, and the raw stored form of a record, so tests in
//! the store, the CLI and the app can check that this version shows what it cannot read
//! and keeps it intact on write-back. Not for production use.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjId, ObjType, ROOT, ReadDoc};
use serde_json::{Value, json};

use super::Store;
use crate::record::{obj_field, put_value, read_value};
use crate::{DocName, StoreError};

/// The records [`plant_future_records`] wrote.
#[derive(Debug, Clone)]
pub struct FutureRecords {
    /// The document the case lives in.
    pub document: DocName,
    /// An event of a kind this version does not know (`mediation-centre-transfer`), with
    /// a field it does not know (`centre`).
    pub future_event: String,
    /// A known event (the registration) that now carries an unknown field `signed_by`.
    pub extended_event: String,
    /// A note with no author and a time that is not a time: damaged.
    pub damaged_note: String,
}

/// The kind of the future event.
pub const FUTURE_EVENT_KIND: &str = "mediation-centre-transfer";

/// Writes into the case `key`, as a laptop running a newer version would, through a
/// change of another actor merged like a peer's:
/// - an unknown field on the case (`risk_level`) and one inside a known map
///   (`flags.escalated_to_city`);
/// - an event of an unknown kind with an unknown field;
/// - an unknown field (`signed_by`) on the case's registration event;
/// - a damaged note.
pub fn plant_future_records(store: &Store, key: &str) -> Result<FutureRecords, StoreError> {
    let record = store.case(key)?;
    let document: DocName = record
        .document
        .parse()
        .map_err(|e: crate::docs::BadDocName| StoreError::BadDocumentData {
            doc: record.document.clone(),
            reason: e.to_string(),
        })?;
    let case = record.case.id.to_string();
    let registered = record
        .events
        .iter()
        .find(|e| e.kind == fengqiao_model::EventKind::Registered)
        .map(|e| e.id.to_string())
        .ok_or_else(|| StoreError::NoSuchCase(format!("{key}（没有登记事件）")))?;
    let future_event = fengqiao_model::EventId::generate().to_string();
    let damaged_note = fengqiao_model::NoteId::generate().to_string();
    let date = record.case.registration.received_on.to_string();
    let at = record.case.registered_at.to_rfc3339();
    let by = record.case.registered_by.to_string();
    write_as_peer(
        store,
        &document,
        &["cases", &case],
        &json!({ "risk_level": "high" }),
    )?;
    write_as_peer(
        store,
        &document,
        &["cases", &case, "flags"],
        &json!({ "escalated_to_city": true }),
    )?;
    write_as_peer(
        store,
        &document,
        &["cases", &case, "events", &future_event],
        &json!({
            "id": future_event,
            "kind": FUTURE_EVENT_KIND,
            "centre": "宁国市矛盾纠纷调处化解中心",
            "date": date,
            "recorded_at": at,
            "recorded_by": by,
            "remark": "",
        }),
    )?;
    write_as_peer(
        store,
        &document,
        &["cases", &case, "events", &registered],
        &json!({ "signed_by": "窗口电子签名" }),
    )?;
    write_as_peer(
        store,
        &document,
        &["cases", &case, "notes", &damaged_note],
        &json!({ "id": damaged_note, "written_at": "昨天", "text": "半条备注" }),
    )?;
    Ok(FutureRecords {
        document,
        future_event,
        extended_event: registered,
        damaged_note,
    })
}

/// Puts `fields` into the map at `path` (keys from the document's root; the last map is
/// created when missing) with a change of a new actor, merged as a peer's change is.
pub fn write_as_peer(
    store: &Store,
    name: &DocName,
    path: &[&str],
    fields: &Value,
) -> Result<(), StoreError> {
    let bytes = store
        .export_document(name)?
        .ok_or_else(|| StoreError::BadDocumentData {
            doc: name.to_string(),
            reason: "本机没有这个文档".into(),
        })?;
    let mut doc = Automerge::load(&bytes)?.with_actor(ActorId::random());
    let before = doc.get_heads();
    let mut tx = doc.transaction();
    let mut obj = ROOT;
    for (i, key) in path.iter().enumerate() {
        obj = match obj_field(&tx, &obj, *key) {
            Some(child) => child,
            None if i + 1 == path.len() => tx.put_object(&obj, *key, ObjType::Map)?,
            None => {
                return Err(StoreError::BadDocumentData {
                    doc: name.to_string(),
                    reason: format!("没有 {}", path[..=i].join("/")),
                });
            }
        };
    }
    if let Value::Object(fields) = fields {
        for (k, v) in fields {
            put_value(&mut tx, &obj, k, v)?;
        }
    }
    tx.commit();
    store.import_document(name, &doc.save_after(&before))?;
    Ok(())
}

/// The record at `path` of a document exactly as stored (every field, known or not).
pub fn stored_record(
    store: &Store,
    name: &DocName,
    path: &[&str],
) -> Result<Option<Value>, StoreError> {
    Ok(store
        .read(name, |d| {
            let mut obj: ObjId = ROOT;
            for key in path {
                obj = obj_field(d, &obj, *key)?;
            }
            let kind = d.object_type(&obj).ok()?;
            Some(read_value(d, &obj, kind))
        })?
        .flatten())
}

/// `value` written as a record into a scratch document and read back: what a record's
/// serde form becomes in storage.
pub fn through_automerge(value: &Value) -> Result<Value, StoreError> {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    put_value(&mut tx, &ROOT, "record", value)?;
    tx.commit();
    let (kind, obj) = match doc.get(ROOT, "record")? {
        Some((automerge::Value::Object(kind), obj)) => (kind, obj),
        _ => return Ok(Value::Null),
    };
    Ok(read_value(&doc, &obj, kind))
}
