//! Evidence attached to a case, one of its events or notes, or a field visit: a letter, an
//! ID copy, a photograph, a signed 送达回证. The record names the bytes by their hash; the
//! bytes themselves live in the data directory's blob store, never in a document.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::ids::{EventId, NoteId, PersonId, VisitId};

crate::uuid_id!(
    /// An attachment (附件).
    AttachmentId, "attachment"
);

/// The per-file cap when the county has set none (issue: 50 MB).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

/// The data directory's attachments above which a laptop is warned, when the county has
/// set no quota.
pub const DEFAULT_QUOTA_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// What an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum AttachedTo {
    /// The case as a whole (the petition letter, an ID copy).
    Case,
    Event(EventId),
    Note(NoteId),
    Visit(VisitId),
}

impl AttachedTo {
    /// Its Chinese name, for lists and messages.
    pub fn label(&self) -> &'static str {
        match self {
            AttachedTo::Case => "案件",
            AttachedTo::Event(_) => "事件",
            AttachedTo::Note(_) => "备注",
            AttachedTo::Visit(_) => "下访",
        }
    }
}

/// Who withdrew an attachment, when and why. Withdrawing keeps the record (and the bytes
/// until a sweep finds nothing else referring to them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub by: PersonId,
    pub by_name: String,
    pub at: DateTime<FixedOffset>,
    #[serde(default)]
    pub reason: String,
}

/// One attached file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub on: AttachedTo,
    /// BLAKE3 of the bytes, 64 lowercase hex digits.
    pub hash: String,
    /// The file's name as attached (no directories).
    pub file_name: String,
    /// The media type, e.g. `image/jpeg`, from the file's name.
    pub media_type: String,
    pub size: u64,
    #[serde(default)]
    pub caption: String,
    pub attached_by: PersonId,
    pub attached_by_name: String,
    pub attached_at: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
}

impl Attachment {
    /// Whether it still counts (not withdrawn).
    pub fn is_live(&self) -> bool {
        self.withdrawn.is_none()
    }

    /// Whether it is a picture the app can show as a thumbnail.
    pub fn is_image(&self) -> bool {
        self.media_type.starts_with("image/")
    }
}

/// The media type of a file by its name; `application/octet-stream` when unknown.
pub fn media_type_of(file_name: &str) -> String {
    mime_guess::from_path(file_name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// The last component of `path`, without any directory, for storing as a file name; a
/// name a petitioner's phone made may hold anything, so separators are never kept.
pub fn bare_file_name(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if name.is_empty() || name == "." || name == ".." {
        "附件".to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_name() {
        assert_eq!(media_type_of("来信.JPG"), "image/jpeg");
        assert_eq!(media_type_of("scan.pdf"), "application/pdf");
        assert_eq!(media_type_of("录音.mp3"), "audio/mpeg");
        assert_eq!(media_type_of("无扩展名"), "application/octet-stream");
    }

    #[test]
    fn a_file_name_never_keeps_a_directory() {
        assert_eq!(bare_file_name("/home/a/来信.jpg"), "来信.jpg");
        assert_eq!(bare_file_name("C:\\Users\\x\\scan.pdf"), "scan.pdf");
        assert_eq!(bare_file_name("../.."), "附件");
        assert_eq!(bare_file_name(""), "附件");
    }

    #[test]
    fn the_target_serialises_with_its_kind() {
        let json = serde_json::to_value(AttachedTo::Case).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"kind": "case"}));
    }
}
