//! Bookings (预约) onto published receptions and the leader's briefing pack: who is booked,
//! their cases with clocks and history, and the unit heads who attend (联合接访).

mod common;

use chrono::{FixedOffset, NaiveDate, TimeZone};
use common::{calendar, d, ningguo};
use fengqiao_model::{
    Case, CaseEvent, CaseId, Channel, EventKind, OrgUnit, Person, PersonId, Registration,
    ReplyType, Route, Satisfaction, UnitId, UnitKind,
};
use fengqiao_roster::bookings::{self, BookingRequest};
use fengqiao_roster::changes;
use fengqiao_roster::export::briefing::to_html;
use fengqiao_roster::{
    BookingError, BookingId, BriefingCase, Period, RosterRules, RosterState, Slot, SlotKind,
    SlotState, briefing, briefings_for, generate,
};
use fengqiao_rules::LawSettings;

fn january(rules: &RosterRules, publish: bool) -> RosterState {
    let period = Period::month(2026, 1).unwrap_or_else(|e| panic!("{e}"));
    let mut state = RosterState::new();
    state.apply_all(generate(rules, &calendar(), &state, &[], period).records);
    if publish {
        let published = changes::publish(&state, period, common::cst(d(2025, 12, 20), 10, 0));
        state.apply_all(published);
    }
    state
}

fn reception(state: &RosterState) -> Slot {
    state
        .live_slots()
        .into_iter()
        .find(|s| s.kind == SlotKind::Reception && s.rule == "city-weekly")
        .cloned()
        .unwrap_or_else(|| panic!("a city reception in January"))
}

fn request(slot: &Slot, name: &str, case: Option<CaseId>) -> BookingRequest {
    BookingRequest {
        id: BookingId::generate(),
        slot: slot.id,
        petitioner: name.into(),
        phone: "13905630000".into(),
        case,
        note: "要求当面反映".into(),
        booked_by: "王秀英".into(),
    }
}

fn book(state: &mut RosterState, req: BookingRequest, today: NaiveDate) -> BookingId {
    let id = req.id;
    let record = bookings::book(state, req, bookings::DEFAULT_CAPACITY, today)
        .unwrap_or_else(|e| panic!("booking refused: {e}"));
    assert_eq!(record.collection(), "bookings");
    state.apply(record);
    id
}

#[test]
fn only_published_future_receptions_with_room_take_bookings() {
    let rules = ningguo();
    let today = d(2026, 1, 2);
    let drafts = january(&rules, false);
    let draft = reception(&drafts);
    assert_eq!(draft.state, SlotState::Draft);
    assert!(matches!(
        bookings::book(&drafts, request(&draft, "张三", None), 8, today),
        Err(BookingError::NotPublished { .. })
    ));

    let mut state = january(&rules, true);
    let slot = reception(&state);
    assert!(matches!(
        bookings::book(
            &state,
            request(&slot, "张三", None),
            8,
            slot.date + chrono::Days::new(1)
        ),
        Err(BookingError::Past { .. })
    ));
    assert!(matches!(
        bookings::book(&state, request(&slot, "  ", None), 8, today),
        Err(BookingError::NoPetitioner)
    ));
    let first = book(&mut state, request(&slot, "张三", None), today);
    assert!(matches!(
        bookings::book(&state, request(&slot, "张三", None), 8, today),
        Err(BookingError::AlreadyBooked { .. })
    ));
    book(&mut state, request(&slot, "李四", None), today);
    // Capacity 2: full now.
    assert!(matches!(
        bookings::book(&state, request(&slot, "王五", None), 2, today),
        Err(BookingError::Full { capacity: 2, .. })
    ));
    // Cancelling frees the place, keeps the record, and cannot be done twice.
    let cancelled = bookings::cancel(&state, first, "王秀英", "信访人改期", today)
        .unwrap_or_else(|e| panic!("{e}"));
    state.apply(cancelled);
    assert_eq!(state.bookings.len(), 2);
    assert_eq!(bookings::active_bookings(&state, slot.id).len(), 1);
    assert!(matches!(
        bookings::cancel(&state, first, "王秀英", "", today),
        Err(BookingError::AlreadyCancelled { .. })
    ));
    let again = bookings::book(&state, request(&slot, "王五", None), 2, today);
    assert!(again.is_ok(), "{again:?}");
    // On-call duties take no bookings.
    if let Some(on_call) = state
        .live_slots()
        .into_iter()
        .find(|s| s.kind == SlotKind::OnCall && s.state == SlotState::Published)
    {
        assert!(matches!(
            bookings::book(&state, request(on_call, "赵六", None), 8, today),
            Err(BookingError::OnCall { .. })
        ));
    }
}

