//! The real app, headless: `egui_kittest` drives `FengqiaoApp` (its store thread on a real
//! data directory) with the bundled font installed and missing glyphs a failure (kittest's
//! default). Each step waits for the store thread the way a user would: by watching the UI.

mod common;

use common::app::*;
use common::{click_button, type_into};
use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;
use fengqiao_app::live::IrohSync;
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::EnrolmentState;
use fengqiao_store::{InitOptions, Store};

#[test]
fn register_find_record_event_switch_language_and_open_the_roster_week() {
    let dir = tempfile::tempdir().unwrap();
    fengqiao_app::backend::create_demo_county(dir.path(), 40)
        .unwrap()
        .close();
    let mut h = harness(dir.path());
    opened(&mut h);

    // Register: first with the form empty, which the model's validation refuses, field by field.
    click_button(&mut h, "登记");
    h.get_by_label("登记信访事项");
    click_button(&mut h, "提交登记");
    assert!(
        !h.state().state.register.errors.is_empty(),
        "an empty form is refused"
    );
    // Under 乡镇, 信访人姓名 and 诉求, each in its row.
    assert_eq!(h.query_all_by_label_contains("必填项不能为空").count(), 3);
    assert!(
        h.state().state.status.is_none(),
        "nothing was sent to the store"
    );

    // Fill it in: township from the directory, a name with a GBK-only character, a request.
    choose(&mut h, "乡镇", "港口镇");
    assert_eq!(h.state().state.register.township, "港口镇");
    type_into(&mut h, "信访人姓名", "汪堃");
    type_into(&mut h, "诉求", "反映邻居建房占用宅基地");
    click_button(&mut h, "提交登记");
    assert!(h.state().state.register.errors.is_empty());
    wait_for(&mut h, "the registration", |a| {
        status(a).starts_with("已登记")
    });
    let number = status(h.state())
        .trim_start_matches("已登记，编号 ")
        .to_owned();

    // Find it in the list by searching for the petitioner.
    click_button(&mut h, "信访事项");
    type_into(&mut h, "搜索", "汪堃");
    wait_for(&mut h, "the new case in the list", |a| {
        a.state.cases.shown.len() == 1
    });
    h.get_by_label(&number).click();
    wait_for(&mut h, "the case page", |a| {
        a.state.case_page.page.is_some()
    });
    h.get_by_label_contains("反映邻居建房占用宅基地");
    let before = h.state().state.case_page.page.clone().unwrap().clocks;

    // Record 分流 (the form's default) and see the routing clock met, with its article.
    click_button(&mut h, "记录办理环节");
    wait_for(&mut h, "the event", |a| {
        a.state
            .case_page
            .page
            .as_ref()
            .is_some_and(|p| p.record.events.len() == 2)
    });
    h.get_by_label_contains("分流：矛盾纠纷");
    assert_shown(&h, "T1 登记并转送交办");
    assert_shown(&h, "《信访工作条例》第二十二条第一款");

    // Forward it (转送, which T1 waits for): T1 is met and the next clocks run.
    choose(&mut h, "环节", "转送");
    assert_eq!(
        h.state().state.case_page.event,
        fengqiao_app::state::EventChoice::Forwarded
    );
    type_into(&mut h, "单位", "港口镇司法所");
    click_button(&mut h, "记录办理环节");
    wait_for(&mut h, "the forwarding", |a| {
        a.state
            .case_page
            .page
            .as_ref()
            .is_some_and(|p| p.record.events.len() == 3)
    });
    assert_shown(&h, "转送：港口镇司法所");
    let after = h.state().state.case_page.page.clone().unwrap().clocks;
    assert_ne!(before, after, "forwarding changes the clocks");
    let t1 = after.iter().find(|c| c.name.starts_with("T1")).unwrap();
    assert!(!t1.running && t1.state.contains("完成"), "{t1:?}");
    for clock in &after {
        assert_shown(&h, &clock.name);
        assert_shown(&h, &clock.citation);
    }

    // Switch to English and back: the navigation follows the language.
    click_button(&mut h, "English");
    h.get_by_role_and_label(Role::Button, "Cases");
    assert!(h.query_by_label("信访事项").is_none());
    click_button(&mut h, "中文");
    h.get_by_role_and_label(Role::Button, "信访事项");

    // The roster's week: this week's slots of the demo county's published month.
    click_button(&mut h, "接访排班");
    let (monday, sunday) = h.state().state.roster_ui.period();
    wait_for(&mut h, "this week's roster", |a| {
        a.state.roster.from == Some(monday) && a.state.roster.has_rules
    });
    assert_eq!(h.state().state.roster.to, Some(sunday));
    h.get_by_label(&format!("一 {}", monday.format("%m-%d")));
    let rows = h.state().state.roster.rows.clone();
    for r in &rows {
        assert_shown(&h, &format!("{}（{}）", r.leader, r.title));
    }
}

