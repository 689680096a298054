//! Deterministic view models for tests, snapshots and the frame benchmark: the demo county's
//! generated cases as list rows with fixed ids and numbers, and their clocks, without a store.

use chrono::NaiveDate;
use fengqiao_model::{CaseEvent, CaseId, EventId, PersonId, event};
use fengqiao_rules::{HolidayCalendar, LawContext, LawSettings};
use fengqiao_store::demo;
use uuid::Uuid;

use crate::vm::{CaseRow, ClockIndex, Directory, Township};

/// `n` generated cases received in the year before `today`, as list rows, and their clocks.
pub fn cases(n: usize, today: NaiveDate) -> (Vec<CaseRow>, ClockIndex) {
    let generated = demo::generate(demo::DemoOptions {
        cases: n,
        seed: 7,
        end: today,
    });
    let mut rows = Vec::with_capacity(n);
    let mut histories = Vec::with_capacity(n);
    for (i, c) in generated.into_iter().enumerate() {
        let id = CaseId(Uuid::from_u128(i as u128 + 1));
        let registered = fengqiao_model::ImportedEvent::new(
            fengqiao_model::EventKind::Registered,
            c.registration.received_on,
        );
        let mut events: Vec<CaseEvent> = std::iter::once(&registered)
            .chain(c.events.iter())
            .enumerate()
            .map(|(k, e)| CaseEvent {
                id: EventId(Uuid::from_u128(((i as u128) << 16) + k as u128 + 1)),
                kind: e.kind.clone(),
                date: e.date,
                recorded_at: c.registered_at,
                recorded_by: PersonId(Uuid::nil()),
                remark: String::new(),
            })
            .collect();
        event::sort_events(&mut events);
        let reg = &c.registration;
        let petitioner = reg
            .petitioners
            .first()
            .or(reg.representatives.first())
            .map(|p| p.name.clone())
            .unwrap_or_default();
        rows.push(CaseRow {
            id,
            number: format!("DEMO-{}-{:05}", reg.received_on.format("%Y"), i + 1),
            source_number: String::new(),
            received_on: reg.received_on,
            township: reg.township.clone(),
            village: reg.village.clone(),
            petitioner,
            request: reg.content.request.clone(),
            channel: reg.channel.zh().to_owned(),
            route: reg.route,
            status: event::status_of(&events),
            has_conflicts: i % 97 == 0,
            document: String::new(),
        });
        histories.push((id, c.registration, events));
    }
    rows.sort_by(|a, b| {
        b.received_on
            .cmp(&a.received_on)
            .then_with(|| b.number.cmp(&a.number))
    });
    let clocks = fengqiao_store::reports::index(
        histories
            .iter()
            .map(|(id, reg, ev)| (*id, reg, ev.as_slice())),
        &HolidayCalendar::embedded(),
        &law_context(),
        today,
    );
    (rows, clocks)
}

/// The demo county's units as the clocks see them: its 信访局 (a 信访部门) and its
/// townships (other organs), as `Store::init` records them.
pub fn law_context() -> LawContext {
    let unit = |name: String, kind, organ| fengqiao_model::OrgUnit {
        id: fengqiao_model::UnitId(Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes())),
        name,
        kind,
        parent: None,
        code: String::new(),
        head: None,
        organ: Some(organ),
    };
    let mut units = vec![unit(
        format!("{}信访局", demo::DEMO_COUNTY),
        fengqiao_model::UnitKind::Department,
        fengqiao_model::OrganKind::PetitionOffice,
    )];
    units.extend(demo::demo_townships().into_iter().map(|t| {
        unit(
            t.name,
            fengqiao_model::UnitKind::Township,
            fengqiao_model::OrganKind::OtherOrgan,
        )
    }));
    LawContext::new(&units, LawSettings::default())
}

/// The demo county's townships and villages.
pub fn directory() -> Directory {
    Directory {
        townships: demo::demo_townships()
            .into_iter()
            .map(|t| Township {
                name: t.name,
                villages: t.villages,
            })
            .collect(),
        leaders: Vec::new(),
        devices: Vec::new(),
        panel_members: Vec::new(),
        units: Vec::new(),
        extension_from: Default::default(),
        access_trail: None,
    }
}
