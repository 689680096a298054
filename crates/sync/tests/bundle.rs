//! Offline bundles between laptops with no network: export, carry, import; every way a
//! bundle can be wrong is refused without changing anything; a bundle is signed, sealed,
//! and brings in only what the network would accept from the laptop that signed it.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use automerge::transaction::Transactable;
use common::{COUNTY, enrolled, numbers, office, office_and_township, register, townships};
use fengqiao_model::Role;
use fengqiao_store::{DocName, InitOptions, Store};
use fengqiao_sync::bundle::{self, BundleError, Recipients};
use sha2::{Digest, Sha256};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tmp")
}

/// A laptop made with `fengqiao init` and never enrolled.
fn unenrolled(dir: &Path, directory: Option<Vec<u8>>) -> Store {
    Store::init(
        dir,
        InitOptions {
            device_name: "信访局台式机".into(),
            county: COUNTY.into(),
            role: Role::Office,
            scope: vec![],
            person_name: "冒充者".into(),
            townships: townships(),
            directory,
        },
    )
    .expect("init")
}

/// SHA-256 of every file under `documents/`, by path.
fn snapshot(store: &Store) -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                out.insert(
                    path.display().to_string(),
                    format!("{:x}", Sha256::digest(&bytes)),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&store.data_dir().join("documents"), &mut out);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn device_ids(store: &Store) -> Vec<String> {
    let mut ids: Vec<String> = store
        .devices()
        .expect("devices")
        .into_iter()
        .map(|d| d.id)
        .collect();
    ids.sort();
    ids
}

/// `bytes` with its trailing checksum made to match again (the signature left as it was).
fn rechecksum(mut bytes: Vec<u8>) -> Vec<u8> {
    let body = bytes.len() - 96;
    let digest = Sha256::digest(&bytes[..body]);
    bytes[body..body + 32].copy_from_slice(&digest);
    bytes
}

#[test]
fn work_done_offline_reaches_the_office_by_bundle_and_later_only_the_difference_travels() {
    let (d_o, d_t) = (tmp(), tmp());
    let (o, t) = office_and_township(d_o.path(), d_t.path());
    for i in 0..30 {
        register(&t, "港口镇", "港口村", &format!("早先{i:02}"), "宅基地纠纷");
    }
    let case = register(&t, "港口镇", "山门村", "张三", "反映宅基地纠纷");

    let full = bundle::export(&t, None).expect("export");
    let report = bundle::import(&o, &full).expect("import");
    assert_eq!(report.documents, 1, "the cases document: {report:?}");
    assert!(
        report.skipped.is_empty(),
        "nothing new in what it only reads: {report:?}"
    );
    assert_eq!(report.from_device, t.identity().device_id);
    assert_eq!(report.from_device_name, "港口镇笔记本");
    assert!(report.refused.is_empty(), "{report:?}");
    assert!(numbers(&o).contains(&case));

    // Next trip: the office says what it has; the laptop sends only what it lacks.
    let have = bundle::peer_state(&o).expect("state");
    let later = register(&t, "港口镇", "港口村", "赵六", "拖欠工资");
    let delta = bundle::export(&t, Some(&have)).expect("export since");
    assert!(
        delta.len() < full.len() / 2,
        "delta {} bytes vs full {} bytes",
        delta.len(),
        full.len()
    );
    bundle::import(&o, &delta).expect("import delta");
    let all = numbers(&o);
    assert_eq!(all.len(), 32);
    assert!(all.contains(&later));
    // Nothing new: the bundle carries no documents.
    let have = bundle::peer_state(&o).expect("state");
    let empty = bundle::export_to(&t, Some(&have), &Recipients::County).expect("export");
    assert!(empty.documents.is_empty(), "{:?}", empty.documents);
    let opened = bundle::open(&o, &empty.bytes).expect("open");
    assert!(opened.documents.is_empty());
}