fn id<T: std::str::FromStr>(n: u32) -> T
where
    T::Err: std::fmt::Debug,
{
    format!("00000000-0000-7000-8000-{n:012}")
        .parse()
        .unwrap_or_else(|e| panic!("{e:?}"))
}

fn case(n: u32, name: &str, request: &str, lead: &str, co: &[&str], received: NaiveDate) -> Case {
    let mut reg = Registration::new(Channel::Visit, received, "港口镇", request)
        .with_petitioner(name, "13905631111");
    reg.village = "山门村".into();
    reg.route = Some(Route::PetitionRequest);
    reg.lead_unit = lead.into();
    reg.co_units = co.iter().map(|s| (*s).to_owned()).collect();
    reg.handler = "陈建国".into();
    let offset = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| panic!("offset"));
    Case {
        id: id(n),
        number: format!("GK01-2025-{n:05}")
            .parse()
            .unwrap_or_else(|e| panic!("{e:?}")),
        registered_at: offset
            .with_ymd_and_hms(2025, 11, 3, 9, 0, 0)
            .single()
            .unwrap_or_else(|| panic!("time")),
        registered_by: id(900),
        source_number: String::new(),
        registration: reg,
    }
}

fn event(n: u32, date: NaiveDate, kind: EventKind) -> CaseEvent {
    let offset = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| panic!("offset"));
    CaseEvent {
        id: id(n),
        kind,
        date,
        recorded_at: offset
            .from_local_datetime(&date.and_hms_opt(10, 0, 0).unwrap_or_default())
            .single()
            .unwrap_or_else(|| panic!("time")),
        recorded_by: id(900),
        remark: String::new(),
    }
}

fn unit(n: u32, name: &str, head: Option<PersonId>) -> OrgUnit {
    OrgUnit {
        id: id::<UnitId>(n),
        name: name.into(),
        kind: UnitKind::Department,
        parent: None,
        code: String::new(),
        head,
        organ: None,
    }
}

fn person(n: u32, name: &str, unit: &str, title: &str) -> Person {
    Person {
        id: id(n),
        name: name.into(),
        unit: unit.into(),
        title: title.into(),
        panels: Vec::new(),
    }
}

