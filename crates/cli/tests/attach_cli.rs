//! `fengqiao attach`, `attachments` and `attachment …` through the binary (issue 22): a
//! file attached to a case and to a note reads back byte for byte; empty, missing and
//! oversized files are refused naming why and nothing is stored; a withdrawal is listed;
//! the county's cap is the office's setting.

use std::path::Path;

mod common;
use common::{fails, json, ok};

fn add_case(dir: &Path) -> String {
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
            "反映宅基地界址纠纷",
        ],
    ));
    case["number"].as_str().expect("number").to_owned()
}

fn attachments(dir: &Path, case: &str) -> Vec<serde_json::Value> {
    json(&ok(dir, &["attachments", case, "--json"]))
        .as_array()
        .expect("list")
        .clone()
}

fn blob_files(dir: &Path) -> usize {
    walk(&dir.join("blobs"))
}

fn walk(p: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(p) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn a_file_attached_to_a_case_reads_back_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = &tmp.path().join("data");
    ok(
        dir,
        &["init", "--device-name", "港口镇笔记本", "--person", "李四"],
    );
    let case = add_case(dir);
    // A photograph's bytes, not text: every byte value.
    let photo: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let file = tmp.path().join("现场照片.jpg");
    std::fs::write(&file, &photo).expect("write");
    let out = ok(
        dir,
        &[
            "attach",
            &case,
            file.to_str().expect("path"),
            "--caption",
            "界址现场",
        ],
    );
    assert!(
        out.contains("现场照片.jpg") && out.contains("image/jpeg"),
        "{out}"
    );

    let shown = json(&ok(dir, &["case", "show", &case, "--json"]));
    let note_text = "收到书面来信";
    ok(dir, &["case", "note", &case, note_text]);
    let shown_after = json(&ok(dir, &["case", "show", &case, "--json"]));
    let note = shown_after["notes"][0]["id"].as_str().expect("note id");
    assert!(
        shown["attachments"]
            .as_array()
            .is_some_and(|a| a.len() == 1)
    );

    let letter = tmp.path().join("来信.pdf");
    std::fs::write(&letter, b"%PDF-1.7\n% letter").expect("write");
    ok(
        dir,
        &[
            "attach",
            &case,
            letter.to_str().expect("path"),
            "--note",
            note,
        ],
    );

    let list = attachments(dir, &case);
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["file_name"], "现场照片.jpg");
    assert_eq!(list[0]["caption"], "界址现场");
    assert_eq!(list[0]["size"], photo.len());
    assert_eq!(list[0]["present"], true);
    assert_eq!(list[1]["on"]["kind"], "note");
    assert_eq!(list[1]["on"]["id"], note);
    assert_eq!(list[1]["media_type"], "application/pdf");

    let hash = list[0]["hash"].as_str().expect("hash");
    let back = tmp.path().join("取回.jpg");
    ok(
        dir,
        &[
            "attachment",
            "get",
            hash,
            "--out",
            back.to_str().expect("path"),
        ],
    );
    assert_eq!(std::fs::read(&back).expect("read"), photo);

    // Withdrawn: still listed, with who and why.
    let id = list[1]["id"].as_str().expect("id");
    ok(
        dir,
        &["attachment", "withdraw", &case, id, "--reason", "扫描不清"],
    );
    let text = ok(dir, &["attachments", &case]);
    assert!(
        text.contains("已撤回：李四") && text.contains("扫描不清"),
        "{text}"
    );
    assert_eq!(blob_files(dir), 2);
    let swept = json(&ok(dir, &["attachment", "sweep", "--json"]));
    assert_eq!(swept["removed"].as_array().map(Vec::len), Some(1));
    assert_eq!(blob_files(dir), 1, "the withdrawn bytes are gone");
    assert_eq!(attachments(dir, &case).len(), 2, "the records stay");
}

#[test]
fn bad_files_are_refused_naming_why_and_nothing_is_stored() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = &tmp.path().join("data");
    ok(
        dir,
        &["init", "--device-name", "县信访局电脑", "--person", "王五"],
    );
    let case = add_case(dir);

    let empty = tmp.path().join("空白.jpg");
    std::fs::write(&empty, b"").expect("write");
    let err = fails(dir, &["attach", &case, empty.to_str().expect("path")]);
    assert!(err.contains("空白.jpg") && err.contains("0 字节"), "{err}");

    let missing = tmp.path().join("不存在.pdf");
    let err = fails(dir, &["attach", &case, missing.to_str().expect("path")]);
    assert!(
        err.contains("无法读取文件") && err.contains("不存在.pdf"),
        "{err}"
    );

    ok(dir, &["attachment", "limits", "--max-file-mb", "1"]);
    let big = tmp.path().join("扫描件.pdf");
    std::fs::write(&big, vec![7u8; 1024 * 1024 + 1]).expect("write");
    let err = fails(dir, &["attach", &case, big.to_str().expect("path")]);
    assert!(
        err.contains("扫描件.pdf") && err.contains("上限 1.0 MB"),
        "{err}"
    );

    let err = fails(
        dir,
        &["attachment", "get", &"ab".repeat(32), "--out", "x.bin"],
    );
    assert!(err.contains("没有引用它的记录"), "{err}");
    assert_eq!(blob_files(dir), 0);
    assert!(attachments(dir, &case).is_empty());
}

#[test]
fn doctor_names_a_damaged_attachment_and_moves_it_aside_for_the_next_sync() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = &tmp.path().join("data");
    ok(
        dir,
        &["init", "--device-name", "港口镇笔记本", "--person", "李四"],
    );
    let case = add_case(dir);
    let file = tmp.path().join("照片.jpg");
    std::fs::write(&file, vec![9u8; 5000]).expect("write");
    ok(dir, &["attach", &case, file.to_str().expect("path")]);
    let text = ok(dir, &["doctor"]);
    assert!(text.contains("附件 1 件完好"), "{text}");

    let hash = attachments(dir, &case)[0]["hash"]
        .as_str()
        .expect("hash")
        .to_owned();
    let stored = dir.join("blobs").join(&hash[..2]).join(&hash);
    let mut bytes = std::fs::read(&stored).expect("read");
    bytes[100] ^= 0xff;
    std::fs::write(&stored, bytes).expect("damage");

    let out = tmp.path().join("x.jpg");
    let err = fails(
        dir,
        &[
            "attachment",
            "get",
            &hash,
            "--out",
            out.to_str().expect("path"),
        ],
    );
    assert!(err.contains("与其哈希不符"), "{err}");
    let (out, err) = common::fails_2(dir, &["doctor"]);
    assert!(
        out.contains(&format!("附件 {hash} 已损坏，已隔离")),
        "{out}\n{err}"
    );
    assert!(!stored.exists());
    assert!(dir.join("quarantine").join(format!("blob-{hash}")).exists());
    // Now it is what the next sync fetches, shown as not here yet.
    let list = attachments(dir, &case);
    assert_eq!(list[0]["present"], false);
    let text = ok(dir, &["doctor"]);
    assert!(text.contains("1 件待下次同步送达"), "{text}");
}
