//! `init`, `case …`, `conflicts …`, `export`, `demo` and `doctor`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use fengqiao_model::{
    CaseStatus, Channel, EventCode, EventKind, PanelKind, PersonId, Petitioner, Registration,
    ReplyType, Role, Route, Satisfaction,
};
use fengqiao_store::{CaseFilter, InitOptions, Store, demo, now_cst};
use serde_json::json;

use crate::case_text::{print_case, print_list};
use crate::complete::{self, Reads};

/// Opens the store, or explains how to create one. A store whose directory document is
/// damaged is refused (every answer from it would be wrong) until it is repaired.
pub fn open(data_dir: &Path) -> Result<Store> {
    let store = open_damaged(data_dir)?;
    if let Some(damage) = store.directory_damage()? {
        store.close();
        bail!("{damage}");
    }
    Ok(store)
}

/// Opens the store even when its directory is damaged: for the commands that report or
/// repair damage (`doctor`).
pub fn open_damaged(data_dir: &Path) -> Result<Store> {
    match crate::keys::open_store(data_dir) {
        Ok(store) => Ok(store),
        // The directory's only files quarantined: opening fails; say why, and what to do.
        Err(e) => match fengqiao_store::quarantined_directory(data_dir) {
            Some(damage) => Err(anyhow::Error::new(e).context(damage.to_string())),
            None => Err(e).with_context(|| format!("打开数据目录 {}", data_dir.display())),
        },
    }
}

pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    // Serialised first, so a closed pipe is a plain I/O error (see `out`).
    let mut text = serde_json::to_vec_pretty(value)?;
    text.push(b'\n');
    crate::out::stdout().write_all(&text)?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// A name for this laptop, e.g. "港口镇信访办笔记本".
    #[arg(long)]
    device_name: String,
    /// The county (市/县).
    #[arg(long, default_value = demo::DEMO_COUNTY)]
    county: String,
    /// Role: office, township, leader, admin, read-only (or the Chinese names).
    #[arg(long, default_value = "office")]
    role: String,
    /// Townships this device works in, comma-separated; empty for the county office.
    #[arg(long, value_delimiter = ',')]
    scope: Vec<String>,
    /// The staff member using this device.
    #[arg(long, default_value = "信访干部")]
    person: String,
    /// The county's townships, comma-separated; default: the demo county's.
    #[arg(long, value_delimiter = ',')]
    townships: Vec<String>,
    #[command(flatten)]
    encryption: crate::keys::EncryptArgs,
}

