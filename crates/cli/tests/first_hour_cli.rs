//! The first hour with the `fengqiao` command, through the real binary: ordinary commands
//! say nothing on standard error; a township laptop enrolled from the demo county passes
//! `doctor` after its first sync; and a clerk can list, register and export while
//! `fengqiao serve` runs on the same data directory (the commands are run by the service).

use std::io::Write;
use std::net::{Ipv4Addr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{json, ok};

/// Runs `fengqiao` as a user would: without any logging variable set.
fn plain(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("FENGQIAO_LOG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run fengqiao")
}

/// Runs a command that must succeed and print nothing on standard error; returns stdout.
#[track_caller]
fn quiet(dir: &Path, args: &[&str]) -> String {
    let out = plain(dir, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "fengqiao {args:?} failed: {stdout}{stderr}"
    );
    assert!(
        stderr.is_empty(),
        "fengqiao {args:?} printed on stderr:\n{stderr}"
    );
    stdout
}

fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

/// A `fengqiao serve` with the default logging, its standard error kept in a file; stopped
/// with SIGTERM when dropped (killed if that fails).
struct Serve {
    child: Child,
    stderr: std::path::PathBuf,
}

impl Serve {
    fn start(dir: &Path, listen: &str, ticket_file: &Path, verbose: bool) -> (Serve, String) {
        let _ = std::fs::remove_file(ticket_file);
        let stderr = ticket_file.with_extension("stderr");
        let child = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--no-mdns", "--listen", listen, "--ticket-file"])
            .arg(ticket_file)
            .args(verbose.then_some("-v"))
            .env_remove("FENGQIAO_LOG")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("start fengqiao serve");
        let serve = Serve { child, stderr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(t) = std::fs::read_to_string(ticket_file)
                && !t.trim().is_empty()
            {
                return (serve, t.trim().to_owned());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve wrote no ticket");
    }

    /// SIGTERM, then waits for a clean exit; returns what it printed on standard error.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "serve exited with {status}");
                break;
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::fs::read_to_string(&self.stderr).expect("serve's stderr")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What `serve` may print on standard error in a normal session: its start and stop.
#[track_caller]
fn assert_quiet_service(stderr: &str) {
    for line in stderr.lines() {
        assert!(
            line.starts_with("同步服务已启动") || line.starts_with("正在停止同步服务"),
            "serve printed more than its start and stop:\n{stderr}"
        );
    }
}

/// An enrolment ticket for a 港口镇 laptop, made on `office` for the address `addr`.
fn township_ticket(office: &Path, addr: &str, name: &str) -> String {
    ok(
        office,
        &[
            "ticket",
            "--enrol",
            "--role",
            "township",
            "--scope",
            "港口镇",
            "--name",
            name,
            "--addr",
            addr,
        ],
    )
    .trim()
    .to_owned()
}

#[test]
fn ordinary_commands_print_nothing_on_standard_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("county");
    quiet(&dir, &["demo", "--cases", "60"]);
    let added = json(&quiet(
        &dir,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--village",
            "西村",
            "--name",
            "张三",
            "--phone",
            "13900001111",
            "--request",
            "反映宅基地界址纠纷",
        ],
    ));
    let number = added["number"].as_str().expect("number").to_owned();
    // Enough notes that the case document is compacted while commands close it.
    for i in 0..25 {
        quiet(
            &dir,
            &["case", "note", &number, &format!("第{i}次电话联系信访人")],
        );
    }
    let listed = quiet(&dir, &["case", "list", "--text", "张三"]);
    assert!(listed.contains(&number), "{listed}");
    quiet(&dir, &["case", "list"]);
    quiet(&dir, &["case", "list", "--overdue"]);
    quiet(&dir, &["report"]);

    // More is there for the asking.
    let out = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .arg("--data-dir")
        .arg(&dir)
        .args(["case", "note", &number, "再次联系"])
        .env_remove("FENGQIAO_LOG")
        .env("RUST_LOG", "debug")
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(!out.stderr.is_empty(), "RUST_LOG=debug says nothing");
}

#[test]
fn doctor_passes_on_a_township_laptop_enrolled_from_the_demo_county_after_a_sync() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (office, laptop) = (tmp.path().join("office"), tmp.path().join("laptop"));
    quiet(&office, &["demo", "--cases", "300"]);
    let addr = format!("127.0.0.1:{}", free_udp_port());
    let enrol = township_ticket(&office, &addr, "港口镇笔记本");
    let (service, ticket) = Serve::start(&office, &addr, &tmp.path().join("office.ticket"), false);
    quiet(&laptop, &["enrol", &enrol, "--person", "李干事"]);
    let round = quiet(&laptop, &["sync", "--peer", &ticket, "--discover-ms", "0"]);
    assert!(!round.contains("未完成"), "{round}");
    // A clean disconnect at the end of the round is not an error on the service's side.
    assert_quiet_service(&service.stop());

    let report = quiet(&laptop, &["doctor"]);
    assert!(report.contains("数据检查通过"), "{report}");
    assert!(report.contains("cases/gangkou/"), "{report}");
    // The other townships' documents are not the laptop's: counted, not listed.
    assert!(!report.contains("cases/xijin/"), "{report}");
    assert!(report.contains("不属于本机的工作范围"), "{report}");
    let doctor = json(&quiet(&laptop, &["doctor", "--json"]));
    let documents = doctor["documents"].as_array().expect("documents");
    let held = |prefix: &str| {
        documents
            .iter()
            .filter(|d| d["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
            .all(|d| d["for_this_device"] == true && d["loaded"] == true)
    };
    assert!(held("cases/gangkou/") && held("directory"), "{doctor:#}");
    assert!(
        documents.iter().any(|d| d["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("cases/xijin/"))
            && d["for_this_device"] == false),
        "{doctor:#}"
    );
    // What it holds is the county's 港口镇 work, and only that.
    let cases = json(&quiet(&laptop, &["case", "list", "--json"]));
    let cases = cases.as_array().expect("cases");
    assert!(!cases.is_empty());
    assert!(cases.iter().all(|c| c["township"] == "港口镇"));

    // The clerk's daily commands on it say nothing on standard error either (samod used to
    // warn here about its own shutdown, on about one `case note` in five).
    let received = cases[0]["number"].as_str().expect("number").to_owned();
    let added = json(&quiet(
        &laptop,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--name",
            "王五",
            "--phone",
            "13900002222",
            "--request",
            "反映拖欠工资",
        ],
    ));
    let ours = added["number"].as_str().expect("number").to_owned();
    for i in 0..15 {
        quiet(
            &laptop,
            &["case", "note", &received, &format!("走访记录{i}")],
        );
        quiet(&laptop, &["case", "note", &ours, &format!("电话回访{i}")]);
    }
    quiet(&laptop, &["case", "list"]);
}

#[test]
fn commands_run_while_serve_holds_the_data_directory() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (office, laptop) = (tmp.path().join("office"), tmp.path().join("laptop"));
    quiet(
        &office,
        &[
            "init",
            "--device-name",
            "信访局台式机",
            "--person",
            "王主任",
        ],
    );
    let addr = format!("127.0.0.1:{}", free_udp_port());
    let enrol = township_ticket(&office, &addr, "港口镇笔记本");
    // Said with -v: the service's connections and commands are logged, errors included.
    let (service, ticket) = Serve::start(&office, &addr, &tmp.path().join("office.ticket"), true);
    quiet(&laptop, &["enrol", &enrol, "--person", "李干事"]);

    // While it serves: list, register (flags and a file on standard input), export.
    quiet(&office, &["case", "list"]);
    let added = json(&quiet(
        &office,
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
    let number = added["number"].as_str().expect("number").to_owned();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .arg("--data-dir")
        .arg(&office)
        .args(["case", "add", "--file", "-", "--json"])
        .env_remove("FENGQIAO_LOG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            r#"{"channel":"来信","received_on":"2026-11-20","petitioners":[{"name":"王五","phone":"13900002222"}],"township":"港口镇","content":{"request":"反映拖欠工资"}}"#
                .as_bytes(),
        )
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_file = json(&String::from_utf8_lossy(&out.stdout));
    let listed = quiet(&office, &["case", "list"]);
    assert!(listed.contains(&number), "{listed}");
    assert!(listed.contains("王五"), "{listed}");
    // A relative path is the caller's, not the service's.
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).expect("work dir");
    let out = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .arg("--data-dir")
        .arg(&office)
        .args(["export", "--out", "cases.csv"])
        .current_dir(&work)
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(work.join("cases.csv")).expect("the export is where asked");
    assert!(csv.contains(&number) && csv.contains("王五"), "{csv}");
    // A failing command fails here, with its own message and exit code.
    let out = plain(&office, &["case", "show", "N0NE-2026-99999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("错误："));
    // A command that needs the directory to itself says why.
    let out = plain(&office, &["sync", "--discover-ms", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("同步服务（fengqiao serve）正在运行"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The service wrote them: a laptop syncing with it now receives them.
    quiet(&laptop, &["sync", "--peer", &ticket, "--discover-ms", "0"]);
    let on_laptop = quiet(&laptop, &["case", "list"]);
    assert!(on_laptop.contains(&number), "{on_laptop}");
    assert!(
        on_laptop.contains(from_file["number"].as_str().expect("number")),
        "{on_laptop}"
    );
    // The laptops' clean disconnects (enrolment, the round) are no errors.
    let said = service.stop();
    assert!(!said.contains("ERROR"), "{said}");

    // Saved for good, and the directory is the office's own again.
    assert!(
        !office.join("fengqiao.sock").exists(),
        "the socket is removed"
    );
    let listed = quiet(&office, &["case", "list"]);
    assert!(
        listed.contains(&number) && listed.contains("王五"),
        "{listed}"
    );
}

#[test]
fn report_and_the_overdue_list_are_the_app_s_figures() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("county");
    // The whole demo county, as the app makes it: a few of its cases are late.
    quiet(&dir, &["demo"]);
    let report = json(&quiet(&dir, &["report", "--json"]));
    let overdue = json(&quiet(&dir, &["case", "list", "--overdue", "--json"]));
    let overdue = overdue.as_array().expect("rows");
    let text = quiet(&dir, &["report"]);

    // What the app's 统计 and 仅超期 compute, on the same directory.
    let store = fengqiao_store::Store::open(&dir).expect("open");
    let rows = store
        .list_cases(&fengqiao_store::CaseFilter::default())
        .expect("cases");
    let calendar = store.holiday_calendar().expect("calendar");
    let clocks = store
        .clock_index(&calendar, fengqiao_store::now_cst().date_naive())
        .expect("clocks");
    let app = fengqiao_store::reports::Reports::build(&rows, &clocks);
    store.close();

    assert_eq!(report["total"], app.total);
    assert_eq!(report["open"], app.open);
    assert_eq!(report["overdue"], app.overdue);
    assert_eq!(overdue.len(), app.overdue);
    assert!(app.overdue > 0, "the demo county has a few late cases");
    assert!(
        text.contains(&format!("超期率 {:.1}%", app.overdue_percent())),
        "{text}"
    );
    // Each overdue row names its overdue clock; the longest waiting comes first.
    for (row, id) in overdue.iter().zip(&clocks.overdue) {
        assert_eq!(row["id"], id.to_string());
        assert!(row["clock"]["overdue"] == true, "{row}");
    }
    for (key, counts) in [
        ("by_route", &report["by_route"]),
        ("by_status", &report["by_status"]),
        ("by_township", &report["by_township"]),
        ("by_month", &report["by_month"]),
    ] {
        let sum: u64 = counts
            .as_array()
            .expect(key)
            .iter()
            .map(|c| c["count"].as_u64().expect("count"))
            .sum();
        assert_eq!(sum as usize, app.total, "{key}");
    }
    assert_eq!(
        report["satisfaction"]["reply_quality"]["evaluated"],
        app.evaluation.reply_quality.evaluated()
    );
    assert_eq!(report["follow_ups"]["done"], app.evaluation.follow_ups_done);
}
