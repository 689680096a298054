//! The statutory clocks T1–T10 and the fast track (RULES.md §1), and how a due date is
//! counted from a start date.
//!
//! Counting, as the law says:
//! - the day of the event does not count; counting starts the next day (民法典 第二百零一条);
//! - a calendar-day period whose last day is a rest day ends on the next working day
//!   (民法典 第二百零三条);
//! - a working-day period (工作日) is counted day by day from the next day, skipping rest
//!   days and counting make-up working days (调休上班).
//!
//! [`deadline`] computes one [`Deadline`]; [`Deadline::status`] places it relative to
//! `today`. Case clocks, which decide *which* clocks run from a case's events, live in
//! [`mod@crate::case_clocks`].

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;

use chrono::{Days, NaiveDate};

use crate::calendar::HolidayCalendar;
pub use crate::diagnostic::Diagnostic;

/// The regulation most clocks come from.
pub const REGULATION: &str = "《信访工作条例》";

/// The longest extension the head of a unit may approve (第三十四条).
pub const MAX_EXTENSION_DAYS: u32 = 30;

/// One of the statutory clocks of RULES.md §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClockId {
    /// Petition office registers and routes (转送/交办): 15 days from receipt.
    T1,
    /// Written notice for an item received directly: 15 days from receipt.
    T2,
    /// Written notice for a forwarded/assigned item: 15 days from receipt by the unit.
    T3,
    /// The receiving unit may object that the item is outside its remit: 5 working days.
    T4,
    /// Handling deadline of route 第三十一条第(六)项 items: 60 days from acceptance.
    T5,
    /// Extension of T5, at most 30 days, approved by the head of unit.
    T6,
    /// The petitioner may ask for review (复查): 30 days from receiving the reply.
    T7,
    /// Review opinion: 30 days from the review request.
    T8,
    /// The petitioner may ask for re-review (复核): 30 days from the review opinion.
    T9,
    /// Re-review opinion: 30 days from the request; hearing days are not counted.
    T10,
    /// Fast track (简易办理): 10 working days from acceptance.
    FastTrack,
}

/// How long a clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// Calendar days (日), rolled forward when the last day is a rest day.
    CalendarDays(u32),
    /// Working days (工作日), counted one by one.
    WorkingDays(u32),
}

impl Period {
    /// The number of days, whatever their kind.
    pub fn days(self) -> u32 {
        match self {
            Period::CalendarDays(n) | Period::WorkingDays(n) => n,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::CalendarDays(n) => write!(f, "{n}日"),
            Period::WorkingDays(n) => write!(f, "{n}个工作日"),
        }
    }
}

/// Whose clock it is, which decides what running out means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockKind {
    /// A duty of the office or the handling unit; running out is overdue and a trigger for
    /// accountability (第四十四、四十五条).
    Duty,
    /// A window in which the petitioner (T7, T9) or the receiving unit (T4) may act;
    /// running out only closes the window.
    Window,
}

/// A clock name that is not T1–T10 or the fast track.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{input}” 不是法定时限编号；可选：T1–T10、FT（简易办理） (unknown clock)")]
pub struct UnknownClock {
    /// The rejected input.
    pub input: String,
}

