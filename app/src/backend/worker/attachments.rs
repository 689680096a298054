//! The 附件 commands on the store thread: the files a clerk picked are read here, the
//! thumbnails are made here (once per blob, cached by hash), and a file to open is written
//! here to an owner-only temporary directory before the system's viewer is asked.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use fengqiao_model::attachment::bare_file_name;
use fengqiao_store::blobs::BlobHash;
use fengqiao_store::{AttachmentView, human_bytes};

use super::Worker;
use crate::backend::Update;
use crate::backend::attachments::{
    AttachCommand, AttachUpdate, AttachmentRow, FileViewer, Owner, PendingFile, THUMBNAIL_SIDE,
    Thumbnail, thumbnail,
};
use crate::backend::dirty::View;
use crate::i18n::Key;

/// What the store thread keeps for the 附件 sections.
#[derive(Default)]
pub(super) struct AttachState {
    /// Thumbnails by blob hash (`None`: the picture does not decode); a blob's bytes never
    /// change, so an entry never goes stale.
    thumbnails: RefCell<HashMap<String, Option<Arc<Thumbnail>>>>,
    /// The visit whose attachments the visit page shows (township, year, visit).
    open_visit: Option<(String, i32, fengqiao_model::VisitId)>,
    /// This session's private directory for files handed to the viewer.
    open_dir: Option<PathBuf>,
}

/// The copies handed to the viewer are plain bytes of what may be sealed evidence: they go
/// with the session (the viewer has read them by then; on Unix an open file outlives its
/// name).
impl Drop for AttachState {
    fn drop(&mut self) {
        if let Some(dir) = &self.open_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Worker {
    pub(super) fn attachment(&mut self, command: AttachCommand) {
        match command {
            AttachCommand::Attach { owner, files } => self.attach_files(&owner, files),
            AttachCommand::Withdraw { owner, id, reason } => {
                let withdrawn = match &owner {
                    Owner::Case { case, .. } => self.store.withdraw_attachment(case, id, &reason),
                    Owner::Visit {
                        township,
                        year,
                        visit,
                    } => self
                        .store
                        .withdraw_visit_attachment(township, *year, *visit, id, &reason),
                };
                match withdrawn {
                    Ok(a) => {
                        self.done(Key::NoticeAttachmentWithdrawn, a.file_name);
                        self.attachments_changed(&owner);
                    }
                    Err(e) => self.fail(Key::ActionWithdrawAttachment, e),
                }
            }
            AttachCommand::Open {
                hash,
                file_name,
                viewer,
            } => match self.open_attachment(&hash, &file_name, viewer) {
                Ok(path) => self.done(Key::NoticeAttachmentOpened, path.display().to_string()),
                Err(e) => self.fail(Key::ActionOpenAttachment, format!("{e:#}")),
            },
            AttachCommand::LoadVisit {
                township,
                year,
                visit,
            } => {
                self.attach.open_visit = Some((township, year, visit));
                self.send_visit_attachments();
            }
        }
    }

    /// Reads each file and attaches it; a refusal names the file and why, and the others
    /// are still attached.
    pub(super) fn attach_files(&mut self, owner: &Owner, files: Vec<PendingFile>) {
        if files.is_empty() {
            return;
        }
        let max = match self.store.attachment_limits() {
            Ok(limits) => limits.max_file_bytes,
            Err(e) => return self.fail(Key::ActionAttach, e),
        };
        let mut any = false;
        for file in files {
            let name = file
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.path.display().to_string());
            let attached = read_capped(&file.path, &name, max).and_then(|bytes| {
                let done = match owner {
                    Owner::Case { case, on } => {
                        self.store.attach(case, *on, &name, &bytes, &file.caption)
                    }
                    Owner::Visit {
                        township,
                        year,
                        visit,
                    } => self.store.attach_to_visit(
                        township,
                        *year,
                        *visit,
                        &name,
                        &bytes,
                        &file.caption,
                    ),
                };
                done.map_err(anyhow::Error::from)
            });
            match attached {
                Ok(attached) => {
                    any = true;
                    self.done(Key::NoticeAttached, attached.attachment.file_name);
                    if let Some(warning) = attached.over_quota {
                        self.send(Update::Attach(AttachUpdate::OverQuota(warning.to_string())));
                    }
                }
                Err(e) => self.fail(Key::ActionAttach, format!("{e:#}")),
            }
        }
        if any {
            self.attachments_changed(owner);
        }
    }

    /// Marks the list that shows `owner`'s attachments for sending again.
    fn attachments_changed(&mut self, owner: &Owner) {
        match owner {
            Owner::Case { case, .. } => {
                self.open_case = Some(case.clone());
                self.dirty.mark(View::OpenCase);
            }
            Owner::Visit {
                township,
                year,
                visit,
            } => {
                self.attach.open_visit = Some((township.clone(), *year, *visit));
                self.send_visit_attachments();
            }
        }
    }

    /// The rows of a list, with the thumbnails of the pictures whose bytes are here.
    pub(super) fn attachment_rows(&self, views: Vec<AttachmentView>) -> Vec<AttachmentRow> {
        views
            .into_iter()
            .map(|v| AttachmentRow {
                thumbnail: if v.present && v.attachment.is_image() && v.attachment.is_live() {
                    self.thumbnail_of(&v.attachment.hash)
                } else {
                    None
                },
                present: v.present,
                attachment: v.attachment,
            })
            .collect()
    }

    fn thumbnail_of(&self, hash: &str) -> Option<Arc<Thumbnail>> {
        if let Some(known) = self.attach.thumbnails.borrow().get(hash) {
            return known.clone();
        }
        let made = hash
            .parse::<BlobHash>()
            .ok()
            .and_then(|h| match self.store.attachment_bytes(&h) {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::warn!("attachment {hash}: {e}");
                    None
                }
            })
            .and_then(|bytes| match thumbnail(&bytes, THUMBNAIL_SIDE) {
                Ok(t) => Some(Arc::new(t)),
                Err(e) => {
                    tracing::info!("attachment {hash}: {e}");
                    None
                }
            });
        self.attach
            .thumbnails
            .borrow_mut()
            .insert(hash.to_owned(), made.clone());
        made
    }

