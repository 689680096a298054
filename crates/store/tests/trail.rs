//! The access trail (issue 23, item 3): opening a confidential case is recorded in the
//! device's own `access/<device>` document, the office reads every device's trail, and a
//! change to one device's trail written by any other device is refused by the receiver.

mod common;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};
use common::{exchange, init, join, registration};
use fengqiao_model::Role;
use fengqiao_store::authority::RefusalReason;
use fengqiao_store::{Access, AccessAction, DocName, Store, TrailGapReason};

fn trail_of(store: &Store) -> DocName {
    DocName::AccessTrail {
        id: store.identity().device_id.clone(),
    }
}

/// The office (王五), township laptops 李四 and 赵六; 李四 registers a confidential case
/// and an ordinary one.
struct County {
    _dirs: Vec<tempfile::TempDir>,
    office: Store,
    lisi: Store,
    zhaoliu: Store,
    secret: String,
    plain: String,
}

fn county() -> County {
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("tmp")).collect();
    let office = init(dirs[0].path(), "王五", Role::Office, None);
    let lisi = join(&office, dirs[1].path(), "李四", Role::Township);
    let zhaoliu = join(&office, dirs[2].path(), "赵六", Role::Township);
    let mut reg = registration();
    reg.flags.confidential = true;
    reg.content.request = "检举村干部侵占集体资金".into();
    let secret = lisi.add_case(reg).expect("confidential case");
    let plain = lisi.add_case(registration()).expect("ordinary case");
    County {
        _dirs: dirs,
        office,
        lisi,
        zhaoliu,
        secret: secret.number.to_string(),
        plain: plain.number.to_string(),
    }
}

#[test]
fn opening_a_confidential_case_is_recorded_and_an_ordinary_one_is_not() {
    let c = county();
    assert!(
        c.lisi
            .export_document(&trail_of(&c.lisi))
            .expect("export")
            .is_none(),
        "no trail before anything was opened"
    );
    c.lisi.open_case(&c.plain).expect("open ordinary");
    assert!(
        c.lisi
            .export_document(&trail_of(&c.lisi))
            .expect("export")
            .is_none(),
        "opening an ordinary case records nothing"
    );
    let shown = c.lisi.open_case(&c.secret).expect("open confidential");
    assert!(shown.case.registration.flags.confidential);

    // The office reads it once it has 李四's trail: who, which device, when, which case.
    exchange(&c.lisi, &c.office);
    let trail = c.office.access_trail(None).expect("trail");
    assert_eq!(trail.entries.len(), 1, "{trail:?}");
    let e = &trail.entries[0];
    assert_eq!(e.entry.action, AccessAction::OpenConfidential);
    assert_eq!(e.entry.cases, vec![c.secret.clone()]);
    assert_eq!(e.who, "李四");
    assert_eq!(e.device_id, c.lisi.identity().device_id);
    assert_eq!(e.device_name, "李四的笔记本");
    let age = chrono::Utc::now() - e.entry.at;
    assert!(age.num_seconds().abs() < 60, "{:?}", e.entry.at);
    assert!(trail.gaps.is_empty(), "{:?}", trail.gaps);
    // 赵六 has opened nothing: named as unheard, not as a gap.
    assert!(
        trail.unheard.contains(&"赵六的笔记本".to_owned()),
        "{trail:?}"
    );

    // Opened twice: two entries, newest first; by case, the ordinary one has none.
    c.lisi.open_case(&c.secret).expect("open again");
    exchange(&c.lisi, &c.office);
    let by_case = c.office.access_trail(Some(&c.secret)).expect("trail");
    assert_eq!(by_case.entries.len(), 2);
    assert!(by_case.entries[0].entry.at >= by_case.entries[1].entry.at);
    assert!(
        c.office
            .access_trail(Some(&c.plain))
            .expect("trail")
            .entries
            .is_empty()
    );
}

#[test]
fn only_the_office_reads_the_trail() {
    let c = county();
    let err = c.lisi.access_trail(None).expect_err("a township may not");
    assert!(err.to_string().contains("仅限县信访局"), "{err}");
    // Nor does a township laptop hold another device's trail.
    let table = c.office.access();
    let lisi_trail = trail_of(&c.lisi);
    assert_eq!(
        table.access(&c.zhaoliu.identity().device_id, &lisi_trail),
        Access::None
    );
    assert_eq!(
        table.access(&c.office.identity().device_id, &lisi_trail),
        Access::ReadOnly
    );
}

/// A change to 李四's trail that overwrites their entry, made with `actor`.
fn rewrite_entry(trail: &[u8], actor: automerge::ActorId) -> Vec<u8> {
    let mut doc = Automerge::load(trail).expect("load");
    doc.set_actor(actor);
    let (_, entries) = doc
        .get(automerge::ROOT, "entries")
        .expect("get")
        .expect("entries");
    let key = doc.keys(&entries).next().expect("an entry");
    let (_, entry) = doc
        .get(&entries, key.as_str())
        .expect("get")
        .expect("entry");
    let mut tx = doc.transaction();
    tx.put(&entry, "cases", "（已删除）").expect("put");
    tx.commit();
    doc.get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec()
}

