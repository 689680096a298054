//! Text bound for a spreadsheet. Excel (and LibreOffice, WPS) run a CSV cell that begins
//! with `=`, `+`, `-` or `@` as a formula — `=HYPERLINK(…)` from the public intake form
//! would become a live link in the office's export — and a leading tab or carriage return
//! can smuggle one past a check. Every cell the project writes for a spreadsheet goes
//! through [`spreadsheet_cell`], which neutralises such a cell by prefixing `'` (OWASP's
//! "CSV injection" advice): the cell shows as the text it was.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a spreadsheet shows it literally: prefixed with `'` when it would otherwise
/// start a formula, unchanged otherwise.
pub fn spreadsheet_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_text_is_not() {
        for formula in [
            "=HYPERLINK(\"http://example.invalid\",\"点击\")",
            "@SUM(A1:A9)",
            "+1+1",
            "-2+3",
            "\t=1+1",
            "\r=1+1",
        ] {
            assert_eq!(spreadsheet_cell(formula), format!("'{formula}"));
        }
        for text in ["宅基地纠纷", "2026-03-01", "A4K36-2026-00001", "", "a=b"] {
            assert_eq!(spreadsheet_cell(text), text);
        }
    }
}
