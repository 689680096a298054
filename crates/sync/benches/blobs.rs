//! Attachments' bytes on loopback (issue 22, item 6), real iroh endpoints:
//!
//! - `blob/fetch_20MB`: a township laptop fetches a 20 MB scan from the office laptop
//!   (`SyncNode::fetch_blobs`: connect, ask, receive while a thread writes and hashes,
//!   keep); beside it in the same run `blob/cp_20MB` (`cp` of the same file on the same
//!   disk) and `blob/round_trip` (connect on the same endpoint and ask for a hash the peer
//!   does not hold: the handshake and two request round trips), and `blob/store_side_20MB`
//!   (the receiving store's part alone: written and hashed in 1 MB blocks, kept). The goal:
//!   fetch ≤ 2 × (cp + round trip).
//! - `round/records_only` and `round/records_with_20MB_pending`: the time until a round's
//!   documents are exchanged (`RoundReport::documents_ms`) when the office made one new
//!   case, without and with a 20 MB blob for the laptop to fetch after them. The goal: no
//!   difference (the bytes come after the records).
//!
//! Run from the workspace root, never from inside the crate (criterion writes `target/`
//! where it runs): `cargo bench -p fengqiao-sync --bench blobs`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use fengqiao_model::{AttachedTo, Channel, Device, Registration, Role};
use fengqiao_store::blobs::BlobHash;
use fengqiao_store::local::{DataDir, device_code_for};
use fengqiao_store::{DocName, InitOptions, Store, TownshipSpec};
use fengqiao_sync::{NodeOptions, SyncNode};

const COUNTY: &str = "宁国市";
const SIZE: usize = 20 << 20;

fn office(dir: &Path) -> Arc<Store> {
    Arc::new(
        Store::init(
            dir,
            InitOptions {
                device_name: "信访局".into(),
                county: COUNTY.into(),
                role: Role::Office,
                scope: vec![],
                person_name: "王主任".into(),
                townships: vec![TownshipSpec {
                    name: "港口镇".into(),
                    code: "gangkou".into(),
                    villages: vec!["港口村".into()],
                }],
                directory: None,
            },
        )
        .expect("init office"),
    )
}

fn township(office: &Store, dir: &Path) -> Arc<Store> {
    std::fs::create_dir_all(dir).expect("dir");
    let (key, _) = DataDir::new(dir).load_or_create_key().expect("key");
    office
        .enrol_device(&Device {
            id: key.public().to_string(),
            name: "港口镇笔记本".into(),
            code: device_code_for(&key.public()),
            role: Role::Township,
            scope: vec!["港口镇".into()],
            enrolled_at: fengqiao_store::now_cst(),
            revoked: false,
            confidential: false,
        })
        .expect("enrol");
    let directory = office
        .export_document(&DocName::Directory)
        .expect("export")
        .expect("directory");
    Arc::new(
        Store::init(
            dir,
            InitOptions {
                device_name: "港口镇笔记本".into(),
                county: COUNTY.into(),
                role: Role::Township,
                scope: vec!["港口镇".into()],
                person_name: "李干事".into(),
                townships: vec![],
                directory: Some(directory),
            },
        )
        .expect("init township"),
    )
}

fn add_case(store: &Store, who: &str) -> String {
    let date = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    let mut reg = Registration::new(Channel::Visit, date, "港口镇", "土地流转补偿款")
        .with_petitioner(who, "13800000000");
    reg.village = "港口村".into();
    store.add_case(reg).expect("add").number.to_string()
}

/// A scan-like 20 MB file: not compressible to nothing, not all one byte.
fn scan() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..SIZE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

struct County {
    _dirs: [tempfile::TempDir; 2],
    rt: tokio::runtime::Runtime,
    /// The office's node runs on a runtime of its own, as it would in its own process.
    _office_rt: tokio::runtime::Runtime,
    office: Arc<Store>,
    laptop: Arc<Store>,
    na: SyncNode,
    nb: SyncNode,
}

fn county() -> County {
    let (da, db) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let office = office(da.path());
    let laptop = township(&office, db.path());
    add_case(&office, "张三");
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    };
    let (rt, office_rt) = (runtime(), runtime());
    let na = office_rt
        .block_on(SyncNode::start(office.clone(), NodeOptions::loopback()))
        .expect("node");
    let nb = rt
        .block_on(SyncNode::start(laptop.clone(), NodeOptions::loopback()))
        .expect("node");
    rt.block_on(nb.sync_with(na.addr(), Duration::from_secs(30)))
        .expect("first round");
    County {
        _dirs: [da, db],
        rt,
        _office_rt: office_rt,
        office,
        laptop,
        na,
        nb,
    }
}

