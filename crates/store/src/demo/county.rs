//! The demo county whole, as the app's first start and `fengqiao demo` both make it: the
//! directory, a year of cases, the reception rules with this month published and next
//! month drafted, the units and panels of the 信访 desk, and two booked visitors.

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use fengqiao_model::Route;
use fengqiao_roster::bookings::{self, BookingRequest, DEFAULT_CAPACITY};
use fengqiao_roster::{BookingError, BookingId, Period, PeriodError, SlotKind, SlotState};

use super::{DemoOptions, generate, init_demo_county, seed_desk};
use crate::error::StoreError;
use crate::store::{CaseFilter, RosterWorkError, Store};

/// The demo county's reception rules (宁国市).
pub const DEMO_ROSTER_RULES: &str = include_str!("../../../../examples/roster/ningguo.toml");

/// What went wrong making the demo county.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("演示排班：{0}")]
    Roster(#[from] RosterWorkError),
    #[error("演示排班时段：{0}")]
    Period(#[from] PeriodError),
    #[error("演示预约：{0}")]
    Booking(#[from] BookingError),
}

/// Makes the demo county in the empty data directory `dir`: `opts.cases` cases over the
/// year up to `opts.end` (deterministic for a seed), then the roster, desk and bookings
/// as of that day. `progress` is told how many cases are written.
pub fn create_county(
    dir: &Path,
    opts: DemoOptions,
    progress: impl FnMut(usize),
) -> Result<Store, DemoError> {
    let store = init_demo_county(dir)?;
    store.import_cases(generate(opts), progress)?;
    let today = opts.end;
    let calendar = store.holiday_calendar()?;
    let this_month = Period::month(today.year(), today.month())?;
    let next = this_month.to + Duration::days(1);
    let next_month = Period::month(next.year(), next.month())?;
    store.draft_roster(Some(DEMO_ROSTER_RULES), &calendar, this_month)?;
    store.draft_roster(Some(DEMO_ROSTER_RULES), &calendar, next_month)?;
    store.publish_roster(&calendar, this_month, today)?;
    seed_desk(&store, today)?;
    book_demo_visitors(&store, today)?;
    Ok(store)
}

/// Books two visitors onto the next published reception, one about an open case, so
/// the briefing pack has something to show on first start.
fn book_demo_visitors(store: &Store, today: NaiveDate) -> Result<(), DemoError> {
    let state = store.load_roster(today.year()..=today.year() + 1)?.state;
    let Some(slot) = state
        .live_slots()
        .into_iter()
        .find(|s| {
            s.kind == SlotKind::Reception && s.state == SlotState::Published && s.date >= today
        })
        .map(|s| s.id)
    else {
        return Ok(());
    };
    let open = store
        .list_cases(&CaseFilter::default())?
        .into_iter()
        .find(|c| c.status.is_open() && c.route == Some(Route::PetitionRequest));
    let visitors = [
        (
            open.as_ref()
                .map(|c| c.petitioner.clone())
                .unwrap_or_else(|| "刘桂英".into()),
            open.as_ref().map(|c| c.id),
            "要求当面反映办理进度",
        ),
        ("周大勇".to_owned(), None, "反映村道硬化问题，尚未登记"),
    ];
    let mut state = state;
    for (petitioner, case, note) in visitors {
        let record = bookings::book(
            &state,
            BookingRequest {
                id: BookingId::generate(),
                slot,
                petitioner,
                phone: String::new(),
                case,
                note: note.into(),
                booked_by: store.roster_author(),
            },
            DEFAULT_CAPACITY,
            today,
        )?;
        store.put_roster(std::slice::from_ref(&record))?;
        state.apply_all(vec![record]);
    }
    Ok(())
}
