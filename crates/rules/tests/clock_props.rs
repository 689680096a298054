//! Property tests of the deadline arithmetic: laws that must hold for every start date,
//! clock and holiday calendar, not only for the hand-worked tables in `src/clock.rs`.

use chrono::{Datelike, Days, NaiveDate};
use fengqiao_rules::calendar::{Holiday, HolidayCalendar, YearCalendar};
use fengqiao_rules::clock::{Adjustments, ClockId, ExtensionBase, Period, deadline};
use proptest::prelude::*;

/// A start date from 2024-07-01 over about four years, so counts cross known (2025, 2026)
/// and unknown (2024, 2027, 2028) years.
fn start_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..1500).prop_map(|offset| {
        NaiveDate::from_ymd_opt(2024, 7, 1)
            .and_then(|d| d.checked_add_days(Days::new(offset)))
            .unwrap_or(NaiveDate::MIN)
    })
}

fn clock() -> impl Strategy<Value = ClockId> {
    proptest::sample::select(ClockId::ALL.to_vec())
}

/// Adjustments valid for `clock`.
fn adjust_for(clock: ClockId, extension_days: u32, excluded_days: u32) -> Adjustments {
    match clock {
        ClockId::T6 => Adjustments {
            extension_days: Some(extension_days),
            ..Adjustments::default()
        },
        ClockId::T10 => Adjustments {
            excluded_days,
            ..Adjustments::default()
        },
        _ => Adjustments::default(),
    }
}

/// The embedded calendar with one extra day off on `date`, added to its year's notice
/// (or to a new notice for a year that has none).
fn with_extra_holiday(date: NaiveDate) -> HolidayCalendar {
    let base = HolidayCalendar::embedded();
    let mut year = base.year(date.year()).cloned().unwrap_or(YearCalendar {
        year: date.year(),
        notice: "测试".to_owned(),
        holidays: Vec::new(),
        makeup_workdays: Vec::new(),
    });
    year.holidays.push(Holiday {
        name: "加休".to_owned(),
        start: date,
        end: date,
    });
    base.with_year(year)
}

proptest! {
    #[test]
    fn due_is_at_least_start_plus_length(
        start in start_date(), clock in clock(), ext in 1u32..=30, excl in 0u32..20,
    ) {
        let calendar = HolidayCalendar::embedded();
        let adjust = adjust_for(clock, ext, excl);
        let dl = deadline(&calendar, clock, start, adjust);
        prop_assert!(dl.is_ok(), "{dl:?}");
        let Ok(dl) = dl else { return Ok(()) };
        let minimum_days = match clock {
            ClockId::T6 => 60 + u64::from(ext),
            ClockId::T10 => 30 + u64::from(excl),
            _ => u64::from(clock.period().days()),
        };
        let minimum = start.checked_add_days(Days::new(minimum_days));
        prop_assert!(minimum.is_some_and(|m| dl.due >= m), "{dl:?} minimum {minimum:?}");
    }

    /// Counting an extension from T5's 60th day (the default) never gives a later date than
    /// counting it from T5's rolled-forward due date, and the two differ by no more than
    /// the rest days T5's end rolled over (law review row 21).
    #[test]
    fn extension_from_the_nominal_end_is_never_later(start in start_date(), ext in 1u32..=30) {
        let calendar = HolidayCalendar::embedded();
        let t6 = |from| deadline(&calendar, ClockId::T6, start, Adjustments {
            extension_days: Some(ext),
            extension_from: from,
            ..Adjustments::default()
        });
        let (Ok(nominal), Ok(rolled)) = (t6(ExtensionBase::NominalEnd), t6(ExtensionBase::RolledEnd)) else {
            return Err(TestCaseError::fail("T6 must compute"));
        };
        let t5 = deadline(&calendar, ClockId::T5, start, Adjustments::default());
        let Ok(t5) = t5 else { return Err(TestCaseError::fail("T5 must compute")) };
        prop_assert!(nominal.due <= rolled.due, "{nominal:?} {rolled:?}");
        prop_assert_eq!(nominal.extends, Some(t5.nominal_end));
        prop_assert_eq!(rolled.extends, Some(t5.due));
        let rolled_over = (t5.due - t5.nominal_end).num_days();
        prop_assert!((rolled.due - nominal.due).num_days() <= rolled_over + 9, "{nominal:?} {rolled:?}");
    }

    #[test]
    fn due_is_a_working_day(start in start_date(), clock in clock(), ext in 1u32..=30, excl in 0u32..20) {
        let calendar = HolidayCalendar::embedded();
        let dl = deadline(&calendar, clock, start, adjust_for(clock, ext, excl));
        prop_assert!(dl.as_ref().is_ok_and(|dl| calendar.is_working_day(dl.due)), "{dl:?}");
    }

    #[test]
    fn working_day_periods_count_exactly_n_working_days(start in start_date()) {
        let calendar = HolidayCalendar::embedded();
        for clock in [ClockId::T4, ClockId::FastTrack] {
            let Ok(dl) = deadline(&calendar, clock, start, Adjustments::default()) else {
                return Err(TestCaseError::fail("no deadline"));
            };
            let counted = start
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= dl.due)
                .filter(|d| calendar.is_working_day(*d))
                .count();
            prop_assert_eq!(Period::WorkingDays(counted as u32), dl.period, "{:?}", dl);
        }
    }

    #[test]
    fn adding_a_holiday_never_makes_a_deadline_earlier(
        start in start_date(), clock in clock(), extra in 0u64..200, ext in 1u32..=30, excl in 0u32..20,
    ) {
        let Some(holiday) = start.checked_add_days(Days::new(extra)) else { return Ok(()) };
        let adjust = adjust_for(clock, ext, excl);
        let before = deadline(&HolidayCalendar::embedded(), clock, start, adjust);
        let after = deadline(&with_extra_holiday(holiday), clock, start, adjust);
        match (before, after) {
            (Ok(before), Ok(after)) => prop_assert!(after.due >= before.due, "{before:?} → {after:?}"),
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn only_dates_outside_known_years_are_uncertain(start in start_date(), clock in clock()) {
        let calendar = HolidayCalendar::embedded();
        let adjust = adjust_for(clock, 30, 0);
        let Ok(dl) = deadline(&calendar, clock, start, adjust) else {
            return Err(TestCaseError::fail("no deadline"));
        };
        for year in &dl.uncertain_years {
            prop_assert!(!calendar.covers(*year));
        }
        // A count wholly inside 2025–2026 is certain.
        if start.year() >= 2025 && dl.due.year() <= 2026 {
            prop_assert!(dl.is_certain(), "{dl:?}");
        }
    }
}
