//! Typesetting after GB/T 9704-2012 (党政机关公文格式): positioned lines and rules on A4
//! pages. The PDF writer draws them; the app's preview draws the same layout.
//!
//! - Page: A4, margins 37 mm top, 28 mm left, 26 mm right, 35 mm bottom (版心 156 × 225 mm).
//! - Body: 3号 (16 pt), 22 lines a page, 28 characters a line: full-width characters sit on
//!   a grid of 156 mm / 28, as the standard's 28 × 22 grid asks; paragraphs indent two.
//! - Lines break where UAX #14 allows: between hanzi, never before ，。、；：？！）》 nor after
//!   （《“ (禁则); a short filled-in value (a name, a date, a number) stays on one line.
//!   Lines that end short are justified across their gaps.
//! - Header (版头): the issuing organ in red in the title font, the number (发文字号)
//!   centred under it, a red rule 4 mm below. Compact: the 35 mm the standard keeps above
//!   the header for 份号/密级/紧急程度 is left out, since these documents carry none, so a
//!   notice fits one page.
//! - Title: 2号 (22 pt) in the title font, centred; 主送 flush left below a blank line.
//! - Signature: a blank line, then the organ centred over the date, the date four
//!   characters from the right, the seal area (about 42 mm) over both.
//! - Page numbers: `— 1 —`, 4号, 7 mm under the 版心, outer side.

use std::collections::BTreeSet;
use std::ops::Range;

use skrifa::MetadataProvider;
use skrifa::prelude::{FontRef, GlyphId, LocationRef, Size};
use unicode_linebreak::{BreakOpportunity, linebreaks};

use crate::error::PaperError;
use crate::fonts::{FontData, FontSet};
use crate::template::{Composed, Filled};

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;
pub const PAGE_WIDTH: f32 = 210.0 * MM;
pub const PAGE_HEIGHT: f32 = 297.0 * MM;
pub const TOP: f32 = 37.0 * MM;
pub const LEFT: f32 = 28.0 * MM;
pub const RIGHT: f32 = 26.0 * MM;
pub const BOTTOM: f32 = 35.0 * MM;
/// 版心 width.
pub const TEXT_WIDTH: f32 = PAGE_WIDTH - LEFT - RIGHT;
/// 版心 height.
pub const TEXT_HEIGHT: f32 = PAGE_HEIGHT - TOP - BOTTOM;
/// 3号.
pub const BODY_SIZE: f32 = 16.0;
/// 2号.
pub const TITLE_SIZE: f32 = 22.0;
/// 4号: tables and page numbers.
pub const SMALL_SIZE: f32 = 14.0;
pub const CHARS_PER_LINE: f32 = 28.0;
pub const LINES_PER_PAGE: f32 = 22.0;
/// One grid line.
pub const PITCH: f32 = TEXT_HEIGHT / LINES_PER_PAGE;
/// One grid character.
pub const CELL: f32 = TEXT_WIDTH / CHARS_PER_LINE;

/// Which font a glyph comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Title,
    Body,
}

/// Ink: the header and its rule are red (GB/T 9704 7.2.2, 7.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    Black,
    Red,
}

/// One glyph, placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub role: Role,
    pub id: u32,
    /// The characters it shows, as a range of its line's text.
    pub range: Range<usize>,
    /// How far the pen moves after it, in points.
    pub advance: f32,
}

/// A line of text at a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x: f32,
    pub baseline: f32,
    pub size: f32,
    pub ink: Ink,
    pub text: String,
    pub glyphs: Vec<Glyph>,
}

impl Line {
    /// Its width: the sum of the advances.
    pub fn width(&self) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum()
    }
}

/// A straight rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub from: (f32, f32),
    pub to: (f32, f32),
    pub width: f32,
    pub ink: Ink,
}

/// One page: y grows downwards from the page's top edge, in points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub lines: Vec<Line>,
    pub rules: Vec<Rule>,
}

/// A document laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f32,
    pub height: f32,
    pub pages: Vec<Page>,
}

struct Face<'a> {
    font: FontRef<'a>,
    upem: f32,
}

