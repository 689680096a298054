//! `fengqiao deadline` and `fengqiao guide`, run as a user would: the built binary, its
//! stdout and its exit status.

use std::process::{Command, Output};

use serde_json::Value;

fn fengqiao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap_or_else(|e| panic!("running fengqiao {args:?}: {e}"))
}

fn stdout_json(args: &[&str]) -> Value {
    let out = fengqiao(args);
    assert!(
        out.status.success(),
        "fengqiao {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "fengqiao {args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn stdout_text(args: &[&str]) -> String {
    let out = fengqiao(args);
    assert!(
        out.status.success(),
        "fengqiao {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// RULES.md §1's worked example: received Thu 2026-04-30, 5 working days over May Day.
#[test]
fn deadline_t4_worked_example_json() {
    let v = stdout_json(&["deadline", "T4", "2026-04-30", "--json"]);
    assert_eq!(v["clock"], "T4");
    assert_eq!(v["start"], "2026-04-30");
    assert_eq!(v["due"], "2026-05-11");
    assert_eq!(v["article"], "第二十三条");
}

#[test]
fn deadline_text_shows_due_date_and_article() {
    let text = stdout_text(&["deadline", "T4", "2026-04-30"]);
    assert!(text.contains("2026-05-11"), "{text}");
    assert!(text.contains("第二十三条"), "{text}");
}

#[test]
fn deadline_extension_and_hearing_days() {
    // T5 from Tue 2026-01-06: its 60th day is Sat 03-07 (due Mon 03-09). From the 60th
    // day (the default) +26 = Thu 04-02; from the rolled due date +26 = Sat 04-04 (清明)
    // → Tue 04-07.
    let v = stdout_json(&[
        "deadline",
        "T6",
        "2026-01-06",
        "--extension-days",
        "26",
        "--json",
    ]);
    assert_eq!(
        (
            v["due"].as_str(),
            v["article"].as_str(),
            v["extends"].as_str()
        ),
        (Some("2026-04-02"), Some("第三十四条"), Some("2026-03-07"))
    );
    let v = stdout_json(&[
        "deadline",
        "T6",
        "2026-01-06",
        "--extension-days",
        "26",
        "--extension-from",
        "rolled-end",
        "--json",
    ]);
    assert_eq!(
        (v["due"].as_str(), v["extends"].as_str()),
        (Some("2026-04-07"), Some("2026-03-09"))
    );
    // 2026-06-01 + 30 + 3 hearing days = Sat 07-04 → Mon 07-06.
    let v = stdout_json(&[
        "deadline",
        "T10",
        "2026-06-01",
        "--excluded-days",
        "3",
        "--json",
    ]);
    assert_eq!(
        (v["due"].as_str(), v["article"].as_str()),
        (Some("2026-07-06"), Some("第三十六条"))
    );
}

#[test]
fn deadline_into_an_unknown_year_warns() {
    let v = stdout_json(&["deadline", "T1", "2026-12-17", "--json"]);
    assert_eq!(v["due"], "2027-01-01");
    assert_eq!(v["certain"], false);
    assert!(
        v["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("2027")),
        "{v}"
    );
}

#[test]
fn deadline_rejects_bad_input_with_a_reason() {
    let out = fengqiao(&["deadline", "T11", "2026-01-01"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是法定时限编号"));
    let out = fengqiao(&["deadline", "T5", "2026-01-01", "--extension-days", "10"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("只有 T6 可以延期"));
}

#[test]
fn guide_search_homestead_gives_the_dispute_route_first() {
    let v = stdout_json(&["guide", "search", "宅基地", "--json"]);
    let first = &v["results"][0];
    assert_eq!(first["route_zh"], "矛盾纠纷", "{v}");
    // Mediated by the organ in its own handling, a dispute is a 第（六）项 item (第三十三条).
    assert_eq!(
        first["legal_basis"],
        "《信访工作条例》第三十一条第（六）项、第三十三条、第三十四条、第三十七条"
    );
    let text = stdout_text(&["guide", "search", "宅基地"]);
    let first_line = text
        .lines()
        .find(|l| l.starts_with("1. "))
        .unwrap_or_default();
    assert!(first_line.contains("矛盾纠纷"), "{text}");
}

#[test]
fn guide_list_shows_every_route() {
    let v = stdout_json(&["guide", "list", "--json"]);
    let routes: Vec<&str> = v["routes"]
        .as_array()
        .map(|rs| rs.iter().filter_map(|r| r["route_zh"].as_str()).collect())
        .unwrap_or_default();
    // Ningguo's five, and the places for 第三十一条第（二）（三）项, in the article's order.
    assert_eq!(
        routes,
        [
            "纪检举报",
            "涉法涉诉",
            "仲裁",
            "申诉复审",
            "行政职责",
            "矛盾纠纷",
            "信访诉求"
        ]
    );
}
