//! `fengqiao case add` warnings, `duplicates`, `history`, `attest` and `verify` end to end.

use std::path::Path;

mod common;
use common::{fengqiao, json, ok};

fn add(dir: &Path, name: &str, phone: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "case",
        "add",
        "--township",
        "港口镇",
        "--village",
        "西村",
        "--name",
        name,
        "--phone",
        phone,
        "--request",
        "反映宅基地界址纠纷，请求调处",
        "--facts",
        "邻居建房占用本户宅基地",
    ];
    args.extend_from_slice(extra);
    ok(dir, &args)
}

#[test]
fn a_repeat_registration_is_warned_found_merged_unmerged_and_the_history_verifies() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    ok(
        d,
        &[
            "init",
            "--device-name",
            "县信访局",
            "--role",
            "office",
            "--person",
            "王五",
        ],
    );
    // init without --townships takes the demo county's (港口镇 and its 西村 among them).
    let first = add(d, "张三", "13800001111", &["--json"]);
    let first = json(&first);
    let second = add(d, "張三", "138 0000 1111", &[]);
    assert!(second.contains("注意：重复访"), "{second}");
    assert!(
        second.contains(first["number"].as_str().expect("number")),
        "{second}"
    );

    let pairs = json(&ok(d, &["duplicates", "list", "--json"]));
    let pairs = pairs.as_array().expect("array");
    assert_eq!(pairs.len(), 1);
    let (a, b) = (
        pairs[0]["a_number"].as_str().expect("a").to_owned(),
        pairs[0]["b_number"].as_str().expect("b").to_owned(),
    );
    let merged = ok(
        d,
        &[
            "duplicates",
            "merge",
            &a,
            &b,
            "--reason",
            "同一事项重复登记",
        ],
    );
    assert!(merged.contains("已将"), "{merged}");
    let list = json(&ok(d, &["case", "list", "--json"]));
    assert_eq!(
        list.as_array().expect("rows").len(),
        1,
        "absorbed case hidden"
    );
    let shown = ok(d, &["case", "show", &a]);
    assert!(shown.contains(&format!("并入了 {b}")), "{shown}");
    let history = ok(d, &["history", &a]);
    assert!(
        history.contains("登记案件") && history.contains("合并："),
        "{history}"
    );
    assert!(history.contains("王五"), "{history}");

    ok(d, &["duplicates", "unmerge", &b, "--reason", "诉求不同"]);
    assert_eq!(
        json(&ok(d, &["case", "list", "--json"]))
            .as_array()
            .expect("rows")
            .len(),
        2
    );
    ok(
        d,
        &[
            "duplicates",
            "dismiss",
            &a,
            &b,
            "--reason",
            "经核实为两件事",
        ],
    );
    assert!(
        json(&ok(d, &["duplicates", "list", "--json"]))
            .as_array()
            .expect("a")
            .is_empty()
    );
    let merges = ok(d, &["duplicates", "merges"]);
    assert!(merges.contains("已拆分"), "{merges}");

    let attested = json(&ok(d, &["attest", "--json"]));
    assert!(attested["attested"].as_u64().expect("n") >= 2);
    let verified = ok(d, &["verify"]);
    assert!(verified.contains("签名已核验"), "{verified}");

    // A change file edited on disk: verify fails and names the document.
    let docs = d.join("documents");
    let mut changed = None;
    for entry in walk(&docs) {
        if entry
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == "incremental")
        {
            let bytes = std::fs::read(&entry).expect("read");
            if bytes.len() > 400 && changed.is_none() {
                let mut bytes = bytes;
                let mid = bytes.len() / 2;
                bytes[mid] ^= 0x01;
                std::fs::write(&entry, bytes).expect("tamper");
                changed = Some(entry);
            }
        }
    }
    let changed = changed.expect("a change file to edit");
    let out = fengqiao(d, &["verify"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("校验未通过"), "{stderr}");
    let name = changed
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(stdout.contains(&name), "the file is named: {stdout}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn with_json_the_case_stays_on_standard_output_and_the_warning_goes_to_standard_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    ok(
        d,
        &[
            "init",
            "--device-name",
            "县信访局",
            "--role",
            "office",
            "--person",
            "王五",
        ],
    );
    add(d, "张三", "13800001111", &[]);
    let mut args = vec![
        "case",
        "add",
        "--json",
        "--township",
        "港口镇",
        "--village",
        "西村",
    ];
    args.extend(["--name", "张三", "--phone", "13800001111"]);
    args.extend(["--request", "反映宅基地界址纠纷，请求调处"]);
    let out = fengqiao(d, &args);
    assert!(out.status.success());
    let case = json(&String::from_utf8_lossy(&out.stdout));
    assert!(case["number"].is_string(), "{case}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("注意：重复访"), "{stderr}");
}
