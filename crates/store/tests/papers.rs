//! The statutory paperwork issued from cases: every kind from a prepared case, read back
//! as text with poppler's `pdftotext` (the fonts embedded, per `pdffonts`); re-rendering
//! byte for byte; the lifecycle events and clocks issuing and serving record; what the law
//! as the directory records it changes (a 信访部门 or another organ, items sent to the
//! 纪检监察机关 or 政法部门, who issues); refusals naming each missing field; numbers that
//! never repeat, across laptops and restores.
//!
//! Needs poppler-utils (`pdftotext`, `pdffonts`); `scripts/test` installs it.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::NaiveDate;
use fengqiao_model::{EventKind, ReplyType, Role, Route, Source};
use fengqiao_paperwork::{DocKind, Fields, PaperError, zh_date};
use fengqiao_rules::{ClockId, ClockState, DueThresholds, case_clocks};
use fengqiao_store::{IssueRequest, Issued, Store, StoreError};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

fn inputs(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn issue(store: &Store, case: &str, kind: DocKind, on: u32, pairs: &[(&str, &str)]) -> Issued {
    store
        .issue_document(
            case,
            IssueRequest {
                kind,
                date: Some(day(on)),
                inputs: inputs(pairs),
                corrects: None,
            },
        )
        .unwrap_or_else(|e| panic!("issue {kind:?}: {e}"))
}

fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> String {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) must be installed: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pdf)
        .expect("write pdf");
    let out = child.wait_with_output().expect("run");
    assert!(out.status.success(), "{tool} failed");
    String::from_utf8(out.stdout).expect("utf-8")
}

fn pdf_text(pdf: &[u8]) -> String {
    poppler("pdftotext", pdf, &["-", "-"])
}

/// `pdffonts` reads a file, not stdin.
fn pdf_fonts(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = Command::new("pdffonts")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("pdffonts (poppler-utils) must be installed: {e}"));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The document reads back: the petitioner, the case number, its own number and date on
/// a line each as typeset (values are never split across lines), the article in the text
/// as a search sees it (lines joined); every font embedded and subset.
fn assert_reads_back(issued: &Issued, petitioner: &str, case_number: &str) {
    let kind = issued.document.kind;
    let text = pdf_text(&issued.pdf);
    let lines: Vec<&str> = text.lines().collect();
    let on_a_line = |needle: &str| lines.iter().any(|l| l.contains(needle));
    for needle in [
        petitioner,
        case_number,
        issued.document.number.as_str(),
        &zh_date(issued.document.issued_on),
    ] {
        assert!(
            on_a_line(needle),
            "{kind:?}: “{needle}” not found in:\n{text}"
        );
    }
    let joined: String = text.split_whitespace().collect();
    // A letter cites what its sender and its matter call for (第二十二条 for a 信访部门,
    // 第二十三条第一款 for another organ), which the store filled in.
    let article = match kind {
        DocKind::ForwardingLetter => issued
            .document
            .fields
            .get("forward_basis")
            .cloned()
            .unwrap_or_default(),
        _ => kind.article().to_owned(),
    };
    assert!(
        !article.is_empty() && joined.contains(&article),
        "{kind:?}: {article} not found in:\n{text}"
    );
    let fonts = pdf_fonts(&issued.pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{kind:?}: no fonts listed:\n{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... encoding emb sub uni object-id gen: emb/sub/uni are the 5th–3rd from the end.
        let n = cols.len();
        assert!(n >= 6, "{row}");
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "{kind:?}: font not embedded, subset and mapped: {row}"
        );
    }
}

/// The case's clocks as every replica computes them: with the directory's unit kinds.
fn clocks(store: &Store, case: &str) -> fengqiao_rules::CaseClocks {
    let record = store.case(case).expect("case");
    case_clocks(
        &store
            .law_context()
            .expect("law")
            .facts(&record.case.registration),
        &record.events,
        &store.holiday_calendar().expect("calendar"),
        day(30),
        &DueThresholds::default(),
    )
}

/// The county office's laptop: what it registers is received by 宁国市信访局, a 信访部门.
fn office() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = common::init(dir.path(), "王五", Role::Office, None);
    (dir, store)
}

