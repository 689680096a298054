//! Load: simulated devices in this process, each with its own iroh endpoint and key
//! (enrolled in the directory as a township laptop), connect over loopback to a real
//! server process and concurrently write one record into each of the 10 documents of
//! their township (cases of 8 quarters, visits of 2 years), 10 laptops per township as
//! in the field. Every device must end up with all 10 records in each of its 10
//! documents, under the access policy (a device sees only its township). Prints the time
//! taken and the server's peak memory (VmHWM).
//!
//! Runs 10 devices, one township (`FENGQIAO_LOAD_DEVICES` changes it): 20 passed alone
//! but once did not converge in CI while a release build shared the 2 cores. The issue asks for 200, and
//! 200 do not converge: samod 0.16's share-policy bookkeeping (`Policies::set_peers`)
//! costs documents² × peers² on connection changes, the server's hub falls behind,
//! connections drop, the devices reconnect and the churn feeds itself (see
//! ARCHITECTURE.md, sync-server, "Trap"). Measured here (2 cores, other builds running):
//! 20 devices 2.6–3.2 s; 30 devices 3.5–5 s, but once not within 120 s while a release
//! build ran; 50 once 9.6 s and once not within 300 s; 100 and 200 not within 5 minutes.
#![allow(clippy::unwrap_used)]

mod common;

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::{ReadDoc, transaction::Transactable};
use common::*;
use fengqiao_model::{Device, Role};
use fengqiao_store::{DocName, Store};
use futures::FutureExt;
use futures::future::BoxFuture;
use iroh::endpoint::presets;
use iroh::{Endpoint, EndpointAddr, RelayMode, SecretKey};
use samod::{BackoffConfig, DialError};

const DOCUMENTS: usize = 10;
/// Laptops per township.
const PER_TOWNSHIP: usize = 10;

struct Dial {
    endpoint: Endpoint,
    server: EndpointAddr,
}

impl samod::Dialer for Dial {
    type Error = Infallible;

    fn url(&self) -> url::Url {
        format!("iroh://{}", self.server.id).parse().unwrap()
    }

    fn connect(&self) -> BoxFuture<'static, Result<samod::Transport, DialError<Infallible>>> {
        let endpoint = self.endpoint.clone();
        let server = self.server.clone();
        async move {
            let transient = |e: String| DialError::transient(std::io::Error::other(e));
            let conn = tokio::time::timeout(
                Duration::from_secs(20),
                endpoint.connect(server, fengqiao_sync::SYNC_ALPN),
            )
            .await
            .map_err(|_| transient("connect timed out".into()))?
            .map_err(|e| transient(e.to_string()))?;
            let (send, recv) = conn.open_bi().await.map_err(|e| transient(e.to_string()))?;
            Ok(fengqiao_sync::transport::samod_transport(
                conn,
                send,
                recv,
                Arc::new(fengqiao_sync::transport::ByteCounters::default()),
            ))
        }
        .boxed()
    }
}

