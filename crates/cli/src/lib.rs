//! The `fengqiao` command as a library: every operation of the store, headless, with
//! `--json` on every read. Each module is one noun the command works on (`case`, `roster`,
//! `sync`, …) and holds its clap arguments and the code that runs them, so a test can
//! drive a command in-process ([`run`]) as the binary does. Most commands work on an open
//! store ([`run_on`]); while `fengqiao serve` holds the data directory, they are run by it
//! ([`control`]).

#[macro_use]
mod out;

pub mod attach;
pub mod audit;
pub mod bundle;
pub mod case;
mod case_text;
pub mod complete;
pub mod conflicts;
pub mod control;
pub mod doc;
pub mod doctor;
pub mod duplicates;
pub mod export;
pub mod feed;
pub mod import;
pub mod intake;
pub mod keys;
pub mod law;
pub mod report;
pub mod roster;
pub mod rules;
pub mod sync;

pub use out::is_closed_pipe;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{ArgAction, Parser, Subcommand};
use fengqiao_store::Store;

/// Fengqiao (枫桥): offline-first petition (信访) case work.
#[derive(Debug, Parser)]
#[command(name = "fengqiao", version, about)]
pub struct Cli {
    /// The data directory (default: the platform's data directory for Fengqiao).
    #[arg(long, global = true, env = "FENGQIAO_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Say more on standard error: -v what the command is doing, -vv details for
    /// troubleshooting (`RUST_LOG` or `FENGQIAO_LOG` choose exactly).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up this device as the first of a new county: its name, county, role and the
    /// townships it works in. A laptop joining an existing county uses `enrol` instead.
    Init(case::InitArgs),
    /// Register, list, show and work cases.
    #[command(subcommand)]
    Case(case::CaseCommand),
    /// List and resolve concurrent edits.
    #[command(subcommand)]
    Conflicts(conflicts::ConflictCommand),
    /// Export all cases as JSON or CSV (Excel-ready, UTF-8 with BOM).
    Export(export::ExportArgs),
    /// Generate a realistic demo county (in an empty directory, the same county the
    /// desktop app offers on first start).
    Demo(case::DemoArgs),
    /// Import a county's existing cases from CSV or Excel; write the blank template.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Check every document this device holds loads whole; report sizes and change counts.
    Doctor,
    /// The county's figures, as the app's 统计 shows them: counts by route, status,
    /// township and month; overdue, satisfaction and follow-up rates.
    Report,
    /// Compute a statutory deadline.
    Deadline(rules::DeadlineArgs),
    /// The classification guide (导访).
    #[command(subcommand)]
    Guide(rules::GuideCommand),
    /// Sync by file (USB stick): export, import, and this laptop's state.
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// One sync round with every reachable peer (LAN, remembered, county server).
    Sync(sync::SyncArgs),
    /// Stay online and sync continuously (until Ctrl-C or SIGTERM). Meanwhile other
    /// `fengqiao` commands on this data directory are run by it.
    Serve(sync::ServeArgs),
    /// Peers this laptop has met, and when it last synced with each.
    Peers,
    /// Print this laptop's pairing ticket, or (--enrol) a one-time ticket for a new laptop.
    Ticket(sync::TicketArgs),
    /// Join the county with an enrolment ticket (on a new laptop).
    Enrol(sync::EnrolArgs),
    /// Recover damaged documents (the county directory first) from the county server or
    /// an office device.
    Repair(sync::RepairArgs),
    /// Devices enrolled in the directory; revoke one.
    #[command(subcommand)]
    Devices(sync::DevicesCommand),
    /// How the law applies here: units' kinds (信访部门 or not) and the county's readings.
    #[command(subcommand)]
    Law(law::LawCommand),
    /// The office's holiday notices (added when the State Council publishes a year).
    #[command(subcommand)]
    Calendar(case::CalendarCommand),
    /// The leader reception roster (接访排班).
    #[command(subcommand)]
    Roster(roster::RosterCommand),
    /// Duplicate cases across laptops: list, merge, unmerge, dismiss.
    #[command(subcommand)]
    Duplicates(duplicates::DuplicatesCommand),
    /// The county's intake queue (导访 kiosk, 网上信访): list it, record a pickup.
    #[command(subcommand)]
    Intake(intake::IntakeCommand),
    /// The statutory paperwork: kinds, issue from a case, list, render, serve, templates.
    #[command(subcommand)]
    Doc(doc::DocCommand),
    /// Attach a file (photo, scan, PDF, recording…) to a case, or to one of its events
    /// or notes.
    Attach(attach::AttachArgs),
    /// A case's attachments, and whether each one's bytes are on this laptop yet.
    Attachments(attach::AttachmentsArgs),
    /// One attachment: get its bytes, withdraw it; sweep unreferenced bytes; the limits.
    #[command(subcommand)]
    Attachment(attach::AttachmentCommand),
    /// Who changed what on a case, and when.
    History { case: String },
    /// Sign this laptop's document heads with its device key (done after each sync).
    Attest,
    /// Check the data directory offline: files, hash chains, device signatures.
    Verify,
    /// The access trail: who opened confidential cases, exported cases, issued documents
    /// on confidential cases (county office only).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Encryption at rest: who can open this data directory (passphrases, the county
    /// office's recovery key).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
}

