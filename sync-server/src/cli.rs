//! The commands of `fengqiao-sync-server`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use fengqiao_store::{InitOptions, Store, TownshipSpec};

use crate::admin::Admin;
use crate::config::Config;
use crate::ops::{self, EnrolRequest, Enrolment};

#[derive(Debug, Parser)]
#[command(
    name = "fengqiao-sync-server",
    version,
    about = "枫桥县同步服务器 (the county sync server)"
)]
pub struct Cli {
    /// The configuration file.
    #[arg(
        long,
        global = true,
        env = "FENGQIAO_SERVER_CONFIG",
        default_value = "/etc/fengqiao/sync-server.toml"
    )]
    config: PathBuf,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve: sync with enrolled devices, run the relay and the admin port, until SIGTERM.
    Run,
    /// Create the data directory: a new county with this server as its first device, or
    /// (--join) a server enrolled by an existing office.
    Init {
        /// The county (市/县) this server serves.
        #[arg(long, required_unless_present = "join")]
        county: Option<String>,
        /// The county's townships, comma separated (a new county).
        #[arg(long, value_delimiter = ',')]
        townships: Vec<String>,
        /// A one-time ticket from `fengqiao ticket --enrol --role server` on the office.
        #[arg(long, conflicts_with_all = ["county", "townships"])]
        join: Option<String>,
        /// This server's name in the directory.
        #[arg(long, default_value = "县同步服务器")]
        name: String,
        /// Who administers it.
        #[arg(long, default_value = "系统管理员")]
        person: String,
    },
    /// Print a one-time enrolment ticket for a new laptop (or, with --websocket, a token
    /// for an automerge-repo WebSocket client).
    Enrol {
        /// office, township, leader, inspector, read-only (or the Chinese names).
        #[arg(long)]
        role: String,
        /// Townships the device works in, comma separated.
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// The device's name.
        #[arg(long, default_value = "")]
        name: String,
        /// A WebSocket client instead of a laptop.
        #[arg(long)]
        websocket: bool,
    },
    /// Enrolled devices; revoke one.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// What the server holds and, when it runs, who is connected.
    Status,
    /// Write a consistent copy of every document (also while the server runs).
    Backup { out: PathBuf },
    /// Restore a backup into the configured (empty) data directory.
    Restore { backup: PathBuf },
    /// Check the configuration file and print it with defaults filled in.
    CheckConfig,
}

#[derive(Debug, Subcommand)]
enum DevicesCommand {
    List,
    /// Cut a device off now, also mid-connection (an id prefix or its name).
    Revoke {
        device: String,
    },
}

/// Runs the command line; errors print once and exit with 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            tracing::error!(error = %format!("{e:#}"), "command failed");
            ExitCode::from(2)
        }
    }
}

fn init_logging(level: &str) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter(
            std::env::var("FENGQIAO_LOG").ok().as_deref(),
            level,
        ))
        .with_writer(std::io::stderr)
        .try_init();
}

/// The log filter: `FENGQIAO_LOG` if set and valid, else the configured level.
///
/// automerge instruments its loads with INFO spans whose fields print the document's whole
/// change graph, so at the default `info` every change a peer sent cost a dump of its
/// document's history (a sixth of the server's CPU under live edits). Unless a directive
/// names automerge, it logs its warnings only.
fn log_filter(from_env: Option<&str>, level: &str) -> tracing_subscriber::EnvFilter {
    use tracing_subscriber::EnvFilter;
    let chosen = from_env
        .filter(|text| EnvFilter::try_new(text).is_ok())
        .unwrap_or(level);
    let filter = EnvFilter::try_new(chosen).unwrap_or_else(|_| EnvFilter::new("info"));
    match "automerge=warn".parse() {
        Ok(quiet) if !chosen.contains("automerge") => filter.add_directive(quiet),
        _ => filter,
    }
}

