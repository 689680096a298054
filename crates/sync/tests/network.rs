//! Real iroh endpoints in one process, on loopback, relay disabled (one test runs its
//! own relay on plain HTTP): offline edits converge, directly and transitively; the
//! directory decides who may connect and what each device receives and may change.

mod common;

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use fengqiao_model::Role;
use fengqiao_store::DocName;
use fengqiao_sync::{NodeOptions, SyncError, SyncNode, enrol, offer_enrolment};

#[test]
fn offline_edits_converge_directly_and_transitively() {
    let rt = runtime();
    let (da, db, dc) = (tempdir(), tempdir(), tempdir());
    let a = office(da.path());
    let b = enrolled(
        &a,
        db.path(),
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    let c = enrolled(
        &a,
        dc.path(),
        "港口镇平板",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );

    // Offline, each registers its own work.
    let from_a = register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    let from_b = register(&b, "港口镇", "山门村", "李四", "低保评定不公");
    assert_eq!(numbers(&a), vec![from_a.clone()]);

    let (na, nb, nc) = (node(&rt, &a), node(&rt, &b), node(&rt, &c));
    let report = rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert!(report.unfinished.is_empty(), "{}", report.summary());
    assert!(report.changes_received > 0 && report.bytes_received > 0);
    let mut both = vec![from_a.clone(), from_b.clone()];
    both.sort();
    assert_eq!(numbers(&a), both);
    assert_eq!(numbers(&b), both);

    // C never meets A; it gets A's work through B. (A township laptop learns of a
    // period document it does not hold only from a device that keeps the directory, so
    // C holds this quarter's document already: its own case.)
    let from_c = register(&c, "港口镇", "山门村", "王五", "道路硬化");
    rt.block_on(nc.sync_with(nb.addr(), ROUND)).unwrap();
    let mut all = vec![from_a.clone(), from_b.clone(), from_c];
    all.sort();
    assert_eq!(numbers(&c), all);

    // The round is remembered: B knows A's name, when it synced, and A's heads.
    let book = fengqiao_sync::PeerBook::load(b.data()).unwrap();
    let peer = &book.peers[&na.id().to_string()];
    assert_eq!(peer.name, "信访局台式机");
    assert!(peer.last_sync.is_some() && peer.heads.contains_key("directory"));

    // Each round ends with the device signing its heads; the signatures check out.
    let signed_by_b = b
        .attestations()
        .unwrap()
        .into_iter()
        .filter(|a| a.device == nb.id().to_string())
        .count();
    assert!(signed_by_b > 0, "B signs its heads when it syncs");
    let report = fengqiao_store::verify_data_dir(b.data_dir()).unwrap();
    assert!(report.is_ok(), "{report:?}");

    for n in [na, nb, nc] {
        rt.block_on(n.shutdown());
    }
}

#[test]
fn a_township_laptop_receives_only_its_townships_cases() {
    let rt = runtime();
    let (da, db) = (tempdir(), tempdir());
    let a = office(da.path());
    let b = enrolled(
        &a,
        db.path(),
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    let ours = register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    let _other = register(&a, "河沥溪街道", "东城社区", "赵六", "物业纠纷");
    let (na, nb) = (node(&rt, &a), node(&rt, &b));
    rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert_eq!(numbers(&b), vec![ours]);
    let names: Vec<String> = b
        .catalogue()
        .unwrap()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert!(
        !std::fs::read_dir(b.data_dir().join("documents"))
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy()
                == fengqiao_store::DocName::Cases {
                    township: "helixi".into(),
                    year: 2026,
                    quarter: 4
                }
                .document_id(COUNTY)
                .to_string()),
        "the other township's document must not reach this laptop ({names:?})"
    );
}

#[test]
fn a_revoked_device_is_refused_and_its_work_stays_out() {
    let rt = runtime();
    let (da, db) = (tempdir(), tempdir());
    let a = office(da.path());
    let b = enrolled(
        &a,
        db.path(),
        "丢失的笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    let (na, nb) = (node(&rt, &a), node(&rt, &b));
    rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();

    a.revoke_device(&nb.id().to_string()).unwrap();
    let after_revocation = register(&b, "港口镇", "港口村", "钱七", "征地补偿");
    let err = rt
        .block_on(nb.sync_with(na.addr(), Duration::from_secs(5)))
        .unwrap_err();
    // Told it was revoked, not that it never belonged.
    assert!(matches!(err, SyncError::Revoked { .. }), "{err}");
    assert!(err.to_string().contains("本设备已被县信访局吊销"), "{err}");
    assert!(!numbers(&a).contains(&after_revocation));
    // A does not dial it either.
    let err = rt.block_on(na.sync_with(nb.addr(), ROUND)).unwrap_err();
    assert!(matches!(err, SyncError::NotEnrolled { .. }), "{err}");
}

#[test]
fn a_read_only_devices_writes_do_not_spread() {
    let rt = runtime();
    let (da, db) = (tempdir(), tempdir());
    let a = office(da.path());
    // The directory says read-only; the laptop itself was set up to write (tampered).
    let r = enrolled(
        &a,
        db.path(),
        "督查组",
        Role::ReadOnly,
        Role::Township,
        &["港口镇"],
    );
    let from_a = register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    // Its own store goes by the directory, not by what the laptop was set up with.
    let mut reg = fengqiao_model::Registration::new(
        fengqiao_model::Channel::Visit,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        "港口镇",
        "不该传播的记录",
    )
    .with_petitioner("孙八", "13800000000");
    reg.village = "山门村".into();
    let refused = r
        .add_case(reg)
        .expect_err("a read-only device registers nothing");
    assert!(refused.to_string().contains("只读"), "{refused}");
    // A patched build writes its own copy anyway: the office does not take it.
    let cases = DocName::Cases {
        township: "gangkou".into(),
        year: 2026,
        quarter: 4,
    };
    let forged = forge(&r, &cases, "forged", "不该传播的记录");
    let (na, nr) = (node(&rt, &a), node(&rt, &r));
    let report = rt.block_on(nr.sync_with(na.addr(), ROUND)).unwrap();
    assert!(report.unfinished.is_empty(), "{}", report.summary());
    assert_eq!(numbers(&a), vec![from_a.clone()]);
    assert!(!holds(&a, &cases, &forged), "A must not take R's change");
    assert!(numbers(&r).contains(&from_a), "R still reads A's work");
    // Nor when A is the one that dials.
    rt.block_on(na.sync_with(nr.addr(), ROUND)).unwrap();
    assert!(!holds(&a, &cases, &forged));
}

#[test]
fn an_unenrolled_device_receives_no_document_bytes() {
    let rt = runtime();
    let (da, ds) = (tempdir(), tempdir());
    let a = office(da.path());
    register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    // A stranger with its own county directory that happens to enrol A (so it will dial).
    let stranger = office(ds.path());
    stranger
        .enrol_device(&fengqiao_model::Device {
            id: a.identity().device_id.clone(),
            name: "目标".into(),
            code: "X".into(),
            role: Role::Office,
            scope: vec![],
            enrolled_at: fengqiao_store::now_cst(),
            revoked: false,
            confidential: false,
        })
        .unwrap();
    let (na, ns) = (node(&rt, &a), node(&rt, &stranger));
    let err = rt
        .block_on(ns.sync_with(na.addr(), Duration::from_secs(5)))
        .unwrap_err();
    assert!(
        matches!(err, SyncError::Refused { .. } | SyncError::Dial { .. }),
        "{err}"
    );
    assert_eq!(
        ns.bytes().1,
        0,
        "not one frame may reach an unenrolled device"
    );
    assert_eq!(numbers(&stranger), Vec::<String>::new());
}

#[test]
fn a_new_laptop_enrols_with_a_one_time_ticket_then_syncs() {
    let rt = runtime();
    let (da, db, dc) = (tempdir(), tempdir(), tempdir());
    let a = office(da.path());
    let na = node(&rt, &a);
    let ticket = offer_enrolment(
        &a,
        na.addr(),
        Role::Township,
        vec!["港口镇".into()],
        "港口镇笔记本",
    )
    .unwrap();
    let text = ticket.to_string();
    let b = Arc::new(
        rt.block_on(enrol(db.path(), &text.parse().unwrap(), "", "李干事"))
            .unwrap(),
    );
    assert_eq!(b.identity().role, Role::Township);
    assert_eq!(b.identity().device_name, "港口镇笔记本");
    let case = register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    let nb = node(&rt, &b);
    rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert_eq!(numbers(&b), vec![case]);

    // The ticket works once.
    let err = rt
        .block_on(enrol(dc.path(), &text.parse().unwrap(), "", "冒用者"))
        .unwrap_err();
    assert!(err.to_string().contains("无效或已使用"), "{err}");
    assert!(!dc.path().join("device.json").exists());
}

#[test]
fn a_relayed_only_path_syncs_through_an_in_process_relay() {
    let rt = runtime();
    let relay = rt.block_on(async {
        let mut relay = iroh_relay::server::RelayConfig::new((Ipv4Addr::LOCALHOST, 0));
        relay.access = Arc::new(iroh_relay::server::AllowAll);
        let mut config = iroh_relay::server::ServerConfig::default();
        config.relay = Some(relay);
        config.quic = None;
        config.metrics_addr = None;
        iroh_relay::server::Server::spawn(config).await.unwrap()
    });
    let url: iroh::RelayUrl = format!("http://{}", relay.http_addr().unwrap())
        .parse()
        .unwrap();
    let (da, db) = (tempdir(), tempdir());
    let a = office(da.path());
    let b = enrolled(
        &a,
        db.path(),
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    let from_a = register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    let from_b = register(&b, "港口镇", "山门村", "李四", "低保评定不公");
    let relayed = || NodeOptions {
        relay: Some(url.clone()),
        relay_only: true,
        ..NodeOptions::loopback()
    };
    let na = rt.block_on(SyncNode::start(a.clone(), relayed())).unwrap();
    let nb = rt.block_on(SyncNode::start(b.clone(), relayed())).unwrap();
    // Only A's relay URL, no IP address: the relay is the only way.
    let a_via_relay = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let addr = na.addr();
                if addr.relay_urls().next().is_some() {
                    return iroh::EndpointAddr::new(addr.id).with_relay_url(url.clone());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .unwrap()
    });
    assert_eq!(a_via_relay.ip_addrs().count(), 0);
    let report = rt.block_on(nb.sync_with(a_via_relay, ROUND)).unwrap();
    assert!(report.unfinished.is_empty(), "{}", report.summary());
    let mut both = vec![from_a, from_b];
    both.sort();
    assert_eq!(numbers(&a), both);
    assert_eq!(numbers(&b), both);
    rt.block_on(async {
        na.shutdown().await;
        nb.shutdown().await;
        relay.shutdown().await.unwrap();
    });
}

#[test]
fn a_dead_relay_does_not_slow_lan_sync() {
    let rt = runtime();
    let (da, db) = (tempdir(), tempdir());
    let a = office(da.path());
    let b = enrolled(
        &a,
        db.path(),
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    let dead: iroh::RelayUrl = "http://127.0.0.1:1".parse().unwrap();
    let with_dead_relay = || NodeOptions {
        relay: Some(dead.clone()),
        ..NodeOptions::loopback()
    };
    let na = rt
        .block_on(SyncNode::start(a.clone(), with_dead_relay()))
        .unwrap();
    let nb = rt
        .block_on(SyncNode::start(b.clone(), with_dead_relay()))
        .unwrap();
    let report = rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert!(report.unfinished.is_empty());
    assert_eq!(numbers(&b).len(), 1);
    // Not a timing assertion: the round must not have waited out a dial timeout.
    assert!(
        report.elapsed_ms < NodeOptions::loopback().dial_timeout.as_millis() as u64,
        "{}",
        report.summary()
    );
}

#[test]
fn a_bundle_for_a_known_peer_carries_only_what_came_after_the_last_round() {
    let rt = runtime();
    let (da, db) = (tempdir(), tempdir());
    let a = office(da.path());
    let b = enrolled(
        &a,
        db.path(),
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    for i in 0..20 {
        register(&a, "港口镇", "港口村", &format!("来访人{i}"), "宅基地纠纷");
    }
    let (na, nb) = (node(&rt, &a), node(&rt, &b));
    rt.block_on(na.sync_with(nb.addr(), ROUND)).unwrap();
    rt.block_on(async {
        na.shutdown().await;
        nb.shutdown().await;
    });
    // The network goes away; new work travels on a USB stick.
    let later = register(&a, "港口镇", "山门村", "周九", "拖欠工资");
    let other_township = register(&a, "河沥溪街道", "东城社区", "吴十", "物业纠纷");
    let peer = fengqiao_sync::bundle::remembered_state(&a, "港口镇笔记本").unwrap();
    let small = fengqiao_sync::bundle::export(&a, Some(&peer)).unwrap();
    let full = fengqiao_sync::bundle::export(&a, None).unwrap();
    assert!(
        small.len() * 2 < full.len(),
        "{} vs {}",
        small.len(),
        full.len()
    );
    fengqiao_sync::bundle::import(&b, &small).unwrap();
    let got = numbers(&b);
    assert!(got.contains(&later) && got.len() == 21, "{got:?}");
    assert!(!got.contains(&other_township), "not a document B may hold");
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}
