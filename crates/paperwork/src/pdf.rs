//! Writes a [`Layout`] as PDF with krilla: fonts embedded and subset, text selectable
//! (each glyph carries the characters it shows), and nothing that changes between runs —
//! the creation date is the document's own date and the file id its record's id — so the
//! same document renders to the same bytes on any replica.

use chrono::{Datelike, NaiveDate};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};

use crate::error::PaperError;
use crate::fonts::{FontData, FontSet};
use crate::layout::{Ink, Layout, Role};

/// What goes into the PDF's information dictionary besides the pages.
#[derive(Debug, Clone)]
pub struct PdfInfo {
    pub title: String,
    /// The issuing organ.
    pub author: String,
    /// A stable id: the document record's id.
    pub id: String,
    /// The document's date (成文日期), written as its creation date.
    pub date: NaiveDate,
}

fn krilla_font(data: &FontData) -> Result<Font, PaperError> {
    Font::new(data.bytes.clone().into(), data.index).ok_or_else(|| PaperError::BadFont {
        font: data.name.clone(),
        why: "krilla 无法读取".into(),
    })
}

fn colour(ink: Ink) -> rgb::Color {
    match ink {
        Ink::Black => rgb::Color::new(0, 0, 0),
        // The red of official headers.
        Ink::Red => rgb::Color::new(0xE6, 0x00, 0x12),
    }
}

/// The PDF bytes of a layout.
pub fn write_pdf(layout: &Layout, fonts: &FontSet, info: &PdfInfo) -> Result<Vec<u8>, PaperError> {
    let title_font = krilla_font(&fonts.title)?;
    let body_font = krilla_font(&fonts.body)?;
    let mut document = Document::new();
    let date = DateTime::new(u16::try_from(info.date.year()).unwrap_or(2000))
        .month(u8::try_from(info.date.month()).unwrap_or(1))
        .day(u8::try_from(info.date.day()).unwrap_or(1))
        .utc_offset_hour(8);
    document.set_metadata(
        Metadata::new()
            .title(info.title.clone())
            .authors(vec![info.author.clone()])
            .creator("枫桥 Fengqiao".into())
            .language("zh-CN".into())
            .document_id(info.id.clone())
            .creation_date(date),
    );
    let settings = PageSettings::from_wh(layout.width, layout.height)
        .ok_or_else(|| PaperError::Pdf("页面尺寸无效".into()))?;
    for page_layout in &layout.pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for rule in &page_layout.rules {
            let mut path = PathBuilder::new();
            path.move_to(rule.from.0, rule.from.1);
            path.line_to(rule.to.0, rule.to.1);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: colour(rule.ink).into(),
                    width: rule.width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
        surface.set_stroke(None);
        for line in &page_layout.lines {
            surface.set_fill(Some(Fill {
                paint: colour(line.ink).into(),
                ..Fill::default()
            }));
            // One run per font: the title font falls back to the body font glyph by glyph.
            let mut x = line.x;
            let mut i = 0;
            while i < line.glyphs.len() {
                let role = line.glyphs[i].role;
                let mut j = i;
                while j < line.glyphs.len() && line.glyphs[j].role == role {
                    j += 1;
                }
                let run = &line.glyphs[i..j];
                let from = run[0].range.start;
                let to = run[run.len() - 1].range.end;
                let glyphs: Vec<KrillaGlyph> = run
                    .iter()
                    .map(|g| {
                        KrillaGlyph::new(
                            GlyphId::new(g.id),
                            g.advance / line.size,
                            0.0,
                            0.0,
                            0.0,
                            g.range.start - from..g.range.end - from,
                            None,
                        )
                    })
                    .collect();
                let font = match role {
                    Role::Title => title_font.clone(),
                    Role::Body => body_font.clone(),
                };
                surface.draw_glyphs(
                    Point::from_xy(x, line.baseline),
                    &glyphs,
                    font,
                    &line.text[from..to],
                    line.size,
                    false,
                );
                x += run.iter().map(|g| g.advance).sum::<f32>();
                i = j;
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PaperError::Pdf(format!("{e:?}")))
}
