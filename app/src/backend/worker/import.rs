//! The import commands on the store thread: read the file, plan with the store, and for a
//! run write the plan with progress, then the refused rows beside the file.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use fengqiao_import::{Directory, Mapped, Mapping, Table, read_cases, write};
use fengqiao_store::{ImportAction, ImportPlan};

use super::{Worker, today};
use crate::backend::Update;
use crate::backend::dirty::Changed;
use crate::backend::import::{ImportCommand, ImportReport, Written};
use crate::i18n::Key;

impl Worker {
    pub(super) fn import(&mut self, command: ImportCommand) {
        let (file, mapping, run) = match command {
            ImportCommand::Check { file, mapping } => (file, mapping, false),
            ImportCommand::Run { file, mapping } => (file, mapping, true),
        };
        match self.import_file(&file, mapping.as_deref(), run) {
            Ok(report) => {
                if let Some(w) = &report.written {
                    self.done(
                        Key::NoticeImported,
                        format!("{} / {}", w.created, w.updated),
                    );
                    if w.created + w.updated > 0 {
                        self.dirty.changed(Changed::Cases);
                    }
                }
                self.send(Update::Import(Arc::new(report)));
            }
            Err(e) => self.fail(Key::ActionImport, format!("{e:#}")),
        }
    }

    fn import_file(
        &mut self,
        file: &Path,
        mapping: Option<&Path>,
        run: bool,
    ) -> Result<ImportReport> {
        let mapping = match mapping {
            None => Mapping::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("读取映射文件 {}", p.display()))?;
                Mapping::from_toml(&text, &p.display().to_string())?
            }
        };
        let bytes = std::fs::read(file).with_context(|| format!("读取 {}", file.display()))?;
        let dir = Directory {
            townships: self
                .store
                .townships()?
                .into_iter()
                .map(|t| t.name)
                .collect(),
            leaders: self
                .store
                .leaders()?
                .into_iter()
                .map(|l| (l.id, l.name))
                .collect(),
            people: self
                .store
                .people()?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
            today: today(),
        };
        let (table, mapped) = read_cases(&bytes, &file.display().to_string(), &mapping, &dir)?;
        let plan = self
            .store
            .plan_import(mapped.rows.iter().map(|r| r.case.clone()).collect())?;
        let mut report = report_of(file, &mapped, &plan);
        if run {
            let total = plan.cases.len();
            let updates = self.updates.clone();
            let outcome = self.store.apply_import(plan, |done| {
                // The UI shows it; a closed UI ends the loop later.
                let _ = updates.send(Update::ImportProgress { done, total });
            })?;
            (self.repaint)();
            let refused_file = if report.refusals.is_empty() {
                None
            } else {
                Some(write_refused(file, &table, &report)?)
            };
            report.written = Some(Written {
                created: outcome.created.len(),
                updated: outcome.updated.len(),
                refused_file,
            });
        }
        Ok(report)
    }
}

fn write_refused(file: &Path, table: &Table, report: &ImportReport) -> Result<std::path::PathBuf> {
    let path = fengqiao_import::refused_path(file);
    let bytes = write::refused_file(table, &report.refusals)?;
    std::fs::write(&path, bytes).with_context(|| format!("写入 {}", path.display()))?;
    Ok(path)
}

fn report_of(file: &Path, mapped: &Mapped, plan: &ImportPlan) -> ImportReport {
    let updates = plan
        .cases
        .iter()
        .filter_map(|c| {
            let row = mapped.rows.get(c.index).map_or(0, |r| r.row);
            match &c.action {
                ImportAction::Update(u) => Some(format!(
                    "第 {row} 行 → {}：{}{}{}",
                    u.number,
                    u.fields
                        .iter()
                        .map(|(f, _)| f.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                    if u.events.is_empty() {
                        String::new()
                    } else {
                        format!(" 新事件 {} 件", u.events.len())
                    },
                    if u.kept.is_empty() {
                        String::new()
                    } else {
                        format!("；保留本县修改：{}", u.kept.join("、"))
                    },
                )),
                ImportAction::Unchanged { number, kept } if !kept.is_empty() => Some(format!(
                    "第 {row} 行 → {number}：保留本县修改：{}",
                    kept.join("、")
                )),
                _ => None,
            }
        })
        .collect();
    ImportReport {
        file: file.to_owned(),
        source: mapped.kind.to_string(),
        rows: mapped.total,
        create: plan.to_create(),
        update: plan.to_update(),
        unchanged: plan.unchanged(),
        refusals: mapped.with_store_refusals(
            plan.refused
                .iter()
                .map(|r| (r.index, r.field.as_str(), r.why.as_str())),
        ),
        updates,
        written: None,
    }
}