impl ClockId {
    /// Every clock, in the order of the lifecycle.
    pub const ALL: &'static [ClockId] = &[
        ClockId::T1,
        ClockId::T2,
        ClockId::T3,
        ClockId::T4,
        ClockId::FastTrack,
        ClockId::T5,
        ClockId::T6,
        ClockId::T7,
        ClockId::T8,
        ClockId::T9,
        ClockId::T10,
    ];

    /// The stable code: `T1`…`T10`, `FT`.
    pub fn code(self) -> &'static str {
        match self {
            ClockId::T1 => "T1",
            ClockId::T2 => "T2",
            ClockId::T3 => "T3",
            ClockId::T4 => "T4",
            ClockId::T5 => "T5",
            ClockId::T6 => "T6",
            ClockId::T7 => "T7",
            ClockId::T8 => "T8",
            ClockId::T9 => "T9",
            ClockId::T10 => "T10",
            ClockId::FastTrack => "FT",
        }
    }

    /// What the clock is for, in the office's words.
    pub fn zh(self) -> &'static str {
        match self {
            ClockId::T1 => "登记并转送交办",
            ClockId::T2 => "直接收到事项书面告知",
            ClockId::T3 => "转送交办事项书面告知",
            ClockId::T4 => "不属职权范围异议",
            ClockId::T5 => "办理期限",
            ClockId::T6 => "延长办理期限",
            ClockId::T7 => "请求复查期限",
            ClockId::T8 => "复查意见期限",
            ClockId::T9 => "请求复核期限",
            ClockId::T10 => "复核意见期限",
            ClockId::FastTrack => "简易办理期限",
        }
    }

    /// The period the law gives. For T6 this is the longest extension; the real length is
    /// what the head of unit approved.
    pub fn period(self) -> Period {
        match self {
            ClockId::T1 | ClockId::T2 | ClockId::T3 => Period::CalendarDays(15),
            ClockId::T4 => Period::WorkingDays(5),
            ClockId::T5 => Period::CalendarDays(60),
            ClockId::T6 => Period::CalendarDays(MAX_EXTENSION_DAYS),
            ClockId::T7 | ClockId::T8 | ClockId::T9 | ClockId::T10 => Period::CalendarDays(30),
            ClockId::FastTrack => Period::WorkingDays(10),
        }
    }

    /// The article the clock comes from, e.g. 第二十三条 (without the paragraph).
    pub fn article(self) -> &'static str {
        match self {
            ClockId::T1 => "第二十二条",
            ClockId::T2 | ClockId::T3 | ClockId::T4 => "第二十三条",
            ClockId::T5 | ClockId::T6 => "第三十四条",
            ClockId::T7 | ClockId::T8 => "第三十五条",
            ClockId::T9 | ClockId::T10 => "第三十六条",
            // The fast track's rule is a separate measure, cited whole in `source`.
            ClockId::FastTrack => "",
        }
    }

    /// The paragraph within the article, when RULES.md names one.
    pub fn clause(self) -> &'static str {
        match self {
            ClockId::T1 | ClockId::T9 => "第一款",
            ClockId::T2 => "第二款",
            ClockId::T3 | ClockId::T4 => "第三款",
            _ => "",
        }
    }

    /// The instrument the article belongs to.
    pub fn source(self) -> &'static str {
        match self {
            ClockId::FastTrack => "国家信访局《信访事项简易办理办法(试行)》",
            _ => REGULATION,
        }
    }

    /// The full citation, e.g. 《信访工作条例》第二十三条第三款.
    pub fn citation(self) -> String {
        format!("{}{}{}", self.source(), self.article(), self.clause())
    }

    /// The event the clock starts from, in the office's words.
    pub fn starts_zh(self) -> &'static str {
        match self {
            ClockId::T1 | ClockId::T2 => "收到之日",
            ClockId::T3 | ClockId::T4 => "责任单位收到之日",
            ClockId::T5 | ClockId::FastTrack => "受理之日",
            ClockId::T6 => "受理之日，自原办理期限届满起延长",
            ClockId::T7 => "收到信访处理意见书之日",
            ClockId::T8 => "收到复查请求之日",
            ClockId::T9 => "收到复查意见书之日",
            ClockId::T10 => "收到复核请求之日，听证时间不计",
        }
    }

    /// Whose clock it is.
    pub fn kind(self) -> ClockKind {
        match self {
            ClockId::T4 | ClockId::T7 | ClockId::T9 => ClockKind::Window,
            _ => ClockKind::Duty,
        }
    }

    /// Parses `T4`, `t4`, `FT`, `fast-track` or `简易办理`.
    pub fn parse(input: &str) -> Result<ClockId, UnknownClock> {
        let s = input.trim();
        if s.eq_ignore_ascii_case("fast-track") || s == "简易办理" {
            return Ok(ClockId::FastTrack);
        }
        ClockId::ALL
            .iter()
            .copied()
            .find(|c| c.code().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownClock {
                input: input.to_owned(),
            })
    }
}

