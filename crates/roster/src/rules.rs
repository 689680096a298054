//! The roster rules an office writes (TOML), validated into [`RosterRules`].
//!
//! Everything RULES.md §5 asks a roster to express has a rule kind:
//!
//! | practice | rule `kind` |
//! |---|---|
//! | N leaders a week from a pool (宁国：每周2名市党政领导接访) | `weekly` |
//! | a per-person monthly quota inside another rule (主要领导每月2次) | `monthly-quota` |
//! | a fixed weekday for a group, each in their own township (乡镇主要领导每周一) | `weekday` |
//! | a fixed day of month that rolls forward past holidays (每月15日，遇节假日顺延) | `month-day` |
//! | every leader of a pool a number of times a year, on slots of its own | `yearly` |
//! | every leader at least once a year across other rules | `yearly-minimum` |
//! | a leader on call for special cases (特殊情况市分管领导随时接访) | `on-call` |
//!
//! Hours and place belong to a slot type (`[slot_types.<name>]`); a place may contain
//! `{township}`, filled with the leader's township. Leaders are listed once with their
//! level and township; pools select them by level and by name.
//!
//! Make-up working days (调休上班, e.g. Sat 2026-02-14): staff work, so by default a
//! reception may fall on them (`receive_on_makeup_days = true`), as offices usually do.
//! An office that does not receive on them sets it to `false`.
//!
//! The validated rules serialize (JSON in the store's `rules` collection) with every
//! leader's id filled in, so the app can edit them later without the TOML text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{NaiveTime, Weekday};
use fengqiao_model::{Leader, LeaderId, LeaderLevel};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::derived_leader_id;

/// Why a rules file was refused. Every variant names the rule, leader or field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// The text is not valid TOML or does not have the expected shape.
    #[error("排班规则文件格式错误：{message} (invalid rules file)")]
    Syntax {
        /// The parser's message, with line and column.
        message: String,
    },
    /// Two leaders share a name; pools and the CLI address leaders by name.
    #[error("leaders：领导姓名“{name}”重复 (duplicate leader name)")]
    DuplicateLeader {
        /// The repeated name.
        name: String,
    },
    /// Two rules share an id.
    #[error("rules：规则编号“{id}”重复 (duplicate rule id)")]
    DuplicateRule {
        /// The repeated id.
        id: String,
    },
    /// A rule names a leader who is not in `leaders`.
    #[error("rules[{rule}]：未知领导“{name}” (unknown leader)")]
    UnknownLeader {
        /// The rule's id.
        rule: String,
        /// The unknown name.
        name: String,
    },
    /// A rule uses a slot type that is not in `slot_types`.
    #[error("rules[{rule}]：未定义的接访类型“{slot_type}”；已定义：{known} (unknown slot type)")]
    UnknownSlotType {
        /// The rule's id.
        rule: String,
        /// The unknown slot type.
        slot_type: String,
        /// The defined slot types.
        known: String,
    },
    /// A rule refers to another rule that does not exist or cannot carry it.
    #[error(
        "rules[{rule}]：within 引用的规则“{within}”不存在或不是排班规则 (unknown or unsuitable rule in within)"
    )]
    BadWithin {
        /// The rule's id.
        rule: String,
        /// The referenced id.
        within: String,
    },
    /// A rule's pool selects nobody.
    #[error("rules[{rule}]：人员范围为空，没有符合条件的领导 (empty pool)")]
    EmptyPool {
        /// The rule's id.
        rule: String,
    },
    /// A quota's leaders are not all in the pool of the rule that carries it.
    #[error(
        "rules[{rule}]：领导“{name}”不在规则“{within}”的人员范围内 (quota leader outside the carrying rule's pool)"
    )]
    QuotaOutsidePool {
        /// The quota rule's id.
        rule: String,
        /// The leader outside.
        name: String,
        /// The carrying rule.
        within: String,
    },
    /// A count that must be at least 1 is 0.
    #[error("rules[{rule}]：{field} 必须至少为 1 (must be at least 1)")]
    ZeroCount {
        /// The rule's id.
        rule: String,
        /// The field.
        field: &'static str,
    },
    /// A day of month outside 1–31.
    #[error("rules[{rule}]：每月接访日 {day} 不在 1–31 之间 (day of month out of range)")]
    BadDayOfMonth {
        /// The rule's id.
        rule: String,
        /// The rejected day.
        day: u32,
    },
    /// A slot type whose hours end before they start.
    #[error("slot_types[{slot_type}]：结束时间 {end} 早于开始时间 {start} (end before start)")]
    EndBeforeStart {
        /// The slot type.
        slot_type: String,
        /// Its start.
        start: String,
        /// Its end.
        end: String,
    },
    /// A township-grouped rule selects a leader with no township.
    #[error(
        "rules[{rule}]：领导“{name}”未填写所属乡镇（township），无法按乡镇排班 (leader without township)"
    )]
    NoTownship {
        /// The rule's id.
        rule: String,
        /// The leader.
        name: String,
    },
}

