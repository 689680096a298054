//! A petition case (信访事项): what a registration records (RULES.md §4), its notes, and
//! the human case number.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{CaseId, LeaderId, NoteId, PersonId};
use crate::vocab::{Channel, ContentType, Route};

/// The most representatives a group visit may elect (第二十条第三款).
pub const MAX_REPRESENTATIVES: usize = 5;

/// A human case number, unique even when two laptops register offline: the registering
/// device's short code, the year and that device's own sequence, e.g. `GK7Q-2026-00042`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNumber {
    /// The device's short code (letters and digits, 2–8 characters).
    pub device_code: String,
    /// The registration year.
    pub year: i32,
    /// The device's sequence number within the year, from 1.
    pub sequence: u32,
}

/// A case number that does not have the form `CODE-YYYY-NNNNN`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” 不是有效的案件编号，应形如 GK7Q-2026-00042 (bad case number)")]
pub struct BadCaseNumber(pub String);

impl CaseNumber {
    /// Whether `code` can serve as a device code.
    pub fn is_valid_device_code(code: &str) -> bool {
        (2..=8).contains(&code.len())
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:05}", self.device_code, self.year, self.sequence)
    }
}

impl FromStr for CaseNumber {
    type Err = BadCaseNumber;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadCaseNumber(s.to_owned());
        let mut parts = s.trim().split('-');
        let (Some(code), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if !Self::is_valid_device_code(code) || year.len() != 4 {
            return Err(bad());
        }
        Ok(CaseNumber {
            device_code: code.to_owned(),
            year: year.parse().map_err(|_| bad())?,
            sequence: seq.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?,
        })
    }
}

impl TryFrom<String> for CaseNumber {
    type Error = BadCaseNumber;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CaseNumber> for String {
    fn from(n: CaseNumber) -> String {
        n.to_string()
    }
}

/// Where the item came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// Registered by us directly from the petitioner.
    Own,
    /// Forwarded (转送) by another office.
    ForwardedFrom {
        unit: String,
        received_on: NaiveDate,
    },
    /// Assigned (交办) by a higher office.
    AssignedBy {
        unit: String,
        received_on: NaiveDate,
    },
}

/// A person who petitions, or a representative of a group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Petitioner {
    pub name: String,
    pub phone: String,
    pub address: String,
    /// 身份证号; shown masked (see [`Petitioner::masked_id_number`]).
    pub id_number: String,
    /// An agent acting for the petitioner (代理人), if any.
    pub agent: String,
    pub anonymous: bool,
}

impl Petitioner {
    /// The ID number with all but the first 3 and last 4 characters hidden.
    pub fn masked_id_number(&self) -> String {
        let chars: Vec<char> = self.id_number.chars().collect();
        if chars.len() <= 7 {
            return "*".repeat(chars.len());
        }
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < 3 || i >= chars.len() - 4 {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    }
}

/// What the petitioner asks for, and why.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Content {
    /// 诉求: what is asked for. Required.
    pub request: String,
    /// 事实: the facts given.
    pub facts: String,
    /// 理由: the reasons given.
    pub reasons: String,
}

/// Side flags of a case (RULES.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseFlags {
    /// 集体访: a group visit.
    pub group: bool,
    /// 越级: skipped a level.
    pub skipped_level: bool,
    /// 重复访: repeat petition.
    pub repeat: bool,
    /// 初信初访: first time (最多访一次 applies).
    pub first_time: bool,
    /// 重大紧急: must be reported at once (第二十五条).
    pub major_urgent: bool,
    /// 督办: under supervision (第三十八、四十条).
    pub supervised: bool,
    /// 涉密/检举控告材料: kept apart (第三十条第三款).
    pub confidential: bool,
}

/// The registration as a clerk enters it: everything a case records at intake.
/// [`crate::validate::validate_registration`] checks it before it becomes a [`Case`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub channel: Channel,
    #[serde(default = "own_source")]
    pub source: Source,
    /// The date the item was received (the day T1/T2 start from).
    pub received_on: NaiveDate,
    pub petitioners: Vec<Petitioner>,
    /// Head count of a group visit; 1 for an individual.
    #[serde(default = "one")]
    pub head_count: u32,
    /// Elected representatives of a group visit (≤ 5).
    #[serde(default)]
    pub representatives: Vec<Petitioner>,
    /// The township concerned, by name (must be in the directory).
    pub township: String,
    /// The village or community concerned.
    #[serde(default)]
    pub village: String,
    pub content: Content,
    #[serde(default)]
    pub content_type: Option<ContentType>,
    #[serde(default)]
    pub route: Option<Route>,
    /// The classification-list version that chose the route, e.g. `2026-Q1`.
    #[serde(default)]
    pub route_list_version: String,
    /// Complaint type id from the guide, when the route was chosen through it.
    #[serde(default)]
    pub complaint_type: String,
    /// The unit that received the item and registered it (受理登记单位), by its name in
    /// the directory. Its kind there (信访部门 or another organ) decides which clocks run.
    /// Empty on cases registered before the field existed.
    #[serde(default)]
    pub received_by: String,
    #[serde(default)]
    pub lead_unit: String,
    #[serde(default)]
    pub co_units: Vec<String>,
    #[serde(default)]
    pub handler: String,
    /// 包案领导: the leader who takes charge of the case.
    #[serde(default)]
    pub responsible_leader: Option<LeaderId>,
    /// 首办负责人: who owns the first handling.
    #[serde(default)]
    pub first_visit_owner: String,
    #[serde(default)]
    pub flags: CaseFlags,
}

impl Registration {
    /// A registration of our own with only what every registration needs; set the rest
    /// field by field. `validate_registration` still decides whether it may be saved.
    pub fn new(
        channel: Channel,
        received_on: NaiveDate,
        township: &str,
        request: &str,
    ) -> Registration {
        Registration {
            channel,
            source: Source::Own,
            received_on,
            petitioners: Vec::new(),
            head_count: 1,
            representatives: Vec::new(),
            township: township.to_owned(),
            village: String::new(),
            content: Content {
                request: request.to_owned(),
                ..Content::default()
            },
            content_type: None,
            route: None,
            route_list_version: String::new(),
            complaint_type: String::new(),
            received_by: String::new(),
            lead_unit: String::new(),
            co_units: Vec::new(),
            handler: String::new(),
            responsible_leader: None,
            first_visit_owner: String::new(),
            flags: CaseFlags::default(),
        }
    }

    /// Adds a petitioner by name and phone.
    pub fn with_petitioner(mut self, name: &str, phone: &str) -> Registration {
        self.petitioners.push(Petitioner {
            name: name.to_owned(),
            phone: phone.to_owned(),
            ..Petitioner::default()
        });
        self
    }
}

fn own_source() -> Source {
    Source::Own
}

fn one() -> u32 {
    1
}

/// A case as stored: the registration plus its identity and provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub number: CaseNumber,
    pub registered_at: DateTime<FixedOffset>,
    /// Who registered it.
    pub registered_by: PersonId,
    /// The number the case had in the system it was imported from (shown beside ours);
    /// empty for a case registered here.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source_number: String,
    #[serde(flatten)]
    pub registration: Registration,
}

/// A free-text note on a case. Notes are never edited, only added, so concurrent notes
/// from two laptops are all kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: NoteId,
    pub author: PersonId,
    /// The author's name as known when the note was written.
    pub author_name: String,
    pub written_at: DateTime<FixedOffset>,
    pub text: String,
}
