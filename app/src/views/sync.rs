//! 同步: live sync (peers on the LAN, the county server, the pairing ticket as text and QR
//! code) as the [`crate::sync_seam::LiveSync`] reports it, USB bundles, and what moved when.

use std::sync::Arc;

use egui::RichText;

use crate::backend::Command;
use crate::i18n::{Key, Lang, tr, trf};
use crate::state::AppState;
use crate::sync_seam::{PeerRole, PeerSyncState, RoundKind};
use crate::widgets;

/// Draws the sync view.
pub fn ui(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.heading(tr(lang, Key::SyncHeading));
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.columns(2, |cols| {
            live(&mut cols[0], state);
            bundles(&mut cols[1], state);
        });
        ui.add_space(10.0);
        rounds(ui, state);
    });
}

fn role_key(role: PeerRole) -> Key {
    match role {
        PeerRole::Township => Key::RoleTownship,
        PeerRole::Office => Key::RoleOffice,
        PeerRole::Leader => Key::RoleLeader,
        PeerRole::Server => Key::RoleServer,
        PeerRole::Admin => Key::RoleAdmin,
        PeerRole::ReadOnly => Key::RoleReadOnly,
        PeerRole::Unknown => Key::RoleUnknown,
    }
}

fn peer_state_text(lang: Lang, s: &PeerSyncState) -> String {
    match s {
        PeerSyncState::Connecting => tr(lang, Key::PeerConnecting).to_owned(),
        PeerSyncState::Syncing => tr(lang, Key::PeerSyncing).to_owned(),
        PeerSyncState::UpToDate => tr(lang, Key::PeerUpToDate).to_owned(),
        PeerSyncState::Unreachable => tr(lang, Key::PeerUnreachable).to_owned(),
        PeerSyncState::Idle => tr(lang, Key::PeerIdle).to_owned(),
        PeerSyncState::NotEnrolled => tr(lang, Key::PeerNotEnrolled).to_owned(),
        PeerSyncState::Revoked => tr(lang, Key::PeerRevoked).to_owned(),
        PeerSyncState::Refused(why) => trf(lang, Key::PeerRefused, &[why]),
    }
}

fn live(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    let sync = state.sync.clone();
    ui.label(RichText::new(tr(lang, Key::SyncLive)).strong());
    if !sync.live_available {
        ui.weak(tr(lang, Key::SyncLiveOff));
    } else if ui.button(tr(lang, Key::SyncNow)).clicked() {
        state.send(Command::SyncNow);
    }
    ui.add_space(4.0);
    ui.label(tr(lang, Key::SyncPeers));
    if sync.peers.is_empty() {
        ui.weak(tr(lang, Key::SyncNoPeers));
    } else {
        egui::Grid::new("peers").striped(true).show(ui, |ui| {
            for key in [
                Key::SyncPeerName,
                Key::SyncPeerRole,
                Key::SyncLastSync,
                Key::SyncState,
                Key::SyncLastSummary,
            ] {
                ui.strong(tr(lang, key));
            }
            ui.end_row();
            for p in &sync.peers {
                ui.label(&p.name);
                ui.label(tr(lang, role_key(p.role)));
                ui.label(
                    p.last_sync
                        .map(|t| t.format("%m-%d %H:%M").to_string())
                        .unwrap_or_else(|| tr(lang, Key::Never).to_owned()),
                );
                ui.label(peer_state_text(lang, &p.state));
                ui.label(&p.last_summary);
                ui.end_row();
            }
        });
    }
    ui.add_space(4.0);
    ui.label(tr(lang, Key::SyncServer));
    match &sync.server {
        Some(s) => {
            ui.label(format!(
                "{} · {} · {}",
                s.address,
                peer_state_text(lang, &s.state),
                s.last_sync
                    .map(|t| t.format("%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| tr(lang, Key::Never).to_owned())
            ));
        }
        None => {
            ui.weak(tr(lang, Key::SyncNoServer));
        }
    }
    ui.add_space(4.0);
    ui.label(tr(lang, Key::SyncTicket));
    match &sync.ticket {
        Some(ticket) => {
            ui.add(egui::Label::new(RichText::new(ticket).monospace()).wrap());
            qr(ui, "pairing-qr", ticket);
        }
        None => {
            ui.weak(tr(lang, Key::SyncNoTicket));
        }
    }
}

/// The QR modules of `text` (side length, dark flags), cached per text in egui's memory.
type QrModules = Arc<(String, usize, Vec<bool>)>;

/// Draws `text` as a QR code (cached under `id_salt`), for a phone or a webcam to read.
pub(crate) fn qr(ui: &mut egui::Ui, id_salt: &str, text: &str) {
    let id = ui.make_persistent_id(id_salt);
    let cached: Option<QrModules> = ui.ctx().data(|d| d.get_temp(id));
    let modules = match cached {
        Some(m) if m.0 == text => m,
        _ => {
            let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
                return;
            };
            let width = code.width();
            let dark = code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            let m: QrModules = Arc::new((text.to_owned(), width, dark));
            ui.ctx().data_mut(|d| d.insert_temp(id, Arc::clone(&m)));
            m
        }
    };
    let (_, width, dark) = &*modules;
    let quiet = 4;
    let side = width + 2 * quiet;
    let cell = 4.0;
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(side as f32 * cell, side as f32 * cell),
        egui::Sense::hover(),
    );
    // Named for screen readers (and tests): what the code holds.
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Image, true, format!("二维码：{text}"))
    });
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
    for (i, is_dark) in dark.iter().enumerate() {
        if *is_dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            let min = rect.min + egui::vec2(x as f32 * cell, y as f32 * cell);
            painter.rect_filled(
                egui::Rect::from_min_size(min, egui::vec2(cell, cell)),
                0.0,
                egui::Color32::BLACK,
            );
        }
    }
}

