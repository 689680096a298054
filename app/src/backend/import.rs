//! 设置 → 导入: a county's existing records brought in from CSV or Excel. The store thread
//! reads the file through the mapping (crate `fengqiao-import`) and asks the store for a
//! plan; 检查 shows that report and writes nothing, 导入 writes what a check showed.

use std::path::{Path, PathBuf};

use fengqiao_import::Refusal;

/// What the UI asks of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportCommand {
    /// Read the file and report what importing it would do (the dry run).
    Check {
        file: PathBuf,
        mapping: Option<PathBuf>,
    },
    /// Import it: write the good rows, set the refused ones aside beside the file.
    Run {
        file: PathBuf,
        mapping: Option<PathBuf>,
    },
}

/// What a check found, or a run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub file: PathBuf,
    /// How the file was read (`CSV（gb18030 编码）`, an Excel sheet).
    pub source: String,
    /// Data rows in the file.
    pub rows: usize,
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    /// Every refused row's problems: row, column, value, why.
    pub refusals: Vec<Refusal>,
    /// One line per case a re-import changes (or keeps, where a clerk edited it).
    pub updates: Vec<String>,
    /// `None` for a check: nothing was written.
    pub written: Option<Written>,
}

impl ImportReport {
    /// Rows refused (a row may have several problems).
    pub fn refused_rows(&self) -> usize {
        self.refusals
            .iter()
            .map(|r| r.row)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }

    /// Whether this is a check of `file` that found something to write.
    pub fn may_run(&self, file: &Path) -> bool {
        self.written.is_none() && self.file == file && self.create + self.update > 0
    }
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub created: usize,
    pub updated: usize,
    /// Where the refused rows were written, if any were refused.
    pub refused_file: Option<PathBuf>,
}