#[test]
fn briefing_lists_booked_visitors_their_cases_clocks_history_and_attending_heads() {
    let rules = ningguo();
    let today = d(2026, 1, 2);
    let mut state = january(&rules, true);
    let slot = reception(&state);
    // A land case whose T5 is nearly up, and an older
    // closed case of the same petitioner.
    let land = case(
        1,
        "刘桂英",
        "宅基地确权纠纷",
        "自然资源和规划局",
        &["港口镇人民政府"],
        d(2025, 11, 3),
    );
    let land_events = vec![
        event(10, d(2025, 11, 3), EventKind::Accepted),
        event(
            11,
            d(2025, 11, 5),
            EventKind::Assigned {
                unit: "自然资源和规划局".into(),
            },
        ),
    ];
    let earlier = case(
        2,
        "刘桂英",
        "耕地占用补偿",
        "农业农村局",
        &[],
        d(2025, 3, 1),
    );
    let earlier_events = vec![
        event(20, d(2025, 3, 1), EventKind::Accepted),
        event(
            21,
            d(2025, 4, 1),
            EventKind::Replied {
                reply: ReplyType::Explain,
            },
        ),
        event(
            22,
            d(2025, 4, 5),
            EventKind::Evaluated {
                reply_quality: Satisfaction::BasicallySatisfied,
                timeliness: Satisfaction::Satisfied,
            },
        ),
        event(23, d(2025, 4, 6), EventKind::Closed { satisfaction: None }),
    ];
    let cases = [
        BriefingCase {
            case: &land,
            events: &land_events,
        },
        BriefingCase {
            case: &earlier,
            events: &earlier_events,
        },
    ];
    let with_case = book(&mut state, request(&slot, "刘桂英", Some(land.id)), today);
    book(&mut state, request(&slot, "周大勇", None), today);
    let gone = book(&mut state, request(&slot, "钱七", None), today);
    state.apply(
        bookings::cancel(&state, gone, "王秀英", "撤回", today).unwrap_or_else(|e| panic!("{e}")),
    );
    // Another slot's booking is not this slot's business.
    let other = state
        .live_slots()
        .into_iter()
        .find(|s| s.kind == SlotKind::Reception && s.id != slot.id && s.date > today)
        .cloned()
        .unwrap_or_else(|| panic!("another reception"));
    book(&mut state, request(&other, "孙八", None), today);

    let units = [
        unit(100, "自然资源和规划局", Some(id(200))),
        unit(101, "港口镇人民政府", None),
    ];
    let people = [person(200, "吴建华", "自然资源和规划局", "局长")];
    let b = briefing(
        &rules,
        &state,
        slot.id,
        &cases,
        &units,
        &people,
        LawSettings::default(),
        &calendar(),
        today,
    )
    .unwrap_or_else(|| panic!("briefing of a live slot"));

    assert_eq!(b.slot.id, slot.id);
    let names: Vec<&str> = b.visitors.iter().map(|v| v.petitioner.as_str()).collect();
    assert_eq!(names.len(), 2, "cancelled and other-slot bookings left out");
    assert!(names.contains(&"刘桂英") && names.contains(&"周大勇"));
    let visitor = b
        .visitors
        .iter()
        .find(|v| v.booking == with_case)
        .unwrap_or_else(|| panic!("the booked case's visitor"));
    let info = visitor
        .case
        .as_ref()
        .unwrap_or_else(|| panic!("case attached"));
    assert_eq!(info.number, "GK01-2025-00001");
    assert_eq!(info.request, "宅基地确权纠纷");
    // T5 from acceptance 2025-11-03: 60 days → Fri 2026-01-02, in the New Year holiday
    // (Jan 1–3) → the make-up working Sunday 2026-01-04; running.
    let t5 = info
        .clocks
        .iter()
        .find(|c| c.name.starts_with("T5"))
        .unwrap_or_else(|| panic!("T5 in {:?}", info.clocks));
    assert_eq!(t5.due, d(2026, 1, 4));
    assert!(t5.running);
    let history: Vec<&str> = info.history.iter().map(|h| h.what.as_str()).collect();
    assert_eq!(history, ["受理", "交办"]);
    assert_eq!(info.history[1].detail, "自然资源和规划局");
    assert_eq!(info.earlier.len(), 1);
    assert!(info.earlier[0].contains("耕地占用补偿"));
    // Heads of the owning units attend; a unit with no head recorded is flagged.
    let attendees: Vec<(&str, Option<&str>)> = b
        .attendees
        .iter()
        .map(|a| (a.unit.as_str(), a.head.as_deref()))
        .collect();
    assert_eq!(
        attendees,
        [
            ("自然资源和规划局", Some("吴建华")),
            ("港口镇人民政府", None)
        ]
    );
    assert_eq!(b.attendees[0].title, "局长");
    assert_eq!(b.attendees[0].cases, ["GK01-2025-00001"]);
    assert!(b.notes.iter().any(|n| n.contains("港口镇人民政府")));

    // The printable pack carries the same.
    let html = to_html(std::slice::from_ref(&b));
    for needle in [
        "领导接访准备材料",
        "刘桂英",
        "周大勇",
        "宅基地确权纠纷",
        "吴建华",
        "自然资源和规划局",
        "耕地占用补偿",
        "@media print",
        "2026-01-04",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("钱七") && !html.contains("孙八"));

    // By leader and date: the same pack.
    let packs = briefings_for(
        &rules,
        &state,
        slot.serving(),
        slot.date,
        &cases,
        &units,
        &people,
        LawSettings::default(),
        &calendar(),
        today,
    );
    assert_eq!(packs.len(), 1);
    assert_eq!(packs[0], b);
    assert!(
        briefings_for(
            &rules,
            &state,
            slot.serving(),
            slot.date + chrono::Days::new(1),
            &cases,
            &units,
            &people,
            LawSettings::default(),
            &calendar(),
            today
        )
        .iter()
        .all(|p| p.slot.id != slot.id)
    );
}

#[test]
fn html_escapes_what_clerks_typed() {
    let rules = ningguo();
    let today = d(2026, 1, 2);
    let mut state = january(&rules, true);
    let slot = reception(&state);
    let mut req = request(&slot, "<b>张三</b>", None);
    req.note = "a & b".into();
    book(&mut state, req, today);
    let b = briefing(
        &rules,
        &state,
        slot.id,
        &[],
        &[],
        &[],
        LawSettings::default(),
        &calendar(),
        today,
    )
    .unwrap_or_else(|| panic!("briefing"));
    let html = to_html(&[b]);
    assert!(html.contains("&lt;b&gt;张三&lt;/b&gt;"));
    assert!(html.contains("a &amp; b"));
    assert!(!html.contains("<b>张三"));
}
