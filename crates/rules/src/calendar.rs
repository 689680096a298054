//! Statutory holiday calendars (RULES.md §6): which days are rest days and which weekend days
//! the State Council turned into working days (调休上班).
//!
//! The calendar is data, not code: one TOML file per year, transcribed from the State
//! Council's annual notice. 2025 and 2026 are embedded in the binary; the office adds next
//! year's notice (or corrects a year) from the same TOML text kept in the `directory`
//! document, through [`YearCalendar::from_toml`] and [`HolidayCalendar::with_year`].
//!
//! A date in a year that has no calendar loaded is still answered (Monday to Friday are
//! working days) but [`DayInfo::year_known`] is `false`, so every caller can show that the
//! answer is uncertain instead of silently treating the day as ordinary.
//!
//! File format:
//!
//! ```toml
//! year = 2026
//! notice = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"
//!
//! [[holidays]]
//! name = "春节"
//! start = 2026-02-15          # inclusive
//! end = 2026-02-23            # inclusive
//! makeup_workdays = [2026-02-14, 2026-02-28]
//! ```
//!
//! Dates may be TOML dates or `"YYYY-MM-DD"` strings. A make-up working day that belongs to
//! no holiday may also be given as a top-level `[[makeup_workdays]]` table with `name` and
//! `date`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// One statutory holiday as the notice lists it: a name and an inclusive run of days off.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Holiday {
    /// The holiday's name as the notice gives it, e.g. 春节.
    pub name: String,
    /// The first day off.
    pub start: NaiveDate,
    /// The last day off (inclusive).
    pub end: NaiveDate,
}

impl Holiday {
    /// The days off, first to last.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.start.iter_days().take_while(move |d| *d <= self.end)
    }

    /// Whether `date` is one of the days off.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// A Saturday or Sunday that the notice makes a working day (调休上班).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MakeupDay {
    /// The holiday the make-up day belongs to, e.g. 春节.
    pub name: String,
    /// The weekend day that is worked.
    pub date: NaiveDate,
}

/// One year's State Council notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCalendar {
    /// The year the notice is for.
    pub year: i32,
    /// The notice's title and date, shown next to every date computed from it.
    pub notice: String,
    /// The holidays, in the notice's order.
    pub holidays: Vec<Holiday>,
    /// The make-up working days.
    pub makeup_workdays: Vec<MakeupDay>,
}

/// What is wrong with a year's calendar text. Each variant names the field or holiday and
/// the offending value, so the office can fix its notice without reading code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The text is not TOML at all.
    #[error("节假日安排不是有效的 TOML：{message} (invalid TOML)")]
    Syntax {
        /// The parser's message, with line and column.
        message: String,
    },
    /// A required field is absent.
    #[error("节假日安排缺少字段 {field} (missing field)")]
    MissingField {
        /// The field's path, e.g. `holidays[2].end`.
        field: String,
    },
    /// A field has the wrong kind of value.
    #[error("{field}：应为{expected} (wrong type)")]
    WrongType {
        /// The field's path.
        field: String,
        /// What was expected, in Chinese.
        expected: &'static str,
    },
    /// A field the format does not know; usually a typo that would otherwise be ignored.
    #[error("{field}：未知字段 (unknown field)")]
    UnknownField {
        /// The field's path.
        field: String,
    },
    /// A date that is not a calendar date.
    #[error("{field}：“{value}” 不是有效的日期，应形如 2026-01-01 (bad date)")]
    BadDate {
        /// The field's path.
        field: String,
        /// The rejected value.
        value: String,
    },
    /// The year is outside the range the office could mean.
    #[error("year：{year} 不是合理的年份（应在 2000–2200 之间） (implausible year)")]
    BadYear {
        /// The rejected year.
        year: i64,
    },
    /// A name is empty.
    #[error("{field}：名称不能为空 (empty name)")]
    EmptyName {
        /// The field's path.
        field: String,
    },
    /// A date that does not belong to the notice's year. December of the year before is
    /// allowed, because a New Year holiday may start there.
    #[error("{field}：日期 {date} 不属于 {year} 年的节假日安排 (date outside the year)")]
    OutsideYear {
        /// The field's path.
        field: String,
        /// The rejected date.
        date: NaiveDate,
        /// The notice's year.
        year: i32,
    },
    /// A holiday whose last day is before its first.
    #[error("「{name}」：结束日 {end} 早于开始日 {start} (end before start)")]
    EndBeforeStart {
        /// The holiday.
        name: String,
        /// Its first day.
        start: NaiveDate,
        /// Its last day.
        end: NaiveDate,
    },
    /// The same date appears twice (two holidays overlap, a make-up day falls inside a
    /// holiday, or a make-up day is listed twice).
    #[error("{date} 同时出现在「{first}」和「{second}」中 (date listed twice)")]
    Overlap {
        /// The date.
        date: NaiveDate,
        /// Where it appeared first.
        first: String,
        /// Where it appeared again.
        second: String,
    },
    /// A make-up working day on a weekday, which would change nothing.
    #[error(
        "「{name}」的调休上班日 {date} 是{weekday}，调休上班日应为周六或周日 (make-up day not on a weekend)"
    )]
    MakeupNotWeekend {
        /// The holiday it belongs to.
        name: String,
        /// The date.
        date: NaiveDate,
        /// The weekday, in Chinese.
        weekday: &'static str,
    },
}