#[test]
fn no_other_device_can_rewrite_a_devices_trail() {
    let c = county();
    c.lisi.open_case(&c.secret).expect("open");
    let name = trail_of(&c.lisi);
    let bytes = c
        .lisi
        .export_document(&name)
        .expect("export")
        .expect("trail");
    c.office.import_document(&name, &bytes).expect("import");
    let writer = |s: &Store| fengqiao_store::local::writer_actor(&s.device_public_key(), [9; 8]);

    // Another township laptop, delivering its own forgery: refused.
    let forged = rewrite_entry(&bytes, writer(&c.zhaoliu));
    let vetted = c
        .office
        .vet_incoming(&name, &c.zhaoliu.identity().device_id, &forged)
        .expect("vet");
    assert_eq!(vetted.accepted_changes, 0);
    assert_eq!(vetted.refused.len(), 1);
    assert_eq!(
        vetted.refused[0].reason,
        RefusalReason::NotAWriter(Access::None)
    );
    // The office itself, relayed by 李四's own laptop: refused too (it only reads).
    let forged = rewrite_entry(&bytes, writer(&c.office));
    let vetted = c
        .office
        .vet_incoming(&name, &c.lisi.identity().device_id, &forged)
        .expect("vet");
    assert_eq!(vetted.accepted_changes, 0);
    assert_eq!(
        vetted.refused[0].reason,
        RefusalReason::NotAWriter(Access::ReadOnly)
    );
    let refusal = vetted.refused[0].to_string();
    assert!(
        refusal.contains("只读") && refusal.contains("access/"),
        "{refusal}"
    );
    // And the store will not write another device's trail at all.
    let trail = c.office.access_trail(None).expect("trail");
    assert_eq!(trail.entries[0].entry.cases, vec![c.secret.clone()]);
    assert!(trail.gaps.is_empty());
}

#[test]
fn a_device_that_edits_its_own_trail_is_named() {
    let c = county();
    c.lisi.open_case(&c.secret).expect("open");
    let name = trail_of(&c.lisi);
    let bytes = c
        .lisi
        .export_document(&name)
        .expect("export")
        .expect("trail");
    // 李四's own key, through another program: the author may write, so it passes
    // vetting, but the overwrite stays in the history and the office's reading names it.
    let edit = rewrite_entry(
        &bytes,
        fengqiao_store::local::writer_actor(&c.lisi.device_public_key(), [9; 8]),
    );
    let vetted = c
        .office
        .vet_incoming(
            &name,
            &c.lisi.identity().device_id,
            &[bytes.clone(), edit].concat(),
        )
        .expect("vet");
    assert!(vetted.refused.is_empty());
    c.office
        .import_document(&name, &vetted.accepted)
        .expect("import");
    let trail = c.office.access_trail(None).expect("trail");
    assert!(
        trail
            .gaps
            .iter()
            .any(|g| matches!(&g.reason, TrailGapReason::Edited { changes } if changes.len() == 1)),
        "{:?}",
        trail.gaps
    );
    assert!(
        trail.gaps[0].zh().contains("改动或删除"),
        "{}",
        trail.gaps[0].zh()
    );
}

#[test]
fn issuing_a_document_on_a_confidential_case_is_recorded() {
    use fengqiao_model::Route;
    use fengqiao_store::IssueRequest;
    use fengqiao_store::paperwork::DocKind;
    let dir = tempfile::tempdir().expect("tmp");
    let office = init(dir.path(), "王五", Role::Office, None);
    let case = |confidential: bool| {
        let mut reg = registration();
        reg.route = Some(Route::PetitionRequest);
        reg.lead_unit = "宁国市自然资源和规划局".into();
        reg.flags.confidential = confidential;
        office.add_case(reg).expect("add").number.to_string()
    };
    let (secret, plain) = (case(true), case(false));
    let issue = |case: &str| {
        office
            .issue_document(
                case,
                IssueRequest {
                    kind: DocKind::RegistrationForm,
                    date: Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 2).expect("date")),
                    inputs: Default::default(),
                    corrects: None,
                },
            )
            .unwrap_or_else(|e| panic!("issue: {e}"))
            .document
            .number
    };
    issue(&plain);
    assert!(office.access_trail(None).expect("trail").entries.is_empty());
    let number = issue(&secret);
    let trail = office.access_trail(None).expect("trail");
    assert_eq!(trail.entries.len(), 1, "{trail:?}");
    let e = &trail.entries[0].entry;
    assert_eq!(e.action, AccessAction::IssueDocument);
    assert_eq!(e.cases, vec![secret.clone()]);
    assert_eq!(e.document, number);
    assert_eq!(trail.entries[0].who, "王五");
}