impl fmt::Display for ClockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for ClockId {
    type Err = UnknownClock;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClockId::parse(s)
    }
}

/// Where an extension (T6) is counted from when T5's last day falls on a rest day.
///
/// 第三十四条 says only that an extension "不得超过30日". When T5's 60th day is a rest
/// day, 民法典 第二百零三条 moves T5's *last day* to the next working day; whether the
/// extension then runs on from the 60th day or from that moved day is a reading the law
/// leaves open (law review 2026-12, row 21). Fengqiao counts from the 60th day by default:
/// it never adds the holiday to the 30 days the law caps, and a clerk who meets the earlier
/// date is on time under either reading. A county whose 信访局 reads it the other way sets
/// [`ExtensionBase::RolledEnd`] (`fengqiao law set extension-from rolled-end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExtensionBase {
    /// From T5's nominal last day (acceptance + 60 days), before rolling off rest days.
    #[default]
    NominalEnd,
    /// From T5's due date after rolling forward off rest days (the more lenient reading).
    RolledEnd,
}

impl ExtensionBase {
    /// Every choice.
    pub const ALL: &'static [ExtensionBase] =
        &[ExtensionBase::NominalEnd, ExtensionBase::RolledEnd];

    /// The stable code: `nominal-end`, `rolled-end`.
    pub fn code(self) -> &'static str {
        match self {
            ExtensionBase::NominalEnd => "nominal-end",
            ExtensionBase::RolledEnd => "rolled-end",
        }
    }

    /// The reading, in the office's words.
    pub fn zh(self) -> &'static str {
        match self {
            ExtensionBase::NominalEnd => "自原办理期限第60日起算延长期限",
            ExtensionBase::RolledEnd => "自顺延后的原办理期限届满日起算延长期限",
        }
    }

    /// Parses a code.
    pub fn parse(input: &str) -> Option<ExtensionBase> {
        Self::ALL.iter().copied().find(|b| b.code() == input.trim())
    }
}

/// Adjustments some clocks take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Adjustments {
    /// T6 only: the approved extension in days (1–30); `None` means the full 30.
    pub extension_days: Option<u32>,
    /// T6 only: where the extension is counted from.
    pub extension_from: ExtensionBase,
    /// T10 only: hearing days (听证), which are not counted.
    pub excluded_days: u32,
}

/// Why a deadline cannot be computed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// An extension was given for a clock other than T6.
    #[error(
        "{clock}：只有 T6 可以延期（第三十四条）；延期后的期限请用 T6 计算 (extension applies to T6 only)"
    )]
    ExtensionNotAllowed {
        /// The clock asked for.
        clock: ClockId,
    },
    /// The extension is zero or longer than the law allows.
    #[error("延期 {days} 日不合法：延长期限应为 1–{max} 日（第三十四条） (extension out of range)")]
    ExtensionOutOfRange {
        /// The days asked for.
        days: u32,
        /// The legal maximum.
        max: u32,
    },
    /// Excluded days were given for a clock other than T10.
    #[error(
        "{clock}：只有 T10 复核期限可扣除听证时间（第三十六条） (excluded days apply to T10 only)"
    )]
    ExclusionNotAllowed {
        /// The clock asked for.
        clock: ClockId,
    },
    /// The dates run past what the calendar can represent.
    #[error("起算日 {start} 超出可计算的日期范围 (date out of range)")]
    OutOfRange {
        /// The start date.
        start: NaiveDate,
    },
}

/// A computed due date and everything a clerk needs to trust it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// Which clock.
    pub clock: ClockId,
    /// The day of the starting event (not itself counted).
    pub start: NaiveDate,
    /// The last day on which the act is on time.
    pub due: NaiveDate,
    /// The period actually counted (for T6 the approved extension, on top of T5).
    pub period: Period,
    /// T6: the end of T5 that the extension is added to.
    pub extends: Option<NaiveDate>,
    /// T10: hearing days not counted.
    pub excluded_days: u32,
    /// For calendar-day periods, the last day before rolling forward off rest days;
    /// equal to `due` when no rolling was needed.
    pub nominal_end: NaiveDate,
    /// Years the count passed through that have no holiday notice loaded. When not empty
    /// the due date is uncertain and must be shown with a warning.
    pub uncertain_years: Vec<i32>,
}