/// The Chinese name of a weekday, for messages.
pub fn weekday_zh(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Reads a date from a TOML value: a bare TOML date or a `"YYYY-MM-DD"` string.
fn toml_date(value: &toml::Value, field: &str) -> Result<NaiveDate, CalendarError> {
    let bad = |value: String| CalendarError::BadDate {
        field: field.to_owned(),
        value,
    };
    match value {
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| bad(dt.to_string()))
            }
            _ => Err(bad(dt.to_string())),
        },
        toml::Value::String(s) => {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad(s.clone()))
        }
        _ => Err(CalendarError::WrongType {
            field: field.to_owned(),
            expected: "日期（如 2026-01-01）",
        }),
    }
}

fn toml_string(table: &toml::Table, key: &str, path: &str) -> Result<String, CalendarError> {
    let field = format!("{path}{key}");
    match table.get(key) {
        None => Err(CalendarError::MissingField { field }),
        Some(toml::Value::String(s)) if s.trim().is_empty() => {
            Err(CalendarError::EmptyName { field })
        }
        Some(toml::Value::String(s)) => Ok(s.trim().to_owned()),
        Some(_) => Err(CalendarError::WrongType {
            field,
            expected: "字符串",
        }),
    }
}

fn toml_required_date(
    table: &toml::Table,
    key: &str,
    path: &str,
) -> Result<NaiveDate, CalendarError> {
    let field = format!("{path}{key}");
    match table.get(key) {
        None => Err(CalendarError::MissingField { field }),
        Some(v) => toml_date(v, &field),
    }
}

fn toml_tables<'a>(
    table: &'a toml::Table,
    key: &str,
) -> Result<Vec<&'a toml::Table>, CalendarError> {
    match table.get(key) {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_table().ok_or_else(|| CalendarError::WrongType {
                    field: format!("{key}[{i}]"),
                    expected: "表（[[{key}]]）",
                })
            })
            .collect(),
        Some(_) => Err(CalendarError::WrongType {
            field: key.to_owned(),
            expected: "表数组",
        }),
    }
}

fn reject_unknown(table: &toml::Table, known: &[&str], path: &str) -> Result<(), CalendarError> {
    match table.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(CalendarError::UnknownField {
            field: format!("{path}{k}"),
        }),
        None => Ok(()),
    }
}

