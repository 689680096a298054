//! Offline bundles between two laptops with no network: export, carry, import; and every
//! way a bundle can be wrong is refused without changing anything.

use chrono::NaiveDate;
use fengqiao_model::{Channel, Registration, Role};
use fengqiao_store::{CaseFilter, DocName, InitOptions, Store, TownshipSpec};
use fengqiao_sync::bundle::{self, BundleError};

fn init(dir: &std::path::Path, county: &str, person: &str, directory: Option<Vec<u8>>) -> Store {
    Store::init(
        dir,
        InitOptions {
            device_name: format!("{person}的笔记本"),
            county: county.into(),
            role: Role::Township,
            scope: vec!["港口镇".into()],
            person_name: person.into(),
            townships: vec![TownshipSpec {
                name: "港口镇".into(),
                code: "gangkou".into(),
                villages: vec!["西村".into()],
            }],
            directory,
        },
    )
    .expect("init")
}

fn registration(name: &str) -> Registration {
    let received_on = NaiveDate::from_ymd_opt(2026, 11, 3).expect("date");
    Registration::new(Channel::FieldVisit, received_on, "港口镇", "反映宅基地纠纷")
        .with_petitioner(name, "13800001111")
}

fn pair() -> (tempfile::TempDir, Store, tempfile::TempDir, Store) {
    let (da, db) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let a = init(da.path(), "宁国市", "李四", None);
    let directory = a
        .export_document(&DocName::Directory)
        .expect("export")
        .expect("directory");
    let b = init(db.path(), "宁国市", "王五", Some(directory));
    (da, a, db, b)
}

fn names(store: &Store) -> Vec<String> {
    let mut n: Vec<_> = store
        .list_cases(&CaseFilter::default())
        .expect("list")
        .into_iter()
        .map(|c| c.petitioner)
        .collect();
    n.sort();
    n
}

#[test]
fn work_done_offline_on_a_reaches_b_by_bundle_and_later_only_the_difference_travels() {
    let (_da, a, _db, b) = pair();
    for i in 0..30 {
        a.add_case(registration(&format!("早先{i:02}")))
            .expect("add");
    }
    let case = a.add_case(registration("张三")).expect("add");
    a.add_note(&case.id.to_string(), "村里没有信号，回乡里后用U盘同步")
        .expect("note");

    let full = bundle::export(&a, None).expect("export");
    let report = bundle::import(&b, &full).expect("import");
    assert!(
        report.documents >= 2,
        "directory and the cases document: {report:?}"
    );
    let on_b = b.case(&case.id.to_string()).expect("B has A's case");
    assert_eq!(on_b.case, case);
    assert_eq!(on_b.notes[0].text, "村里没有信号，回乡里后用U盘同步");

    // Next trip: B says what it has; A sends only what B lacks.
    let have = bundle::peer_state(&b).expect("state");
    a.add_case(registration("赵六")).expect("add");
    let delta = bundle::export(&a, Some(&have)).expect("export since");
    assert!(
        delta.len() < full.len() / 2,
        "delta {} bytes vs full {} bytes",
        delta.len(),
        full.len()
    );
    bundle::import(&b, &delta).expect("import delta");
    let all = names(&b);
    assert_eq!(all.len(), 32);
    assert!(all.contains(&"张三".to_owned()) && all.contains(&"赵六".to_owned()));
    // Nothing new: the bundle carries no documents.
    let have = bundle::peer_state(&b).expect("state");
    let empty = bundle::export(&a, Some(&have)).expect("export");
    let (header, docs) = bundle::verify(&empty).expect("verify");
    assert!(docs.is_empty() && header.documents.is_empty(), "{header:?}");
}

#[test]
fn a_tampered_truncated_foreign_or_alien_file_is_refused_and_changes_nothing() {
    let (_da, a, _db, b) = pair();
    b.add_case(registration("王五的案件"))
        .expect("b's own case");
    a.add_case(registration("张三")).expect("add");
    let good = bundle::export(&a, None).expect("export");
    let before = names(&b);

    let mut tampered = good.clone();
    let middle = tampered.len() - 100;
    tampered[middle] ^= 0x01;
    let err = bundle::import(&b, &tampered).expect_err("tampered");
    assert!(matches!(err, BundleError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("校验"), "{err}");

    let err = bundle::import(&b, &good[..good.len() / 2]).expect_err("truncated");
    assert!(matches!(err, BundleError::Truncated { .. }), "{err}");

    let err = bundle::import(&b, b"PK\x03\x04 a zip file, not a bundle").expect_err("alien");
    assert!(matches!(err, BundleError::NotABundle), "{err}");

    let mut newer = good.clone();
    newer[8] = 9;
    let err = bundle::import(&b, &newer).expect_err("version");
    assert!(matches!(err, BundleError::UnsupportedVersion(9)), "{err}");

    let dc = tempfile::tempdir().expect("tmp");
    let other_county = init(dc.path(), "旌德县", "孙七", None);
    other_county
        .add_case(registration("外县案件"))
        .expect("add");
    let foreign = bundle::export(&other_county, None).expect("export");
    let err = bundle::import(&b, &foreign).expect_err("foreign");
    assert!(
        matches!(err, BundleError::ForeignCounty { .. }) && err.to_string().contains("旌德县"),
        "{err}"
    );

    assert_eq!(names(&b), before, "nothing applied");
    bundle::import(&b, &good).expect("the good bundle still imports");
    assert_eq!(names(&b), ["张三", "王五的案件"]);
}
