//! Small widgets the views share: labelled fields, error text, badges, and a Chinese calendar.
//!
//! egui_extras' date picker is English-only (month names, Mo…Su, "Cancel"), so the app has
//! its own: a button showing `2026年11月26日` that opens a month grid with 一…日 headers.

use chrono::{Datelike, NaiveDate};
use egui::{Color32, RichText};

use crate::i18n::{Key, Lang, tr, trf};

/// Red for errors and overdue, amber for due soon and conflicts, green for done.
pub const RED: Color32 = Color32::from_rgb(0xc6, 0x28, 0x28);
/// Conflicts and "due soon".
pub const AMBER: Color32 = Color32::from_rgb(0xb2, 0x6a, 0x00);
/// Met, published, up to date.
pub const GREEN: Color32 = Color32::from_rgb(0x2e, 0x7d, 0x32);
/// The main action of a form (white text on it).
pub const ACCENT: Color32 = Color32::from_rgb(0x1f, 0x5f, 0xa8);

/// A label and a one-line text field tied to it (the label is the field's accessible name).
pub fn text_field(ui: &mut egui::Ui, label: &str, value: &mut String) -> egui::Response {
    let label = ui.label(label);
    ui.add(egui::TextEdit::singleline(value).desired_width(260.0))
        .labelled_by(label.id)
}

/// A label and a multi-line text field tied to it.
pub fn text_area(ui: &mut egui::Ui, label: &str, value: &mut String) -> egui::Response {
    let label = ui.label(label);
    ui.add(
        egui::TextEdit::multiline(value)
            .desired_rows(3)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id)
}

/// Validation messages in red, right under their field.
pub fn errors(ui: &mut egui::Ui, messages: &[String]) {
    for m in messages {
        ui.label(RichText::new(format!("× {m}")).color(RED));
    }
}

/// A small coloured badge.
pub fn badge(ui: &mut egui::Ui, text: &str, color: Color32) -> egui::Response {
    ui.label(
        RichText::new(format!(" {text} "))
            .color(Color32::WHITE)
            .background_color(color)
            .small(),
    )
}

/// A horizontal bar chart: each row its name (right-aligned), a bar as long as its share
/// of the largest count, and the count. Horizontal so that every bar keeps its whole name
/// however many there are (fourteen townships, twelve months).
pub fn bar_chart(ui: &mut egui::Ui, rows: &[(String, usize)], color: Color32) {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let font = egui::TextStyle::Body.resolve(ui.style());
    let width_of = |ui: &egui::Ui, text: &str| {
        ui.painter()
            .layout_no_wrap(text.to_owned(), font.clone(), Color32::PLACEHOLDER)
            .size()
            .x
    };
    let name_width = rows
        .iter()
        .map(|(name, _)| width_of(ui, name))
        .fold(0.0, f32::max);
    let count_width = width_of(ui, &max.to_string());
    let gap = ui.spacing().item_spacing.x;
    let row_height = ui.spacing().interact_size.y;
    let bar_room = (ui.available_width() - name_width - count_width - 3.0 * gap).max(60.0);
    for (name, n) in rows {
        ui.horizontal(|ui| {
            ui.allocate_ui_with_layout(
                egui::vec2(name_width, row_height),
                egui::Layout::right_to_left(egui::Align::Center),
                |ui| ui.label(name),
            );
            let (rect, _) =
                ui.allocate_exact_size(egui::vec2(bar_room, row_height), egui::Sense::hover());
            let length = bar_room * (*n as f32 / max as f32);
            if *n > 0 {
                let bar = egui::Rect::from_min_size(
                    rect.min + egui::vec2(0.0, 3.0),
                    egui::vec2(length.max(2.0), row_height - 6.0),
                );
                ui.painter().rect_filled(bar, 2.0, color);
            }
            ui.label(n.to_string());
        });
    }
}

/// How tall a combo box's list may grow: a county's twenty-odd townships show without
/// scrolling (egui keeps the popup on screen).
const LIST_HEIGHT: f32 = 560.0;

