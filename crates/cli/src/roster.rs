//! `fengqiao roster …`: the leader reception roster of `fengqiao-roster` on the command line.
//!
//! This is the edge: it reads the rules file and the store's `roster/<year>` records, calls
//! the pure functions of `fengqiao-roster`, and writes back the records they return, one
//! record per store transaction. `today` comes from `main` (or `--today` to act as of
//! another day); ids for leave and swaps are made here.
//!
//! The rules are kept in each year's `rules` collection as their TOML text, so every
//! replica derives the same leader ids and the same roster from them.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, TimeZone, Utc};
use fengqiao_roster::changes::{self, Actor, SwapRequest};
use fengqiao_roster::export::{csv, ics, notice};
use fengqiao_roster::rules::ClockTime;
use fengqiao_roster::{
    Diagnostic, Leave, LeaveId, Period, Record, RosterRules, RosterState, RowFilter, SlotId,
    SlotRow, SwapId, check, ledger, rows,
};
use fengqiao_rules::calendar::HolidayCalendar;
use fengqiao_store::{Store, StoredRoster};
use serde_json::{Value, json};

/// The roster subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RosterCommand {
    /// Draft the roster for a period from a rules file (TOML); published slots stay as they are
    Generate {
        /// The rules file, e.g. examples/roster/ningguo.toml
        #[arg(long, value_name = "FILE", value_parser = crate::out::user_path)]
        rules: PathBuf,
        /// First day, YYYY-MM-DD
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        /// Last day (included), YYYY-MM-DD
        #[arg(long, value_name = "DATE")]
        to: NaiveDate,
    },
    /// Publish the drafts of a period (draft → published); past published slots become historic
    Publish {
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        #[arg(long, value_name = "DATE")]
        to: NaiveDate,
        /// Act as of this day instead of today
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// Show the roster of a week (default: this week), a period, or one leader
    Show {
        /// Any day of the week to show
        #[arg(long, value_name = "DATE", conflicts_with_all = ["from", "to"])]
        week: Option<NaiveDate>,
        #[arg(long, value_name = "DATE", requires = "to")]
        from: Option<NaiveDate>,
        #[arg(long, value_name = "DATE", requires = "from")]
        to: Option<NaiveDate>,
        /// Only this leader's slots (by name)
        #[arg(long, value_name = "NAME")]
        leader: Option<String>,
        /// Also show each leader's load (the fairness ledger) and the conflicts
        #[arg(long)]
        ledger: bool,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// Swap two slots between their leaders; without --with, next month's slot of the same rule
    Swap {
        /// The slot (its id, or a unique prefix of it)
        #[arg(long, value_name = "ID")]
        slot: String,
        /// The slot to swap with
        #[arg(long = "with", value_name = "ID")]
        with: Option<String>,
        /// Why (required when a slot is published)
        #[arg(long, default_value = "")]
        reason: String,
        /// Who makes the change (default: the person this device is enrolled for)
        #[arg(long)]
        by: Option<String>,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// Report a leader's leave; the standby list fills the gaps in order
    Leave {
        /// The leader's name
        #[arg(long, value_name = "NAME")]
        leader: String,
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        #[arg(long, value_name = "DATE")]
        to: NaiveDate,
        #[arg(long, default_value = "")]
        reason: String,
        /// When the leader reported it (default today); checked against the notice rule
        #[arg(long, value_name = "DATE")]
        reported_on: Option<NaiveDate>,
        /// Who makes the change (default: the person this device is enrolled for)
        #[arg(long)]
        by: Option<String>,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// Hand a slot to a deputy who receives in the leader's place
    Delegate {
        #[arg(long, value_name = "ID")]
        slot: String,
        /// The deputy's name
        #[arg(long, value_name = "NAME")]
        deputy: String,
        #[arg(long, default_value = "")]
        reason: String,
        /// Who makes the change (default: the person this device is enrolled for)
        #[arg(long)]
        by: Option<String>,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// Export a period: iCalendar feeds, CSV (Excel, UTF-8 with BOM) or the printable notice (HTML)
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        #[arg(long, value_name = "DATE")]
        to: NaiveDate,
        /// Only this leader's slots (an .ics feed for that leader)
        #[arg(long, value_name = "NAME")]
        leader: Option<String>,
        /// Only published slots (the notice always shows only published slots)
        #[arg(long)]
        published: bool,
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE", conflicts_with = "out_dir", value_parser = crate::out::user_path)]
        out: Option<PathBuf>,
        /// ics only: write the office feed and one feed per leader into this directory
        #[arg(long, value_name = "DIR", value_parser = crate::out::user_path)]
        out_dir: Option<PathBuf>,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// Move a slot to another day, other hours or another place (改期); calendars follow
    Reschedule {
        #[arg(long, value_name = "ID")]
        slot: String,
        /// The new day
        #[arg(long, value_name = "DATE")]
        date: Option<NaiveDate>,
        /// The new hours, e.g. 14:30-17:00
        #[arg(long, value_name = "HH:MM-HH:MM")]
        hours: Option<String>,
        #[arg(long, value_name = "TEXT")]
        place: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long, default_value = "信访局")]
        by: String,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// Calendar subscriptions (订阅) the county server serves to phones
    #[command(subcommand)]
    Feed(crate::feed::FeedCommand),
    #[command(flatten)]
    Booking(BookingCommand),
}

/// Booking and briefing subcommands (预约, 接访准备), beside the roster's own.
#[derive(Debug, clap::Subcommand)]
pub enum BookingCommand {
    /// Book a visitor onto a published reception slot
    Book {
        /// The slot (its id, or a unique prefix of it)
        #[arg(long, value_name = "ID")]
        slot: String,
        /// The petitioner's name
        #[arg(long, value_name = "NAME")]
        name: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// The case the visit is about (number or id)
        #[arg(long, value_name = "CASE")]
        case: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// Who makes the change (default: the person this device is enrolled for)
        #[arg(long)]
        by: Option<String>,
        /// How many visitors the reception takes
        #[arg(long, default_value_t = fengqiao_roster::bookings::DEFAULT_CAPACITY)]
        capacity: usize,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// Cancel a booking (the record stays, marked cancelled)
    Cancel {
        /// The booking id
        #[arg(long, value_name = "ID")]
        booking: String,
        #[arg(long, default_value = "")]
        reason: String,
        /// Who makes the change (default: the person this device is enrolled for)
        #[arg(long)]
        by: Option<String>,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
    /// The leader's briefing pack for a day: booked visitors, their cases, clocks and
    /// history, and the unit heads who attend (printable HTML)
    Briefing {
        /// The leader's name
        #[arg(long, value_name = "NAME")]
        leader: String,
        /// The reception day
        #[arg(long, value_name = "DATE")]
        date: NaiveDate,
        /// Write the HTML to this file instead of standard output
        #[arg(long, value_name = "FILE", value_parser = crate::out::user_path)]
        out: Option<PathBuf>,
        #[arg(long, value_name = "DATE")]
        today: Option<NaiveDate>,
    },
}

/// Runs one booking or briefing subcommand.
pub fn run_booking(
    cmd: &BookingCommand,
    store: &Store,
    json: bool,
    today: NaiveDate,
) -> Result<()> {
    use fengqiao_roster::bookings::{self, BookingRequest};
    match cmd {
        BookingCommand::Book {
            slot,
            name,
            phone,
            case,
            note,
            by,
            capacity,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let state = load_state(store, slot_years(today))?;
            let slot = resolve_slot(&state, slot)?;
            let case = match case {
                Some(key) => Some(store.case(key).context("查找案件")?.case.id),
                None => None,
            };
            let record = bookings::book(
                &state,
                BookingRequest {
                    id: fengqiao_roster::BookingId::generate(),
                    slot,
                    petitioner: name.clone(),
                    phone: phone.clone(),
                    case,
                    note: note.clone(),
                    booked_by: author(store, by),
                },
                *capacity,
                today,
            )?;
            write_records(store, std::slice::from_ref(&record))?;
            if let Record::Booking(b) = &record {
                if json {
                    print_json(b)?;
                } else {
                    outln!(
                        "已预约：{} {} 接访（预约编号 {}）",
                        b.petitioner,
                        b.slot_date,
                        b.id
                    );
                }
            }
            Ok(())
        }
        BookingCommand::Cancel {
            booking,
            reason,
            by,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let state = load_state(store, slot_years(today))?;
            let id: fengqiao_roster::BookingId = booking
                .parse()
                .with_context(|| format!("“{booking}” 不是预约编号"))?;
            let record = bookings::cancel(&state, id, &author(store, by), reason, today)?;
            write_records(store, std::slice::from_ref(&record))?;
            if json {
                print_json(&json!({ "cancelled": id.to_string() }))?;
            } else {
                outln!("已取消预约 {id}");
            }
            Ok(())
        }
        BookingCommand::Briefing {
            leader,
            date,
            out,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let calendar = calendar(store)?;
            let (rules, _) = load(store, years_around(Period::new(*date, *date)?))?;
            let leader = leader_named(&rules, leader)?;
            let briefings = store
                .leader_briefings(leader, *date, &calendar, today)
                .context("准备接访材料")?;
            if json && out.is_none() {
                return print_json(&briefings);
            }
            let html = fengqiao_roster::export::briefing::to_html(&briefings);
            match out {
                Some(path) => {
                    std::fs::write(path, html.as_bytes())
                        .with_context(|| format!("写入 {}", path.display()))?;
                    let visitors: usize = briefings.iter().map(|b| b.visitors.len()).sum();
                    if json {
                        print_json(
                            &json!({ "file": path, "receptions": briefings.len(), "visitors": visitors }),
                        )?;
                    } else {
                        outln!(
                            "已写出接访准备材料：{} 场接访，{visitors} 位预约来访人 → {}",
                            briefings.len(),
                            path.display()
                        );
                    }
                }
                None => crate::out::stdout().write_all(html.as_bytes())?,
            }
            Ok(())
        }
    }
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// iCalendar (RFC 5545), Asia/Shanghai
    Ics,
    /// CSV for Excel (UTF-8 with BOM)
    Csv,
    /// The printable public notice
    Html,
}

/// Runs one roster subcommand against `store`.
pub fn run_roster(cmd: &RosterCommand, store: &Store, json: bool, today: NaiveDate) -> Result<()> {
    let calendar = calendar(store)?;
    match cmd {
        RosterCommand::Booking(cmd) => run_booking(cmd, store, json, today),
        RosterCommand::Feed(cmd) => crate::feed::run_feed(cmd, store, json),
        RosterCommand::Reschedule {
            slot,
            date,
            hours,
            place,
            reason,
            by,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let (rules, state) = load(store, slot_years(today))?;
            let slot = resolve_slot(&state, slot)?;
            let (start, end) = match hours {
                Some(text) => {
                    let (start, end) = parse_hours(text)?;
                    (Some(start), Some(end))
                }
                None => (None, None),
            };
            let to = changes::Reschedule {
                date: *date,
                start,
                end,
                place: place.clone(),
            };
            let outcome =
                changes::reschedule(&rules, &state, &[], slot, &to, reason, actor(by, today))?;
            write_records(store, &outcome.records)?;
            report_outcome(&rules, &state, &outcome.records, &outcome.diagnostics, json)
        }
        RosterCommand::Generate { rules, from, to } => {
            let period = Period::new(*from, *to)?;
            let text = std::fs::read_to_string(rules)
                .with_context(|| format!("读取排班规则 {}", rules.display()))?;
            let drafted = store
                .draft_roster(Some(&text), &calendar, period)
                .with_context(|| format!("排班规则 {}", rules.display()))?;
            let (parsed, generation, after) = (drafted.rules, drafted.generation, drafted.state);
            let written = generation.records.len();
            let slots = rows(
                &parsed,
                &after,
                RowFilter {
                    period: Some(period),
                    ..RowFilter::default()
                },
            );
            if json {
                return print_json(&json!({
                    "period": period,
                    "written": written,
                    "slots": slots,
                    "diagnostics": with_messages(&generation.diagnostics),
                }));
            }
            outln!(
                "{}：生成 {} 条接访安排（写入 {written} 条记录）",
                period,
                slots.len()
            );
            print_rows(&slots)?;
            print_diagnostics(&generation.diagnostics)?;
            Ok(())
        }
        RosterCommand::Publish {
            from,
            to,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let period = Period::new(*from, *to)?;
            let outcome = store
                .publish_roster(&calendar, period, today)
                .context("发布排班")?;
            let (published, archived, conflicts) =
                (outcome.published, outcome.archived, outcome.conflicts);
            if json {
                return print_json(&json!({
                    "period": period,
                    "published": published,
                    "historic": archived.len(),
                    "conflicts": with_messages(&conflicts),
                }));
            }
            outln!(
                "{period}：公布 {published} 条接访安排，{} 条已过期转为历史",
                archived.len()
            );
            for conflict in &conflicts {
                outln!("冲突：{conflict}");
            }
            Ok(())
        }
        RosterCommand::Show {
            week,
            from,
            to,
            leader,
            ledger: with_ledger,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let period = match (week, from, to) {
                (Some(day), _, _) => Period::week_of(*day),
                (None, Some(from), Some(to)) => Period::new(*from, *to)?,
                _ => Period::week_of(today),
            };
            let (rules, state) = load(store, years_around(period))?;
            let leader_id = leader
                .as_deref()
                .map(|name| leader_named(&rules, name))
                .transpose()?;
            let slots = rows(
                &rules,
                &state,
                RowFilter {
                    period: Some(period),
                    leader: leader_id,
                    published_only: false,
                },
            );
            let entries = if *with_ledger {
                ledger(&rules, &calendar, &state, period, today)
            } else {
                Vec::new()
            };
            let conflicts = if *with_ledger {
                check(&rules, &calendar, &state, &[], period)
            } else {
                Vec::new()
            };
            if json {
                return print_json(&json!({
                    "period": period,
                    "slots": slots,
                    "ledger": entries,
                    "conflicts": with_messages(&conflicts),
                }));
            }
            outln!("{period}");
            print_rows(&slots)?;
            for entry in &entries {
                let debts = if entry.open_debts.is_empty() {
                    String::new()
                } else {
                    format!("，欠调换 {} 次", entry.open_debts.len())
                };
                outln!(
                    "{}：共 {} 次（周一至周日 {:?}），节前 {} 次，补位 {} 次，被补位 {} 次{debts}",
                    entry.name,
                    entry.total(),
                    entry.per_weekday,
                    entry.pre_holiday,
                    entry.covers_given,
                    entry.covers_received
                );
            }
            for conflict in &conflicts {
                outln!("冲突：{conflict}");
            }
            Ok(())
        }
        RosterCommand::Swap {
            slot,
            with,
            reason,
            by,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let (rules, state) = load(store, slot_years(today))?;
            let first = resolve_slot(&state, slot)?;
            let second = match with {
                Some(other) => resolve_slot(&state, other)?,
                None => *changes::swap_partners(&state, &[], first, today)
                    .first()
                    .context(
                        "没有可对调的下月接访安排，请用 --with 指定 (no partner slot; pass --with)",
                    )?,
            };
            let request = SwapRequest {
                id: SwapId::generate(),
                first,
                second,
                reason: reason.clone(),
            };
            let outcome = changes::swap(
                &rules,
                &state,
                &[],
                &request,
                actor(&author(store, by), today),
            )?;
            write_records(store, &outcome.records)?;
            report_outcome(&rules, &state, &outcome.records, &outcome.diagnostics, json)
        }
        RosterCommand::Leave {
            leader,
            from,
            to,
            reason,
            reported_on,
            by,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let leave_period = Period::new(*from, *to)?;
            let (rules, state) = load(store, years_around(leave_period))?;
            let leave = Leave {
                id: LeaveId::generate(),
                leader: leader_named(&rules, leader)?,
                from: *from,
                to: *to,
                reported_on: reported_on.unwrap_or(today),
                reason: reason.clone(),
            };
            let outcome = changes::report_leave(
                &rules,
                &calendar,
                &state,
                &[],
                leave,
                actor(&author(store, by), today),
            )?;
            write_records(store, &outcome.records)?;
            report_outcome(&rules, &state, &outcome.records, &outcome.diagnostics, json)
        }
        RosterCommand::Delegate {
            slot,
            deputy,
            reason,
            by,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let (rules, state) = load(store, slot_years(today))?;
            let slot = resolve_slot(&state, slot)?;
            let deputy = leader_named(&rules, deputy)?;
            let outcome = changes::delegate(
                &rules,
                &state,
                &[],
                slot,
                deputy,
                reason,
                actor(&author(store, by), today),
            )?;
            write_records(store, &outcome.records)?;
            report_outcome(&rules, &state, &outcome.records, &outcome.diagnostics, json)
        }
        RosterCommand::Export {
            format,
            from,
            to,
            leader,
            published,
            out,
            out_dir,
            today: as_of,
        } => {
            let today = as_of.unwrap_or(today);
            let period = Period::new(*from, *to)?;
            let (rules, state) = load(store, years_around(period))?;
            let leader_id = leader
                .as_deref()
                .map(|name| leader_named(&rules, name))
                .transpose()?;
            let published_only = *published || *format == ExportFormat::Html;
            let filter = RowFilter {
                period: Some(period),
                leader: leader_id,
                published_only,
            };
            let selected = rows(&rules, &state, filter);
            // The stamp is the start of the office's day (UTC+8): deterministic for a given day.
            let stamp = Utc.from_utc_datetime(
                &(today.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(8)),
            );
            if let Some(dir) = out_dir {
                if *format != ExportFormat::Ics {
                    bail!("--out-dir 只用于 ics 格式 (--out-dir is for --format ics)");
                }
                return crate::feed::export_feeds(
                    &rules, &state, period, *published, dir, stamp, json,
                );
            }
            let text = match format {
                ExportFormat::Ics => {
                    let name = match &leader {
                        Some(name) => format!("{}接访安排（{name}）", rules.name),
                        None => format!("{}领导接访安排", rules.name),
                    };
                    ics::to_ics(&selected, &name, stamp)
                }
                ExportFormat::Csv => csv::to_csv(&selected),
                ExportFormat::Html => notice::to_html(&rules, &selected, period, today),
            };
            match out {
                Some(path) => {
                    std::fs::write(path, text.as_bytes())
                        .with_context(|| format!("写入 {}", path.display()))?;
                    if json {
                        print_json(&json!({ "file": path, "slots": selected.len() }))?;
                    } else {
                        outln!("已导出 {} 条接访安排到 {}", selected.len(), path.display());
                    }
                }
                None => crate::out::stdout().write_all(text.as_bytes())?,
            }
            Ok(())
        }
    }
}

/// Who changes the roster, as of `today`, now.
fn actor(by: &str, today: NaiveDate) -> Actor<'_> {
    Actor {
        by,
        today,
        at: fengqiao_store::now_cst(),
    }
}

/// `14:30-17:00` (also with `–` or `—`) as two times of day.
fn parse_hours(text: &str) -> Result<(ClockTime, ClockTime)> {
    let parse = |t: &str| {
        chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map(ClockTime)
            .with_context(|| format!("“{t}” 不是 HH:MM 格式的时间"))
    };
    let (start, end) = text
        .split_once(['-', '–', '—'])
        .with_context(|| format!("接访时间“{text}”应写成 开始-结束，例如 14:30-17:00"))?;
    Ok((parse(start)?, parse(end)?))
}

/// The embedded holiday calendars plus the office's corrections from the directory (the
/// store's one policy for a damaged notice).
fn calendar(store: &Store) -> Result<HolidayCalendar> {
    store.holiday_calendar().context("读取节假日安排")
}

/// Who a change is recorded as: `--by`, or the person this device is enrolled for.
fn author(store: &Store, by: &Option<String>) -> String {
    by.clone().unwrap_or_else(|| store.roster_author())
}

fn slot_years(today: NaiveDate) -> impl Iterator<Item = i32> {
    fengqiao_store::roster_years_around(today)
}

fn years_around(period: Period) -> impl Iterator<Item = i32> {
    fengqiao_store::roster_years_for(period)
}

pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let mut out = crate::out::stdout();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// The roster of `years`, warning about records that cannot be read.
fn load_stored(store: &Store, years: impl Iterator<Item = i32>) -> Result<StoredRoster> {
    let roster = store.load_roster(years).context("读取排班")?;
    for e in &roster.unreadable {
        errln!("警告：{e}");
    }
    Ok(roster)
}

/// Every record of the roster documents of `years`.
fn load_state(store: &Store, years: impl Iterator<Item = i32>) -> Result<RosterState> {
    Ok(load_stored(store, years)?.state)
}

/// The rules stored for the latest of `years` that has them, and the state of all `years`.
pub(crate) fn load(
    store: &Store,
    years: impl Iterator<Item = i32>,
) -> Result<(RosterRules, RosterState)> {
    let roster = load_stored(store, years)?;
    let Some(rules) = roster.rules else {
        bail!(
            "尚未载入排班规则，请先运行 fengqiao roster generate --rules FILE (no roster rules yet)"
        );
    };
    Ok((rules, roster.state))
}

/// Writes each record in its own transaction, to the document of its year.
fn write_records(store: &Store, records: &[Record]) -> Result<usize> {
    store.put_roster(records).context("保存排班记录")
}

pub(crate) fn leader_named(rules: &RosterRules, name: &str) -> Result<fengqiao_model::LeaderId> {
    rules.leader_by_name(name).map(|l| l.id).with_context(|| {
        let known: Vec<&str> = rules.leaders.iter().map(|l| l.name.as_str()).collect();
        format!(
            "排班规则中没有领导“{name}”；可选：{} (unknown leader)",
            known.join("、")
        )
    })
}

/// A slot by full id or unique prefix of its id.
fn resolve_slot(state: &RosterState, text: &str) -> Result<SlotId> {
    if let Ok(id) = text.parse::<SlotId>() {
        return Ok(id);
    }
    let prefix = text.trim().to_ascii_lowercase();
    let matches: Vec<SlotId> = state
        .slots
        .keys()
        .filter(|id| id.as_string().starts_with(&prefix))
        .copied()
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => bail!("找不到编号以 {text} 开头的接访安排 (no such slot)"),
        _ => bail!(
            "编号前缀 {text} 对应 {} 条接访安排，请写长一些 (ambiguous slot prefix)",
            matches.len()
        ),
    }
}

fn print_rows(slots: &[SlotRow]) -> Result<()> {
    let mut out = crate::out::stdout();
    for row in slots {
        let date = if row.through == row.date {
            row.date.to_string()
        } else {
            format!("{}至{}", row.date, row.through)
        };
        let who = match &row.deputy {
            Some(deputy) => format!("{}（{}，由{deputy}代）", row.leader, row.title),
            None => format!("{}（{}）", row.leader, row.title),
        };
        writeln!(
            out,
            "{date} {} {}–{} {who} {} [{}] {}",
            row.weekday,
            row.start,
            row.end,
            row.place,
            row.state.zh(),
            &row.id.as_string()[..8]
        )?;
    }
    Ok(())
}

/// Each item as JSON with its sentence for people added as `message`.
fn with_messages<T: serde::Serialize + std::fmt::Display>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .map(|item| {
            let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut value {
                map.insert("message".to_owned(), Value::String(item.to_string()));
            }
            value
        })
        .collect()
}

fn print_diagnostics(diagnostics: &[Diagnostic]) -> Result<()> {
    for diagnostic in diagnostics {
        outln!("{diagnostic}");
    }
    Ok(())
}

/// Prints the slots a change wrote and its diagnostics.
fn report_outcome(
    rules: &RosterRules,
    before: &RosterState,
    records: &[Record],
    diagnostics: &[Diagnostic],
    json: bool,
) -> Result<()> {
    let mut after = before.clone();
    after.apply_all(records.iter().cloned());
    let changed: BTreeSet<SlotId> = records
        .iter()
        .filter_map(|r| {
            if let Record::Slot(s) = r {
                Some(s.id)
            } else {
                None
            }
        })
        .collect();
    let slots: Vec<SlotRow> = rows(rules, &after, RowFilter::default())
        .into_iter()
        .filter(|r| changed.contains(&r.id))
        .collect();
    if json {
        return print_json(
            &json!({ "slots": slots, "diagnostics": with_messages(diagnostics), "written": records.len() }),
        );
    }
    outln!("已保存 {} 条记录", records.len());
    print_rows(&slots)?;
    print_diagnostics(diagnostics)?;
    Ok(())
}
