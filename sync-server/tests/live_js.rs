//! Stock JavaScript automerge-repo clients (`interop/live-client.mjs`) against the county
//! server with its township shards on (the default): documents the server creates while
//! it runs are served to every client that asks, at once; a client that closes cleanly
//! is neither a warning nor an error; a client is sent only what it asks for.
//!
//! Needs `npm ci --prefix sync-server/interop` (`.ci/run` does it).
// See: issue 20 (live traffic: the shard `doc-unavailable` bug, the clean-disconnect
// error counter, the office client sent every document unasked).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use fengqiao_store::DocName;
use fengqiao_sync_server::Server;
use fengqiao_sync_server::ops::{EnrolRequest, Enrolment};

fn interop_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop");
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").exists(),
        "the JavaScript packages are not installed: run `npm ci --prefix sync-server/interop`"
    );
    dir
}

/// Runs `live-client.mjs` to its end; its one JSON line.
async fn js(interop: &Path, args: Vec<String>) -> serde_json::Value {
    let interop = interop.to_owned();
    tokio::task::spawn_blocking(move || {
        let out = Command::new("node")
            .current_dir(&interop)
            .arg("live-client.mjs")
            .args(&args)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("node must be on PATH");
        assert!(out.status.success(), "live-client.mjs {args:?} failed");
        let line = BufReader::new(&out.stdout[..])
            .lines()
            .next()
            .unwrap()
            .unwrap();
        serde_json::from_str(&line).unwrap()
    })
    .await
    .unwrap()
}

async fn office_client(server: &Server, name: &str) -> (String, String) {
    let Enrolment::WebSocket { peer_id, token } = enrol(
        server,
        EnrolRequest {
            role: "office".into(),
            scope: Vec::new(),
            name: name.into(),
            websocket: true,
        },
    )
    .await
    else {
        panic!("expected a websocket token");
    };
    (peer_id, token)
}

/// The documents of both townships for a year, created by the running server; written
/// as `live-client.mjs` wants them.
async fn create_documents(server: &Server, file: &Path) -> Vec<String> {
    let store = server.store().clone();
    let docs = tokio::task::spawn_blocking(move || {
        let mut docs = Vec::new();
        for t in store.townships().unwrap() {
            for quarter in 1..=4 {
                docs.push(DocName::Cases {
                    township: t.code.clone(),
                    year: 2026,
                    quarter,
                });
            }
            docs.push(DocName::Visits {
                township: t.code.clone(),
                year: 2026,
            });
        }
        for name in &docs {
            store.document_handle(name, true).unwrap().unwrap();
        }
        docs
    })
    .await
    .unwrap();
    let json: Vec<serde_json::Value> = docs
        .iter()
        .map(|name| {
            let genesis = name.genesis(COUNTY).unwrap();
            serde_json::json!({
                "id": name.document_id(COUNTY).to_string(),
                "genesis": data_encoding::HEXLOWER.encode(genesis.raw_bytes()),
                "container": name.containers()[0],
            })
        })
        .collect();
    std::fs::write(file, serde_json::to_vec(&json).unwrap()).unwrap();
    json.iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_created_while_the_server_runs_are_served_to_javascript_clients_at_once() {
    let interop = interop_dir();
    let logs = logs();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(county(tmp.path(), true, false).await)
        .await
        .unwrap();
    let docs_json = tmp.path().join("docs.json");
    let ids = create_documents(&server, &docs_json).await;
    let url = |token: &str| format!("ws://{}/?token={token}", server.websocket_addr.unwrap());
    let docs = docs_json.to_str().unwrap().to_owned();

    // An office client that asks for nothing is sent nothing, as by the JS server.
    let (peer, token) = office_client(&server, "办公室网页").await;
    let idle = js(
        &interop,
        vec!["idle".into(), url(&token), peer, docs.clone()],
    )
    .await;
    assert_eq!(idle["offered"], 0, "documents sent unasked: {idle}");

    // Asked at once, and again from fresh connections while the shards wake, catch up
    // and fall asleep.
    for attempt in 0..3 {
        let (peer, token) = office_client(&server, &format!("办公室网页{attempt}")).await;
        let found = js(
            &interop,
            vec!["find".into(), url(&token), peer, docs.clone()],
        )
        .await;
        assert_eq!(
            found["unavailable"],
            serde_json::json!([]),
            "attempt {attempt}: documents the server holds answered doc-unavailable"
        );
        assert_eq!(found["found"], ids.len(), "{found}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    // A client edits them live, another reads everything back.
    let (a, token_a) = office_client(&server, "办公室网页甲").await;
    let (b, token_b) = office_client(&server, "办公室网页乙").await;
    let rounds = "5".to_string();
    let errors_before = metric(
        &server,
        "fengqiao_errors_total{kind=\"websocket_protocol\"}",
    )
    .await;
    let mut pusher = Command::new("node")
        .current_dir(&interop)
        .arg("live-client.mjs")
        .args(["push", &url(&token_a), &a, &docs, &rounds])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = pusher.stdout.take().unwrap();
    let pushed = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout).lines().next().unwrap().unwrap()
    })
    .await
    .unwrap();
    assert!(pushed.contains("pushed_ms"), "{pushed}");
    let pulled = js(
        &interop,
        vec!["pull".into(), url(&token_b), b, docs.clone(), rounds],
    )
    .await;
    assert_eq!(pulled["records"], ids.len() * 5, "{pulled}");
    drop(pusher.stdin.take());
    let _ = pusher.wait();

    // Every client above closed its connection cleanly.
    if std::env::var_os("LIVE_JS_LOGS").is_some() {
        eprintln!("{}", logs.text());
    }
    logs.wait_for("websocket client disconnected").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let errors_after = metric(
        &server,
        "fengqiao_errors_total{kind=\"websocket_protocol\"}",
    )
    .await;
    assert_eq!(
        errors_after, errors_before,
        "a clean close was counted as an error"
    );
    assert!(
        !logs.text().contains("websocket client dropped"),
        "a clean close was logged as a warning"
    );
    server.shutdown().await.unwrap();
}
