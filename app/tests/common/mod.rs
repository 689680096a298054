//! Helpers the UI tests share: acting on the screen as a user would.

pub mod app;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// Scrolls the button into view and clicks it once it has stopped moving (scrolling is
/// animated; a click during the animation lands on whatever slides under the pointer).
pub fn click_button<S>(h: &mut Harness<'_, S>, label: &str) {
    h.get_by_role_and_label(Role::Button, label).scroll_to_me();
    h.run_steps(2);
    let mut last = h.get_by_role_and_label(Role::Button, label).rect();
    let mut still = 0;
    for _ in 0..240 {
        h.step();
        let now = h.get_by_role_and_label(Role::Button, label).rect();
        still = if now == last { still + 1 } else { 0 };
        if still == 3 {
            break;
        }
        last = now;
    }
    h.get_by_role_and_label(Role::Button, label).click();
    h.run_steps(2);
}

/// Focuses the text field labelled `label` (single or multi-line) and types `text`.
pub fn type_into<S>(h: &mut Harness<'_, S>, label: &str, text: &str) {
    let field = h
        .query_by_role_and_label(Role::TextInput, label)
        .unwrap_or_else(|| h.get_by_role_and_label(Role::MultilineTextInput, label));
    field.focus();
    field.type_text(text);
    h.run_steps(2);
}
