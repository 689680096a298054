//! The bundled CJK font.
//!
//! `assets/fonts/FengqiaoSans-GBK.otf` is Noto Sans CJK SC (SIL OFL 1.1, see
//! `assets/fonts/OFL.txt`) cut to every character of GBK (all 20,902 unified hanzi and
//! more) by `scripts/make-font.sh`. It is the first font of both families, so Chinese and
//! Latin share one look on every laptop. eframe's system-font fallback stays on for the
//! rare characters in names that GBK lacks (see `main.rs`).

use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};

/// The font file, compiled into the binary.
pub static BUNDLED_FONT: &[u8] = include_bytes!("../assets/fonts/FengqiaoSans-GBK.otf");

/// The bundled font's name in egui's font definitions.
pub const BUNDLED_FONT_NAME: &str = "fengqiao-sans-gbk";

/// Installs the bundled font as the first choice of the proportional and monospace families.
pub fn install(ctx: &egui::Context) {
    ctx.add_font(FontInsert::new(
        BUNDLED_FONT_NAME,
        egui::FontData::from_static(BUNDLED_FONT),
        vec![
            InsertFontFamily {
                family: egui::FontFamily::Proportional,
                priority: FontPriority::Highest,
            },
            // Monospace keeps its Latin face (Hack) for numbers; hanzi fall back to ours.
            InsertFontFamily {
                family: egui::FontFamily::Monospace,
                priority: FontPriority::Lowest,
            },
        ],
    ));
}
