//! Attachments' bytes across real processes: laptop A (港口镇) attaches a photo and syncs
//! with the county server; laptop B (港口镇) syncs and holds identical bytes; laptop C
//! (山城镇) does not get them and is refused when it asks the server for the hash
//! directly. And across a real interface: two laptops in two network namespaces joined by
//! a veth pair find each other by mDNS and move the photo (skipped, saying why, where
//! namespaces cannot be made).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::{Bins, KilledOnDrop, free_udp_port};

impl Bins {
    /// A county server (测试县: 港口镇, 山城镇) on loopback, running.
    fn server(&self, dir: &Path) -> (PathBuf, KilledOnDrop) {
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
        self.server_ok(
            &config,
            &["init", "--county", "测试县", "--townships", "港口镇,山城镇"],
        );
        let log = std::fs::File::create(dir.join("server.log")).expect("server log");
        let child = Command::new(&self.server)
            .arg("--config")
            .arg(&config)
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
        (config, child)
    }

    /// A laptop enrolled with the server for `township`, loopback only, no mDNS.
    fn laptop(&self, config: &Path, dir: &Path, township: &str, person: &str) {
        let ticket = self.server_ok(
            config,
            &["enrol", "--role", "township", "--scope", township],
        );
        self.laptop_ok(dir, &["enrol", ticket.trim(), "--person", person]);
        settings(dir, "listen = \"127.0.0.1:0\"\nmdns = false\n");
    }

    fn sync(&self, dir: &Path) -> String {
        let report = self.laptop_ok(dir, &["sync", "--discover-ms", "0", "--timeout", "60"]);
        assert!(!report.contains("失败"), "round failed: {report}");
        report
    }
}

fn settings(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir.join("sync")).expect("sync dir");
    std::fs::write(dir.join("sync").join("settings.toml"), text).expect("settings");
}

/// A photo-sized file that is not all one byte.
fn photo(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 253) as u8).collect()
}

