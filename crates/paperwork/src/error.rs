//! What can go wrong filling and typesetting a document; messages Chinese first.

/// A field a document needs and does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingField {
    /// The field key (`reason`, `petitioner_address`…).
    pub key: String,
    /// What it is, in Chinese.
    pub label: String,
}

impl std::fmt::Display for MissingField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}（{}）", self.label, self.key)
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// Errors of the paperwork crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PaperError {
    #[error("“{0}” 不是文书种类；可选：{choices} (unknown document kind)", choices = crate::kind::DocKind::ALL.map(|k| k.code()).join("、"))]
    UnknownKind(String),
    #[error("{kind}缺少：{} (missing fields)", list(.missing))]
    Missing {
        kind: &'static str,
        missing: Vec<MissingField>,
    },
    #[error("字段 {field} 的值“{value}”无效：{why} (bad field value)")]
    BadField {
        field: String,
        value: String,
        why: String,
    },
    #[error("文书模板 {key} 有误：{why} (bad template)")]
    BadTemplate { key: String, why: String },
    #[error("字体 {font} 无法使用：{why} (unusable font)")]
    BadFont { font: String, why: String },
    #[error("字体缺少这些字：{chars}；请在文书设置中指定包含它们的字体 (glyphs missing)")]
    MissingGlyphs { chars: String },
    #[error("PDF 生成失败：{0} (PDF writing failed)")]
    Pdf(String),
}
