//! `fengqiao`: every operation of the store, headless, with `--json` on every read.
//!
//! A thin binary: parse arguments, set up logging, run, map the outcome to an exit code.

#[macro_use]
mod out;

mod cmd_bundle;
mod cmd_case;
mod cmd_conflicts;
mod cmd_doc;
mod cmd_doctor;
mod cmd_duplicates;
mod cmd_export;
mod cmd_feed;
mod cmd_intake;
mod cmd_law;
mod cmd_roster;
mod cmd_rules;
mod cmd_sync;
mod complete;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Set up this device: its name, county, role and the townships it works in.
    Init(cmd_case::InitArgs),
    /// Register, list, show and work cases.
    #[command(subcommand)]
    Case(cmd_case::CaseCommand),
    /// List and resolve concurrent edits.
    #[command(subcommand)]
    Conflicts(cmd_conflicts::ConflictCommand),
    /// Export all cases as JSON or CSV (Excel-ready, UTF-8 with BOM).
    Export(cmd_export::ExportArgs),
    /// Generate a realistic demo county.
    Demo(cmd_case::DemoArgs),
    /// Check every document loads; report sizes and change counts.
    Doctor,
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
    /// Stay online and sync continuously (until Ctrl-C or SIGTERM).
    Serve(cmd_sync::ServeArgs),
    /// Peers this laptop has met, and when it last synced with each.
    Peers,
    /// Print this laptop's pairing ticket, or (--enrol) a one-time ticket for a new laptop.
    Ticket(cmd_sync::TicketArgs),
    /// Join the county with an enrolment ticket (on a new laptop).
    Enrol(cmd_sync::EnrolArgs),
    /// Recover a damaged county directory from the county server or an office device.
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
    /// The statutory paperwork: kinds, issue from a case, list, render, serve, templates.
    #[command(subcommand)]
    Doc(cmd_doc::DocCommand),
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

fn run(cli: Cli) -> Result<()> {
    let data_dir = match &cli.data_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    match &cli.command {
        Command::Init(args) => cmd_case::init(&data_dir, args, cli.json),
        Command::Case(cmd) => cmd_case::run_case(&data_dir, cmd, cli.json),
        Command::Conflicts(cmd) => cmd_conflicts::run_conflicts(&data_dir, cmd, cli.json),
        Command::Export(args) => cmd_export::export(&data_dir, args),
        Command::Demo(args) => cmd_case::demo(&data_dir, args, cli.json),
        Command::Doctor => cmd_doctor::doctor(&data_dir, cli.json),
        Command::Deadline(args) => {
            // Use the office's holiday notices when this device has a store; a deadline
            // must still work on a machine without one.
            let (base, settings) = if data_dir.join("device.json").exists() {
                let store = cmd_case::open(&data_dir)?;
                let calendar = store.holiday_calendar()?;
                let settings = store.law_settings()?;
                store.close();
                (Some(calendar), settings)
            } else {
                (None, fengqiao_rules::LawSettings::default())
            };
            cmd_rules::run_deadline(args, cli.json, base, settings.extension_from)
        }
        Command::Guide(cmd) => cmd_rules::run_guide(cmd, cli.json),
        Command::Bundle(cmd) => cmd_bundle::run_bundle(&data_dir, cmd, cli.json),
        Command::Sync(args) => cmd_sync::sync(&data_dir, args, cli.json),
        Command::Serve(args) => cmd_sync::serve(&data_dir, args),
        Command::Peers => cmd_sync::peers(&data_dir, cli.json),
        Command::Ticket(args) => cmd_sync::ticket(&data_dir, args, cli.json),
        Command::Enrol(args) => cmd_sync::enrol(&data_dir, args, cli.json),
        Command::Repair(args) => cmd_sync::repair(&data_dir, args, cli.json),
        Command::Devices(cmd) => cmd_sync::devices(&data_dir, cmd, cli.json),
        Command::Calendar(cmd) => cmd_case::run_calendar(&data_dir, cmd, cli.json),
        Command::Law(cmd) => cmd_law::run_law(&data_dir, cmd, cli.json),
        Command::Duplicates(cmd) => cmd_duplicates::run_duplicates(&data_dir, cmd, cli.json),
        Command::Intake(cmd) => cmd_intake::run_intake(&data_dir, cmd, cli.json),
        Command::Doc(cmd) => cmd_doc::run_doc(&data_dir, cmd, cli.json),
        Command::History { case } => cmd_duplicates::history(&data_dir, case, cli.json),
        Command::Attest => cmd_duplicates::attest(&data_dir, cli.json),
        Command::Verify => cmd_duplicates::verify(&data_dir, cli.json),
        Command::Roster(cmd) => {
            let store = cmd_case::open(&data_dir)?;
            let result = cmd_roster::run_roster(
                cmd,
                &store,
                cli.json,
                fengqiao_store::now_cst().date_naive(),
            );
            // A damaged roster document leaves slots out of what was shown or checked.
            let result = complete::after(&store, complete::Reads::Roster, result);
            store.close();
            result
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FENGQIAO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`fengqiao … | head`) ends quietly: the reader has what it wanted.
            if out::is_closed_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}