/// A time of day written `HH:MM` in the rules file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(pub NaiveTime);

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let trimmed = text.trim();
        NaiveTime::parse_from_str(trimmed, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(trimmed, "%H:%M:%S"))
            .map(ClockTime)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "“{text}” 不是 HH:MM 格式的时间 (not a HH:MM time)"
                ))
            })
    }
}

/// A weekday written `mon`…`sun`, `周一`…`周日` or `星期一`…`星期日`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DayOfWeek(pub Weekday);

const WEEKDAY_NAMES: [(Weekday, &str, &str, &str); 7] = [
    (Weekday::Mon, "mon", "周一", "星期一"),
    (Weekday::Tue, "tue", "周二", "星期二"),
    (Weekday::Wed, "wed", "周三", "星期三"),
    (Weekday::Thu, "thu", "周四", "星期四"),
    (Weekday::Fri, "fri", "周五", "星期五"),
    (Weekday::Sat, "sat", "周六", "星期六"),
    (Weekday::Sun, "sun", "周日", "星期日"),
];

/// The Chinese name of a weekday (周一…周日), for notices and tables.
pub fn weekday_short_zh(weekday: Weekday) -> &'static str {
    WEEKDAY_NAMES[weekday.num_days_from_monday() as usize].2
}

impl Serialize for DayOfWeek {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(WEEKDAY_NAMES[self.0.num_days_from_monday() as usize].1)
    }
}

impl<'de> Deserialize<'de> for DayOfWeek {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let trimmed = text.trim();
        WEEKDAY_NAMES
            .iter()
            .find(|(_, code, short, long)| {
                trimmed.eq_ignore_ascii_case(code) || trimmed == *short || trimmed == *long
            })
            .map(|(day, ..)| DayOfWeek(*day))
            .or_else(|| trimmed.parse::<Weekday>().ok().map(DayOfWeek))
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "“{text}” 不是星期几（mon…sun / 周一…周日） (not a weekday)"
                ))
            })
    }
}

/// Hours and place of one kind of slot, e.g. city leaders' reception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotType {
    /// The name on the notice, e.g. 市领导接访.
    pub name: String,
    /// When reception starts.
    pub start: ClockTime,
    /// When it ends.
    pub end: ClockTime,
    /// Where; `{township}` is replaced by the leader's township.
    pub place: String,
}

/// Which leaders a rule draws from: by level, by name, minus exceptions. The pool keeps
/// the order of `leaders` in the file, which is the order ties are broken in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pool {
    /// Every leader of these levels.
    pub levels: Vec<LeaderLevel>,
    /// These leaders by name.
    pub leaders: Vec<String>,
    /// Leaders left out by name.
    pub except: Vec<String>,
}

/// What a fixed-weekday rule does when that day is a rest day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestDayPolicy {
    /// Move to the next working day of the same week; skip the week if there is none.
    #[default]
    NextWorkingDayInWeek,
    /// Move to the next working day, whatever week it falls in (遇节假日顺延).
    NextWorkingDay,
    /// Skip that week.
    Skip,
}

/// How often an on-call duty turns over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnCallTurn {
    /// One leader each week, Monday to Sunday.
    #[default]
    Week,
    /// One leader each calendar month.
    Month,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

