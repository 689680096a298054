//! The `fengqiao` command as a library: every operation of the store, headless, with
//! `--json` on every read. Each module is one noun the command works on (`case`, `roster`,
//! `sync`, …) and holds its clap arguments and the code that runs them, so a test can
//! drive a command in-process ([`run`]) as the binary does.

#[macro_use]
mod out;

pub mod bundle;
pub mod case;
pub mod complete;
pub mod conflicts;
pub mod doc;
pub mod doctor;
pub mod duplicates;
pub mod export;
pub mod feed;
pub mod intake;
pub mod law;
pub mod roster;
pub mod rules;
pub mod sync;

pub use out::is_closed_pipe;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

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
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up this device: its name, county, role and the townships it works in.
    Init(case::InitArgs),
    /// Register, list, show and work cases.
    #[command(subcommand)]
    Case(case::CaseCommand),
    /// List and resolve concurrent edits.
    #[command(subcommand)]
    Conflicts(conflicts::ConflictCommand),
    /// Export all cases as JSON or CSV (Excel-ready, UTF-8 with BOM).
    Export(export::ExportArgs),
    /// Generate a realistic demo county.
    Demo(case::DemoArgs),
    /// Check every document loads; report sizes and change counts.
    Doctor,
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
    /// Stay online and sync continuously (until Ctrl-C or SIGTERM).
    Serve(sync::ServeArgs),
    /// Peers this laptop has met, and when it last synced with each.
    Peers,
    /// Print this laptop's pairing ticket, or (--enrol) a one-time ticket for a new laptop.
    Ticket(sync::TicketArgs),
    /// Join the county with an enrolment ticket (on a new laptop).
    Enrol(sync::EnrolArgs),
    /// Recover a damaged county directory from the county server or an office device.
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
    /// Who changed what on a case, and when.
    History { case: String },
    /// Sign this laptop's document heads with its device key (done after each sync).
    Attest,
    /// Check the data directory offline: files, hash chains, device signatures.
    Verify,
}

/// Where the data lives when `--data-dir` is not given.
pub fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("cn", "fengqiao", "fengqiao")
        .map(|d| d.data_local_dir().to_path_buf())
        .context("no home directory to keep data in; pass --data-dir")
}

/// Runs one command, printing to stdout as the binary does.
pub fn run(cli: Cli) -> Result<()> {
    let data_dir = match &cli.data_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    match &cli.command {
        Command::Init(args) => case::init(&data_dir, args, cli.json),
        Command::Case(cmd) => case::run_case(&data_dir, cmd, cli.json),
        Command::Conflicts(cmd) => conflicts::run_conflicts(&data_dir, cmd, cli.json),
        Command::Export(args) => export::export(&data_dir, args),
        Command::Demo(args) => case::demo(&data_dir, args, cli.json),
        Command::Doctor => doctor::doctor(&data_dir, cli.json),
        Command::Deadline(args) => {
            // Use the office's holiday notices when this device has a store; a deadline
            // must still work on a machine without one.
            let (base, settings) = if data_dir.join("device.json").exists() {
                let store = case::open(&data_dir)?;
                let calendar = store.holiday_calendar()?;
                let settings = store.law_settings()?;
                store.close();
                (Some(calendar), settings)
            } else {
                (None, fengqiao_rules::LawSettings::default())
            };
            rules::run_deadline(args, cli.json, base, settings.extension_from)
        }
        Command::Guide(cmd) => rules::run_guide(cmd, cli.json),
        Command::Bundle(cmd) => bundle::run_bundle(&data_dir, cmd, cli.json),
        Command::Sync(args) => sync::sync(&data_dir, args, cli.json),
        Command::Serve(args) => sync::serve(&data_dir, args),
        Command::Peers => sync::peers(&data_dir, cli.json),
        Command::Ticket(args) => sync::ticket(&data_dir, args, cli.json),
        Command::Enrol(args) => sync::enrol(&data_dir, args, cli.json),
        Command::Repair(args) => sync::repair(&data_dir, args, cli.json),
        Command::Devices(cmd) => sync::devices(&data_dir, cmd, cli.json),
        Command::Calendar(cmd) => case::run_calendar(&data_dir, cmd, cli.json),
        Command::Law(cmd) => law::run_law(&data_dir, cmd, cli.json),
        Command::Duplicates(cmd) => duplicates::run_duplicates(&data_dir, cmd, cli.json),
        Command::Intake(cmd) => intake::run_intake(&data_dir, cmd, cli.json),
        Command::Doc(cmd) => doc::run_doc(&data_dir, cmd, cli.json),
        Command::History { case } => duplicates::history(&data_dir, case, cli.json),
        Command::Attest => duplicates::attest(&data_dir, cli.json),
        Command::Verify => duplicates::verify(&data_dir, cli.json),
        Command::Roster(cmd) => {
            let store = case::open(&data_dir)?;
            let result = roster::run_roster(
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
