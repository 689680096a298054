//! The printable public notice (公示): title, period, a table of date, leader, title,
//! place and hours, and the office's signature block. Plain HTML with print CSS (A4, the
//! table header repeats on every page, rows never split), so any browser prints it.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use crate::period::Period;
use crate::rules::RosterRules;
use crate::state::{SlotKind, SlotState};
use crate::view::SlotRow;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn zh_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

const STYLE: &str = r#"
  body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; margin: 2em auto; max-width: 60em; color: #000; }
  h1 { text-align: center; font-size: 22pt; font-family: "SimHei", "Heiti SC", "Noto Sans CJK SC", sans-serif; margin-bottom: 0.2em; }
  p.period { text-align: center; font-size: 13pt; margin-top: 0; }
  p.draft { text-align: center; color: #b00; font-weight: bold; }
  h2 { font-size: 14pt; margin: 1.2em 0 0.4em; }
  table { width: 100%; border-collapse: collapse; font-size: 12pt; }
  th, td { border: 1px solid #000; padding: 0.35em 0.5em; text-align: center; }
  th { background: #eee; }
  p.intro, p.contact { text-indent: 2em; line-height: 1.8; }
  .signature { margin-top: 3em; text-align: right; line-height: 2; }
  @page { size: A4; margin: 2cm 1.8cm; }
  @media print {
    body { margin: 0; max-width: none; }
    th { background: none; }
    thead { display: table-header-group; }
    tr { page-break-inside: avoid; break-inside: avoid; }
    h2 { page-break-after: avoid; break-after: avoid; }
  }
"#;

/// The notice for `rows` over `period`, dated `issued_on`, signed by the rules' office.
pub fn to_html(
    rules: &RosterRules,
    rows: &[SlotRow],
    period: Period,
    issued_on: NaiveDate,
) -> String {
    let title = format!("{}领导干部接访安排公示", rules.name);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"period\">（{}）</p>\n",
        escape(&title),
        escape(&title),
        escape(&period.to_string()),
    );
    if rows.iter().any(|r| r.state == SlotState::Draft) {
        html.push_str("<p class=\"draft\">草稿，未正式公布</p>\n");
    }
    let _ = writeln!(
        html,
        "<p class=\"intro\">根据《信访工作条例》第十八条，现将{}领导干部接待群众来访安排公布如下。群众可按公布的时间、地点反映诉求。</p>",
        escape(&rules.name)
    );
    // One table per slot type, in the order of the rules file (city leaders before
    // townships before on-call in Ningguo's), each table by date.
    let rule_order = |rule: &str| {
        rules
            .rules
            .iter()
            .position(|r| r.id() == rule)
            .unwrap_or(usize::MAX)
    };
    let mut sections: BTreeMap<&str, (usize, Vec<&SlotRow>)> = BTreeMap::new();
    for row in rows {
        let section = sections
            .entry(row.slot_type.as_str())
            .or_insert((usize::MAX, Vec::new()));
        section.0 = section.0.min(rule_order(&row.rule));
        section.1.push(row);
    }
    let mut sections: Vec<(&str, Vec<&SlotRow>)> = {
        let mut ordered: Vec<_> = sections.into_iter().collect();
        ordered.sort_by_key(|(name, (order, _))| (*order, *name));
        ordered
            .into_iter()
            .map(|(name, (_, rows))| (name, rows))
            .collect()
    };
    for (_, section) in &mut sections {
        section.sort_by_key(|r| (r.date, r.township.clone()));
    }
    for (name, section) in &sections {
        let _ = writeln!(html, "<h2>{}</h2>", escape(name));
        html.push_str("<table>\n<thead><tr><th>日期</th><th>接访领导</th><th>职务</th><th>接访地点</th><th>接访时间</th></tr></thead>\n<tbody>\n");
        for row in section {
            let date = match row.kind {
                SlotKind::Reception => format!("{}（{}）", zh_date(row.date), row.weekday),
                SlotKind::OnCall => format!("{}至{}", zh_date(row.date), zh_date(row.through)),
            };
            let hours = match row.kind {
                SlotKind::Reception => format!("{}—{}", row.start, row.end),
                SlotKind::OnCall => "特殊情况随时接访".to_owned(),
            };
            let leader = match &row.deputy {
                Some(deputy) => format!("{}（由{}代为接访）", row.leader, deputy),
                None => row.leader.clone(),
            };
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&date),
                escape(&leader),
                escape(&row.title),
                escape(&row.place),
                escape(&hours),
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    if rows.is_empty() {
        html.push_str("<p class=\"intro\">本期无接访安排。</p>\n");
    }
    let _ = write!(
        html,
        "<div class=\"signature\"><div>{}</div><div>{}</div></div>\n</body>\n</html>\n",
        escape(&rules.office),
        escape(&zh_date(issued_on)),
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
