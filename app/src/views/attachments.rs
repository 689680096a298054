//! 附件: the list of a case's or a visit's attachments (a thumbnail for pictures, an icon
//! for the rest, name, size, caption, who and when), the caption and 添加附件 controls, the
//! files waiting for an event or a note, withdrawing and opening. Files are picked with the
//! system's dialog or dropped onto the page; the store thread reads them.

use std::path::PathBuf;

use egui::{Color32, RichText, vec2};
use fengqiao_model::{AttachedTo, Attachment, FieldVisit};
use fengqiao_store::human_bytes;

use crate::backend::attachments::FileKind;
use crate::backend::{AttachCommand, AttachmentRow, Command, Owner, PendingFile};
use crate::i18n::{Key, Lang, tr, trf};
use crate::state::{AppState, Dest, Slot};
use crate::vm::CasePage;
use crate::widgets::{self, AMBER};

/// How large a thumbnail is drawn, at most.
const THUMB_POINTS: f32 = 96.0;

/// Files dropped onto the window this frame, and where the pointer was.
pub struct Dropped {
    pub paths: Vec<PathBuf>,
    pub pos: Option<egui::Pos2>,
}

impl Dropped {
    /// What was dropped this frame (paths only: a desktop drop always has one).
    pub fn take(ctx: &egui::Context) -> Dropped {
        ctx.input(|i| Dropped {
            paths: i
                .raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_owned())
                .filter(|p| !p.as_os_str().is_empty())
                .collect(),
            pos: i.pointer.latest_pos(),
        })
    }

    /// Whether the pointer was inside `rect` when the files were dropped.
    pub fn within(&self, rect: egui::Rect) -> bool {
        self.pos.is_some_and(|p| rect.contains(p))
    }
}

/// Whether this device may attach and withdraw.
pub fn may_write(state: &AppState) -> bool {
    state.welcome.as_ref().is_some_and(|w| w.may_write_cases)
}

/// The case page's 附件 section: every attachment of the case, its events and notes.
pub fn case_section(ui: &mut egui::Ui, state: &mut AppState, page: &CasePage) {
    let lang = state.lang();
    let case = page.record.case.id.to_string();
    heading(ui, state);
    let on_label = |on: &AttachedTo| -> Option<String> {
        match on {
            AttachedTo::Case | AttachedTo::Visit(_) => None,
            AttachedTo::Event(id) => Some(trf(
                lang,
                Key::AttachOnEvent,
                &[&page
                    .record
                    .events
                    .iter()
                    .find(|e| e.id == *id)
                    .map(|e| format!("{} {}", e.date, e.kind.zh()))
                    .unwrap_or_default()],
            )),
            AttachedTo::Note(id) => Some(trf(
                lang,
                Key::AttachOnNote,
                &[&page
                    .record
                    .notes
                    .iter()
                    .find(|n| n.id == *id)
                    .map(|n| n.text.chars().take(16).collect::<String>())
                    .unwrap_or_default()],
            )),
        }
    };
    let owner = |_: &Attachment| Owner::Case {
        case: case.clone(),
        on: AttachedTo::Case,
    };
    list(ui, state, &page.attachments, &owner, &on_label);
    controls(
        ui,
        state,
        Dest::Now(Owner::Case {
            case: case.clone(),
            on: AttachedTo::Case,
        }),
        Slot::Case,
    );
}

/// The visit page's 附件 section for the visit being edited (`saved`: the store has it).
pub fn visit_section(ui: &mut egui::Ui, state: &mut AppState, visit: &FieldVisit, saved: bool) {
    use chrono::Datelike;
    let lang = state.lang();
    heading(ui, state);
    if !saved {
        ui.weak(tr(lang, Key::AttachSaveVisitFirst));
        return;
    }
    let owner = Owner::Visit {
        township: visit.township.clone(),
        year: visit.date.year(),
        visit: visit.id,
    };
    if state.attach.visit_requested != Some(visit.id) {
        state.attach.visit_requested = Some(visit.id);
        state.send(Command::Attach(AttachCommand::LoadVisit {
            township: visit.township.clone(),
            year: visit.date.year(),
            visit: visit.id,
        }));
    }
    match state.attach.visit_rows(visit.id) {
        Some(rows) => list(
            ui,
            state,
            &rows,
            &|_: &Attachment| owner.clone(),
            &|_: &AttachedTo| None,
        ),
        None => {
            ui.spinner();
        }
    }
    controls(ui, state, Dest::Now(owner), Slot::Visit);
}

/// The section's title, the drop hint while files are dragged over the window, and the
/// quota warning.
fn heading(ui: &mut egui::Ui, state: &AppState) {
    let lang = state.lang();
    ui.horizontal(|ui| {
        ui.label(RichText::new(tr(lang, Key::AttachHeading)).strong());
        if ui.ctx().input(|i| !i.raw.hovered_files.is_empty()) {
            widgets::badge(ui, tr(lang, Key::AttachDropping), widgets::ACCENT);
        }
    });
    if let Some(warning) = &state.attach.over_quota {
        ui.label(RichText::new(format!("！{warning}")).color(AMBER));
    }
}