pub fn init(data_dir: &Path, args: &InitArgs, json: bool) -> Result<()> {
    let role = Role::parse(&args.role)?;
    let townships = if args.townships.is_empty() {
        demo::demo_townships()
    } else {
        args.townships
            .iter()
            .map(|n| fengqiao_store::TownshipSpec {
                name: n.trim().to_owned(),
                code: String::new(),
                villages: Vec::new(),
            })
            .collect()
    };
    let key = args.encryption.keyring_for(data_dir, &args.person, false)?;
    let init = |opts| match &key {
        Some(key) => Store::init_sealed(data_dir, opts, key),
        None => Store::init(data_dir, opts),
    };
    let store = init(InitOptions {
        device_name: args.device_name.clone(),
        county: args.county.clone(),
        role,
        scope: args
            .scope
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        person_name: args.person.clone(),
        townships,
        // A laptop joins an existing county by enrolment (`fengqiao enrol`): only the
        // office may add it to the directory.
        directory: None,
    })
    .with_context(|| format!("初始化数据目录 {}", data_dir.display()))?;
    // The county founded encrypted names its recovery key in its directory, for every
    // laptop it enrols later.
    if key.is_some() && role.maintains_county_records() {
        store.publish_recovery_key(&args.encryption.recovery()?)?;
    }
    let id = store.identity().clone();
    if json {
        print_json(&id)?;
    } else {
        outln!(
            "已初始化：{}（{}，编号前缀 {}）",
            id.device_name,
            id.county,
            id.device_code
        );
        outln!("数据目录：{}", data_dir.display());
    }
    store.close();
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Register a case, from flags or a JSON registration (`--file FILE`, `-` for stdin).
    Add(Box<AddArgs>),
    /// List cases.
    List(ListArgs),
    /// Show one case (by id or case number) with events, clocks, notes and conflicts.
    Show { case: String },
    /// Record an event; KIND is one of: registered, routed, forwarded, assigned, objected,
    /// diverted, not-accepted, not-reaccepted, accepted, fast-track, acknowledged, extended,
    /// mediated, hearing, replied, review-requested, review-opinion, re-review-requested,
    /// re-review-opinion, closed, finalized, follow-up.
    Event(Box<EventArgs>),
    /// Add a note.
    Note { case: String, text: String },
    /// Set one field, e.g. `route 矛盾纠纷`, `lead_unit 司法局`, `flags.supervised true`.
    Set {
        case: String,
        field: String,
        value: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A JSON registration file (`-` reads standard input).
    #[arg(long, conflicts_with_all = ["township", "request", "name"], value_parser = crate::out::user_path)]
    file: Option<PathBuf>,
    #[arg(long)]
    township: Option<String>,
    #[arg(long, default_value = "")]
    village: String,
    /// Petitioner's name.
    #[arg(long)]
    name: Option<String>,
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long, default_value = "")]
    address: String,
    #[arg(long, default_value = "")]
    id_number: String,
    /// What the petitioner asks for.
    #[arg(long)]
    request: Option<String>,
    #[arg(long, default_value = "")]
    facts: String,
    #[arg(long, default_value = "来访")]
    channel: String,
    #[arg(long)]
    route: Option<String>,
    /// The unit that received the item (受理登记单位) as the directory names it; default
    /// this device's unit (the county 信访局 for an office device, its township for a
    /// township's). Its kind decides between 第二十二条's and 第二十三条's clocks.
    #[arg(long)]
    received_by: Option<String>,
    /// Register even though an ID number or phone number looks wrong (the warnings
    /// are printed first).
    #[arg(long)]
    accept_warnings: bool,
    /// Received on (YYYY-MM-DD); default today.
    #[arg(long)]
    received_on: Option<NaiveDate>,
    /// Representatives of a group visit (repeatable).
    #[arg(long = "representative")]
    representatives: Vec<String>,
    #[arg(long)]
    head_count: Option<u32>,
    /// The content type (内容类别), e.g. 检举控告类. An accusation's accuser and text are
    /// kept apart from the case (第三十条第三款).
    #[arg(long)]
    content_type: Option<String>,
    /// Keep the petitioner and the content apart as for an accusation (涉密).
    #[arg(long)]
    confidential: bool,
}

