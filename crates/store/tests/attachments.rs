//! Attachments (issue 22): the bytes in the blob store, the record in the case's document;
//! what a sync fetches, who may have the bytes, withdrawal and the sweep, and the county's
//! limits.

mod common;

use common::{exchange, init, join, registration};
use fengqiao_model::{AttachedTo, FieldVisit, Role, VisitId};
use fengqiao_store::blobs::BlobHash;
use fengqiao_store::{AttachmentLimits, Store, StoreError};

const PHOTO: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF site photograph of the disputed boundary";

struct County {
    _dirs: Vec<tempfile::TempDir>,
    office: Store,
    lisi: Store,
    zhaoliu: Store,
    /// A laptop of another township.
    other: Store,
}

fn county() -> County {
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().expect("tmp")).collect();
    let office = init(dirs[0].path(), "王五", Role::Office, None);
    let lisi = join(&office, dirs[1].path(), "李四", Role::Township);
    let zhaoliu = join(&office, dirs[2].path(), "赵六", Role::Township);
    let directory = office
        .enrol_at(
            dirs[3].path(),
            Role::Township,
            vec!["河沥溪镇".into()],
            "钱七的笔记本",
            "钱七",
        )
        .expect("enrol another township");
    let other = init(dirs[3].path(), "钱七", Role::Township, Some(directory));
    County {
        _dirs: dirs,
        office,
        lisi,
        zhaoliu,
        other,
    }
}

#[test]
fn an_attachment_is_listed_with_its_record_and_its_bytes_read_back() {
    let c = county();
    let case = c.lisi.add_case(registration()).expect("case");
    let number = case.number.to_string();
    let attached = c
        .lisi
        .attach(
            &number,
            AttachedTo::Case,
            "/tmp/现场照片.JPG",
            PHOTO,
            " 界址现场 ",
        )
        .expect("attach");
    let a = &attached.attachment;
    assert_eq!(a.file_name, "现场照片.JPG");
    assert_eq!(a.media_type, "image/jpeg");
    assert_eq!(a.size, PHOTO.len() as u64);
    assert_eq!(a.caption, "界址现场");
    assert_eq!(a.attached_by_name, "李四");
    assert_eq!(a.hash, BlobHash::of(PHOTO).to_string());
    assert_eq!(attached.over_quota, None);

    let note = c.lisi.add_note(&number, "收到书面来信").expect("note");
    c.lisi
        .attach(
            &number,
            AttachedTo::Note(note.id),
            "来信.pdf",
            b"%PDF-1.7 letter",
            "",
        )
        .expect("attach to note");
    let listed = c.lisi.attachments(&number).expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|v| v.present));
    assert_eq!(listed[1].attachment.on, AttachedTo::Note(note.id));
    let record = c.lisi.case(&number).expect("case");
    assert_eq!(record.attachments.len(), 2, "the case page sees them too");

    let hash: BlobHash = a.hash.parse().expect("hash");
    assert_eq!(
        c.lisi.attachment_bytes(&hash).expect("bytes").as_deref(),
        Some(PHOTO)
    );
    // A hash no record here names is refused, even if the bytes were somehow here.
    let stray = c.lisi.blobs().put(b"not attached anywhere").expect("put");
    assert!(matches!(
        c.lisi.attachment_bytes(&stray),
        Err(StoreError::NotPermitted(_))
    ));
}

#[test]
fn bad_files_and_targets_are_refused_naming_why() {
    let c = county();
    let number = c
        .lisi
        .add_case(registration())
        .expect("case")
        .number
        .to_string();
    let err = c
        .lisi
        .attach(&number, AttachedTo::Case, "空.jpg", b"", "")
        .expect_err("empty");
    assert!(err.to_string().contains("0 字节"), "{err}");

    c.office
        .put_attachment_limits(AttachmentLimits {
            max_file_bytes: 16,
            quota_bytes: 1 << 30,
        })
        .expect("limits");
    exchange(&c.office, &c.lisi);
    let err = c
        .lisi
        .attach(&number, AttachedTo::Case, "大.jpg", PHOTO, "")
        .expect_err("over the cap");
    assert!(err.to_string().contains("上限"), "{err}");
    assert!(
        c.lisi.blobs().list().expect("list").is_empty(),
        "nothing stored"
    );

    let err = c
        .lisi
        .attach(
            &number,
            AttachedTo::Event(fengqiao_model::EventId::generate()),
            "a.pdf",
            b"%PDF",
            "",
        )
        .expect_err("no such event");
    assert!(err.to_string().contains("没有这条事件"), "{err}");
    // A township laptop may not change the county's limits.
    assert!(
        c.lisi
            .put_attachment_limits(AttachmentLimits::default())
            .is_err()
    );
}

#[test]
fn the_quota_warns_once_passed() {
    let c = county();
    c.office
        .put_attachment_limits(AttachmentLimits {
            max_file_bytes: 1 << 20,
            quota_bytes: 60,
        })
        .expect("limits");
    exchange(&c.office, &c.lisi);
    let number = c
        .lisi
        .add_case(registration())
        .expect("case")
        .number
        .to_string();
    let first = c
        .lisi
        .attach(&number, AttachedTo::Case, "a.jpg", PHOTO, "")
        .expect("attach");
    assert_eq!(first.over_quota, None);
    let second = c
        .lisi
        .attach(
            &number,
            AttachedTo::Case,
            "b.jpg",
            b"another photograph",
            "",
        )
        .expect("attach");
    let warning = second.over_quota.expect("over the quota");
    assert!(warning.to_string().contains("超过"), "{warning}");
}