/// The demo county's office laptop at `office`, and a 港口镇 laptop (王五) it enrols at
/// `township`.
fn demo_office_and_township_laptop(office: &Path, township: &Path) -> (Store, Store) {
    let a = fengqiao_app::backend::create_demo_county(office, 0).expect("demo county");
    let directory = a
        .enrol_at(
            township,
            fengqiao_model::Role::Township,
            vec!["港口镇".into()],
            "港口镇笔记本",
            "王五",
        )
        .expect("enrol");
    let b = Store::init(
        township,
        InitOptions {
            device_name: "港口镇笔记本".into(),
            county: fengqiao_store::demo::DEMO_COUNTY.into(),
            role: fengqiao_model::Role::Township,
            scope: vec!["港口镇".into()],
            person_name: "王五".into(),
            townships: Vec::new(),
            directory: Some(directory),
        },
    )
    .expect("township laptop");
    (a, b)
}

/// Two laptops of one county edit a case's route offline; the app shows the conflict with
/// both values and their authors, and one click keeps one.
#[test]
fn a_conflict_is_shown_with_every_value_and_resolved_in_one_click() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = demo_office_and_township_laptop(dir_a.path(), dir_b.path());
    let mut reg = fengqiao_model::Registration::new(
        fengqiao_model::Channel::Visit,
        fengqiao_store::now_cst().date_naive(),
        "港口镇",
        "反映水渠堵塞",
    );
    reg.petitioners.push(fengqiao_model::Petitioner {
        name: "李四".into(),
        ..Default::default()
    });
    let case = a.add_case(reg).unwrap();
    let exchange = |from: &Store, to: &Store| {
        for name in from.catalogue().unwrap() {
            if let Some(bytes) = from.export_document(&name).unwrap() {
                to.import_document(&name, &bytes).unwrap();
            }
        }
    };
    exchange(&a, &b);
    let id = case.id.to_string();
    a.set_field(&id, "route", "dispute").unwrap();
    b.set_field(&id, "route", "administrative-duty").unwrap();
    exchange(&b, &a);
    assert_eq!(a.conflicts().unwrap().len(), 1);
    a.close();
    b.close();

    let mut h = harness(dir_a.path());
    opened(&mut h);
    wait_for(&mut h, "the conflict", |a| {
        a.state.conflicts.items.len() == 1
    });
    click_button(&mut h, "冲突 (1)");
    h.get_by_label("矛盾纠纷");
    h.get_by_label("行政职责");
    h.get_by_label("王五");
    h.get_by_label("演示管理员");
    let choices = h
        .get_all_by_role_and_label(Role::Button, "采用此值")
        .count();
    assert_eq!(choices, 2, "one button per value");
    let keep = h.state().state.conflicts.items[0].values[0].value.clone();
    h.get_all_by_role_and_label(Role::Button, "采用此值")
        .next()
        .unwrap()
        .click();
    wait_for(&mut h, "the resolution", |a| {
        a.state.conflicts.items.is_empty()
    });
    assert!(status(h.state()).contains(&keep), "{}", status(h.state()));
    h.get_by_label("没有未处理的冲突");

    // The case now has the chosen route, and its record says who decided.
    drop(h);
    let store = reopen(dir_a.path());
    let record = store.case(&id).unwrap();
    assert!(record.conflicts.is_empty());
    assert_eq!(record.resolutions.len(), 1);
    assert_eq!(
        record.case.registration.route.map(|r| r.zh().to_owned()),
        Some(keep)
    );
    store.close();
}

#[test]
fn first_start_offers_the_demo_county() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    wait_for(&mut h, "the first-start screen", |a| {
        matches!(a.state.phase, Phase::Empty { .. })
    });
    h.get_by_label("欢迎使用枫桥");
    click_button(&mut h, "创建演示县");
    assert_eq!(h.state().state.phase, Phase::CreatingDemo);
    opened(&mut h);
    // Twenty generated cases and the re-review case with its hearing session.
    assert_eq!(h.state().state.cases.rows.len(), 21);
    h.get_by_role_and_label(Role::Button, "今日");
}

