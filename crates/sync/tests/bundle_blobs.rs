//! Attachments' bytes travel in bundles (issue 22): a bundle carries the blobs its
//! documents refer to and the receiver lacks; a blob that does not match its hash refuses
//! the whole bundle, records included.

mod common;

use common::{office_and_township, register};
use fengqiao_model::AttachedTo;
use fengqiao_store::blobs::BlobHash;
use fengqiao_store::{Store, StoreError};
use fengqiao_sync::bundle::{self, BundleError, Recipients};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tmp")
}

/// A scan's bytes: every byte value, so nothing survives a text conversion by accident.
fn scan(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_bundle_carries_the_attachments_bytes_the_receiver_lacks() {
    let (d_o, d_t) = (tmp(), tmp());
    let (o, t) = office_and_township(d_o.path(), d_t.path());
    let case = register(&t, "港口镇", "港口村", "张三", "宅基地纠纷");
    let photo = scan(300_000, 7);
    let hash: BlobHash = t
        .attach(&case, AttachedTo::Case, "现场照片.jpg", &photo, "")
        .expect("attach")
        .attachment
        .hash
        .parse()
        .expect("hash");

    let exported = bundle::export_to(&t, None, &Recipients::County).expect("export");
    assert_eq!(exported.blobs.len(), 1, "{:?}", exported.blobs);
    assert_eq!(exported.blobs[0].hash, hash.to_string());
    assert!(
        !contains(&exported.bytes, &photo[1000..1064]),
        "the bytes are sealed in the bundle"
    );
    let report = bundle::import(&o, &exported.bytes).expect("import");
    assert_eq!(
        (report.blobs, report.blob_bytes),
        (1, photo.len()),
        "{report:?}"
    );
    assert!(report.blobs_unreferenced.is_empty());
    assert_eq!(o.attachment_bytes(&hash).expect("bytes"), Some(photo));
    assert!(o.missing_blobs().expect("missing").is_empty());

    // The office says what it has: the next bundle leaves the bytes out (and, carrying
    // no blob, is written in the version older builds read).
    let have = bundle::peer_state(&o).expect("state");
    assert_eq!(have.blobs, vec![hash.to_string()]);
    let letter = scan(50_000, 9);
    t.attach(&case, AttachedTo::Case, "来信.pdf", &letter, "")
        .expect("attach");
    let delta = bundle::export_to(&t, Some(&have), &Recipients::County).expect("export");
    assert_eq!(
        delta.blobs.len(),
        1,
        "only the new letter: {:?}",
        delta.blobs
    );
    bundle::import(&o, &delta.bytes).expect("import");
    let have = bundle::peer_state(&o).expect("state");
    let nothing = bundle::export_to(&t, Some(&have), &Recipients::County).expect("export");
    assert!(nothing.blobs.is_empty());
    assert_eq!(u16::from_le_bytes([nothing.bytes[8], nothing.bytes[9]]), 2);
}

#[test]
fn a_blob_that_does_not_match_its_hash_refuses_the_whole_bundle() {
    let (d_o, d_t) = (tmp(), tmp());
    let (o, t) = office_and_township(d_o.path(), d_t.path());
    let case = register(&t, "港口镇", "港口村", "张三", "宅基地纠纷");
    let photo = scan(100_000, 3);
    t.attach(&case, AttachedTo::Case, "现场照片.jpg", &photo, "")
        .expect("attach");
    let before = o.catalogue().expect("catalogue");

    // A patched exporter signs a bundle whose blob is not the bytes its hash names: the
    // signature and the sealing are sound, so only the receiver's hash check stands.
    let forged = scan(100_000, 4);
    let exported = bundle::export_to_with(&t, None, &Recipients::County, &|_| Some(forged.clone()))
        .expect("export");
    let err = bundle::import(&o, &exported.bytes).expect_err("refused");
    assert!(
        matches!(err, BundleError::Store(StoreError::BlobMismatch { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("与其哈希不符"), "{err}");
    assert_eq!(
        o.catalogue().expect("catalogue"),
        before,
        "nothing of the bundle was applied, records included"
    );
    assert!(
        !numbers_contain(&o, &case),
        "the case did not come in without its evidence"
    );
    assert!(o.blobs().list().expect("list").is_empty());

    // The honest bundle goes in whole.
    let honest = bundle::export(&t, None).expect("export");
    bundle::import(&o, &honest).expect("import");
    assert!(numbers_contain(&o, &case));
    assert_eq!(o.blobs().list().expect("list").len(), 1);
}

fn numbers_contain(store: &Store, number: &str) -> bool {
    common::numbers(store).iter().any(|n| n == number)
}
