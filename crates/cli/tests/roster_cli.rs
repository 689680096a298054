//! `fengqiao roster …` against a real store in a temporary directory.
//!
//! The roster commands are driven in-process through their clap definition and
//! `run_roster`, exactly as the binary drives them; results are read back from the store.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Parser;
use fengqiao_cli::roster::{RosterCommand, run_roster};
use fengqiao_model::Role;
use fengqiao_roster::{Slot, SlotState};
use fengqiao_store::{InitOptions, Store};

/// The shape the binary gives the roster commands: a global `--json` and the subcommand.
#[derive(Debug, Parser)]
struct Args {
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: RosterCommand,
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 12, 20).unwrap_or_default()
}

fn rules_file() -> PathBuf {
    Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    )
    .join("../../examples/roster/ningguo.toml")
}

fn store(dir: &Path) -> Store {
    Store::init(
        dir,
        InitOptions {
            device_name: "信访局笔记本".into(),
            county: "宁国市".into(),
            role: Role::Office,
            scope: Vec::new(),
            person_name: "王五".into(),
            townships: Vec::new(),
            directory: None,
        },
    )
    .unwrap_or_else(|e| panic!("init: {e}"))
}

fn run(store: &Store, args: &[&str]) -> anyhow::Result<()> {
    let parsed = Args::try_parse_from(std::iter::once("roster").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    run_roster(&parsed.command, store, parsed.json, today())
}

fn ok(store: &Store, args: &[&str]) {
    if let Err(e) = run(store, args) {
        panic!("roster {args:?} failed: {e:#}");
    }
}

fn slots(store: &Store, year: i32) -> Vec<Slot> {
    let records = store
        .roster_records(year, "slots")
        .unwrap_or_else(|e| panic!("{e}"));
    records
        .into_iter()
        .map(|(key, value)| {
            serde_json::from_value(value).unwrap_or_else(|e| panic!("slot {key}: {e}"))
        })
        .collect()
}

fn generate_q1(store: &Store) {
    let rules = rules_file();
    let rules = rules.to_str().unwrap_or_else(|| panic!("path"));
    ok(
        store,
        &[
            "generate",
            "--rules",
            rules,
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--json",
        ],
    );
}

#[test]
fn generate_publish_leave_swap_and_export_through_the_store() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = store(dir.path());
    generate_q1(&store);
    let drafted = slots(&store, 2026);
    assert!(
        drafted.len() > 150,
        "Q1 has city, township and on-call slots: {}",
        drafted.len()
    );
    assert!(drafted.iter().all(|s| s.state == SlotState::Draft));
    let rules = store
        .roster_records(2026, "rules")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.len(), 1);
    // The on-call week that starts on Mon 29 Dec 2025 lives in 2025's document.
    assert_eq!(slots(&store, 2025).len(), 1);

    // Generating again writes nothing new and changes nothing.
    generate_q1(&store);
    assert_eq!(slots(&store, 2026).len(), drafted.len());

    ok(
        &store,
        &["publish", "--from", "2026-01-01", "--to", "2026-03-31"],
    );
    let published = slots(&store, 2026);
    assert!(published.iter().all(|s| s.state == SlotState::Published));

    // A leave reported three days ahead of a published reception: recorded, filled, changed.
    let mut city: Vec<&Slot> = published
        .iter()
        .filter(|s| s.rule == "city-weekly")
        .collect();
    city.sort_by_key(|s| s.date);
    let target = city[2];
    let leaders = fengqiao_roster::RosterRules::from_toml(
        &std::fs::read_to_string(rules_file()).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let name = leaders
        .leader(target.leader)
        .map(|l| l.name.clone())
        .unwrap_or_default();
    let reported = (target.date - chrono::Duration::days(3)).to_string();
    let from = target.date.to_string();
    ok(
        &store,
        &[
            "leave",
            "--leader",
            &name,
            "--from",
            &from,
            "--to",
            &from,
            "--reason",
            "外出学习",
            "--reported-on",
            &reported,
            "--today",
            &reported,
        ],
    );
    let after_leave = slots(&store, 2026);
    let filled = after_leave
        .iter()
        .find(|s| s.id == target.id)
        .unwrap_or_else(|| panic!("slot gone"));
    assert_ne!(filled.leader, target.leader);
    assert_eq!(
        store
            .roster_records(2026, "leave")
            .map(|r| r.len())
            .unwrap_or_default(),
        1
    );
    assert_eq!(
        store
            .roster_records(2026, "changes")
            .map(|r| r.len())
            .unwrap_or_default(),
        1
    );

    // A swap of a published slot without a reason is refused; with one, recorded.
    let short = &city[5].id.as_string()[..8];
    let refused = run(&store, &["swap", "--slot", short, "--today", "2025-12-21"]);
    assert!(refused.is_err_and(|e| format!("{e:#}").contains("理由")));
    ok(
        &store,
        &[
            "swap",
            "--slot",
            short,
            "--reason",
            "与下月对调",
            "--today",
            "2025-12-21",
        ],
    );
    assert_eq!(
        store
            .roster_records(2026, "swaps")
            .map(|r| r.len())
            .unwrap_or_default(),
        1
    );
    assert_eq!(
        store
            .roster_records(2026, "changes")
            .map(|r| r.len())
            .unwrap_or_default(),
        3
    );

    // Exports.
    let ics = dir.path().join("office.ics");
    let ics_arg = ics.to_str().unwrap_or_default();
    ok(
        &store,
        &[
            "export",
            "--format",
            "ics",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
            "--out",
            ics_arg,
        ],
    );
    let text = std::fs::read_to_string(&ics).unwrap_or_default();
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai"));
    assert!(text.contains("DTSTART;TZID=Asia/Shanghai:20260106T083000"));
    let feeds = dir.path().join("feeds");
    ok(
        &store,
        &[
            "export",
            "--format",
            "ics",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--out-dir",
            feeds.to_str().unwrap_or_default(),
        ],
    );
    let files = std::fs::read_dir(&feeds)
        .map(|d| d.count())
        .unwrap_or_default();
    assert_eq!(
        files,
        1 + leaders.leaders.len(),
        "the office feed and one per leader"
    );
    let csv = dir.path().join("roster.csv");
    ok(
        &store,
        &[
            "export",
            "--format",
            "csv",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--out",
            csv.to_str().unwrap_or_default(),
        ],
    );
    let bytes = std::fs::read(&csv).unwrap_or_default();
    assert!(
        bytes.starts_with(&[0xef, 0xbb, 0xbf]),
        "UTF-8 BOM for Excel"
    );
    let html = dir.path().join("notice.html");
    ok(
        &store,
        &[
            "export",
            "--format",
            "html",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
            "--out",
            html.to_str().unwrap_or_default(),
        ],
    );
    let notice = std::fs::read_to_string(&html).unwrap_or_default();
    assert!(notice.contains("宁国市领导干部接访安排公示") && notice.contains("宁国市信访局"));

    ok(&store, &["show", "--week", "2026-01-05", "--json"]);
    ok(
        &store,
        &[
            "show",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--leader",
            &name,
            "--ledger",
        ],
    );
    store.close();

    // Everything is on disk: a reopened store shows the same roster.
    let reopened = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(slots(&reopened, 2026).len(), drafted.len());
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = store(dir.path());
    let no_rules = run(&store, &["show"]);
    assert!(no_rules.is_err_and(|e| format!("{e:#}").contains("尚未载入排班规则")));
    generate_q1(&store);
    let unknown = run(
        &store,
        &[
            "leave",
            "--leader",
            "不存在",
            "--from",
            "2026-01-05",
            "--to",
            "2026-01-06",
        ],
    );
    assert!(unknown.is_err_and(|e| format!("{e:#}").contains("没有领导“不存在”")));
    let backwards = run(
        &store,
        &["publish", "--from", "2026-03-01", "--to", "2026-01-01"],
    );
    assert!(backwards.is_err_and(|e| format!("{e:#}").contains("早于")));
    let bad_rules = dir.path().join("bad.toml");
    std::fs::write(&bad_rules, "county = \"x\"\n").unwrap_or_else(|e| panic!("{e}"));
    let refused = run(
        &store,
        &[
            "generate",
            "--rules",
            bad_rules.to_str().unwrap_or_default(),
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
        ],
    );
    assert!(refused.is_err_and(|e| format!("{e:#}").contains("排班规则文件格式错误")));
    let bad_date = Args::try_parse_from([
        "roster",
        "publish",
        "--from",
        "2026-13-01",
        "--to",
        "2026-12-31",
    ]);
    assert!(bad_date.is_err());
}