impl Deadline {
    /// The article, e.g. 第二十三条.
    pub fn article(&self) -> &'static str {
        self.clock.article()
    }

    /// The full citation, e.g. 《信访工作条例》第二十三条第三款.
    pub fn citation(&self) -> String {
        self.clock.citation()
    }

    /// Whether every day the count relied on lies in a year with a loaded notice.
    pub fn is_certain(&self) -> bool {
        self.uncertain_years.is_empty()
    }

    /// Where the deadline stands on `today`.
    pub fn status(&self, today: NaiveDate, thresholds: &DueThresholds) -> DueStatus {
        let days_left = (self.due - today).num_days();
        let soon = i64::from(thresholds.due_soon_days(self.clock));
        match days_left {
            d if d < 0 => DueStatus::Overdue { days_late: -d },
            0 => DueStatus::DueToday,
            d if d <= soon => DueStatus::DueSoon { days_left: d },
            d => DueStatus::Ok { days_left: d },
        }
    }

    /// The warnings to show with the date.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.uncertain_years
            .iter()
            .map(|&year| Diagnostic::UnknownYear {
                clock: self.clock,
                year,
            })
            .collect()
    }
}

/// Where a running deadline stands relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DueStatus {
    /// More than the due-soon threshold left.
    Ok {
        /// Calendar days until the due date.
        days_left: i64,
    },
    /// Within the due-soon threshold.
    DueSoon {
        /// Calendar days until the due date.
        days_left: i64,
    },
    /// Today is the last day.
    DueToday,
    /// The due date has passed.
    Overdue {
        /// Calendar days since the due date.
        days_late: i64,
    },
}

impl DueStatus {
    /// The stable code: `ok`, `due-soon`, `due-today`, `overdue`.
    pub fn code(self) -> &'static str {
        match self {
            DueStatus::Ok { .. } => "ok",
            DueStatus::DueSoon { .. } => "due-soon",
            DueStatus::DueToday => "due-today",
            DueStatus::Overdue { .. } => "overdue",
        }
    }

    /// Whether the status calls for attention (due soon, today, or overdue).
    pub fn needs_attention(self) -> bool {
        !matches!(self, DueStatus::Ok { .. })
    }
}

impl fmt::Display for DueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DueStatus::Ok { days_left } => write!(f, "剩余{days_left}天"),
            DueStatus::DueSoon { days_left } => write!(f, "即将到期，剩余{days_left}天"),
            DueStatus::DueToday => f.write_str("今日到期"),
            DueStatus::Overdue { days_late } => write!(f, "已超期{days_late}天"),
        }
    }
}

/// How close a due date must be to count as "due soon", in calendar days. Configurable
/// per clock because 3 days' notice means little on a 60-day clock and much on a 5-day one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueThresholds {
    /// The threshold for clocks without an override.
    pub default_days: u32,
    /// Per-clock overrides.
    pub per_clock: BTreeMap<ClockId, u32>,
}

impl Default for DueThresholds {
    /// 5 days; 2 days for the short working-day clocks (T4 and the fast track).
    fn default() -> Self {
        DueThresholds {
            default_days: 5,
            per_clock: BTreeMap::from([(ClockId::T4, 2), (ClockId::FastTrack, 2)]),
        }
    }
}

impl DueThresholds {
    /// The same threshold for every clock.
    pub fn uniform(days: u32) -> DueThresholds {
        DueThresholds {
            default_days: days,
            per_clock: BTreeMap::new(),
        }
    }

    /// The threshold that applies to `clock`.
    pub fn due_soon_days(&self, clock: ClockId) -> u32 {
        self.per_clock
            .get(&clock)
            .copied()
            .unwrap_or(self.default_days)
    }
}

/// Tracks the years a count passed through without a loaded notice.
struct YearWitness<'a> {
    calendar: &'a HolidayCalendar,
    unknown: BTreeSet<i32>,
}

