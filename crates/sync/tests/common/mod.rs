//! A small county for network tests: an office laptop and laptops it enrols, each with
//! its own data directory, all on loopback with no relay and no mDNS.
#![allow(dead_code, clippy::unwrap_used)] // test support: a failed setup should panic

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use fengqiao_model::{Channel, Device, Registration, Role};
use fengqiao_store::local::{DataDir, device_code_for};
use fengqiao_store::{CaseFilter, DocName, InitOptions, Store, TownshipSpec};
use fengqiao_sync::{NodeOptions, SyncNode};

pub const COUNTY: &str = "宁国市";

pub fn townships() -> Vec<TownshipSpec> {
    vec![
        TownshipSpec {
            name: "港口镇".into(),
            code: "gangkou".into(),
            villages: vec!["港口村".into(), "山门村".into()],
        },
        TownshipSpec {
            name: "河沥溪街道".into(),
            code: "helixi".into(),
            villages: vec!["东城社区".into()],
        },
    ]
}

pub fn office(dir: &Path) -> Arc<Store> {
    Arc::new(
        Store::init(
            dir,
            InitOptions {
                device_name: "信访局台式机".into(),
                county: COUNTY.into(),
                role: Role::Office,
                scope: vec![],
                person_name: "王主任".into(),
                townships: townships(),
                directory: None,
            },
        )
        .unwrap(),
    )
}

/// Enrols a new laptop in `office`'s directory and initialises it from that directory
/// (as the enrolment exchange does, without the network). `local_role` is what the
/// laptop itself believes; the directory says `role`.
pub fn enrolled(
    office: &Store,
    dir: &Path,
    name: &str,
    role: Role,
    local_role: Role,
    scope: &[&str],
) -> Arc<Store> {
    std::fs::create_dir_all(dir).unwrap();
    let (key, _) = DataDir::new(dir).load_or_create_key().unwrap();
    let scope: Vec<String> = scope.iter().map(|s| s.to_string()).collect();
    office
        .enrol_device(&Device {
            id: key.public().to_string(),
            name: name.into(),
            code: device_code_for(&key.public()),
            role,
            scope: scope.clone(),
            enrolled_at: fengqiao_store::now_cst(),
            revoked: false,
            confidential: false,
        })
        .unwrap();
    let directory = office
        .export_document(&DocName::Directory)
        .unwrap()
        .unwrap();
    Arc::new(
        Store::init(
            dir,
            InitOptions {
                device_name: name.into(),
                county: COUNTY.into(),
                role: local_role,
                scope,
                person_name: format!("{name}的使用人"),
                townships: vec![],
                directory: Some(directory),
            },
        )
        .unwrap(),
    )
}

pub fn register(store: &Store, township: &str, village: &str, who: &str, request: &str) -> String {
    let date = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let mut reg = Registration::new(Channel::Visit, date, township, request)
        .with_petitioner(who, "13800000000");
    reg.village = village.into();
    store.add_case(reg).unwrap().number.to_string()
}

pub fn numbers(store: &Store) -> Vec<String> {
    let mut n: Vec<String> = store
        .list_cases(&CaseFilter::default())
        .unwrap()
        .into_iter()
        .map(|c| c.number)
        .collect();
    n.sort();
    n
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn node(rt: &tokio::runtime::Runtime, store: &Arc<Store>) -> SyncNode {
    rt.block_on(SyncNode::start(store.clone(), NodeOptions::loopback()))
        .unwrap()
}

pub const ROUND: Duration = Duration::from_secs(20);

/// What a patched build does: puts `key = value` into the first container of this
/// laptop's own copy of `name`, as a change of its own actor, past every check the store
/// makes. Returns the change's hash.
pub fn forge(store: &Store, name: &DocName, key: &str, value: &str) -> automerge::ChangeHash {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    let mut doc = match store.export_document(name).unwrap() {
        Some(bytes) => automerge::Automerge::load(&bytes).unwrap(),
        None => {
            let mut d = automerge::Automerge::new();
            d.apply_changes([name.genesis(COUNTY).unwrap()]).unwrap();
            d
        }
    };
    let before = doc.get_heads();
    doc.set_actor(fengqiao_store::local::writer_actor(
        &store.device_public_key(),
        [9; 8],
    ));
    let (_, obj) = doc
        .get(automerge::ROOT, name.containers()[0])
        .unwrap()
        .unwrap();
    let mut tx = doc.transaction();
    tx.put(&obj, key, value).unwrap();
    tx.commit();
    let hash = doc.get_heads()[0];
    let mut bytes = name.genesis(COUNTY).unwrap().raw_bytes().to_vec();
    bytes.extend(doc.save_after(&before));
    store.import_document(name, &bytes).unwrap();
    hash
}

/// Whether `store`'s copy of `name` holds the change `hash`.
pub fn holds(store: &Store, name: &DocName, hash: &automerge::ChangeHash) -> bool {
    store
        .export_document(name)
        .unwrap()
        .and_then(|bytes| automerge::Automerge::load(&bytes).ok())
        .is_some_and(|d| d.get_change_meta_by_hash(hash).is_some())
}

/// The county office and one 港口镇 laptop enrolled by it.
pub fn office_and_township(dir_o: &Path, dir_t: &Path) -> (Arc<Store>, Arc<Store>) {
    let o = office(dir_o);
    let t = enrolled(
        &o,
        dir_t,
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    (o, t)
}
