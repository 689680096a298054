//! A township shard opened behind the county repo (a restored server, a lost `shards/`
//! directory) holds only the documents' genesis until it has caught up, and says so: the
//! server sends the township's laptops to it only once `is_ready`, because a shard that
//! answered a laptop's round from genesis would end the round with nothing sent.

mod common;

use std::time::Duration;

use automerge::ReadDoc;

use fengqiao_model::Role;
use fengqiao_store::shard::Shard;
use fengqiao_store::{DocName, Store};

fn heads(store: &Store, name: &DocName) -> Vec<automerge::ChangeHash> {
    store
        .document_handle(name, false)
        .expect("open")
        .expect("exists")
        .with_document(|d| d.get_heads())
}

/// The shard of 港口镇 on `county`'s server, in `dir/shards/`.
async fn gangkou_shard(dir: &std::path::Path, county: &Store) -> Shard {
    Shard::open(
        &dir.join("shards").join("gangkou"),
        &county.identity().county,
        "gangkou",
        samod::PeerId::from(county.identity().device_id.clone()),
        county.access_changes(),
    )
    .await
    .expect("shard")
}

/// The county's catalogue (with its directory) and the cases documents in it.
fn catalogue_and_cases(county: &Store) -> (Vec<DocName>, Vec<DocName>) {
    let mut catalogue = county.catalogue().expect("catalogue");
    catalogue.push(DocName::Directory);
    let cases = catalogue
        .iter()
        .filter(|n| matches!(n, DocName::Cases { .. }))
        .cloned()
        .collect();
    (catalogue, cases)
}

#[test]
fn a_shard_behind_the_county_is_not_ready_until_it_holds_what_the_county_holds() {
    let dir = tempfile::tempdir().expect("tmp");
    let county = common::init(dir.path(), "王主任", Role::Office, None);
    for _ in 0..3 {
        county.add_case(common::registration()).expect("add");
    }
    let (catalogue, cases) = catalogue_and_cases(&county);
    assert!(!cases.is_empty(), "{catalogue:?}");
    let want: Vec<_> = cases.iter().map(|n| heads(&county, n)).collect();

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let acceptor = county
            .repo()
            .make_acceptor("shard://county/test".parse().expect("url"))
            .expect("acceptor");
        let shard = gangkou_shard(dir.path(), &county).await;
        // Held from genesis, before the link exists: nothing to catch up from yet.
        assert!(shard.hold(&catalogue, county.repo()).await.expect("hold") >= cases.len());
        assert!(!shard.is_ready());
        assert!(
            !shard.catch_up(Duration::from_millis(200)).await,
            "a shard with no link to the county cannot be caught up"
        );
        let find = |name: &DocName| {
            let id = name.document_id(&county.identity().county);
            let repo = shard.repo().clone();
            async move {
                repo.find(id)
                    .await
                    .expect("find")
                    .expect("held")
                    .with_document(|d| d.get_heads())
            }
        };
        for (name, want) in cases.iter().zip(&want) {
            assert_ne!(
                &find(name).await,
                want,
                "{name:?} had the county's changes already"
            );
        }

        shard.link(&acceptor).expect("link");
        assert!(shard.catch_up(Duration::from_secs(20)).await);
        assert!(shard.is_ready());
        for (name, want) in cases.iter().zip(&want) {
            assert_eq!(&find(name).await, want, "{name:?} is not caught up");
        }
        shard.stop().await;
        acceptor.close();
    });
}

/// A shard none of whose laptops is about sleeps: it hands its own changes to the county
/// first, then stops applying the county's as they come, and takes them all at the next
/// wake, before it serves again.
#[test]
fn a_sleeping_shard_hands_over_first_and_catches_up_when_it_wakes() {
    let dir = tempfile::tempdir().expect("tmp");
    let county = common::init(dir.path(), "王主任", Role::Office, None);
    county.add_case(common::registration()).expect("add");
    let (catalogue, cases) = catalogue_and_cases(&county);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let acceptor = runtime.block_on(async {
        county
            .repo()
            .make_acceptor("shard://county/test".parse().expect("url"))
            .expect("acceptor")
    });
    let shard = runtime.block_on(async {
        let shard = gangkou_shard(dir.path(), &county).await;
        shard.hold(&catalogue, county.repo()).await.expect("hold");
        shard.link(&acceptor).expect("link");
        assert!(shard.catch_up(Duration::from_secs(20)).await);
        shard
    });
    let shard_heads = |name: &DocName| {
        let id = name.document_id(&county.identity().county);
        runtime.block_on(async {
            shard
                .repo()
                .find(id)
                .await
                .expect("find")
                .expect("held")
                .with_document(|d| d.get_heads())
        })
    };
    // A laptop's change, acknowledged by the shard.
    let laptop_doc = &cases[0];
    runtime.block_on(async {
        shard
            .repo()
            .find(laptop_doc.document_id(&county.identity().county))
            .await
            .expect("find")
            .expect("held")
            .with_document(|d| {
                use automerge::transaction::Transactable;
                let mut tx = d.transaction();
                tx.put(automerge::ROOT, "laptop_probe", 1_i64).expect("put");
                tx.commit();
            });
    });
    let laptop_heads = shard_heads(laptop_doc);

    runtime.block_on(async {
        let long = Duration::from_secs(60);
        assert!(
            !shard
                .sleep(Duration::from_secs(20), Duration::ZERO, || true)
                .await,
            "slept with a laptop connected"
        );
        assert!(
            shard.wake(Duration::from_secs(1)).await,
            "a linked, caught-up shard is ready"
        );
        assert!(
            !shard.sleep(Duration::from_secs(20), long, || false).await,
            "slept although a laptop asked for it a moment ago"
        );
        assert!(shard.is_linked() && shard.is_ready());
        assert!(
            shard
                .sleep(Duration::from_secs(20), Duration::ZERO, || false)
                .await
        );
        assert!(!shard.is_linked() && !shard.is_ready());
    });
    // Handed over before sleeping: the county has the laptop's change.
    let county_has = county
        .document_handle(laptop_doc, false)
        .expect("open")
        .expect("exists")
        .with_document(|d| {
            laptop_heads
                .iter()
                .all(|h| d.get_change_by_hash(h).is_some())
        });
    assert!(
        county_has,
        "the shard slept before the county had its laptop's change"
    );

    assert!(
        shard.is_in_step(),
        "the shard handed over and took everything, yet differs"
    );
    // The office works on while the shard sleeps; nothing reaches the shard.
    let before: Vec<_> = cases.iter().map(&shard_heads).collect();
    for _ in 0..2 {
        county.add_case(common::registration()).expect("add");
    }
    std::thread::sleep(Duration::from_millis(300));
    let want: Vec<_> = cases.iter().map(|n| heads(&county, n)).collect();
    assert_ne!(
        before, want,
        "the office's cases changed no document of the township"
    );
    let asleep: Vec<_> = cases.iter().map(&shard_heads).collect();
    assert_eq!(asleep, before, "a sleeping shard took the county's changes");
    assert!(!shard.is_in_step(), "in step with a county that moved on");

    assert_eq!(shard.wakes(), 0);
    assert!(runtime.block_on(shard.wake(Duration::from_secs(20))));
    assert!(shard.is_linked() && shard.is_ready());
    assert_eq!(shard.wakes(), 1);
    let woken: Vec<_> = cases.iter().map(&shard_heads).collect();
    assert_eq!(
        woken, want,
        "the woken shard did not catch up before serving"
    );
    runtime.block_on(async {
        shard.stop().await;
        acceptor.close();
    });
}