/// 港口镇's laptop, enrolled by the office: what it registers is received by 港口镇, another
/// organ (第二十三条). Returns the office too, whose directory it shares.
fn township() -> (Vec<tempfile::TempDir>, Store, Store) {
    let (dir_a, a, dir_b, b) = common::pair();
    (vec![dir_a, dir_b], a, b)
}

/// The issuing organ as typeset (the red header and the signature).
fn issuer_of(issued: &Issued) -> &str {
    issued
        .document
        .fields
        .get("issuer")
        .map(String::as_str)
        .unwrap_or_default()
}

fn petition_case(store: &Store) -> String {
    let mut reg = common::registration();
    reg.route = Some(Route::PetitionRequest);
    reg.lead_unit = "宁国市自然资源和规划局".into();
    store.add_case(reg).expect("add").number.to_string()
}

#[test]
fn every_kind_is_issued_from_a_case_and_reads_back() {
    let (_dirs, store, office) = township();
    let mut seen = Vec::new();
    let mut check = |issued: Issued, case: &str| {
        assert_reads_back(&issued, "张三", case);
        seen.push(issued.document.kind);
        issued
    };

    // Intake at the county's 信访部门: the form, a letter, a refusal, a notice for an item
    // the city's 信访局 forwarded to it.
    let store_of_intake = &office;
    let a = petition_case(store_of_intake);
    check(
        issue(store_of_intake, &a, DocKind::RegistrationForm, 2, &[]),
        &a,
    );
    let letter = check(
        issue(
            store_of_intake,
            &a,
            DocKind::ForwardingLetter,
            3,
            &[("mode", "交办")],
        ),
        &a,
    );
    let text: String = pdf_text(&letter.pdf).split_whitespace().collect();
    assert!(
        text.contains("第二十二条第一款") && text.contains("办结报告"),
        "a 信访部门's 交办函: {text}"
    );
    assert_eq!(issuer_of(&letter), "宁国市信访局");
    let c = petition_case(store_of_intake);
    check(
        issue(
            store_of_intake,
            &c,
            DocKind::NonAcceptanceNotice,
            4,
            &[
                ("reason", "该事项已经人民法院生效判决处理"),
                ("redirect", "依法向宣城市中级人民法院申请再审"),
            ],
        ),
        &c,
    );
    let mut reg = common::registration();
    reg.source = Source::ForwardedFrom {
        unit: "宣城市信访局".into(),
        received_on: day(2),
    };
    reg.route = Some(Route::PetitionRequest);
    let d = store_of_intake
        .add_case(reg)
        .expect("add")
        .number
        .to_string();
    check(
        issue(store_of_intake, &d, DocKind::ReceiptNotice, 5, &[]),
        &d,
    );

    // Handling at the township, which received the item directly: accepted, extended,
    // mediated, answered, reviewed, re-reviewed, final.
    let b = petition_case(&store);
    let notice = check(issue(&store, &b, DocKind::AcceptanceNotice, 3, &[]), &b);
    assert_eq!(issuer_of(&notice), "港口镇", "the organ that received it");
    let text: String = pdf_text(&notice.pdf).split_whitespace().collect();
    assert!(
        text.contains("第二十三条第一款、第二款") && text.contains("60日内办结"),
        "the notice tells the handling path: {text}"
    );
    check(
        issue(
            &store,
            &b,
            DocKind::ExtensionNotice,
            6,
            &[
                ("reason", "需要委托测绘机构重新勘测界址"),
                ("days", "30"),
                ("approved_by", "刘局长"),
            ],
        ),
        &b,
    );
    check(
        issue(
            &store,
            &b,
            DocKind::MediationAgreement,
            7,
            &[
                ("other_party", "李四"),
                ("terms", "李四于十二月底前拆除越界部分围墙"),
            ],
        ),
        &b,
    );
    let opinion = check(
        issue(
            &store,
            &b,
            DocKind::HandlingOpinion,
            8,
            &[
                ("reply", "解释说明"),
                ("findings", "双方宅基地界址以2015年确权图为准"),
                ("basis", "《中华人民共和国土地管理法》第十四条"),
                ("review_body", "宣城市人民政府"),
            ],
        ),
        &b,
    );
    check(
        issue(
            &store,
            &b,
            DocKind::ServiceReceipt,
            9,
            &[("served_number", &opinion.document.number)],
        ),
        &b,
    );
    assert_eq!(
        issuer_of(&opinion),
        "宁国市自然资源和规划局",
        "the responsible unit answers (第三十一条第（六）项)"
    );
    store
        .serve_document(&opinion.document.number, day(9), "直接送达")
        .expect("serve");
    store
        .add_event(&b, EventKind::ReviewRequested, day(12), "")
        .expect("review requested");
    let review = check(
        issue(
            &store,
            &b,
            DocKind::ReviewOpinion,
            14,
            &[
                ("reply", "不予支持"),
                ("findings", "原处理意见认定事实清楚"),
                ("basis", "《信访工作条例》第三十五条"),
                ("re_review_body", "安徽省人民政府"),
            ],
        ),
        &b,
    );
    assert_eq!(
        issuer_of(&review),
        "宣城市人民政府",
        "the body the opinion named reviews (第三十五条)"
    );
    store
        .serve_document(&review.document.number, day(15), "邮寄送达")
        .expect("serve");
    store
        .add_event(&b, EventKind::ReReviewRequested, day(16), "")
        .expect("re-review requested");
    let final_opinion = check(
        issue(
            &store,
            &b,
            DocKind::ReReviewOpinion,
            18,
            &[
                ("reply", "不予支持"),
                ("findings", "复查意见认定事实清楚"),
                ("basis", "《信访工作条例》第三十六条"),
            ],
        ),
        &b,
    );
    assert_eq!(issuer_of(&final_opinion), "安徽省人民政府");
    store
        .serve_document(&final_opinion.document.number, day(19), "")
        .expect("serve");
    check(
        issue(
            &store,
            &b,
            DocKind::FinalityNotice,
            20,
            &[(
                "reason",
                "你于2026年11月20日以同一事实和理由再次提出投诉请求",
            )],
        ),
        &b,
    );

    seen.sort();
    assert_eq!(seen, DocKind::ALL.to_vec(), "every kind issued once");
    let status = store.case(&b).expect("case").status;
    assert_eq!(
        status.code(),
        "not-accepted",
        "不再受理 leaves the case not accepted again"
    );
    assert_eq!(store.case_papers(&b).expect("papers").len(), 8);
}

