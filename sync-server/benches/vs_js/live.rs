//! Live mode of the side-by-side bench: stock JavaScript automerge-repo clients edit the
//! 50 documents change by change through each server in turn (see the bench's header).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::{CHANGES, COUNTY, DOCS, county_server, start_js, start_ours, stop};

/// What one server cost in one round.
#[derive(Debug, Default, Clone)]
struct Cost {
    push_cpu_s: f64,
    pull_cpu_s: f64,
    push_wall_ms: u64,
    pull_wall_ms: u64,
    peak_threads: u64,
    peak_rss_mb: f64,
    /// Everything the process passed to `write()`: sockets as well as files.
    written_mb: f64,
    data_dir_mb: f64,
    /// Ours only: what the clean stop wrote (files in the data directory modified after
    /// the stop began: the compactions of whatever the journal still held).
    close_mb: f64,
    /// Ours only: (syncs, renames, unlinks, commits, committed writes, compactions, bytes
    /// written to the journal and files).
    storage: Option<[u64; 7]>,
}

fn proc_cpu_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the
    // 12th and 13th of them.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn proc_status(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn proc_wchar(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("wchar:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Samples a process's thread count every 50 ms; the peak when stopped.
struct ThreadPeak {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl ThreadPeak {
    fn start(pid: u32) -> ThreadPeak {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, peak) = (stop.clone(), peak.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(proc_status(pid, "Threads:"), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        ThreadPeak { stop, peak, thread }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.peak.load(Ordering::Relaxed)
    }
}

fn dir_bytes(dir: &Path) -> u64 {
    dir_bytes_since(dir, SystemTime::UNIX_EPOCH)
}

/// Bytes of the files under `dir` last modified at or after `since`.
fn dir_bytes_since(dir: &Path, since: SystemTime) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                total += e
                    .metadata()
                    .ok()
                    .filter(|m| m.modified().is_ok_and(|t| t >= since))
                    .map_or(0, |m| m.len());
            }
        }
    }
    total
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The storage series of our `/metrics`.
fn storage_counts(admin_port: u16, token: &str) -> [u64; 7] {
    // The admin port may come up a moment after the WebSocket listener.
    let mut tries = 0;
    let mut s = loop {
        match std::net::TcpStream::connect(("127.0.0.1", admin_port)) {
            Ok(s) => break s,
            Err(e) if tries < 100 => {
                tries += 1;
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("admin port {admin_port}: {e}"),
        }
    };
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    let get = |name: &str| {
        body.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or(0)
    };
    [
        get("fengqiao_storage_syncs_total"),
        get("fengqiao_storage_renames_total"),
        get("fengqiao_storage_unlinks_total"),
        get("fengqiao_storage_commits_total"),
        get("fengqiao_storage_committed_writes_total"),
        get("fengqiao_storage_compactions_total"),
        get("fengqiao_storage_written_bytes_total"),
    ]
}

fn node_client(
    interop: &Path,
    args: &[&str],
) -> (Child, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    let mut child = Command::new("node")
        .current_dir(interop)
        .arg("live-client.mjs")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node on PATH");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

fn read_json(
    lines: &mut std::io::Lines<BufReader<std::process::ChildStdout>>,
) -> serde_json::Value {
    let line = lines.next().expect("client output ended").unwrap();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// One server's round: push by client A, pull by client B.
fn round(
    interop: &Path,
    server: &Child,
    url_a: &str,
    url_b: &str,
    peers: [&str; 2],
    docs_json: &Path,
) -> Cost {
    let pid = server.id();
    let threads = ThreadPeak::start(pid);
    let rounds = CHANGES.to_string();
    let docs = docs_json.to_str().unwrap();
    let (cpu0, wchar0) = (proc_cpu_s(pid), proc_wchar(pid));
    let (mut pusher, mut out) = node_client(interop, &["push", url_a, peers[0], docs, &rounds]);
    let pushed = read_json(&mut out);
    let cpu1 = proc_cpu_s(pid);
    let (mut puller, mut out_b) = node_client(interop, &["pull", url_b, peers[1], docs, &rounds]);
    let pulled = read_json(&mut out_b);
    let cpu2 = proc_cpu_s(pid);
    assert_eq!(
        pulled["records"].as_u64(),
        Some((DOCS * CHANGES) as u64),
        "client B did not receive every change: {pulled}"
    );
    let _ = puller.wait();
    drop(pusher.stdin.take());
    let _ = pusher.wait();
    Cost {
        push_cpu_s: cpu1 - cpu0,
        pull_cpu_s: cpu2 - cpu1,
        push_wall_ms: pushed["pushed_ms"].as_u64().unwrap_or(0),
        pull_wall_ms: pulled["pulled_ms"].as_u64().unwrap_or(0),
        peak_threads: threads.finish(),
        peak_rss_mb: proc_status(pid, "VmHWM:") as f64 / 1024.0,
        written_mb: (proc_wchar(pid) - wchar0) as f64 / 1e6,
        ..Cost::default()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn run(interop: &Path, rounds: usize) {
    let mut ours = Vec::new();
    let mut js = Vec::new();
    for r in 0..rounds {
        let tmp = tempfile::tempdir().unwrap();
        let (config, work, peers) = county_server(tmp.path());
        let docs: Vec<serde_json::Value> = work
            .docs
            .iter()
            .map(|(name, id, container)| {
                let genesis = name.genesis(COUNTY).unwrap();
                serde_json::json!({
                    "id": id.to_string(),
                    "genesis": data_encoding::HEXLOWER.encode(genesis.raw_bytes()),
                    "container": container,
                })
            })
            .collect();
        let docs_json = tmp.path().join("docs.json");
        std::fs::write(&docs_json, serde_json::to_vec(&docs).unwrap()).unwrap();
        let admin_port = free_port();
        let text = std::fs::read_to_string(&config).unwrap().replace(
            "[admin]\nlisten = \"127.0.0.1:0\"",
            &format!("[admin]\nlisten = \"127.0.0.1:{admin_port}\""),
        );
        std::fs::write(&config, text).unwrap();
        let data = tmp.path().join("server");
        let token = fengqiao_sync_server::ops::admin_token(&data).unwrap();

        // Ours.
        let (server, port) = start_ours(&config);
        let base = format!("ws://127.0.0.1:{port}/");
        let before = storage_counts(admin_port, &token);
        let mut cost = round(
            interop,
            &server,
            &format!("{base}?token={}", peers[0].1),
            &format!("{base}?token={}", peers[1].1),
            [&peers[0].0, &peers[1].0],
            &docs_json,
        );
        let after = storage_counts(admin_port, &token);
        cost.storage = Some(std::array::from_fn(|i| after[i] - before[i]));
        // A file's mtime comes from a coarse clock: a little early rather than miss one.
        let stopping = SystemTime::now() - Duration::from_millis(20);
        stop(server);
        cost.data_dir_mb = dir_bytes(&data) as f64 / 1e6;
        cost.close_mb = dir_bytes_since(&data, stopping) as f64 / 1e6;
        report(r, "fengqiao-sync-server", &cost);
        ours.push(cost);

        // The JavaScript server, with its filesystem storage.
        let js_data = tmp.path().join("js-data");
        let (server, port) = start_js(interop, Some(&js_data));
        let base = format!("ws://127.0.0.1:{port}/");
        let mut cost = round(
            interop,
            &server,
            &base,
            &base,
            [&peers[0].0, &peers[1].0],
            &docs_json,
        );
        stop(server);
        cost.data_dir_mb = dir_bytes(&js_data) as f64 / 1e6;
        report(r, "JS automerge-repo server", &cost);
        js.push(cost);
    }
    let m = |v: &[Cost], f: fn(&Cost) -> f64| median(v.iter().map(f).collect());
    let (o_push, j_push) = (m(&ours, |c| c.push_cpu_s), m(&js, |c| c.push_cpu_s));
    let (o_pull, j_pull) = (m(&ours, |c| c.pull_cpu_s), m(&js, |c| c.pull_cpu_s));
    println!(
        "live, {DOCS} documents × {CHANGES} changes by stock JS clients, medians of {rounds}: \
         server CPU for the push {o_push:.2} s ours against {j_push:.2} s JS ({:.1}× less), \
         for the pull {o_pull:.2} s against {j_pull:.2} s; peak threads {:.0} against {:.0}; \
         peak memory {:.0} MB against {:.0} MB",
        j_push / o_push,
        m(&ours, |c| c.peak_threads as f64),
        m(&js, |c| c.peak_threads as f64),
        m(&ours, |c| c.peak_rss_mb),
        m(&js, |c| c.peak_rss_mb),
    );
    println!(
        "ours, medians of {rounds}: storage wrote {:.1}× the final data directory (the round \
         and the clean stop together), {:.3} fsyncs per change",
        m(&ours, |c| written_ratio(c).unwrap_or(f64::NAN)),
        m(&ours, |c| c.storage.map_or(f64::NAN, |s| s[0] as f64
            / (DOCS * CHANGES) as f64)),
    );
}

/// The storage's own count of bytes written in the round plus what the clean stop wrote,
/// over the final data directory.
fn written_ratio(c: &Cost) -> Option<f64> {
    let bytes = c.storage?[6] as f64 / 1e6 + c.close_mb;
    Some(bytes / c.data_dir_mb)
}

fn report(r: usize, who: &str, c: &Cost) {
    let storage = c
        .storage
        .map(
            |[syncs, renames, unlinks, commits, writes, compactions, bytes]| {
                format!(
                    "; storage: {syncs} fsyncs, {renames} renames, {unlinks} unlinks, \
                 {commits} group commits of {writes} writes, {compactions} compactions, \
                 {:.2} MB written in the round and {:.2} MB at the stop ({:.1}× the directory)",
                    bytes as f64 / 1e6,
                    c.close_mb,
                    written_ratio(c).unwrap_or(f64::NAN),
                )
            },
        )
        .unwrap_or_default();
    println!(
        "round {r}: {who}: push {} ms wall, {:.2} s CPU; pull {} ms wall, {:.2} s CPU; \
         peak {} threads, {:.0} MB; {:.1} MB through write() (sockets and files), a {:.2} MB \
         data directory{storage}",
        c.push_wall_ms,
        c.push_cpu_s,
        c.pull_wall_ms,
        c.pull_cpu_s,
        c.peak_threads,
        c.peak_rss_mb,
        c.written_mb,
        c.data_dir_mb,
    );
}
