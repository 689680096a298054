//! What the law needs from the store: each unit's kind in the directory (and a sensible
//! default for units recorded before it), the unit that received a case, the county's
//! reading of T6, the lifecycle check that writes nothing, and the route in force.

mod common;

use chrono::NaiveDate;
use fengqiao_model::{
    EventKind, OrgUnit, OrganKind, ReplyType, Route, UnitId, UnitKind, event::CaseEvent,
};
use fengqiao_rules::{ClockId, DueThresholds, ExtensionBase, LawSettings, case_clocks};
use fengqiao_store::{CaseFilter, ContradictionKind, StoreError};

use common::{pair, registration, sync};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// The clock codes a store computes for a case today.
fn clocks(store: &fengqiao_store::Store, id: &str) -> Vec<ClockId> {
    let record = store.case(id).expect("case");
    let facts = store
        .law_context()
        .expect("law")
        .facts(&record.case.registration);
    case_clocks(
        &facts,
        &record.events,
        &store.holiday_calendar().expect("calendar"),
        fengqiao_store::now_cst().date_naive(),
        &DueThresholds::default(),
    )
    .clocks
    .iter()
    .map(|c| c.deadline.clock)
    .collect()
}

#[test]
fn the_county_directory_knows_its_petition_office_and_the_clocks_follow_the_receiving_unit() {
    let (_da, township, _db, office) = pair();
    let units = office.units().expect("units");
    let kind_of = |name: &str| {
        units
            .iter()
            .find(|u| u.name == name)
            .map(|u| (u.organ, u.organ_kind()))
    };
    assert_eq!(
        kind_of("宁国市信访局"),
        Some((Some(OrganKind::PetitionOffice), OrganKind::PetitionOffice))
    );
    assert_eq!(
        kind_of("港口镇"),
        Some((Some(OrganKind::OtherOrgan), OrganKind::OtherOrgan))
    );

    // The office registers: received by the 信访局, T1 (第二十二条) and no T2.
    let by_office = office.add_case(registration()).expect("office registers");
    assert_eq!(by_office.registration.received_by, "宁国市信访局");
    assert_eq!(clocks(&office, &by_office.id.to_string()), [ClockId::T1]);
    // The township registers: received by the township government, T2 (第二十三条第二款).
    let by_township = township
        .add_case(registration())
        .expect("township registers");
    assert_eq!(by_township.registration.received_by, "港口镇");
    assert_eq!(
        clocks(&township, &by_township.id.to_string()),
        [ClockId::T2]
    );
    // A clerk may name the receiving unit.
    let mut reg = registration();
    reg.received_by = "港口镇".into();
    let named = office.add_case(reg).expect("named");
    assert_eq!(clocks(&office, &named.id.to_string()), [ClockId::T2]);
}

#[test]
fn units_and_cases_from_before_the_unit_kind_keep_working() {
    let (_da, _township, _db, office) = pair();
    // A department recorded without a kind is another organ.
    office
        .put_unit(&OrgUnit {
            id: UnitId::generate(),
            name: "人力资源和社会保障局".into(),
            kind: UnitKind::Department,
            parent: None,
            code: String::new(),
            head: None,
            organ: None,
        })
        .expect("unit");
    let law = office.law_context().expect("law");
    assert_eq!(
        law.organ_of("人力资源和社会保障局"),
        Some(OrganKind::OtherOrgan)
    );
    // A case that names no receiving unit the directory knows: both T1 and T2 run, and
    // the clocks say why.
    let mut reg = registration();
    reg.received_by = "不在名录的单位".into();
    let case = office.add_case(reg).expect("case");
    let id = case.id.to_string();
    assert_eq!(clocks(&office, &id), [ClockId::T1, ClockId::T2]);
    // The office marks the unit it means, and the clocks follow on every case.
    office
        .set_unit_organ("人力资源和社会保障局", OrganKind::PetitionOffice)
        .expect("mark");
    assert_eq!(
        office
            .law_context()
            .expect("law")
            .organ_of("人力资源和社会保障局"),
        Some(OrganKind::PetitionOffice)
    );
    assert!(matches!(
        office.set_unit_organ("没有的单位", OrganKind::OtherOrgan),
        Err(StoreError::BadValue { .. })
    ));
}

