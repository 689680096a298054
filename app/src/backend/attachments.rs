//! What the 附件 sections ask of the store thread, and what they get back (the handlers
//! are in `worker/attachments.rs`): attaching the files a clerk picked or dropped, with
//! their bytes read on the store thread; withdrawing; opening one in the system's viewer;
//! and the thumbnails, decoded there too (EXIF orientation honoured), sent as RGBA.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fengqiao_model::{AttachedTo, Attachment, AttachmentId, VisitId};
use image::{DynamicImage, ImageDecoder, ImageReader, metadata::Orientation};

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 160;

/// What an attachment belongs to, as the store addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A case (number or id), and on it the case itself, an event or a note.
    Case { case: String, on: AttachedTo },
    /// A field visit of `township` in `year`.
    Visit {
        township: String,
        year: i32,
        visit: VisitId,
    },
}

/// A file the clerk picked or dropped, not yet read: the store thread reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFile {
    pub path: PathBuf,
    pub caption: String,
}

/// An attachment action.
#[derive(Debug, Clone)]
pub enum AttachCommand {
    /// Read each file and attach it to `owner`; each refusal is reported on its own.
    Attach {
        owner: Owner,
        files: Vec<PendingFile>,
    },
    /// Withdraw attachment `id` of `owner` (for a case, `on` is not used), with the reason.
    Withdraw {
        owner: Owner,
        id: AttachmentId,
        reason: String,
    },
    /// Write the bytes to an owner-only temporary file and open it with `viewer`.
    Open {
        hash: String,
        file_name: String,
        viewer: FileViewer,
    },
    /// Show the attachments of a field visit (the visit page selected it).
    LoadVisit {
        township: String,
        year: i32,
        visit: VisitId,
    },
}

/// What the store thread sends back about attachments.
#[derive(Debug, Clone, PartialEq)]
pub enum AttachUpdate {
    /// The attachments of the visit last asked for.
    Visit {
        visit: VisitId,
        rows: Arc<Vec<AttachmentRow>>,
    },
    /// The data directory's attachments passed the county's quota (the store's sentence).
    OverQuota(String),
}

/// Opens a file with the system's viewer. The app uses [`system_viewer`]; a test puts its
/// own in [`crate::state::AttachUi::viewer`], so no window opens.
pub type FileViewer = fn(&Path) -> std::io::Result<()>;

/// The system's viewer for the file's type (`xdg-open`, `open`, or the Windows shell), not
/// waited for.
pub fn system_viewer(path: &Path) -> std::io::Result<()> {
    open::that_detached(path)
}

/// An attachment as a list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRow {
    pub attachment: Attachment,
    /// Whether the bytes are on this laptop (else the county server has them, and the next
    /// sync brings them).
    pub present: bool,
    /// A picture's thumbnail, when its bytes are here and decode.
    pub thumbnail: Option<Arc<Thumbnail>>,
}

/// A small picture, as RGBA bytes (unmultiplied), `width × height × 4` long.
#[derive(Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Thumbnail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Thumbnail({}×{})", self.width, self.height)
    }
}

/// A picture that could not be made into a thumbnail.
#[derive(Debug, thiserror::Error)]
#[error("无法生成缩略图：{0} (thumbnail)")]
pub struct ThumbnailError(String);

/// The thumbnail of an image file's bytes: at most `side` pixels on its longer side,
/// turned as the camera's EXIF orientation says.
pub fn thumbnail(bytes: &[u8], side: u32) -> Result<Thumbnail, ThumbnailError> {
    let bad = |e: &dyn std::fmt::Display| ThumbnailError(e.to_string());
    let mut decoder = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| bad(&e))?
        .into_decoder()
        .map_err(|e| bad(&e))?;
    // A picture whose EXIF cannot be read is shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let full = DynamicImage::from_decoder(decoder).map_err(|e| bad(&e))?;
    let mut small = full.thumbnail(side, side);
    small.apply_orientation(orientation);
    let rgba = small.to_rgba8();
    Ok(Thumbnail {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// What kind of file an attachment is, for its icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Image,
    Pdf,
    Audio,
    Video,
    Document,
    Other,
}

impl FileKind {
    /// The kind of a media type.
    pub fn of(media_type: &str) -> FileKind {
        let m = media_type.to_ascii_lowercase();
        if m.starts_with("image/") {
            FileKind::Image
        } else if m == "application/pdf" {
            FileKind::Pdf
        } else if m.starts_with("audio/") {
            FileKind::Audio
        } else if m.starts_with("video/") {
            FileKind::Video
        } else if m.starts_with("text/")
            || [
                "msword",
                "officedocument",
                "ms-excel",
                "ms-powerpoint",
                "opendocument",
                "rtf",
                "wps",
            ]
            .iter()
            .any(|k| m.contains(k))
        {
            FileKind::Document
        } else {
            FileKind::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_media_type() {
        assert_eq!(FileKind::of("image/jpeg"), FileKind::Image);
        assert_eq!(FileKind::of("application/pdf"), FileKind::Pdf);
        assert_eq!(FileKind::of("audio/mpeg"), FileKind::Audio);
        assert_eq!(
            FileKind::of("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            FileKind::Document
        );
        assert_eq!(FileKind::of("application/msword"), FileKind::Document);
        assert_eq!(FileKind::of("application/octet-stream"), FileKind::Other);
    }

    #[test]
    fn a_thumbnail_keeps_the_aspect_and_fits_the_side() {
        let img = image::RgbImage::from_pixel(640, 320, image::Rgb([200, 10, 10]));
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("png");
        let t = thumbnail(&png, THUMBNAIL_SIDE).expect("thumbnail");
        assert_eq!((t.width, t.height), (160, 80));
        assert_eq!(t.rgba.len(), 160 * 80 * 4);
        assert!(thumbnail(b"not a picture", THUMBNAIL_SIDE).is_err());
    }
}