/// The same visit registered on two laptops shows up in 冲突 as a pair side by side; 不是重复
/// needs a reason and, given one, removes the pair for good.
#[test]
fn a_duplicate_pair_is_shown_side_by_side_and_not_a_duplicate_removes_it() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = demo_office_and_township_laptop(dir_a.path(), dir_b.path());
    let registration = || {
        let mut reg = fengqiao_model::Registration::new(
            fengqiao_model::Channel::Visit,
            fengqiao_store::now_cst().date_naive(),
            "港口镇",
            "反映宅基地界址纠纷，请求调处",
        )
        .with_petitioner("张三", "13800001111");
        reg.village = "西村".into();
        reg.petitioners[0].address = "港口镇西村3组".into();
        reg
    };
    let ca = a.add_case(registration()).unwrap();
    let cb = b.add_case(registration()).unwrap();
    for name in b.catalogue().unwrap() {
        if let Some(bytes) = b.export_document(&name).unwrap() {
            a.import_document(&name, &bytes).unwrap();
        }
    }
    assert_eq!(
        a.duplicate_candidates().unwrap().len(),
        1,
        "the pair is planted"
    );
    a.close();
    b.close();

    let mut h = harness(dir_a.path());
    opened(&mut h);
    wait_for(&mut h, "the duplicate pair", |a| {
        a.state.conflicts.duplicates.len() == 1
    });
    h.get_by_role_and_label(Role::Button, "冲突").click();
    h.run_steps(2);
    h.get_by_label("疑似重复案件");
    assert_shown(&h, &ca.number.to_string());
    assert_shown(&h, &cb.number.to_string());
    assert_shown(&h, "张三");
    // Without a reason the buttons are disabled: nothing is sent.
    h.get_by_role_and_label(Role::Button, "不是重复").click();
    h.run_steps(2);
    assert_eq!(h.state().state.conflicts.duplicates.len(), 1);
    type_into(&mut h, "理由（必填）", "不同年份的两次来访");
    click_button(&mut h, "不是重复");
    wait_for(&mut h, "the dismissal", |a| {
        a.state.conflicts.duplicates.is_empty()
    });
    h.get_by_label("没有疑似重复的案件");

    drop(h);
    let store = reopen(dir_a.path());
    assert!(
        store.duplicate_candidates().unwrap().is_empty(),
        "dismissed for good"
    );
    store.close();
}

/// Sync settings for a test device: loopback only, any port, no LAN discovery, no relay.
fn loopback_settings(dir: &Path) {
    fengqiao_sync::SyncSettings {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        mdns: false,
        relay: None,
        relay_ca: None,
        server: None,
    }
    .save(dir)
    .expect("write the sync settings");
}

