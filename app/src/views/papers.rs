//! The case page's 文书 section: the documents issued on the case (with preview, save,
//! print, service and correction), a button per document the case's state allows, the
//! form of the one being issued, and a preview of its pages drawn from the same layout the
//! PDF is written from.

use egui::{Color32, RichText, Stroke, StrokeKind, vec2};
use fengqiao_model::ReplyType;
use fengqiao_store::paperwork::layout::{Ink, Layout};

use crate::backend::{Command, PaperCommand};
use crate::i18n::{Key, tr, trf};
use crate::state::AppState;
use crate::vm::CasePage;
use crate::widgets::{self, GREEN};

/// Inputs whose text runs to paragraphs.
const LONG_INPUTS: &[&str] = &["findings", "basis", "terms", "reason", "handling_path"];

/// Draws the section for the open case.
pub fn section(ui: &mut egui::Ui, state: &mut AppState, page: &CasePage) {
    let lang = state.lang();
    let today = state.today;
    let case = page.record.case.id.to_string();
    let export_dir = state
        .welcome
        .as_ref()
        .map(|w| w.data_dir.join("exports"))
        .unwrap_or_default();
    let mut commands = Vec::new();
    ui.label(RichText::new(tr(lang, Key::PapersHeading)).strong());
    if page.papers.is_empty() {
        ui.weak(tr(lang, Key::PapersNone));
    }
    let papers = &mut state.case_page.papers;
    for d in &page.papers {
        let r = &d.record;
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{}  {}  {}  {}",
                r.issued_on,
                r.number,
                r.kind.zh(),
                trf(lang, Key::PapersVersion, &[&r.version])
            ));
            match (&d.superseded_by, &d.served) {
                (Some(newer), _) => {
                    ui.weak(trf(lang, Key::PapersCorrectedBy, &[newer]));
                }
                (None, Some(s)) => {
                    ui.label(
                        RichText::new(trf(lang, Key::PapersServedOn, &[&s.method, &s.served_on]))
                            .color(GREEN),
                    );
                }
                (None, None) => {
                    ui.weak(tr(lang, Key::PapersNotServed));
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let number = r.number.clone();
            if ui.button(tr(lang, Key::PapersPreview)).clicked() {
                commands.push(PaperCommand::Preview {
                    number: number.clone(),
                });
            }
            if ui.button(tr(lang, Key::PapersSave)).clicked() {
                commands.push(PaperCommand::Save {
                    number: number.clone(),
                    dir: export_dir.clone(),
                });
            }
            if ui.button(tr(lang, Key::PapersPrint)).clicked() {
                commands.push(PaperCommand::Print {
                    number: number.clone(),
                    dir: export_dir.clone(),
                    viewer: papers.viewer,
                });
            }
            if d.superseded_by.is_none() {
                if d.served.is_none() && ui.button(tr(lang, Key::PapersServe)).clicked() {
                    papers.serving = Some(number.clone());
                    papers.serve_date = today;
                }
                if ui.button(tr(lang, Key::PapersCorrect)).clicked()
                    && let Some(offer) = page.offers.iter().find(|o| o.kind == r.kind)
                {
                    let mut offer = offer.clone();
                    // The correction starts from what the document said.
                    for (input, value) in &mut offer.inputs {
                        if let Some(v) = r.fields.get(input.key) {
                            value.clone_from(v);
                        }
                    }
                    papers.open(&offer, Some(number.clone()), today);
                }
            }
        });
        if papers.serving.as_deref() == Some(r.number.as_str()) {
            ui.group(|ui| {
                widgets::date_field(
                    ui,
                    lang,
                    "paper-serve-date",
                    tr(lang, Key::PapersServeDate),
                    &mut papers.serve_date,
                    today,
                );
                widgets::text_field(
                    ui,
                    tr(lang, Key::PapersServeMethod),
                    &mut papers.serve_method,
                );
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, Key::PapersServeConfirm)).clicked() {
                        commands.push(PaperCommand::Serve {
                            number: r.number.clone(),
                            date: papers.serve_date,
                            method: papers.serve_method.clone(),
                        });
                        papers.serving = None;
                    }
                    if ui.button(tr(lang, Key::PapersCancel)).clicked() {
                        papers.serving = None;
                    }
                });
            });
        }
    }
    ui.weak(trf(lang, Key::PapersSavedTo, &[&export_dir.display()]));

    // A button per document the case's state allows.
    ui.horizontal_wrapped(|ui| {
        for offer in page.offers.iter().filter(|o| o.refused.is_none()) {
            let button = ui
                .button(trf(lang, Key::PapersIssueKind, &[&offer.kind.zh()]))
                .on_hover_text(offer.kind.basis());
            if button.clicked() {
                papers.open(offer, None, today);
            }
        }
    });

    if let Some(kind) = papers.kind {
        ui.group(|ui| {
            ui.label(
                RichText::new(trf(
                    lang,
                    Key::PapersFormHeading,
                    &[&kind.zh(), &kind.basis()],
                ))
                .strong(),
            );
            if let Some(old) = &papers.corrects {
                ui.label(trf(lang, Key::PapersCorrecting, &[old]));
            }
            for (input, value) in &mut papers.inputs {
                let label = if input.required {
                    format!("{}（{}）", input.label, tr(lang, Key::PapersRequired))
                } else {
                    input.label.to_owned()
                };
                if input.key == "reply" {
                    let mut reply = ReplyType::parse(value).unwrap_or(ReplyType::Explain);
                    widgets::combo(ui, "paper-reply", &label, &mut reply, ReplyType::ALL, |r| {
                        r.zh().to_owned()
                    });
                    *value = reply.zh().to_owned();
                } else if LONG_INPUTS.contains(&input.key) {
                    widgets::text_area(ui, &label, value);
                } else {
                    widgets::text_field(ui, &label, value);
                }
            }
            widgets::date_field(
                ui,
                lang,
                "paper-date",
                tr(lang, Key::PapersDate),
                &mut papers.date,
                today,
            );
            ui.horizontal(|ui| {
                // The form stays open until the document is issued: a refusal names
                // what is missing and the clerk fills it in.
                if ui.button(tr(lang, Key::PapersSubmit)).clicked() {
                    commands.push(PaperCommand::Issue {
                        case: case.clone(),
                        kind,
                        date: papers.date,
                        inputs: papers.fields(),
                        corrects: papers.corrects.clone(),
                    });
                }
                if ui.button(tr(lang, Key::PapersCancel)).clicked() {
                    papers.take();
                }
            });
        });
    }

    // The preview of a document of this case.
    let shown = papers
        .preview
        .clone()
        .filter(|p| page.papers.iter().any(|d| d.record.number == p.number));
    if let Some(preview) = shown {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(trf(
                    lang,
                    Key::PapersPreviewOf,
                    &[&preview.number, &preview.kind.zh()],
                ))
                .strong(),
            );
            if ui.button(tr(lang, Key::PapersClosePreview)).clicked() {
                papers.preview = None;
            }
        });
        draw_pages(ui, &preview.layout);
    }
    for c in commands {
        state.send(Command::Paper(c));
    }
}

