//! Accusations kept apart (issue 23, 第三十条第三款): the accuser and the accusation never
//! enter a case document; the registering township laptop keeps them in its outbox until
//! a granted device takes them, then holds no copy; the township's other laptops never
//! see them; only devices with the confidential grant do.

mod common;

use std::path::Path;

use common::{exchange, init, join, registration};
use fengqiao_model::{ContentType, Role};
use fengqiao_store::{Access, DocName, KeptApart, Store, WITHHELD_PERSON};

const ACCUSER: &str = "欧阳检举";
const ACCUSATION: &str = "检举村主任侵占集体土地补偿款";

fn files_holding(dir: &Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .expect("read")
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
            {
                found.push(path);
            }
        }
    }
    found
}

struct County {
    _dirs: Vec<tempfile::TempDir>,
    /// The office device that founded the county: it holds the grant.
    office: Store,
    /// An office device without the grant.
    clerk: Store,
    lisi: Store,
    zhaoliu: Store,
}

fn county() -> County {
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().expect("tmp")).collect();
    let office = init(dirs[0].path(), "王五", Role::Office, None);
    let clerk = join(&office, dirs[1].path(), "孙八", Role::Office);
    let lisi = join(&office, dirs[2].path(), "李四", Role::Township);
    let zhaoliu = join(&office, dirs[3].path(), "赵六", Role::Township);
    for laptop in [&clerk, &lisi, &zhaoliu] {
        exchange(&office, laptop);
    }
    County {
        _dirs: dirs,
        office,
        clerk,
        lisi,
        zhaoliu,
    }
}

fn accusation() -> fengqiao_model::Registration {
    let mut reg = registration();
    reg.petitioners[0].name = ACCUSER.into();
    reg.content.request = ACCUSATION.into();
    reg.content_type = Some(ContentType::Accusation);
    reg
}

#[test]
fn a_township_laptop_hands_the_accusation_over_and_keeps_no_copy() {
    let c = county();
    assert!(c.office.reads_confidential() && !c.clerk.reads_confidential());
    assert!(!c.lisi.reads_confidential());
    let case = c.lisi.add_case(accusation()).expect("register");
    let number = case.number.to_string();
    assert_eq!(case.registration.petitioners[0].name, WITHHELD_PERSON);
    assert!(case.registration.flags.confidential);

    // The registering clerk still sees what they typed, until the hand-over.
    let shown = c.lisi.case(&number).expect("case");
    assert_eq!(shown.kept_apart, Some(KeptApart::AwaitingHandover));
    assert_eq!(shown.case.registration.petitioners[0].name, ACCUSER);
    assert_eq!(c.lisi.pending_handover().expect("outbox").parts.len(), 1);
    let cases_doc = DocName::cases_for("gangkou", case.registration.received_on);
    let doc_bytes = c
        .lisi
        .export_document(&cases_doc)
        .expect("export")
        .expect("doc");
    assert!(
        !doc_bytes
            .windows(ACCUSER.len())
            .any(|w| w == ACCUSER.as_bytes()),
        "the case document's history never held the accuser"
    );

    // Another laptop of the township gets the case, never the accuser.
    exchange(&c.lisi, &c.zhaoliu);
    let there = c.zhaoliu.case(&number).expect("case");
    assert_eq!(there.kept_apart, Some(KeptApart::Withheld));
    assert_eq!(there.case.registration.petitioners[0].name, WITHHELD_PERSON);
    for secret in [ACCUSER, ACCUSATION] {
        let found = files_holding(c.zhaoliu.data_dir(), secret);
        assert!(found.is_empty(), "{secret} on the other laptop: {found:?}");
    }

    // The hand-over: a device without the grant refuses it; the granted office keeps it.
    let parts = c.lisi.pending_handover().expect("outbox").parts;
    let lisi_id = c.lisi.identity().device_id.clone();
    for refuser in [&c.zhaoliu, &c.clerk] {
        let verdicts = refuser
            .receive_handover(&lisi_id, &parts)
            .expect("verdicts");
        assert!(verdicts[0].refused.is_some(), "{verdicts:?}");
    }
    let zhaoliu_id = c.zhaoliu.identity().device_id.clone();
    let forged = c
        .office
        .receive_handover(&zhaoliu_id, &parts)
        .expect("verdicts");
    assert!(
        forged[0]
            .refused
            .as_deref()
            .is_some_and(|w| w.contains("不是移交设备登记")),
        "{forged:?}"
    );
    let verdicts = c
        .office
        .receive_handover(&lisi_id, &parts)
        .expect("verdicts");
    assert_eq!(verdicts[0].refused, None);
    // Another laptop of the township knows the case's id (it holds the case document) and
    // tries to replace the accuser with a part of its own: refused, the accuser stays.
    let mut replaced = parts[0].clone();
    replaced.registered_by_device = zhaoliu_id.clone();
    replaced.petitioners[0].name = "张冒充".into();
    let by_number = c.office.receive_handover(&zhaoliu_id, &[replaced.clone()]);
    assert!(
        by_number.expect("verdicts")[0].refused.is_some(),
        "not its number"
    );
    replaced.number = format!("{}-2026-00001", c.zhaoliu.identity().device_code);
    let taken = c
        .office
        .receive_handover(&zhaoliu_id, &[replaced])
        .expect("verdicts");
    assert!(
        taken[0]
            .refused
            .as_deref()
            .is_some_and(|w| w.contains("不能替换")),
        "{taken:?}"
    );
    c.lisi
        .handed_over(&[verdicts[0].case_id])
        .expect("handed over");

    assert!(c.lisi.pending_handover().expect("outbox").parts.is_empty());
    let after = c.lisi.case(&number).expect("case");
    assert_eq!(after.kept_apart, Some(KeptApart::Withheld));
    for secret in [ACCUSER, ACCUSATION] {
        let found = files_holding(c.lisi.data_dir(), secret);
        assert!(found.is_empty(), "{secret} left on the laptop: {found:?}");
    }

    exchange(&c.lisi, &c.office);
    let office = c.office.case(&number).expect("case");
    assert_eq!(office.kept_apart, Some(KeptApart::Shown));
    assert_eq!(office.case.registration.petitioners[0].name, ACCUSER);
    assert_eq!(office.case.registration.content.request, ACCUSATION);

    // Who may receive `confidential/<year>`, by the directory.
    let table = c.office.access();
    let doc = DocName::Confidential { year: 2026 };
    assert_eq!(
        table.access(&c.office.identity().device_id, &doc),
        Access::ReadWrite
    );
    for other in [&c.clerk, &c.lisi, &c.zhaoliu] {
        assert_eq!(
            table.access(&other.identity().device_id, &doc),
            Access::None
        );
    }
    exchange(&c.lisi, &c.clerk);
    assert_eq!(
        c.clerk.case(&number).expect("case").kept_apart,
        Some(KeptApart::Withheld),
        "an office device without the grant sees the case, not the accuser"
    );
}