/// The caption field and the picker's button of a section.
fn controls(ui: &mut egui::Ui, state: &mut AppState, dest: Dest, slot: Slot) {
    let lang = state.lang();
    if !may_write(state) {
        ui.weak(tr(lang, Key::AttachReadOnly));
        return;
    }
    let (caption, pick) = match slot {
        Slot::Case => (Key::AttachCaption, Key::AttachPickCase),
        Slot::Event => (Key::AttachEventCaption, Key::AttachPickEvent),
        Slot::Note => (Key::AttachNoteCaption, Key::AttachPickNote),
        Slot::Visit => (Key::AttachVisitCaption, Key::AttachPickVisit),
    };
    ui.horizontal_wrapped(|ui| {
        widgets::text_field(
            ui,
            tr(lang, caption),
            &mut state.attach.captions[slot as usize],
        );
        let button = ui.add_enabled(!state.attach.picking, egui::Button::new(tr(lang, pick)));
        if button.clicked() {
            state
                .attach
                .pick(dest, slot, tr(lang, Key::AttachPickTitle), ui.ctx());
        }
        if state.attach.picking {
            ui.weak(tr(lang, Key::AttachPicking));
        }
    });
    if slot == Slot::Case || slot == Slot::Visit {
        ui.weak(tr(lang, Key::AttachDropHint));
    }
}

/// The files waiting for the event being recorded or the note being written, and the
/// controls to add more.
pub fn staged(ui: &mut egui::Ui, state: &mut AppState, slot: Slot) {
    let lang = state.lang();
    let dest = if slot == Slot::Event {
        Dest::Event
    } else {
        Dest::Note
    };
    let files = match slot {
        Slot::Event => &mut state.attach.event_files,
        _ => &mut state.attach.note_files,
    };
    let mut remove = None;
    for (i, f) in files.iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            ui.label(trf(lang, Key::AttachStaged, &[&file_name(f)]));
            if !f.caption.is_empty() {
                ui.weak(&f.caption);
            }
            let label = format!("{} {}", tr(lang, Key::AttachUnstage), file_name(f));
            if ui
                .small_button(tr(lang, Key::AttachUnstage))
                .on_hover_text(&label)
                .accessible_name(&label)
                .clicked()
            {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        files.remove(i);
    }
    controls(ui, state, dest, slot);
}

fn file_name(f: &PendingFile) -> String {
    f.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| f.path.display().to_string())
}

/// The attachments, live ones (and withdrawn ones when asked), each with what can be done.
fn list(
    ui: &mut egui::Ui,
    state: &mut AppState,
    rows: &[AttachmentRow],
    owner: &dyn Fn(&Attachment) -> Owner,
    on_label: &dyn Fn(&AttachedTo) -> Option<String>,
) {
    let lang = state.lang();
    let withdrawn = rows.iter().filter(|r| !r.attachment.is_live()).count();
    if rows.len() == withdrawn {
        ui.weak(tr(lang, Key::AttachNone));
    }
    if withdrawn > 0 {
        ui.checkbox(
            &mut state.attach.show_withdrawn,
            tr(lang, Key::AttachShowWithdrawn),
        );
    }
    let mut commands = Vec::new();
    for row in rows {
        let a = &row.attachment;
        if !a.is_live() && !state.attach.show_withdrawn {
            continue;
        }
        ui.push_id(("attachment", a.id.to_string()), |ui| {
            ui.horizontal(|ui| {
                // One column wide enough for any thumbnail, so the names line up.
                let column = egui::Layout::top_down(egui::Align::Center);
                ui.allocate_ui_with_layout(vec2(THUMB_POINTS, 0.0), column, |ui| {
                    ui.set_width(THUMB_POINTS);
                    preview(ui, state, row);
                });
                ui.vertical(|ui| {
                    details(ui, lang, row, on_label);
                    commands.extend(actions(ui, state, row, owner));
                });
            });
        });
        ui.add_space(4.0);
    }
    for c in commands {
        state.send(Command::Attach(c));
    }
}

/// The thumbnail, or the icon of the file's kind.
fn preview(ui: &mut egui::Ui, state: &mut AppState, row: &AttachmentRow) {
    let a = &row.attachment;
    let lang = state.lang();
    if let Some(thumbnail) = row.thumbnail.as_ref().filter(|_| a.is_live()) {
        let texture = state.attach.texture(ui.ctx(), &a.hash, thumbnail);
        ui.add(
            egui::Image::new(egui::load::SizedTexture::from_handle(&texture))
                .fit_to_original_size(1.0)
                .max_size(vec2(THUMB_POINTS, THUMB_POINTS))
                .alt_text(trf(lang, Key::AttachThumb, &[&a.file_name])),
        );
    } else {
        icon(ui, lang, FileKind::of(&a.media_type));
    }
}