#[test]
fn a_new_laptop_joins_with_a_ticket_made_in_settings_and_the_office_revokes_it() {
    // The office: the demo county, reachable on loopback only.
    let office_dir = tempfile::tempdir().unwrap();
    fengqiao_app::backend::create_demo_county(office_dir.path(), 10)
        .unwrap()
        .close();
    loopback_settings(office_dir.path());
    let mut office = harness_with(office_dir.path(), || Box::new(IrohSync::new()));
    opened(&mut office);

    // 设置 → 登记新设备: a township laptop without a township is refused next to the form.
    click_button(&mut office, "设置");
    type_into(&mut office, "新设备名称", "港口镇信访办笔记本");
    click_button(&mut office, "生成登记码");
    assert_shown(&office, "乡镇设备须选择至少一个乡镇");
    assert!(office.state().state.sync.enrolment.is_none());
    office
        .get_by_role_and_label(Role::CheckBox, "港口镇")
        .click();
    office.run_steps(2);
    click_button(&mut office, "生成登记码");
    wait_for(&mut office, "the enrolment ticket", |a| {
        a.state
            .sync
            .enrolment
            .as_ref()
            .is_some_and(|o| o.state == EnrolmentState::Waiting)
    });
    assert_shown(&office, "等待新设备使用此登记码");
    let ticket = office.state().state.sync.enrolment.clone().unwrap().ticket;
    assert!(ticket.starts_with("fqenrol1"), "{ticket}");

    // A mistyped ticket on a new laptop: refused with the reason, and still on first start.
    let typo_dir = tempfile::tempdir().unwrap();
    let mut typo = harness_with(typo_dir.path(), || Box::new(IrohSync::new()));
    wait_for(&mut typo, "first start", |a| {
        matches!(a.state.phase, Phase::Empty { .. })
    });
    click_button(&mut typo, "加入");
    assert!(status(typo.state()).contains("请填写：登记码、本机名称、使用人"));
    type_into(
        &mut typo,
        "登记码",
        &ticket.replace("fqenrol1", "fqenrol1x"),
    );
    type_into(&mut typo, "本机名称", "错误的笔记本");
    type_into(&mut typo, "使用人", "张三");
    click_button(&mut typo, "加入");
    wait_for(&mut typo, "the refusal", |a| a.state.status.is_some());
    assert!(
        status(typo.state()).contains("登记码或配对码无效"),
        "{}",
        status(typo.state())
    );
    assert!(matches!(typo.state().state.phase, Phase::Empty { .. }));
    assert!(!typo_dir.path().join("device.json").exists());

    // The new laptop joins with the ticket and opens as the township's device.
    let laptop_dir = tempfile::tempdir().unwrap();
    let mut laptop = harness_with(laptop_dir.path(), || Box::new(IrohSync::new()));
    wait_for(&mut laptop, "first start", |a| {
        matches!(a.state.phase, Phase::Empty { .. })
    });
    type_into(&mut laptop, "登记码", &ticket);
    type_into(&mut laptop, "本机名称", "港口镇信访办笔记本");
    type_into(&mut laptop, "使用人", "李干事");
    click_button(&mut laptop, "加入");
    wait_for(&mut laptop, "the laptop to join", |a| {
        a.state.phase == Phase::Open && a.state.welcome.is_some()
    });
    let welcome = laptop.state().state.welcome.clone().unwrap();
    assert_eq!(welcome.device_name, "港口镇信访办笔记本");
    assert_eq!(welcome.scope, vec!["港口镇".to_owned()]);
    assert_eq!(welcome.role, fengqiao_model::Role::Township);
    assert_eq!(welcome.person, "李干事");

    // The office sees it join and lists it; revoking asks first, then marks it revoked.
    wait_for(&mut office, "the office to see the laptop", |a| {
        a.state
            .sync
            .enrolment
            .as_ref()
            .is_some_and(|o| o.state == EnrolmentState::Joined)
            && a.state
                .directory
                .devices
                .iter()
                .any(|d| d.name == "港口镇信访办笔记本")
    });
    assert_shown(&office, "港口镇信访办笔记本 已加入本县");
    let revoke_buttons: Vec<_> = office
        .query_all_by_role_and_label(Role::Button, "吊销")
        .collect();
    revoke_buttons.last().unwrap().click();
    office.run_steps(2);
    assert_shown(&office, "吊销 港口镇信访办笔记本？");
    click_button(&mut office, "确认吊销");
    wait_for(&mut office, "the revocation", |a| {
        a.state
            .directory
            .devices
            .iter()
            .any(|d| d.name == "港口镇信访办笔记本" && d.revoked)
    });
    assert!(status(office.state()).contains("已吊销：港口镇信访办笔记本"));
    drop(laptop);
    drop(office);
    let store = reopen(office_dir.path());
    let device = store
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.name == "港口镇信访办笔记本")
        .unwrap();
    assert!(device.revoked, "the revocation is in the directory on disk");
    store.close();
}

/// An intake item with a fixed time (minutes after 09:00 today, China time).
fn intake_item(
    source: fengqiao_model::IntakeSource,
    minute: u32,
    name: &str,
    guide_type: Option<&str>,
    township: Option<&str>,
) -> fengqiao_model::IntakeItem {
    use chrono::TimeZone as _;
    let today = fengqiao_store::now_cst().date_naive();
    let at = chrono::FixedOffset::east_opt(8 * 3600)
        .expect("UTC+8")
        .from_local_datetime(&today.and_hms_opt(9, minute, 0).expect("a time of day"))
        .single()
        .expect("one local time");
    fengqiao_model::IntakeItem {
        id: fengqiao_model::intake::IntakeId::generate(),
        source,
        received_at: at,
        name: name.into(),
        phone: "13900003333".into(),
        description: format!("{name}反映的事情"),
        guide_type: guide_type.map(str::to_owned),
        route: None,
        township: township.map(str::to_owned),
        query_code_hash: None,
    }
}

