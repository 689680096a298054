//! A device that leaves right after a change must hand it over first: automerge sends a
//! change only once the peer's reply says what it lacks, so against a peer that answers
//! late (the county server under load) a device that closes as soon as it is connected,
//! or as soon as it holds everything the peer has, takes its own change away with it.
//! This is the load test's stall (`sync-server/tests/load.rs`): one laptop's record
//! never spread because that laptop left before the server had read it.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use automerge::{ChangeHash, ReadDoc, transaction::Transactable};
use samod::storage::{InMemoryStorage, Storage, StorageKey};
use samod::transport::channel::ChannelDialer;
use samod::{BackoffConfig, DocHandle, DocumentId, PeerId, Repo, ShareConfig};

/// How long the server takes to answer a new connection (its share policy's first
/// decision): a device's change cannot go out before that answer.
const SLOW: Duration = Duration::from_secs(1);

fn genesis() -> automerge::Change {
    let mut doc = automerge::Automerge::new();
    doc.set_actor(automerge::ActorId::from([1u8; 16]));
    let mut tx = doc.transaction();
    tx.put_object(automerge::ROOT, "cases", automerge::ObjType::Map)
        .unwrap();
    tx.commit();
    doc.get_last_local_change().unwrap().clone()
}

/// A repo holding the document from its genesis, as every Fengqiao device does.
async fn repo(peer: &str, id: &DocumentId, genesis: &automerge::Change, slow: bool) -> Repo {
    let storage = InMemoryStorage::new();
    let key = StorageKey::from_parts([
        id.to_string(),
        "incremental".into(),
        genesis.hash().to_string(),
    ])
    .unwrap();
    storage.put(key, genesis.raw_bytes().to_vec()).await;
    let builder = Repo::build_tokio()
        .with_storage(storage)
        .with_peer_id(PeerId::from(peer));
    if slow {
        builder
            .with_share_policy(|_, _| {
                futures::stream::once(async {
                    tokio::time::sleep(SLOW).await;
                    ShareConfig::read_write()
                })
            })
            .load()
            .await
    } else {
        builder.load().await
    }
}

/// Writes one record; returns the document and the change.
async fn write(repo: &Repo, id: &DocumentId, key: &str) -> (DocHandle, ChangeHash) {
    let handle = repo.find(id.clone()).await.unwrap().unwrap();
    let hash = handle.with_document(|d| {
        let (_, cases) = d.get(automerge::ROOT, "cases").unwrap().unwrap();
        let mut tx = d.transaction();
        tx.put(&cases, key, 1).unwrap();
        tx.commit().0.unwrap()
    });
    (handle, hash)
}

fn dial(repo: &Repo, server: &samod::AcceptorHandle) -> samod::DialerHandle {
    repo.dial(
        BackoffConfig {
            initial_delay: fengqiao_store::FIRST_DIAL_RETRY,
            max_delay: Duration::from_secs(1),
            max_retries: None,
        },
        Arc::new(ChannelDialer::new(server.clone())),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_reaches_a_slow_peer_only_when_handed_over_before_leaving() {
    let id = DocumentId::try_from(vec![7u8; 16]).unwrap();
    let genesis = genesis();
    let server = repo("server", &id, &genesis, true).await;
    let acceptor = server
        .make_acceptor("channel://server".parse().unwrap())
        .unwrap();
    let on_server = server.find(id.clone()).await.unwrap().unwrap();
    let server_has =
        |hash: ChangeHash| on_server.with_document(|d| d.get_change_by_hash(&hash).is_some());

    // Leaving at once: the change was still waiting for the server's first answer.
    let hasty = repo("hasty", &id, &genesis, false).await;
    let (_, lost) = write(&hasty, &id, "hasty").await;
    let dialer = dial(&hasty, &acceptor);
    dialer.established().await.unwrap();
    dialer.close();
    tokio::time::sleep(SLOW * 2).await;
    assert!(
        !server_has(lost),
        "the change went out before the server answered; this test no longer shows the loss"
    );
    hasty.stop().await;

    // Handing over first: the device stays until the server acknowledged the change.
    let careful = repo("careful", &id, &genesis, false).await;
    let (handle, kept) = write(&careful, &id, "careful").await;
    let dialer = dial(&careful, &acceptor);
    dialer.established().await.unwrap();
    assert!(
        fengqiao_sync::hand_over(&dialer, &[handle], Duration::from_secs(20)).await,
        "the server never acknowledged the change"
    );
    dialer.close();
    assert!(server_has(kept), "acknowledged, yet not on the server");
    careful.stop().await;
    server.stop().await;
}
