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

/// Which typesetter lays documents out: the layout rules and the PDF writer. Bump it
/// whenever a change would move a glyph or a byte of a document already issued, so a
/// re-render under the new one is told apart from a tampered record.
pub const TYPESETTER: &str = "fengqiao-paperwork/1 krilla/0.8";

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

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        [
            ("case_number", "GK7Q-2026-00042"),
            ("petitioner", "张三"),
            ("received_on", "2026年11月2日"),
            ("channel", "来访"),
            ("request", "请求调处宅基地界址纠纷"),
            ("handling_path", "调查核实后出具信访处理意见书"),
            ("issuer", "港口镇"),
            ("number", "信告〔2026〕GK7Q-1号"),
            ("date", "2026年11月3日"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn the_same_document_renders_to_the_same_bytes_and_a_changed_field_does_not() {
        let templates = Templates::builtin();
        let fonts = FontSet::bundled();
        let date = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default();
        let render = |fields: &Fields, id: &str| {
            render(
                &templates,
                DocKind::AcceptanceNotice,
                fields,
                &fonts,
                id,
                date,
            )
            .map(|r| (r.pdf, r.sha256))
            .unwrap()
        };
        let (a, sha_a) = render(&fields(), "0190d2e4-0000-7000-8000-000000000001");
        let (b, sha_b) = render(&fields(), "0190d2e4-0000-7000-8000-000000000001");
        assert_eq!(a, b);
        assert_eq!(sha_a, sha_b);
        assert_eq!(sha_a, sha256_hex(&a));
        let mut changed = fields();
        changed.insert("petitioner".into(), "张三丰".into());
        assert_ne!(
            render(&changed, "0190d2e4-0000-7000-8000-000000000001").1,
            sha_a
        );
        // The id is in the file: a re-render under another record's id is another file.
        assert_ne!(
            render(&fields(), "0190d2e4-0000-7000-8000-000000000002").1,
            sha_a
        );
    }
}
