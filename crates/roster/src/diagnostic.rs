//! Diagnostics: what generation and the changes could not do as the rules ask, and why.
//!
//! Generation never fails silently and never fails as a whole: it returns the roster it
//! could make together with these explanations (partial results, STYLE.md §5). An `Info`
//! records an expected exemption (a week of Spring Festival has no reception day); a
//! `Warning` is a rule that is not met and needs a person.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How much a diagnostic needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Expected and explained; nothing to do.
    Info,
    /// A rule is not met; the office should act.
    Warning,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// The holiday notice for a year is not loaded; only weekends were treated as rest days.
    CalendarUnknown { year: i32 },
    /// A week has no day on which the rule may receive (e.g. the Spring Festival week).
    NoReceptionDay {
        week_of: NaiveDate,
        township: Option<String>,
    },
    /// A rule's day was a rest day and the slot moved to the next working day (顺延).
    Rolled {
        nominal: NaiveDate,
        date: NaiveDate,
        township: Option<String>,
    },
    /// The preferred weekdays of a week were rest days; other working days were used.
    OffPreferredDay { week_of: NaiveDate, date: NaiveDate },
    /// Nobody could take a slot.
    SeatUnfilled {
        date: NaiveDate,
        township: Option<String>,
        why: String,
    },
    /// A leader's monthly quota could not be met.
    QuotaUnmet {
        leader: String,
        month: String,
        got: u32,
        need: u32,
        why: String,
    },
    /// A leader already has more slots in a month than the quota (published earlier).
    QuotaExceeded {
        leader: String,
        month: String,
        got: u32,
        quota: u32,
    },
    /// A leader has fewer slots in a year than the yearly minimum.
    YearlyMinimumUnmet {
        leader: String,
        year: i32,
        got: u32,
        need: u32,
    },
    /// The pool was too small to keep a leader to one slot of the rule a week.
    RepeatInWeek { leader: String, week_of: NaiveDate },
    /// Leave was reported later than the notice rule asks before an affected slot.
    LateLeaveNotice {
        leader: String,
        slot_date: NaiveDate,
        reported_on: NaiveDate,
        notice_days: i64,
        required: u32,
    },
    /// No one on the standby list could fill a gap; the pool's fairest leader did.
    StandbyExhausted { date: NaiveDate, filled_by: String },
    /// A gap was filled (补位).
    GapFilled {
        date: NaiveDate,
        absent: String,
        filled_by: String,
        from_standby: bool,
    },
    /// A slot with booked visitors moved: someone must tell them.
    BookedVisitorsMoved {
        from: NaiveDate,
        to: NaiveDate,
        visitors: usize,
    },
}

/// One explanation, tied to the rule it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The rule's id, when one rule is concerned.
    pub rule: Option<String>,
    #[serde(flatten)]
    pub kind: DiagnosticKind,
}

impl Diagnostic {
    /// An expected exemption.
    pub fn info(rule: Option<&str>, kind: DiagnosticKind) -> Diagnostic {
        Diagnostic {
            severity: Severity::Info,
            rule: rule.map(str::to_owned),
            kind,
        }
    }

    /// A rule not met.
    pub fn warning(rule: Option<&str>, kind: DiagnosticKind) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            rule: rule.map(str::to_owned),
            kind,
        }
    }
}

fn at_township(township: &Option<String>) -> String {
    township
        .as_ref()
        .map(|t| format!("（{t}）"))
        .unwrap_or_default()
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiagnosticKind::CalendarUnknown { year } => write!(
                f,
                "未载入 {year} 年国务院节假日安排，仅按周末排班，法定节假日可能被排入 (holiday notice for {year} not loaded; weekends only)"
            ),
            DiagnosticKind::NoReceptionDay { week_of, township } => write!(
                f,
                "{week_of} 所在周{}没有可接访的工作日，本周不排 (no reception day in the week)",
                at_township(township)
            ),
            DiagnosticKind::Rolled {
                nominal,
                date,
                township,
            } => write!(
                f,
                "{nominal} 为休息日，{}顺延至 {date} (rolled forward past a rest day)",
                at_township(township)
            ),
            DiagnosticKind::OffPreferredDay { week_of, date } => write!(
                f,
                "{week_of} 所在周的约定接访日休息，改排 {date} (preferred weekday was a rest day)"
            ),
            DiagnosticKind::SeatUnfilled {
                date,
                township,
                why,
            } => {
                write!(
                    f,
                    "{date}{} 的接访无人可排：{why} (slot unfilled)",
                    at_township(township)
                )
            }
            DiagnosticKind::QuotaUnmet {
                leader,
                month,
                got,
                need,
                why,
            } => write!(
                f,
                "{leader} {month} 月应接访 {need} 次，只排入 {got} 次：{why} (monthly quota not met)"
            ),
            DiagnosticKind::QuotaExceeded {
                leader,
                month,
                got,
                quota,
            } => write!(
                f,
                "{leader} {month} 月已有 {got} 次接访，超过每月 {quota} 次 (over monthly quota)"
            ),
            DiagnosticKind::YearlyMinimumUnmet {
                leader,
                year,
                got,
                need,
            } => write!(
                f,
                "{leader} {year} 年接访 {got} 次，少于每年至少 {need} 次 (yearly minimum not met)"
            ),
            DiagnosticKind::RepeatInWeek { leader, week_of } => write!(
                f,
                "人员不足，{leader} 在 {week_of} 所在周排了两次 (pool too small: twice in one week)"
            ),
            DiagnosticKind::LateLeaveNotice {
                leader,
                slot_date,
                reported_on,
                notice_days,
                required,
            } => write!(
                f,
                "{leader} 于 {reported_on} 请假，距 {slot_date} 的接访仅 {notice_days} 天，应提前 {required} 天告知 (leave reported late)"
            ),
            DiagnosticKind::StandbyExhausted { date, filled_by } => write!(
                f,
                "{date} 补位名单无人可用，按均衡原则由 {filled_by} 接替 (standby list exhausted)"
            ),
            DiagnosticKind::GapFilled {
                date,
                absent,
                filled_by,
                from_standby,
            } => write!(
                f,
                "{date} {absent} 请假，由{} {filled_by} 接替 (gap filled)",
                if *from_standby { "补位人员" } else { "" }
            ),
            DiagnosticKind::BookedVisitorsMoved { from, to, visitors } => write!(
                f,
                "{from} 的接访改期至 {to}，已预约的 {visitors} 位来访人需另行通知 (booked visitors must be told)"
            ),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Info => "说明",
            Severity::Warning => "警告",
        };
        match &self.rule {
            Some(rule) => write!(f, "[{level}] {rule}：{}", self.kind),
            None => write!(f, "[{level}] {}", self.kind),
        }
    }
}
