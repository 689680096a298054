//! The command as a library: a test parses arguments and runs them in this process, as
//! the binary does, and reads the result back from the store.

use clap::Parser;
use fengqiao_cli::{Cli, run};
use fengqiao_store::{CaseFilter, Store};

fn fengqiao(dir: &std::path::Path, args: &[&str]) -> anyhow::Result<()> {
    let dir = dir.to_str().expect("a UTF-8 temporary path");
    let head = ["fengqiao", "--data-dir", dir];
    run(Cli::try_parse_from(head.iter().chain(args))?)
}

#[test]
fn a_case_registered_in_process_is_in_the_store() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    fengqiao(
        dir.path(),
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
    )?;
    fengqiao(
        dir.path(),
        &[
            "case",
            "add",
            "--township",
            "港口镇",
            "--name",
            "张三",
            "--request",
            "请求调处宅基地纠纷",
        ],
    )?;
    // A refused command returns its error to the caller instead of exiting.
    let refused = fengqiao(dir.path(), &["case", "add", "--name", "李四"])
        .expect_err("a case without a township is refused");
    assert!(
        refused.to_string().contains("township") || refused.to_string().contains("乡镇"),
        "{refused:#}"
    );

    let store = Store::open(dir.path())?;
    let cases = store.list_cases(&CaseFilter::default())?;
    store.close();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0].petitioner, "张三");
    Ok(())
}