impl YearCalendar {
    /// Parses and validates one year's notice (see the module docs for the format).
    ///
    /// Checks: required fields, known field names, real dates, dates inside the year (or
    /// the December before), start ≤ end, no date listed twice, make-up days on weekends.
    pub fn from_toml(text: &str) -> Result<YearCalendar, CalendarError> {
        let root: toml::Table = toml::from_str(text).map_err(|e| CalendarError::Syntax {
            message: e.to_string().trim().to_owned(),
        })?;
        reject_unknown(
            &root,
            &["year", "notice", "holidays", "makeup_workdays"],
            "",
        )?;
        let year = match root.get("year") {
            None => {
                return Err(CalendarError::MissingField {
                    field: "year".to_owned(),
                });
            }
            Some(toml::Value::Integer(y)) => *y,
            Some(_) => {
                return Err(CalendarError::WrongType {
                    field: "year".to_owned(),
                    expected: "整数年份",
                });
            }
        };
        let year = i32::try_from(year)
            .ok()
            .filter(|y| (2000..=2200).contains(y))
            .ok_or(CalendarError::BadYear { year })?;
        let notice = toml_string(&root, "notice", "")?;

        let mut holidays = Vec::new();
        let mut makeup_workdays = Vec::new();
        for (i, h) in toml_tables(&root, "holidays")?.into_iter().enumerate() {
            let path = format!("holidays[{i}].");
            reject_unknown(h, &["name", "start", "end", "makeup_workdays"], &path)?;
            let name = toml_string(h, "name", &path)?;
            let start = toml_required_date(h, "start", &path)?;
            let end = toml_required_date(h, "end", &path)?;
            match h.get("makeup_workdays") {
                None => {}
                Some(toml::Value::Array(days)) => {
                    for (j, d) in days.iter().enumerate() {
                        let date = toml_date(d, &format!("{path}makeup_workdays[{j}]"))?;
                        makeup_workdays.push(MakeupDay {
                            name: name.clone(),
                            date,
                        });
                    }
                }
                Some(_) => {
                    return Err(CalendarError::WrongType {
                        field: format!("{path}makeup_workdays"),
                        expected: "日期数组",
                    });
                }
            }
            holidays.push(Holiday { name, start, end });
        }
        for (i, m) in toml_tables(&root, "makeup_workdays")?
            .into_iter()
            .enumerate()
        {
            let path = format!("makeup_workdays[{i}].");
            reject_unknown(m, &["name", "date"], &path)?;
            let name = toml_string(m, "name", &path)?;
            let date = toml_required_date(m, "date", &path)?;
            makeup_workdays.push(MakeupDay { name, date });
        }
        let calendar = YearCalendar {
            year,
            notice,
            holidays,
            makeup_workdays,
        };
        calendar.validate()?;
        Ok(calendar)
    }

    /// Checks the calendar's consistency; [`YearCalendar::from_toml`] calls it, and callers
    /// that build a calendar in code may too.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let first_allowed = NaiveDate::from_ymd_opt(self.year - 1, 12, 1);
        let last_allowed = NaiveDate::from_ymd_opt(self.year, 12, 31);
        let inside = |d: NaiveDate| {
            first_allowed.is_some_and(|f| f <= d) && last_allowed.is_some_and(|l| d <= l)
        };
        // Every listed date, with a label naming where it came from, to find duplicates.
        let mut seen: BTreeMap<NaiveDate, String> = BTreeMap::new();
        for (i, h) in self.holidays.iter().enumerate() {
            if h.name.trim().is_empty() {
                return Err(CalendarError::EmptyName {
                    field: format!("holidays[{i}].name"),
                });
            }
            for (key, date) in [("start", h.start), ("end", h.end)] {
                if !inside(date) {
                    return Err(CalendarError::OutsideYear {
                        field: format!("holidays[{i}].{key}"),
                        date,
                        year: self.year,
                    });
                }
            }
            if h.end < h.start {
                return Err(CalendarError::EndBeforeStart {
                    name: h.name.clone(),
                    start: h.start,
                    end: h.end,
                });
            }
            for date in h.days() {
                let label = format!("{}放假", h.name);
                if let Some(first) = seen.insert(date, label.clone()) {
                    return Err(CalendarError::Overlap {
                        date,
                        first,
                        second: label,
                    });
                }
            }
        }
        for (i, m) in self.makeup_workdays.iter().enumerate() {
            if m.name.trim().is_empty() {
                return Err(CalendarError::EmptyName {
                    field: format!("makeup_workdays[{i}].name"),
                });
            }
            if !inside(m.date) {
                return Err(CalendarError::OutsideYear {
                    field: format!("makeup_workdays[{i}]"),
                    date: m.date,
                    year: self.year,
                });
            }
            if !is_weekend(m.date) {
                return Err(CalendarError::MakeupNotWeekend {
                    name: m.name.clone(),
                    date: m.date,
                    weekday: weekday_zh(m.date.weekday()),
                });
            }
            let label = format!("{}调休上班", m.name);
            if let Some(first) = seen.insert(m.date, label.clone()) {
                return Err(CalendarError::Overlap {
                    date: m.date,
                    first,
                    second: label,
                });
            }
        }
        Ok(())
    }

    /// Writes the calendar in the format [`YearCalendar::from_toml`] reads, so the office
    /// can store and edit it as text.
    pub fn to_toml(&self) -> String {
        let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let mut out = format!("year = {}\nnotice = {}\n", self.year, quote(&self.notice));
        let mut nested = vec![false; self.makeup_workdays.len()];
        for h in &self.holidays {
            out.push_str(&format!(
                "\n[[holidays]]\nname = {}\nstart = {}\nend = {}\n",
                quote(&h.name),
                h.start,
                h.end
            ));
            let mine: Vec<String> = self
                .makeup_workdays
                .iter()
                .zip(nested.iter_mut())
                .filter(|(m, _)| m.name == h.name)
                .map(|(m, n)| {
                    *n = true;
                    m.date.to_string()
                })
                .collect();
            if !mine.is_empty() {
                out.push_str(&format!("makeup_workdays = [{}]\n", mine.join(", ")));
            }
        }
        for (m, _) in self
            .makeup_workdays
            .iter()
            .zip(&nested)
            .filter(|(_, n)| !**n)
        {
            out.push_str(&format!(
                "\n[[makeup_workdays]]\nname = {}\ndate = {}\n",
                quote(&m.name),
                m.date
            ));
        }
        out
    }
}

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not a make-up working day.
    Weekend,
    /// A statutory holiday day off.
    Holiday {
        /// The holiday, e.g. 春节.
        name: String,
    },
    /// A weekend day worked in exchange for a holiday (调休上班).
    MakeupWorkday {
        /// The holiday it makes up for.
        name: String,
    },
}

