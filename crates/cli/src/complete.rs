//! Is the answer complete? A read that could not see a damaged, quarantined or partly
//! missing document still prints what it could, then names on standard error each
//! document it left out and why, and fails the command (exit 2): "结果不完整".

use anyhow::{Result, bail};
use fengqiao_store::{DocumentGap, Store, UnreadableRecord};

/// Which documents a command's answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Case documents (lists, exports, conflicts, duplicates, history).
    Cases,
    /// The intake queue's documents.
    Intake,
    /// The reception roster's documents.
    Roster,
}

fn relevant(gap: &DocumentGap, reads: Reads) -> bool {
    match reads {
        Reads::Cases => gap.may_hold_cases(),
        Reads::Intake => gap
            .name
            .as_ref()
            .is_none_or(|n| matches!(n, fengqiao_store::DocName::Intake { .. })),
        Reads::Roster => gap
            .name
            .as_ref()
            .is_none_or(|n| matches!(n, fengqiao_store::DocName::Roster { .. })),
    }
}

/// The gaps that touch a command reading `reads`.
pub fn gaps(store: &Store, reads: Reads) -> Result<Vec<DocumentGap>> {
    Ok(store
        .gaps()?
        .into_iter()
        .filter(|g| relevant(g, reads))
        .collect())
}

/// Ends a read whose output was `printed`: when documents were left out, names them and
/// fails even if printing failed (a closed pipe, `| head`, must not hide the damage);
/// otherwise the printing's own outcome.
pub fn after(store: &Store, reads: Reads, printed: Result<()>) -> Result<()> {
    let gaps = gaps(store, reads)?;
    if gaps.is_empty() {
        printed
    } else {
        fail_on(&gaps)
    }
}

/// Names each gap on standard error and fails when there is one.
pub fn fail_on(gaps: &[DocumentGap]) -> Result<()> {
    if gaps.is_empty() {
        return Ok(());
    }
    for g in gaps {
        errln!("警告：{}", g.zh());
    }
    bail!(
        "结果不完整：{} 个文档已损坏或缺少变更，其中的内容未包括在上面的结果中；用 fengqiao doctor 查看，用 fengqiao repair 从县服务器或其他设备恢复",
        gaps.len()
    )
}

/// Names on standard error each record of a case this version could not read (a newer
/// version's, or damaged) and fails when there is one: the case was shown without them.
pub fn fail_on_unreadable(records: &[UnreadableRecord]) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    for u in records {
        errln!("警告：{}", u.zh());
    }
    bail!(
        "结果不完整：本案有 {} 条记录本机无法读取（由较新版本记录或已损坏），未计入上面的经过和时限；较新版本记录的请升级本机的枫桥，已损坏的用 fengqiao doctor 查看",
        records.len()
    )
}
