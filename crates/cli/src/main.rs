//! `fengqiao`: every operation of the store, headless, with `--json` on every read.
//!
//! A thin binary: parse arguments, set up logging, run, map the outcome to an exit code.

#[macro_use]
mod out;

mod cmd_bundle;
mod cmd_case;
mod cmd_conflicts;
mod cmd_doctor;
mod cmd_duplicates;
mod cmd_export;
mod cmd_feed;
mod cmd_intake;
mod cmd_law;
mod cmd_report;
mod cmd_roster;
mod cmd_rules;
mod cmd_sync;
mod complete;
mod control;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{ArgAction, Parser, Subcommand};
use fengqiao_store::Store;

/// Fengqiao (枫桥): offline-first petition (信访) case work.
#[derive(Debug, Parser)]
#[command(name = "fengqiao", version, about)]
pub struct Cli {
    /// The data directory (default: the platform's data directory for Fengqiao).
    #[arg(long, global = true, env = "FENGQIAO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Say more on standard error: -v what the command is doing, -vv details for
    /// troubleshooting (`RUST_LOG` or `FENGQIAO_LOG` choose exactly).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Set up this device as the first of a new county: its name, county, role and the
    /// townships it works in. A laptop joining an existing county uses `enrol` instead.
    Init(cmd_case::InitArgs),
    /// Register, list, show and work cases.
    #[command(subcommand)]
    Case(cmd_case::CaseCommand),
    /// List and resolve concurrent edits.
    #[command(subcommand)]
    Conflicts(cmd_conflicts::ConflictCommand),
    /// Export all cases as JSON or CSV (Excel-ready, UTF-8 with BOM).
    Export(cmd_export::ExportArgs),
    /// Generate a realistic demo county (in an empty directory, the same county the
    /// desktop app offers on first start).
    Demo(cmd_case::DemoArgs),
    /// Check every document this device holds loads whole; report sizes and change counts.
    Doctor,
    /// The county's figures, as the app's 统计 shows them: counts by route, status,
    /// township and month; overdue, satisfaction and follow-up rates.
    Report,
    /// Compute a statutory deadline.
    Deadline(cmd_rules::DeadlineArgs),
    /// The classification guide (导访).
    #[command(subcommand)]
    Guide(cmd_rules::GuideCommand),
    /// Sync by file (USB stick): export, import, and this laptop's state.
    #[command(subcommand)]
    Bundle(cmd_bundle::BundleCommand),
    /// One sync round with every reachable peer (LAN, remembered, county server).
    Sync(cmd_sync::SyncArgs),
    /// Stay online and sync continuously (until Ctrl-C or SIGTERM). Meanwhile other
    /// `fengqiao` commands on this data directory are run by it.
    Serve(cmd_sync::ServeArgs),
    /// Peers this laptop has met, and when it last synced with each.
    Peers,
    /// Print this laptop's pairing ticket, or (--enrol) a one-time ticket for a new laptop.
    Ticket(cmd_sync::TicketArgs),
    /// Join the county with an enrolment ticket (on a new laptop).
    Enrol(cmd_sync::EnrolArgs),
    /// Recover damaged documents (the county directory first) from the county server or
    /// an office device.
    Repair(cmd_sync::RepairArgs),
    /// Devices enrolled in the directory; revoke one.
    #[command(subcommand)]
    Devices(cmd_sync::DevicesCommand),
    /// How the law applies here: units' kinds (信访部门 or not) and the county's readings.
    #[command(subcommand)]
    Law(cmd_law::LawCommand),
    /// The office's holiday notices (added when the State Council publishes a year).
    #[command(subcommand)]
    Calendar(cmd_case::CalendarCommand),
    /// The leader reception roster (接访排班).
    #[command(subcommand)]
    Roster(cmd_roster::RosterCommand),
    /// Duplicate cases across laptops: list, merge, unmerge, dismiss.
    #[command(subcommand)]
    Duplicates(cmd_duplicates::DuplicatesCommand),
    /// The county's intake queue (导访 kiosk, 网上信访): list it, record a pickup.
    #[command(subcommand)]
    Intake(cmd_intake::IntakeCommand),
    /// Who changed what on a case, and when.
    History { case: String },
    /// Sign this laptop's document heads with its device key (done after each sync).
    Attest,
    /// Check the data directory offline: files, hash chains, device signatures.
    Verify,
}

fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("cn", "fengqiao", "fengqiao")
        .map(|d| d.data_local_dir().to_path_buf())
        .context("no home directory to keep data in; pass --data-dir")
}

impl Cli {
    fn data_dir(&self) -> Result<PathBuf> {
        match &self.data_dir {
            Some(d) => Ok(d.clone()),
            None => default_data_dir(),
        }
    }
}

/// How a command reaches the data directory.
enum Access {
    /// It works on the open store: when `fengqiao serve` holds the directory, it is run by
    /// that process instead (see `control.rs`).
    Store,
    /// As `Store`, but a store whose directory document is damaged is opened too (the
    /// commands that report damage).
    DamagedStore,
    /// It needs the directory to itself, or no store at all.
    Own,
}

impl Command {
    fn access(&self, data_dir: &std::path::Path) -> Access {
        match self {
            Command::Init(_)
            | Command::Demo(_)
            | Command::Guide(_)
            | Command::Sync(_)
            | Command::Serve(_)
            | Command::Enrol(_)
            | Command::Repair(_)
            | Command::Verify => Access::Own,
            // A deadline works on a machine without a store too.
            Command::Deadline(_) if !data_dir.join("device.json").exists() => Access::Own,
            Command::Doctor => Access::DamagedStore,
            _ => Access::Store,
        }
    }

    /// Whether the command reads its standard input (sent along when forwarded).
    fn reads_stdin(&self) -> bool {
        matches!(self, Command::Case(cmd_case::CaseCommand::Add(a)) if a.reads_stdin())
    }
}

/// Runs `cli` in this process.
fn run(cli: &Cli) -> Result<()> {
    let data_dir = cli.data_dir()?;
    let store = match cli.command.access(&data_dir) {
        Access::Own => return run_own(cli, &data_dir),
        Access::Store => cmd_case::open(&data_dir)?,
        Access::DamagedStore => cmd_case::open_damaged(&data_dir)?,
    };
    let result = run_on(&store, cli);
    store.close();
    result
}

/// The commands that need the data directory to themselves or no store.
fn run_own(cli: &Cli, data_dir: &std::path::Path) -> Result<()> {
    match &cli.command {
        Command::Init(args) => cmd_case::init(data_dir, args, cli.json),
        Command::Demo(args) => cmd_case::demo(data_dir, args, cli.json),
        Command::Guide(cmd) => cmd_rules::run_guide(cmd, cli.json),
        Command::Sync(args) => cmd_sync::sync(data_dir, args, cli.json),
        Command::Serve(args) => cmd_sync::serve(data_dir, args),
        Command::Enrol(args) => cmd_sync::enrol(data_dir, args, cli.json),
        Command::Repair(args) => cmd_sync::repair(data_dir, args, cli.json),
        Command::Verify => cmd_duplicates::verify(data_dir, cli.json),
        Command::Deadline(args) => cmd_rules::run_deadline(
            args,
            cli.json,
            None,
            fengqiao_rules::LawSettings::default().extension_from,
        ),
        _ => bail!("内部错误：此命令需要打开数据目录 (command needs the store)"),
    }
}