impl YearWitness<'_> {
    fn see(&mut self, date: NaiveDate) {
        let info = self.calendar.day(date);
        if !info.year_known {
            use chrono::Datelike;
            self.unknown.insert(date.year());
        }
    }

    /// The first working day on or after `date`, noting every day looked at.
    fn roll_forward(&mut self, date: NaiveDate) -> Option<NaiveDate> {
        let mut day = date;
        loop {
            self.see(day);
            if self.calendar.is_working_day(day) {
                return Some(day);
            }
            day = day.checked_add_days(Days::new(1))?;
        }
    }

    /// A calendar-day period: `days` after `start`, rolled forward off rest days.
    /// Returns (nominal end, due).
    fn calendar_days(&mut self, start: NaiveDate, days: u32) -> Option<(NaiveDate, NaiveDate)> {
        let nominal = start.checked_add_days(Days::new(u64::from(days)))?;
        Some((nominal, self.roll_forward(nominal)?))
    }

    /// A working-day period: the `days`-th working day after `start`.
    fn working_days(&mut self, start: NaiveDate, days: u32) -> Option<NaiveDate> {
        let mut day = start;
        let mut counted = 0;
        while counted < days {
            day = day.checked_add_days(Days::new(1))?;
            self.see(day);
            if self.calendar.is_working_day(day) {
                counted += 1;
            }
        }
        // A zero-length period still cannot end on a rest day.
        self.roll_forward(day)
    }
}

