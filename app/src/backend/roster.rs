//! The roster on the store thread: read `roster/<year>` records into a [`RosterState`], call
//! the pure `fengqiao-roster` functions, write back the records they return (one record per
//! store transaction). The same steps as `fengqiao roster …` in the CLI.

use anyhow::{Context, Result};
use chrono::{NaiveDate, TimeZone, Utc};
use fengqiao_roster::changes::{self, Actor, SwapRequest};
use fengqiao_roster::export::{csv, ics, notice};
use fengqiao_roster::{
    Diagnostic, Leave, LeaveId, Period, Record, RosterRules, RosterState, RowFilter, SlotId,
    SwapId, check, rows,
};
use fengqiao_rules::HolidayCalendar;
use fengqiao_store::Store;

use crate::vm::{LeaderChoice, RosterView};

/// The demo county's reception rules (宁国市), used when no rules are stored yet.
pub use fengqiao_store::demo::DEMO_ROSTER_RULES as EXAMPLE_RULES;

/// The roster export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RosterExport {
    Ics,
    Csv,
    Notice,
}

impl RosterExport {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            RosterExport::Ics => "ics",
            RosterExport::Csv => "csv",
            RosterExport::Notice => "html",
        }
    }
}

/// Rules and state around `period`.
pub struct Loaded {
    pub rules: Option<RosterRules>,
    pub state: RosterState,
}

/// Reads the rules and every record of the years around `period`.
pub fn load(store: &Store, period: Period) -> Result<Loaded> {
    let roster = store.roster_for(period).context("读取排班")?;
    Ok(Loaded {
        rules: roster.rules,
        state: roster.state,
    })
}

fn write_records(store: &Store, records: &[Record]) -> Result<usize> {
    store.put_roster(records).context("保存排班记录")
}

fn sentences<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

/// The view of `period`, with roster conflicts and `diagnostics`.
pub fn view(
    store: &Store,
    calendar: &HolidayCalendar,
    period: Period,
    diagnostics: &[Diagnostic],
) -> Result<RosterView> {
    let loaded = load(store, period)?;
    let Some(rules) = loaded.rules else {
        return Ok(RosterView {
            from: Some(period.from),
            to: Some(period.to),
            diagnostics: sentences(diagnostics),
            ..RosterView::default()
        });
    };
    let slots = rows(
        &rules,
        &loaded.state,
        RowFilter {
            period: Some(period),
            ..RowFilter::default()
        },
    );
    let mut notes = sentences(diagnostics);
    notes.extend(sentences(&check(
        &rules,
        calendar,
        &loaded.state,
        &[],
        period,
    )));
    Ok(RosterView {
        from: Some(period.from),
        to: Some(period.to),
        has_rules: true,
        rules_name: rules.name.clone(),
        rows: slots,
        diagnostics: notes,
    })
}

