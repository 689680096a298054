//! Two `fengqiao serve` processes on loopback: a laptop enrols with the office by
//! ticket, both work offline, then each serves, one given the other's pairing ticket,
//! and they converge. Everything goes through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

fn fengqiao_bin() -> PathBuf {
    common::workspace_bin("fengqiao-cli", "fengqiao")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    common::fengqiao_ok(&fengqiao_bin(), dir, args)
}

fn serve(dir: &Path, listen: &str, ticket_file: &Path, peer: Option<&str>) -> Child {
    let mut cmd = Command::new(fengqiao_bin());
    cmd.arg("--data-dir")
        .arg(dir)
        .args(["serve", "--no-mdns", "--listen", listen, "--ticket-file"])
        .arg(ticket_file)
        .env("FENGQIAO_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(p) = peer {
        cmd.args(["--peer", p]);
    }
    cmd.spawn().expect("start fengqiao serve")
}

fn stop(mut child: Child) {
    common::stop(&mut child, "serve");
}

fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(t) = std::fs::read_to_string(path)
            && !t.is_empty()
        {
            return t;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never appeared", path.display());
}

fn case_numbers(dir: &Path) -> Vec<String> {
    let out = ok(dir, &["case", "list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&out).expect("case list JSON");
    let mut n: Vec<String> = rows
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["number"].as_str().expect("number").to_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn two_serve_processes_find_each_other_by_ticket_and_converge() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (office, laptop) = (tmp.path().join("office"), tmp.path().join("laptop"));
    ok(
        &office,
        &[
            "init",
            "--device-name",
            "信访局台式机",
            "--person",
            "王主任",
        ],
    );
    let port = common::free_udp_port();
    let office_addr = format!("127.0.0.1:{port}");
    let enrol_ticket = ok(
        &office,
        &[
            "ticket",
            "--enrol",
            "--role",
            "township",
            "--scope",
            "港口镇",
            "--name",
            "港口镇笔记本",
            "--addr",
            &office_addr,
        ],
    )
    .trim()
    .to_owned();

    // The office serves; the new laptop enrols with the ticket.
    let office_ticket_file = tmp.path().join("office.ticket");
    let server = serve(&office, &office_addr, &office_ticket_file, None);
    wait_for_file(&office_ticket_file);
    ok(&laptop, &["enrol", &enrol_ticket, "--person", "李干事"]);
    stop(server);

    // Offline work on both sides.
    let from_office = common::add_case(&fengqiao_bin(), &office, "张三", "宅基地纠纷");
    let from_laptop = common::add_case(&fengqiao_bin(), &laptop, "李四", "低保评定不公");
    let mut both = vec![from_office, from_laptop];
    both.sort();

    // Both serve; the laptop knows the office only by its pairing ticket.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let _ = std::fs::remove_file(&office_ticket_file);
        let office_proc = serve(&office, &office_addr, &office_ticket_file, None);
        let ticket = wait_for_file(&office_ticket_file);
        let laptop_proc = serve(
            &laptop,
            "127.0.0.1:0",
            &tmp.path().join("laptop.ticket"),
            Some(ticket.trim()),
        );
        std::thread::sleep(Duration::from_secs(2));
        stop(laptop_proc);
        stop(office_proc);
        if case_numbers(&office) == both && case_numbers(&laptop) == both {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no convergence: office {:?}, laptop {:?}",
            case_numbers(&office),
            case_numbers(&laptop)
        );
    }
}
