//! `fengqiao sync | serve | peers | ticket | enrol | devices`: sync over the network.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use fengqiao_model::Role;
use fengqiao_store::Store;
use fengqiao_sync::EndpointAddr;
use fengqiao_sync::{
    NodeOptions, PeerBook, SyncNode, SyncSettings, device_addr, offer_enrolment, pairing_ticket,
    parse_pairing_ticket, remembered_peers,
};

use crate::case::open;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Sync with this peer only (a pairing ticket from `fengqiao ticket`).
    #[arg(long)]
    peer: Option<String>,
    /// How long a round with one peer may take, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// How long to look for peers on the LAN first, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    discover_ms: u64,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Keep connected to these peers too (pairing tickets).
    #[arg(long = "peer")]
    peers: Vec<String>,
    /// Listen here instead of the configured address (e.g. 127.0.0.1:0).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Write this device's pairing ticket to a file once listening.
    #[arg(long)]
    ticket_file: Option<std::path::PathBuf>,
    /// Do not use mDNS (LAN discovery).
    #[arg(long)]
    no_mdns: bool,
}

#[derive(Debug, Args)]
pub struct TicketArgs {
    /// Make a one-time enrolment ticket for a new laptop instead of a pairing ticket.
    #[arg(long)]
    enrol: bool,
    /// The new laptop's role (with --enrol).
    #[arg(long, default_value = "township")]
    role: String,
    /// Townships the new laptop works in (with --enrol), comma separated.
    #[arg(long, value_delimiter = ',')]
    scope: Vec<String>,
    /// The new laptop's name (with --enrol).
    #[arg(long, default_value = "")]
    name: String,
    /// Also print the ticket as a QR code.
    #[arg(long)]
    qr: bool,
    /// Address the ticket gives (default: the configured listen address and this
    /// machine's LAN addresses).
    #[arg(long)]
    addr: Vec<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// The enrolment ticket from the county office.
    ticket: String,
    /// This laptop's name (default: the name the office gave).
    #[arg(long, default_value = "")]
    name: String,
    /// Who uses this laptop.
    #[arg(long)]
    person: String,
    #[command(flatten)]
    encryption: crate::keys::EncryptArgs,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Every device the directory knows.
    List,
    /// Cut a device off: peers refuse it from the moment they learn of this.
    Revoke { device: String },
    /// Give an office device the confidential grant (第三十条第三款): it receives the
    /// accusers and accusations kept apart. Only a device that holds it may give it.
    GrantConfidential {
        device: String,
        /// Take the grant away instead.
        #[arg(long)]
        revoke: bool,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("fengqiao-sync")
        .enable_all()
        .build()
        .context("无法启动网络运行时")
}

fn options(data_dir: &Path) -> Result<(SyncSettings, NodeOptions)> {
    let settings = SyncSettings::load(data_dir)?;
    let options = NodeOptions::from_settings(&settings);
    Ok((settings, options))
}

pub fn sync(data_dir: &Path, args: &SyncArgs, json: bool) -> Result<()> {
    let store = Arc::new(open(data_dir)?);
    let (settings, mut opts) = options(data_dir)?;
    // A one-off round need not hold the configured port (a `serve` may be holding it).
    opts.listen.set_port(0);
    let rt = runtime()?;
    let outcomes = rt.block_on(async {
        let node = SyncNode::start(store.clone(), opts).await?;
        let targets = match &args.peer {
            Some(ticket) => vec![parse_pairing_ticket(ticket)?],
            None => Vec::new(),
        };
        let outcomes = node
            .sync_all(
                &settings,
                targets,
                Duration::from_millis(args.discover_ms),
                Duration::from_secs(args.timeout),
            )
            .await;
        node.shutdown().await;
        anyhow::Ok(outcomes?)
    })?;
    if outcomes.is_empty() {
        errln!("没有可同步的设备：附近未发现同事，也没有配置县同步服务器。可用 --peer 配对码。");
    }
    let mut failures = 0;
    for outcome in &outcomes {
        match &outcome.result {
            Ok(report) if json => outln!("{}", serde_json::to_string(report)?),
            Ok(report) => outln!("{}", report.summary()),
            Err(e) => {
                failures += 1;
                if json {
                    outln!(
                        "{}",
                        serde_json::json!({"peer": outcome.peer, "error": e.message, "kind": e.kind})
                    );
                } else {
                    outln!(
                        "与 {} 同步失败：{e}",
                        &outcome.peer[..10.min(outcome.peer.len())]
                    );
                }
            }
        }
    }
    drop(rt);
    if let Ok(store) = Arc::try_unwrap(store) {
        store.close();
    }
    if failures > 0 && failures == outcomes.len() {
        bail!("没有一台设备同步成功");
    }
    // A round that ran out of time has not delivered everything: say which documents,
    // and fail, so a script (or a clerk) does not take it for done.
    let unfinished: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .filter(|r| !r.incomplete().is_empty())
        .map(|r| {
            let peer = if r.peer_name.is_empty() {
                r.peer.chars().take(10).collect()
            } else {
                r.peer_name.clone()
            };
            format!("与 {peer}：{}", r.incomplete().join("、"))
        })
        .collect();
    if !unfinished.is_empty() {
        bail!(
            "同步未完成（{}）；这些文档的更改或附件可能尚未送达或收全，请再运行 fengqiao sync",
            unfinished.join("；")
        );
    }
    Ok(())
}

/// The one device whose id starts with, or whose name is, `device`.
fn one_device(store: &Store, device: &str) -> Result<fengqiao_model::Device> {
    let matches: Vec<_> = store
        .devices()?
        .into_iter()
        .filter(|d| d.id.starts_with(device) || d.name == device)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("目录中没有设备“{device}”"),
        _ => bail!("“{device}”对应多台设备，请给出更长的标识"),
    }
}

