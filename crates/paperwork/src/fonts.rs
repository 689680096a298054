//! The fonts documents are set in: the bundled OFL serifs, or a county's own licensed
//! fonts. Each is known by the SHA-256 of its bytes, which a document records, so a
//! re-render with a different font is detected rather than silently different.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use crate::error::PaperError;

static BODY: &[u8] = include_bytes!("../fonts/FengqiaoSerif-GBK.otf");
static TITLE: &[u8] = include_bytes!("../fonts/FengqiaoSerifBold-GB2312.otf");

/// One font file (or one face of a collection).
#[derive(Clone)]
pub struct FontData {
    /// What to call it in messages: the file name, or the bundled font's name.
    pub name: String,
    pub bytes: Arc<dyn AsRef<[u8]> + Send + Sync>,
    /// The face in a collection (`.ttc`), else 0.
    pub index: u32,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

impl std::fmt::Debug for FontData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontData")
            .field("name", &self.name)
            .field("sha256", &self.sha256)
            .finish()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl FontData {
    fn from_static(name: &str, bytes: &'static [u8], hash: &'static OnceLock<String>) -> FontData {
        FontData {
            name: name.to_owned(),
            bytes: Arc::new(bytes),
            index: 0,
            sha256: hash.get_or_init(|| hex(&Sha256::digest(bytes))).clone(),
        }
    }

    /// Reads a font file. The only I/O this crate does.
    pub fn from_file(path: &Path) -> Result<FontData, PaperError> {
        let bytes = std::fs::read(path).map_err(|e| PaperError::BadFont {
            font: path.display().to_string(),
            why: e.to_string(),
        })?;
        let font = FontData {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: hex(&Sha256::digest(&bytes)),
            bytes: Arc::new(bytes),
            index: 0,
        };
        // Refuse at once what cannot be read, rather than at the first document.
        skrifa::FontRef::from_index(font.data(), font.index).map_err(|e| PaperError::BadFont {
            font: font.name.clone(),
            why: format!("不是可读的 OpenType/TrueType 字体：{e}"),
        })?;
        Ok(font)
    }

    /// The bytes.
    pub fn data(&self) -> &[u8] {
        (*self.bytes).as_ref()
    }
}

/// The two roles of GB/T 9704: titles and the header (小标宋 style), and the body (仿宋 style).
#[derive(Debug, Clone)]
pub struct FontSet {
    pub title: FontData,
    pub body: FontData,
}

static BODY_HASH: OnceLock<String> = OnceLock::new();
static TITLE_HASH: OnceLock<String> = OnceLock::new();

impl FontSet {
    /// The bundled fonts: Fengqiao Serif (Noto Serif CJK SC, SIL OFL 1.1), Regular cut to
    /// GBK for the body, Bold cut to GB2312 for titles.
    pub fn bundled() -> FontSet {
        FontSet {
            title: FontData::from_static("Fengqiao Serif Bold GB2312", TITLE, &TITLE_HASH),
            body: FontData::from_static("Fengqiao Serif GBK", BODY, &BODY_HASH),
        }
    }

    /// The bundled set with either role replaced by a county's font.
    pub fn with(title: Option<FontData>, body: Option<FontData>) -> FontSet {
        let bundled = FontSet::bundled();
        FontSet {
            title: title.unwrap_or(bundled.title),
            body: body.unwrap_or(bundled.body),
        }
    }

    /// The SHA-256 of each role's font, title first: what a document records.
    pub fn hashes(&self) -> Vec<String> {
        vec![self.title.sha256.clone(), self.body.sha256.clone()]
    }
}
