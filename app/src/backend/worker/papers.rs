//! The 文书 commands on the store thread: each one store call, then the case page again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use fengqiao_store::IssueRequest;

use super::Worker;
use crate::backend::Update;
use crate::backend::dirty::Changed;
use crate::backend::papers::{DocumentPreview, PaperCommand, file_name};
use crate::i18n::Key;

impl Worker {
    pub(super) fn paper(&mut self, command: PaperCommand) {
        match command {
            PaperCommand::Issue {
                case,
                kind,
                date,
                inputs,
                corrects,
            } => {
                let request = IssueRequest {
                    kind,
                    date: Some(date),
                    inputs,
                    corrects,
                };
                match self.store.issue_document(&case, request) {
                    Ok(issued) => {
                        let number = issued.document.number.clone();
                        self.send(Update::Document(Arc::new(DocumentPreview {
                            number: number.clone(),
                            kind,
                            layout: issued.layout,
                        })));
                        self.done(Key::NoticeDocumentIssued, number);
                        // The case's events and documents changed: the open case page
                        // (it was issued from there), the list and the clocks.
                        self.dirty.changed(Changed::Cases);
                        // On a confidential case the issue is in the access trail too.
                        self.dirty.changed(Changed::AccessTrail);
                    }
                    Err(e) => self.fail(Key::ActionPaper, e),
                }
            }
            PaperCommand::Preview { number } => match self.store.render_document(&number) {
                Ok(rendered) => self.send(Update::Document(Arc::new(DocumentPreview {
                    number,
                    kind: rendered.document.record.kind,
                    layout: rendered.layout,
                }))),
                Err(e) => self.fail(Key::ActionPaper, e),
            },
            PaperCommand::Serve {
                number,
                date,
                method,
            } => match self.store.serve_document(&number, date, &method) {
                Ok(_) => {
                    self.done(Key::NoticeDocumentServed, number);
                    self.dirty.changed(Changed::Cases);
                }
                Err(e) => self.fail(Key::ActionPaper, e),
            },
            PaperCommand::Save { number, dir } => match self.save_pdf(&number, &dir) {
                Ok(path) => self.done(Key::NoticeDocumentSaved, path.display().to_string()),
                Err(e) => self.fail(Key::ActionPaper, format!("{e:#}")),
            },
            PaperCommand::Print {
                number,
                dir,
                viewer,
            } => {
                let opened = self.save_pdf(&number, &dir).and_then(|path| {
                    viewer(&path)
                        .with_context(|| format!("用系统的 PDF 阅读器打开 {}", path.display()))?;
                    Ok(path)
                });
                match opened {
                    Ok(path) => self.done(Key::NoticeDocumentOpened, path.display().to_string()),
                    Err(e) => self.fail(Key::ActionPaper, format!("{e:#}")),
                }
            }
        }
    }

    /// Typesets the document again (checked against its hash) and writes it to `dir`.
    fn save_pdf(&self, number: &str, dir: &Path) -> anyhow::Result<PathBuf> {
        let rendered = self.store.render_document(number)?;
        std::fs::create_dir_all(dir).with_context(|| format!("创建 {}", dir.display()))?;
        let path = dir.join(file_name(number));
        std::fs::write(&path, &rendered.pdf).with_context(|| format!("写入 {}", path.display()))?;
        Ok(path)
    }
}
