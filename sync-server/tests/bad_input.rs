//! Bad input is refused, with a log line that says why, and the server keeps serving:
//! a malformed config, an unknown device, a revoked device (cut mid-connection), and on
//! the WebSocket no token, a wrong token, garbage and an oversized message.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use fengqiao_sync_server::Server;
use fengqiao_sync_server::ops::{EnrolRequest, Enrolment};
use futures::{SinkExt, StreamExt};

#[test]
fn a_malformed_config_is_refused_naming_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(&path, "data_dir = \"d\"\n[relay]\nlisten = \"nowhere\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fengqiao-sync-server"))
        .arg("--config")
        .arg(&path)
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`relay.listen`"), "{stderr}");
    assert!(
        stderr.contains("configuration refused"),
        "no log line: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_device_is_refused_and_the_server_keeps_serving() {
    let logs = logs();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(county(tmp.path(), false, false).await)
        .await
        .unwrap();

    // A device with a key the directory does not know dials the server's sync ALPN.
    let stranger = iroh::Endpoint::builder(iroh::endpoint::presets::Minimal)
        .relay_mode(iroh::RelayMode::Disabled)
        .clear_ip_transports()
        .bind_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap()
        .bind()
        .await
        .unwrap();
    let refused = match stranger
        .connect(server.ticket_addr(), fengqiao_sync::SYNC_ALPN)
        .await
    {
        Err(e) => e.to_string(),
        Ok(conn) => {
            // The handshake completes; the gate closes the connection right after it.
            let reason = tokio::time::timeout(Duration::from_secs(10), conn.closed())
                .await
                .unwrap();
            reason.to_string()
        }
    };
    assert!(
        refused.contains("not enrolled") || refused.contains("403"),
        "{refused}"
    );
    stranger.close().await;
    logs.wait_for("refused a device the directory does not enrol")
        .await;
    assert!(metric(&server, "fengqiao_errors_total{kind=\"unenrolled_device\"}").await >= 1);

    // An enrolled laptop still syncs.
    let laptop = laptop(&server, tmp.path().join("a"), "李干事").await;
    add_case(&laptop, "张三", "宅基地纠纷").await;
    let laptop_node = node(&laptop).await;
    let report = laptop_node
        .sync_with(server.ticket_addr(), Duration::from_secs(20))
        .await
        .unwrap();
    assert!(report.unfinished.is_empty(), "{report:?}");
    laptop_node.shutdown().await;
    let (status, body) = http_get(server.admin_addr, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_is_cut_off_mid_connection() {
    let logs = logs();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(county(tmp.path(), false, false).await)
        .await
        .unwrap();
    let laptop = laptop(&server, tmp.path().join("a"), "李干事").await;
    let device = laptop.identity().device_id.clone();
    let node = common::node(&laptop).await;
    let dialer = node.keep_connected(server.ticket_addr()).unwrap();
    for _ in 0..100 {
        if metric(&server, "fengqiao_connected_devices").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(metric(&server, "fengqiao_connected_devices").await, 1);

    let store = server.store().clone();
    let id = device.clone();
    tokio::task::spawn_blocking(move || fengqiao_sync_server::ops::revoke(&store, &id))
        .await
        .unwrap()
        .unwrap();
    // Cut at once, not at the next reconnect.
    for _ in 0..50 {
        if metric(&server, "fengqiao_connected_devices").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(metric(&server, "fengqiao_connected_devices").await, 0);
    logs.wait_for("device revoked; closing its connection")
        .await;
    dialer.close();

    // And it stays out: the gate refuses it (how the laptop words the failure depends on
    // which of its dials saw the refusal first).
    let before = metric(&server, "fengqiao_errors_total{kind=\"unenrolled_device\"}").await;
    let result = node
        .sync_with(server.ticket_addr(), Duration::from_secs(10))
        .await;
    assert!(result.is_err(), "a revoked device synced: {result:?}");
    let after = metric(&server, "fengqiao_errors_total{kind=\"unenrolled_device\"}").await;
    assert!(
        after > before,
        "the server did not refuse the revoked device"
    );
    node.shutdown().await;
    server.shutdown().await.unwrap();
}

async fn ws_connect(
    addr: std::net::SocketAddr,
    token: Option<&str>,
) -> Result<
    tokio_websockets::WebSocketStream<tokio_websockets::MaybeTlsStream<tokio::net::TcpStream>>,
    String,
> {
    let uri = match token {
        Some(t) => format!("ws://{addr}/?token={t}"),
        None => format!("ws://{addr}/"),
    };
    tokio_websockets::ClientBuilder::new()
        .uri(&uri)
        .unwrap()
        .connect()
        .await
        .map(|(ws, _)| ws)
        .map_err(|e| e.to_string())
}

/// Reads until the server closes the connection; fails if it stays open.
async fn closed_by_server(
    ws: &mut tokio_websockets::WebSocketStream<
        tokio_websockets::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) {
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(msg)) = ws.next().await {
            if msg.is_close() {
                break;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_garbage_oversize_and_bad_tokens_are_refused() {
    let logs = logs();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(county(tmp.path(), true, false).await)
        .await
        .unwrap();
    let addr = server.websocket_addr.unwrap();
    let Enrolment::WebSocket { token, .. } = enrol(
        &server,
        EnrolRequest {
            role: "township".into(),
            scope: vec![TOWNSHIPS[0].into()],
            name: "网页".into(),
            websocket: true,
        },
    )
    .await
    else {
        panic!("expected a websocket token");
    };

    let err = ws_connect(addr, None).await.unwrap_err();
    assert!(err.contains("401"), "{err}");
    logs.wait_for("websocket upgrade refused: no token").await;
    let err = ws_connect(addr, Some("not-a-token")).await.unwrap_err();
    assert!(err.contains("403"), "{err}");
    logs.wait_for("websocket upgrade refused: unknown token")
        .await;

    // Garbage where the automerge-repo handshake belongs.
    let mut ws = ws_connect(addr, Some(&token)).await.unwrap();
    ws.send(tokio_websockets::Message::binary(vec![
        0xff, 0x00, 0x13, 0x37,
    ]))
    .await
    .unwrap();
    closed_by_server(&mut ws).await;
    logs.wait_for("failed the automerge-repo handshake").await;

    // Text is not a sync message.
    let mut ws = ws_connect(addr, Some(&token)).await.unwrap();
    ws.send(tokio_websockets::Message::text("hello"))
        .await
        .unwrap();
    closed_by_server(&mut ws).await;
    logs.wait_for("sent text, not a binary sync message").await;

    // Larger than websocket.max_message_bytes (64 KiB in this county).
    let mut ws = ws_connect(addr, Some(&token)).await.unwrap();
    let _ = ws
        .send(tokio_websockets::Message::binary(vec![0u8; 200_000]))
        .await;
    closed_by_server(&mut ws).await;
    logs.wait_for("sent a bad frame; closing").await;

    assert!(metric(&server, "fengqiao_errors_total{kind=\"websocket_auth\"}").await >= 2);
    assert!(
        metric(
            &server,
            "fengqiao_errors_total{kind=\"websocket_protocol\"}"
        )
        .await
            >= 2
    );

    // Still serving: health, and an iroh laptop syncs.
    assert_eq!(http_get(server.admin_addr, "/healthz").await.0, 200);
    let laptop = laptop(&server, tmp.path().join("a"), "李干事").await;
    let node = common::node(&laptop).await;
    node.sync_with(server.ticket_addr(), Duration::from_secs(20))
        .await
        .unwrap();
    node.shutdown().await;
    server.shutdown().await.unwrap();
}
