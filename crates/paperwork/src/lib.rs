//! The statutory paperwork of the 2022 《信访工作条例》: every written act the law asks
//! for, filled from a case and typeset as an A4 PDF after GB/T 9704.
//!
//! Typical workflow (the store does this when a clerk issues a document):
//! 1. [`offers`] says which [`DocKind`]s the case's state allows, and why not the others.
//! 2. [`case_fields`] takes the case's fields; the clerk's inputs ([`DocKind::inputs`])
//!    and the number and date are added; [`normalise_inputs`] checks them.
//! 3. [`render`] fills the county's [`Templates`] (refusing, with every missing field
//!    named) and typesets with a [`FontSet`]: the PDF, its SHA-256, and the [`Layout`] a
//!    preview can draw.
//! 4. The store keeps a [`DocumentRecord`] (kind, number, dates, template version, field
//!    values, font and PDF hashes) and records [`DocKind::events`].
//!
//! Pure: no store, no clock, no I/O but reading a county's font file
//! ([`FontData::from_file`]). The same inputs give the same bytes.

pub mod error;
pub mod fields;
pub mod fonts;
pub mod kind;
pub mod layout;
pub mod pdf;
pub mod record;
pub mod template;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

pub use error::{MissingField, PaperError};
pub use fields::{case_fields, label_of, normalise_inputs, reply_decision, zh_date};
pub use fonts::{FontData, FontSet};
pub use kind::{CaseState, DocKind, Effect, Fields, Input, Offer, offer, offers};
pub use layout::{Layout, layout};
pub use record::{
    CaseDocument, DocumentId, DocumentRecord, Numbering, PaperEntry, ServiceId, ServiceRecord,
    case_documents,
};
pub use template::{Composed, Templates, format_number};

/// A document typeset.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    /// SHA-256 of `pdf`, hex.
    pub sha256: String,
    pub layout: Layout,
    pub composed: Composed,
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fills and typesets one document. `id` (the record's id) and `date` (its 成文日期) go
/// into the PDF's metadata in place of anything that would change between runs.
pub fn render(
    templates: &Templates,
    kind: DocKind,
    fields: &Fields,
    fonts: &FontSet,
    id: &str,
    date: NaiveDate,
) -> Result<Rendered, PaperError> {
    let composed = templates.compose(kind, fields)?;
    let layout = layout::layout(&composed, fonts)?;
    let pdf = pdf::write_pdf(
        &layout,
        fonts,
        &pdf::PdfInfo {
            title: composed.title.clone(),
            author: composed.issuer.clone(),
            id: id.to_owned(),
            date,
        },
    )?;
    Ok(Rendered {
        sha256: sha256_hex(&pdf),
        pdf,
        layout,
        composed,
    })
}