/// 接待队列 lists kiosk and online items; 登记 on one opens the form filled in from it, and
/// registering the case records the pickup.
#[test]
fn the_clerk_registers_an_intake_item_and_the_pickup_is_recorded() {
    use fengqiao_model::IntakeSource;
    let dir = tempfile::tempdir().unwrap();
    let store = fengqiao_app::backend::create_demo_county(dir.path(), 10).unwrap();
    // The demo county's own queue (left yesterday), then two items from this morning.
    let demo = store.intake_queue(None).unwrap().len();
    assert!(demo > 0, "the demo county has a queue");
    let kiosk = intake_item(IntakeSource::Kiosk, 5, "钱多多", None, None);
    let mut online = intake_item(
        IntakeSource::Online,
        30,
        "孙小美",
        Some("wage-arrears"),
        Some("港口镇"),
    );
    online.route = Some(fengqiao_model::Route::AdministrativeDuty);
    store.add_intake_item(&kiosk).unwrap();
    store.add_intake_item(&online).unwrap();
    store.close();

    let mut h = harness(dir.path());
    opened(&mut h);
    wait_for(&mut h, "the intake queue", |a| {
        a.state.intake.len() == demo + 2
    });
    click_button(&mut h, "接待队列");
    h.get_by_label(&format!(
        "待登记 {} 件，共 {} 件（导访机与网上信访）",
        demo + 2,
        demo + 2
    ));
    h.get_by_label("钱多多");
    h.get_by_label("孙小美");
    // Sources and guide types repeat across the demo's items: shown at least once.
    assert_shown(&h, " 导访机 ");
    assert_shown(&h, " 网上 ");
    assert_shown(&h, "拖欠农民工工资（行政职责）");

    // The newest (online) item first: its 登记 opens the form filled in from it.
    let register_buttons: Vec<_> = h
        .get_all_by_role_and_label(Role::Button, "登记")
        .filter(|b| b.rect().min.x > 200.0)
        .collect();
    assert_eq!(
        register_buttons.len(),
        demo + 2,
        "one 登记 per waiting item"
    );
    register_buttons[0].click();
    h.run_steps(2);
    let form = h.state().state.register.clone();
    assert_eq!(
        h.state().state.prefs.view,
        fengqiao_app::state::View::Register
    );
    assert_eq!(form.name, "孙小美");
    assert_eq!(form.phone, "13900003333");
    assert_eq!(form.request, "孙小美反映的事情");
    assert_eq!(form.channel, fengqiao_model::Channel::Online);
    assert_eq!(form.township, "港口镇");
    assert_eq!(
        form.picked.as_ref().map(|(_, c)| c.complaint_type.as_str()),
        Some("wage-arrears")
    );
    h.get_by_label_contains("来自接待队列：网上");

    click_button(&mut h, "提交登记");
    wait_for(&mut h, "the registration", |a| {
        status(a).starts_with("已登记")
    });
    wait_for(&mut h, "the pickup", |a| {
        a.state
            .intake
            .iter()
            .any(|e| e.item.id == online.id && e.pickup.is_some())
    });
    click_button(&mut h, "接待队列");
    h.get_by_label(&format!(
        "待登记 {} 件，共 {} 件（导访机与网上信访）",
        demo + 1,
        demo + 2
    ));
    h.get_by_label("已登记（演示管理员）");
    let number = status(h.state())
        .trim_start_matches("已登记，编号 ")
        .to_owned();

    drop(h);
    let store = reopen(dir.path());
    let queue = store.intake_queue(None).unwrap();
    let entry = queue.iter().find(|e| e.item.id == online.id).unwrap();
    let pickup = entry.pickup.as_ref().expect("the pickup is recorded");
    let case = store.case(&pickup.case.to_string()).unwrap();
    assert_eq!(case.case.number.to_string(), number);
    assert_eq!(
        case.case.registration.channel,
        fengqiao_model::Channel::Online
    );
    assert_eq!(case.case.registration.petitioners[0].name, "孙小美");
    assert_eq!(case.case.registration.complaint_type, "wage-arrears");
    assert!(
        queue
            .iter()
            .find(|e| e.item.id == kiosk.id)
            .is_some_and(|e| e.pickup.is_none())
    );
    store.close();
}

