//! The state's filters, the register form and the reports, without a window.

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn state_with_cases(n: usize) -> AppState {
    let (rows, clocks) = crate::fixtures::cases(n, today());
    let mut state = AppState::new(Prefs::default(), today(), std::path::Path::new("/tmp"));
    state.apply(Update::Cases(Arc::new(rows)));
    state.apply(Update::Clocks(Arc::new(clocks)));
    state
}

#[test]
fn filters_combine_and_follow_the_rows() {
    let mut s = state_with_cases(600);
    s.prepare();
    assert_eq!(s.cases.shown.len(), 600);

    s.cases.filter.township = Some("港口镇".into());
    s.prepare();
    let in_gangkou = s.cases.shown.len();
    assert!(in_gangkou > 0 && in_gangkou < 600);
    assert!(
        s.cases
            .shown
            .iter()
            .all(|i| s.cases.rows[*i].township == "港口镇")
    );

    let name = s.cases.rows[s.cases.shown[0]].petitioner.clone();
    s.cases.filter.text = name.clone();
    s.prepare();
    assert!(!s.cases.shown.is_empty());
    assert!(s.cases.shown.len() <= in_gangkou);
    assert!(
        s.cases
            .shown
            .iter()
            .all(|i| s.cases.rows[*i].petitioner.contains(&name)
                || s.cases.rows[*i].request.contains(&name))
    );

    s.cases.filter = CaseListFilter {
        overdue_only: true,
        ..CaseListFilter::default()
    };
    s.prepare();
    assert_eq!(s.cases.shown.len(), s.clocks.overdue.len());
    assert!(!s.cases.shown.is_empty(), "the demo year has overdue cases");
}

#[test]
fn typing_narrows_the_search_and_matches_a_fresh_filter_at_every_step() {
    let mut s = state_with_cases(800);
    s.prepare();
    let fresh = |filter: &CaseListFilter| {
        let mut t = state_with_cases(800);
        t.cases.filter = filter.clone();
        t.prepare();
        t.cases.shown
    };
    s.cases.filter.township = Some("港口镇".into());
    // Type a petitioner's name a character at a time, then delete back, then change
    // the township while text is typed: each step equals filtering from scratch.
    let row = s
        .cases
        .rows
        .iter()
        .find(|r| r.township == "港口镇")
        .unwrap();
    let name: Vec<char> = row.petitioner.chars().collect();
    let mut steps: Vec<String> = (1..=name.len())
        .map(|n| name[..n].iter().collect())
        .collect();
    steps.extend(
        (1..name.len())
            .rev()
            .map(|n| name[..n].iter().collect::<String>()),
    );
    for text in steps {
        s.cases.filter.text = text;
        s.prepare();
        assert_eq!(
            s.cases.shown,
            fresh(&s.cases.filter),
            "{:?}",
            s.cases.filter
        );
    }
    s.cases.filter.township = None;
    s.prepare();
    assert_eq!(s.cases.shown, fresh(&s.cases.filter));
    assert!(s.cases.shown.len() > 1);
}

#[test]
fn the_form_builds_a_group_registration_and_places_errors_by_field() {
    let mut form = RegisterForm::new(today());
    form.township = "港口镇".into();
    form.request = "集体反映土地征收补偿".into();
    form.group = true;
    form.head_count = 3;
    form.representatives = (0..6)
        .map(|i| Petitioner {
            name: format!("代表{i}"),
            ..Petitioner::default()
        })
        .collect();
    let reg = form.registration();
    assert!(reg.flags.group);
    assert_eq!(reg.representatives.len(), 6);
    form.errors =
        fengqiao_model::validate::validate_registration(&reg, &["港口镇".to_owned()], today())
            .unwrap_err();
    assert_eq!(form.errors_for(&["representatives"]).len(), 1);
    assert_eq!(form.errors_for(&["head_count"]).len(), 1);
    assert!(form.errors_for(&["township"]).is_empty());
}

