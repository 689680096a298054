//! The demo county whole, as the app's first start and `fengqiao demo` both make it: the
//! directory, a year of cases, the reception rules with this month published and next
//! month drafted, the units and panels of the 信访 desk, two booked visitors, and field
//! visits done and planned.

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

/// How far making the demo county has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoStep {
    /// The directory: townships, villages, this device.
    Directory,
    /// Cases written so far.
    Cases { written: usize, of: usize },
    /// This month's roster drafted and published, next month's drafted.
    Roster,
    /// Units, panels, the intake queue and booked visitors.
    Desk,
}

/// Makes the demo county in the empty data directory `dir`: `opts.cases` cases over the
/// year up to `opts.end` (deterministic for a seed), then the roster, desk and bookings
/// as of that day. `progress` is told each step as it begins, and each batch of cases.
pub fn create_county(
    dir: &Path,
    opts: DemoOptions,
    mut progress: impl FnMut(DemoStep),
) -> Result<Store, DemoError> {
    progress(DemoStep::Directory);
    let store = init_demo_county(dir)?;
    let of = opts.cases;
    progress(DemoStep::Cases { written: 0, of });
    store.import_cases(generate(opts), |written| {
        progress(DemoStep::Cases { written, of })
    })?;
    progress(DemoStep::Roster);
    let today = opts.end;
    let calendar = store.holiday_calendar()?;
    let this_month = Period::month(today.year(), today.month())?;
    let next = this_month.to + Duration::days(1);
    let next_month = Period::month(next.year(), next.month())?;
    store.draft_roster(Some(DEMO_ROSTER_RULES), &calendar, this_month)?;
    store.draft_roster(Some(DEMO_ROSTER_RULES), &calendar, next_month)?;
    store.publish_roster(&calendar, this_month, today)?;
    progress(DemoStep::Desk);
    seed_desk(&store, today)?;
    book_demo_visitors(&store, today)?;
    plan_demo_visits(&store, today)?;
    Ok(store)
}

/// A demo field visit: days from today, township, village, staff, the households met
/// (head, what they said), and the outcome (empty while planned).
type DemoVisit = (
    i64,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// Field visits (下访) of the weeks around `today`: three done, with the households met
/// and what came of it, and two planned, carrying open cases of their township (带案下访).
/// Only this year's: the 下访 view shows a year.
fn plan_demo_visits(store: &Store, today: NaiveDate) -> Result<(), DemoError> {
    use fengqiao_model::{FieldVisit, Household, VisitId};
    let visits: [DemoVisit; 5] = [
        (
            -19,
            "港口镇",
            "山门口村",
            &["刘志强", "港口镇信访办 何静"],
            &[
                ("程春生", "反映宅基地界址，已约双方到场丈量"),
                ("汤美玲", "无新诉求"),
            ],
            "走访 2 户，现场丈量宅基地界址，双方同意由村调委会调解",
        ),
        (
            -11,
            "梅林镇",
            "罗村",
            &["周丽萍", "梅林镇综治中心 吴斌"],
            &[("胡国强", "养殖场粪污已整改，要求持续监测")],
            "复查养殖场整改情况，信访人表示满意",
        ),
        (
            -4,
            "甲路镇",
            "路口村",
            &["冯晓燕", "甲路镇信访办 张磊"],
            &[
                ("储金花", "工资已结清大部分，余款约定月底付清"),
                ("詹德华", "同上"),
            ],
            "督促包工头签订还款承诺书，人社局跟踪",
        ),
        (
            2,
            "万家乡",
            "桃园村",
            &["吴建华", "万家乡信访办 王芳"],
            &[],
            "",
        ),
        (
            6,
            "港口镇",
            "港口村",
            &["何志明", "港口镇信访办 何静"],
            &[],
            "",
        ),
    ];
    for (offset, township, village, staff, households, outcome) in visits {
        let date = today + Duration::days(offset);
        if date.year() != today.year() {
            continue;
        }
        // The township's open cases go down with the visit.
        let linked_cases = store
            .list_cases(&CaseFilter {
                township: Some(township.to_owned()),
                ..CaseFilter::default()
            })?
            .into_iter()
            .filter(|c| c.status.is_open())
            .take(2)
            .map(|c| c.id)
            .collect();
        let id = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            format!(
                "fengqiao-demo:{}:visit:{township}:{village}:{offset}",
                super::DEMO_COUNTY
            )
            .as_bytes(),
        );
        store.put_visit(&FieldVisit {
            id: VisitId(id),
            leader: None,
            staff: staff.iter().map(|s| (*s).to_owned()).collect(),
            township: township.to_owned(),
            village: village.to_owned(),
            date,
            households: households
                .iter()
                .map(|(head, outcome)| Household {
                    head: (*head).to_owned(),
                    address: format!("{township}{village}"),
                    outcome: (*outcome).to_owned(),
                })
                .collect(),
            linked_cases,
            outcome: outcome.to_owned(),
        })?;
    }
    Ok(())
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