fn five() -> u32 {
    5
}

/// N leaders a week from a pool, on distinct working days where the week allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyRule {
    pub id: String,
    /// The source of the rule, shown in explanations (e.g. 宁国：每周2名市党政领导接访).
    #[serde(default)]
    pub basis: String,
    pub slot_type: String,
    pub pool: Pool,
    /// How many leaders receive each week.
    pub per_week: u32,
    /// Preferred weekdays; empty means any working day. When the preferred days of a week
    /// are rest days, other working days of that week are used.
    #[serde(default)]
    pub weekdays: Vec<DayOfWeek>,
    /// Who fills a gap left by leave, in order (补位).
    #[serde(default)]
    pub standby: Vec<String>,
}

/// A fixed weekday for a group, each in their own township when `by_township`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekdayRule {
    pub id: String,
    #[serde(default)]
    pub basis: String,
    pub slot_type: String,
    pub pool: Pool,
    pub weekday: DayOfWeek,
    /// Leaders per group each week; a group is a township when `by_township`.
    #[serde(default = "one")]
    pub per_group: u32,
    /// One group per township: its leaders rotate among themselves, at their own place.
    #[serde(default = "yes")]
    pub by_township: bool,
    #[serde(default)]
    pub on_rest_day: RestDayPolicy,
    #[serde(default)]
    pub standby: Vec<String>,
}

/// A fixed day of month, rolled forward to the next working day when it is a rest day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthDayRule {
    pub id: String,
    #[serde(default)]
    pub basis: String,
    pub slot_type: String,
    pub pool: Pool,
    /// Day of month, 1–31; past a short month's end it means the month's last day.
    pub day: u32,
    #[serde(default = "one")]
    pub per_day: u32,
    #[serde(default)]
    pub standby: Vec<String>,
}

/// Every leader of the pool `per_leader` times a year, on slots spread evenly over the
/// year's working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearlyRule {
    pub id: String,
    #[serde(default)]
    pub basis: String,
    pub slot_type: String,
    pub pool: Pool,
    #[serde(default = "one")]
    pub per_leader: u32,
    #[serde(default)]
    pub weekdays: Vec<DayOfWeek>,
    #[serde(default)]
    pub standby: Vec<String>,
}

/// A leader on call for special cases, turning over each week or month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnCallRule {
    pub id: String,
    #[serde(default)]
    pub basis: String,
    pub slot_type: String,
    pub pool: Pool,
    #[serde(default)]
    pub every: OnCallTurn,
    #[serde(default)]
    pub standby: Vec<String>,
}

/// Each leader of the pool receives exactly `per_leader` times a month on the slots of
/// rule `within` (主要领导每月2次).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuotaRule {
    pub id: String,
    #[serde(default)]
    pub basis: String,
    pub within: String,
    pub pool: Pool,
    pub per_leader: u32,
}

/// Each leader of the pool receives at least `per_leader` times a calendar year on the
/// slots of the rules `within` (all slot rules when empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearlyMinimumRule {
    pub id: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub within: Vec<String>,
    pub pool: Pool,
    #[serde(default = "one")]
    pub per_leader: u32,
}

/// One rule of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Rule {
    Weekly(WeeklyRule),
    Weekday(WeekdayRule),
    MonthDay(MonthDayRule),
    Yearly(YearlyRule),
    OnCall(OnCallRule),
    MonthlyQuota(MonthlyQuotaRule),
    YearlyMinimum(YearlyMinimumRule),
}

impl Rule {
    /// The rule's id, unique in its file.
    pub fn id(&self) -> &str {
        match self {
            Rule::Weekly(r) => &r.id,
            Rule::Weekday(r) => &r.id,
            Rule::MonthDay(r) => &r.id,
            Rule::Yearly(r) => &r.id,
            Rule::OnCall(r) => &r.id,
            Rule::MonthlyQuota(r) => &r.id,
            Rule::YearlyMinimum(r) => &r.id,
        }
    }

