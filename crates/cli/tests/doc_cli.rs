//! `fengqiao doc` end to end: offers, issuing to a file, the list, a byte-identical
//! re-render, service, and refusals that name what is missing (exit code 2, Chinese).

use std::path::Path;

mod common;
use common::{fengqiao, json, ok};

fn setup(dir: &Path) -> String {
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
    let case = json(&ok(
        dir,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--name",
            "张三",
            "--request",
            "请求修复灌溉水渠",
            "--route",
            "信访诉求",
        ],
    ));
    case["number"].as_str().expect("number").to_owned()
}

#[test]
fn a_document_is_issued_listed_rendered_again_and_served() {
    let dir = tempfile::tempdir().expect("tmp");
    let case = setup(dir.path());
    let offers = json(&ok(
        dir.path(),
        &["doc", "kinds", "--case", &case, "--json"],
    ));
    let allowed: Vec<&str> = offers
        .as_array()
        .expect("array")
        .iter()
        .filter(|o| o["allowed"] == true)
        .filter_map(|o| o["kind"].as_str())
        .collect();
    assert!(allowed.contains(&"acceptance-notice") && !allowed.contains(&"review-opinion"));

    let pdf = dir.path().join("受理告知书.pdf");
    let pdf_arg = pdf.to_str().expect("path");
    let issued = json(&ok(
        dir.path(),
        &[
            "doc",
            "issue",
            &case,
            "受理告知书",
            "--out",
            pdf_arg,
            "--json",
        ],
    ));
    let number = issued["document"]["number"]
        .as_str()
        .expect("number")
        .to_owned();
    let bytes = std::fs::read(&pdf).expect("pdf written");
    assert!(bytes.starts_with(b"%PDF-"));
    let events: Vec<&str> = issued["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(events, ["accepted", "acknowledged"]);
    let shown = json(&ok(dir.path(), &["case", "show", &case, "--json"]));
    assert_eq!(shown["status"], "in-progress");

    let listed = json(&ok(dir.path(), &["doc", "list", &case, "--json"]));
    assert_eq!(listed[0]["record"]["number"], number.as_str());
    assert_eq!(listed[0]["record"]["kind"], "acceptance-notice");

    let again = dir.path().join("again.pdf");
    ok(
        dir.path(),
        &[
            "doc",
            "render",
            &number,
            "--out",
            again.to_str().expect("path"),
        ],
    );
    assert_eq!(std::fs::read(&again).expect("rendered"), bytes);

    let served = ok(
        dir.path(),
        &["doc", "serve", &number, "--method", "邮寄送达"],
    );
    assert!(served.contains("邮寄送达"), "{served}");
    let listed = ok(dir.path(), &["doc", "list", &case]);
    assert!(listed.contains("已送达（邮寄送达，"), "{listed}");
}

#[test]
fn refusals_name_the_missing_fields_in_chinese() {
    let dir = tempfile::tempdir().expect("tmp");
    let case = setup(dir.path());
    let out = fengqiao(
        dir.path(),
        &[
            "doc",
            "issue",
            &case,
            "non-acceptance-notice",
            "--field",
            "redirect=向法院起诉",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("不予受理的理由（reason）"), "{err}");
    assert!(!err.contains("redirect"), "{err}");
    let out = fengqiao(dir.path(), &["doc", "issue", &case, "复查意见书"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("案件状态为「已登记」"), "{err}");
    let out = fengqiao(dir.path(), &["doc", "issue", &case, "reminder"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是文书种类"));
    let out = fengqiao(
        dir.path(),
        &["doc", "render", "宁信告〔2026〕X-9号", "--out", "x.pdf"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有文号为"));
    // Nothing was recorded by the refusals.
    let listed = ok(dir.path(), &["doc", "list", &case]);
    assert!(listed.contains("尚未签发文书"), "{listed}");
}
