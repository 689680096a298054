//! The storage format, locked. What the store writes is each record's serde form (the
//! model's, the roster's and the store's own types), so a renamed field, variant or code
//! would make old and new laptops write and read different records. Each stored type has
//! a golden file in `tests/testdata/format/` (a JSON array of samples covering its
//! variants), and each test:
//! - serializes the samples built here and compares the text with the file exactly (a
//!   rename, a new field or a new variant changes the text);
//! - reads the file back into the type and compares with the samples (what old laptops
//!   stored still reads the same);
//! - writes each sample through Automerge and reads it back unchanged (the stored form is
//!   the serde form).
//!
//! A deliberate format change: rewrite the files with
//! `UPDATE_GOLDEN=1 cargo test --workspace --test format`, and review the diff: old
//! documents in the field still hold the old form.
//!
//! Each document kind's id and genesis change are pinned too (`genesis_is_pinned`): a
//! renamed document or container would split old and new copies of one document.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use fengqiao_model::case::{CaseFlags, Content, Petitioner, Source};
use fengqiao_model::{
    Case, CaseEvent, CaseNumber, Channel, ContentType, Device, EventCode, EventKind, FieldVisit,
    IntakeItem, IntakePickup, IntakeSource, Leader, LeaderLevel, Note, OrgUnit, OrganKind,
    PanelKind, Person, Registration, ReplyType, Role, Route, Satisfaction, UnitKind,
};
use fengqiao_paperwork::{DocKind, DocumentRecord, Numbering, PaperEntry, ServiceRecord};
use fengqiao_roster::FeedScope;
use fengqiao_roster::rules::ClockTime;
use fengqiao_roster::state::{
    Change, ChangeCause, Leave, Slot, SlotFacts, SlotKind, SlotState, SlotTime, Swap,
};
use fengqiao_roster::{Booking, Cancellation};
use fengqiao_store::testing::through_automerge;
use fengqiao_store::{
    AccessAction, AccessEntry, Attestation, CALENDAR_FEED, Decided, Dismissal, DocName,
    FeedSubscription, MergeRecord, Resolution, UnmergeRecord,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// A fixed id of any kind: `n` in the last digits of a UUIDv7-shaped literal.
fn id<T: std::str::FromStr>(n: u32) -> T
where
    T::Err: std::fmt::Debug,
{
    format!("0193a5b0-7c00-7000-8000-{n:012}")
        .parse()
        .expect("an id")
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("a time")
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testdata/format")
        .join(format!("{name}.json"))
}

/// Compares `samples` with the golden file `name`: text, reading back, and the stored form.
#[track_caller]
fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(name: &str, samples: &[T]) {
    let text = serde_json::to_string_pretty(samples).expect("serialize") + "\n";
    let path = golden_path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
        std::fs::write(&path, &text).expect("write the golden file");
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; write it with UPDATE_GOLDEN=1 cargo test --workspace --test format",
            path.display()
        )
    });
    assert!(
        golden == text,
        "the stored form of {name} changed: a format change (see this file's header).\n--- golden {}\n{golden}\n--- now\n{text}",
        path.display()
    );
    let read: Vec<T> = serde_json::from_str(&golden).expect("the golden file reads");
    assert_eq!(
        read, samples,
        "{name}: the golden file reads back as the samples"
    );
    for sample in samples {
        let value = serde_json::to_value(sample).expect("to json");
        assert_eq!(
            through_automerge(&value).expect("through automerge"),
            value,
            "{name}: stored form"
        );
    }
}