#[test]
fn a_picked_guide_type_sets_route_type_and_list_version() {
    let s = AppState::new(Prefs::default(), today(), std::path::Path::new("/tmp"));
    let list = s.guide.latest().unwrap();
    let hit = &list.search("宅基地")[0];
    let c = list.classify(&hit.entry.id).unwrap();
    let mut form = RegisterForm::new(today());
    form.picked = Some((hit.entry.name.clone(), c.clone()));
    let reg = form.registration();
    assert_eq!(reg.route, Some(c.route));
    assert_eq!(reg.complaint_type, c.complaint_type);
    assert_eq!(reg.route_list_version, c.list_version);
}

#[test]
fn an_intake_item_fills_in_the_form_with_its_channel_and_guide_type() {
    let s = AppState::new(Prefs::default(), today(), std::path::Path::new("/tmp"));
    let item = fengqiao_model::IntakeItem {
        id: fengqiao_model::intake::IntakeId::generate(),
        source: fengqiao_model::IntakeSource::Kiosk,
        received_at: fengqiao_store::now_cst(),
        name: "钱多多".into(),
        phone: "13900002222".into(),
        description: "邻居建房占了我家宅基地".into(),
        guide_type: Some("homestead-dispute".into()),
        route: Some(Route::Dispute),
        township: None,
        query_code_hash: None,
    };
    let entry = fengqiao_store::IntakeEntry {
        item: item.clone(),
        pickup: None,
    };
    let form = RegisterForm::from_intake(&entry, today(), &s.guide);
    assert_eq!(
        form.channel,
        Channel::Visit,
        "the kiosk is a visit in person"
    );
    assert_eq!(
        (
            form.name.as_str(),
            form.phone.as_str(),
            form.request.as_str()
        ),
        ("钱多多", "13900002222", "邻居建房占了我家宅基地")
    );
    let reg = form.registration();
    assert_eq!(reg.complaint_type, "homestead-dispute");
    assert_eq!(reg.route, Some(Route::Dispute));
    assert_eq!(form.intake.map(|e| e.item.id), Some(item.id));

    let online = fengqiao_store::IntakeEntry {
        item: fengqiao_model::IntakeItem {
            source: fengqiao_model::IntakeSource::Online,
            guide_type: None,
            route: Some(Route::PetitionRequest),
            township: Some("港口镇".into()),
            ..item
        },
        pickup: None,
    };
    let form = RegisterForm::from_intake(&online, today(), &s.guide);
    assert_eq!(form.channel, Channel::Online);
    assert_eq!(form.township, "港口镇");
    assert_eq!(form.route, Some(Route::PetitionRequest));
    assert!(form.picked.is_none());
}

#[test]
fn reports_count_every_case_once() {
    let mut s = state_with_cases(300);
    s.prefs.view = View::Reports;
    s.prepare();
    let r = &s.reports;
    assert_eq!(r.total, 300);
    assert_eq!(r.by_route.iter().map(|(_, n)| n).sum::<usize>(), 300);
    assert_eq!(r.by_status.iter().map(|(_, n)| n).sum::<usize>(), 300);
    for counts in [&r.by_township, &r.by_month] {
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 300);
    }
    assert_eq!(r.overdue, s.clocks.overdue.len());
    assert!(r.clocks_known);
}

#[test]
fn making_the_demo_county_is_not_interrupted_by_the_empty_directory_s_welcome() {
    let mut s = AppState::new(Prefs::default(), today(), std::path::Path::new("/tmp"));
    // `fengqiao-app` on a fresh default directory asks for the demo county at once; the
    // store thread then reports the directory empty before it starts on it.
    s.phase = Phase::CreatingDemo;
    let dir = std::path::PathBuf::from("/tmp/empty");
    s.apply(Update::Empty {
        data_dir: dir.clone(),
    });
    assert_eq!(s.phase, Phase::CreatingDemo);
    s.apply(Update::DemoProgress(Some(
        fengqiao_store::demo::DemoStep::Cases {
            written: 10,
            of: 20,
        },
    )));
    assert!(s.demo_progress.is_some());
    // Failing, it goes back to the choice rather than a spinner.
    s.apply(Update::Failed {
        action: Key::ActionCreateDemo,
        reason: "磁盘已满".into(),
    });
    assert_eq!(s.phase, Phase::Empty { data_dir: dir });
    assert!(s.demo_progress.is_none());
}
