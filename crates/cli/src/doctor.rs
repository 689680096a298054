//! `doctor`: does every document load; sizes, change counts, damaged records, missing
//! changes, quarantined files, and a damaged directory (which `doctor` reports rather
//! than refuses).

use anyhow::{Result, bail};
use fengqiao_store::Store;

use crate::case::print_json;

pub fn doctor(store: &Store, json_out: bool) -> Result<()> {
    let report = store.doctor()?;
    let directory = store.directory_damage()?;
    // Lost documents and documents nothing of which loads, as every read names them.
    let gaps = store.gaps()?;
    if json_out {
        let mut value = serde_json::to_value(&report)?;
        if let Some(o) = value.as_object_mut() {
            o.insert("directory_damage".into(), serde_json::to_value(&directory)?);
            o.insert("gaps".into(), serde_json::to_value(&gaps)?);
        }
        print_json(&value)?;
    } else {
        for d in report.documents.iter().filter(|d| d.for_this_device) {
            outln!(
                "{:<28} {} 记录 {:>6}  变更 {:>6}  操作 {:>8}  文件 {:>4}  {:>10} 字节{}",
                d.name,
                match (d.loaded, d.files) {
                    (true, _) => "正常",
                    // Listed in the catalogue, not received yet: the next sync brings it.
                    (false, 0) => "尚未收到",
                    (false, _) => "无法加载",
                },
                d.records,
                d.changes,
                d.operations,
                d.files,
                d.bytes_on_disk,
                if d.damaged_records.is_empty() {
                    String::new()
                } else {
                    format!("  损坏记录 {}", d.damaged_records.len())
                }
            );
            for r in &d.damaged_records {
                outln!("  {} 无法读取：{r}", d.name);
            }
            if !d.missing_changes.is_empty() {
                outln!(
                    "  {} 哈希链断裂：缺少 {} 个被依赖的变更（{}），依赖它们的内容无法读出",
                    d.name,
                    d.missing_changes.len(),
                    d.missing_changes.join("、")
                );
            }
        }
        let elsewhere = report
            .documents
            .iter()
            .filter(|d| !d.for_this_device)
            .count();
        if elsewhere > 0 {
            outln!(
                "另有 {elsewhere} 个文档不属于本机的工作范围（其他乡镇的），本机不持有，不在检查之列"
            );
        }
        for p in &report.problems {
            outln!(
                "已隔离损坏文件：{} → {}（{}）",
                p.document,
                p.quarantined_to,
                p.reason
            );
        }
        let a = &report.attachments;
        if a.whole + a.awaiting + a.damaged.len() > 0 {
            outln!(
                "附件 {} 件完好（{}）{}",
                a.whole,
                fengqiao_store::human_bytes(a.bytes),
                if a.awaiting > 0 {
                    format!("，{} 件待下次同步送达", a.awaiting)
                } else {
                    String::new()
                }
            );
        }
        let outbox = store.pending_handover()?;
        let waiting = outbox.parts.len();
        for (file, why) in &outbox.unreadable {
            outln!(
                "待移交的检举材料文件 {} 无法读取，原文件保留未动，请联系县信访局：{why}",
                file.display()
            );
        }
        if waiting > 0 {
            outln!(
                "{waiting} 件检举材料待移交县信访局（下次与县服务器或有保密授权的设备同步时移交，移交后本机不再保留）"
            );
        }
        for (hash, why) in &a.damaged {
            outln!("附件 {hash} 已损坏，已隔离，下次同步重新取回：{why}");
        }
        if let Some(f) = &report.storage_failure {
            outln!("存储写入失败：{f}");
        }
        if let Some(damage) = &directory {
            outln!("{damage}");
        }
        for gap in &gaps {
            outln!("{}", gap.zh());
        }
    }
    let healthy = report.problems.is_empty()
        && report.attachments.damaged.is_empty()
        && report.storage_failure.is_none()
        && directory.is_none()
        && gaps.is_empty()
        // Documents this device does not hold by its rights are not its to check.
        && report.documents.iter().filter(|d| d.for_this_device).all(|d| {
            (d.loaded || d.files == 0)
                && d.damaged_records.is_empty()
                && d.missing_changes.is_empty()
        });
    if healthy && !json_out {
        outln!("数据检查通过");
    }
    if !healthy {
        bail!("数据检查发现问题（见上）");
    }
    Ok(())
}