/// `fengqiao attach CASE FILE`; returns the hash.
fn attach(bins: &Bins, dir: &Path, case: &str, file: &Path) -> String {
    let out = bins.laptop_ok(
        dir,
        &[
            "--json",
            "attach",
            case,
            file.to_str().expect("utf-8 path"),
            "--caption",
            "现场照片",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("attach JSON");
    v["attachment"]["hash"].as_str().expect("hash").to_owned()
}

/// `fengqiao attachment get HASH --out FILE`, and the bytes written.
fn get(bins: &Bins, dir: &Path, hash: &str, out: &Path) -> Vec<u8> {
    bins.laptop_ok(
        dir,
        &[
            "attachment",
            "get",
            hash,
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
    );
    std::fs::read(out).expect("the attachment's bytes")
}

#[test]
fn a_photo_goes_through_the_server_to_its_township_and_nowhere_else() {
    let bins = Bins::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (config, _server) = bins.server(tmp.path());
    let (a, b, c) = (
        tmp.path().join("laptop-a"),
        tmp.path().join("laptop-b"),
        tmp.path().join("laptop-c"),
    );
    bins.laptop(&config, &a, "港口镇", "李干事");
    bins.laptop(&config, &b, "港口镇", "王干事");
    bins.laptop(&config, &c, "山城镇", "赵干事");

    let case = common::add_case(&bins.laptop, &a, "张三", "宅基地纠纷");
    let bytes = photo(3 << 20);
    let file = tmp.path().join("现场.jpg");
    std::fs::write(&file, &bytes).expect("photo");
    let hash = attach(&bins, &a, &case, &file);

    // A's round leaves the photo on the server; B's round brings it.
    let report = bins.sync(&a);
    assert!(report.contains("对方取走 1 个附件"), "{report}");
    let report = bins.sync(&b);
    assert!(report.contains("收到 1 个附件"), "{report}");
    let got = get(&bins, &b, &hash, &tmp.path().join("b.jpg"));
    assert!(got == bytes, "B's copy differs from A's photo");

    // C syncs: no record of the case, no bytes.
    let report = bins.sync(&c);
    assert!(!report.contains("附件"), "{report}");
    let c_file = tmp.path().join("c.jpg");
    let out = common::fengqiao(
        &bins.laptop,
        &c,
        &[
            "attachment",
            "get",
            &hash,
            "--out",
            c_file.to_str().expect("utf-8"),
        ],
    );
    assert!(!c_file.exists());
    assert!(!out.status.success(), "C holds no record of the photo");

    // C asks the server for the hash directly: refused.
    let refused = ask_directly(&c, &hash);
    assert_eq!(refused.fetched, 0, "{refused:?}");
    assert_eq!(refused.refused.len(), 1, "{refused:?}");
    assert!(refused.refused[0].reason.contains("不允许"), "{refused:?}");
    let store = fengqiao_store::Store::open(&c).expect("C's store");
    let h: fengqiao_store::blobs::BlobHash = hash.parse().expect("hash");
    assert!(!store.blobs().has(&h));
    assert_eq!(store.blobs().partial_len(&h).expect("partial"), 0);
    store.close();
}

/// A small client: C's own key, asking its county server for one blob over the blob ALPN
/// (through the sync crate's public API).
fn ask_directly(dir: &Path, hash: &str) -> fengqiao_sync::BlobReport {
    let store = Arc::new(fengqiao_store::Store::open(dir).expect("C's store"));
    let server = fengqiao_sync::SyncSettings::load(store.data_dir())
        .expect("settings")
        .server
        .map(|s| s.endpoint_addr());
    let server = match server {
        Some(s) => s,
        None => {
            // Enrolment remembered the server in the peer book, not the settings.
            let book = fengqiao_sync::PeerBook::load(store.data()).expect("peer book");
            let (id, record) = book.peers.iter().next().expect("a remembered server");
            record.endpoint_addr(id.parse().expect("peer id"))
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = rt.block_on(async {
        let node =
            fengqiao_sync::SyncNode::start(store.clone(), fengqiao_sync::NodeOptions::loopback())
                .await
                .expect("C's node");
        let report = node
            .fetch_blobs(
                server,
                vec![(hash.parse().expect("hash"), 0)],
                Duration::from_secs(30),
            )
            .await
            .expect("the server answers");
        node.shutdown().await;
        report
    });
    drop(rt);
    if let Ok(store) = Arc::try_unwrap(store) {
        store.close();
    }
    report
}

/// Two network namespaces joined by a veth pair, removed on drop (a failed test too).
struct Namespaces {
    names: [String; 2],
}

impl Namespaces {
    /// Makes them, or says why it cannot.
    fn make() -> Result<Namespaces, String> {
        if !Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
        {
            return Err("not root: network namespaces need CAP_SYS_ADMIN".into());
        }
        let pid = std::process::id();
        let ns = Namespaces {
            names: [format!("fqa{pid}"), format!("fqb{pid}")],
        };
        let [na, nb] = &ns.names;
        let (va, vb) = (format!("{na}v"), format!("{nb}v"));
        ip(&["netns", "add", na]).map_err(|e| format!("cannot make a namespace: {e}"))?;
        ip(&["netns", "add", nb])?;
        ip(&["link", "add", &va, "type", "veth", "peer", "name", &vb])?;
        ip(&["link", "set", &va, "netns", na])?;
        ip(&["link", "set", &vb, "netns", nb])?;
        for (n, v, addr) in [(na, &va, "10.77.0.1/30"), (nb, &vb, "10.77.0.2/30")] {
            ip(&["-n", n, "addr", "add", addr, "dev", v])?;
            ip(&["-n", n, "link", "set", v, "up", "multicast", "on"])?;
            ip(&["-n", n, "link", "set", "lo", "up"])?;
            // mDNS goes out on the veth: the only way out of the namespace.
            ip(&["-n", n, "route", "add", "224.0.0.0/4", "dev", v])?;
        }
        Ok(ns)
    }

    /// `cmd` run inside namespace `i`.
    fn command(&self, i: usize, program: &Path) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.names[i]]).arg(program);
        c
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        // Removing a namespace removes its end of the veth, and with it the pair.
        for n in &self.names {
            let _ = ip(&["netns", "del", n]);
        }
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    match Command::new("ip").args(args).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("no `ip` command (iproute2): {e}")),
    }
}

#[test]
fn two_laptops_find_each_other_by_mdns_across_a_veth_and_move_a_photo() {
    let ns = match Namespaces::make() {
        Ok(ns) => ns,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let bins = Bins::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("laptop-a"), tmp.path().join("laptop-b"));
    let case;
    {
        // Enrolment and a first round on loopback, so each laptop's directory lists the
        // other; then the server is gone and the laptops know only each other by mDNS.
        let (config, _server) = bins.server(tmp.path());
        bins.laptop(&config, &a, "港口镇", "李干事");
        bins.laptop(&config, &b, "港口镇", "王干事");
        // The case's quarter document reaches B through the server, which keeps the
        // catalogue; the photo comes later, over the LAN only.
        case = common::add_case(&bins.laptop, &a, "张三", "宅基地纠纷");
        bins.sync(&a);
        bins.sync(&b);
    }
    for dir in [&a, &b] {
        std::fs::remove_file(dir.join("sync").join("peers.json")).expect("peer book");
        settings(dir, "listen = \"0.0.0.0:0\"\nmdns = true\n");
    }
    let bytes = photo(2 << 20);
    let file = tmp.path().join("送达回证.jpg");
    std::fs::write(&file, &bytes).expect("photo");
    let hash = attach(&bins, &a, &case, &file);

    // A serves in its namespace, announcing itself by mDNS.
    let log = std::fs::File::create(tmp.path().join("a-serve.log")).expect("log");
    let serving = ns
        .command(0, &bins.laptop)
        .arg("--data-dir")
        .arg(&a)
        .arg("serve")
        .env("FENGQIAO_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start fengqiao serve in namespace A");
    let mut serving = KilledOnDrop(serving);
    std::thread::sleep(Duration::from_secs(2));

    // B, in the other namespace, knows no peer: it must find A on the LAN.
    let out = ns
        .command(1, &bins.laptop)
        .arg("--data-dir")
        .arg(&b)
        .args(["sync", "--discover-ms", "5000", "--timeout", "60"])
        .env("FENGQIAO_LOG", "warn")
        .output()
        .expect("run fengqiao sync in namespace B");
    let report = String::from_utf8_lossy(&out.stdout);
    let a_log = std::fs::read_to_string(tmp.path().join("a-serve.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "B's round: {report}{}\nA's log: {a_log}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("B's round in its namespace: {report}");
    // B's peer book is empty and it has no server: only mDNS could have found A.
    assert!(
        report.contains("收到 1 个附件"),
        "B did not get the photo from A: {report}"
    );
    let got = get(&bins, &b, &hash, &tmp.path().join("b.jpg"));
    assert!(got == bytes, "B's copy differs from A's file");
    common::stop(&mut serving.0, "fengqiao serve in namespace A");
    drop(ns);
}