/// A clerk records a satisfaction evaluation on a case page; 统计 shows the new rate with
/// the evaluated count, per dimension.
#[test]
fn an_evaluation_recorded_on_a_case_page_moves_the_satisfaction_rate_in_reports() {
    let dir = tempfile::tempdir().unwrap();
    fengqiao_app::backend::create_demo_county(dir.path(), 30)
        .unwrap()
        .close();
    let mut h = harness(dir.path());
    opened(&mut h);
    click_button(&mut h, "统计");
    h.run_steps(2);
    let before = h.state().state.reports.evaluation;

    click_button(&mut h, "信访事项");
    let number = h
        .state()
        .state
        .cases
        .shown
        .first()
        .map(|i| h.state().state.cases.rows[*i].number.clone());
    let number = number.expect("a case in the list");
    h.get_by_label(&number).click();
    wait_for(&mut h, "the case page", |a| {
        a.state.case_page.page.is_some()
    });
    let events = h
        .state()
        .state
        .case_page
        .page
        .as_ref()
        .unwrap()
        .record
        .events
        .len();
    choose(&mut h, "环节", "满意度评价");
    choose(&mut h, "答复质量", "不满意");
    choose(&mut h, "办理时效", "基本满意");
    click_button(&mut h, "记录办理环节");
    wait_for(&mut h, "the evaluation", |a| {
        a.state
            .case_page
            .page
            .as_ref()
            .is_some_and(|p| p.record.events.len() == events + 1)
    });
    assert_shown(&h, "满意度评价：答复质量不满意，办理时效基本满意");

    click_button(&mut h, "统计");
    h.run_steps(2);
    let after = h.state().state.reports.evaluation;
    // The case's latest evaluation replaces any earlier one: at most one more evaluated.
    assert!(after.reply_quality.dissatisfied >= 1);
    assert!(after.reply_quality.evaluated() <= before.reply_quality.evaluated() + 1);
    assert_ne!(after.reply_quality, before.reply_quality);
    let rate = after
        .reply_quality
        .rate_percent()
        .map(|r| format!("{r:.1}%"))
        .unwrap();
    assert_shown(
        &h,
        &format!(
            "答复质量满意率 {rate}（评价 {} 件）",
            after.reply_quality.evaluated()
        ),
    );
    assert_shown(&h, "办理时效满意率");
    assert_shown(&h, "回访率");
}