#[test]
fn the_t6_reading_is_a_county_setting_only_the_office_changes() {
    let (_da, township, _db, office) = pair();
    assert_eq!(
        office.law_settings().expect("settings").extension_from,
        ExtensionBase::NominalEnd
    );
    let rolled = LawSettings {
        extension_from: ExtensionBase::RolledEnd,
    };
    assert!(matches!(
        township.put_law_settings(rolled),
        Err(StoreError::NotPermitted(_))
    ));
    office.put_law_settings(rolled).expect("office sets");
    sync(&office, &township);
    assert_eq!(township.law_settings().expect("settings"), rolled);
    assert_eq!(
        township
            .law_context()
            .expect("law")
            .facts(&registration())
            .extension_from,
        ExtensionBase::RolledEnd
    );
}

#[test]
fn an_impossible_event_is_refused_and_nothing_is_written() {
    let (_da, _township, _db, office) = pair();
    let case = office.add_case(registration()).expect("case");
    let id = case.id.to_string();
    let before = office.case(&id).expect("case").events.len();
    // Received 11-02: a closing three weeks earlier, and a reply before any acceptance.
    let early = office.add_event(
        &id,
        EventKind::Closed { satisfaction: None },
        d("2026-10-12"),
        "",
    );
    assert!(
        matches!(&early, Err(StoreError::Lifecycle(r)) if r.to_string().contains("事件不能早于收到信访事项之日")),
        "{early:?}"
    );
    let reply = office.add_event(
        &id,
        EventKind::Replied {
            reply: ReplyType::Support,
        },
        d("2026-11-10"),
        "",
    );
    assert!(
        matches!(&reply, Err(StoreError::Lifecycle(r)) if r.to_string().contains("第三十二条")),
        "{reply:?}"
    );
    assert_eq!(office.case(&id).expect("case").events.len(), before);
}

fn routed(route: Route) -> EventKind {
    EventKind::Routed { route }
}

#[test]
fn the_latest_routing_is_the_cases_route_and_a_concurrent_pair_is_a_contradiction() {
    let (_da, township, _db, office) = pair();
    let case = office.add_case(registration()).expect("case");
    let id = case.id.to_string();
    let route_in_list = |store: &fengqiao_store::Store| {
        store
            .list_cases(&CaseFilter::default())
            .expect("list")
            .into_iter()
            .find(|c| c.id == case.id)
            .and_then(|c| c.route)
    };
    assert_eq!(route_in_list(&office), None);
    office
        .add_event(&id, routed(Route::Dispute), d("2026-11-03"), "")
        .expect("routed");
    assert_eq!(route_in_list(&office), Some(Route::Dispute));
    assert_eq!(
        office.case(&id).expect("case").case.registration.route,
        Some(Route::Dispute)
    );
    // Filters see it too.
    let filter = CaseFilter {
        route: Some(Route::Dispute),
        ..CaseFilter::default()
    };
    assert_eq!(office.list_cases(&filter).expect("list").len(), 1);
    // The registration's route cannot be set behind the routing's back.
    assert!(matches!(
        office.set_field(&id, "route", "信访诉求"),
        Err(StoreError::FieldNotSettable { .. })
    ));
    // Re-routed later: the later wins; a routing dated earlier does not.
    office
        .add_event(&id, routed(Route::PetitionRequest), d("2026-11-05"), "")
        .expect("re-routed");
    office
        .add_event(&id, routed(Route::AdministrativeDuty), d("2026-11-04"), "")
        .expect("back-dated");
    assert_eq!(route_in_list(&office), Some(Route::PetitionRequest));

    // Two laptops route differently, each unaware of the other.
    sync(&office, &township);
    office
        .add_event(&id, routed(Route::Arbitration), d("2026-11-06"), "")
        .expect("office");
    township
        .add_event(&id, routed(Route::Dispute), d("2026-11-06"), "")
        .expect("township");
    assert!(office.contradictions().expect("alone").is_empty());
    sync(&office, &township);
    let found = office.case_contradictions(&id).expect("contradictions");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind, ContradictionKind::DifferentRoutes);
    // Every replica shows the same route meanwhile (the later in canonical order).
    assert_eq!(route_in_list(&office), route_in_list(&township));
    let choice = found[0]
        .options
        .iter()
        .position(|o| o.contains("仲裁"))
        .expect("option")
        + 1;
    township
        .resolve_contradiction(&id, &found[0].key, choice, "劳动争议应先仲裁")
        .expect("resolve");
    sync(&office, &township);
    for store in [&office, &township] {
        assert!(store.contradictions().expect("list").is_empty());
        assert_eq!(route_in_list(store), Some(Route::Arbitration));
        let events: Vec<CaseEvent> = store.case(&id).expect("case").events;
        let last = events
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::Routed { .. }))
            .expect("routed");
        assert_eq!(last.kind, routed(Route::Arbitration));
        assert!(last.remark.contains("劳动争议应先仲裁"));
    }
}
