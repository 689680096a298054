//! A JavaScript `@automerge/automerge-repo` client (its WebSocket network adapter, the
//! exact versions pinned in `interop/package-lock.json`) reads a case a Rust laptop
//! wrote through the county server, writes a note, and the laptop receives the note.
//!
//! Needs `npm ci --prefix sync-server/interop` (`.ci/run` does it).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fengqiao_store::DocName;
use fengqiao_sync_server::Server;
use fengqiao_sync_server::ops::{EnrolRequest, Enrolment};

fn interop_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop");
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").exists(),
        "the JavaScript packages are not installed: run `npm ci --prefix sync-server/interop` \
         (node 20+, npm); .ci/run does this"
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_javascript_client_reads_a_rust_case_and_its_note_reaches_the_laptop() {
    let interop = interop_dir();
    let _logs = logs();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(county(tmp.path(), true, false).await)
        .await
        .unwrap();

    // A Rust laptop registers a case and syncs it to the server.
    let laptop = common::laptop(&server, tmp.path().join("a"), "李干事").await;
    let case = add_case(&laptop, "张三", "宅基地纠纷").await;
    let node = common::node(&laptop).await;
    node.sync_with(server.ticket_addr(), Duration::from_secs(20))
        .await
        .unwrap();
    let record = {
        let store = laptop.clone();
        let id = case.id.to_string();
        tokio::task::spawn_blocking(move || store.case(&id))
            .await
            .unwrap()
            .unwrap()
    };
    let doc: DocName = record.document.parse().unwrap();
    let document_id = doc.document_id(COUNTY).to_string();

    let Enrolment::WebSocket { peer_id, token } = enrol(
        &server,
        EnrolRequest {
            role: "township".into(),
            scope: vec![TOWNSHIPS[0].into()],
            name: "网页客户端".into(),
            websocket: true,
        },
    )
    .await
    else {
        panic!("expected a websocket token");
    };
    let url = format!("ws://{}/?token={token}", server.websocket_addr.unwrap());
    let note = "网页端补充：当事人已到场";
    let mut child = Command::new("node")
        .current_dir(&interop)
        .arg("client.mjs")
        .args([&url, &peer_id, &document_id, &case.id.to_string(), note])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node must be on PATH");
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(2)
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(lines.len(), 2, "the JS client stopped early: {lines:?}");
    let read: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(read["petitioner"], "张三", "{read}");
    assert_eq!(read["request"], "宅基地纠纷", "{read}");
    assert_eq!(read["number"], case.number.to_string(), "{read}");
    assert!(lines[1].contains("wrote"), "{lines:?}");

    // The laptop receives the note through the server.
    let deadline = Instant::now() + Duration::from_secs(40);
    let notes = loop {
        node.sync_with(server.ticket_addr(), Duration::from_secs(10))
            .await
            .unwrap();
        let store = laptop.clone();
        let id = case.id.to_string();
        let record = tokio::task::spawn_blocking(move || store.case(&id))
            .await
            .unwrap()
            .unwrap();
        if !record.notes.is_empty() || Instant::now() > deadline {
            break record.notes;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    drop(child.stdin.take());
    let _ = child.wait();
    assert_eq!(notes.len(), 1, "the JS note never reached the laptop");
    assert_eq!(notes[0].text, note);
    assert_eq!(notes[0].author_name, "网页客户端");
    node.shutdown().await;
    server.shutdown().await.unwrap();
}
