//! How `case list` and `case show` print for people (`--json` prints the records as they
//! are).

use std::io::Write;

use anyhow::Result;
use fengqiao_store::CaseRecord;

use crate::case::print_json;

/// The case list; with `clocks` (`--overdue`), each row also names its overdue clock.
pub(crate) fn print_list(
    cases: &[fengqiao_store::CaseSummary],
    limit: usize,
    json_out: bool,
    clocks: Option<&fengqiao_store::reports::ClockIndex>,
) -> Result<()> {
    let overdue_clock = |c: &fengqiao_store::CaseSummary| {
        clocks
            .and_then(|k| k.per_case.get(&c.id))
            .and_then(|f| f.next.as_ref())
    };
    if json_out {
        if clocks.is_none() {
            return print_json(&cases);
        }
        let rows: Vec<serde_json::Value> = cases
            .iter()
            .map(|c| {
                let mut row = serde_json::to_value(c)?;
                if let Some(o) = row.as_object_mut() {
                    o.insert("clock".into(), serde_json::to_value(overdue_clock(c))?);
                }
                Ok(row)
            })
            .collect::<Result<_, serde_json::Error>>()?;
        return print_json(&rows);
    }
    let mut out = crate::out::stdout();
    for c in cases.iter().take(limit) {
        let route = c.route.map(|r| r.zh()).unwrap_or("未分流");
        let clock = overdue_clock(c)
            .map(|l| format!("  {} 应于 {} {}", l.name, l.due, l.state))
            .unwrap_or_default();
        writeln!(
            out,
            "{}  {}  {}{}  {}  {}  {}  {}{clock}",
            c.number,
            c.received_on,
            c.township,
            c.village,
            c.petitioner,
            route,
            c.status,
            c.request
        )?;
    }
    writeln!(
        out,
        "共 {} 件{}",
        cases.len(),
        if cases.len() > limit {
            format!("（显示前 {limit} 件）")
        } else {
            String::new()
        }
    )?;
    Ok(())
}

pub(crate) fn print_case(r: &CaseRecord, clock_lines: &[String]) -> Result<()> {
    let mut out = crate::out::stdout();
    let c = &r.case;
    let g = &c.registration;
    writeln!(out, "案件 {}  [{}]  {}", c.number, r.status, c.id)?;
    if !c.source_number.is_empty() {
        writeln!(out, "原编号 {}（导入）", c.source_number)?;
    }
    writeln!(
        out,
        "收到 {}  渠道 {}  {}{}",
        g.received_on, g.channel, g.township, g.village
    )?;
    for p in g.petitioners.iter().chain(&g.representatives) {
        writeln!(
            out,
            "信访人 {}  {}  {}  {}",
            p.name,
            p.phone,
            p.masked_id_number(),
            p.address
        )?;
    }
    match r.kept_apart {
        Some(fengqiao_store::KeptApart::Withheld) => writeln!(
            out,
            "检举控告：检举人和内容依法另行保存，本机无权查看（第三十条第三款）"
        )?,
        Some(fengqiao_store::KeptApart::AwaitingHandover) => writeln!(
            out,
            "检举控告：以上检举人和内容仅存本机，下次与县信访局或县服务器同步时移交，移交后本机不再保留"
        )?,
        Some(fengqiao_store::KeptApart::Shown) | None => {}
    }
    writeln!(out, "诉求：{}", g.content.request)?;
    if !g.content.facts.is_empty() {
        writeln!(out, "事实：{}", g.content.facts)?;
    }
    writeln!(
        out,
        "途径：{}  受理单位：{}  责任单位：{}",
        g.route.map(|r| r.zh()).unwrap_or("未分流"),
        if g.received_by.is_empty() {
            "未登记"
        } else {
            &g.received_by
        },
        g.lead_unit
    )?;
    writeln!(out, "经过：")?;
    for e in &r.events {
        writeln!(out, "  {} {} {}", e.date, e.kind.zh(), e.remark)?;
    }
    if !r.unreadable.is_empty() {
        writeln!(out, "无法读取的记录（未计入上面的经过和下面的时限）：")?;
        for u in &r.unreadable {
            writeln!(out, "  {}", u.zh())?;
        }
    }
    writeln!(out, "时限：")?;
    for l in clock_lines {
        writeln!(out, "{l}")?;
    }
    if !r.notes.is_empty() {
        writeln!(out, "备注：")?;
        for n in &r.notes {
            writeln!(
                out,
                "  {} {}：{}",
                n.written_at.format("%Y-%m-%d %H:%M"),
                n.author_name,
                n.text
            )?;
        }
    }
    let live: Vec<_> = r.attachments.iter().filter(|a| a.is_live()).collect();
    if !live.is_empty() {
        writeln!(out, "附件（`fengqiao attachments` 列出全部）：")?;
        for a in live {
            writeln!(
                out,
                "  {} {}（{}）{}",
                a.on.label(),
                a.file_name,
                fengqiao_store::human_bytes(a.size),
                a.caption
            )?;
        }
    }
    for conflict in &r.conflicts {
        writeln!(out, "冲突 {}：", conflict.field)?;
        for (i, v) in conflict.values.iter().enumerate() {
            writeln!(
                out,
                "  [{}] {}  —— {} / {} / {}",
                i + 1,
                v.value,
                v.person_name.as_deref().unwrap_or("?"),
                v.device.as_deref().unwrap_or("?"),
                v.written_at
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default()
            )?;
        }
    }
    if let Some(m) = &r.merged_into {
        writeln!(
            out,
            "已并入 {}（{}，{}，理由：{}）",
            m.survivor_number,
            m.decided.by_name,
            m.decided.at.format("%Y-%m-%d %H:%M"),
            m.decided.reason
        )?;
    }
    for m in &r.merged_from {
        writeln!(
            out,
            "并入了 {}：其事件和备注已列在上面（{}，{}，理由：{}）",
            m.absorbed_number,
            m.decided.by_name,
            m.decided.at.format("%Y-%m-%d %H:%M"),
            m.decided.reason
        )?;
    }
    for res in &r.resolutions {
        writeln!(
            out,
            "已裁决 {}：选定 {}（{}，{}，理由：{}）",
            res.field,
            res.chosen,
            res.resolved_by_name,
            res.resolved_at.format("%Y-%m-%d %H:%M"),
            res.reason
        )?;
    }
    Ok(())
}
