//! What a case keeps of its documents: one record per issue (a correction is a new record
//! that supersedes the old one, never an edit of it) and one per service (送达). The serde
//! names are the storage format.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use fengqiao_model::ids::{CaseId, EventId, PersonId};
use serde::{Deserialize, Serialize};

use crate::kind::DocKind;

fengqiao_model::uuid_id!(
    /// A document record's id.
    DocumentId,
    "文书"
);

fengqiao_model::uuid_id!(
    /// A service record's id.
    ServiceId,
    "送达记录"
);

/// How a number was made: numbers of one pattern, year and device never repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbering {
    /// The pattern it was made from (`宁信告〔{year}〕{device}-{seq}号`).
    pub pattern: String,
    pub year: i32,
    /// The issuing device's code.
    pub device: String,
    pub seq: u32,
}

/// A document issued on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub id: DocumentId,
    pub case_id: CaseId,
    pub kind: DocKind,
    /// 文号.
    pub number: String,
    pub numbering: Numbering,
    /// 1 for the first issue; a correction is the next version.
    pub version: u32,
    /// The record this one corrects.
    #[serde(default)]
    pub supersedes: Option<DocumentId>,
    /// The document's date (成文日期).
    pub issued_on: NaiveDate,
    pub issued_at: DateTime<FixedOffset>,
    pub issued_by: PersonId,
    pub issued_by_name: String,
    /// The device that issued it.
    pub device: String,
    /// The templates it was filled from (`builtin-1`, `county-3-1a2b3c4d`).
    pub template: String,
    /// Every field value used, so the same PDF can be typeset again.
    pub fields: BTreeMap<String, String>,
    /// SHA-256 of the title and body fonts it was set in.
    pub fonts: Vec<String>,
    /// The typesetter that laid it out ([`crate::TYPESETTER`]): the same inputs give the
    /// same bytes only under the same one.
    #[serde(default)]
    pub typesetter: String,
    /// SHA-256 of the PDF, hex.
    pub sha256: String,
    /// The lifecycle events recorded with it (at issue).
    #[serde(default)]
    pub events: Vec<EventId>,
}

/// The service (送达) of a document: the day the petitioner received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub id: ServiceId,
    pub document: DocumentId,
    pub number: String,
    /// The day it was received.
    pub served_on: NaiveDate,
    /// 直接送达、邮寄送达、留置送达…
    pub method: String,
    pub recorded_at: DateTime<FixedOffset>,
    pub recorded_by: PersonId,
    /// The lifecycle events recorded with it (an opinion's reply).
    #[serde(default)]
    pub events: Vec<EventId>,
}

/// One entry of a case's `documents` map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "kebab-case")]
pub enum PaperEntry {
    Issued(Box<DocumentRecord>),
    Served(ServiceRecord),
}

/// A case's documents as a clerk sees them: each issue with its service, newest version
/// marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseDocument {
    pub record: DocumentRecord,
    /// The service recorded for it, if any (the earliest, should two be recorded).
    pub served: Option<ServiceRecord>,
    /// A later version corrects it.
    pub superseded_by: Option<String>,
}

/// Pairs issues with services and corrections, in issue order.
pub fn case_documents(entries: Vec<PaperEntry>) -> Vec<CaseDocument> {
    let mut issued = Vec::new();
    let mut served: Vec<ServiceRecord> = Vec::new();
    for entry in entries {
        match entry {
            PaperEntry::Issued(r) => issued.push(*r),
            PaperEntry::Served(s) => served.push(s),
        }
    }
    issued.sort_by_key(|r| (r.issued_at, r.id));
    served.sort_by_key(|s| (s.served_on, s.recorded_at, s.id));
    let by_id: BTreeMap<DocumentId, String> = issued
        .iter()
        .filter_map(|r| r.supersedes.map(|old| (old, r.number.clone())))
        .collect();
    issued
        .into_iter()
        .map(|record| CaseDocument {
            served: served.iter().find(|s| s.document == record.id).cloned(),
            superseded_by: by_id.get(&record.id).cloned(),
            record,
        })
        .collect()
}
