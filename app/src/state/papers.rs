//! The case page's 文书 section: the form of the document being issued, the service
//! being recorded, and the document shown in the preview.

use std::sync::Arc;

use chrono::NaiveDate;
use fengqiao_store::DocumentOffer;
use fengqiao_store::paperwork::{DocKind, Fields, Input};

use crate::backend::{DocumentPreview, PdfViewer, system_pdf_viewer};

/// What the 文书 section holds between frames.
#[derive(Debug, Clone)]
pub struct PapersState {
    /// The kind whose form is open, with each input and what was typed.
    pub kind: Option<DocKind>,
    pub inputs: Vec<(Input, String)>,
    /// The document's date (成文日期).
    pub date: NaiveDate,
    /// The number of the document the open form corrects.
    pub corrects: Option<String>,
    /// The document whose service is being recorded, its date and method.
    pub serving: Option<String>,
    pub serve_date: NaiveDate,
    pub serve_method: String,
    /// The document shown.
    pub preview: Option<Arc<DocumentPreview>>,
    /// What 打印 opens the saved PDF with.
    pub viewer: PdfViewer,
}

impl PapersState {
    pub fn new(today: NaiveDate) -> PapersState {
        PapersState {
            kind: None,
            inputs: Vec::new(),
            date: today,
            corrects: None,
            serving: None,
            serve_date: today,
            serve_method: "直接送达".into(),
            preview: None,
            viewer: system_pdf_viewer,
        }
    }

    /// Opens the form for `offer`, with the values the case suggests.
    pub fn open(&mut self, offer: &DocumentOffer, corrects: Option<String>, today: NaiveDate) {
        self.kind = Some(offer.kind);
        self.inputs = offer.inputs.clone();
        self.corrects = corrects;
        self.date = today;
    }

    /// What the form holds, as fields.
    pub fn fields(&self) -> Fields {
        self.inputs
            .iter()
            .map(|(i, v)| (i.key.to_owned(), v.clone()))
            .collect()
    }

    /// Closes the form.
    pub fn take(&mut self) {
        self.kind = None;
        self.inputs.clear();
        self.corrects = None;
    }

    /// Shows a document just issued or asked for; a form of its kind was issued, so it
    /// closes.
    pub fn show(&mut self, preview: Arc<DocumentPreview>) {
        if self.kind == Some(preview.kind) {
            self.take();
        }
        self.preview = Some(preview);
    }
}
