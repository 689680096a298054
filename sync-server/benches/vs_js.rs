//! This server against the JavaScript automerge-repo sync server, side by side on the
//! same workload: one client pushes 50 documents × 200 changes over WebSocket on
//! loopback, then a fresh client pulls all of them. The clients are the same Rust
//! (samod) code for both servers; each round starts a fresh server process. No laptop is
//! connected, so our township shards sleep (`sync-server/src/shards.rs`), as they do
//! while an office works with the county's laptops away.
//!
//!   cargo bench -p fengqiao-sync-server --bench vs_js       (needs `npm ci` in interop/)
//!
//! `FENGQIAO_BENCH_ROUNDS` (default 3) sets the rounds per server; medians are compared.
//!
//! **Live mode** (`… --bench vs_js -- live`, `live.rs`): stock JavaScript automerge-repo
//! clients (`interop/live-client.mjs`), both servers in the same run, alternated, each
//! with disk storage (the JS server with its Node filesystem adapter, which never
//! fsyncs). Client A holds the 50 documents and puts one record into each, 200 times,
//! each change sent to the server as it is made; then a fresh client B pulls them all.
//! Measured per server: CPU for the push and the pull (`/proc/<pid>/stat`), peak threads
//! and memory (`/proc/<pid>/status`), bytes written (`/proc/<pid>/io` `wchar`: every
//! `write(2)`, so Node's socket writes count and Rust's `send(2)`s do not), the data
//! directory's final size, and for ours the storage's own counts from `/metrics` (fsyncs,
//! renames, unlinks, group commits, bytes it wrote to the journal and files).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use fengqiao_model::Role;
use fengqiao_store::{DocName, InitOptions, Store, TownshipSpec};
use fengqiao_sync_server::ops::{self, EnrolRequest, Enrolment};
use futures::future::BoxFuture;
use futures::{FutureExt, SinkExt, StreamExt};
use samod::{BackoffConfig, DialError};

#[path = "vs_js/live.rs"]
mod live;

const COUNTY: &str = "基准县";
const DOCS: usize = 50;
const CHANGES: usize = 200;

/// A samod dialer over a plain WebSocket (tokio-websockets), the way a JS client talks.
struct WsDial {
    url: String,
}

impl samod::Dialer for WsDial {
    type Error = Infallible;

    fn url(&self) -> url::Url {
        self.url.parse().unwrap()
    }

    fn connect(&self) -> BoxFuture<'static, Result<samod::Transport, DialError<Infallible>>> {
        let url = self.url.clone();
        async move {
            let (ws, _) = tokio_websockets::ClientBuilder::new()
                .uri(&url)
                .unwrap()
                .connect()
                .await
                .map_err(|e| DialError::transient(std::io::Error::other(e.to_string())))?;
            let (sink, stream) = ws.split();
            let stream = stream
                .filter_map(|m| async move {
                    match m {
                        Ok(m) if m.is_binary() => Some(Ok(m.as_payload().to_vec())),
                        Ok(_) => None,
                        Err(e) => Some(Err(e)),
                    }
                })
                .boxed();
            let sink = sink.with(|v: Vec<u8>| {
                futures::future::ready(Ok::<_, tokio_websockets::Error>(
                    tokio_websockets::Message::binary(v),
                ))
            });
            Ok(samod::Transport::new(stream, sink))
        }
        .boxed()
    }
}

fn townships() -> Vec<String> {
    (1..=10).map(|i| format!("第{i}镇")).collect()
}

/// The 50 documents: 10 townships × (4 quarters of cases + a year of visits).
fn doc_names(store: &Store) -> Vec<DocName> {
    let year = 2026;
    let mut names = Vec::new();
    for t in store.townships().unwrap() {
        for quarter in 1..=4 {
            names.push(DocName::Cases {
                township: t.code.clone(),
                year,
                quarter,
            });
        }
        names.push(DocName::Visits {
            township: t.code.clone(),
            year,
        });
    }
    names.truncate(DOCS);
    names
}

