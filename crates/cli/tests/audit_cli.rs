//! `fengqiao audit access` through the binary (issue 23, item 3): showing a confidential
//! case, exporting and issuing a document on it are each listed, newest first, with who,
//! which device and which case; an ordinary case's showing is not; a township laptop is
//! refused the trail.

use std::path::Path;

mod common;
use common::{json, ok, refused};

fn add_case(dir: &Path, name: &str, request: &str) -> String {
    let case = json(&ok(
        dir,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--name",
            name,
            "--request",
            request,
            "--route",
            "信访诉求",
        ],
    ));
    case["number"].as_str().expect("number").to_owned()
}

fn trail(dir: &Path, case: Option<&str>) -> Vec<serde_json::Value> {
    let mut args = vec!["audit", "access", "--json"];
    if let Some(c) = case {
        args.extend(["--case", c]);
    }
    let out = json(&ok(dir, &args));
    out["entries"].as_array().expect("entries").clone()
}

#[test]
fn the_trail_lists_the_opening_of_a_confidential_case() {
    let dir = tempfile::tempdir().expect("tmp");
    let dir = dir.path();
    ok(
        dir,
        &["init", "--device-name", "县信访局电脑", "--person", "王五"],
    );
    let secret = add_case(dir, "张三", "检举村干部侵占集体资金");
    let plain = add_case(dir, "李四", "请求修复灌溉水渠");
    ok(dir, &["case", "set", &secret, "flags.confidential", "true"]);
    assert!(trail(dir, None).is_empty(), "nothing opened yet");

    ok(dir, &["case", "show", &plain]);
    assert!(
        trail(dir, None).is_empty(),
        "an ordinary case is not recorded"
    );

    let shown = ok(dir, &["case", "show", &secret]);
    assert!(shown.contains(&secret), "{shown}");
    let entries = trail(dir, Some(&secret));
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["action"], "open-confidential");
    assert_eq!(e["cases"], serde_json::json!([secret]));
    assert_eq!(e["who"], "王五");
    assert_eq!(e["device_name"], "县信访局电脑");
    assert!(
        e["at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "a UTC instant: {e}"
    );
    assert!(trail(dir, Some(&plain)).is_empty());

    // An export names the confidential case among those it carried; newest first.
    let out = dir.join("导出.csv");
    ok(
        dir,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().expect("path"),
        ],
    );
    let entries = trail(dir, Some(&secret));
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["action"], "export-cases");
    assert_eq!(entries[0]["count"], 2);
    assert_eq!(entries[1]["action"], "open-confidential");

    // The text form says who, which device and what.
    let text = ok(dir, &["audit", "access", "--case", &secret]);
    assert!(
        text.contains("王五") && text.contains("县信访局电脑") && text.contains("打开保密案件"),
        "{text}"
    );
}

#[test]
fn a_township_laptop_is_refused_the_trail() {
    let dir = tempfile::tempdir().expect("tmp");
    let dir = dir.path();
    ok(
        dir,
        &[
            "init",
            "--device-name",
            "港口镇笔记本",
            "--role",
            "township",
            "--scope",
            "港口镇",
            "--person",
            "李四",
        ],
    );
    let err = refused(dir, &["audit", "access"]);
    assert!(err.contains("仅限县信访局"), "{err}");
}
