//! Trial merges: whether incoming document bytes would merge, decided on a scratch copy so
//! that a bundle of several documents can be applied all or nothing.

use automerge::Automerge;

use super::Store;
use crate::docs::DocName;
use crate::error::StoreError;

impl Store {
    /// Applies `bytes` (a whole document or change chunks) to a scratch copy of `name` as
    /// this laptop holds it — an empty document if it holds none — and reports whether they
    /// merge. The store itself is not touched: nothing is written, nothing is published.
    pub fn check_merge(&self, name: &DocName, bytes: &[u8]) -> Result<(), StoreError> {
        Self::check_document_bytes(name, bytes)?;
        let refused = |e: automerge::AutomergeError| StoreError::BadDocumentData {
            doc: name.to_string(),
            reason: e.to_string(),
        };
        let merged = self.read(name, |current| {
            let mut scratch = current.clone();
            scratch.load_incremental(bytes).map(|_| ())
        })?;
        match merged {
            Some(result) => result.map_err(refused),
            None => Automerge::new()
                .load_incremental(bytes)
                .map(|_| ())
                .map_err(refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    use fengqiao_model::Role;

    use super::*;
    use crate::store::{InitOptions, TownshipSpec};

    #[test]
    fn bytes_that_reuse_this_devices_sequence_number_do_not_merge_and_change_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::init(
            dir.path(),
            InitOptions {
                device_name: "信访局台式机".into(),
                county: "宁国市".into(),
                role: Role::Office,
                scope: vec![],
                person_name: "王主任".into(),
                townships: vec![TownshipSpec {
                    name: "港口镇".into(),
                    code: "gangkou".into(),
                    villages: vec![],
                }],
                directory: None,
            },
        )
        .expect("init");
        let before = store
            .export_document(&DocName::Directory)
            .expect("export")
            .expect("directory");
        // Another copy makes a change under this session's actor…
        let mut forged = Automerge::load(&before).expect("load");
        let heads = forged.get_heads();
        forged.set_actor(store.actor.clone());
        let mut tx = forged.transaction();
        tx.put(automerge::ROOT, "forged", "x").expect("put");
        let _ = tx.commit();
        let forged = forged.save_after(&heads);
        assert!(store.check_merge(&DocName::Directory, &forged).is_ok());
        // …with the sequence number this device then uses itself.
        let key = iroh_base::SecretKey::generate();
        store
            .enrol_device(&fengqiao_model::Device {
                id: key.public().to_string(),
                name: "港口镇笔记本".into(),
                code: "ABCDE".into(),
                role: Role::Township,
                scope: vec!["港口镇".into()],
                enrolled_at: crate::now_cst(),
                revoked: false,
                confidential: false,
            })
            .expect("a change of this device's own");
        let heads_now = store.document_heads(&DocName::Directory).expect("heads");
        let err = store
            .check_merge(&DocName::Directory, &forged)
            .expect_err("duplicate sequence number");
        assert!(err.to_string().contains("directory"), "{err}");
        assert_eq!(
            store.document_heads(&DocName::Directory).expect("heads"),
            heads_now,
            "the store's copy is untouched"
        );
        let doc = Automerge::load(
            &store
                .export_document(&DocName::Directory)
                .expect("export")
                .expect("directory"),
        )
        .expect("load");
        assert!(doc.get(automerge::ROOT, "forged").expect("get").is_none());
    }
}