struct Workload {
    docs: Vec<(DocName, samod::DocumentId, &'static str)>,
}

/// A fresh county server data dir with the 50 documents and two WebSocket clients.
fn county_server(root: &Path) -> (PathBuf, Workload, [(String, String); 2]) {
    let data = root.join("server");
    let store = Store::init(
        &data,
        InitOptions {
            device_name: "基准服务器".into(),
            county: COUNTY.into(),
            role: Role::Server,
            scope: Vec::new(),
            person_name: "管理员".into(),
            townships: townships()
                .into_iter()
                .map(|name| TownshipSpec {
                    name,
                    code: String::new(),
                    villages: Vec::new(),
                })
                .collect(),
            directory: None,
        },
    )
    .unwrap();
    let names = doc_names(&store);
    for n in &names {
        store.document_handle(n, true).unwrap();
    }
    let mut clients = Vec::new();
    for _ in 0..2 {
        let Enrolment::WebSocket { peer_id, token } = ops::enrol(
            &store,
            None,
            &EnrolRequest {
                role: "office".into(),
                scope: Vec::new(),
                name: "基准客户端".into(),
                websocket: true,
            },
        )
        .unwrap() else {
            panic!("expected a websocket client");
        };
        clients.push((peer_id, token));
    }
    store.close();
    let config = root.join("server.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\nlog_level = \"warn\"\n[sync]\nlisten = \"127.0.0.1:0\"\n[relay]\nenabled = false\n[admin]\nlisten = \"127.0.0.1:0\"\n[websocket]\nenabled = true\nlisten = \"127.0.0.1:0\"\nmax_message_bytes = 67108864\n",
            data.display()
        ),
    )
    .unwrap();
    let docs = names
        .iter()
        .map(|n| (n.clone(), n.document_id(COUNTY), n.containers()[0]))
        .collect();
    let [a, b]: [(String, String); 2] = clients.try_into().unwrap();
    (config, Workload { docs }, [a, b])
}

/// Starts our server; returns the process and its WebSocket port (read from the log).
fn start_ours(config: &Path) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fengqiao-sync-server"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .env("FENGQIAO_LOG", "info,iroh=warn,samod_core=warn,samod=warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let line = lines.next().expect("server log ended").unwrap();
        if line.contains("websocket listener up") {
            let addr = line.rsplit("addr=").next().unwrap().trim();
            let addr = addr.trim_matches(|c: char| !c.is_ascii_digit() && c != '.' && c != ':');
            break addr.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, port)
}

