//! The printable briefing pack (接访准备材料): one A4 section per reception, with the
//! reception, the attending unit heads, and each booked visitor with their case, clocks
//! and history. Plain HTML with print CSS, so any browser prints it or saves it as PDF.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use super::notice::escape;
use crate::briefing::Briefing;

const STYLE: &str = r#"
  body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; margin: 2em auto; max-width: 60em; color: #000; line-height: 1.6; }
  h1 { text-align: center; font-size: 20pt; font-family: "SimHei", "Heiti SC", "Noto Sans CJK SC", sans-serif; margin-bottom: 0.2em; }
  p.meta { text-align: center; margin-top: 0; }
  h2 { font-size: 14pt; margin: 1.2em 0 0.4em; border-bottom: 1px solid #000; }
  h3 { font-size: 12.5pt; margin: 1em 0 0.3em; }
  table { width: 100%; border-collapse: collapse; font-size: 11pt; margin: 0.3em 0; }
  th, td { border: 1px solid #000; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
  th { background: #eee; }
  .overdue { color: #b00; font-weight: bold; }
  .note { color: #b00; }
  section.visitor { page-break-inside: avoid; break-inside: avoid; }
  section.reception + section.reception { page-break-before: always; break-before: page; }
  @page { size: A4; margin: 2cm 1.8cm; }
  @media print {
    body { margin: 0; max-width: none; }
    th { background: none; }
    thead { display: table-header-group; }
    tr { page-break-inside: avoid; break-inside: avoid; }
  }
"#;

fn zh_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// The briefing packs as one printable HTML document.
pub fn to_html(briefings: &[Briefing]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<title>领导接访准备材料</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    if briefings.is_empty() {
        out.push_str(
            "<h1>领导接访准备材料</h1>\n<p class=\"meta\">当日没有该领导的接访安排。</p>\n",
        );
    }
    for b in briefings {
        section(&mut out, b);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn section(out: &mut String, b: &Briefing) {
    let s = &b.slot;
    let e = escape;
    // `write!` to a String cannot fail.
    let _ = write!(
        out,
        "<section class=\"reception\">\n<h1>领导接访准备材料</h1>\n<p class=\"meta\">{}（{}） {} {}–{} · {} · 接访领导：{}{}</p>\n<p class=\"meta\">准备日期：{} · 预约 {} 人</p>\n",
        zh_date(s.date),
        s.weekday,
        e(&s.slot_type),
        s.start,
        s.end,
        e(&s.place),
        e(&s.leader),
        if s.title.is_empty() {
            String::new()
        } else {
            format!("（{}）", e(&s.title))
        },
        zh_date(b.prepared_on),
        b.visitors.len(),
    );
    if let Some(deputy) = &s.deputy {
        let _ = writeln!(out, "<p class=\"meta\">代为接访：{}</p>", e(deputy));
    }
    out.push_str("<h2>联合接访：请以下单位负责人到场</h2>\n");
    if b.attendees.is_empty() {
        out.push_str("<p>预约事项未涉及责任单位。</p>\n");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th>单位</th><th>负责人</th><th>职务</th><th>涉及案件</th></tr></thead>\n<tbody>\n",
        );
        for a in &b.attendees {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&a.unit),
                a.head
                    .as_deref()
                    .map_or_else(|| "<span class=\"note\">未登记</span>".into(), e),
                e(&a.title),
                e(&a.cases.join("、")),
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    for note in &b.notes {
        let _ = writeln!(out, "<p class=\"note\">※ {}</p>", e(note));
    }
    out.push_str("<h2>预约来访人</h2>\n");
    if b.visitors.is_empty() {
        out.push_str("<p>暂无预约。</p>\n");
    }
    for (i, v) in b.visitors.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"visitor\">\n<h3>{}. {}{}</h3>",
            i + 1,
            e(&v.petitioner),
            if v.phone.is_empty() {
                String::new()
            } else {
                format!(" · {}", e(&v.phone))
            }
        );
        if !v.note.is_empty() {
            let _ = writeln!(out, "<p>预约说明：{}</p>", e(&v.note));
        }
        let Some(c) = &v.case else {
            out.push_str("<p>未关联已登记的信访事项。</p>\n</section>\n");
            continue;
        };
        let _ = writeln!(
            out,
            "<table>\n<tbody>\n<tr><th>案件编号</th><td>{}</td><th>登记日期</th><td>{}</td></tr>\n<tr><th>地点</th><td>{} {}</td><th>状态</th><td>{} · {}</td></tr>\n<tr><th>责任单位</th><td>{}</td><th>承办人</th><td>{}</td></tr>\n<tr><th>诉求</th><td colspan=\"3\">{}</td></tr>\n<tr><th>事实</th><td colspan=\"3\">{}</td></tr>\n</tbody>\n</table>",
            e(&c.number),
            c.received_on,
            e(&c.township),
            e(&c.village),
            e(&c.status),
            e(&c.route),
            e(&std::iter::once(c.lead_unit.clone())
                .chain(c.co_units.iter().cloned())
                .filter(|u| !u.is_empty())
                .collect::<Vec<_>>()
                .join("、")),
            e(&c.handler),
            e(&c.request),
            e(&c.facts),
        );
        if !c.clocks.is_empty() {
            out.push_str("<table>\n<thead><tr><th>期限</th><th>到期日</th><th>情况</th></tr></thead>\n<tbody>\n");
            for k in &c.clocks {
                let class = if k.overdue { " class=\"overdue\"" } else { "" };
                let _ = writeln!(
                    out,
                    "<tr{class}><td>{}</td><td>{}</td><td>{}</td></tr>",
                    e(&k.name),
                    k.due,
                    e(&k.state)
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        for w in &c.warnings {
            let _ = writeln!(out, "<p class=\"overdue\">! {}</p>", e(w));
        }
        out.push_str("<table>\n<thead><tr><th>日期</th><th>办理经过</th><th>内容</th></tr></thead>\n<tbody>\n");
        for h in &c.history {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                h.date,
                e(&h.what),
                e(&h.detail)
            );
        }
        out.push_str("</tbody>\n</table>\n");
        if !c.earlier.is_empty() {
            out.push_str("<p>该信访人的其他事项：</p>\n<ul>\n");
            for x in &c.earlier {
                let _ = writeln!(out, "<li>{}</li>", e(x));
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</section>\n");
    }
    out.push_str("</section>\n");
}