/// A combo box over `choices`, showing each with `name`, after its label (which names it).
pub fn combo<T: PartialEq + Copy>(
    ui: &mut egui::Ui,
    id_salt: &str,
    label: &str,
    value: &mut T,
    choices: &[T],
    name: impl Fn(T) -> String,
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let label = ui.label(label);
        egui::ComboBox::from_id_salt(id_salt)
            .selected_text(name(*value))
            .height(LIST_HEIGHT)
            .show_ui(ui, |ui| {
                for c in choices {
                    changed |= ui.selectable_value(value, *c, name(*c)).changed();
                }
            })
            .response
            .labelled_by(label.id);
    });
    changed
}

/// A combo box over text choices with an "all/none" entry for `None`.
pub fn optional_combo(
    ui: &mut egui::Ui,
    id_salt: &str,
    label: &str,
    value: &mut Option<String>,
    none_text: &str,
    choices: &[String],
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let label = ui.label(label);
        egui::ComboBox::from_id_salt(id_salt)
            .selected_text(value.clone().unwrap_or_else(|| none_text.to_owned()))
            .height(LIST_HEIGHT)
            .show_ui(ui, |ui| {
                changed |= ui.selectable_value(value, None, none_text).changed();
                for c in choices {
                    changed |= ui
                        .selectable_value(value, Some(c.clone()), c.as_str())
                        .changed();
                }
            })
            .response
            .labelled_by(label.id);
    });
    changed
}

/// A date as the UI writes it: `2026年11月26日` or `2026-11-26`.
pub fn date_text(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::Zh => trf(
            lang,
            Key::CalDate,
            &[&date.year(), &date.month(), &date.day()],
        ),
        Lang::English => date.format("%Y-%m-%d").to_string(),
    }
}

#[derive(Clone, Copy, Default)]
struct CalendarMemory {
    open: bool,
    /// The month shown (year, month); `None` means the selected date's month.
    month: Option<(i32, u32)>,
}

/// A labelled date field that opens a Chinese month calendar. Returns whether the date changed.
pub fn date_field(
    ui: &mut egui::Ui,
    lang: Lang,
    id_salt: &str,
    label: &str,
    date: &mut NaiveDate,
    today: NaiveDate,
) -> bool {
    ui.horizontal_top(|ui| {
        let label = ui.label(label);
        date_input(ui, lang, id_salt, label.id, date, today)
    })
    .inner
}

/// A date button named by the label `label` (e.g. a form grid's label cell) that opens a
/// Chinese month calendar below it. Returns whether the date changed.
pub fn date_input(
    ui: &mut egui::Ui,
    lang: Lang,
    id_salt: &str,
    label: egui::Id,
    date: &mut NaiveDate,
    today: NaiveDate,
) -> bool {
    let id = ui.make_persistent_id(id_salt);
    let mut memory: CalendarMemory = ui.ctx().data(|d| d.get_temp(id)).unwrap_or_default();
    let mut changed = false;
    ui.vertical(|ui| {
        if ui
            .button(date_text(lang, *date))
            .labelled_by(label)
            .clicked()
        {
            memory.open = !memory.open;
            memory.month = None;
        }
        if memory.open {
            ui.group(|ui| {
                if let Some(picked) = month_grid(ui, lang, &mut memory, *date, today) {
                    *date = picked;
                    changed = true;
                    memory.open = false;
                }
            });
        }
    });
    ui.ctx().data_mut(|d| d.insert_temp(id, memory));
    changed
}

/// A form grid's label cell: the field's name (its accessible name: pass the response's id
/// to the field) and, for a required field, a red asterisk beside it.
pub fn form_label(ui: &mut egui::Ui, lang: Lang, text: &str, required: bool) -> egui::Response {
    ui.horizontal(|ui| {
        let label = ui.label(text);
        if required {
            ui.label(RichText::new("*").color(RED).strong())
                .on_hover_text(tr(lang, Key::Required));
        }
        label
    })
    .inner
}

