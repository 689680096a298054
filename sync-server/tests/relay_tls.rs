//! The production relay: TLS with a certificate signed by the county's own authority.
//! Two laptops that can reach the server only through its relay (no direct UDP path)
//! exchange work through it over TLS, trusting that authority; a laptop without the
//! authority cannot reach it at all, so the certificate is really checked.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use common::*;
use fengqiao_sync::{NodeOptions, SyncErrorKind, SyncNode};
use fengqiao_sync_server::Server;
use fengqiao_sync_server::config::TlsSection;

/// Writes `ca.pem` (the county's authority), `relay.pem` and `relay.key` (the relay's
/// certificate for 127.0.0.1, signed by that authority) into `dir`.
fn county_authority(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "测试县信访局 证书颁发机构");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let relay_key = KeyPair::generate().unwrap();
    let mut relay = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    relay
        .distinguished_name
        .push(DnType::CommonName, "测试县中继");
    let relay_cert = relay.signed_by(&relay_key, &issuer).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("relay.pem"), relay_cert.pem()).unwrap();
    std::fs::write(dir.join("relay.key"), relay_key.serialize_pem()).unwrap();
}

/// A node that reaches peers only through `relay`, trusting `ca` for it (or, without
/// one, the public authorities built in).
async fn relayed_node(
    store: &std::sync::Arc<fengqiao_store::Store>,
    relay: &iroh::RelayUrl,
    ca: Option<&Path>,
) -> SyncNode {
    SyncNode::start(
        store.clone(),
        NodeOptions {
            relay: Some(relay.clone()),
            relay_ca: ca.map(Path::to_owned),
            relay_only: true,
            dial_timeout: Duration::from_secs(2),
            ..NodeOptions::loopback()
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn laptops_sync_through_the_tls_relay_signed_by_the_county_authority() {
    logs();
    let tmp = tempfile::tempdir().unwrap();
    county_authority(tmp.path());
    let ca = tmp.path().join("ca.pem");
    let mut config = county(tmp.path(), false, true).await;
    config.relay.tls = Some(TlsSection {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        cert: tmp.path().join("relay.pem"),
        key: tmp.path().join("relay.key"),
        ca: Some(ca.clone()),
    });
    let server = Server::start(config).await.unwrap();
    let ticket = server.ticket_addr();
    let relay = ticket.relay_urls().next().cloned().expect("a relay URL");
    assert_eq!(relay.scheme(), "https", "{relay}");
    // Only the relay URL: no direct address to fall back on.
    let server_via_relay = iroh::EndpointAddr::new(ticket.id).with_relay_url(relay.clone());

    let a = laptop(&server, tmp.path().join("a"), "甲").await;
    let b = laptop(&server, tmp.path().join("b"), "乙").await;
    let case = add_case(&a, "张三", "宅基地纠纷").await;

    let na = relayed_node(&a, &relay, Some(&ca)).await;
    let report = na
        .sync_with(server_via_relay.clone(), Duration::from_secs(60))
        .await
        .unwrap();
    assert!(report.unfinished.is_empty(), "{}", report.summary());
    assert!(report.bytes_sent > 0);
    na.shutdown().await;

    let nb = relayed_node(&b, &relay, Some(&ca)).await;
    let report = nb
        .sync_with(server_via_relay.clone(), Duration::from_secs(60))
        .await
        .unwrap();
    assert!(report.unfinished.is_empty(), "{}", report.summary());
    nb.shutdown().await;
    let b2 = b.clone();
    let got = tokio::task::spawn_blocking(move || {
        b2.list_cases(&fengqiao_store::CaseFilter::default())
            .unwrap()
            .into_iter()
            .any(|c| c.number == case.number.to_string())
    })
    .await
    .unwrap();
    assert!(got, "B received A's case through the TLS relay");

    // Without the county's authority the relay's certificate is not trusted, so a
    // relay-only laptop cannot reach the server.
    let c = laptop(&server, tmp.path().join("c"), "丙").await;
    let nc = relayed_node(&c, &relay, None).await;
    let err = nc
        .sync_with(server_via_relay, Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), SyncErrorKind::DialTimeout | SyncErrorKind::Dial),
        "{err}"
    );
    nc.shutdown().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_relay_authority_that_is_not_a_certificate_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("laptop");
    let store = std::sync::Arc::new(
        tokio::task::spawn_blocking({
            let data = data.clone();
            move || {
                fengqiao_store::Store::init(
                    &data,
                    fengqiao_store::InitOptions {
                        device_name: "信访局".into(),
                        county: COUNTY.into(),
                        role: fengqiao_model::Role::Office,
                        scope: Vec::new(),
                        person_name: "王主任".into(),
                        townships: Vec::new(),
                        directory: None,
                    },
                )
            }
        })
        .await
        .unwrap()
        .unwrap(),
    );
    let bad = tmp.path().join("not-a-ca.pem");
    std::fs::write(&bad, "这不是证书").unwrap();
    let relay: iroh::RelayUrl = "https://127.0.0.1:1".parse().unwrap();
    let err = SyncNode::start(
        store,
        NodeOptions {
            relay: Some(relay),
            relay_ca: Some(bad.clone()),
            ..NodeOptions::loopback()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), SyncErrorKind::BadSettings);
    let text = err.to_string();
    assert!(
        text.contains("not-a-ca.pem") && text.contains("relay_ca"),
        "{text}"
    );
}