/// The leaders of the stored rules, for pickers.
pub fn leaders(store: &Store, today: NaiveDate) -> Result<Vec<LeaderChoice>> {
    let loaded = load(store, Period::week_of(today))?;
    Ok(loaded
        .rules
        .map(|rules| {
            rules
                .leaders
                .iter()
                .map(|l| LeaderChoice {
                    id: l.id,
                    name: l.name.clone(),
                    title: l.title.clone(),
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Drafts `period` with the stored rules, or the example rules when none are stored (and
/// stores them, so every replica derives the same roster).
pub fn generate_period(
    store: &Store,
    calendar: &HolidayCalendar,
    period: Period,
) -> Result<Vec<Diagnostic>> {
    let stored = store.roster_rules_text(period).context("读取排班规则")?;
    let text = stored.as_deref().unwrap_or(EXAMPLE_RULES);
    let drafted = store
        .draft_roster(Some(text), calendar, period)
        .context("生成排班草稿")?;
    Ok(drafted.generation.diagnostics)
}

fn require_rules(loaded: Loaded) -> Result<(RosterRules, RosterState)> {
    match loaded.rules {
        Some(rules) => Ok((rules, loaded.state)),
        None => anyhow::bail!("尚未生成排班，请先生成草稿 (no roster rules yet)"),
    }
}

/// Publishes the drafts of `period`; past published slots become historic.
pub fn publish(
    store: &Store,
    calendar: &HolidayCalendar,
    period: Period,
    today: NaiveDate,
) -> Result<usize> {
    Ok(store
        .publish_roster(calendar, period, today)
        .context("发布排班")?
        .published)
}

/// Swaps `slot` with next month's slot of the same rule.
pub fn swap(
    store: &Store,
    slot: SlotId,
    reason: &str,
    today: NaiveDate,
) -> Result<Vec<Diagnostic>> {
    let around = Period::week_of(today);
    let wide = Period::new(around.from, around.to + chrono::Duration::days(400))?;
    let (rules, state) = require_rules(load(store, wide)?)?;
    let second = *changes::swap_partners(&state, &[], slot, today)
        .first()
        .context("没有可对调的下月接访安排 (no partner slot next month)")?;
    let request = SwapRequest {
        id: SwapId::generate(),
        first: slot,
        second,
        reason: reason.to_owned(),
    };
    let outcome = changes::swap(
        &rules,
        &state,
        &[],
        &request,
        Actor {
            by: &store.roster_author(),
            today,
            at: fengqiao_store::now_cst(),
        },
    )?;
    write_records(store, &outcome.records)?;
    Ok(outcome.diagnostics)
}

/// Reports leave; the standby list fills the gaps.
pub fn leave(
    store: &Store,
    calendar: &HolidayCalendar,
    leave: (fengqiao_model::LeaderId, Period, String),
    today: NaiveDate,
) -> Result<Vec<Diagnostic>> {
    let (leader, period, reason) = leave;
    let (rules, state) = require_rules(load(store, period)?)?;
    let leave = Leave {
        id: LeaveId::generate(),
        leader,
        from: period.from,
        to: period.to,
        reported_on: today,
        reason,
    };
    let outcome = changes::report_leave(
        &rules,
        calendar,
        &state,
        &[],
        leave,
        Actor {
            by: &store.roster_author(),
            today,
            at: fengqiao_store::now_cst(),
        },
    )?;
    write_records(store, &outcome.records)?;
    Ok(outcome.diagnostics)
}

/// Exports `period` as iCalendar, CSV or the printable notice; returns the slot count.
pub fn export(
    store: &Store,
    format: RosterExport,
    period: Period,
    path: &std::path::Path,
    today: NaiveDate,
) -> Result<usize> {
    let (rules, state) = require_rules(load(store, period)?)?;
    let selected = rows(
        &rules,
        &state,
        RowFilter {
            period: Some(period),
            leader: None,
            published_only: format == RosterExport::Notice,
        },
    );
    // The start of the office's day (UTC+8): deterministic for a given day.
    let stamp = Utc
        .from_utc_datetime(&(today.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(8)));
    let text = match format {
        RosterExport::Ics => ics::to_ics(&selected, &format!("{}领导接访安排", rules.name), stamp),
        RosterExport::Csv => csv::to_csv(&selected),
        RosterExport::Notice => notice::to_html(&rules, &selected, period, today),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("创建目录 {}", parent.display()))?;
    }
    std::fs::write(path, text.as_bytes()).with_context(|| format!("写入 {}", path.display()))?;
    Ok(selected.len())
}

/// What a clerk typed to book a visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingForm {
    pub slot: fengqiao_roster::SlotId,
    pub petitioner: String,
    pub phone: String,
    /// A case number or id; empty for none.
    pub case: String,
    pub note: String,
}

/// Books a visitor onto a published reception; returns the visitor's name.
pub fn book(store: &Store, form: &BookingForm, today: NaiveDate) -> Result<String> {
    use fengqiao_roster::bookings::{self, BookingRequest, DEFAULT_CAPACITY};
    let state = store
        .load_roster(fengqiao_store::roster_years_around(today))
        .context("读取排班")?
        .state;
    let case = match form.case.trim() {
        "" => None,
        key => Some(store.case(key).context("查找预约关联的案件")?.case.id),
    };
    let record = bookings::book(
        &state,
        BookingRequest {
            id: fengqiao_roster::BookingId::generate(),
            slot: form.slot,
            petitioner: form.petitioner.clone(),
            phone: form.phone.clone(),
            case,
            note: form.note.clone(),
            booked_by: store.identity().person.name.clone(),
        },
        DEFAULT_CAPACITY,
        today,
    )?;
    write_records(store, std::slice::from_ref(&record))?;
    Ok(form.petitioner.trim().to_owned())
}

/// Cancels a booking.
pub fn cancel_booking(
    store: &Store,
    booking: fengqiao_roster::BookingId,
    today: NaiveDate,
) -> Result<()> {
    let state = store
        .load_roster(fengqiao_store::roster_years_around(today))
        .context("读取排班")?
        .state;
    let by = store.identity().person.name.clone();
    let record = fengqiao_roster::bookings::cancel(&state, booking, &by, "", today)?;
    write_records(store, &[record])?;
    Ok(())
}

/// The briefing pack of a slot.
pub fn briefing(
    store: &Store,
    calendar: &HolidayCalendar,
    slot: fengqiao_roster::SlotId,
    today: NaiveDate,
) -> Result<Option<fengqiao_roster::Briefing>> {
    store
        .slot_briefing(
            slot,
            fengqiao_store::roster_years_around(today),
            calendar,
            today,
        )
        .context("准备接访材料")
}

/// Writes the printable briefing pack of a slot to `path`.
pub fn save_briefing(
    store: &Store,
    calendar: &HolidayCalendar,
    slot: fengqiao_roster::SlotId,
    path: &std::path::Path,
    today: NaiveDate,
) -> Result<()> {
    let Some(b) = briefing(store, calendar, slot, today)? else {
        anyhow::bail!("找不到这次接访安排 (unknown slot)");
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("创建 {}", dir.display()))?;
    }
    std::fs::write(path, fengqiao_roster::export::briefing::to_html(&[b]))
        .with_context(|| format!("写入 {}", path.display()))?;
    Ok(())
}
