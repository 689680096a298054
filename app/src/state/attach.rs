//! The 附件 sections' state: captions being typed, files waiting for their event or note,
//! the withdrawal being confirmed, the visit's list, the thumbnails' textures, and the
//! file picker's answers (the picker runs on a thread of its own).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};

use fengqiao_model::{AttachmentId, VisitId};

use crate::backend::{
    AttachCommand, AttachUpdate, AttachmentRow, Command, FileViewer, Owner, PendingFile,
    attachments::Thumbnail, system_viewer,
};
use crate::picker::{FilePicker, SystemPicker};

/// Where chosen or dropped files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// Attached at once (the case, or a saved visit).
    Now(Owner),
    /// Kept until the event being recorded is saved.
    Event,
    /// Kept until the note being written is saved.
    Note,
}

/// Which caption field a destination reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Case = 0,
    Event = 1,
    Note = 2,
    Visit = 3,
}

/// What the 附件 sections hold between frames.
pub struct AttachUi {
    /// Asks the user for files; a test puts its own here.
    pub picker: Arc<dyn FilePicker>,
    /// What 打开 hands the written file to; a test puts its own here.
    pub viewer: FileViewer,
    /// The caption typed in each section ([`Slot`]).
    pub captions: [String; 4],
    /// Files to attach to the event being recorded, and to the note being written.
    pub event_files: Vec<PendingFile>,
    pub note_files: Vec<PendingFile>,
    /// Show withdrawn attachments, struck through.
    pub show_withdrawn: bool,
    /// The attachment whose withdrawal is being confirmed, and the reason typed.
    pub withdrawing: Option<(AttachmentId, String)>,
    /// The store's warning that the attachments passed the county's quota.
    pub over_quota: Option<String>,
    /// The attachments of the visit selected on the visit page.
    pub visit: Option<(VisitId, Arc<Vec<AttachmentRow>>)>,
    /// The visit whose attachments were asked for.
    pub visit_requested: Option<VisitId>,
    /// Whether the picker is open.
    pub picking: bool,
    textures: HashMap<String, egui::TextureHandle>,
    picked_tx: Sender<(Dest, String, Vec<PathBuf>)>,
    picked_rx: Receiver<(Dest, String, Vec<PathBuf>)>,
}

impl Default for AttachUi {
    fn default() -> Self {
        let (picked_tx, picked_rx) = std::sync::mpsc::channel();
        AttachUi {
            picker: Arc::new(SystemPicker),
            viewer: system_viewer,
            captions: Default::default(),
            event_files: Vec::new(),
            note_files: Vec::new(),
            show_withdrawn: false,
            withdrawing: None,
            over_quota: None,
            visit: None,
            visit_requested: None,
            picking: false,
            textures: HashMap::new(),
            picked_tx,
            picked_rx,
        }
    }
}

impl AttachUi {
    /// Opens the picker on a thread of its own; what is chosen arrives in [`AttachUi::poll`].
    /// The caption is the one typed now.
    pub fn pick(&mut self, dest: Dest, slot: Slot, title: &str, ctx: &egui::Context) {
        let picker = Arc::clone(&self.picker);
        let tx = self.picked_tx.clone();
        let caption = self.captions[slot as usize].trim().to_owned();
        let (title, ctx) = (title.to_owned(), ctx.clone());
        let spawned = std::thread::Builder::new()
            .name("file-picker".into())
            .spawn(move || {
                let paths = picker.pick(&title);
                // The app went away: nobody to tell.
                let _ = tx.send((dest, caption, paths));
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.picking = true,
            Err(e) => tracing::warn!("cannot open the file picker: {e}"),
        }
    }

    /// Files dropped onto a section: as if picked.
    pub fn dropped(&mut self, dest: Dest, slot: Slot, paths: Vec<PathBuf>) -> Option<Command> {
        let caption = self.captions[slot as usize].trim().to_owned();
        self.receive(dest, caption, paths)
    }

    /// What the picker chose since the last frame, as commands to send.
    pub fn poll(&mut self) -> Vec<Command> {
        let mut out = Vec::new();
        while let Ok((dest, caption, paths)) = self.picked_rx.try_recv() {
            self.picking = false;
            out.extend(self.receive(dest, caption, paths));
        }
        out
    }

    fn receive(&mut self, dest: Dest, caption: String, paths: Vec<PathBuf>) -> Option<Command> {
        if paths.is_empty() {
            return None;
        }
        let files: Vec<PendingFile> = paths
            .into_iter()
            .map(|path| PendingFile {
                path,
                caption: caption.clone(),
            })
            .collect();
        match dest {
            Dest::Now(owner) => {
                let slot = match owner {
                    Owner::Case { .. } => Slot::Case,
                    Owner::Visit { .. } => Slot::Visit,
                };
                self.captions[slot as usize].clear();
                Some(Command::Attach(AttachCommand::Attach { owner, files }))
            }
            Dest::Event => {
                self.captions[Slot::Event as usize].clear();
                self.event_files.extend(files);
                None
            }
            Dest::Note => {
                self.captions[Slot::Note as usize].clear();
                self.note_files.extend(files);
                None
            }
        }
    }

    /// Takes in what the store thread sent.
    pub fn apply(&mut self, update: AttachUpdate) {
        match update {
            AttachUpdate::Visit { visit, rows } => self.visit = Some((visit, rows)),
            AttachUpdate::OverQuota(warning) => self.over_quota = Some(warning),
        }
    }

    /// The attachments of `visit`, if they have arrived.
    pub fn visit_rows(&self, visit: VisitId) -> Option<Arc<Vec<AttachmentRow>>> {
        self.visit
            .as_ref()
            .filter(|(v, _)| *v == visit)
            .map(|(_, rows)| Arc::clone(rows))
    }

    /// The texture of a thumbnail, made once per blob.
    pub fn texture(
        &mut self,
        ctx: &egui::Context,
        hash: &str,
        thumbnail: &Thumbnail,
    ) -> egui::TextureHandle {
        self.textures
            .entry(hash.to_owned())
            .or_insert_with(|| {
                let image = egui::ColorImage::from_rgba_unmultiplied(
                    [thumbnail.width as usize, thumbnail.height as usize],
                    &thumbnail.rgba,
                );
                ctx.load_texture(
                    format!("attachment-{hash}"),
                    image,
                    egui::TextureOptions::LINEAR,
                )
            })
            .clone()
    }
}
