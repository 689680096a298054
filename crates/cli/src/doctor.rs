//! `doctor`: does every document load; sizes, change counts, damaged records, missing
//! changes, quarantined files, and a damaged directory (which `doctor` reports rather
//! than refuses).

use std::path::Path;

use anyhow::{Result, bail};

use crate::case::{open_damaged, print_json};

pub fn doctor(data_dir: &Path, json_out: bool) -> Result<()> {
    let store = open_damaged(data_dir)?;
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
        for d in &report.documents {
            outln!(
                "{:<28} {} 记录 {:>6}  变更 {:>6}  操作 {:>8}  文件 {:>4}  {:>10} 字节{}",
                d.name,
                match (d.loaded, d.files) {
                    (true, _) => "正常",
                    // Listed in the catalogue, never received here (or not this
                    // device's to read): not damage.
                    (false, 0) => "不在本机",
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
        for p in &report.problems {
            outln!(
                "已隔离损坏文件：{} → {}（{}）",
                p.document,
                p.quarantined_to,
                p.reason
            );
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
        && report.storage_failure.is_none()
        && directory.is_none()
        && gaps.is_empty()
        && report.documents.iter().all(|d| {
            (d.loaded || d.files == 0)
                && d.damaged_records.is_empty()
                && d.missing_changes.is_empty()
        });
    store.close();
    if !healthy {
        bail!("数据检查发现问题（见上）");
    }
    Ok(())
}