impl AddArgs {
    /// Whether the registration comes from standard input (`--file -`).
    pub fn reads_stdin(&self) -> bool {
        self.file.as_deref().is_some_and(|p| p.as_os_str() == "-")
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    township: Option<String>,
    /// Status code or Chinese name (e.g. in-progress, 办理中).
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    route: Option<String>,
    #[arg(long)]
    from: Option<NaiveDate>,
    #[arg(long)]
    to: Option<NaiveDate>,
    /// Text to search in numbers, names, villages and content.
    #[arg(long)]
    text: Option<String>,
    /// Only cases with an overdue statutory clock (the app's 仅超期), the longest waiting
    /// first, each with its overdue clock.
    #[arg(long)]
    overdue: bool,
    /// Show at most this many rows (text output).
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

#[derive(Debug, Args)]
pub struct EventArgs {
    case: String,
    kind: String,
    /// The legal date of the event (default today).
    #[arg(long)]
    date: Option<NaiveDate>,
    #[arg(long)]
    route: Option<String>,
    #[arg(long)]
    unit: Option<String>,
    #[arg(long)]
    reason: Option<String>,
    #[arg(long)]
    procedure: Option<String>,
    #[arg(long)]
    reply: Option<String>,
    #[arg(long)]
    days: Option<u32>,
    #[arg(long)]
    approved_by: Option<String>,
    #[arg(long)]
    satisfaction: Option<String>,
    #[arg(long)]
    agreement: Option<String>,
    #[arg(long)]
    outcome: Option<String>,
    /// evaluated: the reply's quality (满意/基本满意/不满意)
    #[arg(long)]
    reply_quality: Option<String>,
    /// evaluated: the handling's timeliness (满意/基本满意/不满意)
    #[arg(long)]
    timeliness: Option<String>,
    /// follow-up-scheduled: the follow-up visit's due date
    #[arg(long)]
    due: Option<NaiveDate>,
    /// hearing-session: 听证团 (hearing) or 评议团 (evaluation)
    #[arg(long)]
    panel: Option<String>,
    /// hearing-session: each day the panel sat (repeat the flag)
    #[arg(long = "day")]
    days_sat: Vec<NaiveDate>,
    /// hearing-session: members' person ids from the directory (repeat the flag)
    #[arg(long = "member")]
    members: Vec<String>,
    /// hearing-session: the minutes (记录)
    #[arg(long, default_value = "")]
    minutes: String,
    #[arg(long, default_value = "")]
    remark: String,
}

fn need<T: Clone>(v: &Option<T>, flag: &str, kind: &str) -> Result<T> {
    v.clone()
        .with_context(|| format!("事件 {kind} 需要参数 --{flag}"))
}

fn event_kind(a: &EventArgs) -> Result<EventKind> {
    let code = EventCode::parse(&a.kind)?;
    let k = code.code();
    use EventCode as E;
    Ok(match code {
        E::Registered => EventKind::Registered,
        E::Routed => EventKind::Routed {
            route: Route::parse(&need(&a.route, "route", k)?)?,
        },
        E::Forwarded => EventKind::Forwarded {
            unit: need(&a.unit, "unit", k)?,
        },
        E::Assigned => EventKind::Assigned {
            unit: need(&a.unit, "unit", k)?,
        },
        E::Objected => EventKind::Objected {
            unit: need(&a.unit, "unit", k)?,
            reason: need(&a.reason, "reason", k)?,
        },
        E::Diverted => EventKind::Diverted {
            procedure: need(&a.procedure, "procedure", k)?,
        },
        E::NotAccepted => EventKind::NotAccepted {
            reason: need(&a.reason, "reason", k)?,
        },
        E::NotReaccepted => EventKind::NotReaccepted {
            reason: need(&a.reason, "reason", k)?,
        },
        E::Accepted => EventKind::Accepted,
        E::FastTrack => EventKind::FastTrack,
        E::Acknowledged => EventKind::Acknowledged,
        E::Extended => EventKind::Extended {
            days: need(&a.days, "days", k)?,
            approved_by: need(&a.approved_by, "approved-by", k)?,
            reason: need(&a.reason, "reason", k)?,
        },
        E::Mediated => EventKind::Mediated {
            agreement: need(&a.agreement, "agreement", k)?,
        },
        E::Hearing => EventKind::Hearing {
            days: need(&a.days, "days", k)?,
        },
        E::Replied => EventKind::Replied {
            reply: ReplyType::parse(&need(&a.reply, "reply", k)?)?,
        },
        E::ReviewRequested => EventKind::ReviewRequested,
        E::ReviewOpinion => EventKind::ReviewOpinion {
            reply: ReplyType::parse(&need(&a.reply, "reply", k)?)?,
        },
        E::ReReviewRequested => EventKind::ReReviewRequested,
        E::ReReviewOpinion => EventKind::ReReviewOpinion {
            reply: ReplyType::parse(&need(&a.reply, "reply", k)?)?,
        },
        E::Closed => EventKind::Closed {
            satisfaction: a
                .satisfaction
                .as_deref()
                .map(Satisfaction::parse)
                .transpose()?,
        },
        E::Finalized => EventKind::Finalized,
        E::FollowUp => EventKind::FollowUp {
            outcome: need(&a.outcome, "outcome", k)?,
        },
        E::Evaluated => EventKind::Evaluated {
            reply_quality: Satisfaction::parse(&need(&a.reply_quality, "reply-quality", k)?)?,
            timeliness: Satisfaction::parse(&need(&a.timeliness, "timeliness", k)?)?,
        },
        E::FollowUpScheduled => EventKind::FollowUpScheduled {
            due: need(&a.due, "due", k)?,
        },
        E::HearingSession => {
            if a.days_sat.is_empty() {
                bail!("事件 {k} 需要参数 --day（可重复，每个听证/评议日一次）");
            }
            let mut days = a.days_sat.clone();
            days.sort();
            days.dedup();
            EventKind::HearingSession {
                panel: PanelKind::parse(&need(&a.panel, "panel", k)?)?,
                days,
                members: a
                    .members
                    .iter()
                    .map(|m| {
                        m.parse::<PersonId>()
                            .with_context(|| format!("--member “{m}” 不是人员编号"))
                    })
                    .collect::<Result<_>>()?,
                outcome: need(&a.outcome, "outcome", k)?,
                minutes: a.minutes.clone(),
            }
        }
    })
}

fn registration_from(args: &AddArgs) -> Result<Registration> {
    if let Some(path) = &args.file {
        let text = if path.as_os_str() == "-" {
            String::from_utf8(crate::out::read_stdin().context("读取标准输入")?)
                .context("标准输入不是 UTF-8 文本")?
        } else {
            std::fs::read_to_string(path).with_context(|| format!("读取 {}", path.display()))?
        };
        return serde_json::from_str(&text)
            .with_context(|| format!("登记 JSON 格式有误（{}）", path.display()));
    }
    let received_on = args.received_on.unwrap_or_else(|| now_cst().date_naive());
    let mut reg = Registration::new(
        Channel::parse(&args.channel)?,
        received_on,
        args.township.as_deref().unwrap_or_default(),
        args.request.as_deref().unwrap_or_default(),
    );
    if let Some(name) = &args.name {
        reg.petitioners.push(Petitioner {
            name: name.clone(),
            phone: args.phone.clone(),
            address: args.address.clone(),
            id_number: args.id_number.clone(),
            ..Petitioner::default()
        });
    }
    reg.representatives = args
        .representatives
        .iter()
        .map(|n| Petitioner {
            name: n.clone(),
            ..Petitioner::default()
        })
        .collect();
    let named = reg.petitioners.len().max(reg.representatives.len()) as u32;
    reg.head_count = args.head_count.unwrap_or(named.max(1));
    reg.village = args.village.clone();
    reg.content.facts = args.facts.clone();
    reg.route = args.route.as_deref().map(Route::parse).transpose()?;
    reg.content_type = args
        .content_type
        .as_deref()
        .map(fengqiao_model::ContentType::parse)
        .transpose()?;
    reg.flags.confidential = args.confidential;
    reg.received_by = args.received_by.clone().unwrap_or_default();
    reg.flags.group = args.representatives.len() > 1;
    Ok(reg)
}

pub fn run_case(store: &Store, cmd: &CaseCommand, json_out: bool) -> Result<()> {
    match cmd {
        CaseCommand::Add(args) => {
            let reg = registration_from(args)?;
            // An odd ID or phone number may still be real: the clerk looks, then confirms.
            let odd = fengqiao_model::validate::registration_warnings(&reg, now_cst().date_naive());
            if !odd.is_empty() {
                for w in &odd {
                    errln!("警告：{w}");
                }
                if !args.accept_warnings {
                    bail!(
                        "未登记：以上 {} 项请核对；确认无误请加 --accept-warnings 重新登记",
                        odd.len()
                    );
                }
            }
            let case = store.add_case(reg)?;
            // Saved first, then checked: a repeat petition is still registered (第三十六条
            // decides acceptance, not registration), and the clerk is told at once.
            let matches = store.check_registration(&case.registration, Some(case.id))?;
            let warnings = crate::duplicates::registration_warnings(&matches);
            if json_out {
                // Standard output stays the case as saved; the warnings go to standard error.
                print_json(&case)?;
                for line in warnings {
                    errln!("{line}");
                }
            } else {
                outln!("已登记 {}（{}），已保存到磁盘", case.number, case.id);
                for line in warnings {
                    outln!("{line}");
                }
            }
        }
        CaseCommand::List(args) => {
            let filter = CaseFilter {
                township: args.township.clone(),
                status: match &args.status {
                    Some(s) => Some(CaseStatus::parse(s).with_context(|| {
                        format!(
                            "未知的状态 “{s}”；可选：{}",
                            CaseStatus::ALL
                                .iter()
                                .map(|s| format!("{}({})", s.zh(), s.code()))
                                .collect::<Vec<_>>()
                                .join("、")
                        )
                    })?),
                    None => None,
                },
                route: args.route.as_deref().map(Route::parse).transpose()?,
                from: args.from,
                to: args.to,
                text: args.text.clone(),
            };
            let cases = store.list_cases(&filter)?;
            let printed = if args.overdue {
                let clocks = crate::report::clock_index(store)?;
                let cases = crate::report::overdue_only(cases, &clocks);
                print_list(&cases, args.limit, json_out, Some(&clocks))
            } else {
                print_list(&cases, args.limit, json_out, None)
            };
            complete::after(store, Reads::Cases, printed)?;
        }
        CaseCommand::Show { case } => {
            // Opening a confidential case is recorded in this device's access trail.
            let record = match store.open_case(case) {
                Ok(record) => record,
                Err(fengqiao_store::StoreError::NoSuchCase(_)) => {
                    // Not found is not an answer while case documents are damaged: the
                    // case may be in one of them.
                    let gaps = complete::gaps(store, Reads::Cases)?;
                    if gaps.is_empty() {
                        bail!(fengqiao_store::StoreError::NoSuchCase(case.clone()));
                    }
                    for g in &gaps {
                        errln!("警告：{}", g.zh());
                    }
                    bail!(
                        "在可读的文档中找不到案件 {case}，但有 {} 个文档已损坏或不完整，案件可能在其中（结果不完整）；用 fengqiao doctor 查看，用 fengqiao repair 从县服务器或其他设备恢复",
                        gaps.len()
                    );
                }
                Err(e) => return Err(e.into()),
            };
            let cal = store.holiday_calendar()?;
            let law = store.law_context()?;
            let (clocks, lines) = crate::law::clocks_json(&record, &cal, &law);
            let contradictions = store.case_contradictions(case)?;
            let printed = (|| -> Result<()> {
                if json_out {
                    let mut value = serde_json::to_value(&record)?;
                    if let Some(o) = value.as_object_mut() {
                        o.insert("clocks".into(), clocks);
                        o.insert(
                            "contradictions".into(),
                            serde_json::to_value(&contradictions)?,
                        );
                    }
                    print_json(&value)?;
                } else {
                    print_case(&record, &lines)?;
                    for c in &contradictions {
                        outln!("办理矛盾 {}：{}", c.key, c.kind.zh());
                        for item in &c.items {
                            outln!(
                                "  · {} —— {}",
                                item.what,
                                item.person_name.as_deref().unwrap_or("?")
                            );
                        }
                    }
                }
                Ok(())
            })();
            // The case's own document: events or notes in missing changes are not shown.
            let gaps = store.gaps_in(&record.document)?;
            if gaps.is_empty() {
                complete::fail_on_unreadable(&record.unreadable)?;
                printed?;
            } else {
                complete::fail_on(&gaps)?;
            }
        }
        CaseCommand::Event(args) => {
            let kind = event_kind(args)?;
            // A hearing session is dated by its first day.
            let first_day = match &kind {
                EventKind::HearingSession { days, .. } => days.first().copied(),
                _ => None,
            };
            let date = args
                .date
                .or(first_day)
                .unwrap_or_else(|| now_cst().date_naive());
            let event = store.add_event(&args.case, kind, date, &args.remark)?;
            if json_out {
                print_json(&event)?;
            } else {
                outln!("已记录 {} {}", event.date, event.kind.zh());
            }
        }
        CaseCommand::Note { case, text } => {
            let note = store.add_note(case, text)?;
            if json_out {
                print_json(&note)?;
            } else {
                outln!("已添加备注（{}）", note.written_at.format("%Y-%m-%d %H:%M"));
            }
        }
        CaseCommand::Set { case, field, value } => {
            store.set_field(case, field, value)?;
            if json_out {
                print_json(&json!({"case": case, "field": field, "value": value}))?;
            } else {
                outln!("已修改 {field}");
            }
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = demo::DEMO_CASES)]
    cases: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Last day of the generated year (default today).
    #[arg(long)]
    end: Option<NaiveDate>,
}

pub fn demo(data_dir: &Path, args: &DemoArgs, json_out: bool) -> Result<()> {
    let end = args.end.unwrap_or_else(|| now_cst().date_naive());
    let opts = demo::DemoOptions {
        cases: args.cases,
        seed: args.seed,
        end,
    };
    let bar = indicatif::ProgressBar::new(args.cases as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("生成演示数据");
    if json_out {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    // A fresh directory gets the whole demo county, the same as the app's first start;
    // an existing county gets the cases only.
    let fresh = !data_dir.join("device.json").exists();
    let (store, written) = if fresh {
        let store = demo::create_county(data_dir, opts, |step| match step {
            demo::DemoStep::Cases { written, .. } => bar.set_position(written as u64),
            demo::DemoStep::Roster => bar.set_message("排出接访排班"),
            demo::DemoStep::Desk => bar.set_message("登记单位与预约"),
            demo::DemoStep::Directory => {}
        })
        .context("创建演示县")?;
        (store, args.cases)
    } else {
        let store = open(data_dir)?;
        let ids = store.import_cases(demo::generate(opts), |n| bar.set_position(n as u64))?;
        (store, ids.len())
    };
    bar.finish_and_clear();
    if json_out {
        print_json(
            &json!({"cases": written, "seed": args.seed, "end": end.to_string(), "county": fresh}),
        )?;
    } else {
        outln!(
            "已生成 {} 件演示案件（种子 {}，截至 {}）{}",
            written,
            args.seed,
            end,
            if fresh {
                "，以及本月已发布、下月草稿的接访排班和预约"
            } else {
                ""
            }
        );
    }
    store.close();
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Add or replace a year's notice (TOML, as in crates/rules/data/holidays/).
    Add {
        #[arg(value_parser = crate::out::user_path)]
        file: PathBuf,
    },
    /// The years the office has added.
    List,
}

pub fn run_calendar(store: &Store, cmd: &CalendarCommand, json_out: bool) -> Result<()> {
    match cmd {
        CalendarCommand::Add { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("读取 {}", file.display()))?;
            let year = fengqiao_rules::YearCalendar::from_toml(&text)
                .with_context(|| format!("节假日安排 {} 有误", file.display()))?
                .year;
            store.put_calendar_override(year, &text)?;
            if json_out {
                print_json(&json!({"year": year}))?;
            } else {
                outln!("已保存 {year} 年节假日安排，将同步到所有设备");
            }
        }
        CalendarCommand::List => {
            let years: Vec<i32> = store.calendar_overrides()?.into_keys().collect();
            if json_out {
                print_json(&years)?;
            } else {
                for y in &years {
                    outln!("{y}");
                }
            }
        }
    }
    Ok(())
}