fn registration(source: Source) -> Registration {
    Registration {
        channel: Channel::Visit,
        source,
        received_on: day("2026-03-02"),
        petitioners: vec![Petitioner {
            name: "张三".into(),
            phone: "13800001111".into(),
            address: "宁国市港口镇西村3组".into(),
            id_number: "342501198001010011".into(),
            agent: "李律师".into(),
            anonymous: false,
        }],
        head_count: 6,
        representatives: vec![Petitioner {
            name: "王五".into(),
            ..Petitioner::default()
        }],
        township: "港口镇".into(),
        village: "西村".into(),
        content: Content {
            request: "请求调处宅基地界址纠纷".into(),
            facts: "邻居建房占用宅基地".into(),
            reasons: "有宅基地证为据".into(),
        },
        content_type: Some(ContentType::ALL[0]),
        route: Some(Route::PetitionRequest),
        route_list_version: "2026-Q1".into(),
        received_by: "港口镇人民政府".into(),
        complaint_type: "land-boundary".into(),
        lead_unit: "自然资源和规划局".into(),
        co_units: vec!["港口镇人民政府".into()],
        handler: "刘文".into(),
        responsible_leader: Some(id(90)),
        first_visit_owner: "陈明".into(),
        flags: CaseFlags {
            group: true,
            skipped_level: false,
            repeat: true,
            first_time: false,
            major_urgent: false,
            supervised: true,
            confidential: false,
        },
    }
}

#[test]
fn case() {
    let case = |n: u32, source: Source| Case {
        id: id(n),
        number: CaseNumber {
            device_code: "GK7Q".into(),
            year: 2026,
            sequence: n,
        },
        registered_at: at("2026-03-02T09:30:00+08:00"),
        registered_by: id(80),
        source_number: String::new(),
        registration: registration(source),
    };
    check(
        "case",
        &[
            case(1, Source::Own),
            case(
                2,
                Source::ForwardedFrom {
                    unit: "宣城市信访局".into(),
                    received_on: day("2026-02-27"),
                },
            ),
            case(
                3,
                Source::AssignedBy {
                    unit: "安徽省信访局".into(),
                    received_on: day("2026-02-26"),
                },
            ),
        ],
    );
}

/// One event of every kind: adding a kind adds a sample here and a golden line.
fn every_event_kind() -> Vec<EventKind> {
    let reply = ReplyType::Explain;
    vec![
        EventKind::Registered,
        EventKind::Routed {
            route: Route::PetitionRequest,
        },
        EventKind::Forwarded {
            unit: "县人社局".into(),
        },
        EventKind::Assigned {
            unit: "港口镇人民政府".into(),
        },
        EventKind::Objected {
            unit: "县人社局".into(),
            reason: "不属本单位职责".into(),
        },
        EventKind::Diverted {
            procedure: "行政复议".into(),
        },
        EventKind::NotAccepted {
            reason: "已进入诉讼程序".into(),
        },
        EventKind::NotReaccepted {
            reason: "同一事实和理由".into(),
        },
        EventKind::Accepted,
        EventKind::FastTrack,
        EventKind::Acknowledged,
        EventKind::Extended {
            days: 30,
            approved_by: "局长".into(),
            reason: "需现场勘测".into(),
        },
        EventKind::Mediated {
            agreement: "双方重新确认界址".into(),
        },
        EventKind::Hearing { days: 2 },
        EventKind::Replied { reply },
        EventKind::ReviewRequested,
        EventKind::ReviewOpinion { reply },
        EventKind::ReReviewRequested,
        EventKind::ReReviewOpinion { reply },
        EventKind::Closed {
            satisfaction: Some(Satisfaction::ALL[0]),
        },
        EventKind::Finalized,
        EventKind::FollowUp {
            outcome: "信访人表示满意".into(),
        },
        EventKind::Evaluated {
            reply_quality: Satisfaction::ALL[0],
            timeliness: Satisfaction::ALL[1],
        },
        EventKind::FollowUpScheduled {
            due: day("2026-04-15"),
        },
        EventKind::HearingSession {
            panel: PanelKind::Hearing,
            days: vec![day("2026-03-20"), day("2026-03-21")],
            members: vec![id(81), id(82)],
            outcome: "维持原处理意见".into(),
            minutes: "听证笔录第1号".into(),
        },
    ]
}

#[test]
fn case_event_of_every_kind() {
    let events: Vec<CaseEvent> = every_event_kind()
        .into_iter()
        .enumerate()
        .map(|(i, kind)| CaseEvent {
            id: id(100 + i as u32),
            kind,
            date: day("2026-03-05"),
            recorded_at: at("2026-03-05T10:00:00+08:00"),
            recorded_by: id(80),
            remark: "宁综信〔2026〕12号".into(),
        })
        .collect();
    let covered: BTreeSet<&str> = events.iter().map(|e| e.kind.code()).collect();
    let known: BTreeSet<&str> = EventCode::ALL.iter().map(|c| c.code()).collect();
    for e in &events {
        let stored = serde_json::to_value(&e.kind).expect("to json");
        assert_eq!(
            stored["kind"],
            e.kind.code(),
            "the stored tag is the event code"
        );
    }
    assert_eq!(covered, known, "every event kind has a golden sample");
    check("case_event", &events);
}