impl<'a> Face<'a> {
    fn new(data: &'a FontData) -> Result<Face<'a>, PaperError> {
        let font =
            FontRef::from_index(data.data(), data.index).map_err(|e| PaperError::BadFont {
                font: data.name.clone(),
                why: e.to_string(),
            })?;
        let upem = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Ok(Face { font, upem })
    }

    /// The glyph and its advance in ems.
    fn glyph(&self, ch: char) -> Option<(GlyphId, f32)> {
        let id = self.font.charmap().map(ch)?;
        let advance = self
            .font
            .glyph_metrics(Size::unscaled(), LocationRef::default())
            .advance_width(id)?;
        Some((id, advance / self.upem.max(1.0)))
    }
}

/// How a run of text is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    role: Role,
    size: f32,
    ink: Ink,
    /// Full-width characters on a grid of this many points (the body's 28 a line).
    grid: Option<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    /// Right, leaving this many points.
    Right(f32),
}

struct Setter<'a> {
    title: Face<'a>,
    body: Face<'a>,
    missing: BTreeSet<char>,
}

/// A filled-in value wider than this many characters may break across lines like any
/// text; narrower ones (names, dates, case numbers) stay on one line, so a search finds
/// them and a reader sees them whole.
const KEEP_TOGETHER_CELLS: f32 = 9.0;

/// A line that ends early (a value kept whole, a 禁则 break) is justified by spreading
/// the slack over its gaps, at most this fraction of an em each: text extractors (and so
/// a PDF viewer's search) read a wider gap as a space between words. Beyond it the line
/// is left ragged.
const MAX_GAP_EM: f32 = 0.08;

impl Setter<'_> {
    fn glyph(&mut self, role: Role, ch: char) -> (Role, u32, f32) {
        let first = match role {
            Role::Title => self.title.glyph(ch).map(|g| (Role::Title, g)),
            Role::Body => None,
        };
        match first.or_else(|| self.body.glyph(ch).map(|g| (Role::Body, g))) {
            Some((role, (id, adv))) => (role, id.to_u32(), adv),
            None => {
                if !ch.is_whitespace() {
                    self.missing.insert(ch);
                }
                (Role::Body, 0, 0.5)
            }
        }
    }

    /// Breaks `text` into lines of `width` points (the first `indent` narrower) and
    /// places each at `x` with its glyphs; baselines are set by the caller.
    fn set(
        &mut self,
        text: &Filled,
        style: Style,
        width: f32,
        indent: f32,
        align: Align,
    ) -> Vec<Line> {
        let s = text.text.as_str();
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let placed: Vec<(Role, u32, f32)> = chars
            .iter()
            .map(|&(_, ch)| {
                let (role, id, em) = self.glyph(style.role, ch);
                let advance = match style.grid {
                    Some(cell) if em >= 0.9 => cell,
                    Some(cell) => em * cell,
                    None => em * style.size,
                };
                (role, id, advance)
            })
            .collect();
        let width_of = |r: &Range<usize>| -> f32 {
            chars
                .iter()
                .zip(&placed)
                .filter(|((at, _), _)| r.contains(at))
                .map(|(_, p)| p.2)
                .sum()
        };
        let cell = style.grid.unwrap_or(style.size);
        let kept: Vec<&Range<usize>> = text
            .values
            .iter()
            .filter(|r| width_of(r) <= KEEP_TOGETHER_CELLS * cell)
            .collect();
        let breaks: BTreeSet<usize> = linebreaks(s)
            .filter(|&(at, op)| {
                op == BreakOpportunity::Mandatory
                    || !kept.iter().any(|r| r.start < at && at < r.end)
            })
            .map(|(at, _)| at)
            .collect();
        let mut lines = Vec::new();
        let mut start = 0; // index into chars
        while start < chars.len() {
            let available = if lines.is_empty() {
                width - indent
            } else {
                width
            };
            let mut used = 0.0;
            let mut end = start;
            while end < chars.len() && used + placed[end].2 <= available + 0.01 {
                used += placed[end].2;
                end += 1;
            }
            let mut last = end == chars.len();
            if !last {
                // The last break opportunity inside the line; else break where it is full.
                let byte_end = chars[end].0;
                let found = breaks
                    .range(chars[start].0 + 1..=byte_end)
                    .next_back()
                    .and_then(|b| chars.iter().position(|(i, _)| i == b));
                end = match found {
                    Some(i) if i > start => i,
                    _ => end.max(start + 1),
                };
                last = end == chars.len();
            }
            // Spaces at the end of a line take no room.
            let mut visible = end;
            while visible > start && chars[visible - 1].1.is_whitespace() {
                visible -= 1;
            }
            let line_start = chars[start].0;
            let line_end = chars.get(end).map_or(s.len(), |c| c.0);
            let mut glyphs: Vec<Glyph> = (start..visible)
                .map(|i| {
                    let from = chars[i].0;
                    let to = chars.get(i + 1).map_or(s.len(), |c| c.0);
                    Glyph {
                        role: placed[i].0,
                        id: placed[i].1,
                        range: from - line_start..to - line_start,
                        advance: placed[i].2,
                    }
                })
                .collect();
            let natural: f32 = glyphs.iter().map(|g| g.advance).sum();
            let slack = available - natural;
            // Justify a line that had to end early, unless it is the paragraph's last.
            // Space goes between characters, not inside a run of digits or letters (a
            // date, a case number): those stay as they are spelled.
            if !last && align == Align::Left && slack > 0.0 {
                let narrow = |g: &Glyph| g.advance < 0.9 * cell;
                let gaps: Vec<usize> = (0..glyphs.len().saturating_sub(1))
                    .filter(|&i| !(narrow(&glyphs[i]) && narrow(&glyphs[i + 1])))
                    .collect();
                let per_gap = slack / gaps.len().max(1) as f32;
                if !gaps.is_empty() && per_gap <= MAX_GAP_EM * style.size {
                    for i in gaps {
                        glyphs[i].advance += per_gap;
                    }
                }
            }
            let x = match align {
                Align::Left => {
                    if lines.is_empty() {
                        indent
                    } else {
                        0.0
                    }
                }
                Align::Center => (width - natural).max(0.0) / 2.0,
                Align::Right(space) => (width - space - natural).max(0.0),
            };
            let text = s[line_start..line_end].to_owned();
            lines.push(Line {
                x,
                baseline: 0.0,
                size: style.size,
                ink: style.ink,
                text,
                glyphs,
            });
            start = end;
            // A new line does not start with the spaces it broke at.
            while start < chars.len() && chars[start].1 == ' ' {
                start += 1;
            }
        }
        lines
    }
}