#[test]
fn a_tampered_truncated_foreign_old_or_alien_file_is_refused_and_changes_nothing() {
    let (d_o, d_t) = (tmp(), tmp());
    let (o, t) = office_and_township(d_o.path(), d_t.path());
    register(&o, "港口镇", "港口村", "王五", "办公室自己的案件");
    register(&t, "港口镇", "港口村", "张三", "宅基地纠纷");
    let good = bundle::export(&t, None).expect("export");
    let before = numbers(&o);

    let mut tampered = good.clone();
    let middle = tampered.len() - 200;
    tampered[middle] ^= 0x01;
    let err = bundle::import(&o, &tampered).expect_err("tampered");
    assert!(matches!(err, BundleError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("校验"), "{err}");

    let err = bundle::import(&o, &good[..good.len() / 2]).expect_err("truncated");
    assert!(matches!(err, BundleError::Truncated { .. }), "{err}");

    let err = bundle::import(&o, b"PK\x03\x04 a zip file, not a bundle").expect_err("alien");
    assert!(matches!(err, BundleError::NotABundle), "{err}");

    let mut newer = good.clone();
    newer[8] = 9;
    let err = bundle::import(&o, &newer).expect_err("version");
    assert!(matches!(err, BundleError::UnsupportedVersion(9)), "{err}");

    // A version 1 bundle (unsigned, in the clear) has no import path left.
    let mut old = good.clone();
    old[8] = 1;
    let err = bundle::import(&o, &old).expect_err("version 1");
    assert!(matches!(err, BundleError::Version1), "{err}");
    assert!(err.to_string().contains("第 1 版"), "{err}");

    // Absurd declared lengths are refused without allocating them.
    let mut huge_header = good.clone();
    huge_header[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = bundle::import(&o, &huge_header).expect_err("huge header");
    assert!(matches!(err, BundleError::Truncated { .. }), "{err}");
    let mut header = bundle::inspect(&good).expect("inspect").header;
    header.sealed_len = u64::MAX;
    let header = serde_json::to_vec(&header).expect("json");
    let mut huge_payload = good[..10].to_vec();
    huge_payload.extend_from_slice(&(header.len() as u32).to_le_bytes());
    huge_payload.extend_from_slice(&header);
    huge_payload.extend_from_slice(&[0u8; 200]);
    let err = bundle::import(&o, &huge_payload).expect_err("huge payload");
    assert!(matches!(err, BundleError::Truncated { .. }), "{err}");

    let d_x = tmp();
    let other_county = Store::init(
        d_x.path(),
        InitOptions {
            device_name: "旌德县台式机".into(),
            county: "旌德县".into(),
            role: Role::Office,
            scope: vec![],
            person_name: "孙七".into(),
            townships: townships(),
            directory: None,
        },
    )
    .expect("init");
    register(&other_county, "港口镇", "港口村", "外县", "外县案件");
    let foreign = bundle::export(&other_county, None).expect("export");
    let err = bundle::import(&o, &foreign).expect_err("foreign");
    assert!(
        matches!(err, BundleError::ForeignCounty { .. }) && err.to_string().contains("旌德县"),
        "{err}"
    );

    assert_eq!(numbers(&o), before, "nothing applied");
    bundle::import(&o, &good).expect("the good bundle still imports");
    assert_eq!(numbers(&o).len(), 2);
}

#[test]
fn a_bundle_from_a_laptop_the_directory_does_not_know_is_refused_by_its_id() {
    let (d_o, d_t, d_n) = (tmp(), tmp(), tmp());
    let (o, _t) = office_and_township(d_o.path(), d_t.path());
    // A laptop made with `fengqiao init` founds a directory of its own, in which it is an
    // office device; it claims the office's name.
    let stranger = unenrolled(d_n.path(), None);
    let devices_before = device_ids(&o);
    let before = snapshot(&o);
    register(&stranger, "港口镇", "港口村", "冒名者", "伪造的案件");
    let forged = bundle::export(&stranger, None).expect("an unenrolled laptop can export");
    let err = bundle::import(&o, &forged).expect_err("unknown signer");
    let text = err.to_string();
    assert!(matches!(err, BundleError::UnknownSigner { .. }), "{err}");
    assert!(text.contains(&stranger.identity().device_id), "{text}");
    assert!(
        text.contains("信访局台式机") && text.contains("未经核实"),
        "{text}"
    );
    assert_eq!(device_ids(&o), devices_before, "nobody was enrolled");
    assert_eq!(snapshot(&o), before, "documents/ unchanged");
}

#[test]
fn a_revoked_laptops_bundle_is_refused_by_name() {
    let (d_o, d_t) = (tmp(), tmp());
    let (o, t) = office_and_township(d_o.path(), d_t.path());
    let case = register(&t, "港口镇", "港口村", "张三", "吊销之后登记的案件");
    let stick = bundle::export(&t, None).expect("export");
    o.revoke_device(&t.identity().device_id).expect("revoke");
    let err = bundle::import(&o, &stick).expect_err("revoked");
    assert!(matches!(err, BundleError::RevokedSigner { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("港口镇笔记本") && text.contains("已吊销"),
        "{text}"
    );
    assert!(!numbers(&o).contains(&case));

    // The revoked laptop, told of its revocation, can still write a bundle: the receiver
    // is the one that refuses it.
    let directory = o
        .export_document(&DocName::Directory)
        .expect("export")
        .expect("directory");
    t.import_document(&DocName::Directory, &directory)
        .expect("directory");
    let after = bundle::export(&t, None).expect("a revoked laptop can export");
    let err = bundle::import(&o, &after).expect_err("revoked");
    assert!(matches!(err, BundleError::RevokedSigner { .. }), "{err}");
}

#[test]
fn a_forged_or_altered_signature_or_ciphertext_is_refused() {
    let (d_o, d_t) = (tmp(), tmp());
    let (o, t) = office_and_township(d_o.path(), d_t.path());
    register(&t, "港口镇", "港口村", "张三", "宅基地纠纷");
    let good = bundle::export(&t, None).expect("export");
    let before = snapshot(&o);

    // One bit of the signature.
    let mut bad_signature = good.clone();
    let last = bad_signature.len() - 1;
    bad_signature[last] ^= 0x01;
    let err = bundle::import(&o, &bad_signature).expect_err("signature");
    assert!(matches!(err, BundleError::BadSignature { .. }), "{err}");

    // One bit of the ciphertext, with the checksum made to match again.
    let mut bad_cipher = good.clone();
    let at = bad_cipher.len() - 150;
    bad_cipher[at] ^= 0x01;
    let err = bundle::import(&o, &rechecksum(bad_cipher)).expect_err("ciphertext");
    assert!(matches!(err, BundleError::BadSignature { .. }), "{err}");

    // The header claims the office signed it; the signature is someone else's.
    let inspected = bundle::inspect(&good).expect("inspect");
    let mut header = inspected.header.clone();
    header.from_device = o.identity().device_id.clone();
    let header = serde_json::to_vec(&header).expect("json");
    let old_len = u32::from_le_bytes([good[10], good[11], good[12], good[13]]) as usize;
    let mut impostor = good[..10].to_vec();
    impostor.extend_from_slice(&(header.len() as u32).to_le_bytes());
    impostor.extend_from_slice(&header);
    impostor.extend_from_slice(&good[14 + old_len..]);
    let err = bundle::import(&o, &rechecksum(impostor)).expect_err("impostor");
    assert!(matches!(err, BundleError::BadSignature { .. }), "{err}");

    assert_eq!(snapshot(&o), before, "documents/ unchanged");
    bundle::import(&o, &good).expect("the real one imports");
}

/// Changes `device`'s record in `o`'s directory (its copy on the laptop is not updated).
fn re_enrol(o: &Store, device: &Store, role: Role, scope: &[&str]) {
    let mut record = o
        .devices()
        .expect("devices")
        .into_iter()
        .find(|d| d.id == device.identity().device_id)
        .expect("enrolled");
    record.role = role;
    record.scope = scope.iter().map(|s| s.to_string()).collect();
    o.enrol_device(&record).expect("re-enrol");
}

#[test]
fn a_township_laptop_brings_in_only_what_the_network_would_take_from_it() {
    let (d_o, d_t, d_r) = (tmp(), tmp(), tmp());
    let o = office(d_o.path());
    // Both laptops are office laptops when they do their work…
    let t = enrolled(
        &o,
        d_t.path(),
        "港口镇笔记本",
        Role::Office,
        Role::Office,
        &[],
    );
    let r = enrolled(&o, d_r.path(), "旧台式机", Role::Office, Role::Office, &[]);
    let own = register(&t, "港口镇", "港口村", "张三", "本镇案件");
    let other = register(&t, "河沥溪街道", "东城社区", "李四", "外镇案件");
    let stranger = tmp();
    let (key, _) = fengqiao_store::local::DataDir::new(stranger.path())
        .load_or_create_key()
        .expect("key");
    let mut fake = o.devices().expect("devices").remove(0);
    fake.id = key.public().to_string();
    fake.name = "自行登记的设备".into();
    t.enrol_device(&fake)
        .expect("t edits its copy of the directory");
    // …and t carries r's new case (r's copy of the cases document).
    let relayed = register(&r, "港口镇", "山门村", "王五", "转交的案件");
    let cases = DocName::Cases {
        township: "gangkou".into(),
        year: 2026,
        quarter: 4,
    };
    let r_cases = r.export_document(&cases).expect("export").expect("cases");
    t.import_document(&cases, &r_cases)
        .expect("t takes r's changes");
    // …then the office narrows t to 港口镇 and revokes r; t has not heard.
    re_enrol(&o, &t, Role::Township, &["港口镇"]);
    o.revoke_device(&r.identity().device_id).expect("revoke");

    let before = device_ids(&o);
    let report = bundle::import(&o, &bundle::export(&t, None).expect("export")).expect("import");
    let got = numbers(&o);
    assert!(got.contains(&own), "its own township's case is applied");
    assert!(!got.contains(&other), "another township's case is not");
    assert!(!got.contains(&relayed), "a revoked device's case is not");
    assert_eq!(
        device_ids(&o),
        before,
        "the directory change is not applied"
    );
    let skipped = |doc: &str, why: &str| {
        report
            .skipped
            .iter()
            .any(|s| s.document.starts_with(doc) && s.reason.contains(why))
    };
    assert!(skipped("cases/helixi/", "无权"), "{report:?}");
    assert!(skipped("directory", "只读"), "{report:?}");
    let refused: Vec<&String> = report.refused.iter().flat_map(|r| &r.reasons).collect();
    assert!(
        refused
            .iter()
            .any(|r| r.contains("旧台式机") && r.contains("吊销")),
        "{report:?}"
    );
}

#[test]
fn a_leaders_laptop_brings_in_nothing() {
    let (d_o, d_l) = (tmp(), tmp());
    let o = office(d_o.path());
    let l = enrolled(
        &o,
        d_l.path(),
        "县领导笔记本",
        Role::Office,
        Role::Office,
        &[],
    );
    let from_leader = register(&l, "港口镇", "港口村", "王五", "领导笔记本上登记的案件");
    // The laptop becomes a leader's, which may read and not write.
    re_enrol(&o, &l, Role::Leader, &[]);
    let before = snapshot(&o);
    let report = bundle::import(&o, &bundle::export(&l, None).expect("export")).expect("import");
    assert!(!numbers(&o).contains(&from_leader));
    assert_eq!(report.documents, 0, "{report:?}");
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.document.starts_with("cases/gangkou/") && s.reason.contains("只读")),
        "{report:?}"
    );
    assert_eq!(snapshot(&o), before, "documents/ unchanged");
}

#[test]
fn a_bundle_that_does_not_merge_changes_nothing_at_all() {
    let (d_o, d_t) = (tmp(), tmp());
    let (o, t) = office_and_township(d_o.path(), d_t.path());
    let cases = DocName::Cases {
        township: "gangkou".into(),
        year: 2026,
        quarter: 4,
    };
    // The laptop has the office's case…
    register(&o, "港口镇", "港口村", "王五", "办公室的案件");
    let ours = o.export_document(&cases).expect("export").expect("cases");
    t.import_document(&cases, &ours).expect("t takes it");
    // …and a change that claims the office's actor and its next sequence number…
    let mut forged = automerge::Automerge::load(&ours).expect("load");
    let office_actor = forged
        .get_changes(&[])
        .iter()
        .map(|c| c.actor_id().clone())
        .find(|a| {
            fengqiao_store::local::device_of_actor(a).as_deref()
                == Some(o.identity().device_id.as_str())
        })
        .expect("the office's actor");
    let heads = forged.get_heads();
    forged.set_actor(office_actor);
    let mut tx = forged.transaction();
    tx.put(automerge::ROOT, "forged", "x").expect("put");
    let _ = tx.commit();
    t.import_document(&cases, &forged.save_after(&heads))
        .expect("the laptop takes it");
    // …which the office then uses for a change of its own.
    register(&o, "港口镇", "港口村", "赵六", "办公室的第二个案件");
    // The bundle also carries the laptop's own case, which would merge on its own.
    let case = register(&t, "港口镇", "山门村", "张三", "本镇案件");
    let stick = bundle::export(&t, None).expect("export");

    let before = snapshot(&o);
    let numbers_before = numbers(&o);
    let err = bundle::import(&o, &stick).expect_err("does not merge");
    assert!(matches!(err, BundleError::MergeFailed { .. }), "{err}");
    assert!(err.to_string().contains("未导入"), "{err}");
    assert_eq!(snapshot(&o), before, "documents/ byte-identical");
    assert_eq!(numbers(&o), numbers_before);
    assert!(!numbers(&o).contains(&case));
}

#[test]
fn only_recipients_can_read_a_bundle_and_nothing_is_in_the_clear() {
    let (d_o, d_t, d_x) = (tmp(), tmp(), tmp());
    let o = office(d_o.path());
    let x = enrolled(
        &o,
        d_x.path(),
        "另一台笔记本",
        Role::Office,
        Role::Office,
        &[],
    );
    let t = enrolled(
        &o,
        d_t.path(),
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    register(&t, "港口镇", "港口村", "欧阳明月", "反映宅基地纠纷");
    // x learns of t (it was enrolled after x) as the directory travels.
    let directory = o
        .export_document(&DocName::Directory)
        .expect("export")
        .expect("directory");
    x.import_document(&DocName::Directory, &directory)
        .expect("directory");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while x.access().enrolled(&t.identity().device_id).is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "x never saw t enrolled"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // Sealed for the office only (`--for`).
    let for_office = bundle::export_to(
        &t,
        None,
        &Recipients::Device(o.identity().device_id.clone()),
    )
    .expect("export");
    assert_eq!(for_office.recipients, [o.identity().device_id.clone()]);
    let err = bundle::import(&x, &for_office.bytes).expect_err("not a recipient");
    assert!(matches!(err, BundleError::NotARecipient { .. }), "{err}");
    assert!(
        err.to_string().contains("本机不是该同步包的收件设备"),
        "{err}"
    );

    // Sealed for the county: every enrolled device, as this laptop's directory has it.
    let county = bundle::export_to(&t, None, &Recipients::County).expect("export");
    for id in [&o.identity().device_id, &x.identity().device_id] {
        assert!(county.recipients.contains(id), "{:?}", county.recipients);
    }

    for bytes in [&for_office.bytes, &county.bytes] {
        for secret in [
            "欧阳明月",
            "宅基地",
            "13800000000",
            "cases/",
            "directory",
            "gangkou",
            "港口村",
        ] {
            assert!(!contains(bytes, secret.as_bytes()), "{secret} in the clear");
        }
    }
    bundle::import(&o, &for_office.bytes).expect("the office reads it");
    bundle::import(&x, &county.bytes).expect("x is a recipient of the county bundle");
}