/// The `fengqiao` binary itself: `--data-dir DIR init`, then `roster …` as a clerk types it.
mod binary {
    use std::path::Path;
    use std::process::{Command, Output};

    fn fengqiao(dir: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fengqiao"))
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run fengqiao: {e}"))
    }

    fn ok(dir: &Path, args: &[&str]) -> String {
        let out = fengqiao(dir, args);
        assert!(
            out.status.success(),
            "fengqiao {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("utf-8: {e}"))
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    #[test]
    fn generate_show_publish_and_export_with_the_binary() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = dir.path();
        ok(
            dir,
            &[
                "init",
                "--device-name",
                "宁国市信访局",
                "--county",
                "宁国市",
                "--role",
                "office",
            ],
        );
        let rules = super::rules_file();
        let rules = rules.to_str().unwrap_or_default();
        let generated = json(&ok(
            dir,
            &[
                "roster",
                "generate",
                "--rules",
                rules,
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--json",
            ],
        ));
        let slots = generated["slots"]
            .as_array()
            .unwrap_or_else(|| panic!("slots: {generated}"));
        assert!(slots.len() > 150);
        for slot in slots {
            for field in [
                "date", "start", "end", "leader", "level", "place", "state", "title",
            ] {
                assert!(slot[field].is_string(), "{field} missing in {slot}");
            }
        }
        let first_city = slots
            .iter()
            .find(|s| s["rule"] == "city-weekly")
            .unwrap_or_else(|| panic!("no city slot"));
        assert_eq!(
            first_city["date"], "2026-01-04",
            "the make-up Sunday after New Year"
        );
        assert_eq!(
            (first_city["start"].as_str(), first_city["end"].as_str()),
            (Some("08:30"), Some("11:30"))
        );
        assert_eq!(first_city["state"], "draft");
        let explained = generated["diagnostics"].as_array().is_some_and(|d| {
            d.iter().any(|x| {
                x["what"] == "no-reception-day"
                    && x["week_of"] == "2026-02-16"
                    && x["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("没有可接访的工作日"))
            })
        });
        assert!(
            explained,
            "the Spring Festival week is explained: {}",
            generated["diagnostics"]
        );

        let week = json(&ok(
            dir,
            &["roster", "show", "--week", "2026-02-18", "--json"],
        ));
        let in_festival = week["slots"]
            .as_array()
            .map(|s| s.iter().filter(|x| x["kind"] == "reception").count());
        assert_eq!(
            in_festival,
            Some(0),
            "no reception in the Spring Festival week"
        );

        let published = json(&ok(
            dir,
            &[
                "roster",
                "publish",
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--today",
                "2025-12-20",
                "--json",
            ],
        ));
        // Every slot shown for Q1, including the on-call week that starts on Mon 29 Dec.
        assert_eq!(published["published"].as_u64(), Some(slots.len() as u64));
        let secretary = first_city["leader"].as_str().unwrap_or_default();
        let mine = json(&ok(
            dir,
            &[
                "roster",
                "show",
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--leader",
                secretary,
                "--json",
            ],
        ));
        assert!(mine["slots"].as_array().is_some_and(|s| {
            s.iter()
                .all(|x| x["leader"] == secretary && x["state"] == "published")
        }));

        let ics = ok(
            dir,
            &[
                "roster",
                "export",
                "--format",
                "ics",
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-31",
                "--leader",
                secretary,
            ],
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("TZID:Asia/Shanghai"));
        assert!(ics.contains("DTSTART;TZID=Asia/Shanghai:20260104T083000"));

        let refused = fengqiao(
            dir,
            &[
                "roster",
                "leave",
                "--leader",
                "无此人",
                "--from",
                "2026-01-05",
                "--to",
                "2026-01-05",
            ],
        );
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("没有领导“无此人”"));
    }
}

#[test]
fn feeds_are_issued_reissued_and_revoked_and_a_slot_rescheduled() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = store(dir.path());
    generate_q1(&store);
    ok(
        &store,
        &["publish", "--from", "2026-01-01", "--to", "2026-03-31"],
    );
    let refused = |args: &[&str]| match run(&store, args) {
        Ok(()) => panic!("roster {args:?} was accepted"),
        Err(e) => format!("{e:#}"),
    };
    // The first link needs the server's public address; a wrong one is named.
    let e = refused(&["feed", "issue", "--leader", "赵志刚"]);
    assert!(e.contains("--base-url"), "{e}");
    let e = refused(&[
        "feed",
        "issue",
        "--leader",
        "赵志刚",
        "--base-url",
        "rili.example.gov.cn",
    ]);
    assert!(e.contains("订阅地址") && e.contains("https://"), "{e}");
    let e = refused(&[
        "feed",
        "issue",
        "--leader",
        "无此人",
        "--base-url",
        "https://rili.example.gov.cn",
    ]);
    assert!(e.contains("无此人"), "{e}");
    let e = refused(&[
        "feed",
        "issue",
        "--township",
        "无此镇",
        "--base-url",
        "https://rili.example.gov.cn",
    ]);
    assert!(e.contains("无此镇"), "{e}");