#[test]
fn a_stored_document_renders_again_byte_for_byte_and_a_changed_font_is_detected() {
    let (dir, store) = office();
    let case = petition_case(&store);
    let issued = issue(&store, &case, DocKind::ForwardingLetter, 3, &[]);
    let again = store
        .render_document(&issued.document.number)
        .expect("render");
    assert_eq!(again.pdf, issued.pdf);
    assert_eq!(
        fengqiao_paperwork::sha256_hex(&again.pdf),
        issued.document.sha256
    );

    // A county points to its own body font; a document issued with it, then the file
    // replaced on this laptop: the re-render is refused, naming the hashes.
    let fonts = dir.path().join("fonts");
    std::fs::create_dir_all(&fonts).expect("fonts dir");
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/../paperwork/fonts/");
    std::fs::copy(
        format!("{bundled}FengqiaoSerif-GBK.otf"),
        fonts.join("仿宋.otf"),
    )
    .expect("copy");
    let text = fengqiao_paperwork::Templates::builtin()
        .text
        .replace("version = 1", "version = 2")
        .replace("\nbody = \"\"\n", "\nbody = \"仿宋.otf\"\n");
    store.put_paper_templates(&text).expect("templates");
    let other = petition_case(&store);
    let issued = issue(&store, &other, DocKind::RegistrationForm, 3, &[]);
    assert!(issued.document.template.starts_with("county-2-"));
    assert_eq!(
        store
            .render_document(&issued.document.number)
            .expect("same font")
            .pdf,
        issued.pdf
    );
    std::fs::copy(
        format!("{bundled}FengqiaoSerifBold-GB2312.otf"),
        fonts.join("仿宋.otf"),
    )
    .expect("copy");
    let err = store.render_document(&issued.document.number).unwrap_err();
    assert!(matches!(err, StoreError::DocumentChanged { .. }), "{err}");
    assert!(err.to_string().contains(&issued.document.sha256), "{err}");
}