fn start_js(interop: &Path, data_dir: Option<&Path>) -> (Child, u16) {
    let mut child = Command::new("node")
        .current_dir(interop)
        .arg("js-sync-server.mjs")
        .args(data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node on PATH");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("listening ")
        .unwrap()
        .parse()
        .unwrap();
    (child, port)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

async fn client(
    url: String,
    peer: &str,
    storage: samod::storage::InMemoryStorage,
) -> (samod::Repo, samod::DialerHandle) {
    let repo = samod::Repo::build_tokio()
        .with_peer_id(samod::PeerId::from(peer.to_owned()))
        .with_storage(storage)
        .load()
        .await;
    let dialer = repo
        .dial(
            BackoffConfig {
                initial_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(1),
                max_retries: Some(20),
            },
            Arc::new(WsDial { url }),
        )
        .unwrap();
    dialer.established().await.unwrap();
    (repo, dialer)
}

/// Push then pull; returns (push, pull) wall times.
/// `with_token`: our server wants each client's token; the JS server takes anyone.
async fn round(
    base_url: &str,
    with_token: bool,
    work: &Workload,
    peers: &[(String, String); 2],
) -> (Duration, Duration) {
    let url = |(_, token): &(String, String)| {
        if with_token {
            format!("{base_url}?token={token}")
        } else {
            base_url.to_owned()
        }
    };
    // The pusher holds the 50 documents (their shared genesis) with 200 changes each.
    let storage = samod::storage::InMemoryStorage::new();
    for (name, id, _) in &work.docs {
        let genesis = name.genesis(COUNTY).unwrap();
        let key = samod::storage::StorageKey::from_parts([
            id.to_string(),
            "incremental".into(),
            genesis.hash().to_string(),
        ])
        .unwrap();
        samod::storage::Storage::put(&storage, key, genesis.raw_bytes().to_vec()).await;
    }
    let offline = samod::Repo::build_tokio()
        .with_peer_id(samod::PeerId::from(peers[0].0.clone()))
        .with_storage(storage.clone())
        .load()
        .await;
    for (_, id, container) in &work.docs {
        let handle = offline
            .find(id.clone())
            .await
            .unwrap()
            .expect("genesis loads");
        handle.with_document(|d| {
            let (_, obj) = d.get(automerge::ROOT, *container).unwrap().unwrap();
            for k in 0..CHANGES {
                let mut tx = d.transaction();
                tx.put(&obj, format!("r{k:03}"), k as i64).unwrap();
                tx.commit();
            }
        });
    }
    offline.stop().await;

    let started = Instant::now();
    let (pusher, dialer) = client(url(&peers[0]), &peers[0].0, storage).await;
    let conn = dialer.connection_id().unwrap();
    let mut handles = Vec::new();
    for (_, id, _) in &work.docs {
        handles.push(pusher.find(id.clone()).await.unwrap().unwrap());
    }
    futures::future::join_all(handles.iter().map(|h| h.they_have_our_changes(conn))).await;
    let push = started.elapsed();
    dialer.close();
    pusher.stop().await;

    let started = Instant::now();
    let (puller, dialer) = client(
        url(&peers[1]),
        &peers[1].0,
        samod::storage::InMemoryStorage::new(),
    )
    .await;
    let pulls = work.docs.iter().map(|(_, id, container)| {
        let puller = puller.clone();
        let id = id.clone();
        async move {
            let handle = loop {
                if let Some(h) = puller.find(id.clone()).await.unwrap() {
                    break h;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            let mut changes = handle.changes();
            loop {
                let n = handle.with_document(|d| {
                    d.get(automerge::ROOT, *container)
                        .unwrap()
                        .map(|(_, obj)| d.length(&obj))
                        .unwrap_or(0)
                });
                if n >= CHANGES {
                    break;
                }
                let _ = tokio::time::timeout(Duration::from_millis(200), changes.next()).await;
            }
        }
    });
    futures::future::join_all(pulls).await;
    let pull = started.elapsed();
    dialer.close();
    puller.stop().await;
    (push, pull)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too: keep it short there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds: usize = std::env::var("FENGQIAO_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1 } else { 3 });
    let interop = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop");
    assert!(
        interop
            .join("node_modules/@automerge/automerge-repo")
            .exists(),
        "run `npm ci --prefix sync-server/interop` first"
    );
    if std::env::args().any(|a| a == "live") {
        live::run(&interop, if quick { 1 } else { rounds });
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut ours = Vec::new();
    let mut js = Vec::new();
    for r in 0..rounds {
        let tmp = tempfile::tempdir().unwrap();
        let (config, work, peers) = county_server(tmp.path());
        let (server, port) = start_ours(&config);
        let (push, pull) = rt.block_on(round(
            &format!("ws://127.0.0.1:{port}/"),
            true,
            &work,
            &peers,
        ));
        stop(server);
        println!(
            "round {r}: fengqiao-sync-server push {:>6.0} ms, pull {:>6.0} ms",
            push.as_secs_f64() * 1e3,
            pull.as_secs_f64() * 1e3
        );
        ours.push(push + pull);

        let (server, port) = start_js(&interop, None);
        let (push, pull) = rt.block_on(round(
            &format!("ws://127.0.0.1:{port}/"),
            false,
            &work,
            &peers,
        ));
        stop(server);
        println!(
            "round {r}: JS automerge-repo server push {:>6.0} ms, pull {:>6.0} ms",
            push.as_secs_f64() * 1e3,
            pull.as_secs_f64() * 1e3
        );
        js.push(push + pull);
    }
    let (o, j) = (median(ours), median(js));
    println!(
        "{DOCS} documents × {CHANGES} changes, push then pull over WebSocket on loopback: \
         fengqiao-sync-server {:.0} ms, JS automerge-repo sync server {:.0} ms (median of {rounds}); \
         ratio JS/ours = {:.2}×",
        o.as_secs_f64() * 1e3,
        j.as_secs_f64() * 1e3,
        j.as_secs_f64() / o.as_secs_f64()
    );
}
