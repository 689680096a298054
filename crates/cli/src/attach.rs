//! Attachments (附件): `attach` a file to a case, an event or a note; list a case's
//! `attachments`; `attachment get` the bytes, `withdraw`, `sweep`, and the county's
//! `limits`. The bytes stay in the data directory's blob store; a sync brings them to the
//! devices that may read the case.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use fengqiao_model::{AttachedTo, AttachmentId, EventId, NoteId};
use fengqiao_store::blobs::BlobHash;
use fengqiao_store::{AttachmentLimits, AttachmentView, Store, human_bytes};

use crate::case::print_json;

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The case (number or id).
    pub case: String,
    /// The file: a photo, scan, PDF, recording or office document.
    #[arg(value_parser = crate::out::user_path)]
    pub file: PathBuf,
    /// A caption, e.g. "信访人递交的书面来信".
    #[arg(long, default_value = "")]
    pub caption: String,
    /// Attach to this event of the case (its id, from `case show --json`).
    #[arg(long, conflicts_with = "note")]
    pub event: Option<EventId>,
    /// Attach to this note of the case.
    #[arg(long)]
    pub note: Option<NoteId>,
}

#[derive(Debug, Args)]
pub struct AttachmentsArgs {
    /// The case (number or id).
    pub case: String,
}

#[derive(Debug, Subcommand)]
pub enum AttachmentCommand {
    /// Write an attachment's bytes to a file.
    Get {
        /// The attachment's hash (from `attachments CASE`).
        hash: BlobHash,
        #[arg(long, value_parser = crate::out::user_path)]
        out: PathBuf,
    },
    /// Withdraw an attachment: recorded with who, when and why; the record stays.
    Withdraw {
        case: String,
        attachment: AttachmentId,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Remove the bytes no live attachment on this laptop refers to any more.
    Sweep,
    /// The county's limits; with options, set them (county office).
    Limits {
        /// The largest file that may be attached, in MB.
        #[arg(long)]
        max_file_mb: Option<u64>,
        /// Warn a laptop whose attachments pass this many MB.
        #[arg(long)]
        quota_mb: Option<u64>,
    },
}

const MB: u64 = 1024 * 1024;

pub fn attach(store: &Store, args: &AttachArgs, json: bool) -> Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("无法读取文件 {}", args.file.display()))?;
    let on = match (args.event, args.note) {
        (Some(e), _) => AttachedTo::Event(e),
        (_, Some(n)) => AttachedTo::Note(n),
        _ => AttachedTo::Case,
    };
    let name = args.file.to_string_lossy();
    let attached = store.attach(&args.case, on, &name, &bytes, &args.caption)?;
    if let Some(warning) = &attached.over_quota {
        errln!("警告：{warning}");
    }
    if json {
        return print_json(&attached);
    }
    let a = &attached.attachment;
    outln!(
        "已附上 {}（{}，{}）到案件 {} 的{}",
        a.file_name,
        a.media_type,
        human_bytes(a.size),
        args.case,
        a.on.label()
    );
    outln!("哈希 {}", a.hash);
    Ok(())
}

pub fn list(store: &Store, args: &AttachmentsArgs, json: bool) -> Result<()> {
    let views = store.attachments(&args.case)?;
    if json {
        return print_json(&views);
    }
    if views.is_empty() {
        outln!("案件 {} 没有附件", args.case);
    }
    for v in &views {
        outln!("{}", line(v));
    }
    Ok(())
}

fn line(v: &AttachmentView) -> String {
    let a = &v.attachment;
    let mut s = format!(
        "{}  {}  {}  {}  {}  {} {}",
        a.id,
        a.on.label(),
        a.file_name,
        human_bytes(a.size),
        if v.present {
            "在本机"
        } else {
            "在县服务器（下次同步送达）"
        },
        a.attached_by_name,
        a.attached_at.format("%Y-%m-%d %H:%M"),
    );
    if !a.caption.is_empty() {
        s.push_str(&format!("  “{}”", a.caption));
    }
    if let Some(w) = &a.withdrawn {
        s.push_str(&format!(
            "  [已撤回：{} {} {}]",
            w.by_name,
            w.at.format("%Y-%m-%d"),
            w.reason
        ));
    }
    s.push_str(&format!("\n    哈希 {}", a.hash));
    s
}

pub fn run_attachment(store: &Store, cmd: &AttachmentCommand, json: bool) -> Result<()> {
    match cmd {
        AttachmentCommand::Get { hash, out } => {
            let Some(bytes) = store.attachment_bytes(hash)? else {
                bail!("附件 {hash} 的内容尚未到达本机：同步后再取 (not here yet)");
            };
            std::fs::write(out, &bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            if json {
                return print_json(&serde_json::json!({
                    "hash": hash.to_string(), "bytes": bytes.len(), "out": out
                }));
            }
            outln!(
                "已写出 {}（{}）",
                out.display(),
                human_bytes(bytes.len() as u64)
            );
            Ok(())
        }
        AttachmentCommand::Withdraw {
            case,
            attachment,
            reason,
        } => {
            let a = store.withdraw_attachment(case, *attachment, reason)?;
            if json {
                return print_json(&a);
            }
            outln!("已撤回附件 {}（{}）", a.file_name, a.id);
            Ok(())
        }
        AttachmentCommand::Sweep => {
            let sweep = store.sweep_blobs()?;
            if json {
                return print_json(&sweep);
            }
            outln!(
                "清理了 {} 个不再被引用的附件，释放 {}",
                sweep.removed.len(),
                human_bytes(sweep.freed_bytes)
            );
            Ok(())
        }
        AttachmentCommand::Limits {
            max_file_mb,
            quota_mb,
        } => {
            let mut limits = store.attachment_limits()?;
            if max_file_mb.is_some() || quota_mb.is_some() {
                if let Some(n) = max_file_mb {
                    limits.max_file_bytes = positive(*n, "--max-file-mb")? * MB;
                }
                if let Some(n) = quota_mb {
                    limits.quota_bytes = positive(*n, "--quota-mb")? * MB;
                }
                store.put_attachment_limits(limits)?;
            }
            let used = store.blobs().total_bytes()?;
            if json {
                return print_json(&serde_json::json!({
                    "limits": limits, "used_bytes": used,
                }));
            }
            print_limits(&limits, used)
        }
    }
}

fn positive(n: u64, flag: &str) -> Result<u64> {
    if n == 0 {
        bail!("{flag} 应大于 0");
    }
    Ok(n)
}

fn print_limits(limits: &AttachmentLimits, used: u64) -> Result<()> {
    outln!("单个附件上限：{}", human_bytes(limits.max_file_bytes));
    outln!(
        "本机附件：{}（提醒线 {}）",
        human_bytes(used),
        human_bytes(limits.quota_bytes)
    );
    Ok(())
}