pub fn serve(data_dir: &Path, args: &ServeArgs) -> Result<()> {
    let store = Arc::new(open(data_dir)?);
    let (settings, mut opts) = options(data_dir)?;
    if let Some(listen) = args.listen {
        opts.listen = listen;
    }
    if args.no_mdns {
        opts.mdns = false;
    }
    let rt = runtime()?;
    rt.block_on(async {
        // Caught from the start: a Ctrl-C while the documents open is a clean stop too.
        let stop = fengqiao_sync::shutdown_signal();
        let node = SyncNode::start(store.clone(), opts).await?;
        // Other `fengqiao` commands on this directory are run here while we serve.
        let commands = match crate::control::Service::start(store.clone()) {
            Ok(service) => Some(service),
            Err(e) => {
                errln!("警告：{e:#}；同步服务运行期间，其他 fengqiao 命令无法使用此数据目录");
                None
            }
        };
        let ticket = pairing_ticket(&node.addr());
        errln!("同步服务已启动。配对码：{ticket}");
        if let Some(path) = &args.ticket_file {
            std::fs::write(path, &ticket).with_context(|| format!("写入 {}", path.display()))?;
        }
        let mut peers: Vec<EndpointAddr> = args
            .peers
            .iter()
            .map(|t| parse_pairing_ticket(t))
            .collect::<Result<_, _>>()?;
        for addr in remembered_peers(&store, &settings)? {
            if !peers.iter().any(|p| p.id == addr.id) {
                peers.push(addr);
            }
        }
        let served = node.serve(peers, stop).await;
        errln!("正在停止同步服务……");
        // Commands still running finish (and their writes reach the peers' hand-over)
        // before the node stops.
        if let Some(commands) = commands {
            commands.stop().await;
        }
        served?;
        node.shutdown().await;
        anyhow::Ok(())
    })?;
    drop(rt);
    if let Ok(store) = Arc::try_unwrap(store) {
        store.close();
    }
    Ok(())
}

