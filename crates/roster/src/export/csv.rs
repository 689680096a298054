//! CSV for Excel users in China: UTF-8 with a byte-order mark (without it Excel reads the
//! file as GBK and shows mojibake), CRLF line ends, Chinese headers.

use fengqiao_model::spreadsheet_cell;

use crate::view::SlotRow;

/// The header row.
pub const HEADERS: [&str; 13] = [
    "日期",
    "星期",
    "开始时间",
    "结束时间",
    "接访领导",
    "职务",
    "级别",
    "代为接访",
    "接访地点",
    "乡镇（街道）",
    "类型",
    "状态",
    "编号",
];

/// Quotes a field when it holds a comma, quote or line break (RFC 4180), after
/// neutralising a leading formula character (see [`spreadsheet_cell`]).
fn field(text: &str) -> String {
    let text = spreadsheet_cell(text);
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

/// The rows as CSV text, starting with the BOM.
pub fn to_csv(rows: &[SlotRow]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADERS.join(","));
    out.push_str("\r\n");
    for row in rows {
        let date = if row.through == row.date {
            row.date.to_string()
        } else {
            format!("{}至{}", row.date, row.through)
        };
        let cells = [
            date,
            row.weekday.to_owned(),
            row.start.clone(),
            row.end.clone(),
            row.leader.clone(),
            row.title.clone(),
            row.level_zh.to_owned(),
            row.deputy.clone().unwrap_or_default(),
            row.place.clone(),
            row.township.clone().unwrap_or_default(),
            row.slot_type.clone(),
            row.state.zh().to_owned(),
            row.id.to_string(),
        ];
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(field("信访局"), "信访局");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn formulas_from_a_form_stay_text() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("@SUM(A1:A2)"), "'@SUM(A1:A2)");
        assert_eq!(field("-1"), "'-1");
    }

    #[test]
    fn starts_with_bom_and_uses_crlf() {
        let text = to_csv(&[]);
        assert!(text.starts_with('\u{feff}'));
        assert!(text.ends_with("\r\n"));
    }
}