/// A combo box in a form grid, named by the label cell `label` to its left.
pub fn form_combo<T: PartialEq + Copy>(
    ui: &mut egui::Ui,
    id_salt: &str,
    label: egui::Id,
    value: &mut T,
    choices: &[T],
    name: impl Fn(T) -> String,
) -> bool {
    let mut changed = false;
    egui::ComboBox::from_id_salt(id_salt)
        .selected_text(name(*value))
        .width(FORM_FIELD_WIDTH)
        .height(LIST_HEIGHT)
        .show_ui(ui, |ui| {
            for c in choices {
                changed |= ui.selectable_value(value, *c, name(*c)).changed();
            }
        })
        .response
        .labelled_by(label);
    changed
}

/// A combo box over text choices with a "none" entry, in a form grid.
pub fn form_optional_combo(
    ui: &mut egui::Ui,
    id_salt: &str,
    label: egui::Id,
    value: &mut Option<String>,
    none_text: &str,
    choices: &[String],
) -> bool {
    let mut changed = false;
    egui::ComboBox::from_id_salt(id_salt)
        .selected_text(value.clone().unwrap_or_else(|| none_text.to_owned()))
        .width(FORM_FIELD_WIDTH)
        .height(LIST_HEIGHT)
        .show_ui(ui, |ui| {
            changed |= ui.selectable_value(value, None, none_text).changed();
            for c in choices {
                changed |= ui
                    .selectable_value(value, Some(c.clone()), c.as_str())
                    .changed();
            }
        })
        .response
        .labelled_by(label);
    changed
}

/// The width of a form's one-line fields and lists.
pub const FORM_FIELD_WIDTH: f32 = 300.0;

fn month_grid(
    ui: &mut egui::Ui,
    lang: Lang,
    memory: &mut CalendarMemory,
    selected: NaiveDate,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let (year, month) = memory.month.unwrap_or((selected.year(), selected.month()));
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let mut picked = None;
    ui.horizontal(|ui| {
        if ui
            .small_button("〈")
            .on_hover_text(tr(lang, Key::CalPrevMonth))
            .accessible_name(tr(lang, Key::CalPrevMonth))
            .clicked()
        {
            let prev = first
                .checked_sub_months(chrono::Months::new(1))
                .unwrap_or(first);
            memory.month = Some((prev.year(), prev.month()));
        }
        ui.strong(trf(lang, Key::CalYearMonth, &[&year, &month]));
        if ui
            .small_button("〉")
            .on_hover_text(tr(lang, Key::CalNextMonth))
            .accessible_name(tr(lang, Key::CalNextMonth))
            .clicked()
        {
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(first);
            memory.month = Some((next.year(), next.month()));
        }
        if ui.small_button(tr(lang, Key::CalToday)).clicked() {
            picked = Some(today);
        }
    });
    let offset = first.weekday().num_days_from_monday();
    let days_in_month = first
        .checked_add_months(chrono::Months::new(1))
        .map(|n| (n - first).num_days())
        .unwrap_or(30);
    egui::Grid::new(("month-grid", year, month))
        .min_col_width(26.0)
        .show(ui, |ui| {
            for key in [
                Key::Mon,
                Key::Tue,
                Key::Wed,
                Key::Thu,
                Key::Fri,
                Key::Sat,
                Key::Sun,
            ] {
                ui.weak(tr(lang, key));
            }
            ui.end_row();
            for _ in 0..offset {
                ui.label("");
            }
            let mut column = offset;
            for day in 1..=days_in_month {
                let Some(date) = first.checked_add_days(chrono::Days::new(day as u64 - 1)) else {
                    continue;
                };
                let mut text = RichText::new(day.to_string());
                if date == today {
                    text = text.strong().underline();
                }
                if ui.selectable_label(date == selected, text).clicked() {
                    picked = Some(date);
                }
                column += 1;
                if column % 7 == 0 {
                    ui.end_row();
                }
            }
        });
    picked
}