impl DayKind {
    /// Whether staff work on such a day.
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday { .. })
    }
}

impl fmt::Display for DayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DayKind::Workday => f.write_str("工作日"),
            DayKind::Weekend => f.write_str("周末"),
            DayKind::Holiday { name } => write!(f, "{name}假期"),
            DayKind::MakeupWorkday { name } => write!(f, "{name}调休上班"),
        }
    }
}

/// Everything the calendar knows about one date.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DayInfo {
    /// The date asked about.
    pub date: NaiveDate,
    /// What kind of day it is.
    pub kind: DayKind,
    /// Whether a notice for the date's year is loaded. When `false`, `kind` only knows
    /// weekends and the answer must be shown as uncertain.
    pub year_known: bool,
}

/// The holiday calendars of every loaded year, answering "is this a working day?".
///
/// Cheap to clone; build it once (e.g. [`HolidayCalendar::embedded`] plus the office's
/// overrides) and pass it by reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    years: BTreeMap<i32, YearCalendar>,
    /// Every listed date across the loaded years, derived from `years`.
    listed: BTreeMap<NaiveDate, DayKind>,
}

/// The embedded notices, as (year, TOML text). Adding a year is adding a file and a line.
pub const EMBEDDED_YEARS: &[(i32, &str)] = &[
    (2025, include_str!("../data/holidays/2025.toml")),
    (2026, include_str!("../data/holidays/2026.toml")),
];

impl HolidayCalendar {
    /// The calendars shipped in the binary (2025 and 2026).
    ///
    /// The embedded files are checked by this crate's tests; should one ever fail to
    /// parse, its year is left out and shows as unknown (with warnings) rather than wrong.
    pub fn embedded() -> HolidayCalendar {
        HolidayCalendar::from_years(
            EMBEDDED_YEARS
                .iter()
                .filter_map(|(_, text)| YearCalendar::from_toml(text).ok()),
        )
    }

    /// A calendar of the given years; a later entry for the same year overrides an earlier.
    pub fn from_years(years: impl IntoIterator<Item = YearCalendar>) -> HolidayCalendar {
        let mut calendar = HolidayCalendar::default();
        for year in years {
            calendar.years.insert(year.year, year);
        }
        calendar.reindex();
        calendar
    }

