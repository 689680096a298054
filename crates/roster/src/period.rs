//! A roster period: a week, month, quarter, year, or any span of days.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::days::{month_end, week_monday};

/// A period whose end comes before its start, or a month or quarter that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// `to` is before `from`.
    #[error("排班期间的结束日期 {to} 早于开始日期 {from} (period ends before it starts)")]
    EndsBeforeStart { from: NaiveDate, to: NaiveDate },
    /// A month or quarter out of range.
    #[error("{year} 年没有第 {number} {unit} (no such {unit_en})")]
    NoSuch {
        year: i32,
        number: u32,
        unit: &'static str,
        unit_en: &'static str,
    },
}

/// An inclusive span of dates to generate, publish, show or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
}

impl Period {
    /// `from` through `to`, both included.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if to < from {
            return Err(PeriodError::EndsBeforeStart { from, to });
        }
        Ok(Period { from, to })
    }

    /// The week (Monday to Sunday) containing `date`.
    pub fn week_of(date: NaiveDate) -> Period {
        let from = week_monday(date);
        Period {
            from,
            to: from + chrono::Duration::days(6),
        }
    }

    /// A calendar month.
    pub fn month(year: i32, month: u32) -> Result<Period, PeriodError> {
        let from = NaiveDate::from_ymd_opt(year, month, 1).ok_or(PeriodError::NoSuch {
            year,
            number: month,
            unit: "个月",
            unit_en: "month",
        })?;
        Ok(Period {
            from,
            to: month_end(from),
        })
    }

    /// A calendar quarter, 1–4.
    pub fn quarter(year: i32, quarter: u32) -> Result<Period, PeriodError> {
        if !(1..=4).contains(&quarter) {
            return Err(PeriodError::NoSuch {
                year,
                number: quarter,
                unit: "季度",
                unit_en: "quarter",
            });
        }
        let from =
            NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1).ok_or(PeriodError::NoSuch {
                year,
                number: quarter,
                unit: "季度",
                unit_en: "quarter",
            })?;
        let last_month = NaiveDate::from_ymd_opt(year, quarter * 3, 1).unwrap_or(from);
        Ok(Period {
            from,
            to: month_end(last_month),
        })
    }

    /// A calendar year.
    pub fn year(year: i32) -> Result<Period, PeriodError> {
        let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(PeriodError::NoSuch {
            year,
            number: 1,
            unit: "年",
            unit_en: "year",
        })?;
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(from);
        Ok(Period { from, to })
    }

    /// Whether `date` is in the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// Whether the span `from..=through` touches the period.
    pub fn overlaps(&self, from: NaiveDate, through: NaiveDate) -> bool {
        from <= self.to && self.from <= through
    }

    /// The years the period touches, ascending.
    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.from.year()..=self.to.year()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}年{}月{}日至{}年{}月{}日",
            self.from.year(),
            self.from.month(),
            self.from.day(),
            self.to.year(),
            self.to.month(),
            self.to.day()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let q1 = Period::quarter(2026, 1).ok();
        assert_eq!(
            q1.map(|p| (p.from.to_string(), p.to.to_string())),
            Some(("2026-01-01".into(), "2026-03-31".into()))
        );
        assert!(Period::quarter(2026, 5).is_err());
        assert!(Period::month(2026, 13).is_err());
        let week = Period::week_of(NaiveDate::from_ymd_opt(2026, 2, 18).unwrap_or_default());
        assert_eq!(week.from.to_string(), "2026-02-16");
        assert_eq!(week.to.to_string(), "2026-02-22");
        assert!(Period::new(week.to, week.from).is_err());
    }
}