pub fn peers(store: &Store, json: bool) -> Result<()> {
    let book = PeerBook::load(store.data())?;
    let table = store.access();
    if json {
        outln!("{}", serde_json::to_string_pretty(&book)?);
    } else if book.peers.is_empty() {
        outln!("尚未与任何设备同步过。");
    } else {
        for (id, p) in &book.peers {
            let state = match table.device(id) {
                Some(d) if d.revoked => "已吊销",
                Some(_) => "已登记",
                None => "未登记",
            };
            let last = p
                .last_sync
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "从未".into());
            outln!(
                "{}  {}  {}  上次同步 {}  地址 {}",
                &id[..10.min(id.len())],
                if p.name.is_empty() { "?" } else { &p.name },
                state,
                last,
                p.addrs
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            if !p.last_summary.is_empty() {
                outln!("    {}", p.last_summary);
            }
        }
    }
    Ok(())
}

/// This device's address for a ticket: the given ones, else the configured listen
/// address, else (listening everywhere) this machine's LAN addresses on its port.
fn ticket_addr(
    store: &Store,
    settings: &SyncSettings,
    given: &[std::net::SocketAddr],
) -> Result<EndpointAddr> {
    if !given.is_empty() || !settings.listen.ip().is_unspecified() {
        return Ok(device_addr(store, settings, given));
    }
    // Listening on every interface: name each of this machine's addresses.
    let rt = runtime()?;
    let port = settings.listen.port();
    let found = rt.block_on(fengqiao_sync::local_ip_addrs())?;
    let lan: Vec<std::net::SocketAddr> = found
        .into_iter()
        .map(|mut a| {
            a.set_port(port);
            a
        })
        .collect();
    Ok(device_addr(store, settings, &lan))
}