/// Where the data lives when `--data-dir` is not given.
pub fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("cn", "fengqiao", "fengqiao")
        .map(|d| d.data_local_dir().to_path_buf())
        .context("no home directory to keep data in; pass --data-dir")
}

impl Cli {
    /// The data directory: `--data-dir`, `FENGQIAO_DATA_DIR`, or the platform's.
    pub fn data_dir(&self) -> Result<PathBuf> {
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
            | Command::Verify
            | Command::Keys(_)
            | Command::Import(import::ImportCommand::Template(_)) => Access::Own,
            // A deadline works on a machine without a store too, and so do the kinds of
            // document.
            Command::Deadline(_) if !data_dir.join("device.json").exists() => Access::Own,
            Command::Doc(doc::DocCommand::Kinds { case: None }) => Access::Own,
            Command::Doctor => Access::DamagedStore,
            _ => Access::Store,
        }
    }

    /// Whether the command reads its standard input (sent along when forwarded).
    pub fn reads_stdin(&self) -> bool {
        matches!(self, Command::Case(case::CaseCommand::Add(a)) if a.reads_stdin())
    }
}

/// Runs one command in this process, printing to stdout as the binary does.
pub fn run(cli: Cli) -> Result<()> {
    run_here(&cli)
}

/// [`run`] on a borrowed command line.
pub fn run_here(cli: &Cli) -> Result<()> {
    let data_dir = cli.data_dir()?;
    let store = match cli.command.access(&data_dir) {
        Access::Own => return run_own(cli, &data_dir),
        Access::Store => case::open(&data_dir)?,
        Access::DamagedStore => case::open_damaged(&data_dir)?,
    };
    let result = run_on(&store, cli);
    store.close();
    result
}

/// The commands that need the data directory to themselves or no store.
fn run_own(cli: &Cli, data_dir: &std::path::Path) -> Result<()> {
    match &cli.command {
        Command::Init(args) => case::init(data_dir, args, cli.json),
        Command::Demo(args) => case::demo(data_dir, args, cli.json),
        Command::Guide(cmd) => rules::run_guide(cmd, cli.json),
        Command::Sync(args) => sync::sync(data_dir, args, cli.json),
        Command::Serve(args) => sync::serve(data_dir, args),
        Command::Enrol(args) => sync::enrol(data_dir, args, cli.json),
        Command::Repair(args) => sync::repair(data_dir, args, cli.json),
        Command::Verify => duplicates::verify(data_dir, cli.json),
        Command::Keys(cmd) => keys::run_keys(data_dir, cmd, cli.json),
        Command::Doc(cmd) => doc::run_doc_without_store(cmd, cli.json),
        Command::Import(cmd) => import::run_without_store(cmd, cli.json),
        Command::Deadline(args) => rules::run_deadline(
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
        Command::Case(cmd) => case::run_case(store, cmd, json),
        Command::Conflicts(cmd) => conflicts::run_conflicts(store, cmd, json),
        Command::Export(args) => export::export(store, args),
        Command::Import(cmd) => import::run_import(store, cmd, json),
        Command::Doctor => doctor::doctor(store, json),
        Command::Report => report::report(store, json),
        Command::Deadline(args) => {
            // The office's holiday notices and reading of the law.
            let calendar = store.holiday_calendar()?;
            let settings = store.law_settings()?;
            rules::run_deadline(args, json, Some(calendar), settings.extension_from)
        }
        Command::Bundle(cmd) => bundle::run_bundle(store, cmd, json),
        Command::Peers => sync::peers(store, json),
        Command::Ticket(args) => sync::ticket(store, args, json),
        Command::Devices(cmd) => sync::devices(store, cmd, json),
        Command::Calendar(cmd) => case::run_calendar(store, cmd, json),
        Command::Law(cmd) => law::run_law(store, cmd, json),
        Command::Duplicates(cmd) => duplicates::run_duplicates(store, cmd, json),
        Command::Intake(cmd) => intake::run_intake(store, cmd, json),
        Command::Doc(cmd) => doc::run_doc(store, cmd, json),
        Command::History { case } => duplicates::history(store, case, json),
        Command::Attach(args) => attach::attach(store, args, json),
        Command::Attachments(args) => attach::list(store, args, json),
        Command::Attachment(cmd) => attach::run_attachment(store, cmd, json),
        Command::Attest => duplicates::attest(store, json),
        Command::Audit(cmd) => audit::run_audit(store, cmd, json),
        Command::Roster(cmd) => {
            let result =
                roster::run_roster(cmd, store, json, fengqiao_store::now_cst().date_naive());
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
        | Command::Keys(_)
        | Command::Verify => bail!(
            "同步服务（fengqiao serve）正在使用这个数据目录，此命令需要单独使用它：请先停止同步服务 (stop `fengqiao serve` first)"
        ),
    }
}
