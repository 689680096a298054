//! 设置 → 导入: the file and mapping typed, and the last report (a check, or what was
//! written).

use std::path::PathBuf;
use std::sync::Arc;

use crate::backend::{ImportCommand, ImportReport};

/// What the import section holds between frames.
#[derive(Debug, Clone, Default)]
pub struct ImportUi {
    pub file: String,
    pub mapping: String,
    pub report: Option<Arc<ImportReport>>,
    /// While an import writes: cases done of the total.
    pub progress: Option<(usize, usize)>,
}

impl ImportUi {
    /// A check or an import came back.
    pub fn finished(&mut self, report: Arc<ImportReport>) {
        self.progress = None;
        self.report = Some(report);
    }

    fn paths(&self) -> (PathBuf, Option<PathBuf>) {
        let mapping = self.mapping.trim();
        (
            PathBuf::from(self.file.trim()),
            (!mapping.is_empty()).then(|| PathBuf::from(mapping)),
        )
    }

    /// The dry run of the file typed.
    pub fn check(&self) -> ImportCommand {
        let (file, mapping) = self.paths();
        ImportCommand::Check { file, mapping }
    }

    /// The import of the file typed, offered only once a check of it found something to
    /// write (the report is always seen before anything is written).
    pub fn run(&self) -> Option<ImportCommand> {
        let (file, mapping) = self.paths();
        self.report
            .as_ref()
            .filter(|r| r.may_run(&file))
            .map(|_| ImportCommand::Run { file, mapping })
    }
}