    /// Adds a year, or replaces the loaded one for the same year (the office's correction
    /// wins over the embedded file).
    pub fn with_year(mut self, year: YearCalendar) -> HolidayCalendar {
        self.years.insert(year.year, year);
        self.reindex();
        self
    }

    /// Parses `text` as a year's notice and adds or overrides that year.
    pub fn with_year_toml(self, text: &str) -> Result<HolidayCalendar, CalendarError> {
        Ok(self.with_year(YearCalendar::from_toml(text)?))
    }

    fn reindex(&mut self) {
        self.listed.clear();
        for year in self.years.values() {
            for h in &year.holidays {
                for d in h.days() {
                    self.listed.insert(
                        d,
                        DayKind::Holiday {
                            name: h.name.clone(),
                        },
                    );
                }
            }
            for m in &year.makeup_workdays {
                // A holiday wins over a make-up day on the same date, so a bad override
                // can only make a deadline later, never earlier.
                self.listed
                    .entry(m.date)
                    .or_insert_with(|| DayKind::MakeupWorkday {
                        name: m.name.clone(),
                    });
            }
        }
    }

    /// Whether a notice for `year` is loaded.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The loaded years, ascending.
    pub fn years(&self) -> impl Iterator<Item = &YearCalendar> {
        self.years.values()
    }

    /// The loaded notice for `year`, if any.
    pub fn year(&self, year: i32) -> Option<&YearCalendar> {
        self.years.get(&year)
    }

    /// What kind of day `date` is, and whether the answer rests on a loaded notice.
    pub fn day(&self, date: NaiveDate) -> DayInfo {
        let listed = self.listed.get(&date);
        let kind = match listed {
            Some(kind) => kind.clone(),
            None if is_weekend(date) => DayKind::Weekend,
            None => DayKind::Workday,
        };
        // A late-December date listed in next year's notice is known even if this year's isn't.
        let year_known = self.covers(date.year()) || listed.is_some();
        DayInfo {
            date,
            kind,
            year_known,
        }
    }