#[test]
fn issuing_and_serving_record_the_lifecycle_and_move_the_clocks() {
    let (_dirs, store, office) = township();
    // Received directly by 港口镇, another organ: the 受理告知书 accepts the item and meets
    // T2 (第二十三条第二款) on its date.
    let own = petition_case(&store);
    assert!(matches!(
        clocks(&store, &own).get(ClockId::T2).map(|r| r.state),
        Some(ClockState::Running(_))
    ));
    let notice = issue(&store, &own, DocKind::AcceptanceNotice, 5, &[]);
    let record = store.case(&own).expect("case");
    let kinds: Vec<&str> = record.events.iter().map(|e| e.kind.code()).collect();
    assert_eq!(kinds, ["registered", "accepted", "acknowledged"]);
    assert!(
        record.events[1..]
            .iter()
            .all(|e| e.date == day(5) && e.remark == notice.document.number)
    );
    assert_eq!(notice.document.events.len(), 2);
    assert!(matches!(
        clocks(&store, &own).get(ClockId::T2).map(|r| r.state),
        Some(ClockState::Met { on, on_time: true }) if on == day(5)
    ));
    // Assigned to 港口镇 by the city's 信访局: the 接收情况及处理途径告知书 accepts it and
    // meets T3 (第二十三条第三款); T5 runs from it.
    let mut reg = common::registration();
    reg.route = Some(Route::PetitionRequest);
    reg.source = Source::AssignedBy {
        unit: "宣城市信访局".into(),
        received_on: day(3),
    };
    let assigned = store.add_case(reg).expect("add").number.to_string();
    let receipt = issue(&store, &assigned, DocKind::ReceiptNotice, 6, &[]);
    let text: String = pdf_text(&receipt.pdf).split_whitespace().collect();
    assert!(text.contains("宣城市信访局交办本机关"), "{text}");
    let clocks_now = clocks(&store, &assigned);
    assert!(matches!(
        clocks_now.get(ClockId::T3).map(|r| r.state),
        Some(ClockState::Met { on, .. }) if on == day(6)
    ));
    assert_eq!(
        clocks_now.get(ClockId::T5).map(|r| r.deadline.start),
        Some(day(6))
    );

    // An opinion records its reply only when served; T7 then runs from the service date.
    let opinion = issue(
        &store,
        &own,
        DocKind::HandlingOpinion,
        10,
        &[
            ("reply", "支持"),
            ("findings", "情况属实"),
            ("basis", "《中华人民共和国土地管理法》第十四条"),
            ("review_body", "宣城市人民政府"),
        ],
    );
    assert!(opinion.events.is_empty());
    assert!(
        clocks(&store, &own).get(ClockId::T7).is_none(),
        "no T7 before service"
    );
    let served = store
        .serve_document(&opinion.document.number, day(13), "直接送达")
        .expect("serve");
    let record = store.case(&own).expect("case");
    let reply = record.events.last().expect("event");
    assert_eq!(
        reply.kind,
        EventKind::Replied {
            reply: ReplyType::Support
        }
    );
    assert_eq!(reply.date, day(13));
    assert_eq!(served.events, vec![reply.id]);
    let t7 = clocks(&store, &own);
    let t7 = t7.get(ClockId::T7).expect("T7 runs");
    assert_eq!(t7.deadline.start, day(13));
    assert_eq!(
        t7.deadline.due,
        NaiveDate::from_ymd_opt(2026, 12, 14).expect("date"),
        "30 days from 11-13 is Sun 12-13, rolled to Monday"
    );
    // Served once.
    let again = store
        .serve_document(&opinion.document.number, day(14), "")
        .unwrap_err();
    assert!(
        again.to_string().contains("已于 2026-11-13 送达"),
        "{again}"
    );

    // A correction is a new version; the old record stays, and no event is repeated.
    let fixed = store
        .issue_document(
            &own,
            IssueRequest {
                kind: DocKind::AcceptanceNotice,
                date: Some(day(6)),
                inputs: Fields::new(),
                corrects: Some(notice.document.number.clone()),
            },
        )
        .expect("correct");
    assert_eq!(fixed.document.version, 2);
    assert_eq!(fixed.document.supersedes, Some(notice.document.id));
    assert!(fixed.events.is_empty());
    let papers = store.case_papers(&own).expect("papers");
    let old = papers
        .iter()
        .find(|d| d.record.id == notice.document.id)
        .expect("old kept");
    assert_eq!(
        old.superseded_by.as_deref(),
        Some(fixed.document.number.as_str())
    );

    // At the county's 信访部门 T2 does not run (T1 does: 第二十二条第一款), and the
    // 受理告知书 is not its to give: the 转送函 meets T1.
    let at_office = petition_case(&office);
    assert!(clocks(&office, &at_office).get(ClockId::T2).is_none());
    let err = office
        .issue_document(
            &at_office,
            IssueRequest {
                kind: DocKind::AcceptanceNotice,
                date: Some(day(4)),
                inputs: Fields::new(),
                corrects: None,
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::DocumentRefused { .. })
            && err.to_string().contains("第二十二条第一款"),
        "{err}"
    );
    issue(&office, &at_office, DocKind::ForwardingLetter, 4, &[]);
    assert!(matches!(
        clocks(&office, &at_office).get(ClockId::T1).map(|r| r.state),
        Some(ClockState::Met { on, .. }) if on == day(4)
    ));
}

