//! `backup` while the server runs and laptops keep syncing, then `restore` into an
//! empty data directory: the copy holds everything acknowledged before it began, every
//! document loads, and the restored server writes under a new epoch.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use fengqiao_sync_server::{Server, ops};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_laptops_sync_restores_to_a_working_server() {
    let _logs = logs();
    let tmp = tempfile::tempdir().unwrap();
    let config = county(tmp.path(), false, false).await;
    let server = Server::start(config.clone()).await.unwrap();
    let laptop = laptop(&server, tmp.path().join("a"), "李干事").await;
    let node = node(&laptop).await;
    for i in 0..5 {
        add_case(&laptop, &format!("甲{i}"), "宅基地纠纷").await;
    }
    node.sync_with(server.ticket_addr(), Duration::from_secs(20))
        .await
        .unwrap();

    // The laptop keeps writing and syncing while the backup is taken.
    let busy = {
        let laptop = laptop.clone();
        let addr = server.ticket_addr();
        let node = node;
        tokio::spawn(async move {
            for i in 0..5 {
                add_case(&laptop, &format!("乙{i}"), "低保评定不公").await;
                let _ = node.sync_with(addr.clone(), Duration::from_secs(10)).await;
            }
            node
        })
    };
    let out = tmp.path().join("backup");
    let store = server.store().clone();
    let target = out.clone();
    let manifest = tokio::task::spawn_blocking(move || ops::backup(&store, &target))
        .await
        .unwrap()
        .unwrap();
    let node = busy.await.unwrap();
    node.shutdown().await;
    assert!(manifest.documents.contains_key("directory"));
    assert!(
        manifest.documents.keys().any(|k| k.starts_with("cases/")),
        "{:?}",
        manifest.documents.keys()
    );
    // A second backup to the same place is refused, never merged into the first.
    let store = server.store().clone();
    let again = out.clone();
    let refused = tokio::task::spawn_blocking(move || ops::backup(&store, &again))
        .await
        .unwrap();
    assert!(refused.is_err());
    server.shutdown().await.unwrap();

    // Restore into an empty directory and serve from it.
    let restored_dir = tmp.path().join("restored");
    let from = out.clone();
    let to = restored_dir.clone();
    tokio::task::spawn_blocking(move || ops::restore(&from, &to, || Ok(None)))
        .await
        .unwrap()
        .unwrap();
    let identity: serde_json::Value =
        serde_json::from_slice(&std::fs::read(restored_dir.join("device.json")).unwrap()).unwrap();
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(config.data_dir.join("device.json")).unwrap())
            .unwrap();
    assert_eq!(identity["device_id"], original["device_id"]);
    assert!(
        identity["epoch"].as_u64().unwrap() > original["epoch"].as_u64().unwrap(),
        "restore must raise the epoch: {identity} vs {original}"
    );
    // Restoring over a store is refused.
    let from = out.clone();
    let to = restored_dir.clone();
    assert!(
        tokio::task::spawn_blocking(move || ops::restore(&from, &to, || Ok(None)))
            .await
            .unwrap()
            .is_err()
    );

    let mut restored_config = config.clone();
    restored_config.data_dir = restored_dir;
    let server = Server::start(restored_config).await.unwrap();
    // A fresh laptop enrolled with the restored server receives at least the five cases
    // acknowledged before the backup began.
    let fresh = common::laptop(&server, tmp.path().join("b"), "王干事").await;
    let node = common::node(&fresh).await;
    node.sync_with(server.ticket_addr(), Duration::from_secs(20))
        .await
        .unwrap();
    let n = case_count(&fresh).await;
    assert!(n >= 5, "restored server had only {n} cases");
    node.shutdown().await;
    server.shutdown().await.unwrap();
}
