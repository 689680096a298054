//! A township shard opened behind the county repo (a restored server, a lost `shards/`
//! directory) holds only the documents' genesis until it has caught up, and says so: the
//! server sends the township's laptops to it only once `is_ready`, because a shard that
//! answered a laptop's round from genesis would end the round with nothing sent.

mod common;

use std::time::Duration;

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

#[test]
fn a_shard_behind_the_county_is_not_ready_until_it_holds_what_the_county_holds() {
    let dir = tempfile::tempdir().expect("tmp");
    let county = common::init(dir.path(), "王主任", Role::Office, None);
    for _ in 0..3 {
        county.add_case(common::registration()).expect("add");
    }
    let mut catalogue = county.catalogue().expect("catalogue");
    catalogue.push(DocName::Directory);
    let cases: Vec<DocName> = catalogue
        .iter()
        .filter(|n| matches!(n, DocName::Cases { .. }))
        .cloned()
        .collect();
    assert!(!cases.is_empty(), "{catalogue:?}");
    let want: Vec<_> = cases.iter().map(|n| heads(&county, n)).collect();

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let acceptor = county
            .repo()
            .make_acceptor("shard://county/test".parse().expect("url"))
            .expect("acceptor");
        let shard = Shard::open(
            &dir.path().join("shards").join("gangkou"),
            &county.identity().county,
            "gangkou",
            samod::PeerId::from(county.identity().device_id.clone()),
            county.access_changes(),
        )
        .await
        .expect("shard");
        // Held from genesis, before the link exists: nothing to catch up from yet.
        assert!(shard.hold(&catalogue).await.expect("hold") >= cases.len());
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
