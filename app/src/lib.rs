//! `fengqiao-app`: the desktop app every user opens daily, in Chinese, fully offline.
//!
//! Brief overview:
//! - [`backend`] runs the store on its own thread; the UI sends [`backend::Command`]s and
//!   receives [`backend::Update`]s carrying view models ([`vm`]). No disk or network call
//!   happens on the UI thread, and no Automerge type reaches the UI.
//! - [`state::AppState`] holds what the views draw and edit; [`views`] are functions that
//!   draw it and queue commands. [`app::FengqiaoApp`] ties state, channels and eframe.
//! - [`i18n`] has one string table per language; the language is app state.
//! - [`fonts`] bundles a GBK subset of Noto Sans CJK SC; [`widgets`] has the Chinese calendar.
//! - [`sync_seam`] is where live (iroh) sync plugs in; bundles work today.
//! - [`kiosk`] is the 导访 kiosk (`--kiosk`): the guide and pre-registration, no case data.

pub mod app;
pub mod backend;
pub mod fixtures;
pub mod fonts;
pub mod i18n;
pub mod kiosk;
pub mod live;
pub mod picker;
pub mod screenshots;
pub mod state;
pub mod sync_seam;
pub mod views;
pub mod vm;
pub mod widgets;

pub use app::{FengqiaoApp, Startup};

/// The data directory: `FENGQIAO_DATA_DIR`, else the platform's local data directory.
pub fn default_data_dir() -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("FENGQIAO_DATA_DIR") {
        return Some(std::path::PathBuf::from(dir));
    }
    directories::ProjectDirs::from("cn", "fengqiao", "fengqiao")
        .map(|d| d.data_local_dir().to_path_buf())
}