/// The office books a visitor about a case onto a published reception; the briefing shows
/// the visitor, the case and the head of the unit that owns it, and saves as HTML.
#[test]
fn a_booked_visitor_and_the_owning_units_head_appear_in_the_slots_briefing() {
    let dir = tempfile::tempdir().unwrap();
    let store = fengqiao_app::backend::create_demo_county(dir.path(), 30).unwrap();
    // A case whose lead unit has a head in the demo directory, and a published reception
    // in the future (next month's drafts, published here).
    let case = store
        .histories(&fengqiao_store::CaseFilter::default())
        .unwrap()
        .into_iter()
        .find(|(c, _)| c.registration.lead_unit == "自然资源和规划局")
        .map(|(c, _)| c.number.to_string())
        .expect("a land case in the demo county");
    let today = fengqiao_store::now_cst().date_naive();
    let next = today.checked_add_months(chrono::Months::new(1)).unwrap();
    let period = fengqiao_roster::Period::month(
        chrono::Datelike::year(&next),
        chrono::Datelike::month(&next),
    )
    .unwrap();
    let years = chrono::Datelike::year(&period.from) - 1..=chrono::Datelike::year(&period.to);
    let state = store.load_roster(years.clone()).unwrap().state;
    store
        .put_roster(&fengqiao_roster::changes::publish(
            &state,
            period,
            fengqiao_store::now_cst(),
        ))
        .unwrap();
    let slot = store
        .load_roster(years)
        .unwrap()
        .state
        .live_slots()
        .into_iter()
        .find(|s| {
            s.kind == fengqiao_roster::SlotKind::Reception
                && s.state == fengqiao_roster::SlotState::Published
                && s.date > today
        })
        .cloned()
        .expect("a published reception next month");
    store.close();

    let mut h = harness(dir.path());
    opened(&mut h);
    click_button(&mut h, "接访排班");
    h.state_mut().state.roster_ui.anchor = slot.date;
    h.state_mut().state.roster_ui.selected = Some(slot.id);
    // The slot's month loads in the background; the form below it moves when it arrives.
    wait_for(&mut h, "the slot's month", |a| {
        a.state.roster.rows.iter().any(|r| r.id == slot.id)
    });
    type_into(&mut h, "来访人", "刘桂英");
    type_into(&mut h, "案件编号（可不填）", &case);
    type_into(&mut h, "预约说明", "要求当面反映");
    click_button(&mut h, "预约");
    wait_for(&mut h, "the booking and its briefing", |a| {
        a.state
            .briefing
            .as_ref()
            .is_some_and(|b| b.slot.id == slot.id && !b.visitors.is_empty())
    });
    assert!(
        status(h.state()).contains("已预约"),
        "{}",
        status(h.state())
    );
    let b = h.state().state.briefing.clone().unwrap();
    let visitor = b
        .visitors
        .iter()
        .find(|v| v.petitioner == "刘桂英")
        .unwrap();
    assert_eq!(
        visitor.case.as_ref().map(|c| c.number.clone()),
        Some(case.clone())
    );
    assert_shown(&h, "预约来访人");
    assert_shown(&h, &case);
    assert_shown(&h, "联合接访");
    assert_shown(&h, "自然资源和规划局：吴建华（局长）");

    // A second booking of the same visitor on the slot is refused, in Chinese.
    type_into(&mut h, "来访人", "刘桂英");
    click_button(&mut h, "预约");
    wait_for(&mut h, "the refusal", |a| {
        status(a).contains("already booked")
    });

    click_button(&mut h, "保存接访准备材料（HTML）");
    wait_for(&mut h, "the saved briefing", |a| {
        status(a).contains("已保存接访准备材料")
    });
    let path = dir
        .path()
        .join("exports")
        .join(format!("briefing-{}.html", slot.id));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("刘桂英") && html.contains(&case) && html.contains("吴建华"));
}

#[test]
fn the_office_issues_a_leaders_calendar_link_shown_once_with_its_qr_code_and_revokes_it() {
    let dir = tempfile::tempdir().unwrap();
    fengqiao_app::backend::create_demo_county(dir.path(), 20)
        .unwrap()
        .close();
    let mut h = harness(dir.path());
    opened(&mut h);
    click_button(&mut h, "接访排班");
    wait_for(&mut h, "the leaders", |a| {
        !a.state.directory.leaders.is_empty()
    });
    h.get_by_label("订阅").click();
    h.run_steps(2);
    wait_for(&mut h, "the subscriptions", |a| {
        a.state.roster_ui.feeds.view.loaded
    });
    assert_shown(&h, "尚未签发日历订阅");
    let leader = h.state().state.directory.leaders[0].clone();
    let name = format!("{}（{}）", leader.name, leader.title);
    choose(&mut h, "订阅对象", &name);
    type_into(
        &mut h,
        "日历服务对外地址（县 HTTPS 代理）",
        "https://rili.example.gov.cn",
    );
    click_button(&mut h, "签发链接");
    wait_for(&mut h, "the issued link", |a| {
        a.state.roster_ui.feeds.view.issued.is_some()
    });
    let link = h.state().state.roster_ui.feeds.view.issued.clone().unwrap();
    assert!(
        link.webcal.starts_with("webcal://rili.example.gov.cn/") && link.webcal.ends_with(".ics"),
        "{}",
        link.webcal
    );
    assert_eq!(link.label, name);
    assert_shown(&h, &link.webcal);
    h.get_by_role_and_label(Role::Image, &format!("二维码：{}", link.webcal));
    assert_shown(&h, "此链接只显示这一次");
    assert!(status(h.state()).contains("已签发日历订阅"));
    assert_shown(&h, "有效");

    // Leaving the tab takes the link off the screen for good; the list stays.
    h.get_by_label("订阅").click();
    h.run_steps(2);
    h.get_by_label("订阅").click();
    wait_for(&mut h, "the list again", |a| {
        a.state.roster_ui.feeds.view.loaded && a.state.roster_ui.feeds.view.issued.is_none()
    });
    assert!(h.query_all_by_label_contains("webcal://").next().is_none());

    click_button(&mut h, "撤销");
    wait_for(&mut h, "the revocation", |a| {
        a.state
            .roster_ui
            .feeds
            .view
            .rows
            .iter()
            .all(|r| r.revoked_at.is_some())
    });
    assert_shown(&h, "已撤销");
    drop(h);

    // The store kept the token's hash, not the token; the subscription is revoked.
    let store = reopen(dir.path());
    let subs = store.feed_subscriptions().unwrap();
    assert_eq!(subs.len(), 1);
    let token = link
        .webcal
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".ics"))
        .unwrap();
    assert_eq!(subs[0].token_sha256, fengqiao_store::hash_feed_token(token));
    assert!(!subs[0].is_active());
    assert_eq!(
        subs[0].scope,
        fengqiao_roster::FeedScope::Leader { leader: leader.id }
    );
}

