//! What the case page's 文书 section asks of the store thread, and the preview it gets
//! back (the handlers are in `worker/papers.rs`).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use fengqiao_store::paperwork::{DocKind, Fields, Layout};

/// A paperwork action.
#[derive(Debug, Clone)]
pub enum PaperCommand {
    /// Issue a document of `kind` on `case` (number or id), dated `date`, with what the
    /// clerk filled in; `corrects` names the document it replaces.
    Issue {
        case: String,
        kind: DocKind,
        date: NaiveDate,
        inputs: Fields,
        corrects: Option<String>,
    },
    /// Show a stored document's pages (typeset again, checked against its hash).
    Preview { number: String },
    /// Record its service (送达) on `date`.
    Serve {
        number: String,
        date: NaiveDate,
        method: String,
    },
    /// Write its PDF into `dir` (the data directory's `exports/`).
    Save { number: String, dir: PathBuf },
    /// Write its PDF there and open it with `viewer` (the system's PDF viewer), to print.
    Print {
        number: String,
        dir: PathBuf,
        viewer: PdfViewer,
    },
}

/// Opens a saved PDF for printing. The app uses [`system_pdf_viewer`]; a test puts its own
/// in [`crate::state::papers::PapersState::viewer`], so no window opens.
pub type PdfViewer = fn(&Path) -> std::io::Result<()>;

/// The system's PDF viewer (`xdg-open`, `open`, or the Windows shell), not waited for.
pub fn system_pdf_viewer(path: &Path) -> std::io::Result<()> {
    open::that_detached(path)
}

/// A document's pages for the preview.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentPreview {
    pub number: String,
    pub kind: DocKind,
    pub layout: Layout,
}

/// The file a document is saved as: its number, made safe for a file name.
pub fn file_name(number: &str) -> String {
    let safe: String = number
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '-'
            } else {
                c
            }
        })
        .collect();
    format!("{safe}.pdf")
}