/// Runs a command that works on the open `store`: here, or in the running `fengqiao
/// serve` for a command forwarded to it.
pub fn run_on(store: &Store, cli: &Cli) -> Result<()> {
    let json = cli.json;
    match &cli.command {
        Command::Case(cmd) => cmd_case::run_case(store, cmd, json),
        Command::Conflicts(cmd) => cmd_conflicts::run_conflicts(store, cmd, json),
        Command::Export(args) => cmd_export::export(store, args),
        Command::Doctor => cmd_doctor::doctor(store, json),
        Command::Report => cmd_report::report(store, json),
        Command::Deadline(args) => {
            // The office's holiday notices and reading of the law.
            let calendar = store.holiday_calendar()?;
            let settings = store.law_settings()?;
            cmd_rules::run_deadline(args, json, Some(calendar), settings.extension_from)
        }
        Command::Bundle(cmd) => cmd_bundle::run_bundle(store, cmd, json),
        Command::Peers => cmd_sync::peers(store, json),
        Command::Ticket(args) => cmd_sync::ticket(store, args, json),
        Command::Devices(cmd) => cmd_sync::devices(store, cmd, json),
        Command::Calendar(cmd) => cmd_case::run_calendar(store, cmd, json),
        Command::Law(cmd) => cmd_law::run_law(store, cmd, json),
        Command::Duplicates(cmd) => cmd_duplicates::run_duplicates(store, cmd, json),
        Command::Intake(cmd) => cmd_intake::run_intake(store, cmd, json),
        Command::History { case } => cmd_duplicates::history(store, case, json),
        Command::Attest => cmd_duplicates::attest(store, json),
        Command::Roster(cmd) => {
            let result =
                cmd_roster::run_roster(cmd, store, json, fengqiao_store::now_cst().date_naive());
            // A damaged roster document leaves slots out of what was shown or checked.
            complete::after(store, complete::Reads::Roster, result)
        }
        Command::Sync(_) => bail!(
            "同步服务（fengqiao serve）正在运行，已在持续与其他设备同步，无需再运行 fengqiao sync"
        ),
        Command::Init(_)
        | Command::Demo(_)
        | Command::Guide(_)
        | Command::Serve(_)
        | Command::Enrol(_)
        | Command::Repair(_)
        | Command::Verify => bail!(
            "同步服务（fengqiao serve）正在使用这个数据目录，此命令需要单独使用它：请先停止同步服务 (stop `fengqiao serve` first)"
        ),
    }
}

/// Logging: warnings a user can act on by default, more with `-v`/`-vv`; `FENGQIAO_LOG` or
/// `RUST_LOG`, when set, choose exactly.
///
/// By default other crates show only their errors, and two not even those: automerge logs
/// a failed load as an error though it returns the error to us, and we decide (a sync
/// message that is not a document is read as changes); samod logs a connection that
/// failed, which sync rounds report to the user in their own words, and which a laptop
/// closing its lid causes daily.
fn init_logging(verbose: u8) {
    let chosen = ["FENGQIAO_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|var| tracing_subscriber::EnvFilter::try_from_env(var).ok());
    let filter = chosen.unwrap_or_else(|| {
        tracing_subscriber::EnvFilter::new(match verbose {
            0 => "error,automerge=off,samod=off,fengqiao=warn",
            1 => "warn,automerge=error,fengqiao=info",
            2 => "info,fengqiao=debug",
            _ => "debug,fengqiao=trace",
        })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// The exit code of a finished command, having printed its error.
fn finish(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`fengqiao … | head`) ends quietly: the reader has what it wanted.
        Err(e) if out::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            errln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(&cli) {
        // The store is opened before anything else happens: when the running `fengqiao
        // serve` holds the directory, it runs the command instead.
        Err(e) if control::is_locked(&e) => {
            let forwarded = cli
                .data_dir()
                .and_then(|dir| control::forward(&dir, cli.command.reads_stdin()));
            match forwarded {
                Ok(Some(code)) => ExitCode::from(code),
                // Nothing answers: the desktop app (or another command) has the directory.
                Ok(None) => finish(Err(e.context(
                    "另一个 Fengqiao 进程（桌面应用或正在执行的命令）正在使用数据目录；请稍后再试，或关闭桌面应用后再运行此命令",
                ))),
                Err(forward_error) => finish(Err(forward_error)),
            }
        }
        result => finish(result),
    }
}