#[test]
fn letters_to_discipline_and_legal_organs_and_from_a_township_follow_their_articles() {
    let (_dirs, township, office) = township();
    let letter_text = |store: &Store, route: Route| {
        let mut reg = common::registration();
        reg.route = Some(route);
        reg.lead_unit = "宁国市纪委监委".into();
        let case = store.add_case(reg).expect("add").number.to_string();
        let letter = issue(store, &case, DocKind::ForwardingLetter, 4, &[]);
        assert_reads_back(&letter, "张三", &case);
        pdf_text(&letter.pdf).split_whitespace().collect::<String>()
    };
    // To the 纪检监察机关 and the 政法部门: no 15-day notice or 5-day objection is asked
    // of them; their notice follows their own rules (第二十三条第四款).
    for route in [Route::DisciplineReport, Route::LitigationRelated] {
        let text = letter_text(&office, route);
        assert!(text.contains("第二十二条第二款"), "{route:?}: {text}");
        assert!(text.contains("第二十三条第四款"), "{route:?}: {text}");
        assert!(!text.contains("15日内书面告知"), "{route:?}: {text}");
    }
    assert!(letter_text(&office, Route::DisciplineReport).contains("第三十条第三款"));
    // Another organ forwards within its own system under 第二十三条第一款, and asks for
    // the receiving unit's notice (第二十三条第三款).
    let text = letter_text(&township, Route::PetitionRequest);
    assert!(
        text.contains("第二十三条第一款、第三款") && text.contains("15日内书面告知"),
        "{text}"
    );
    assert!(!text.contains("第二十二条"), "{text}");
}

#[test]
fn the_law_s_order_holds_for_documents_and_a_refusal_takes_no_number() {
    let (_dirs, store, _office) = township();
    let case = petition_case(&store);
    issue(&store, &case, DocKind::AcceptanceNotice, 3, &[]);
    let extend = |days: &str, on: u32| {
        store.issue_document(
            &case,
            IssueRequest {
                kind: DocKind::ExtensionNotice,
                date: Some(day(on)),
                inputs: inputs(&[
                    ("reason", "需要鉴定"),
                    ("days", days),
                    ("approved_by", "刘局长"),
                ]),
                corrects: None,
            },
        )
    };
    let first = extend("20", 5).expect("20 days");
    // 第三十四条: "延长期限不得超过30日" in all.
    let err = extend("20", 6).unwrap_err();
    assert!(
        matches!(err, StoreError::Lifecycle(_)) && err.to_string().contains("不得超过30日"),
        "{err}"
    );
    let second = extend("10", 6).expect("10 more days");
    assert_eq!(
        second.document.numbering.seq,
        first.document.numbering.seq + 1,
        "the refusal took no number"
    );

    // No 信访处理意见书 for an item diverted to another procedure (第三十一条第（一）项).
    let mut reg = common::registration();
    reg.route = Some(Route::LitigationRelated);
    let diverted = store.add_case(reg).expect("add").number.to_string();
    let notice = issue(&store, &diverted, DocKind::AcceptanceNotice, 3, &[]);
    let text: String = pdf_text(&notice.pdf).split_whitespace().collect();
    assert!(text.contains("第三十一条第（一）项"), "{text}");
    let err = store
        .issue_document(
            &diverted,
            IssueRequest {
                kind: DocKind::HandlingOpinion,
                date: Some(day(5)),
                inputs: Fields::new(),
                corrects: None,
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::DocumentRefused { .. })
            && err.to_string().contains("第三十一条第（六）项"),
        "{err}"
    );
}

