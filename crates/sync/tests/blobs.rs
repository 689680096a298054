//! Attachments' bytes between real endpoints on loopback: a round brings the bytes the
//! records name after the documents; an interrupted transfer resumes from its partial; a
//! peer serving wrong bytes is refused and reported while the round's documents stand; a
//! device of another township is refused even when it knows the hash.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::*;
use fengqiao_model::{AttachedTo, Role};
use fengqiao_store::blobs::{BlobHash, Outgoing};
use fengqiao_store::{Store, StoreError};
use fengqiao_sync::BlobSource;

/// A photo-sized file that is not all one byte.
fn photo(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// The first case of `store` gets `bytes` attached; returns the hash.
fn attach(store: &Store, bytes: &[u8]) -> BlobHash {
    let case = numbers(store).remove(0);
    store
        .attach(&case, AttachedTo::Case, "现场照片.jpg", bytes, "现场")
        .unwrap()
        .attachment
        .hash
        .parse()
        .unwrap()
}

/// A blob of `total` bytes served as `bytes`.
fn serving(total: usize, bytes: Vec<u8>) -> Outgoing {
    Outgoing {
        total: total as u64,
        reader: Box::new(std::io::Cursor::new(bytes)),
    }
}

/// Serves the store's blobs, but only the first `cut` bytes of each.
struct CutShort {
    store: Arc<Store>,
    cut: u64,
}

impl BlobSource for CutShort {
    fn may_serve(&self, device: &str, hash: &BlobHash) -> Result<bool, StoreError> {
        self.store.may_serve_blob(device, hash)
    }
    fn read_from(&self, hash: &BlobHash, offset: u64) -> Result<Option<Outgoing>, StoreError> {
        Ok(self.store.blobs().get(hash)?.map(|b| {
            let end = (self.cut as usize).min(b.len());
            let from = (offset as usize).min(end);
            serving(b.len(), b[from..end].to_vec())
        }))
    }
}

/// Serves bytes of the right length that are not the blob.
struct Liar {
    store: Arc<Store>,
}

impl BlobSource for Liar {
    fn may_serve(&self, device: &str, hash: &BlobHash) -> Result<bool, StoreError> {
        self.store.may_serve_blob(device, hash)
    }
    fn read_from(&self, hash: &BlobHash, offset: u64) -> Result<Option<Outgoing>, StoreError> {
        Ok(self.store.blobs().get(hash)?.map(|mut b| {
            b[0] ^= 0xff;
            serving(b.len(), b.split_off(offset as usize))
        }))
    }
}

fn township_pair() -> (tempfile::TempDir, tempfile::TempDir, Arc<Store>, Arc<Store>) {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = office(da.path());
    let b = enrolled(
        &a,
        db.path(),
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    (da, db, a, b)
}

#[test]
fn a_round_brings_the_bytes_and_an_interrupted_transfer_resumes() {
    let rt = runtime();
    let (_da, _db, a, b) = township_pair();
    register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    let bytes = photo(9 << 20);
    let hash = attach(&a, &bytes);
    let (na, nb) = (node(&rt, &a), node(&rt, &b));

    // A serves only the first 3 MB: B keeps them as a partial and says the round is
    // incomplete; the documents came all the same.
    na.set_blob_source(Some(Arc::new(CutShort {
        store: a.clone(),
        cut: 3 << 20,
    })));
    let report = rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert!(report.unfinished.is_empty(), "{}", report.summary());
    assert_eq!(
        report.blobs.unfinished,
        vec![hash.to_string()],
        "{report:?}"
    );
    assert!(!report.incomplete().is_empty());
    assert!(
        report.summary().contains("附件未传完"),
        "{}",
        report.summary()
    );
    assert_eq!(numbers(&b).len(), 1, "the case arrived before the bytes");
    assert!(!b.blobs().has(&hash));
    assert_eq!(b.blobs().partial_len(&hash).unwrap(), 3 << 20);

    // The next round continues from the partial: only the rest crosses the network.
    na.set_blob_source(None);
    let report = rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert_eq!(report.blobs.fetched, 1, "{report:?}");
    assert_eq!(report.blobs.bytes_received, (9 << 20) - (3 << 20));
    assert!(report.incomplete().is_empty(), "{}", report.summary());
    assert_eq!(b.blobs().get(&hash).unwrap().unwrap(), bytes);
    assert_eq!(b.blobs().partial_len(&hash).unwrap(), 0);
    assert!(b.missing_blobs().unwrap().is_empty());

    for n in [na, nb] {
        rt.block_on(n.shutdown());
    }
}

#[test]
fn wrong_bytes_are_refused_and_reported_and_the_rest_of_the_round_stands() {
    let rt = runtime();
    let (_da, _db, a, b) = township_pair();
    register(&a, "港口镇", "港口村", "张三", "宅基地纠纷");
    let hash = attach(&a, &photo(200_000));
    let (na, nb) = (node(&rt, &a), node(&rt, &b));
    na.set_blob_source(Some(Arc::new(Liar { store: a.clone() })));
    // B has a case of its own for A.
    let from_b = register(&b, "港口镇", "山门村", "李四", "低保评定不公");

    let report = rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert_eq!(report.blobs.damaged, vec![hash.to_string()], "{report:?}");
    assert_eq!(report.blobs.fetched, 0);
    let line = report.summary();
    assert!(
        line.contains("内容与哈希不符") && line.contains(&hash.to_string()),
        "{line}"
    );
    // Nothing of the wrong bytes is kept; the documents moved both ways.
    assert!(!b.blobs().has(&hash));
    assert_eq!(b.blobs().partial_len(&hash).unwrap(), 0);
    assert_eq!(numbers(&b).len(), 2);
    assert!(numbers(&a).contains(&from_b));
    assert!(report.unfinished.is_empty(), "{line}");

    // An honest peer later: the bytes come.
    na.set_blob_source(None);
    let report = rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert_eq!(report.blobs.fetched, 1, "{report:?}");
    assert!(b.blobs().has(&hash));

    for n in [na, nb] {
        rt.block_on(n.shutdown());
    }
}

#[test]
fn a_device_of_another_township_is_refused_even_knowing_the_hash() {
    let rt = runtime();
    let (_da, _db, a, b) = township_pair();
    let dc = tempfile::tempdir().unwrap();
    let c = enrolled(
        &a,
        dc.path(),
        "河沥溪笔记本",
        Role::Township,
        Role::Township,
        &["河沥溪街道"],
    );
    register(&b, "港口镇", "港口村", "张三", "宅基地纠纷");
    let bytes = photo(50_000);
    let hash = attach(&b, &bytes);
    let (na, nb, nc) = (node(&rt, &a), node(&rt, &b), node(&rt, &c));

    // B's round leaves the photo with the office (the office pulls what B offers).
    let report = rt.block_on(nb.sync_with(na.addr(), ROUND)).unwrap();
    assert!(report.incomplete().is_empty(), "{}", report.summary());
    assert_eq!(report.blobs.sent, 1, "{report:?}");
    assert_eq!(a.blobs().get(&hash).unwrap().unwrap(), bytes);

    // C syncs with the office and gets nothing of it; asked directly, it is refused.
    let report = rt.block_on(nc.sync_with(na.addr(), ROUND)).unwrap();
    assert_eq!(report.blobs, Default::default(), "{report:?}");
    let asked = rt
        .block_on(nc.fetch_blobs(na.addr(), vec![(hash, 0)], ROUND))
        .unwrap();
    assert_eq!(asked.fetched, 0);
    assert_eq!(asked.refused.len(), 1, "{asked:?}");
    assert!(asked.refused[0].reason.contains("不允许"), "{asked:?}");
    assert!(!c.blobs().has(&hash));
    assert_eq!(c.blobs().partial_len(&hash).unwrap(), 0);
    assert!(
        !c.data_dir().join(format!("blobs/partial/{hash}")).exists(),
        "a refused ask leaves no file behind"
    );

    for n in [na, nb, nc] {
        rt.block_on(n.shutdown());
    }
}