    /// The rule's stated source.
    pub fn basis(&self) -> &str {
        match self {
            Rule::Weekly(r) => &r.basis,
            Rule::Weekday(r) => &r.basis,
            Rule::MonthDay(r) => &r.basis,
            Rule::Yearly(r) => &r.basis,
            Rule::OnCall(r) => &r.basis,
            Rule::MonthlyQuota(r) => &r.basis,
            Rule::YearlyMinimum(r) => &r.basis,
        }
    }

    /// The pool the rule draws from or constrains.
    pub fn pool(&self) -> &Pool {
        match self {
            Rule::Weekly(r) => &r.pool,
            Rule::Weekday(r) => &r.pool,
            Rule::MonthDay(r) => &r.pool,
            Rule::Yearly(r) => &r.pool,
            Rule::OnCall(r) => &r.pool,
            Rule::MonthlyQuota(r) => &r.pool,
            Rule::YearlyMinimum(r) => &r.pool,
        }
    }

    /// The slot type, for rules that make slots.
    pub fn slot_type(&self) -> Option<&str> {
        match self {
            Rule::Weekly(r) => Some(&r.slot_type),
            Rule::Weekday(r) => Some(&r.slot_type),
            Rule::MonthDay(r) => Some(&r.slot_type),
            Rule::Yearly(r) => Some(&r.slot_type),
            Rule::OnCall(r) => Some(&r.slot_type),
            Rule::MonthlyQuota(_) | Rule::YearlyMinimum(_) => None,
        }
    }

    /// The ordered standby list (补位), for rules that make slots.
    pub fn standby(&self) -> &[String] {
        match self {
            Rule::Weekly(r) => &r.standby,
            Rule::Weekday(r) => &r.standby,
            Rule::MonthDay(r) => &r.standby,
            Rule::Yearly(r) => &r.standby,
            Rule::OnCall(r) => &r.standby,
            Rule::MonthlyQuota(_) | Rule::YearlyMinimum(_) => &[],
        }
    }

    /// Whether the rule makes slots (as opposed to constraining other rules' slots).
    pub fn makes_slots(&self) -> bool {
        self.slot_type().is_some()
    }
}

/// A leader as the rules file lists them; `id` is derived from county and name when absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeaderEntry {
    #[serde(default)]
    id: Option<LeaderId>,
    name: String,
    title: String,
    level: LeaderLevel,
    #[serde(default)]
    township: Option<String>,
}

/// The rules file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    county: String,
    name: String,
    office: String,
    #[serde(default = "five")]
    leave_notice_days: u32,
    #[serde(default = "yes")]
    receive_on_makeup_days: bool,
    slot_types: BTreeMap<String, SlotType>,
    leaders: Vec<LeaderEntry>,
    rules: Vec<Rule>,
}

/// A county's validated roster rules: who, how often, where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRules {
    /// The county's ASCII code, as in the document name `roster/<county>/<year>`.
    pub county: String,
    /// The county's name for notices, e.g. 宁国市.
    pub name: String,
    /// The office that publishes the roster and signs the notice, e.g. 宁国市信访局.
    pub office: String,
    /// How many days ahead a leader must report leave (RULES.md §5: 5 days).
    pub leave_notice_days: u32,
    /// Whether receptions may fall on make-up working days (调休上班).
    pub receive_on_makeup_days: bool,
    /// Hours and place per slot type.
    pub slot_types: BTreeMap<String, SlotType>,
    /// Everyone the rules may schedule, in the file's order.
    pub leaders: Vec<Leader>,
    /// The rules, in the file's order (which is the order they are filled in).
    pub rules: Vec<Rule>,
}