fn bench(c: &mut Criterion) {
    let county = county();
    let bytes = scan();
    let case = add_case(&county.office, "李四");
    let hash = county
        .office
        .attach(&case, AttachedTo::Case, "扫描件.pdf", &bytes, "来信扫描件")
        .expect("attach")
        .attachment
        .hash
        .parse::<BlobHash>()
        .expect("hash");
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("scan.pdf");
    std::fs::write(&file, &bytes).expect("write scan");
    let budget = Duration::from_secs(120);

    let mut g = c.benchmark_group("blob");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("fetch_20MB", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                county.laptop.blobs().remove(&hash).expect("remove");
                let t = Instant::now();
                let report = county
                    .rt
                    .block_on(county.nb.fetch_blobs(
                        county.na.addr(),
                        vec![(hash, SIZE as u64)],
                        budget,
                    ))
                    .expect("fetch");
                total += t.elapsed();
                assert_eq!(report.fetched, 1, "{report:?}");
            }
            total
        })
    });
    g.bench_function("cp_20MB", |b| {
        let to = tmp.path().join("copy.pdf");
        b.iter(|| {
            let status = std::process::Command::new("cp")
                .arg(&file)
                .arg(&to)
                .status()
                .expect("cp");
            assert!(status.success());
        })
    });
    // The receiving store's share of a fetch alone (no network): the blob written and
    // hashed in 1 MB blocks as they would arrive, then kept.
    g.bench_function("store_side_20MB", |b| {
        b.iter(|| {
            let blobs = county.laptop.blobs();
            blobs.remove(&hash).expect("remove");
            let mut arriving = blobs.arriving(&hash).expect("arriving");
            for block in bytes.chunks(1 << 20) {
                arriving.append(block).expect("append");
            }
            arriving.finish().expect("finish");
        })
    });
    // The transport's share alone: two bare iroh endpoints (each on its own runtime, as
    // the nodes are) move the 20 MB from memory to nothing on one stream, handshake
    // included. No store, no disk, no hash.
    let bare = BareQuic::start(bytes.clone());
    g.bench_function("transport_only_20MB", |b| b.iter(|| bare.fetch()));
    let absent = BlobHash::of(b"nobody has this");
    g.bench_function("round_trip", |b| {
        b.iter(|| {
            let report = county
                .rt
                .block_on(
                    county
                        .nb
                        .fetch_blobs(county.na.addr(), vec![(absent, 0)], budget),
                )
                .expect("ask");
            // No record names it: refused, after the same round trips.
            assert_eq!(report.absent + report.refused.len(), 1, "{report:?}");
        })
    });
    g.finish();

    // Rounds: the office adds one case each time; the laptop has the scan already
    // (records only) or has just lost it (the scan is pending after the records).
    let mut g = c.benchmark_group("round");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, pending) in [("records_only", false), ("records_with_20MB_pending", true)] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    add_case(&county.office, &format!("王{i}"));
                    if pending {
                        county.laptop.blobs().remove(&hash).expect("remove");
                    }
                    let report = county
                        .rt
                        .block_on(county.nb.sync_with(county.na.addr(), budget))
                        .expect("round");
                    assert!(report.incomplete().is_empty(), "{}", report.summary());
                    assert_eq!(report.blobs.fetched, usize::from(pending));
                    total += Duration::from_millis(report.documents_ms);
                }
                total
            })
        });
    }
    g.finish();
}

const BARE_ALPN: &[u8] = b"fengqiao-bench/bare/1";

/// Two iroh endpoints on loopback, one serving a buffer on every stream it is asked on.
struct BareQuic {
    client_rt: tokio::runtime::Runtime,
    _server_rt: tokio::runtime::Runtime,
    client: iroh::Endpoint,
    server: iroh::EndpointAddr,
}

impl BareQuic {
    fn start(bytes: Vec<u8>) -> BareQuic {
        let runtime = || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime")
        };
        let (client_rt, server_rt) = (runtime(), runtime());
        let endpoint = |alpns: Vec<Vec<u8>>| async move {
            iroh::Endpoint::builder(iroh::endpoint::presets::Minimal)
                .relay_mode(iroh::RelayMode::Disabled)
                .clear_ip_transports()
                .bind_addr((std::net::Ipv4Addr::LOCALHOST, 0))
                .expect("bind addr")
                .alpns(alpns)
                .bind()
                .await
                .expect("bind")
        };
        let server = server_rt.block_on(endpoint(vec![BARE_ALPN.to_vec()]));
        let addr = server.addr();
        let bytes = bytes::Bytes::from(bytes);
        server_rt.spawn(async move {
            while let Some(incoming) = server.accept().await {
                let bytes = bytes.clone();
                tokio::spawn(async move {
                    let Ok(conn) = incoming.await else { return };
                    while let Ok((mut send, _recv)) = conn.accept_bi().await {
                        let _ = send.write_chunk(bytes.clone()).await;
                        let _ = send.finish();
                        let _ = send.stopped().await;
                    }
                });
            }
        });
        let client = client_rt.block_on(endpoint(vec![]));
        BareQuic {
            client_rt,
            _server_rt: server_rt,
            client,
            server: addr,
        }
    }

    fn fetch(&self) {
        self.client_rt.block_on(async {
            let conn = self
                .client
                .connect(self.server.clone(), BARE_ALPN)
                .await
                .expect("connect");
            let (mut send, mut recv) = conn.open_bi().await.expect("open");
            send.write_all(b"?").await.expect("ask");
            let mut got = 0;
            while let Some(chunk) = recv.read_chunk(1 << 20).await.expect("read") {
                got += chunk.len();
            }
            assert_eq!(got, SIZE);
            conn.close(0u32.into(), b"done");
        })
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