fn load_config(path: &Path) -> Result<Config> {
    match Config::load(path) {
        Ok(c) => Ok(c),
        Err(e) => {
            // A refused config is the one thing a service must say before it has a level.
            init_logging("info");
            tracing::error!(error = %e, "configuration refused");
            Err(e.into())
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let config = load_config(&cli.config)?;
    let quiet = !matches!(cli.command, Command::Run);
    init_logging(if quiet { "warn" } else { &config.log_level });
    match cli.command {
        Command::Run => serve(config),
        Command::Init {
            county,
            townships,
            join,
            name,
            person,
        } => init(&config, county, townships, join, &name, &person, cli.json),
        Command::Enrol {
            role,
            scope,
            name,
            websocket,
        } => {
            let enrolment = Admin::connect(&config)?.enrol(&EnrolRequest {
                role,
                scope,
                name,
                websocket,
            })?;
            if cli.json {
                println!("{}", serde_json::to_string(&enrolment)?);
            } else {
                match enrolment {
                    Enrolment::Ticket { ticket } => println!("{ticket}"),
                    Enrolment::WebSocket { peer_id, token } => {
                        println!("peer_id: {peer_id}\ntoken: {token}");
                        eprintln!(
                            "客户端须以 peer_id 为 automerge-repo 的 peerId，并以 ?token= 连接。令牌只显示这一次。"
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Devices(DevicesCommand::List) => {
            let devices = Admin::connect(&config)?.devices()?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&devices)?);
            } else {
                for d in devices {
                    println!(
                        "{}  {}  {}  {}  {}{}",
                        d.id,
                        d.name,
                        d.role,
                        if d.scope.is_empty() {
                            "全县".to_owned()
                        } else {
                            d.scope.join("、")
                        },
                        d.enrolled_at.format("%Y-%m-%d"),
                        if d.revoked { "  已吊销" } else { "" }
                    );
                }
            }
            Ok(())
        }
        Command::Devices(DevicesCommand::Revoke { device }) => {
            let d = Admin::connect(&config)?.revoke(&device)?;
            if cli.json {
                println!("{}", serde_json::to_string(&d)?);
            } else {
                println!("已吊销设备 {}（{}）：其连接已切断。", d.name, d.id);
            }
            Ok(())
        }
        Command::Status => {
            let status = Admin::connect(&config)?.status()?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                println!(
                    "{}  {}  服务器 {}",
                    status.county,
                    if status.running {
                        "运行中"
                    } else {
                        "未运行"
                    },
                    status.device_id
                );
                println!(
                    "文档 {}，设备 {}（已吊销 {}），存储 {} 字节",
                    status.documents,
                    status.devices_enrolled,
                    status.devices_revoked,
                    status.storage_bytes
                );
                if status.running {
                    println!(
                        "在线设备 {}，运行 {} 秒，收 {} / 发 {} 字节",
                        status.connected_devices,
                        status.uptime_seconds,
                        status.bytes_received,
                        status.bytes_sent
                    );
                    println!("同步地址 {}", status.sync_addrs.join(", "));
                    if let Some(r) = &status.relay_url {
                        println!("中继 {r}");
                    }
                }
                if let Some(f) = &status.storage_failure {
                    println!("存储故障：{f}");
                }
            }
            Ok(())
        }
        Command::Backup { out } => {
            let manifest = Admin::connect(&config)?.backup(&out)?;
            if cli.json {
                println!("{}", serde_json::to_string(&manifest)?);
            } else {
                println!(
                    "已备份 {} 个文档到 {}",
                    manifest.documents.len(),
                    out.display()
                );
            }
            Ok(())
        }
        Command::Restore { backup } => {
            let manifest = ops::restore(&backup, &config.data_dir, || {
                config.data_key().map_err(ops::OpsError::from)
            })?;
            println!(
                "已从 {} 恢复 {} 个文档（{}，备份于 {}）到 {}",
                backup.display(),
                manifest.documents.len(),
                manifest.county,
                manifest.written_at,
                config.data_dir.display()
            );
            Ok(())
        }
        Command::CheckConfig => {
            println!("{config:#?}");
            Ok(())
        }
    }
}

fn init(
    config: &Config,
    county: Option<String>,
    townships: Vec<String>,
    join: Option<String>,
    name: &str,
    person: &str,
    json: bool,
) -> Result<()> {
    let store = match join {
        Some(ticket) => {
            let ticket: fengqiao_sync::EnrolmentTicket = ticket.parse()?;
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let store = rt.block_on(fengqiao_sync::enrol(
                &config.data_dir,
                &ticket,
                name,
                person,
            ))?;
            if store.identity().role != fengqiao_model::Role::Server {
                tracing::warn!(role = %store.identity().role, "the office enrolled this machine with a role other than server");
            }
            store
        }
        None => {
            let county = county.context("--county is required")?;
            if townships.is_empty() {
                anyhow::bail!("新县须用 --townships 列出乡镇 (list the county's townships)");
            }
            Store::init(
                &config.data_dir,
                InitOptions {
                    device_name: name.to_owned(),
                    county,
                    role: fengqiao_model::Role::Server,
                    scope: Vec::new(),
                    person_name: person.to_owned(),
                    townships: townships
                        .iter()
                        .map(|t| TownshipSpec {
                            name: t.trim().to_owned(),
                            code: String::new(),
                            villages: Vec::new(),
                        })
                        .collect(),
                    directory: None,
                },
            )
            .with_context(|| format!("初始化数据目录 {}", config.data_dir.display()))?
        }
    };
    ops::admin_token(&config.data_dir)?;
    let id = store.identity().clone();
    store.close();
    if json {
        println!(
            "{}",
            serde_json::json!({"device": id.device_id, "county": id.county, "role": id.role.code()})
        );
    } else {
        println!(
            "已初始化县同步服务器：{}，设备 {}\n数据目录：{}",
            id.county,
            id.device_id,
            config.data_dir.display()
        );
    }
    Ok(())
}

fn serve(config: Config) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("fengqiao-server")
        .enable_all()
        .build()
        .context("无法启动运行时")?;
    rt.block_on(async {
        let server = crate::Server::start(config).await?;
        server.run_until(fengqiao_sync::shutdown_signal()).await
    })?;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::log_filter;
    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt;

    /// Whether `target` logs at `level` under the filter `log_filter` builds.
    fn logs(from_env: Option<&str>, level: &str, target_is_automerge: bool) -> bool {
        let subscriber = tracing_subscriber::registry().with(log_filter(from_env, level));
        tracing::subscriber::with_default(subscriber, || {
            if target_is_automerge {
                tracing::enabled!(target: "automerge::storage::load", Level::INFO)
            } else {
                tracing::enabled!(target: "fengqiao_sync_server::server", Level::INFO)
            }
        })
    }

    #[test]
    fn automerge_logs_no_info_unless_a_directive_names_it() {
        assert!(logs(None, "info", false));
        assert!(!logs(None, "info", true));
        assert!(!logs(Some("debug"), "warn", true));
        assert!(logs(Some("info,automerge=info"), "warn", true));
        assert!(logs(None, "automerge=info", true));
        // An invalid FENGQIAO_LOG falls back to the configured level.
        assert!(logs(Some("=[bad"), "info", false));
    }
}