/// Paints each page: white paper, the rules, and every glyph where the layout put it (in
/// the app's font, so the shapes differ a little from the PDF's serif; the lines and
/// breaks are the PDF's own).
fn draw_pages(ui: &mut egui::Ui, layout: &Layout) {
    let width = ui.available_width().clamp(240.0, 520.0);
    let scale = width / layout.width;
    for page in &layout.pages {
        let (rect, _) =
            ui.allocate_exact_size(vec2(width, layout.height * scale), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, Color32::WHITE);
        painter.rect_stroke(
            rect,
            0.0,
            Stroke::new(1.0, Color32::GRAY),
            StrokeKind::Outside,
        );
        let colour = |ink: Ink| match ink {
            Ink::Black => Color32::BLACK,
            Ink::Red => Color32::from_rgb(0xE6, 0x00, 0x12),
        };
        let at = |x: f32, y: f32| rect.min + vec2(x * scale, y * scale);
        for rule in &page.rules {
            painter.line_segment(
                [at(rule.from.0, rule.from.1), at(rule.to.0, rule.to.1)],
                Stroke::new((rule.width * scale).max(0.5), colour(rule.ink)),
            );
        }
        for line in &page.lines {
            let font = egui::FontId::proportional((line.size * scale).max(1.0));
            let top = line.baseline - line.size * 0.88;
            let mut x = line.x;
            for glyph in &line.glyphs {
                if let Some(text) = line.text.get(glyph.range.clone()) {
                    painter.text(
                        at(x, top),
                        egui::Align2::LEFT_TOP,
                        text,
                        font.clone(),
                        colour(line.ink),
                    );
                }
                x += glyph.advance;
            }
        }
        ui.add_space(6.0);
    }
}