/// Where the baseline of a line of `size` sits in a grid cell starting at `top`: the em
/// box centred in the cell, the baseline 0.88 em below its top (CJK ideographic em box).
fn baseline_in(top: f32, pitch: f32, size: f32) -> f32 {
    top + (pitch - size) / 2.0 + 0.88 * size
}

struct Pages {
    pages: Vec<Page>,
    /// Top of the next free grid line on the current page.
    y: f32,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            pages: vec![Page::default()],
            y: TOP,
        }
    }

    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn room(&self) -> f32 {
        TOP + TEXT_HEIGHT - self.y
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = TOP;
    }

    /// Starts a new page unless `height` fits; says whether it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.room() + 0.01 < height && self.y > TOP + 0.01 {
            self.new_page();
            return true;
        }
        false
    }

    /// Puts lines one `pitch` apart from the current position, breaking pages.
    fn put(&mut self, lines: Vec<Line>, x0: f32, pitch: f32) {
        for mut line in lines {
            self.ensure(pitch);
            line.x += x0;
            line.baseline = baseline_in(self.y, pitch, line.size);
            self.page().lines.push(line);
            self.y += pitch;
        }
    }
}

/// How tightly the vertical space is set.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Density {
    /// Table text size: 4号, or 小四 when tight.
    table_size: f32,
    /// Table line pitch, in ems.
    table_pitch: f32,
    /// Gaps between blocks, in grid lines.
    gap: f32,
}

const NORMAL: Density = Density {
    table_size: SMALL_SIZE,
    table_pitch: 1.5,
    gap: 1.0,
};

/// Tried when a document runs onto a second page: if that saves a page (above all one
/// holding nothing but the date and seal, which GB/T 9704 7.3.5 asks to avoid by adjusting
/// the spacing), it is used.
const TIGHT: Density = Density {
    table_size: 12.0,
    table_pitch: 1.35,
    gap: 0.5,
};

/// Lays out a composed document.
pub fn layout(doc: &Composed, fonts: &FontSet) -> Result<Layout, PaperError> {
    let layout = layout_with(doc, fonts, NORMAL)?;
    if layout.pages.len() > 1 {
        let tight = layout_with(doc, fonts, TIGHT)?;
        if tight.pages.len() < layout.pages.len() {
            return Ok(tight);
        }
    }
    Ok(layout)
}