/// Computes `clock`'s due date for an event on `start`.
///
/// For T6, `start` is the acceptance date (T5's start): the extension is added to the end
/// of T5. For T10, `adjust.excluded_days` hearing days are added before rolling forward.
pub fn deadline(
    calendar: &HolidayCalendar,
    clock: ClockId,
    start: NaiveDate,
    adjust: Adjustments,
) -> Result<Deadline, ClockError> {
    if adjust.extension_days.is_some() && clock != ClockId::T6 {
        return Err(ClockError::ExtensionNotAllowed { clock });
    }
    if adjust.excluded_days > 0 && clock != ClockId::T10 {
        return Err(ClockError::ExclusionNotAllowed { clock });
    }
    let out_of_range = ClockError::OutOfRange { start };
    let mut witness = YearWitness {
        calendar,
        unknown: BTreeSet::new(),
    };
    let (period, extends, nominal_end, due) = match clock {
        ClockId::T6 => {
            let days = adjust.extension_days.unwrap_or(MAX_EXTENSION_DAYS);
            if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
                return Err(ClockError::ExtensionOutOfRange {
                    days,
                    max: MAX_EXTENSION_DAYS,
                });
            }
            let (t5_nominal, t5_due) = witness
                .calendar_days(start, ClockId::T5.period().days())
                .ok_or(out_of_range)?;
            let base = match adjust.extension_from {
                ExtensionBase::NominalEnd => t5_nominal,
                ExtensionBase::RolledEnd => t5_due,
            };
            let (nominal, due) = witness
                .calendar_days(base, days)
                .ok_or(ClockError::OutOfRange { start })?;
            (Period::CalendarDays(days), Some(base), nominal, due)
        }
        _ => match clock.period() {
            Period::CalendarDays(days) => {
                let total = days.saturating_add(adjust.excluded_days);
                let (nominal, due) = witness.calendar_days(start, total).ok_or(out_of_range)?;
                (Period::CalendarDays(days), None, nominal, due)
            }
            Period::WorkingDays(days) => {
                let due = witness.working_days(start, days).ok_or(out_of_range)?;
                (Period::WorkingDays(days), None, due, due)
            }
        },
    };
    Ok(Deadline {
        clock,
        start,
        due,
        period,
        extends,
        excluded_days: adjust.excluded_days,
        nominal_end,
        uncertain_years: witness.unknown.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    /// Runs one fixture line, `CLOCK START [ext N] [excl N]`, and renders the result as
    /// `DUE` (with ` ?YEAR` for each uncertain year) or `error: MESSAGE`.
    #[track_caller]
    fn check(fixture: &str, expect: &str) {
        let calendar = HolidayCalendar::embedded();
        let mut words = fixture.split_whitespace();
        let clock = words.next().map(ClockId::parse).and_then(Result::ok);
        let start = words.next().map(d);
        let (Some(clock), Some(start)) = (clock, start) else {
            panic!("bad fixture {fixture:?}");
        };
        let mut adjust = Adjustments::default();
        while let (Some(key), Some(value)) = (words.next(), words.next()) {
            let n = value.parse().unwrap_or(0);
            match key {
                "ext" => adjust.extension_days = Some(n),
                "from" => {
                    adjust.extension_from = ExtensionBase::parse(value)
                        .unwrap_or_else(|| panic!("bad extension base {value}"))
                }
                "excl" => adjust.excluded_days = n,
                _ => panic!("bad fixture key {key}"),
            }
        }
        let got = match deadline(&calendar, clock, start, adjust) {
            Ok(dl) => {
                let mut s = dl.due.to_string();
                for y in &dl.uncertain_years {
                    s.push_str(&format!(" ?{y}"));
                }
                s
            }
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "fixture: {fixture}");
    }

    // Expected dates below were worked out by hand from RULES.md §1 and §6; each comment
    // gives the reasoning so a reviewer can check it without running the code.

    #[test]
    fn worked_example_t4_over_may_day_2026() {
        // Thu 04-30; May 1–5 off; Wed 6, Thu 7, Fri 8, make-up Sat 9 are days 1–4;
        // Sun 10 is a rest day; Mon 11 is day 5.
        check("T4 2026-04-30", "2026-05-11");
    }

    #[test]
    fn every_clock_on_an_ordinary_stretch() {
        // Start Mon 2026-03-02: no holiday until 清明 (04-04).
        check("T1 2026-03-02", "2026-03-17"); // +15 = Tue 03-17
        check("T2 2026-03-02", "2026-03-17");
        check("T3 2026-03-02", "2026-03-17");
        check("T4 2026-03-02", "2026-03-09"); // Tue3 Wed4 Thu5 Fri6, Mon9
        check("FT 2026-03-02", "2026-03-16"); // 3,4,5,6,9,10,11,12,13 = 9; Mon 16 = 10
        check("T5 2026-03-02", "2026-05-06"); // +60 = Fri 05-01 劳动节; 1–5 off → Wed 05-06
        // T5's 60th day is Fri 05-01 (劳动节): + 30 = Sun 05-31 → Mon 06-01; counted from
        // the rolled due date 05-06 instead: + 30 = Fri 06-05 (law review row 21).
        check("T6 2026-03-02", "2026-06-01");
        check("T6 2026-03-02 from rolled-end", "2026-06-05");
        check("T7 2026-03-02", "2026-04-01"); // +30 = Wed 04-01
        check("T8 2026-03-02", "2026-04-01");
        check("T9 2026-03-02", "2026-04-01");
        check("T10 2026-03-02", "2026-04-01");
    }

    #[test]
    fn period_ending_on_a_weekend_rolls_to_monday() {
        check("T1 2026-03-06", "2026-03-23"); // +15 = Sat 03-21 → Mon 03-23
        check("T1 2026-03-07", "2026-03-23"); // +15 = Sun 03-22 → Mon 03-23
        check("T7 2026-07-13", "2026-08-12"); // +30 = Wed 08-12, no roll
        check("T7 2026-07-04", "2026-08-03"); // +30 = Mon 08-03
        check("T7 2026-07-02", "2026-08-03"); // +30 = Sat 08-01 → Mon 08-03
    }

    /// A 15-day clock whose nominal last day is the first day off of each holiday rolls to
    /// the first working day after it (which may be a make-up weekend day).
    #[test]
    fn every_holiday_boundary_2025_2026() {
        // 2025
        check("T1 2024-12-17", "2025-01-02"); // → Wed 01-01 元旦 → Thu 01-02
        check("T1 2025-01-13", "2025-02-05"); // → Tue 01-28 春节 (to 02-04) → Wed 02-05
        check("T1 2025-03-20", "2025-04-07"); // → Fri 04-04 清明 (to 04-06) → Mon 04-07
        check("T1 2025-04-16", "2025-05-06"); // → Thu 05-01 劳动节 (to 05-05) → Tue 05-06
        check("T1 2025-05-16", "2025-06-03"); // → Sat 05-31 端午 (to 06-02) → Tue 06-03
        check("T1 2025-09-16", "2025-10-09"); // → Wed 10-01 国庆中秋 (to 10-08) → Thu 10-09
        // Last day off of each 2025 holiday.
        check("T1 2025-01-20", "2025-02-05"); // → Tue 02-04 → Wed 02-05
        check("T1 2025-09-23", "2025-10-09"); // → Wed 10-08 → Thu 10-09
        // 2026
        check("T1 2025-12-17", "2026-01-04"); // → Thu 01-01 元旦 (to 01-03) → make-up Sun 01-04
        check("T1 2026-01-31", "2026-02-24"); // → Sun 02-15 春节 (to 02-23) → Tue 02-24
        check("T1 2026-03-20", "2026-04-07"); // → Sat 04-04 清明 (to 04-06) → Tue 04-07
        check("T1 2026-04-16", "2026-05-06"); // → Fri 05-01 劳动节 (to 05-05) → Wed 05-06
        check("T1 2026-06-04", "2026-06-22"); // → Fri 06-19 端午 (to 06-21) → Mon 06-22
        check("T1 2026-09-10", "2026-09-28"); // → Fri 09-25 中秋 (to 09-27) → Mon 09-28
        check("T1 2026-09-16", "2026-10-08"); // → Thu 10-01 国庆 (to 10-07) → Thu 10-08
        // The day before each 2026 holiday is an ordinary due date.
        check("T1 2026-01-30", "2026-02-14"); // → make-up Sat 02-14 is a working day
        check("T1 2026-09-15", "2026-09-30"); // → Wed 09-30
    }

    #[test]
    fn make_up_working_days_count() {
        // A calendar-day period ending on a make-up Saturday ends there.
        check("T1 2026-04-24", "2026-05-09"); // +15 = Sat 05-09, make-up day
        check("T1 2026-09-05", "2026-09-20"); // +15 = Sun 09-20, make-up day
        check("T1 2025-01-24", "2025-02-08"); // +15 = Sat 02-08, make-up day
        check("T1 2025-09-13", "2025-09-28"); // +15 = Sun 09-28, make-up day
        // Fri 2025-04-25 + 5 working days: make-up Sun 27 (1), Mon 28 (2), Tue 29 (3),
        // Wed 30 (4); May 1–5 off; Tue 05-06 (5).
        check("T4 2025-04-25", "2025-05-06");
    }

    #[test]
    fn working_days_across_spring_festival() {
        // 2026: make-up Sat 02-14; off 02-15..23; make-up Sat 02-28.
        // Thu 02-12 + 5: Fri 13 (1), Sat 14 (2, make-up), Tue 24 (3), Wed 25 (4), Thu 26 (5).
        check("T4 2026-02-12", "2026-02-26");
        // Fri 02-13 + 10: 14 (1), 24–27 (2–5), make-up Sat 28 (6), Mar 2–5 (7–10) → Thu 03-05.
        check("FT 2026-02-13", "2026-03-05");
        // 2025: make-up Sun 01-26; off 01-28..02-04; make-up Sat 02-08.
        // Fri 01-24 + 5: Sun 26 (1), Mon 27 (2), Wed 02-05 (3), Thu 06 (4), Fri 07 (5).
        check("T4 2025-01-24", "2025-02-07");
        // Fri 01-24 + 10: 26, 27, Feb 5, 6, 7, Sat 8 (6), Mon 10–Thu 13 (7–10) → Thu 02-13.
        check("FT 2025-01-24", "2025-02-13");
    }

    #[test]
    fn working_days_across_national_day() {
        // 2026: make-up Sun 09-20; 中秋 off 09-25..27; 国庆 off 10-01..07; make-up Sat 10-10.
        // Fri 09-18 + 5: Sun 20 (1), Mon 21 (2), Tue 22 (3), Wed 23 (4), Thu 24 (5).
        check("T4 2026-09-18", "2026-09-24");
        // Wed 09-23 + 10: 24 (1), 28 (2), 29 (3), 30 (4), Thu 10-08 (5), Fri 09 (6),
        // Sat 10 (7, make-up), Mon 12 (8), Tue 13 (9), Wed 14 (10).
        check("FT 2026-09-23", "2026-10-14");
        // 2025: make-up Sun 09-28; off 10-01..08; make-up Sat 10-11.
        // Fri 09-26 + 5: Sun 28 (1), Mon 29 (2), Tue 30 (3), Thu 10-09 (4), Fri 10 (5).
        check("T4 2025-09-26", "2025-10-10");
        // Tue 09-30 + 5: Thu 10-09 (1), Fri 10 (2), Sat 11 (3, make-up), Mon 13 (4), Tue 14 (5).
        check("T4 2025-09-30", "2025-10-14");
    }

    #[test]
    fn extension_on_top_of_t5() {
        // Accepted Tue 2026-01-06: T5 +60 = Sat 03-07 → Mon 03-09.
        check("T5 2026-01-06", "2026-03-09");
        // From the 60th day, Sat 03-07 (the default): full 30 = Mon 04-06, 清明 (04-04..06)
        // → Tue 04-07; 10 days = Tue 03-17; 26 days = Thu 04-02.
        check("T6 2026-01-06", "2026-04-07");
        check("T6 2026-01-06 ext 10", "2026-03-17");
        check("T6 2026-01-06 ext 26", "2026-04-02");
        // From the rolled due date Mon 03-09: 30 = Wed 04-08; 10 = Thu 03-19; 26 = Sat
        // 04-04 清明 → Tue 04-07.
        check("T6 2026-01-06 from rolled-end", "2026-04-08");
        check("T6 2026-01-06 ext 10 from rolled-end", "2026-03-19");
        check("T6 2026-01-06 ext 26 from rolled-end", "2026-04-07");
        check(
            "T6 2026-01-06 ext 31",
            "error: 延期 31 日不合法：延长期限应为 1–30 日（第三十四条） (extension out of range)",
        );
        check(
            "T6 2026-01-06 ext 0",
            "error: 延期 0 日不合法：延长期限应为 1–30 日（第三十四条） (extension out of range)",
        );
        check(
            "T5 2026-01-06 ext 10",
            "error: T5：只有 T6 可以延期（第三十四条）；延期后的期限请用 T6 计算 (extension applies to T6 only)",
        );
    }

    #[test]
    fn hearing_days_are_not_counted_in_t10() {
        // Re-review requested Mon 2026-06-01: +30 = Wed 07-01.
        check("T10 2026-06-01", "2026-07-01");
        // 3 hearing days: +33 = Sat 07-04 → Mon 07-06.
        check("T10 2026-06-01 excl 3", "2026-07-06");
        // 5 hearing days: +35 = Mon 07-06.
        check("T10 2026-06-01 excl 5", "2026-07-06");
        check(
            "T8 2026-06-01 excl 3",
            "error: T8：只有 T10 复核期限可扣除听证时间（第三十六条） (excluded days apply to T10 only)",
        );
    }

    #[test]
    fn unknown_year_is_flagged() {
        // 2027 has no notice: Thu 2026-12-17 + 15 = Fri 2027-01-01, treated as a working day
        // (the real notice will almost surely make it 元旦) and flagged.
        check("T1 2026-12-17", "2027-01-01 ?2027");
        // Working days into 2027: Mon 12-28 + 5 = Tue 29, Wed 30, Thu 31, Fri 01-01, Mon 01-04.
        check("T4 2026-12-28", "2027-01-04 ?2027");
        // Wholly inside 2026: certain.
        check("T4 2026-12-21", "2026-12-28");
        // T6 whose T5 falls in 2026 but extension runs into 2027.
        // T5: +60 = Sat 12-19 (→ Mon 12-21); +30 from 12-19 = Mon 2027-01-18; from the
        // rolled 12-21 = Wed 2027-01-20.
        check("T6 2026-10-20 ext 30", "2027-01-18 ?2027");
        check("T6 2026-10-20 ext 30 from rolled-end", "2027-01-20 ?2027");
    }
}
