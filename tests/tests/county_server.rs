//! The county server as an administrator runs it, every part a real process: laptop A
//! syncs its offline work with the server and goes away; laptop B, never online with A,
//! syncs and receives it; B's own work reaches the server, the server is killed with
//! SIGKILL right after acknowledging it and restarted, and A receives B's work from the
//! restarted server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{Bins, KilledOnDrop, free_udp_port, workspace_bin};

impl Bins {
    fn start_server(&self, config: &Path, data: &Path, log: &Path) -> KilledOnDrop {
        let _ = std::fs::remove_file(data.join("server").join("admin.addr"));
        let log = std::fs::File::create(log).expect("server log");
        let child = Command::new(&self.server)
            .arg("--config")
            .arg(config)
            .arg("run")
            .env("FENGQIAO_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start fengqiao-sync-server");
        let child = KilledOnDrop(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !data.join("server").join("admin.addr").exists() {
            assert!(Instant::now() < deadline, "server did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    }
}

/// A county server's config (loopback ports) and data directory under `dir`, its county
/// (测试县: 港口镇, 山城镇) initialised.
fn init_server(bins: &Bins, dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("server-data");
    let config = dir.join("server.toml");
    let port = free_udp_port();
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[sync]\nlisten = \"127.0.0.1:{port}\"\n[relay]\nlisten = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\n",
            data.display()
        ),
    )
    .expect("config");
    bins.server_ok(
        &config,
        &["init", "--county", "测试县", "--townships", "港口镇,山城镇"],
    );
    (config, data)
}

fn case_numbers(bins: &Bins, dir: &Path) -> Vec<String> {
    let out = bins.laptop_ok(dir, &["case", "list", "--json"]);
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

/// Loopback only, no mDNS: nothing leaves the machine.
fn offline_settings(dir: &Path) {
    std::fs::create_dir_all(dir.join("sync")).expect("sync dir");
    std::fs::write(
        dir.join("sync").join("settings.toml"),
        "listen = \"127.0.0.1:0\"\nmdns = false\n",
    )
    .expect("settings");
}

fn sync(bins: &Bins, dir: &Path) -> String {
    bins.laptop_ok(dir, &["sync", "--discover-ms", "0", "--timeout", "30"])
}

#[test]
fn laptops_never_online_together_exchange_work_through_a_killed_and_restarted_server() {
    let bins = Bins::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (config, data) = init_server(&bins, tmp.path());
    let log = tmp.path().join("server.log");
    let mut server = bins.start_server(&config, &data, &log);

    // Both laptops enrol with the running server (its admin API issues the tickets).
    let (a, b) = (tmp.path().join("laptop-a"), tmp.path().join("laptop-b"));
    for (dir, person) in [(&a, "李干事"), (&b, "王干事")] {
        let ticket = bins.server_ok(
            &config,
            &["enrol", "--role", "township", "--scope", "港口镇"],
        );
        bins.laptop_ok(dir, &["enrol", ticket.trim(), "--person", person]);
        offline_settings(dir);
    }

    // A works offline, syncs with the server, and goes away.
    let from_a = common::add_case(&bins.laptop, &a, "张三", "宅基地纠纷");
    let report = sync(&bins, &a);
    assert!(!report.contains("失败"), "A's round failed: {report}");

    // B was never online with A; the server forwards A's work.
    let from_b = common::add_case(&bins.laptop, &b, "李四", "低保评定不公");
    let report = sync(&bins, &b);
    assert!(!report.contains("失败"), "B's round failed: {report}");
    let mut both = vec![from_a.clone(), from_b.clone()];
    both.sort();
    assert_eq!(case_numbers(&bins, &b), both, "B did not receive A's case");

    // B's round returned once the server acknowledged B's case. Kill the server at once,
    // with no chance to flush anything, and restart it.
    server.0.kill().expect("SIGKILL the server");
    let _ = server.0.wait();
    let mut server = bins.start_server(&config, &data, &tmp.path().join("server2.log"));
    let report = sync(&bins, &a);
    assert!(
        !report.contains("失败"),
        "A's second round failed: {report}"
    );
    assert_eq!(
        case_numbers(&bins, &a),
        both,
        "the restarted server lost B's acknowledged case"
    );

    let status: serde_json::Value =
        serde_json::from_str(&bins.server_ok(&config, &["status", "--json"])).expect("status");
    assert_eq!(status["running"], true);
    assert_eq!(status["devices_enrolled"], 3, "{status}");

    // SIGTERM: a clean stop.
    common::stop(&mut server.0, "server");
    let text = std::fs::read_to_string(tmp.path().join("server2.log")).unwrap_or_default();
    assert!(text.contains("store closed cleanly"), "{text}");
}

#[test]
fn a_server_joins_an_existing_county_with_a_ticket_from_the_office() {
    let bins = Bins::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let office = tmp.path().join("office");
    bins.laptop_ok(
        &office,
        &[
            "init",
            "--device-name",
            "信访局台式机",
            "--person",
            "王主任",
        ],
    );
    let office_addr = format!("127.0.0.1:{}", free_udp_port());
    let ticket = bins
        .laptop_ok(
            &office,
            &[
                "ticket",
                "--enrol",
                "--role",
                "server",
                "--name",
                "县同步服务器",
                "--addr",
                &office_addr,
            ],
        )
        .trim()
        .to_owned();
    let ticket_file = tmp.path().join("office.ticket");
    let mut serving = Command::new(&bins.laptop)
        .arg("--data-dir")
        .arg(&office)
        .args([
            "serve",
            "--no-mdns",
            "--listen",
            &office_addr,
            "--ticket-file",
        ])
        .arg(&ticket_file)
        .env("FENGQIAO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fengqiao serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ticket_file.exists() {
        assert!(Instant::now() < deadline, "the office never came up");
        std::thread::sleep(Duration::from_millis(50));
    }

    let data = tmp.path().join("server-data");
    let config = tmp.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[sync]\nlisten = \"127.0.0.1:0\"\n[relay]\nlisten = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\n",
            data.display()
        ),
    )
    .expect("config");
    let joined: serde_json::Value =
        serde_json::from_str(&bins.server_ok(&config, &["init", "--join", &ticket, "--json"]))
            .expect("init JSON");
    assert_eq!(joined["role"], "server", "{joined}");

    // The ticket was for one machine: with the office still up, a second server is
    // refused by the office.
    let again = tmp.path().join("server2.toml");
    std::fs::write(
        &again,
        format!(
            "data_dir = \"{}\"\n",
            tmp.path().join("server2-data").display()
        ),
    )
    .expect("config");
    let out = Command::new(&bins.server)
        .args(["--config"])
        .arg(&again)
        .args(["init", "--join", &ticket])
        .output()
        .expect("run the server");
    common::stop(&mut serving, "fengqiao serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a used ticket must not work again");
    assert!(
        stderr.contains("登记失败"),
        "refused by the office: {stderr}"
    );
}

/// The hostile review's P1 against the county server: a 港口镇 laptop that made itself
/// "office" in its own files (a patched build writing its directory copy, `bin/forge.rs`)
/// revokes a colleague and registers in 山城镇; the server takes its own 港口镇 case and
/// nothing else.
#[test]
fn the_server_refuses_what_a_township_laptop_that_made_itself_office_wrote() {
    let bins = Bins::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (config, data) = init_server(&bins, tmp.path());
    let mut server = bins.start_server(&config, &data, &tmp.path().join("server.log"));
    let (a, b) = (tmp.path().join("laptop-a"), tmp.path().join("laptop-b"));
    for (dir, person) in [(&a, "李干事"), (&b, "王干事")] {
        let ticket = bins.server_ok(
            &config,
            &["enrol", "--role", "township", "--scope", "港口镇"],
        );
        bins.laptop_ok(dir, &["enrol", ticket.trim(), "--person", person]);
        offline_settings(dir);
    }
    sync(&bins, &a); // A learns of B.
    let b_id = device_id(&b);

    let forged = Command::new(workspace_bin("fengqiao-tests", "forge"))
        .arg(&a)
        .arg("promote")
        .status()
        .expect("forge");
    assert!(forged.success());
    bins.laptop_ok(&a, &["devices", "revoke", &b_id]);
    let foreign = bins.laptop_ok(
        &a,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "山城镇",
            "--name",
            "越权",
            "--request",
            "越权登记",
        ],
    );
    let foreign: serde_json::Value = serde_json::from_str(&foreign).expect("case JSON");
    let own = common::add_case(&bins.laptop, &a, "张三", "宅基地纠纷");
    let out = common::fengqiao(
        &bins.laptop,
        &a,
        &["sync", "--discover-ms", "0", "--timeout", "10"],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "the laptop must be told its round did not go through: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    let devices: serde_json::Value =
        serde_json::from_str(&bins.server_ok(&config, &["devices", "list", "--json"]))
            .expect("devices JSON");
    let record = |id: &str| {
        devices
            .as_array()
            .expect("array")
            .iter()
            .find(|d| d["id"] == id)
            .cloned()
            .expect("device listed")
    };
    assert_eq!(record(&b_id)["revoked"], false);
    assert_eq!(record(&device_id(&a))["role"], "township");
    common::stop(&mut server.0, "server");
    let held = case_numbers(&bins, &data);
    assert!(held.contains(&own), "{held:?}");
    assert!(
        !held.contains(&foreign["number"].as_str().expect("number").to_owned()),
        "{held:?}"
    );
}

fn device_id(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("device.json")).expect("device.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v["device_id"].as_str().expect("device_id").to_owned()
}