#[test]
fn an_accusation_registered_on_a_granted_device_goes_straight_to_the_confidential_document() {
    let c = county();
    let case = c.office.add_case(accusation()).expect("register");
    let number = case.number.to_string();
    assert!(
        c.office
            .pending_handover()
            .expect("outbox")
            .parts
            .is_empty()
    );
    let shown = c.office.case(&number).expect("case");
    assert_eq!(shown.kept_apart, Some(KeptApart::Shown));
    assert_eq!(shown.case.registration.content.request, ACCUSATION);
    // The case document goes to the township's laptops: it holds neither.
    let doc = DocName::cases_for("gangkou", case.registration.received_on);
    let bytes = c
        .office
        .export_document(&doc)
        .expect("export")
        .expect("doc");
    for secret in [ACCUSER, ACCUSATION] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
    }
    // An ordinary case is not touched.
    let plain = c.office.add_case(registration()).expect("register");
    assert_eq!(
        c.office
            .case(&plain.number.to_string())
            .expect("case")
            .kept_apart,
        None
    );
}

#[test]
fn an_outbox_file_that_does_not_read_is_named_and_kept_and_holds_nothing_else_up() {
    let c = county();
    let first = c.lisi.add_case(accusation()).expect("register");
    let letter = "检举信原件".repeat(50);
    c.lisi
        .attach(
            &first.number.to_string(),
            fengqiao_model::AttachedTo::Case,
            "检举信.jpg",
            letter.as_bytes(),
            "",
        )
        .expect("attach");
    let second = c.lisi.add_case(accusation()).expect("register");
    // The disk damages the second accusation's outbox file.
    let damaged = c
        .lisi
        .data_dir()
        .join(format!("confidential/outbox/{}.json", second.id));
    std::fs::write(&damaged, b"\x00\x00 not a part").expect("damage");

    let outbox = c.lisi.pending_handover().expect("the outbox still reads");
    assert_eq!(outbox.parts.len(), 1, "the first accusation still waits");
    assert_eq!(outbox.parts[0].case_id, first.id);
    assert_eq!(outbox.unreadable.len(), 1);
    assert_eq!(outbox.unreadable[0].0, damaged);
    // A sweep could remove bytes the damaged part names: it refuses, naming the file.
    let refused = c.lisi.sweep_blobs().expect_err("no sweep");
    assert!(
        refused.to_string().contains(&second.id.to_string()),
        "{refused}"
    );
    assert_eq!(c.lisi.blobs().list().expect("blobs").len(), 1);
    // The readable accusation is handed over all the same (its letter's bytes travel
    // with it); the damaged file stays.
    c.office
        .blobs()
        .put(letter.as_bytes())
        .expect("the letter arrives");
    let lisi_id = c.lisi.identity().device_id.clone();
    let verdicts = c
        .office
        .receive_handover(&lisi_id, &outbox.parts)
        .expect("verdicts");
    assert!(verdicts[0].refused.is_none(), "{verdicts:?}");
    c.lisi.handed_over(&[first.id]).expect("handed over");
    assert!(c.lisi.pending_handover().expect("outbox").parts.is_empty());
    assert!(
        damaged.exists(),
        "a damaged accuser's file is never deleted by the program"
    );
    assert!(
        c.lisi.blobs().list().expect("blobs").is_empty(),
        "the letter went to the office and left no copy here"
    );
}
