//! Every string of the Chinese table, and the domain vocabulary the views show, renders with
//! the bundled font alone: the test installs only that font and kittest fails on any glyph
//! the font lacks.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};
use egui_kittest::Harness;
use fengqiao_app::fonts::{BUNDLED_FONT, BUNDLED_FONT_NAME};
use fengqiao_app::i18n::{Key, Lang, tr};

/// Only the bundled font: no egui default fonts, no system fonts.
fn bundled_font_only(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::empty();
    fonts.font_data.insert(
        BUNDLED_FONT_NAME.to_owned(),
        Arc::new(FontData::from_static(BUNDLED_FONT)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts
            .families
            .insert(family, vec![BUNDLED_FONT_NAME.to_owned()]);
    }
    ctx.set_fonts(fonts);
}

fn render(texts: Vec<String>) {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 400.0))
        .with_context_setup(bundled_font_only)
        .build_ui(move |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                for t in &texts {
                    ui.label(t);
                }
            });
        });
    harness.run();
}

fn vocabulary() -> Vec<String> {
    use fengqiao_model::{CaseStatus, Channel, ContentType, ReplyType, Route, Satisfaction};
    let mut out: Vec<String> = Vec::new();
    out.extend(Route::ALL.iter().map(|r| r.zh().to_owned()));
    out.extend(CaseStatus::ALL.iter().map(|s| s.zh().to_owned()));
    out.extend(Channel::ALL.iter().map(|c| c.zh().to_owned()));
    out.extend(ContentType::ALL.iter().map(|c| c.zh().to_owned()));
    out.extend(ReplyType::ALL.iter().map(|c| c.zh().to_owned()));
    out.extend(Satisfaction::ALL.iter().map(|c| c.zh().to_owned()));
    for clock in fengqiao_rules::ClockId::ALL {
        out.push(format!(
            "{} {} {}",
            clock.code(),
            clock.zh(),
            clock.citation()
        ));
    }
    let guide = fengqiao_rules::Guide::embedded();
    for list in guide.versions() {
        for route in fengqiao_model::Route::ALL {
            for entry in list.on_route(*route) {
                out.push(format!("{} {} {}", entry.name, entry.body, entry.law));
            }
        }
    }
    // Marks the views draw around the table's strings.
    out.push("× ！ — – → · 〈 〉 （ ） ： 、 ？".to_owned());
    for t in fengqiao_store::demo::demo_townships() {
        out.push(t.name);
        out.extend(t.villages);
    }
    out
}

#[test]
fn every_chinese_string_renders_with_the_bundled_font() {
    render(
        Key::ALL
            .iter()
            .map(|k| tr(Lang::Zh, *k).to_owned())
            .collect(),
    );
}

#[test]
fn every_english_string_renders_with_the_bundled_font() {
    render(
        Key::ALL
            .iter()
            .map(|k| tr(Lang::English, *k).to_owned())
            .collect(),
    );
}

#[test]
fn the_domain_vocabulary_and_the_demo_county_render_with_the_bundled_font() {
    render(vocabulary());
}

#[test]
fn a_character_outside_gbk_is_caught() {
    // 𠀀 (U+20000, CJK Extension B) is not in GBK, so not in the bundled subset: the check
    // above would catch a string like it (in the app, the system font fallback draws it).
    let caught = std::panic::catch_unwind(|| render(vec!["𠀀".to_owned()]));
    assert!(caught.is_err(), "a missing glyph must fail the test");
}