    ok(
        &store,
        &[
            "feed",
            "issue",
            "--leader",
            "赵志刚",
            "--base-url",
            "https://rili.example.gov.cn",
            "--qr",
        ],
    );
    // Re-issued without the address: the last one is used, and the first link revoked.
    ok(&store, &["feed", "issue", "--leader", "赵志刚", "--json"]);
    ok(&store, &["feed", "issue", "--office"]);
    let subs = store.feed_subscriptions().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(subs.len(), 3);
    assert_eq!(
        subs.iter().map(|s| s.is_active()).collect::<Vec<_>>(),
        [false, true, true]
    );
    assert!(
        subs.iter()
            .all(|s| s.base_url == "https://rili.example.gov.cn/")
    );
    let office = subs[2].id.to_string();
    ok(&store, &["feed", "revoke", &office[..13]]);
    ok(&store, &["feed", "list", "--json"]);
    let subs = store.feed_subscriptions().unwrap_or_else(|e| panic!("{e}"));
    assert!(!subs[2].is_active());
    let e = refused(&["feed", "revoke", "ffffffff"]);
    assert!(e.contains("ffffffff"), "{e}");

    // A time change: the slot moves, a change is recorded; bad hours are named.
    let target = slots(&store, 2026)
        .into_iter()
        .filter(|s| s.rule == "city-weekly")
        .min_by_key(|s| s.date)
        .unwrap_or_else(|| panic!("a city slot"));
    let prefix = &target.id.as_string()[..12];
    let e = refused(&[
        "reschedule",
        "--slot",
        prefix,
        "--hours",
        "1430",
        "--reason",
        "会议",
    ]);
    assert!(e.contains("14:30-17:00"), "{e}");
    let e = refused(&["reschedule", "--slot", prefix, "--hours", "14:30-17:00"]);
    assert!(e.contains("理由"), "{e}");
    ok(
        &store,
        &[
            "reschedule",
            "--slot",
            prefix,
            "--hours",
            "14:30-17:00",
            "--reason",
            "会议冲突",
        ],
    );
    let moved = slots(&store, 2026)
        .into_iter()
        .find(|s| s.id == target.id)
        .unwrap_or_else(|| panic!("the slot"));
    assert_eq!(
        (moved.start.to_string(), moved.end.to_string()),
        ("14:30".into(), "17:00".into())
    );
    let changes = store
        .roster_records(2026, "changes")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        changes
            .iter()
            .any(|(_, c)| c["cause"] == "reschedule" && c["slot"] == target.id.as_string()),
        "{changes:?}"
    );
}
