//! Caveats on computed clocks: results that stand, but that a clerk should read with a
//! note (an unloaded holiday year, a route that follows another procedure, a late window…).

use std::fmt;

use chrono::NaiveDate;

use crate::clock::ClockId;

/// Something a clerk should know about a computed result that is not an error: the answer
/// is given, but with a caveat.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Diagnostic {
    /// A count passed through a year whose holiday notice is not loaded.
    UnknownYear {
        /// The clock affected.
        clock: ClockId,
        /// The year without a notice.
        year: i32,
    },
    /// The case has no route, so whether T5/T6 apply is unknown.
    RouteNotSet,
    /// The case was accepted on a route that follows another procedure's clocks
    /// (第三十一条第（一）至（五）项, or 纪检举报); T5/T6 are not run.
    OtherProcedure {
        /// The route's Chinese name.
        route: &'static str,
    },
    /// The approved extensions add up to more than the law allows; the excess is ignored.
    ExtensionOverLimit {
        /// The total approved.
        total_days: u32,
        /// The legal maximum.
        max_days: u32,
    },
    /// An extension was approved after the original deadline had already passed.
    ExtensionAfterDeadline {
        /// When it was approved.
        approved_on: NaiveDate,
        /// When T5 had run out.
        due: NaiveDate,
    },
    /// An extension was recorded for an item where T5 does not run.
    ExtensionWithoutT5,
    /// A window was used after it had closed (a late objection or a late review request).
    LateWindowUse {
        /// The window.
        clock: ClockId,
        /// When it was used.
        on: NaiveDate,
        /// When it had closed.
        due: NaiveDate,
    },
    /// The petitioner's name or address is unclear, so no written notice is owed
    /// (第二十三条第二款但书).
    NoticeNotOwed,
    /// The case does not say which unit received it, or the directory does not know that
    /// unit's kind: both 第二十二条's T1 and 第二十三条's T2 are shown.
    OfficeUnknown,
    /// A 建议意见类 item (第二十九条): no handling deadline, no 第四十五条 warning.
    SuggestionHasNoLimit,
    /// A 检举控告类 item (第三十条): handled by its own procedure, not 第三十四条's.
    AccusationOwnProcedure,
    /// Forwarded on a route whose receiving body gives notice by its own rules
    /// (纪检监察机关, 政法部门: 第二十三条第四款); T3/T4 are not run.
    NoticeByOwnRules {
        /// The route's Chinese name.
        route: &'static str,
    },
    /// Some of the case's events could not be read (written by a newer version, or
    /// damaged): the clocks are computed without them and may be wrong.
    UnreadableEvents {
        /// How many.
        count: usize,
    },
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::UnknownYear { clock, year } => write!(
                f,
                "{clock}：{year} 年的节假日安排尚未载入，暂按周末推算，到期日可能不准 (holiday calendar for {year} not loaded)"
            ),
            Diagnostic::RouteNotSet => {
                f.write_str("尚未确定分流途径，无法判断是否适用第三十四条办理期限 (route not set)")
            }
            Diagnostic::OtherProcedure { route } => write!(
                f,
                "分流途径为{route}，按相应法定程序的期限办理，不计算第三十四条办理期限 (other procedure's clock)"
            ),
            Diagnostic::ExtensionOverLimit { total_days, max_days } => write!(
                f,
                "延期合计 {total_days} 日，超过第三十四条规定的 {max_days} 日，按 {max_days} 日计算 (extension over the limit)"
            ),
            Diagnostic::ExtensionAfterDeadline { approved_on, due } => write!(
                f,
                "延期于 {approved_on} 批准，晚于原办理期限 {due} (extension approved after the deadline)"
            ),
            Diagnostic::ExtensionWithoutT5 => {
                f.write_str("记录了延期，但本事项不适用第三十四条办理期限 (extension without T5)")
            }
            Diagnostic::LateWindowUse { clock, on, due } => write!(
                f,
                "{clock}：{on} 提出，已超过 {due} 届满的{}（{}） (window used late)",
                clock.zh(),
                clock.citation()
            ),
            Diagnostic::UnreadableEvents { count } => write!(
                f,
                "时限不完整：本案有 {count} 条事件本机无法读取（由较新版本记录或已损坏），时限按其余事件计算，可能不准 (clocks incomplete: {count} unreadable events)"
            ),
            Diagnostic::NoticeNotOwed => f.write_str(
                "信访人姓名（名称）、住址不清，不适用第二十三条第二款书面告知 (notice not owed: name or address unclear)",
            ),
            Diagnostic::OfficeUnknown => f.write_str(
                "未登记受理单位或名录中没有其单位性质：信访部门适用第二十二条（T1），其他机关、单位适用第二十三条第二款（T2），两者均列出；请在名录中注明单位性质并登记受理单位 (receiving unit's kind unknown)",
            ),
            Diagnostic::SuggestionHasNoLimit => f.write_str(
                "建议意见类事项按第二十九条研究论证并回复，不适用第三十四条办理期限 (suggestions have no time limit)",
            ),
            Diagnostic::AccusationOwnProcedure => f.write_str(
                "检举控告类事项按第三十条依规依纪依法办理，不适用第三十四条办理期限 (accusations follow their own procedure)",
            ),
            Diagnostic::NoticeByOwnRules { route } => write!(
                f,
                "分流途径为{route}，接收的纪检监察机关、政法部门的告知按照有关规定执行（第二十三条第四款），不计算 T3/T4 (notice by the receiving body's own rules)"
            ),
        }
    }
}