pub fn ticket(store: &Store, args: &TicketArgs, json: bool) -> Result<()> {
    let settings = SyncSettings::load(store.data_dir())?;
    let addr = ticket_addr(store, &settings, &args.addr)?;
    let text = if args.enrol {
        let role = Role::parse(&args.role).map_err(|e| anyhow::anyhow!("{e}"))?;
        offer_enrolment(store, addr, role, args.scope.clone(), &args.name)?.to_string()
    } else {
        pairing_ticket(&addr)
    };
    if json {
        outln!(
            "{}",
            serde_json::json!({"ticket": text, "enrolment": args.enrol})
        );
    } else {
        outln!("{text}");
        if args.qr {
            let code =
                qrcode::QrCode::new(text.as_bytes()).context("配对码过长，无法生成二维码")?;
            outln!(
                "{}",
                code.render::<qrcode::render::unicode::Dense1x2>()
                    .quiet_zone(true)
                    .build()
            );
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Fetch from this device (a pairing ticket of the county server or a device this
    /// laptop has synced with); default: the configured county server.
    #[arg(long)]
    peer: Option<String>,
}

/// `fengqiao repair`: what is damaged here (the county directory first, then any other
/// document a read cannot see whole), fetched whole from a device that holds it.
pub fn repair(data_dir: &Path, args: &RepairArgs, json: bool) -> Result<()> {
    let store = crate::case::open_damaged(data_dir)?;
    let settings = SyncSettings::load(data_dir)?;
    let peer = args.peer.as_deref().map(parse_pairing_ticket).transpose()?;
    let result = fengqiao_sync::repair(&store, &settings, peer);
    store.close();
    let report = result.context("未能修复")?;
    if json {
        outln!("{}", serde_json::to_string(&report)?);
    } else {
        let from = &report.from[..10.min(report.from.len())];
        if report.directory_repaired {
            outln!("已从 {from} 恢复县目录（{} 台设备）。", report.devices);
        }
        for doc in &report.documents {
            outln!(
                "已从 {from} 修复文档 {}：补回 {} 个变更{}。",
                doc.document,
                doc.restored_changes,
                if doc.refused_changes > 0 {
                    format!("，拒收 {} 个无权写入者的变更", doc.refused_changes)
                } else {
                    String::new()
                }
            );
            for file in &doc.kept_in_quarantine {
                outln!(
                    "  隔离的文件 {} 仍保留；其中若有未同步出去的工作，只在该文件中。",
                    file.display()
                );
            }
        }
        if !report.directory_repaired
            && report.documents.is_empty()
            && report.not_repaired.is_empty()
        {
            outln!("本机数据完好，无需修复。");
        }
    }
    if !report.not_repaired.is_empty() {
        for doc in &report.not_repaired {
            errln!("文档 {} 未能修复：{}", doc.document, doc.reason);
        }
        anyhow::bail!("修复不完整：{} 个文档仍有损坏", report.not_repaired.len());
    }
    if report.directory_repaired || !report.documents.is_empty() {
        outln!("现在可以运行 fengqiao sync。");
    }
    Ok(())
}

pub fn enrol(data_dir: &Path, args: &EnrolArgs, json: bool) -> Result<()> {
    let ticket: fengqiao_sync::EnrolmentTicket = args.ticket.parse()?;
    let key = args.encryption.keyring_for(data_dir, &args.person, true)?;
    let rt = runtime()?;
    let store = match &key {
        Some(key) => rt.block_on(fengqiao_sync::enrol_sealed(
            data_dir,
            &ticket,
            &args.name,
            &args.person,
            key,
        ))?,
        None => rt.block_on(fengqiao_sync::enrol(
            data_dir,
            &ticket,
            &args.name,
            &args.person,
        ))?,
    };
    drop(rt);
    // The laptop is enrolled by now: a wrap that cannot be made is said, not an error
    // (every later open tries again).
    if let Some(key) = &key {
        match store.follow_county_recovery_key(key) {
            Ok(fengqiao_store::RecoveryWrapState::NotPublished) => errln!(
                "注意：县目录中尚未登记恢复公钥，忘记口令时县信访局暂时无法打开本机；登记后，本机同步并再次打开时自动补上。"
            ),
            Ok(_) => {}
            Err(e) => errln!("注意：未能为县信访局的恢复公钥封装数据密钥（下次打开时重试）：{e}"),
        }
    }
    let id = store.identity().clone();
    if json {
        outln!(
            "{}",
            serde_json::json!({"device": id.device_id, "name": id.device_name, "role": id.role.code(), "scope": id.scope, "county": id.county})
        );
    } else {
        outln!(
            "已加入 {}：本机“{}”，角色 {}，{}。现在可以运行 fengqiao sync。",
            id.county,
            id.device_name,
            id.role,
            if id.scope.is_empty() {
                "全县".to_owned()
            } else {
                format!("负责 {}", id.scope.join("、"))
            }
        );
    }
    store.close();
    Ok(())
}

pub fn devices(store: &Store, cmd: &DevicesCommand, json: bool) -> Result<()> {
    match cmd {
        DevicesCommand::List => {
            let devices = store.devices()?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&devices)?);
            } else {
                for d in devices {
                    outln!(
                        "{}  {}  {}  {}  {}{}{}",
                        &d.id[..10.min(d.id.len())],
                        d.name,
                        d.role,
                        if d.scope.is_empty() {
                            "全县".to_owned()
                        } else {
                            d.scope.join("、")
                        },
                        d.enrolled_at.format("%Y-%m-%d"),
                        if d.revoked { "  已吊销" } else { "" },
                        if d.confidential { "  保密授权" } else { "" }
                    );
                }
            }
        }
        DevicesCommand::GrantConfidential { device, revoke } => {
            let target = one_device(store, device)?;
            store.set_confidential_grant(&target.id, !revoke)?;
            if *revoke {
                outln!("已收回设备 {} 的保密授权", target.name);
            } else {
                outln!(
                    "已授予设备 {} 保密授权：同步后它将收到检举人信息",
                    target.name
                );
            }
        }
        DevicesCommand::Revoke { device } => {
            let target = one_device(store, device)?;
            store.revoke_device(&target.id)?;
            outln!(
                "已吊销设备 {}（{}）。其他设备同步到此变更后即拒绝它。",
                target.name,
                &target.id[..10]
            );
        }
    }
    Ok(())
}