fn layout_with(doc: &Composed, fonts: &FontSet, density: Density) -> Result<Layout, PaperError> {
    let mut setter = Setter {
        title: Face::new(&fonts.title)?,
        body: Face::new(&fonts.body)?,
        missing: BTreeSet::new(),
    };
    let mut pages = Pages::new();
    let plain = |text: &str| Filled {
        text: text.to_owned(),
        values: Vec::new(),
    };
    let body = Style {
        role: Role::Body,
        size: BODY_SIZE,
        ink: Ink::Black,
        grid: Some(CELL),
    };

    if doc.header {
        // 版头: the organ in red, sized to fit one line (at most 30 pt).
        let organ_chars = doc.issuer.chars().count().max(1) as f32;
        let organ_size = (TEXT_WIDTH / organ_chars).clamp(16.0, 30.0);
        let organ = setter.set(
            &plain(&doc.issuer),
            Style {
                role: Role::Title,
                size: organ_size,
                ink: Ink::Red,
                grid: None,
            },
            TEXT_WIDTH,
            0.0,
            Align::Center,
        );
        pages.put(organ, LEFT, organ_size * 1.5);
        // 发文字号 under it, then the red rule 4 mm below the number.
        pages.y += PITCH * 0.25;
        let number = setter.set(
            &plain(&doc.number),
            Style { grid: None, ..body },
            TEXT_WIDTH,
            0.0,
            Align::Center,
        );
        pages.put(number, LEFT, PITCH);
        let rule_y = pages.y - (PITCH - BODY_SIZE) / 2.0 + 4.0 * MM - 0.12 * BODY_SIZE;
        pages.page().rules.push(Rule {
            from: (LEFT, rule_y),
            to: (LEFT + TEXT_WIDTH, rule_y),
            width: 1.0,
            ink: Ink::Red,
        });
        pages.y = rule_y + PITCH * density.gap;
    }

    // 标题.
    let title = setter.set(
        &plain(&doc.title),
        Style {
            role: Role::Title,
            size: TITLE_SIZE,
            ink: Ink::Black,
            grid: None,
        },
        TEXT_WIDTH - 2.0 * CELL,
        0.0,
        Align::Center,
    );
    pages.put(title, LEFT + CELL, TITLE_SIZE * 1.6);
    if !doc.header {
        // A form: its number on the right under the title.
        let number = setter.set(
            &plain(&doc.number),
            Style {
                grid: None,
                size: SMALL_SIZE,
                ..body
            },
            TEXT_WIDTH,
            0.0,
            Align::Right(0.0),
        );
        pages.put(number, LEFT, SMALL_SIZE * 1.5);
    }
    pages.y += PITCH * 0.5 * density.gap;

    // 主送, then the body paragraphs on the grid.
    if !doc.to.text.is_empty() {
        let to = setter.set(&doc.to, body, TEXT_WIDTH, 0.0, Align::Left);
        pages.put(to, LEFT, PITCH);
    }
    for paragraph in &doc.paragraphs {
        let lines = setter.set(paragraph, body, TEXT_WIDTH, 2.0 * CELL, Align::Left);
        pages.put(lines, LEFT, PITCH);
    }
    if !doc.rows.is_empty() {
        pages.y += PITCH * 0.25;
        table(&mut setter, &mut pages, &doc.rows, density);
        pages.y += PITCH * 0.25;
    }
    for paragraph in &doc.note {
        let lines = setter.set(paragraph, body, TEXT_WIDTH, 2.0 * CELL, Align::Left);
        pages.put(lines, LEFT, PITCH);
    }

    // 署名 and 成文日期 with the seal area: a blank line, the organ, the date, and a line
    // under them for the seal's lower half.
    let _ = pages.ensure((2.0 + 2.0 * density.gap) * PITCH);
    pages.y += PITCH * density.gap;
    let date = setter.set(
        &plain(&doc.date),
        Style { grid: None, ..body },
        TEXT_WIDTH,
        0.0,
        Align::Right(4.0 * CELL),
    );
    let date_width: f32 = date.iter().map(Line::width).sum();
    let date_centre = TEXT_WIDTH - 4.0 * CELL - date_width / 2.0;
    let mut organ = setter.set(
        &plain(&doc.issuer),
        Style { grid: None, ..body },
        TEXT_WIDTH,
        0.0,
        Align::Left,
    );
    for line in &mut organ {
        line.x = (date_centre - line.width() / 2.0).clamp(0.0, TEXT_WIDTH - line.width());
    }
    pages.put(organ, LEFT, PITCH);
    pages.put(date, LEFT, PITCH);

    if !setter.missing.is_empty() {
        return Err(PaperError::MissingGlyphs {
            chars: setter
                .missing
                .iter()
                .map(|c| format!("{c}（U+{:04X}）", u32::from(*c)))
                .collect::<Vec<_>>()
                .join("、"),
        });
    }
    for (i, page) in pages.pages.iter_mut().enumerate() {
        let mut folio = setter.set(
            &plain(&format!("— {} —", i + 1)),
            Style {
                role: Role::Body,
                size: SMALL_SIZE,
                ink: Ink::Black,
                grid: None,
            },
            TEXT_WIDTH,
            0.0,
            // Odd pages on the right, even on the left, one character in (GB/T 9704 7.5).
            if i % 2 == 0 {
                Align::Right(CELL)
            } else {
                Align::Left
            },
        );
        for line in &mut folio {
            if i % 2 == 1 {
                line.x = CELL;
            }
            line.x += LEFT;
            line.baseline = TOP + TEXT_HEIGHT + 7.0 * MM + 0.88 * SMALL_SIZE;
        }
        page.lines.extend(folio);
    }
    Ok(Layout {
        width: PAGE_WIDTH,
        height: PAGE_HEIGHT,
        pages: pages.pages,
    })
}