#[test]
fn refusals_name_each_missing_field_and_the_state_that_forbids() {
    let (_dirs, store, _office) = township();
    let case = store
        .add_case(common::registration())
        .expect("add")
        .number
        .to_string();
    let missing = |kind: DocKind, pairs: &[(&str, &str)]| -> Vec<String> {
        let err = store
            .issue_document(
                &case,
                IssueRequest {
                    kind,
                    date: Some(day(4)),
                    inputs: inputs(pairs),
                    corrects: None,
                },
            )
            .unwrap_err();
        match err {
            StoreError::Paper(PaperError::Missing { missing, .. }) => {
                missing.into_iter().map(|m| m.key).collect()
            }
            other => panic!("{kind:?}: {other}"),
        }
    };
    assert_eq!(
        missing(DocKind::NonAcceptanceNotice, &[]),
        ["reason", "redirect"]
    );
    assert_eq!(
        missing(DocKind::NonAcceptanceNotice, &[("redirect", "向法院起诉")]),
        ["reason"]
    );
    // No responsible unit on the case, so the letter has no addressee.
    assert_eq!(missing(DocKind::ForwardingLetter, &[]), ["receiving_unit"]);
    let err = store
        .issue_document(
            &case,
            IssueRequest {
                kind: DocKind::NonAcceptanceNotice,
                date: Some(day(4)),
                inputs: Fields::new(),
                corrects: None,
            },
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("不予受理的理由（reason）") && err.contains("redirect"),
        "{err}"
    );

    // No route yet, so nothing says how the item will be handled.
    assert_eq!(missing(DocKind::AcceptanceNotice, &[]), ["handling_path"]);
    store.set_field(&case, "route", "信访诉求").expect("route");
    issue(&store, &case, DocKind::AcceptanceNotice, 4, &[]);
    let opinion = missing(DocKind::HandlingOpinion, &[("findings", "属实")]);
    assert_eq!(opinion, ["reply", "basis", "review_body"]);
    // A reply type outside 第三十二条's three is refused by name.
    let err = store
        .issue_document(
            &case,
            IssueRequest {
                kind: DocKind::HandlingOpinion,
                date: Some(day(5)),
                inputs: inputs(&[("reply", "部分支持")]),
                corrects: None,
            },
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("reply") && err.contains("部分支持"), "{err}");
    // The state: no review opinion before a review was asked for; no second notice.
    for kind in [
        DocKind::ReviewOpinion,
        DocKind::AcceptanceNotice,
        DocKind::NonAcceptanceNotice,
    ] {
        let err = store
            .issue_document(
                &case,
                IssueRequest {
                    kind,
                    date: Some(day(5)),
                    inputs: Fields::new(),
                    corrects: None,
                },
            )
            .unwrap_err();
        assert!(
            matches!(err, StoreError::DocumentRefused { .. }),
            "{kind:?}: {err}"
        );
    }
    let offers = store.document_offers(&case).expect("offers");
    let allowed: Vec<DocKind> = offers
        .iter()
        .filter(|o| o.refused.is_none())
        .map(|o| o.kind)
        .collect();
    assert!(
        allowed.contains(&DocKind::HandlingOpinion) && !allowed.contains(&DocKind::ReviewOpinion)
    );
}

