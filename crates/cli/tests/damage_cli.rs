//! The `fengqiao` binary on a damaged data directory, and at the edges of its output:
//! every read that leaves something out says so and fails; a damaged directory stops
//! every command; a closed pipe ends quietly; case numbers never repeat; CSV cells from
//! the public form stay text.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{fails_2, fengqiao, json, ok};

fn init_office(dir: &Path) {
    ok(
        dir,
        &["init", "--device-name", "信访局台式机", "--person", "王五"],
    );
}

fn add_case(dir: &Path, name: &str, request: &str) -> serde_json::Value {
    json(&ok(
        dir,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            // `=` form: a value may begin with `-`.
            &format!("--name={name}"),
            &format!("--request={request}"),
            "--received-on",
            "2026-11-02",
        ],
    ))
}

fn number(case: &serde_json::Value) -> String {
    case["number"].as_str().expect("number").to_owned()
}

/// The folder of a document on disk, by its name (`directory`, `cases/…`).
fn document_dir(dir: &Path, name: &str) -> PathBuf {
    let report =
        json(&String::from_utf8(fengqiao(dir, &["doctor", "--json"]).stdout).expect("utf-8"));
    let id = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["name"].as_str().is_some_and(|n| n.starts_with(name)))
        .and_then(|d| d["document_id"].as_str())
        .unwrap_or_else(|| panic!("no document {name} in {report}"))
        .to_owned();
    dir.join("documents").join(&id[..2]).join(&id[2..])
}

/// The files of a folder, oldest first.
fn files_by_age(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
}

