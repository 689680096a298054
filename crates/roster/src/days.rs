//! What the roster needs to know about days, read from the holiday calendar of
//! `fengqiao_rules`: may a reception fall on this day, is it the last working day before a
//! statutory holiday, and is the year's notice loaded at all.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use fengqiao_rules::calendar::{DayKind, HolidayCalendar};

/// The facts about one day that scheduling uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayFacts {
    pub date: NaiveDate,
    /// Staff work (a workday or a make-up working day).
    pub working: bool,
    /// A weekend day worked in exchange for a holiday (调休上班).
    pub makeup: bool,
    /// The last working day before a run of rest days that contains a statutory holiday
    /// (节前最后一个工作日); the ledger keeps these from always falling to one leader.
    pub pre_holiday: bool,
    /// Whether the year's State Council notice is loaded.
    pub year_known: bool,
}

/// Day facts for a span of dates, computed once (the calendar lookups are the inner loop
/// of generation).
#[derive(Debug, Clone)]
pub struct DayTable {
    first: NaiveDate,
    days: Vec<DayFacts>,
    receive_on_makeup_days: bool,
}

/// The longest run of rest days looked through when deciding "pre-holiday": the longest
/// statutory break (春节 with weekends) is 9 days.
const LONGEST_BREAK_DAYS: u64 = 12;

impl DayTable {
    /// Facts for `first..=last`.
    pub fn new(
        calendar: &HolidayCalendar,
        first: NaiveDate,
        last: NaiveDate,
        receive_on_makeup_days: bool,
    ) -> DayTable {
        let mut days = Vec::new();
        let mut date = first;
        while date <= last {
            days.push(facts(calendar, date));
            match date.checked_add_days(Days::new(1)) {
                Some(next) => date = next,
                None => break,
            }
        }
        DayTable {
            first,
            days,
            receive_on_makeup_days,
        }
    }

    /// The facts for `date`, or `None` outside the table.
    pub fn get(&self, date: NaiveDate) -> Option<&DayFacts> {
        let offset = (date - self.first).num_days();
        usize::try_from(offset).ok().and_then(|i| self.days.get(i))
    }

    /// Whether a reception may be held on `date`: a working day, and not a make-up day
    /// when the rules exclude those. Outside the table, `false`.
    pub fn receives(&self, date: NaiveDate) -> bool {
        self.get(date)
            .is_some_and(|d| d.working && (self.receive_on_makeup_days || !d.makeup))
    }

    /// Whether `date` is a pre-holiday day.
    pub fn pre_holiday(&self, date: NaiveDate) -> bool {
        self.get(date).is_some_and(|d| d.pre_holiday)
    }
}

fn facts(calendar: &HolidayCalendar, date: NaiveDate) -> DayFacts {
    let info = calendar.day(date);
    let working = info.kind.is_working();
    let makeup = matches!(info.kind, DayKind::MakeupWorkday { .. });
    let pre_holiday = working && next_break_has_holiday(calendar, date);
    DayFacts {
        date,
        working,
        makeup,
        pre_holiday,
        year_known: info.year_known,
    }
}

fn next_break_has_holiday(calendar: &HolidayCalendar, date: NaiveDate) -> bool {
    let mut day = date;
    for _ in 0..LONGEST_BREAK_DAYS {
        let Some(next) = day.checked_add_days(Days::new(1)) else {
            return false;
        };
        day = next;
        match calendar.day(day).kind {
            DayKind::Holiday { .. } => return true,
            DayKind::Weekend => {}
            DayKind::Workday | DayKind::MakeupWorkday { .. } => return false,
        }
    }
    false
}

/// The Monday of `date`'s week (weeks run Monday to Sunday).
pub fn week_monday(date: NaiveDate) -> NaiveDate {
    date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The date of `weekday` in the week starting on `monday`.
pub fn in_week(monday: NaiveDate, weekday: Weekday) -> NaiveDate {
    monday + chrono::Duration::days(i64::from(weekday.num_days_from_monday()))
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of `date`'s month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(date)
}

/// The calendar quarter (1–4) of `date`.
pub fn quarter_of(date: NaiveDate) -> u32 {
    (date.month() - 1) / 3 + 1
}

/// The first day of `date`'s quarter.
pub fn quarter_start(date: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(date.year(), (quarter_of(date) - 1) * 3 + 1, 1).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn date_helpers() {
        assert_eq!(week_monday(d(2026, 2, 22)), d(2026, 2, 16));
        assert_eq!(in_week(d(2026, 2, 16), Weekday::Sat), d(2026, 2, 21));
        assert_eq!(month_end(d(2026, 2, 10)), d(2026, 2, 28));
        assert_eq!(month_end(d(2026, 12, 10)), d(2026, 12, 31));
        assert_eq!(quarter_start(d(2026, 5, 20)), d(2026, 4, 1));
    }
}
