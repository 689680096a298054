//! The field-visit view's state.

use std::sync::Arc;

/// The field-visit view's forms.
#[derive(Debug, Clone)]
pub struct VisitsState {
    pub visits: Arc<Vec<fengqiao_model::FieldVisit>>,
    /// The visit being edited (a copy; saved with 保存).
    pub editing: Option<fengqiao_model::FieldVisit>,
    pub link_number: String,
    pub link_error: Option<String>,
    pub staff_text: String,
}