    /// Sends the attachments of the visit the visit page shows, if any.
    pub(super) fn send_visit_attachments(&self) {
        let Some((township, year, visit)) = self.attach.open_visit.clone() else {
            return;
        };
        match self.store.visit_attachments(&township, year, visit) {
            Ok(views) => self.send(Update::Attach(AttachUpdate::Visit {
                visit,
                rows: Arc::new(self.attachment_rows(views)),
            })),
            Err(e) => self.fail(Key::ActionVisit, e),
        }
    }

    /// Writes the attachment's bytes into this session's private directory and hands the
    /// file to `viewer`.
    fn open_attachment(
        &mut self,
        hash: &str,
        file_name: &str,
        viewer: FileViewer,
    ) -> Result<PathBuf> {
        let blob: BlobHash = hash.parse()?;
        let bytes = self.store.attachment_bytes(&blob)?.ok_or_else(|| {
            anyhow!("附件 {file_name} 的内容还在县服务器上，下次同步送达后才能打开")
        })?;
        let dir = match &self.attach.open_dir {
            Some(dir) => dir.clone(),
            None => {
                let dir = private_dir()?;
                self.attach.open_dir = Some(dir.clone());
                dir
            }
        };
        let short: String = blob.to_string().chars().take(8).collect();
        let path = dir.join(format!("{short}-{}", bare_file_name(file_name)));
        write_private(&path, &bytes)?;
        viewer(&path).with_context(|| format!("用系统程序打开 {}", path.display()))?;
        Ok(path)
    }
}

/// The file's bytes, refused (before reading) when it is over the county's cap.
fn read_capped(path: &Path, name: &str, max: u64) -> Result<Vec<u8>> {
    let unreadable = || format!("无法读取文件 {}", path.display());
    let meta = std::fs::metadata(path).with_context(unreadable)?;
    if !meta.is_file() {
        return Err(anyhow!("{} 不是文件，不能作为附件", path.display()));
    }
    if meta.len() > max {
        return Err(anyhow!(
            "文件 {name} 有 {}，超过县里设定的单个附件上限 {}",
            human_bytes(meta.len()),
            human_bytes(max)
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(max.saturating_add(1)).read_to_end(&mut bytes))
        .with_context(unreadable)?;
    Ok(bytes)
}

const OPEN_DIR_PREFIX: &str = "fengqiao-open-";

/// How old another session's copies must be before a new session removes them: that
/// session ended without its cleanup (a crash, a power cut), or has long been read.
const STALE_COPIES: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

/// A new directory only this user may enter, under the system's temporary directory. It
/// is made fresh (never an existing one, which someone else could have placed). Earlier
/// sessions' directories left behind are removed first.
fn private_dir() -> Result<PathBuf> {
    let temp = std::env::temp_dir();
    for entry in std::fs::read_dir(&temp).into_iter().flatten().flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_COPIES);
        if stale
            && entry
                .file_name()
                .to_string_lossy()
                .starts_with(OPEN_DIR_PREFIX)
        {
            // Another user's cannot be entered, let alone removed: that error is theirs.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let dir = temp.join(format!("{OPEN_DIR_PREFIX}{}", uuid::Uuid::now_v7()));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(&dir)
        .with_context(|| format!("创建临时目录 {}", dir.display()))?;
    Ok(dir)
}

/// Writes `bytes` to `path`, readable by this user only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("写入 {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("写入 {}", path.display()))
}
