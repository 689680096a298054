//! The `fengqiao` binary on a case that holds what a newer version wrote (an event of a
//! kind this version does not know, with a field it does not know; unknown fields on the
//! case and on an event) and a damaged note: `case show` prints them and fails as an
//! incomplete read, its clocks say they are incomplete, `doctor` names them, and the
//! binary's edits keep them intact.

use std::path::Path;
use std::process::{Command, Output};

use fengqiao_store::Store;
use fengqiao_store::testing::{FUTURE_EVENT_KIND, plant_future_records, stored_record};

fn fengqiao(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run fengqiao")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = fengqiao(dir, args);
    assert!(
        out.status.success(),
        "fengqiao {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs a command that must fail with exit code 2; returns (stdout, stderr).
fn fails_2(dir: &Path, args: &[&str]) -> (String, String) {
    let out = fengqiao(dir, args);
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert_eq!(
        out.status.code(),
        Some(2),
        "fengqiao {args:?} should exit 2; stdout: {stdout}\nstderr: {stderr}"
    );
    (stdout, stderr)
}

#[test]
fn case_show_and_doctor_report_a_newer_versions_records_and_edits_keep_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let dir = dir.path();
    ok(
        dir,
        &["init", "--device-name", "信访局台式机", "--person", "王五"],
    );
    let case: serde_json::Value = serde_json::from_str(&ok(
        dir,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--name=张三",
            "--request=反映宅基地界址纠纷",
            "--received-on",
            "2026-11-02",
        ],
    ))
    .expect("json");
    let number = case["number"].as_str().expect("number").to_owned();
    let id = case["id"].as_str().expect("id").to_owned();
    let planted = {
        let store = Store::open(dir).expect("open");
        let planted = plant_future_records(&store, &number).expect("plant");
        store.close();
        planted
    };

    let (stdout, stderr) = fails_2(dir, &["case", "show", &number]);
    assert!(
        stdout.contains("反映宅基地界址纠纷"),
        "the case still shows: {stdout}"
    );
    assert!(stdout.contains("无法读取的记录"), "{stdout}");
    assert!(stdout.contains(FUTURE_EVENT_KIND), "{stdout}");
    assert!(stdout.contains(&planted.damaged_note), "{stdout}");
    assert!(stdout.contains("时限不完整"), "the clocks say so: {stdout}");
    assert!(
        stderr.contains("较新版本") && stderr.contains("已损坏"),
        "{stderr}"
    );
    assert!(stderr.contains("结果不完整"), "{stderr}");

    let (stdout, _) = fails_2(dir, &["case", "show", "--json", &number]);
    let shown: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let unreadable = shown["unreadable"].as_array().expect("unreadable");
    let why = |id: &str| {
        unreadable
            .iter()
            .find(|u| u["id"] == id)
            .map(|u| u["why"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(why(&planted.future_event).as_deref(), Some("newer-version"));
    assert_eq!(why(&planted.damaged_note).as_deref(), Some("damaged"));
    assert_eq!(shown["clocks"]["complete"], false);
    assert_eq!(shown["events"].as_array().map(Vec::len), Some(1));

    let (stdout, _) = fails_2(dir, &["doctor"]);
    let line = |id: &str| stdout.lines().find(|l| l.contains(id)).unwrap_or_default();
    assert!(line(&planted.future_event).contains("较新版本"), "{stdout}");
    assert!(line(&planted.damaged_note).contains("已损坏"), "{stdout}");

    // This version's edits: a known field, then an event and a note.
    ok(
        dir,
        &["case", "set", &number, "lead_unit", "港口镇综治中心"],
    );
    ok(dir, &["case", "set", &number, "flags.supervised", "是"]);
    ok(dir, &["case", "note", &number, "已电话联系信访人"]);
    let store = Store::open(dir).expect("open");
    let stored = stored_record(&store, &planted.document, &["cases", &id])
        .expect("read")
        .expect("stored");
    store.close();
    assert_eq!(stored["lead_unit"], "港口镇综治中心");
    assert_eq!(stored["flags"]["supervised"], true);
    assert_eq!(stored["risk_level"], "high", "unknown case field kept");
    assert_eq!(
        stored["flags"]["escalated_to_city"], true,
        "unknown flag kept"
    );
    let future = &stored["events"][&planted.future_event];
    assert_eq!(future["kind"], FUTURE_EVENT_KIND);
    assert_eq!(future["centre"], "宁国市矛盾纠纷调处化解中心");
    assert_eq!(
        stored["events"][&planted.extended_event]["signed_by"],
        "窗口电子签名"
    );
    assert_eq!(stored["notes"][&planted.damaged_note]["written_at"], "昨天");
}