fn bundles(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.label(RichText::new(tr(lang, Key::SyncBundles)).strong());
    ui.horizontal(|ui| {
        widgets::text_field(
            ui,
            tr(lang, Key::SyncBundlePath),
            &mut state.sync_ui.bundle_path,
        );
    });
    ui.horizontal(|ui| {
        widgets::text_field(
            ui,
            tr(lang, Key::SyncStatePath),
            &mut state.sync_ui.state_path,
        );
    });
    let bundle = std::path::PathBuf::from(state.sync_ui.bundle_path.trim());
    let peer = std::path::PathBuf::from(state.sync_ui.state_path.trim());
    ui.horizontal_wrapped(|ui| {
        if ui.button(tr(lang, Key::SyncExportAll)).clicked() {
            state.send(Command::ExportBundle {
                path: bundle.clone(),
                peer_state: None,
            });
        }
        if ui.button(tr(lang, Key::SyncExportSince)).clicked() {
            state.send(Command::ExportBundle {
                path: bundle.clone(),
                peer_state: Some(peer.clone()),
            });
        }
    });
    ui.horizontal_wrapped(|ui| {
        if ui.button(tr(lang, Key::SyncImport)).clicked() {
            state.send(Command::ImportBundle {
                path: bundle.clone(),
            });
        }
        if ui.button(tr(lang, Key::SyncSaveState)).clicked() {
            state.send(Command::ExportPeerState { path: peer.clone() });
        }
    });
}

fn rounds(ui: &mut egui::Ui, state: &mut AppState) {
    let lang = state.lang();
    ui.label(RichText::new(tr(lang, Key::SyncRounds)).strong());
    if state.sync.rounds.is_empty() {
        ui.weak(tr(lang, Key::SyncNoRounds));
        return;
    }
    egui::Grid::new("rounds").striped(true).show(ui, |ui| {
        for r in &state.sync.rounds {
            ui.label(r.at.format("%Y-%m-%d %H:%M:%S").to_string());
            ui.label(tr(
                lang,
                match r.kind {
                    RoundKind::BundleExported => Key::RoundExported,
                    RoundKind::BundleImported => Key::RoundImported,
                    RoundKind::PeerStateSaved => Key::RoundState,
                    RoundKind::Live => Key::RoundLive,
                    RoundKind::LiveFailed => Key::RoundLiveFailed,
                },
            ));
            ui.label(&r.with);
            ui.label(trf(lang, Key::RoundDocuments, &[&r.documents, &r.bytes]));
            match r.failure {
                // The reason in the UI's language; the sync crate's detail on hover.
                Some(why) => {
                    ui.colored_label(widgets::RED, tr(lang, why))
                        .on_hover_text(&r.note);
                }
                None => {
                    ui.label(&r.note);
                }
            }
            ui.end_row();
        }
    });
}