/// A two-column table with black rules, 4号 text; rows break to the next page whole.
fn table(setter: &mut Setter<'_>, pages: &mut Pages, rows: &[(String, Filled)], density: Density) {
    const PAD: f32 = 5.0;
    let size = density.table_size;
    let pitch = size * density.table_pitch;
    let style = Style {
        role: Role::Body,
        size,
        ink: Ink::Black,
        grid: None,
    };
    let label_chars = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 9) as f32;
    let label_width = label_chars * size + 2.0 * PAD + 6.0;
    let value_width = TEXT_WIDTH - label_width;
    let rule = |from: (f32, f32), to: (f32, f32)| Rule {
        from,
        to,
        width: 0.6,
        ink: Ink::Black,
    };
    let mut top_drawn = false;
    for (label, value) in rows {
        let label_lines = setter.set(
            &Filled {
                text: label.clone(),
                values: Vec::new(),
            },
            style,
            label_width - 2.0 * PAD,
            0.0,
            Align::Left,
        );
        let value_lines = setter.set(value, style, value_width - 2.0 * PAD, 0.0, Align::Left);
        let n = label_lines.len().max(value_lines.len()).max(1) as f32;
        // A row the template leaves blank is for a signature or a date written by hand:
        // two lines. (A field that happens to be empty is not.)
        let lines = if value.text.trim().is_empty() && value.values.is_empty() {
            n.max(1.0 + density.gap)
        } else {
            n
        };
        let height = lines * pitch + 2.0 * PAD;
        if pages.room() < height {
            pages.new_page();
            top_drawn = false;
        }
        let top = pages.y;
        if !top_drawn {
            pages
                .page()
                .rules
                .push(rule((LEFT, top), (LEFT + TEXT_WIDTH, top)));
            top_drawn = true;
        }
        let first_line_top = top + PAD;
        for (x0, lines) in [
            (LEFT + PAD, label_lines),
            (LEFT + label_width + PAD, value_lines),
        ] {
            for (i, mut line) in lines.into_iter().enumerate() {
                line.x += x0;
                line.baseline = baseline_in(first_line_top + i as f32 * pitch, pitch, size);
                pages.page().lines.push(line);
            }
        }
        let bottom = top + height;
        let page = pages.page();
        page.rules
            .push(rule((LEFT, bottom), (LEFT + TEXT_WIDTH, bottom)));
        for x in [LEFT, LEFT + label_width, LEFT + TEXT_WIDTH] {
            page.rules.push(rule((x, top), (x, bottom)));
        }
        pages.y = bottom;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setter(fonts: &FontSet) -> Setter<'_> {
        Setter {
            title: Face::new(&fonts.title).unwrap(),
            body: Face::new(&fonts.body).unwrap(),
            missing: BTreeSet::new(),
        }
    }

    fn body() -> Style {
        Style {
            role: Role::Body,
            size: BODY_SIZE,
            ink: Ink::Black,
            grid: Some(CELL),
        }
    }

    fn filled(text: &str) -> Filled {
        Filled {
            text: text.into(),
            values: Vec::new(),
        }
    }

    #[test]
    fn a_body_line_holds_twenty_eight_hanzi_and_the_first_two_fewer() {
        let fonts = FontSet::bundled();
        let mut s = setter(&fonts);
        let text = "信".repeat(60);
        let lines = s.set(&filled(&text), body(), TEXT_WIDTH, 2.0 * CELL, Align::Left);
        let counts: Vec<usize> = lines.iter().map(|l| l.text.chars().count()).collect();
        assert_eq!(counts, vec![26, 28, 6]);
        assert!((lines[1].width() - TEXT_WIDTH).abs() < 0.1);
    }

    #[test]
    fn no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one() {
        let fonts = FontSet::bundled();
        let mut s = setter(&fonts);
        // The comma would start line 2 and the bracket end line 2 if breaks ignored 禁则.
        let text = format!(
            "{}，{}（说明）{}。",
            "甲".repeat(28),
            "乙".repeat(25),
            "丙".repeat(10)
        );
        let lines = s.set(&filled(&text), body(), TEXT_WIDTH, 0.0, Align::Left);
        for line in &lines {
            let first = line.text.chars().next().unwrap_or(' ');
            let last = line.text.chars().last().unwrap_or(' ');
            assert!(
                !"，。、；：？！）》”".contains(first),
                "line starts with {first}: {}",
                line.text
            );
            assert!(
                !"（《“".contains(last),
                "line ends with {last}: {}",
                line.text
            );
        }
        // A line pushed short by the rule is justified to the full width.
        assert!(
            (lines[0].width() - TEXT_WIDTH).abs() < 0.1,
            "{}",
            lines[0].width()
        );
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn a_short_value_is_not_split_across_lines() {
        let fonts = FontSet::bundled();
        let mut s = setter(&fonts);
        let prefix = "字".repeat(27);
        let text = format!("{prefix}欧阳娜娜反映");
        let at = prefix.len();
        let value = Filled {
            text: text.clone(),
            values: std::iter::once(at..at + "欧阳娜娜".len()).collect(),
        };
        let lines = s.set(&value, body(), TEXT_WIDTH, 0.0, Align::Left);
        assert!(lines[1].text.starts_with("欧阳娜娜"), "{:?}", lines[1].text);
        let without = s.set(&filled(&text), body(), TEXT_WIDTH, 0.0, Align::Left);
        assert!(without[0].text.ends_with('欧'));
    }

    #[test]
    fn justification_spaces_characters_but_not_the_digits_of_a_number() {
        let fonts = FontSet::bundled();
        let mut s = setter(&fonts);
        let prefix = format!("{}12345字字", "字".repeat(22));
        let text = format!("{prefix}AB-2026-00272号");
        let value = Filled {
            text: text.clone(),
            values: std::iter::once(prefix.len()..prefix.len() + "AB-2026-00272".len()).collect(),
        };
        let lines = s.set(&value, body(), TEXT_WIDTH, 0.0, Align::Left);
        assert!(lines[1].text.starts_with("AB-2026"), "{:?}", lines[1].text);
        assert!((lines[0].width() - TEXT_WIDTH).abs() < 0.1, "justified");
        let digits: Vec<f32> = lines[0]
            .glyphs
            .iter()
            .filter(|g| {
                lines[0].text[g.range.clone()]
                    .chars()
                    .all(|c| c.is_ascii_digit())
            })
            .map(|g| g.advance)
            .collect();
        assert_eq!(digits.len(), 5);
        // As set alone (a last line is never justified).
        let alone = s.set(&filled("12345"), body(), TEXT_WIDTH, 0.0, Align::Left);
        let natural: Vec<f32> = alone[0].glyphs.iter().map(|g| g.advance).collect();
        // '1'–'4' are followed by a digit: not widened; '5' is followed by 字: widened.
        for i in 0..4 {
            assert!(
                (digits[i] - natural[i]).abs() < 0.01,
                "{digits:?} {natural:?}"
            );
        }
        assert!(digits[4] > natural[4] + 0.1, "{digits:?} {natural:?}");
    }

    #[test]
    fn a_character_no_font_has_is_refused_by_name() {
        let fonts = FontSet::bundled();
        let doc = Composed {
            header: true,
            issuer: "测试县信访局".into(),
            number: "信告〔2026〕K-1号".into(),
            title: "告知书".into(),
            to: filled("𠀀先生："),
            paragraphs: vec![filled("正文。")],
            rows: Vec::new(),
            note: Vec::new(),
            date: "2026年5月6日".into(),
        };
        let err = layout(&doc, &fonts).unwrap_err();
        assert!(err.to_string().contains("U+20000"), "{err}");
    }
}