#[test]
fn a_peer_learns_what_to_fetch_and_only_readers_of_the_case_may_have_it() {
    let c = county();
    let number = c
        .lisi
        .add_case(registration())
        .expect("case")
        .number
        .to_string();
    let hash: BlobHash = c
        .lisi
        .attach(&number, AttachedTo::Case, "photo.jpg", PHOTO, "")
        .expect("attach")
        .attachment
        .hash
        .parse()
        .expect("hash");
    exchange(&c.lisi, &c.zhaoliu);
    assert_eq!(
        c.zhaoliu.missing_blobs().expect("missing"),
        vec![(hash, PHOTO.len() as u64)]
    );
    let listed = c.zhaoliu.attachments(&number).expect("list");
    assert!(!listed[0].present, "the record arrived before the bytes");
    assert_eq!(c.zhaoliu.attachment_bytes(&hash).expect("bytes"), None);

    // 李四's laptop knows the other laptops from the directory, not from themselves.
    assert!(
        !c.lisi
            .may_serve_blob(&c.zhaoliu.identity().device_id, &hash)
            .expect("check"),
        "a device the directory here does not know yet gets nothing"
    );
    exchange(&c.office, &c.lisi);
    let same_township = c.zhaoliu.identity().device_id.clone();
    let other_township = c.other.identity().device_id.clone();
    let office = c.office.identity().device_id.clone();
    assert!(c.lisi.may_serve_blob(&same_township, &hash).expect("check"));
    assert!(c.lisi.may_serve_blob(&office, &hash).expect("check"));
    assert!(
        !c.lisi
            .may_serve_blob(&other_township, &hash)
            .expect("check"),
        "another township's laptop may not have it, though it knows the hash"
    );
    assert!(
        !c.lisi
            .may_serve_blob(&same_township, &BlobHash::of(b"unknown"))
            .expect("check")
    );

    let bytes = c.lisi.blobs().get(&hash).expect("get").expect("here");
    c.zhaoliu
        .blobs()
        .put_verified(&hash, &bytes)
        .expect("store");
    assert!(c.zhaoliu.missing_blobs().expect("missing").is_empty());
    assert!(c.zhaoliu.attachments(&number).expect("list")[0].present);
}

#[test]
fn a_withdrawn_attachment_stays_recorded_and_its_bytes_go_at_the_sweep() {
    let c = county();
    let number = c
        .lisi
        .add_case(registration())
        .expect("case")
        .number
        .to_string();
    let kept = c
        .lisi
        .attach(&number, AttachedTo::Case, "keep.jpg", PHOTO, "")
        .expect("attach")
        .attachment;
    let wrong = c
        .lisi
        .attach(
            &number,
            AttachedTo::Case,
            "wrong.jpg",
            b"the wrong photograph",
            "",
        )
        .expect("attach")
        .attachment;
    let withdrawn = c
        .lisi
        .withdraw_attachment(&number, wrong.id, "拍错了")
        .expect("withdraw");
    let w = withdrawn.withdrawn.expect("withdrawal");
    assert_eq!((w.by_name.as_str(), w.reason.as_str()), ("李四", "拍错了"));
    let listed = c.lisi.attachments(&number).expect("list");
    assert_eq!(listed.len(), 2, "a withdrawal is recorded, not a deletion");
    assert!(listed.iter().any(|v| !v.attachment.is_live()));

    // A peer that receives the case never fetches the withdrawn bytes.
    exchange(&c.lisi, &c.zhaoliu);
    let missing: Vec<String> = c
        .zhaoliu
        .missing_blobs()
        .expect("missing")
        .into_iter()
        .map(|(h, _)| h.to_string())
        .collect();
    assert_eq!(missing, vec![kept.hash.clone()]);

    let sweep = c.lisi.sweep_blobs().expect("sweep");
    assert_eq!(sweep.removed, vec![wrong.hash.clone()]);
    let left: Vec<String> = c
        .lisi
        .blobs()
        .list()
        .expect("list")
        .into_iter()
        .map(|(h, _)| h.to_string())
        .collect();
    assert_eq!(left, vec![kept.hash]);
}

#[test]
fn a_field_visit_carries_its_own_attachments_through_later_edits() {
    let c = county();
    let mut visit = FieldVisit {
        id: VisitId::generate(),
        leader: None,
        staff: vec!["李四".into()],
        township: "港口镇".into(),
        village: "西村".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        households: Vec::new(),
        linked_cases: Vec::new(),
        outcome: String::new(),
    };
    c.lisi.put_visit(&visit).expect("visit");
    let a = c
        .lisi
        .attach_to_visit("港口镇", 2026, visit.id, "送达回证.jpg", PHOTO, "签收")
        .expect("attach")
        .attachment;
    // Recording the outcome later (a whole-record update) keeps the attachments.
    visit.outcome = "已当面答复".into();
    c.lisi.put_visit(&visit).expect("outcome");
    let listed = c
        .lisi
        .visit_attachments("港口镇", 2026, visit.id)
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].attachment.id, a.id);
    assert_eq!(
        c.lisi.visits("港口镇", 2026).expect("visits")[0].outcome,
        "已当面答复"
    );
    exchange(&c.lisi, &c.zhaoliu);
    assert_eq!(c.zhaoliu.missing_blobs().expect("missing").len(), 1);
    c.lisi
        .withdraw_visit_attachment("港口镇", 2026, visit.id, a.id, "")
        .expect("withdraw");
    assert!(
        !c.lisi
            .visit_attachments("港口镇", 2026, visit.id)
            .expect("list")[0]
            .attachment
            .is_live()
    );
}
