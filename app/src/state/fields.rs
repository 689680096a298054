//! Which form field a validation error is about.

use fengqiao_model::FieldError;

/// The field a validation error is about, as the form names its fields.
pub fn error_field(e: &FieldError) -> &'static str {
    match e {
        FieldError::Required { field }
        | FieldError::BadPhone { field, .. }
        | FieldError::TooLong { field, .. }
        | FieldError::BadDate { field, .. } => field,
        FieldError::TooManyRepresentatives { .. } => "representatives",
        FieldError::HeadCountTooSmall { .. } => "head_count",
        FieldError::UnknownTownship { .. } => "township",
    }
}
