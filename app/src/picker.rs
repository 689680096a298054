//! The file picker behind a seam: the app asks the system's dialog (rfd, through the
//! xdg-desktop-portal on Linux, the native dialog on Windows); a test gives the path.
//!
//! The dialog blocks, so it runs on a thread of its own and the chosen path comes back
//! through a channel ([`crate::state::AttachUi`]); the UI thread never waits on it.

use std::path::PathBuf;

/// Asks the user for files to attach; blocks until they choose or cancel.
pub trait FilePicker: Send + Sync {
    /// The files chosen; empty when cancelled.
    fn pick(&self, title: &str) -> Vec<PathBuf>;
}

/// The system's file dialog.
pub struct SystemPicker;

impl FilePicker for SystemPicker {
    fn pick(&self, title: &str) -> Vec<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .pick_files()
            .unwrap_or_default()
    }
}

/// A picker made of a closure (tests).
impl<F> FilePicker for F
where
    F: Fn() -> Vec<PathBuf> + Send + Sync,
{
    fn pick(&self, _title: &str) -> Vec<PathBuf> {
        self()
    }
}
