//! `fengqiao bundle …`: sync by file (USB stick) when there is no network at all.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use fengqiao_sync::bundle;

use fengqiao_store::Store;

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write what this laptop has into one signed file, encrypted for every enrolled device
    /// of the county (only what a peer lacks, with --since; only for that peer, with --for).
    Export {
        #[arg(value_parser = crate::out::user_path)]
        out: PathBuf,
        /// The peer's state file (`fengqiao bundle state` on the peer).
        #[arg(long, value_parser = crate::out::user_path)]
        since: Option<PathBuf>,
        /// A peer this laptop has synced with over the network (its name or id): only
        /// what it lacked at the end of that round, and only documents it may hold.
        #[arg(long = "for", conflicts_with = "since")]
        for_peer: Option<String>,
    },
    /// Verify a bundle completely (signature, signer enrolled here, sealed for this laptop),
    /// then merge what its signer may write. A damaged, forged or foreign file changes nothing.
    Import {
        #[arg(value_parser = crate::out::user_path)]
        file: PathBuf,
    },
    /// Record what this laptop already has, for the sending laptop's `export --since`.
    State {
        #[arg(value_parser = crate::out::user_path)]
        out: PathBuf,
    },
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("写入 {}", path.display()))
}

pub fn run_bundle(store: &Store, cmd: &BundleCommand, json: bool) -> Result<()> {
    match cmd {
        BundleCommand::Export {
            out,
            since,
            for_peer,
        } => {
            let (peer, to) = match (since, for_peer) {
                (_, Some(peer)) => {
                    let state = bundle::remembered_state(store, peer)?;
                    let to = bundle::Recipients::Device(state.device.clone());
                    (Some(state), to)
                }
                (Some(p), None) => {
                    let text = std::fs::read_to_string(p)
                        .with_context(|| format!("读取 {}", p.display()))?;
                    let state = serde_json::from_str::<bundle::PeerState>(&text)
                        .with_context(|| format!("{} 不是同步状态文件", p.display()))?;
                    (Some(state), bundle::Recipients::County)
                }
                (None, None) => (None, bundle::Recipients::County),
            };
            let exported = bundle::export_to(store, peer.as_ref(), &to)?;
            write(out, &exported.bytes)?;
            if json {
                outln!(
                    "{}",
                    serde_json::json!({
                        "file": out,
                        "bytes": exported.bytes.len(),
                        "documents": exported.documents,
                        "recipients": exported.recipients,
                    })
                );
            } else {
                outln!(
                    "已写入同步包 {}（{} 个文档，{} 字节；已签名，加密给 {} 台设备）",
                    out.display(),
                    exported.documents.len(),
                    exported.bytes.len(),
                    exported.recipients.len()
                );
            }
            Ok(())
        }
        BundleCommand::Import { file } => {
            let bytes = std::fs::read(file).with_context(|| format!("读取 {}", file.display()))?;
            let report = bundle::import(store, &bytes)
                .with_context(|| format!("同步包 {} 未导入", file.display()))?;
            if json {
                outln!("{}", serde_json::to_string(&report)?);
            } else {
                outln!("{}", import_summary(&report));
                for skipped in &report.skipped {
                    outln!("  跳过 {}：{}", skipped.document, skipped.reason);
                }
                for refused in &report.refused {
                    for reason in &refused.reasons {
                        outln!("  拒收 {} 的一项改动：{reason}", refused.document);
                    }
                }
            }
            Ok(())
        }
        BundleCommand::State { out } => {
            let state = bundle::peer_state(store)?;
            write(out, &serde_json::to_vec_pretty(&state)?)?;
            if !json {
                outln!(
                    "已记录本机状态：{}（{} 个文档）",
                    out.display(),
                    state.documents.len()
                );
            }
            Ok(())
        }
    }
}

/// "已导入来自 X（设备 id 前10位）的 N 个文档；跳过 …；拒收 …"
fn import_summary(report: &bundle::ImportReport) -> String {
    let short: String = report.from_device.chars().take(10).collect();
    let mut line = format!(
        "已导入来自 {}（{short}）的 {} 个文档（{} 字节）",
        report.from_device_name, report.documents, report.bytes
    );
    if !report.skipped.is_empty() {
        let names: Vec<&str> = report.skipped.iter().map(|s| s.document.as_str()).collect();
        line.push_str(&format!(
            "；跳过 {} 个文档：{}",
            names.len(),
            names.join("、")
        ));
    }
    if report.blobs > 0 {
        line.push_str(&format!(
            "，附件 {} 件（{}）",
            report.blobs,
            fengqiao_store::human_bytes(report.blob_bytes as u64)
        ));
    }
    if !report.blobs_unreferenced.is_empty() {
        line.push_str(&format!(
            "；{} 件附件本机没有记录引用，未保存",
            report.blobs_unreferenced.len()
        ));
    }
    let refused: usize = report.refused.iter().map(|r| r.reasons.len()).sum();
    if refused > 0 {
        line.push_str(&format!("；拒收 {refused} 项改动"));
    }
    line
}