#[test]
fn two_laptops_issuing_offline_get_different_numbers_and_both_documents_are_kept() {
    let (_da, a, _db, b) = common::pair();
    // A case registered now has its documents map from registration; a case imported (or
    // registered before documents existed) has none, and the first document on each
    // laptop creates one: both maps are read.
    let registered = a
        .add_case(common::registration())
        .expect("add")
        .number
        .to_string();
    let imported = a
        .import_cases(
            vec![fengqiao_store::ImportedCase::new(
                common::registration(),
                fengqiao_store::now_cst(),
            )],
            |_| {},
        )
        .expect("import")[0]
        .to_string();
    common::sync(&a, &b);
    for case in [&registered, &imported] {
        // Offline, each prints the registration form of the same case.
        let on_a = issue(&a, case, DocKind::RegistrationForm, 3, &[]);
        let on_b = issue(&b, case, DocKind::RegistrationForm, 3, &[]);
        assert_ne!(on_a.document.number, on_b.document.number);
        assert_eq!(on_a.document.numbering.seq, on_b.document.numbering.seq);
        common::sync(&a, &b);
        for store in [&a, &b] {
            let mut numbers: Vec<String> = store
                .case_papers(case)
                .expect("papers")
                .into_iter()
                .map(|d| d.record.number)
                .collect();
            numbers.sort();
            let mut expected = vec![on_a.document.number.clone(), on_b.document.number.clone()];
            expected.sort();
            assert_eq!(numbers, expected, "{case}");
            // Either laptop re-renders either document byte for byte.
            for issued in [&on_a, &on_b] {
                assert_eq!(
                    store
                        .render_document(&issued.document.number)
                        .expect("render")
                        .pdf,
                    issued.pdf
                );
            }
        }
    }
    // The concurrently created maps are not a field conflict for a clerk.
    assert!(a.conflicts().expect("conflicts").is_empty());
}

#[test]
fn a_lost_counter_does_not_hand_out_a_number_again() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = common::init(dir.path(), "王五", Role::Office, None);
    let case = petition_case(&store);
    let first = issue(&store, &case, DocKind::RegistrationForm, 3, &[]);
    store.close();
    // The counters go (a restore from an old backup): the documents remember.
    std::fs::remove_dir_all(dir.path().join("sequences")).expect("remove");
    std::fs::create_dir_all(dir.path().join("sequences")).expect("recreate");
    let store = Store::open(dir.path()).expect("open");
    let other = petition_case(&store);
    let second = issue(&store, &other, DocKind::RegistrationForm, 3, &[]);
    assert_ne!(first.document.number, second.document.number);
    assert!(second.document.numbering.seq > first.document.numbering.seq);
}

#[test]
fn a_newer_versions_document_is_shown_and_its_number_is_never_handed_out() {
    let (_dirs, store, _office) = township();
    let case = store.add_case(common::registration()).expect("add");
    let number = case.number.to_string();
    let form = issue(&store, &number, DocKind::RegistrationForm, 3, &[]);
    // A newer version issued a kind this one does not know, numbered in the same series
    // on this device (a restored laptop, say): stored in the case's documents map.
    let mut future = serde_json::to_value(&form.document).expect("json");
    let future_id = "0193a5b0-7c00-7000-8000-0000000009f1";
    future["id"] = future_id.into();
    future["kind"] = "summons-notice".into();
    future["number"] = format!("信登〔2026〕{}-7号", form.document.device).into();
    future["numbering"]["seq"] = 7.into();
    future["record"] = "issued".into();
    let document: fengqiao_store::DocName = store
        .case(&number)
        .expect("case")
        .document
        .parse()
        .expect("doc");
    fengqiao_store::testing::write_as_peer(
        &store,
        &document,
        &["cases", &case.id.to_string(), "documents", future_id],
        &future,
    )
    .expect("plant");

    // The case page names it rather than dropping it; the readable document stays.
    let record = store.case(&number).expect("case");
    let unreadable: Vec<_> = record
        .unreadable
        .iter()
        .filter(|u| u.collection == "documents")
        .collect();
    assert_eq!(unreadable.len(), 1, "{:?}", record.unreadable);
    assert_eq!(unreadable[0].id, future_id);
    assert_eq!(unreadable[0].why, fengqiao_store::Unreadable::NewerVersion);
    assert!(
        unreadable[0].zh().starts_with("文书 "),
        "{}",
        unreadable[0].zh()
    );
    assert_eq!(store.case_papers(&number).expect("papers").len(), 1);
    // Its number still counts: the next one of the series is above it.
    let other = petition_case(&store);
    let next = issue(&store, &other, DocKind::RegistrationForm, 4, &[]);
    assert_eq!(next.document.numbering.seq, 8);
}
