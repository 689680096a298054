//! `fengqiao bundle …`: sync by file (USB stick) when there is no network at all.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use fengqiao_sync::bundle;

use crate::cmd_case::open;

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write what this laptop has into one file (only what a peer lacks, with --since).
    Export {
        out: PathBuf,
        /// The peer's state file (`fengqiao bundle state` on the peer).
        #[arg(long)]
        since: Option<PathBuf>,
        /// A peer this laptop has synced with over the network (its name or id): only
        /// what it lacked at the end of that round, and only documents it may hold.
        #[arg(long = "for", conflicts_with = "since")]
        for_peer: Option<String>,
    },
    /// Verify a bundle completely, then merge it. A damaged or foreign file changes nothing.
    Import { file: PathBuf },
    /// Record what this laptop already has, for the sending laptop's `export --since`.
    State { out: PathBuf },
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("写入 {}", path.display()))
}

pub fn run_bundle(data_dir: &Path, cmd: &BundleCommand, json: bool) -> Result<()> {
    let store = open(data_dir)?;
    let result = match cmd {
        BundleCommand::Export {
            out,
            since,
            for_peer,
        } => {
            let peer = match (since, for_peer) {
                (_, Some(peer)) => Some(bundle::remembered_state(&store, peer)?),
                (Some(p), None) => {
                    let text = std::fs::read_to_string(p)
                        .with_context(|| format!("读取 {}", p.display()))?;
                    Some(
                        serde_json::from_str::<bundle::PeerState>(&text)
                            .with_context(|| format!("{} 不是同步状态文件", p.display()))?,
                    )
                }
                (None, None) => None,
            };
            let bytes = bundle::export(&store, peer.as_ref())?;
            write(out, &bytes)?;
            let (header, _) = bundle::verify(&bytes)?;
            if json {
                outln!(
                    "{}",
                    serde_json::json!({"file": out, "bytes": bytes.len(), "documents": header.documents})
                );
            } else {
                outln!(
                    "已写入同步包 {}（{} 个文档，{} 字节）",
                    out.display(),
                    header.documents.len(),
                    bytes.len()
                );
            }
            Ok(())
        }
        BundleCommand::Import { file } => {
            let bytes = std::fs::read(file).with_context(|| format!("读取 {}", file.display()))?;
            let report = bundle::import(&store, &bytes)
                .with_context(|| format!("同步包 {} 未导入", file.display()))?;
            if json {
                outln!("{}", serde_json::to_string(&report)?);
            } else {
                outln!(
                    "已导入来自 {} 的 {} 个文档（{} 字节）",
                    report.from_device_name,
                    report.documents,
                    report.bytes
                );
            }
            Ok(())
        }
        BundleCommand::State { out } => {
            let state = bundle::peer_state(&store)?;
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
    };
    store.close();
    result
}