impl RosterRules {
    /// Parses and validates a rules file.
    pub fn from_toml(text: &str) -> Result<RosterRules, RulesError> {
        let file: RulesFile = toml::from_str(text).map_err(|e| RulesError::Syntax {
            message: e.to_string(),
        })?;
        let leaders = file
            .leaders
            .into_iter()
            .map(|entry| Leader {
                id: entry
                    .id
                    .unwrap_or_else(|| derived_leader_id(&file.county, entry.name.trim())),
                name: entry.name.trim().to_owned(),
                title: entry.title,
                level: entry.level,
                township: entry
                    .township
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty()),
            })
            .collect();
        let rules = RosterRules {
            county: file.county,
            name: file.name,
            office: file.office,
            leave_notice_days: file.leave_notice_days,
            receive_on_makeup_days: file.receive_on_makeup_days,
            slot_types: file.slot_types,
            leaders,
            rules: file.rules,
        };
        rules.validate()?;
        Ok(rules)
    }

    /// Checks names, references, pools and counts; the first problem found is returned.
    pub fn validate(&self) -> Result<(), RulesError> {
        let mut names = BTreeSet::new();
        for leader in &self.leaders {
            if !names.insert(leader.name.as_str()) {
                return Err(RulesError::DuplicateLeader {
                    name: leader.name.clone(),
                });
            }
        }
        for (name, slot_type) in &self.slot_types {
            if slot_type.end < slot_type.start {
                return Err(RulesError::EndBeforeStart {
                    slot_type: name.clone(),
                    start: slot_type.start.to_string(),
                    end: slot_type.end.to_string(),
                });
            }
        }
        let mut ids = BTreeSet::new();
        for rule in &self.rules {
            if !ids.insert(rule.id()) {
                return Err(RulesError::DuplicateRule {
                    id: rule.id().to_owned(),
                });
            }
        }
        for rule in &self.rules {
            self.validate_rule(rule)?;
        }
        Ok(())
    }

    fn validate_rule(&self, rule: &Rule) -> Result<(), RulesError> {
        let id = rule.id().to_owned();
        let pool = rule.pool();
        for name in pool
            .leaders
            .iter()
            .chain(&pool.except)
            .chain(rule.standby())
        {
            if self.leader_by_name(name).is_none() {
                return Err(RulesError::UnknownLeader {
                    rule: id,
                    name: name.clone(),
                });
            }
        }
        if let Some(slot_type) = rule.slot_type()
            && !self.slot_types.contains_key(slot_type)
        {
            return Err(RulesError::UnknownSlotType {
                rule: id,
                slot_type: slot_type.to_owned(),
                known: self
                    .slot_types
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("、"),
            });
        }
        let members = self.pool_members(pool);
        if members.is_empty() {
            return Err(RulesError::EmptyPool { rule: id });
        }
        let zero = |field| {
            Err(RulesError::ZeroCount {
                rule: id.clone(),
                field,
            })
        };
        match rule {
            Rule::Weekly(r) if r.per_week == 0 => return zero("per_week"),
            Rule::Weekday(r) if r.per_group == 0 => return zero("per_group"),
            Rule::Weekday(r) if r.by_township => {
                if let Some(&i) = members
                    .iter()
                    .find(|&&i| self.leaders[i].township.is_none())
                {
                    return Err(RulesError::NoTownship {
                        rule: id,
                        name: self.leaders[i].name.clone(),
                    });
                }
            }
            Rule::MonthDay(r) if r.per_day == 0 => return zero("per_day"),
            Rule::MonthDay(r) if !(1..=31).contains(&r.day) => {
                return Err(RulesError::BadDayOfMonth {
                    rule: id,
                    day: r.day,
                });
            }
            Rule::Yearly(r) if r.per_leader == 0 => return zero("per_leader"),
            Rule::MonthlyQuota(r) => {
                if r.per_leader == 0 {
                    return zero("per_leader");
                }
                let Some(carrier) = self
                    .rule(&r.within)
                    .filter(|c| c.makes_slots() && !matches!(c, Rule::OnCall(_)))
                else {
                    return Err(RulesError::BadWithin {
                        rule: id,
                        within: r.within.clone(),
                    });
                };
                let carrier_members = self.pool_members(carrier.pool());
                if let Some(&i) = members.iter().find(|i| !carrier_members.contains(i)) {
                    return Err(RulesError::QuotaOutsidePool {
                        rule: id,
                        name: self.leaders[i].name.clone(),
                        within: r.within.clone(),
                    });
                }
            }
            Rule::YearlyMinimum(r) => {
                if r.per_leader == 0 {
                    return zero("per_leader");
                }
                if let Some(bad) = r
                    .within
                    .iter()
                    .find(|w| self.rule(w).is_none_or(|c| !c.makes_slots()))
                {
                    return Err(RulesError::BadWithin {
                        rule: id,
                        within: bad.clone(),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id() == id)
    }

    /// The leader with this name.
    pub fn leader_by_name(&self, name: &str) -> Option<&Leader> {
        let name = name.trim();
        self.leaders.iter().find(|l| l.name == name)
    }

    /// The leader with this id.
    pub fn leader(&self, id: LeaderId) -> Option<&Leader> {
        self.leaders.iter().find(|l| l.id == id)
    }

    /// Indices into `leaders` of a pool's members, in the file's order.
    pub fn pool_members(&self, pool: &Pool) -> Vec<usize> {
        self.leaders
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                pool.levels.contains(&l.level) || pool.leaders.iter().any(|n| n.trim() == l.name)
            })
            .filter(|(_, l)| !pool.except.iter().any(|n| n.trim() == l.name))
            .map(|(i, _)| i)
            .collect()
    }

    /// The place of a slot of `slot_type` for `leader`, with `{township}` filled in.
    pub fn place_for(&self, slot_type: &SlotType, leader: &Leader) -> String {
        slot_type
            .place
            .replace("{township}", leader.township.as_deref().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
county = "demo"
name = "示例县"
office = "示例县信访局"
[slot_types.city]
name = "县领导接访"
start = "08:30"
end = "11:30"
place = "县信访接待中心"
[[leaders]]
name = "甲"
title = "县委书记"
level = "city-principal"
[[leaders]]
name = "乙"
title = "副县长"
level = "市领导"
[[rules]]
kind = "weekly"
id = "w"
slot_type = "city"
per_week = 1
pool = { levels = ["city-principal", "city"] }
weekdays = ["周二", "thu"]
"#;

    #[test]
    fn parses_with_chinese_and_code_terms() {
        let rules = RosterRules::from_toml(MINI).map_err(|e| e.to_string());
        let Ok(rules) = rules else {
            panic!("{rules:?}")
        };
        assert_eq!(rules.leaders.len(), 2);
        assert_eq!(rules.leave_notice_days, 5);
        assert!(rules.receive_on_makeup_days);
        let Some(Rule::Weekly(w)) = rules.rule("w") else {
            panic!("no weekly rule")
        };
        assert_eq!(
            w.weekdays,
            vec![DayOfWeek(Weekday::Tue), DayOfWeek(Weekday::Thu)]
        );
        assert_eq!(rules.pool_members(&w.pool), vec![0, 1]);
        // Ids are derived, so a second load agrees.
        let again = RosterRules::from_toml(MINI).ok();
        assert_eq!(again.map(|r| r.leaders[0].id), Some(rules.leaders[0].id));
    }

    #[test]
    fn errors_name_what_and_why() {
        let bad = MINI.replace("slot_type = \"city\"", "slot_type = \"town\"");
        let err = RosterRules::from_toml(&bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("town") && err.contains("unknown slot type"),
            "{err}"
        );

        let bad = MINI.replace("name = \"乙\"", "name = \"甲\"");
        let err = RosterRules::from_toml(&bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("甲") && err.contains("duplicate leader"),
            "{err}"
        );

        let bad = MINI.replace("per_week = 1", "per_week = 0");
        assert!(matches!(
            RosterRules::from_toml(&bad),
            Err(RulesError::ZeroCount { .. })
        ));

        let bad = MINI.replace("end = \"11:30\"", "end = \"07:30\"");
        assert!(matches!(
            RosterRules::from_toml(&bad),
            Err(RulesError::EndBeforeStart { .. })
        ));

        let bad = MINI.replace("weekdays = [\"周二\", \"thu\"]", "weekdays = [\"someday\"]");
        let err = RosterRules::from_toml(&bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("someday"), "{err}");

        let bad = format!("{MINI}\nsurprise = 1\n");
        assert!(matches!(
            RosterRules::from_toml(&bad),
            Err(RulesError::Syntax { .. })
        ));
    }
}