#[test]
fn note() {
    check(
        "note",
        &[Note {
            id: id(200),
            author: id(80),
            author_name: "李四".into(),
            written_at: at("2026-03-03T15:20:00+08:00"),
            text: "已电话联系信访人，约定周五现场查看".into(),
        }],
    );
}

/// A case's `documents` map: an issued document (a correction of an earlier one, with the
/// events it recorded) and a service.
#[test]
fn paper_entry() {
    let issued = DocumentRecord {
        id: id(250),
        case_id: id(1),
        kind: DocKind::AcceptanceNotice,
        number: "宁信告〔2026〕GK7QX-2号".into(),
        numbering: Numbering {
            pattern: "宁信告〔{year}〕{device}-{seq}号".into(),
            year: 2026,
            device: "GK7QX".into(),
            seq: 2,
        },
        version: 2,
        supersedes: Some(id(249)),
        issued_on: day("2026-03-04"),
        issued_at: at("2026-03-04T09:30:00+08:00"),
        issued_by: id(80),
        issued_by_name: "李四".into(),
        device: "GK7QX".into(),
        template: "builtin-1".into(),
        fields: [
            ("case_number", "GK7QX-2026-00001"),
            ("issuer", "港口镇"),
            ("petitioner", "张三"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        fonts: vec!["ab".repeat(32), "cd".repeat(32)],
        typesetter: "fengqiao-paperwork 1".into(),
        sha256: "ef".repeat(32),
        events: vec![id(251), id(252)],
    };
    let served = ServiceRecord {
        id: id(260),
        document: id(250),
        number: "宁信告〔2026〕GK7QX-2号".into(),
        served_on: day("2026-03-05"),
        method: "邮寄送达".into(),
        recorded_at: at("2026-03-06T10:00:00+08:00"),
        recorded_by: id(80),
        events: vec![id(261)],
    };
    check(
        "paper_entry",
        &[
            PaperEntry::Issued(Box::new(issued)),
            PaperEntry::Served(served),
        ],
    );
}

#[test]
fn resolution() {
    check(
        "resolution",
        &[Resolution {
            id: id(210),
            field: "lead_unit".into(),
            chosen: json!("自然资源和规划局"),
            discarded: vec![json!("港口镇人民政府")],
            resolved_by: id(80),
            resolved_by_name: "王五".into(),
            resolved_at: at("2026-03-06T11:00:00+08:00"),
            reason: "界址纠纷由自然资源部门主办".into(),
        }],
    );
}

/// An attachment on each kind of owner, one withdrawn (a case's or a visit's
/// `attachments` map).
#[test]
fn attachment() {
    use fengqiao_model::{AttachedTo, Attachment, Withdrawal};
    let base = Attachment {
        id: id(240),
        on: AttachedTo::Case,
        hash: "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262".into(),
        file_name: "来信.jpg".into(),
        media_type: "image/jpeg".into(),
        size: 482_113,
        caption: "信访人递交的书面材料".into(),
        attached_by: id(80),
        attached_by_name: "李四".into(),
        attached_at: at("2026-03-03T15:20:00+08:00"),
        withdrawn: None,
    };
    check(
        "attachment",
        &[
            base.clone(),
            Attachment {
                id: id(241),
                on: AttachedTo::Event(id(100)),
                ..base.clone()
            },
            Attachment {
                id: id(242),
                on: AttachedTo::Note(id(200)),
                ..base.clone()
            },
            Attachment {
                id: id(243),
                on: AttachedTo::Visit(id(220)),
                withdrawn: Some(Withdrawal {
                    by: id(81),
                    by_name: "王五".into(),
                    at: at("2026-03-04T09:00:00+08:00"),
                    reason: "拍错了".into(),
                }),
                ..base
            },
        ],
    );
}

/// An accusation's part kept apart (`confidential/<year>`, 第三十条第三款).
#[test]
fn confidential_part() {
    check(
        "confidential_part",
        &[fengqiao_store::ConfidentialPart {
            case_id: id(1),
            number: "GK7Q-2026-00042".into(),
            township: "港口镇".into(),
            received_on: day("2026-03-02"),
            petitioners: vec![Petitioner {
                name: "张三".into(),
                phone: "13800000000".into(),
                ..Petitioner::default()
            }],
            representatives: Vec::new(),
            content: Content {
                request: "检举村主任侵占集体土地补偿款".into(),
                facts: "2025年征地补偿款未发放到户".into(),
                reasons: String::new(),
            },
            registered_by_device:
                "8f3c5a0e9b1d2c4f6a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a".into(),
            registered_at: at("2026-03-02T10:00:00+08:00"),
            attachments: Default::default(),
        }],
    );
}

#[test]
fn field_visit() {
    check(
        "field_visit",
        &[FieldVisit {
            id: id(220),
            leader: Some(id(90)),
            staff: vec!["李四".into()],
            township: "港口镇".into(),
            village: "西村".into(),
            date: day("2026-03-10"),
            households: vec![fengqiao_model::Household {
                head: "张三".into(),
                address: "西村3组".into(),
                outcome: "现场确认界址".into(),
            }],
            linked_cases: vec![id(1)],
            outcome: "双方同意重新测量".into(),
        }],
    );
}

#[test]
fn directory_records() {
    check(
        "org_unit",
        &[
            OrgUnit {
                id: id(300),
                name: "港口镇".into(),
                kind: UnitKind::Township,
                parent: Some(id(301)),
                code: "gangkou".into(),
                head: Some(id(81)),
                organ: Some(OrganKind::OtherOrgan),
            },
            OrgUnit {
                id: id(301),
                name: "宁国市信访局".into(),
                kind: UnitKind::Department,
                parent: None,
                code: "xfj".into(),
                head: None,
                organ: Some(OrganKind::PetitionOffice),
            },
            OrgUnit {
                id: id(302),
                name: "西村".into(),
                kind: UnitKind::Village,
                parent: Some(id(300)),
                code: String::new(),
                head: None,
                organ: None,
            },
        ],
    );
    check(
        "person",
        &[Person {
            id: id(81),
            name: "赵六".into(),
            unit: "县信访局".into(),
            title: "科长".into(),
            panels: PanelKind::ALL.to_vec(),
        }],
    );
    check(
        "device",
        &[Device {
            id: "8f3c5a0e9b1d2c4f6a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a".into(),
            name: "港口镇信访办笔记本".into(),
            code: "GK7Q".into(),
            role: Role::Township,
            scope: vec!["港口镇".into()],
            enrolled_at: at("2026-01-05T08:00:00+08:00"),
            revoked: false,
            confidential: false,
        }],
    );
    check(
        "leader",
        &[Leader {
            id: id(90),
            name: "周书记".into(),
            title: "镇党委书记".into(),
            level: LeaderLevel::ALL[LeaderLevel::ALL.len() - 1],
            township: Some("港口镇".into()),
        }],
    );
}

#[test]
fn roster_records() {
    let hm = |s: &str| ClockTime(NaiveTime::parse_from_str(s, "%H:%M").expect("a time"));
    let facts = |leader: u32, state: SlotState| SlotFacts {
        leader: id(leader),
        deputy: None,
        state,
        when: None,
    };
    check(
        "slot",
        &[
            Slot {
                id: id(400),
                rule: "county-weekly".into(),
                position: "w2026-03-02#1".into(),
                kind: SlotKind::Reception,
                date: day("2026-03-04"),
                through: day("2026-03-04"),
                nominal: day("2026-03-04"),
                start: hm("08:30"),
                end: hm("11:30"),
                leader: id(90),
                deputy: Some(id(91)),
                place: "港口镇信访接待室".into(),
                township: Some("港口镇".into()),
                state: SlotState::Published,
                published_at: Some(at("2026-02-20T10:00:00+08:00")),
            },
            Slot {
                id: id(401),
                rule: "on-call".into(),
                position: "m2026-03".into(),
                kind: SlotKind::OnCall,
                date: day("2026-03-01"),
                through: day("2026-03-31"),
                nominal: day("2026-03-01"),
                start: hm("00:00"),
                end: hm("23:59"),
                leader: id(92),
                deputy: None,
                place: String::new(),
                township: None,
                state: SlotState::Draft,
                published_at: None,
            },
        ],
    );
    check(
        "leave",
        &[Leave {
            id: id(410),
            leader: id(90),
            from: day("2026-03-16"),
            to: day("2026-03-18"),
            reported_on: day("2026-03-09"),
            reason: "赴省党校学习".into(),
        }],
    );
    check(
        "swap",
        &[Swap {
            id: id(420),
            first: id(400),
            first_leader: id(90),
            second: id(402),
            second_leader: id(92),
            first_date: day("2026-03-04"),
            on: day("2026-03-01"),
            reason: "出差".into(),
            by: "王五".into(),
        }],
    );
    let change = |n: u32, cause: ChangeCause| Change {
        id: id(n),
        slot: id(400),
        slot_date: day("2026-03-04"),
        on: day("2026-03-01"),
        // Changes recorded before the moment was kept have none.
        at: (n != 432).then(|| at("2026-03-01T09:15:00+08:00")),
        by: "王五".into(),
        reason: "出差".into(),
        cause,
        before: facts(90, SlotState::Published),
        after: SlotFacts {
            deputy: Some(id(91)),
            when: Some(SlotTime {
                date: day("2026-03-05"),
                through: day("2026-03-05"),
                start: hm("14:30"),
                end: hm("17:30"),
                place: "县信访局接待大厅".into(),
            }),
            ..facts(92, SlotState::Published)
        },
    };
    check(
        "change",
        &[
            change(430, ChangeCause::Swap { swap: id(420) }),
            change(431, ChangeCause::Leave { leave: id(410) }),
            change(432, ChangeCause::Delegate),
        ],
    );
    let booking = |n: u32, cancelled: Option<Cancellation>| Booking {
        id: id(n),
        slot: id(400),
        slot_date: day("2026-03-04"),
        petitioner: "张三".into(),
        phone: "13800001111".into(),
        case: Some(id(1)),
        note: "带宅基地证".into(),
        booked_by: "李四".into(),
        booked_on: day("2026-03-02"),
        cancelled,
    };
    check(
        "booking",
        &[
            booking(440, None),
            booking(
                441,
                Some(Cancellation {
                    on: day("2026-03-03"),
                    by: "李四".into(),
                    reason: "信访人另约时间".into(),
                }),
            ),
        ],
    );
}

fn decided() -> Decided {
    Decided {
        by: id(80),
        by_name: "王五".into(),
        device: "8f3c5a0e9b1d2c4f6a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a".into(),
        at: at("2026-03-08T14:00:00+08:00"),
        reason: "同一信访人同一事项".into(),
    }
}

#[test]
fn decisions() {
    check(
        "merge",
        &[MergeRecord {
            id: id(500),
            survivor: id(1),
            survivor_number: "GK7Q-2026-00001".into(),
            absorbed: id(2),
            absorbed_number: "GK7Q-2026-00002".into(),
            decided: decided(),
        }],
    );
    check(
        "unmerge",
        &[UnmergeRecord {
            id: id(510),
            merge: id(500),
            survivor: id(1),
            absorbed: id(2),
            decided: decided(),
        }],
    );
    check(
        "dismissal",
        &[Dismissal {
            id: id(520),
            a: id(1),
            b: id(3),
            a_number: "GK7Q-2026-00001".into(),
            b_number: "GK7Q-2026-00003".into(),
            decided: decided(),
        }],
    );
}

#[test]
fn intake_records() {
    check(
        "intake_item",
        &IntakeSource::ALL
            .iter()
            .enumerate()
            .map(|(i, source)| IntakeItem {
                id: id(600 + i as u32),
                source: *source,
                received_at: at("2026-03-02T08:45:00+08:00"),
                name: "张三".into(),
                phone: "13800001111".into(),
                description: "邻居建房占用我家宅基地".into(),
                guide_type: Some("land-boundary".into()),
                route: Some(Route::PetitionRequest),
                township: Some("港口镇".into()),
                query_code_hash: Some(
                    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                ),
            })
            .collect::<Vec<_>>(),
    );
    check(
        "intake_pickup",
        &[IntakePickup {
            item: id(600),
            case: id(1),
            by: "李四".into(),
            at: at("2026-03-02T09:30:00+08:00"),
        }],
    );
}

#[test]
fn attestation() {
    check(
        "attestation",
        &[Attestation {
            device: "8f3c5a0e9b1d2c4f6a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a".into(),
            document: "cases/gangkou/2026-Q1".into(),
            heads: vec!["3f1e".repeat(16)],
            signed_at: "2026-03-08T18:00:00+08:00".into(),
            signature: "ab".repeat(64),
        }],
    );
}

#[test]
fn access_entry() {
    let entry = |n: u32, action: AccessAction| AccessEntry {
        id: format!("0193a5b0-7c00-7000-8000-{n:012}"),
        action,
        at: at("2026-03-02T01:30:00Z").with_timezone(&chrono::Utc),
        person: id(7),
        person_name: "李四".into(),
        cases: vec!["GK-2026-0012".into()],
        document: String::new(),
        count: None,
        detail: String::new(),
    };
    check(
        "access_entry",
        &[
            entry(1, AccessAction::OpenConfidential),
            AccessEntry {
                count: Some(1250),
                detail: "csv".into(),
                ..entry(2, AccessAction::ExportCases)
            },
            AccessEntry {
                document: "宁信转〔2026〕3号".into(),
                detail: "转送告知书".into(),
                ..entry(3, AccessAction::IssueDocument)
            },
        ],
    );
}

#[test]
fn calendar_feed_subscription() {
    let subscription = |n: u32, scope: FeedScope, revoked: bool| FeedSubscription {
        id: id(n),
        kind: CALENDAR_FEED.into(),
        scope,
        token_sha256: "5e".repeat(32),
        base_url: "https://rili.example.gov.cn/".into(),
        issued_at: at("2026-02-20T10:00:00+08:00"),
        issued_by: "王五".into(),
        revoked_at: revoked.then(|| at("2026-03-01T08:00:00+08:00")),
        revoked_by: if revoked {
            "王五".into()
        } else {
            String::new()
        },
    };
    check(
        "feed_subscription",
        &[
            subscription(700, FeedScope::Leader { leader: id(90) }, false),
            subscription(701, FeedScope::Office, true),
            subscription(
                702,
                FeedScope::Township {
                    township: "港口镇".into(),
                },
                false,
            ),
        ],
    );
}

/// The codes of every closed vocabulary, as records store them.
#[test]
fn vocabularies() {
    fn codes<T: Serialize>(all: &[T]) -> Vec<serde_json::Value> {
        all.iter()
            .map(|t| serde_json::to_value(t).expect("a code"))
            .collect()
    }
    let all: BTreeMap<String, Vec<serde_json::Value>> = [
        ("Channel", codes(Channel::ALL)),
        ("Route", codes(Route::ALL)),
        ("ContentType", codes(ContentType::ALL)),
        ("ReplyType", codes(ReplyType::ALL)),
        ("Satisfaction", codes(Satisfaction::ALL)),
        ("PanelKind", codes(PanelKind::ALL)),
        ("LeaderLevel", codes(LeaderLevel::ALL)),
        ("Role", codes(Role::ALL)),
        ("UnitKind", codes(UnitKind::ALL)),
        ("OrganKind", codes(OrganKind::ALL)),
        ("IntakeSource", codes(IntakeSource::ALL)),
        (
            "SlotState",
            codes(&[
                SlotState::Draft,
                SlotState::Published,
                SlotState::Historic,
                SlotState::Withdrawn,
            ]),
        ),
        ("SlotKind", codes(&[SlotKind::Reception, SlotKind::OnCall])),
        ("DocKind", codes(&DocKind::ALL)),
    ]
    .into_iter()
    .map(|(name, codes)| (name.to_owned(), codes))
    .collect();
    check("vocabularies", &[all]);
}

/// Every document kind's id and genesis change for one county, pinned. Every laptop, on
/// every version, must make the same bytes: a renamed document, a changed namespace or a
/// container added to, removed from or reordered in a genesis splits old and new copies.
#[test]
fn genesis_is_pinned() {
    let county = "宁国市";
    let pinned: &[(&str, &str, &str)] = &[
        // (document, id as hex, genesis change hash)
        (
            "directory",
            "33d16003c35e588991d87181824b498e",
            "1fd712f057efa36cc178fa3594f61e773ba40032ddfe745aa6f24650af8be7e7",
        ),
        (
            "cases/gangkou/2026-Q1",
            "c341af50df575b0cbe8b2c4c1ba57f8d",
            "4bf117788843cee2ebb48370044343c62d6a85ccf66c2f22ac9db527a65dfe9f",
        ),
        (
            "visits/gangkou/2026",
            "0b474e075069520b94cc5ac972ecd73c",
            "0c072c0277d3558346402713f56e5058f964a54027f7c6f85b97cedf2d4795d7",
        ),
        (
            "roster/2026",
            "2b545e62011152d3b4c2d05591f28277",
            "4fad77fec3f3c2dd9d26a415aac03e147d0e46a364555cf25e084b019b6d97c9",
        ),
        (
            "decisions/2026",
            "d3fcb96be6e6517db89c18047a400602",
            "bff46e8cc15e609e60ef3f2051958e0c274083221fd54d8513da2f72af9ef251",
        ),
        (
            "intake/2026",
            "1c35199c20245f3a9bb0c980347802f7",
            "f99ebb7715113a8dee489450d50296f04b4bbe7b8096323af8acdc52ad10f132",
        ),
        (
            "devices/8f3c5a0e9b1d2c4f6a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a",
            "e53e155228dc591aa22bc9b59723f56c",
            "c734641d6b2ccc241ec4200872a0f96989187b4bf977162d61a24010753dd73b",
        ),
        (
            "access/8f3c5a0e9b1d2c4f6a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a",
            "d6935b41b08e5a0c87b868660bd9e97e",
            "5f29b0b4e2c5f611ddb3bcf18b7b4767ef54292ff8c737aa0be006c4f46aa9fc",
        ),
        (
            "confidential/2026",
            "c2f2a1b8c7865d4f942177bbb9082f4b",
            "085653152f539efe6cbec7895893d66e2fc9d84d19b1263910688ed5378ba970",
        ),
    ];
    let mut now = Vec::new();
    for (name, _, _) in pinned {
        let doc: DocName = name.parse().expect("a document name");
        let id: String = doc
            .document_id(county)
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let genesis = doc.genesis(county).expect("genesis").hash().to_string();
        now.push((doc, id, genesis));
    }
    let listing: String = now
        .iter()
        .map(|(n, i, g)| format!("        (\"{n}\", \"{i}\", \"{g}\"),\n"))
        .collect();
    for ((name, id, genesis), (_, want_id, want_genesis)) in now.iter().zip(pinned) {
        assert_eq!(
            (id.as_str(), genesis.as_str()),
            (*want_id, *want_genesis),
            "{name}: the document's id or genesis changed; now:\n{listing}"
        );
    }
    // Every kind of document is pinned: a new kind fails to compile in `kind` until it is
    // named there, and then this until it has a row above.
    fn kind(doc: &DocName) -> &'static str {
        match doc {
            DocName::Directory => "directory",
            DocName::Cases { .. } => "cases",
            DocName::Visits { .. } => "visits",
            DocName::Roster { .. } => "roster",
            DocName::Decisions { .. } => "decisions",
            DocName::Intake { .. } => "intake",
            DocName::Device { .. } => "device",
            DocName::AccessTrail { .. } => "access",
            DocName::Confidential { .. } => "confidential",
        }
    }
    let pinned_kinds: BTreeSet<&str> = now.iter().map(|(doc, _, _)| kind(doc)).collect();
    let every_kind: BTreeSet<&str> = [
        "directory",
        "cases",
        "visits",
        "roster",
        "decisions",
        "intake",
        "device",
        "access",
        "confidential",
    ]
    .into();
    assert_eq!(pinned_kinds, every_kind);
}