    /// Whether staff work on `date`. In a year with no notice, Monday to Friday count as
    /// working days; check [`HolidayCalendar::day`]'s `year_known` to know.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.listed.get(&date) {
            Some(kind) => kind.is_working(),
            None => !is_weekend(date),
        }
    }

    /// Whether `date` is a rest day (法定休假日): a holiday, or a weekend day that is not
    /// a make-up working day.
    pub fn is_rest_day(&self, date: NaiveDate) -> bool {
        !self.is_working_day(date)
    }

    /// The first working day on or after `date`, and whether every day looked at lies in
    /// a loaded year. `None` only at the end of representable time.
    pub fn next_working_day_from(&self, date: NaiveDate) -> Option<(NaiveDate, bool)> {
        let mut day = date;
        let mut known = true;
        loop {
            known &= self.day(day).year_known;
            if self.is_working_day(day) {
                return Some((day, known));
            }
            day = day.checked_add_days(Days::new(1))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn embedded_years_parse() {
        for (year, text) in EMBEDDED_YEARS {
            let parsed = YearCalendar::from_toml(text);
            assert!(
                parsed.as_ref().is_ok_and(|c| c.year == *year),
                "{year}: {parsed:?}"
            );
        }
        let cal = HolidayCalendar::embedded();
        assert!(cal.covers(2025) && cal.covers(2026) && !cal.covers(2027));
    }

    /// Every day the 2025 and 2026 notices list, by hand from RULES.md §6, plus the
    /// ordinary days on either side of each holiday.
    #[test]
    fn embedded_days_match_the_notices() {
        let cal = HolidayCalendar::embedded();
        // (date, expected rendering of the kind)
        let table = [
            // 2025
            ("2024-12-31", "工作日?"),
            ("2025-01-01", "元旦假期"),
            ("2025-01-02", "工作日"),
            ("2025-01-25", "周末"),
            ("2025-01-26", "春节调休上班"),
            ("2025-01-27", "工作日"),
            ("2025-01-28", "春节假期"),
            ("2025-02-04", "春节假期"),
            ("2025-02-05", "工作日"),
            ("2025-02-08", "春节调休上班"),
            ("2025-02-09", "周末"),
            ("2025-04-03", "工作日"),
            ("2025-04-04", "清明节假期"),
            ("2025-04-06", "清明节假期"),
            ("2025-04-07", "工作日"),
            ("2025-04-27", "劳动节调休上班"),
            ("2025-04-30", "工作日"),
            ("2025-05-01", "劳动节假期"),
            ("2025-05-05", "劳动节假期"),
            ("2025-05-06", "工作日"),
            ("2025-05-30", "工作日"),
            ("2025-05-31", "端午节假期"),
            ("2025-06-02", "端午节假期"),
            ("2025-06-03", "工作日"),
            ("2025-09-28", "国庆节、中秋节调休上班"),
            ("2025-09-30", "工作日"),
            ("2025-10-01", "国庆节、中秋节假期"),
            ("2025-10-08", "国庆节、中秋节假期"),
            ("2025-10-09", "工作日"),
            ("2025-10-11", "国庆节、中秋节调休上班"),
            ("2025-10-12", "周末"),
            ("2025-12-31", "工作日"),
            // 2026
            ("2026-01-01", "元旦假期"),
            ("2026-01-03", "元旦假期"),
            ("2026-01-04", "元旦调休上班"),
            ("2026-01-05", "工作日"),
            ("2026-02-13", "工作日"),
            ("2026-02-14", "春节调休上班"),
            ("2026-02-15", "春节假期"),
            ("2026-02-23", "春节假期"),
            ("2026-02-24", "工作日"),
            ("2026-02-28", "春节调休上班"),
            ("2026-03-01", "周末"),
            ("2026-04-03", "工作日"),
            ("2026-04-04", "清明节假期"),
            ("2026-04-06", "清明节假期"),
            ("2026-04-07", "工作日"),
            ("2026-04-30", "工作日"),
            ("2026-05-01", "劳动节假期"),
            ("2026-05-05", "劳动节假期"),
            ("2026-05-06", "工作日"),
            ("2026-05-09", "劳动节调休上班"),
            ("2026-05-10", "周末"),
            ("2026-06-18", "工作日"),
            ("2026-06-19", "端午节假期"),
            ("2026-06-21", "端午节假期"),
            ("2026-06-22", "工作日"),
            ("2026-09-20", "国庆节调休上班"),
            ("2026-09-24", "工作日"),
            ("2026-09-25", "中秋节假期"),
            ("2026-09-27", "中秋节假期"),
            ("2026-09-28", "工作日"),
            ("2026-09-30", "工作日"),
            ("2026-10-01", "国庆节假期"),
            ("2026-10-07", "国庆节假期"),
            ("2026-10-08", "工作日"),
            ("2026-10-10", "国庆节调休上班"),
            ("2026-10-11", "周末"),
            ("2026-12-31", "工作日"),
            // No notice for 2027 is loaded: weekends only, flagged with "?".
            ("2027-01-01", "工作日?"),
            ("2027-01-02", "周末?"),
        ];
        let mut failures = Vec::new();
        for (date, expected) in table {
            let info = cal.day(d(date));
            let got = format!("{}{}", info.kind, if info.year_known { "" } else { "?" });
            if got != expected {
                failures.push(format!("{date}: expected {expected}, got {got}"));
            }
            assert_eq!(
                cal.is_working_day(d(date)),
                info.kind.is_working(),
                "{date}"
            );
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn round_trips_through_toml() {
        let cal = HolidayCalendar::embedded();
        for year in cal.years() {
            let again = YearCalendar::from_toml(&year.to_toml());
            assert_eq!(again.as_ref(), Ok(year), "{}", year.to_toml());
        }
        let orphan = YearCalendar {
            year: 2027,
            notice: "测试\"引号\"".to_owned(),
            holidays: vec![],
            makeup_workdays: vec![MakeupDay {
                name: "补班".to_owned(),
                date: d("2027-01-09"),
            }],
        };
        assert_eq!(YearCalendar::from_toml(&orphan.to_toml()), Ok(orphan));
    }

    #[test]
    fn override_replaces_a_year_and_adds_a_new_one() {
        let y2027 = "year = 2027\nnotice = \"2027 通知\"\n[[holidays]]\nname = \"元旦\"\nstart = \"2027-01-01\"\nend = 2027-01-03\n";
        let cal = HolidayCalendar::embedded().with_year_toml(y2027);
        assert!(
            cal.as_ref()
                .is_ok_and(|c| c.covers(2027) && c.is_rest_day(d("2027-01-01"))),
            "{cal:?}"
        );
        // Override 2026 with a notice that has no May Day holiday.
        let y2026 = "year = 2026\nnotice = \"更正\"\n";
        let cal = HolidayCalendar::embedded()
            .with_year_toml(y2026)
            .unwrap_or_default();
        assert!(
            cal.covers(2026)
                && cal.is_working_day(d("2026-05-04"))
                && cal.is_rest_day(d("2026-05-09"))
        );
        assert!(cal.is_rest_day(d("2025-05-02")), "2025 untouched");
    }

    /// Each bad input and the start of the message it must give.
    #[test]
    fn validation_names_the_problem() {
        let cases = [
            ("year = ", "节假日安排不是有效的 TOML"),
            ("notice = \"x\"", "节假日安排缺少字段 year"),
            ("year = \"2026\"\nnotice = \"x\"", "year：应为整数年份"),
            ("year = 1900\nnotice = \"x\"", "year：1900 不是合理的年份"),
            ("year = 2026", "节假日安排缺少字段 notice"),
            ("year = 2026\nnotice = \"x\"\nnote = 1", "note：未知字段"),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"春节\"\nstart = 2026-02-15",
                "节假日安排缺少字段 holidays[0].end",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"春节\"\nstart = 2026-02-15\nend = \"2026-02-30\"",
                "holidays[0].end：“2026-02-30” 不是有效的日期",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"春节\"\nstart = 2026-02-23\nend = 2026-02-15",
                "「春节」：结束日 2026-02-15 早于开始日 2026-02-23",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \" \"\nstart = 2026-02-15\nend = 2026-02-15",
                "holidays[0].name：名称不能为空",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"元旦\"\nstart = 2027-01-01\nend = 2027-01-01",
                "holidays[0].start：日期 2027-01-01 不属于 2026 年",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"A\"\nstart = 2026-05-01\nend = 2026-05-05\n[[holidays]]\nname = \"B\"\nstart = 2026-05-05\nend = 2026-05-06",
                "2026-05-05 同时出现在「A放假」和「B放假」中",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"劳动节\"\nstart = 2026-05-01\nend = 2026-05-05\nmakeup_workdays = [2026-05-08]",
                "「劳动节」的调休上班日 2026-05-08 是星期五",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"劳动节\"\nstart = 2026-05-01\nend = 2026-05-05\nmakeup_workdays = [2026-05-02]",
                "2026-05-02 同时出现在「劳动节放假」和「劳动节调休上班」中",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"劳动节\"\nstart = 2026-05-01\nend = 2026-05-05\nmakeup_workdays = \"2026-05-09\"",
                "holidays[0].makeup_workdays：应为日期数组",
            ),
            (
                "year = 2026\nnotice = \"x\"\n[[holidays]]\nname = \"劳动节\"\nstart = 2026-05-01T08:00:00\nend = 2026-05-05",
                "holidays[0].start：“2026-05-01T08:00:00” 不是有效的日期",
            ),
        ];
        let mut failures = Vec::new();
        for (text, expected) in cases {
            match YearCalendar::from_toml(text) {
                Ok(c) => failures.push(format!("accepted {text:?}: {c:?}")),
                Err(e) if e.to_string().starts_with(expected) => {}
                Err(e) => {
                    failures.push(format!("{text:?}\n  expected: {expected}\n  got:      {e}"))
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn new_year_holiday_may_start_in_december() {
        let text = "year = 2028\nnotice = \"x\"\n[[holidays]]\nname = \"元旦\"\nstart = 2027-12-30\nend = 2028-01-01";
        let cal = HolidayCalendar::default()
            .with_year_toml(text)
            .unwrap_or_default();
        let info = cal.day(d("2027-12-31"));
        assert!(info.year_known && !info.kind.is_working(), "{info:?}");
        assert!(!cal.day(d("2027-12-29")).year_known);
    }
}