#[test]
fn a_lost_change_file_is_named_by_every_read_and_by_doctor() {
    let dir = tempfile::tempdir().expect("tmp");
    init_office(dir.path());
    let first = add_case(dir.path(), "张三", "第一件");
    let second = add_case(dir.path(), "李四", "第二件");
    let third = add_case(dir.path(), "王六", "第三件");
    ok(dir.path(), &["doctor"]);
    let cases = document_dir(dir.path(), "cases/");
    // Genesis, then one change per registration: remove the second registration's, on
    // which the third depends.
    let changes = files_by_age(&cases.join("incremental"));
    assert!(changes.len() >= 4, "{changes:?}");
    std::fs::remove_file(&changes[changes.len() - 2]).expect("rm");

    // Twice: the second run must not be answered from an index that hides the gap.
    for _ in 0..2 {
        let (stdout, stderr) = fails_2(dir.path(), &["case", "list"]);
        assert!(stdout.contains(&number(&first)), "{stdout}");
        assert!(!stdout.contains(&number(&third)), "{stdout}");
        assert!(stderr.contains("cases/"), "names the document: {stderr}");
        assert!(stderr.contains("缺少"), "says why: {stderr}");
        assert!(stderr.contains("结果不完整"), "{stderr}");
    }
    let (_, stderr) = fails_2(dir.path(), &["case", "list", "--json"]);
    assert!(stderr.contains("结果不完整"), "{stderr}");

    // A case that may be in the damaged document is not simply "not found".
    let (_, stderr) = fails_2(dir.path(), &["case", "show", &number(&third)]);
    assert!(stderr.contains("可能在其中"), "{stderr}");
    assert!(stderr.contains("cases/"), "{stderr}");
    // A case outside the gap still shows, but its document is named incomplete.
    let (stdout, stderr) = fails_2(dir.path(), &["case", "show", &number(&first)]);
    assert!(stdout.contains("第一件"), "{stdout}");
    assert!(stderr.contains("结果不完整"), "{stderr}");

    let (stdout, stderr) = fails_2(dir.path(), &["export", "--format", "csv"]);
    assert!(stdout.contains(&number(&first)) && !stdout.contains(&number(&second)));
    assert!(stderr.contains("结果不完整"), "{stderr}");

    let (stdout, _) = fails_2(dir.path(), &["doctor"]);
    assert!(stdout.contains("哈希链断裂"), "{stdout}");

    // `| head` must not hide the damage either.
    for args in [
        &["case", "list"][..],
        &["case", "list"],
        &["export"],
        &["case", "list", "--json"],
    ] {
        let (code, stderr) = into_closed_pipe(dir.path(), args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("结果不完整"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_quarantined_case_file_is_named_by_every_read_in_later_sessions_too() {
    let dir = tempfile::tempdir().expect("tmp");
    init_office(dir.path());
    let first = add_case(dir.path(), "张三", "第一件");
    add_case(dir.path(), "李四", "第二件");
    let cases = document_dir(dir.path(), "cases/");
    let changes = files_by_age(&cases.join("incremental"));
    let victim = changes.last().expect("a change").clone();
    let mut bytes = std::fs::read(&victim).expect("read");
    let at = bytes.len() / 2;
    bytes[at..at + 4].iter_mut().for_each(|b| *b ^= 0xff);
    std::fs::write(&victim, bytes).expect("write");
    // The file's name is unchanged, so the case index still lists both cases until the
    // document is loaded; anything that loads it (here `doctor`) finds the damage.
    let (stdout, _) = fails_2(dir.path(), &["doctor"]);
    assert!(stdout.contains("已隔离"), "{stdout}");

    for _ in 0..2 {
        let (stdout, stderr) = fails_2(dir.path(), &["case", "list"]);
        assert!(stdout.contains(&number(&first)), "{stdout}");
        assert!(stderr.contains("隔离"), "{stderr}");
        assert!(stderr.contains("quarantine"), "names the file: {stderr}");
        assert!(stderr.contains("结果不完整"), "{stderr}");
    }
}

#[test]
fn a_lost_case_document_is_named_by_every_read() {
    let dir = tempfile::tempdir().expect("tmp");
    init_office(dir.path());
    let first = add_case(dir.path(), "张三", "第一件");
    ok(dir.path(), &["case", "list"]);
    std::fs::remove_dir_all(document_dir(dir.path(), "cases/")).expect("rm");
    let (_, stderr) = fails_2(dir.path(), &["case", "list"]);
    assert!(stderr.contains("cases/"), "{stderr}");
    assert!(stderr.contains("已不在"), "{stderr}");
    assert!(stderr.contains("结果不完整"), "{stderr}");
    let (_, stderr) = fails_2(dir.path(), &["case", "show", &number(&first)]);
    assert!(stderr.contains("可能在其中"), "{stderr}");
}

#[test]
fn a_lost_first_change_of_a_case_document_is_named_by_every_read() {
    let dir = tempfile::tempdir().expect("tmp");
    init_office(dir.path());
    let first = add_case(dir.path(), "张三", "第一件");
    add_case(dir.path(), "李四", "第二件");
    ok(dir.path(), &["case", "list"]);
    let cases = document_dir(dir.path(), "cases/");
    // The document's genesis is its oldest change: everything else depends on it, so
    // nothing of the document loads without it.
    let changes = files_by_age(&cases.join("incremental"));
    assert!(changes.len() >= 3, "{changes:?}");
    std::fs::remove_file(&changes[0]).expect("rm");
    for _ in 0..2 {
        let (stdout, stderr) = fails_2(dir.path(), &["case", "list"]);
        assert!(!stdout.contains(&number(&first)), "{stdout}");
        assert!(stderr.contains("cases/"), "names the document: {stderr}");
        assert!(stderr.contains("缺少"), "says why: {stderr}");
        assert!(stderr.contains("结果不完整"), "{stderr}");
    }
    let (_, stderr) = fails_2(dir.path(), &["case", "show", &number(&first)]);
    assert!(stderr.contains("可能在其中"), "{stderr}");
    let (stdout, _) = fails_2(dir.path(), &["doctor"]);
    assert!(stdout.contains("cases/"), "{stdout}");
}

#[test]
fn a_damaged_directory_stops_every_command_until_repaired() {
    let dir = tempfile::tempdir().expect("tmp");
    init_office(dir.path());
    add_case(dir.path(), "张三", "第一件");
    let directory = document_dir(dir.path(), "directory");
    // Damage every file of the directory: nothing of it loads, and opening the store
    // itself fails at first (then every later open finds only the genesis).
    let files: Vec<PathBuf> = ["snapshot", "incremental"]
        .iter()
        .flat_map(|k| files_by_age(&directory.join(k)))
        .collect();
    let mut damaged = 0;
    for file in files {
        let mut bytes = std::fs::read(&file).expect("read");
        let at = bytes.len() / 2;
        bytes[at..at + 4].iter_mut().for_each(|b| *b ^= 0xff);
        std::fs::write(&file, bytes).expect("write");
        damaged += 1;
    }
    assert!(damaged > 0);
    for args in [
        &["case", "list"][..],
        &[
            "case",
            "add",
            "--township",
            "港口镇",
            "--name",
            "李四",
            "--request",
            "第二件",
        ],
        &["export"],
        &["intake", "list"],
    ] {
        let (_, stderr) = fails_2(dir.path(), args);
        assert!(stderr.contains("目录文档"), "{args:?}: {stderr}");
        assert!(stderr.contains("fengqiao repair"), "{args:?}: {stderr}");
        assert!(!stderr.contains("不是本县"), "{args:?}: {stderr}");
    }
    let (stdout, _) = fails_2(dir.path(), &["doctor"]);
    assert!(stdout.contains("目录文档"), "{stdout}");
}

#[test]
fn a_lost_sequence_file_does_not_repeat_a_case_number() {
    let dir = tempfile::tempdir().expect("tmp");
    init_office(dir.path());
    let first = add_case(dir.path(), "张三", "第一件");
    let second = add_case(dir.path(), "李四", "第二件");
    let year = number(&first).split('-').nth(1).expect("year").to_owned();
    std::fs::remove_file(dir.path().join("sequences").join(&year)).expect("rm");
    let third = add_case(dir.path(), "王六", "第三件");
    assert_ne!(number(&third), number(&first));
    assert_ne!(number(&third), number(&second));
    assert!(number(&third).ends_with("-00003"), "{}", number(&third));
    // Restored from an old backup: the counter says 1.
    std::fs::write(dir.path().join("sequences").join(&year), "1").expect("write");
    let fourth = add_case(dir.path(), "赵七", "第四件");
    assert!(number(&fourth).ends_with("-00004"), "{}", number(&fourth));
}

#[test]
fn csv_cells_from_the_public_form_never_become_formulas() {
    let dir = tempfile::tempdir().expect("tmp");
    init_office(dir.path());
    add_case(
        dir.path(),
        "@SUM(A1:A9)",
        "=HYPERLINK(\"http://example.invalid\",\"点击查看\")",
    );
    add_case(dir.path(), "-2+3", "+1+1");
    let out = ok(dir.path(), &["export", "--format", "csv"]);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(out.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    let cells: Vec<String> = rows
        .iter()
        .flat_map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a formula cell: {cell:?} in {cells:?}"
        );
    }
    for expected in [
        "'@SUM(A1:A9)",
        "'=HYPERLINK(\"http://example.invalid\",\"点击查看\")",
        "'-2+3",
        "'+1+1",
    ] {
        assert!(
            cells.iter().any(|c| c == expected),
            "{expected} in {cells:?}"
        );
    }
}

/// Runs a command with its standard output closed before it writes; returns the exit
/// code and standard error.
fn into_closed_pipe(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader is gone, like `| head` after its lines
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut stderr).expect("stderr");
    }
    let status = child.wait().expect("wait");
    (status.code(), stderr)
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let dir = tempfile::tempdir().expect("tmp");
    init_office(dir.path());
    for i in 0..3 {
        add_case(dir.path(), "张三", &format!("第{i}件"));
    }
    for args in [
        &["doctor"][..],
        &["intake", "list"],
        &["case", "list"],
        &["case", "list", "--json"],
        &["export"],
        &["devices", "list"],
        &["conflicts", "list"],
        &["guide", "list"],
    ] {
        let (code, stderr) = into_closed_pipe(dir.path(), args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}
