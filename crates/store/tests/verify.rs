//! Each device signs its documents' heads; `verify_data_dir` checks the files on disk,
//! the hash chain and the signatures offline, and names a tampered document and file.

mod common;

use std::path::{Path, PathBuf};

use automerge::ScalarValue;
use automerge::legacy::OpType;
use common::{pair, registration, sync};
use fengqiao_store::{DocName, Problem, verify_data_dir};

fn cases_doc() -> DocName {
    DocName::cases_for("gangkou", registration().received_on)
}

fn incremental_files(data: &Path, doc: &DocName) -> Vec<PathBuf> {
    let id = doc.document_id("宁国市").to_string();
    let dir = data
        .join("documents")
        .join(&id[..2])
        .join(&id[2..])
        .join("incremental");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("incremental dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// The change file that wrote `needle` as a string value.
fn file_writing(data: &Path, doc: &DocName, needle: &str) -> (PathBuf, automerge::ExpandedChange) {
    for file in incremental_files(data, doc) {
        let bytes = std::fs::read(&file).expect("read");
        let change = automerge::Change::try_from(bytes.as_slice()).expect("change");
        let expanded = change.decode();
        let writes = expanded.operations.iter().any(
            |op| matches!(&op.action, OpType::Put(ScalarValue::Str(s)) if s.as_str() == needle),
        );
        if writes {
            return (file, expanded);
        }
    }
    panic!("no change writes {needle}");
}

#[test]
fn signed_heads_verify_on_every_replica_and_an_edited_change_is_named() {
    let (dir_a, a, dir_b, b) = pair();
    a.add_case(registration()).expect("add");
    assert!(
        a.attest_heads().expect("attest") >= 2,
        "directory and cases document"
    );
    assert_eq!(
        a.attest_heads().expect("again"),
        0,
        "unchanged heads are not signed again"
    );
    sync(&a, &b);
    b.attest_heads().expect("b attests");
    sync(&a, &b);
    let attestations = b.attestations().expect("list");
    let devices: std::collections::HashSet<_> = attestations.iter().map(|x| &x.device).collect();
    assert_eq!(devices.len(), 2, "both devices' attestations replicate");
    a.close();
    b.close();

    for dir in [dir_a.path(), dir_b.path()] {
        let report = verify_data_dir(dir).expect("verify");
        assert!(report.is_ok(), "{report:#?}");
        let cases = report
            .documents
            .iter()
            .find(|d| d.document == cases_doc().to_string())
            .expect("cases document");
        assert!(cases.attestations_verified >= 1, "{cases:#?}");
    }

    // Someone edits the registration on A's disk: the petitioner's name, with a valid
    // checksum, under the change's old file name.
    let (file, mut expanded) = file_writing(dir_a.path(), &cases_doc(), "张三");
    for op in &mut expanded.operations {
        if matches!(&op.action, OpType::Put(ScalarValue::Str(s)) if s.as_str() == "张三") {
            op.action = OpType::Put(ScalarValue::Str("赵六".into()));
        }
    }
    expanded.hash = None;
    let mut forged = automerge::Change::from(expanded);
    std::fs::write(&file, forged.bytes()).expect("tamper");

    let report = verify_data_dir(dir_a.path()).expect("verify");
    assert!(!report.is_ok());
    let bad: Vec<_> = report
        .documents
        .iter()
        .filter(|d| !d.problems.is_empty())
        .collect();
    assert_eq!(bad.len(), 1, "only the edited document: {bad:#?}");
    assert_eq!(
        bad[0].document,
        cases_doc().to_string(),
        "named by its name"
    );
    assert!(
        bad[0]
            .problems
            .iter()
            .any(|p| matches!(p, Problem::HashMismatch { file: f, .. } if *f == file)),
        "the edited file is named: {:#?}",
        bad[0].problems
    );
    assert!(
        bad[0]
            .problems
            .iter()
            .any(|p| matches!(p, Problem::MissingAttestedChanges { .. })),
        "the signed heads are gone: {:#?}",
        bad[0].problems
    );
    // The other replica is unaffected.
    assert!(verify_data_dir(dir_b.path()).expect("verify b").is_ok());
}

#[test]
fn a_flipped_byte_names_the_file() {
    let (dir_a, a, _dir_b, _b) = pair();
    a.add_case(registration()).expect("add");
    a.attest_heads().expect("attest");
    a.close();
    let (file, _) = file_writing(dir_a.path(), &cases_doc(), "张三");
    let mut bytes = std::fs::read(&file).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&file, bytes).expect("flip");
    let report = verify_data_dir(dir_a.path()).expect("verify");
    let cases = report
        .documents
        .iter()
        .find(|d| d.document == cases_doc().to_string())
        .expect("cases");
    assert!(
        cases.problems.iter().any(|p| matches!(p,
            Problem::DamagedFile { file: f, .. } | Problem::HashMismatch { file: f, .. } if *f == file)),
        "{:#?}",
        cases.problems
    );
    assert!(cases.problems.iter().all(|p| !p.zh().is_empty()));
}