/// An ID number failing GB 11643 and an odd phone number are shown as warnings naming the
/// field and the person; nothing is registered until the clerk confirms exactly those.
#[test]
fn odd_id_and_phone_numbers_are_warned_about_and_registered_only_when_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    fengqiao_app::backend::create_demo_county(dir.path(), 10)
        .unwrap()
        .close();
    let mut h = harness(dir.path());
    opened(&mut h);
    let before = h.state().state.cases.rows.len();

    click_button(&mut h, "登记");
    choose(&mut h, "乡镇", "港口镇");
    type_into(&mut h, "信访人姓名", "钱多多");
    type_into(&mut h, "联系电话", "1380000");
    type_into(&mut h, "身份证号", "34250119800101001");
    type_into(&mut h, "诉求", "请求补发土地承包经营权证");
    click_button(&mut h, "提交登记");
    h.run_steps(4);
    assert_eq!(h.state().state.register.warnings.len(), 2);
    assert_shown(&h, "以下 2 项看起来不对");
    assert_shown(&h, "身份证号“34250119800101001”应为 18 位，实为 17 位");
    assert_shown(&h, "“1380000” 不像手机号");
    assert!(
        h.state().state.status.is_none(),
        "nothing was sent to the store"
    );

    // Pressing 登记 again re-checks and keeps warning; the confirmation registers.
    click_button(&mut h, "提交登记");
    h.run_steps(4);
    assert!(h.state().state.status.is_none(), "still nothing registered");
    click_button(&mut h, "核对无误，仍然登记");
    wait_for(&mut h, "the registration", |a| {
        status(a).starts_with("已登记") && a.state.cases.rows.len() == before + 1
    });
    assert!(h.state().state.register.warnings.is_empty());
    drop(h);
    let store = reopen(dir.path());
    let cases = store
        .list_cases(&fengqiao_store::CaseFilter::default())
        .unwrap();
    store.close();
    assert!(cases.iter().any(|c| c.petitioner == "钱多多"), "{cases:?}");
}

/// 设置 → 法律适用 lists the units with their kind under the law, and the office's choice of
/// where T6 is counted from is kept in the directory.
#[test]
fn the_office_sets_where_an_extension_is_counted_from_in_settings() {
    let dir = tempfile::tempdir().unwrap();
    fengqiao_app::backend::create_demo_county(dir.path(), 10)
        .unwrap()
        .close();
    let mut h = harness(dir.path());
    opened(&mut h);
    click_button(&mut h, "设置");
    h.run_steps(2);
    assert_shown(&h, "法律适用");
    let units = h.state().state.directory.units.clone();
    assert!(units.iter().any(|u| u.name == "港口镇"), "{units:?}");
    assert_shown(&h, "其他机关、单位");
    assert_eq!(
        h.state().state.directory.extension_from,
        fengqiao_rules::ExtensionBase::NominalEnd
    );
    h.get_by_role_and_label(Role::ComboBox, "延期（T6）起算")
        .scroll_to_me();
    // The scroll area eases to it over several frames.
    h.run_steps(30);
    choose(
        &mut h,
        "延期（T6）起算",
        "自顺延后的原办理期限届满日起算延长期限",
    );
    wait_for(&mut h, "the reading to be saved", |a| {
        a.state.directory.extension_from == fengqiao_rules::ExtensionBase::RolledEnd
    });
    drop(h);
    let store = reopen(dir.path());
    let settings = store.law_settings().unwrap();
    store.close();
    assert_eq!(
        settings.extension_from,
        fengqiao_rules::ExtensionBase::RolledEnd
    );
}
