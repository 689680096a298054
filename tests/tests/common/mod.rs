//! What the multi-process tests share: the workspace's binaries, a free port, a case added
//! through the CLI, a child killed on drop, and a
//! SIGTERM stop that waits for a clean exit.
#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

/// A binary of the workspace next to this test (built by `cargo test --workspace`; built
/// here when this package's tests run alone — then rebuild it after changing it).
pub fn workspace_bin(package: &str, name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", package, "--bin", name])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building {name} failed");
    }
    assert!(bin.exists(), "no {name} binary at {}", bin.display());
    bin
}

/// Runs the `fengqiao` binary `bin` on the data directory `dir`, quietly.
pub fn fengqiao(bin: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("FENGQIAO_LOG", "warn")
        .output()
        .expect("run fengqiao")
}

/// As [`fengqiao`], asserting success; returns standard output.
pub fn fengqiao_ok(bin: &Path, dir: &Path, args: &[&str]) -> String {
    let out = fengqiao(bin, dir, args);
    assert!(
        out.status.success(),
        "fengqiao {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

pub fn free_tcp_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free TCP port")
}

/// SIGTERM, then wait: the service finishes its writes and exits on its own, with success.
pub fn stop(child: &mut Child, what: &str) {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "{what} exited with {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process killed when the test ends, however it ends (a failed assertion
/// must not leave a server running).
pub struct KilledOnDrop(pub Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Registers a 港口镇 case with `fengqiao case add` in `dir` and returns its number.
pub fn add_case(bin: &Path, dir: &Path, name: &str, request: &str) -> String {
    let out = fengqiao_ok(
        bin,
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
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("case JSON");
    v["number"].as_str().expect("number").to_owned()
}

/// An office laptop at `dir`, enrolled with the running server of `config` (its binary
/// `server`) by a one-time ticket, listening on loopback only, without mDNS.
pub fn enrol_office_laptop(
    laptop: &Path,
    server: &Path,
    config: &Path,
    dir: &Path,
    person: &str,
) -> PathBuf {
    let out = Command::new(server)
        .arg("--config")
        .arg(config)
        .args(["enrol", "--role", "office"])
        .output()
        .expect("enrol");
    assert!(
        out.status.success(),
        "enrol: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ticket = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    fengqiao_ok(laptop, dir, &["enrol", &ticket, "--person", person]);
    std::fs::create_dir_all(dir.join("sync")).expect("sync dir");
    std::fs::write(
        dir.join("sync").join("settings.toml"),
        "listen = \"127.0.0.1:0\"\nmdns = false\n",
    )
    .expect("settings");
    dir.to_owned()
}

/// One sync round of the laptop at `dir` with every peer it knows, which must not fail.
pub fn sync_round(laptop: &Path, dir: &Path) {
    let report = fengqiao_ok(
        laptop,
        dir,
        &["sync", "--discover-ms", "0", "--timeout", "30"],
    );
    assert!(!report.contains("失败"), "sync round failed: {report}");
}

/// The laptop's and the county server's binaries; a test adds what it runs with them in
/// an `impl Bins` of its own.
pub struct Bins {
    pub laptop: PathBuf,
    pub server: PathBuf,
}

impl Bins {
    pub fn new() -> Bins {
        Bins {
            laptop: workspace_bin("fengqiao-cli", "fengqiao"),
            server: workspace_bin("fengqiao-sync-server", "fengqiao-sync-server"),
        }
    }

    /// `fengqiao --data-dir DIR ARGS…`, which must succeed; its standard output.
    pub fn laptop_ok(&self, dir: &Path, args: &[&str]) -> String {
        fengqiao_ok(&self.laptop, dir, args)
    }

    /// `fengqiao-sync-server --config CONFIG ARGS…`, which must succeed; its output.
    pub fn server_ok(&self, config: &Path, args: &[&str]) -> String {
        let out = Command::new(&self.server)
            .arg("--config")
            .arg(config)
            .args(args)
            .output()
            .expect("run fengqiao-sync-server");
        assert!(
            out.status.success(),
            "fengqiao-sync-server {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