/// The server process, killed if the test fails before stopping it.
struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn server_memory_kib(pid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// One simulated device: dial, write a record into each document, wait until every
/// document holds every device's record.
async fn device(
    i: usize,
    key: SecretKey,
    server: EndpointAddr,
    docs: Vec<(samod::DocumentId, &'static str)>,
    devices: usize,
) -> Duration {
    let peer = samod::PeerId::from(key.public().to_string());
    let endpoint = Endpoint::builder(presets::Minimal)
        .secret_key(key)
        .relay_mode(RelayMode::Disabled)
        .clear_ip_transports()
        .bind_addr(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .unwrap()
        .bind()
        .await
        .unwrap();
    let repo = samod::Repo::build_tokio().with_peer_id(peer).load().await;
    let dialer = repo
        .dial(
            BackoffConfig {
                initial_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(2),
                max_retries: None,
            },
            Arc::new(Dial {
                endpoint: endpoint.clone(),
                server,
            }),
        )
        .unwrap();
    dialer.established().await.unwrap();
    let started = Instant::now();
    let work = docs.iter().map(|(id, container)| {
        let repo = repo.clone();
        let id = id.clone();
        let container = *container;
        async move {
            let handle = loop {
                if let Some(h) = repo.find(id.clone()).await.unwrap() {
                    break h;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            handle.with_document(|d| {
                let (_, cases) = d.get(automerge::ROOT, container).unwrap().unwrap();
                let mut tx = d.transaction();
                tx.put(&cases, format!("device-{i:04}"), i as i64).unwrap();
                tx.commit();
            });
            let mut changes = handle.changes();
            loop {
                let n = handle.with_document(|d| {
                    let (_, cases) = d.get(automerge::ROOT, container).unwrap().unwrap();
                    d.length(&cases)
                });
                if n >= devices {
                    break;
                }
                use futures::StreamExt;
                let _ = tokio::time::timeout(Duration::from_secs(1), changes.next()).await;
            }
        }
    });
    futures::future::join_all(work).await;
    let took = started.elapsed();
    dialer.close();
    repo.stop().await;
    endpoint.close().await;
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_syncing_ten_documents_each_converge() {
    let devices: usize = std::env::var("FENGQIAO_LOAD_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let township_count = devices.div_ceil(PER_TOWNSHIP);
    let townships: Vec<String> = (1..=township_count).map(|i| format!("第{i}镇")).collect();
    let tmp = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let base = county_with(tmp.path(), false, false, townships.clone()).await;
    let config_path = tmp.path().join("server.toml");
    std::fs::write(
        &config_path,
        format!(
            "data_dir = \"{}\"\nlog_level = \"warn\"\n[sync]\nlisten = \"127.0.0.1:{port}\"\n[relay]\nenabled = false\n[admin]\nlisten = \"127.0.0.1:0\"\n",
            base.data_dir.display()
        ),
    )
    .unwrap();

    // Enrol the devices and create the documents before the server starts.
    let keys: Vec<SecretKey> = (0..devices).map(|_| SecretKey::generate()).collect();
    let ids: Vec<String> = keys.iter().map(|k| k.public().to_string()).collect();
    let data_dir = base.data_dir.clone();
    let (server_id, docs_by_township) = tokio::task::spawn_blocking(move || {
        let store = Store::open(&data_dir).unwrap();
        let year: i32 = fengqiao_store::now_cst()
            .date_naive()
            .format("%Y")
            .to_string()
            .parse()
            .unwrap();
        let mut by_township = Vec::new();
        for t in store.townships().unwrap() {
            let mut names = Vec::new();
            for y in [year - 1, year] {
                for quarter in 1..=4 {
                    names.push(DocName::Cases {
                        township: t.code.clone(),
                        year: y,
                        quarter,
                    });
                }
                names.push(DocName::Visits {
                    township: t.code.clone(),
                    year: y,
                });
            }
            assert_eq!(names.len(), DOCUMENTS);
            for name in &names {
                store.document_handle(name, true).unwrap();
            }
            // Each record goes into the document's first top-level container.
            let docs: Vec<(samod::DocumentId, &'static str)> = names
                .iter()
                .map(|n| (n.document_id(COUNTY), n.containers()[0]))
                .collect();
            by_township.push((t.name.clone(), docs));
        }
        by_township.sort_by_key(|(name, _)| {
            name.trim_start_matches('第')
                .trim_end_matches('镇')
                .parse::<usize>()
                .unwrap_or(0)
        });
        for (i, id) in ids.iter().enumerate() {
            store
                .enrol_device(&Device {
                    id: id.clone(),
                    name: format!("模拟设备{i}"),
                    code: format!("L{i:04}"),
                    role: Role::Township,
                    scope: vec![by_township[i / PER_TOWNSHIP].0.clone()],
                    enrolled_at: fengqiao_store::now_cst(),
                    revoked: false,
                })
                .unwrap();
        }
        let id = store.device_public_key();
        store.close();
        (id, by_township)
    })
    .await
    .unwrap();
    assert_eq!(docs_by_township.len(), township_count);

    let mut server = ServerProcess(
        std::process::Command::new(env!("CARGO_BIN_EXE_fengqiao-sync-server"))
            .arg("--config")
            .arg(&config_path)
            .arg("run")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let addr_file = base.data_dir.join("server/admin.addr");
    let up = Instant::now();
    while !addr_file.exists() {
        assert!(
            up.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (idle_peak, _) = server_memory_kib(server.0.id());
    let server_addr =
        EndpointAddr::new(server_id).with_ip_addr(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));

    let started = Instant::now();
    let tasks: Vec<_> = keys
        .into_iter()
        .enumerate()
        .map(|(i, key)| {
            let (_, docs) = &docs_by_township[i / PER_TOWNSHIP];
            let peers = PER_TOWNSHIP.min(devices - (i / PER_TOWNSHIP) * PER_TOWNSHIP);
            tokio::spawn(device(i, key, server_addr.clone(), docs.clone(), peers))
        })
        .collect();
    let all = tokio::time::timeout(Duration::from_secs(120), futures::future::join_all(tasks))
        .await
        .expect("the devices did not converge within 120 s");
    let elapsed = started.elapsed();
    let slowest = all
        .into_iter()
        .map(|r| r.unwrap())
        .max()
        .unwrap_or_default();
    let (peak, rss) = server_memory_kib(server.0.id());
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status();
    let status = server.0.wait().unwrap();
    assert!(status.success(), "server exited with {status}");
    let line = format!(
        "load: {devices} devices × {DOCUMENTS} documents ({township_count} townships × {PER_TOWNSHIP} laptops) converged in {:.1} s (slowest device {:.1} s after connecting); server memory peak {} MiB (idle {} MiB), RSS at end {} MiB",
        elapsed.as_secs_f64(),
        slowest.as_secs_f64(),
        peak / 1024,
        idle_peak / 1024,
        rss / 1024
    );
    println!("{line}");
    eprintln!("{line}");
}