/// A plain icon: the kind's name in a box the size of a small thumbnail.
fn icon(ui: &mut egui::Ui, lang: Lang, kind: FileKind) {
    let (key, color) = match kind {
        FileKind::Image => (Key::AttachKindImage, Color32::from_rgb(0x2e, 0x7d, 0x32)),
        FileKind::Pdf => (Key::AttachKindPdf, Color32::from_rgb(0xc6, 0x28, 0x28)),
        FileKind::Audio => (Key::AttachKindAudio, Color32::from_rgb(0x6a, 0x1b, 0x9a)),
        FileKind::Video => (Key::AttachKindVideo, Color32::from_rgb(0x45, 0x27, 0xa0)),
        FileKind::Document => (Key::AttachKindDocument, widgets::ACCENT),
        FileKind::Other => (Key::AttachKindOther, Color32::GRAY),
    };
    let text = tr(lang, key);
    let size = vec2(THUMB_POINTS * 0.66, THUMB_POINTS * 0.66);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Label, true, text));
    if ui.is_rect_visible(rect) {
        let painter = ui.painter();
        painter.rect_stroke(
            rect.shrink(1.0),
            4.0,
            egui::Stroke::new(1.5, color),
            egui::StrokeKind::Inside,
        );
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            text,
            egui::FontId::proportional(15.0),
            color,
        );
    }
}

/// Name, size, caption, what it is on, who and when, and where the bytes are.
fn details(
    ui: &mut egui::Ui,
    lang: Lang,
    row: &AttachmentRow,
    on_label: &dyn Fn(&AttachedTo) -> Option<String>,
) {
    let a = &row.attachment;
    let mut name = RichText::new(&a.file_name).strong();
    if !a.is_live() {
        name = name.strikethrough().weak();
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(name);
        ui.weak(human_bytes(a.size));
        if let Some(on) = on_label(&a.on) {
            ui.weak(on);
        }
    });
    if !a.caption.is_empty() {
        ui.label(&a.caption);
    }
    ui.weak(trf(
        lang,
        Key::AttachBy,
        &[&a.attached_by_name, &a.attached_at.format("%Y-%m-%d %H:%M")],
    ));
    if let Some(w) = &a.withdrawn {
        ui.weak(trf(
            lang,
            Key::AttachWithdrawnBy,
            &[&w.by_name, &w.at.format("%Y-%m-%d %H:%M"), &w.reason],
        ));
    } else if !row.present {
        ui.label(RichText::new(tr(lang, Key::AttachOnServer)).color(AMBER));
    }
}

/// 打开 and 撤回, and the withdrawal's reason while it is being confirmed.
fn actions(
    ui: &mut egui::Ui,
    state: &mut AppState,
    row: &AttachmentRow,
    owner: &dyn Fn(&Attachment) -> Owner,
) -> Vec<AttachCommand> {
    let a = &row.attachment;
    let lang = state.lang();
    let mut out = Vec::new();
    if !a.is_live() {
        return out;
    }
    let writer = may_write(state);
    ui.horizontal(|ui| {
        if row.present
            && ui
                .button(tr(lang, Key::AttachOpen))
                .accessible_name(trf(lang, Key::AttachOpenNamed, &[&a.file_name]))
                .clicked()
        {
            out.push(AttachCommand::Open {
                hash: a.hash.clone(),
                file_name: a.file_name.clone(),
                viewer: state.attach.viewer,
            });
        }
        let confirming = state
            .attach
            .withdrawing
            .as_ref()
            .is_some_and(|(id, _)| *id == a.id);
        if writer
            && !confirming
            && ui
                .button(tr(lang, Key::AttachWithdraw))
                .accessible_name(trf(lang, Key::AttachWithdrawNamed, &[&a.file_name]))
                .clicked()
        {
            state.attach.withdrawing = Some((a.id, String::new()));
        }
    });
    let Some((id, reason)) = state.attach.withdrawing.as_mut() else {
        return out;
    };
    if *id != a.id {
        return out;
    }
    widgets::text_field(ui, tr(lang, Key::AttachWithdrawReason), reason);
    let mut close = false;
    ui.horizontal(|ui| {
        let ready = !reason.trim().is_empty();
        if ui
            .add_enabled(
                ready,
                egui::Button::new(tr(lang, Key::AttachWithdrawConfirm)),
            )
            .clicked()
        {
            out.push(AttachCommand::Withdraw {
                owner: owner(a),
                id: a.id,
                reason: reason.trim().to_owned(),
            });
            close = true;
        }
        if ui.button(tr(lang, Key::AttachCancel)).clicked() {
            close = true;
        }
    });
    if close {
        state.attach.withdrawing = None;
    }
    out
}
