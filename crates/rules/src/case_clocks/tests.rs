//! The case clocks, fixture by fixture: expected tables are worked out by hand from
//! RULES.md, with the arithmetic in comments.

use super::*;
use chrono::FixedOffset;
use fengqiao_model::ids::{EventId, PersonId};
use fengqiao_model::vocab::{PanelKind, ReplyType};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| panic!("bad date {s}"))
}

fn event(n: usize, date: NaiveDate, kind: EventKind) -> CaseEvent {
    let offset = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| panic!("offset"));
    CaseEvent {
        id: format!("00000000-0000-7000-8000-{n:012}")
            .parse::<EventId>()
            .unwrap_or_else(|e| panic!("{e}")),
        kind,
        date,
        recorded_at: date
            .and_hms_opt(9, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
            .unwrap_or_else(|| panic!("time")),
        recorded_by: "00000000-0000-7000-8000-000000000000"
            .parse::<PersonId>()
            .unwrap_or_else(|e| panic!("{e}")),
        remark: String::new(),
    }
}

/// Parses a fixture (one statement per line) into facts, events and today.
///
/// ```text
/// received 2026-03-02 direct|forwarded [anonymous] [office|organ] [suggestion|accusation|claim]
/// route petition-request
/// extension-from rolled-end
/// today 2026-05-10
/// 2026-03-05 accepted
/// 2026-03-20 extended 30
/// ```
///
/// `office` is a 信访部门, `organ` any other 机关、单位; neither leaves the kind unknown.
pub(super) fn parse_fixture(fixture: &str) -> (CaseFacts, Vec<CaseEvent>, NaiveDate) {
    let mut facts = CaseFacts {
        received_on: NaiveDate::MIN,
        received_directly: true,
        route: None,
        notice_owed: true,
        office: None,
        content_type: None,
        extension_from: ExtensionBase::default(),
        unreadable_events: 0,
    };
    let mut events = Vec::new();
    let mut today = NaiveDate::MIN;
    for line in fixture.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let arg = |i: usize| words.get(i).copied().unwrap_or("");
        let num = |i: usize| {
            arg(i)
                .parse::<u32>()
                .unwrap_or_else(|_| panic!("number expected: {line}"))
        };
        match words[0] {
            "received" => {
                facts.received_on = d(arg(1));
                facts.received_directly = arg(2) == "direct";
                for flag in words.iter().skip(3) {
                    match *flag {
                        "anonymous" => facts.notice_owed = false,
                        "office" => facts.office = Some(OrganKind::PetitionOffice),
                        "organ" => facts.office = Some(OrganKind::OtherOrgan),
                        "suggestion" => facts.content_type = Some(ContentType::Suggestion),
                        "accusation" => facts.content_type = Some(ContentType::Accusation),
                        "claim" => facts.content_type = Some(ContentType::Claim),
                        other => panic!("unknown flag {other} in {line}"),
                    }
                }
            }
            "extension-from" => {
                facts.extension_from =
                    ExtensionBase::parse(arg(1)).unwrap_or_else(|| panic!("{line}"))
            }
            "route" => facts.route = Some(Route::parse(arg(1)).unwrap_or_else(|e| panic!("{e}"))),
            "today" => today = d(arg(1)),
            "unreadable" => facts.unreadable_events = num(1) as usize,
            date => {
                let reply = ReplyType::Support;
                let kind = match arg(1) {
                    "registered" => EventKind::Registered,
                    "routed" => EventKind::Routed {
                        route: Route::parse(arg(2)).unwrap_or_else(|e| panic!("{e}")),
                    },
                    "forwarded" => EventKind::Forwarded {
                        unit: arg(2).to_owned(),
                    },
                    "assigned" => EventKind::Assigned {
                        unit: arg(2).to_owned(),
                    },
                    "objected" => EventKind::Objected {
                        unit: String::new(),
                        reason: String::new(),
                    },
                    "mediated" => EventKind::Mediated {
                        agreement: "调解协议书".to_owned(),
                    },
                    "diverted" => EventKind::Diverted {
                        procedure: "诉讼".to_owned(),
                    },
                    "not-accepted" => EventKind::NotAccepted {
                        reason: String::new(),
                    },
                    "accepted" => EventKind::Accepted,
                    "fast-track" => EventKind::FastTrack,
                    "acknowledged" => EventKind::Acknowledged,
                    "extended" => EventKind::Extended {
                        days: num(2),
                        approved_by: "局长".to_owned(),
                        reason: String::new(),
                    },
                    "hearing" => EventKind::Hearing { days: num(2) },
                    "replied" => EventKind::Replied { reply },
                    "review-requested" => EventKind::ReviewRequested,
                    "review-opinion" => EventKind::ReviewOpinion { reply },
                    "re-review-requested" => EventKind::ReReviewRequested,
                    "re-review-opinion" => EventKind::ReReviewOpinion { reply },
                    "closed" => EventKind::Closed { satisfaction: None },
                    other => panic!("unknown event {other} in {line}"),
                };
                events.push(event(events.len() + 1, d(date), kind));
            }
        }
    }
    (facts, events, today)
}

/// Computes the fixture's clocks with the embedded calendar and default thresholds,
/// and compares the rendered table with `expect` (both trimmed, line by line).
#[track_caller]
pub(super) fn check(fixture: &str, expect: &str) {
    let (facts, events, today) = parse_fixture(fixture);
    let got = case_clocks(
        &facts,
        &events,
        &HolidayCalendar::embedded(),
        today,
        &DueThresholds::default(),
    );
    let got = got.to_string();
    let norm = |s: &str| {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(norm(&got), norm(expect), "\n--- got ---\n{got}");
}

// Expected tables are worked out by hand from RULES.md; comments give the arithmetic.

#[test]
fn a_direct_item_at_a_unit_of_unknown_kind_runs_t1_and_t2_with_a_caveat() {
    // 03-02 + 15 = Tue 03-17; on 03-10, 7 days left (threshold 5).
    check(
        "
        received 2026-03-02 direct
        today 2026-03-10
        2026-03-02 registered
        ",
        "
        已登记 · 未分流
        T1  2026-03-02 → 2026-03-17 剩余7天
        T2  2026-03-02 → 2026-03-17 剩余7天
        ? 未登记受理单位或名录中没有其单位性质：信访部门适用第二十二条（T1），其他机关、单位适用第二十三条第二款（T2），两者均列出；请在名录中注明单位性质并登记受理单位 (receiving unit's kind unknown)
        ",
    );
}

#[test]
fn an_unreadable_event_makes_the_clocks_say_they_are_incomplete() {
    // One event this version cannot read (a newer version's kind): the clocks are those
    // of the readable events, with a caveat.
    check(
        "
        received 2026-03-02 direct office
        today 2026-03-10
        unreadable 1
        2026-03-02 registered
        ",
        "
        已登记 · 未分流
        T1  2026-03-02 → 2026-03-17 剩余7天
        ? 时限不完整：本案有 1 条事件本机无法读取（由较新版本记录或已损坏），时限按其余事件计算，可能不准 (clocks incomplete: 1 unreadable events)
        ",
    );
    let clocks = |fixture: &str| {
        let (facts, events, today) = parse_fixture(fixture);
        let cal = HolidayCalendar::embedded();
        case_clocks(&facts, &events, &cal, today, &DueThresholds::default())
    };
    let whole = "received 2026-03-02 direct office\ntoday 2026-03-10\n2026-03-02 registered";
    assert!(clocks(whole).is_complete());
    assert!(!clocks(&format!("{whole}\nunreadable 2")).is_complete());
}

#[test]
fn approaching_register_and_notify_triggers_warn() {
    check(
        "
        received 2026-03-02 direct
        today 2026-03-14
        2026-03-02 registered
        ",
        "
        已登记 · 未分流
        T1  2026-03-02 → 2026-03-17 即将到期，剩余3天
        T2  2026-03-02 → 2026-03-17 即将到期，剩余3天
        ! 信访部门未按规定登记、转送、交办（第四十三条）：T1 到期 2026-03-17，即将到期，剩余3天
        ! 未在规定期限内书面告知（第四十四条）：T2 到期 2026-03-17，即将到期，剩余3天
        ? 未登记受理单位或名录中没有其单位性质：信访部门适用第二十二条（T1），其他机关、单位适用第二十三条第二款（T2），两者均列出；请在名录中注明单位性质并登记受理单位 (receiving unit's kind unknown)
        ",
    );
}

#[test]
fn anonymous_item_owes_no_notice() {
    // At a 信访部门: T1 alone, whoever the petitioner is.
    check(
        "
        received 2026-03-02 direct anonymous office
        today 2026-03-17
        ",
        "
        已登记 · 未分流
        T1  2026-03-02 → 2026-03-17 今日到期
        ! 信访部门未按规定登记、转送、交办（第四十三条）：T1 到期 2026-03-17，今日到期
        ",
    );
    // At another organ, 第二十三条第二款's notice is not owed when name or address is
    // unclear: no clock at all.
    check(
        "
        received 2026-03-02 direct anonymous organ
        today 2026-03-17
        ",
        "
        已登记 · 未分流
        ? 信访人姓名（名称）、住址不清，不适用第二十三条第二款书面告知 (notice not owed: name or address unclear)
        ",
    );
}

#[test]
fn petition_request_handled_and_replied_in_time() {
    // T5: 03-05 + 60 = Mon 05-04, 劳动节 (05-01..05) → Wed 05-06. T7: 04-20 + 30 = Wed 05-20.
    check(
        "
        received 2026-03-02 direct office
        today 2026-04-25
        2026-03-02 registered
        2026-03-03 routed petition-request
        2026-03-05 accepted
        2026-03-05 acknowledged
        2026-04-20 replied
        ",
        "
        已答复 · 信访诉求
        T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
        T5  2026-03-05 → 2026-05-06 已于 2026-04-20 完成
        T7  2026-04-20 → 2026-05-20 剩余25天
        ",
    );
}

#[test]
fn overdue_handling_fires_the_close_trigger() {
    check(
        "
        received 2026-03-02 direct office
        route petition-request
        today 2026-05-10
        2026-03-05 accepted
        2026-03-05 acknowledged
        ",
        "
        办理中 · 信访诉求
        T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
        T5  2026-03-05 → 2026-05-06 已超期4天
        ! 未在规定期限内办结（第四十五条）：T5 到期 2026-05-06，已超期4天
        ",
    );
}

#[test]
fn extension_moves_the_deadline_to_t6() {
    // T5's 60th day is Mon 05-04 (劳动节), due Wed 05-06. T6 from the 60th day (the
    // default): 05-04 + 30 = Wed 06-03, on 05-10 24 days left; from the rolled due date:
    // 05-06 + 30 = Fri 06-05, 26 days left.
    let fixture = "
        received 2026-03-02 direct office
        route petition-request
        today 2026-05-10
        2026-03-05 accepted
        2026-03-05 acknowledged
        2026-04-30 extended 30
    ";
    check(
        fixture,
        "
        办理中(延期) · 信访诉求
        T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
        T5  2026-03-05 → 2026-05-06 已延期，见 T6
        T6  2026-03-05 → 2026-06-03 剩余24天
        ",
    );
    check(
        &format!("{fixture}\nextension-from rolled-end"),
        "
        办理中(延期) · 信访诉求
        T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
        T5  2026-03-05 → 2026-05-06 已延期，见 T6
        T6  2026-03-05 → 2026-06-05 剩余26天
        ",
    );
}

#[test]
fn extensions_are_capped_and_late_ones_noted() {
    // 20 + 20 days approved, capped at 30: T6 still Wed 06-03.
    check(
        "
        received 2026-03-02 direct office
        route petition-request
        today 2026-05-10
        2026-03-05 accepted
        2026-03-05 acknowledged
        2026-04-30 extended 20
        2026-05-08 extended 20
        ",
        "
        办理中(延期) · 信访诉求
        T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
        T5  2026-03-05 → 2026-05-06 已延期，见 T6
        T6  2026-03-05 → 2026-06-03 剩余24天
        ? 延期于 2026-05-08 批准，晚于原办理期限 2026-05-06 (extension approved after the deadline)
        ? 延期合计 40 日，超过第三十四条规定的 30 日，按 30 日计算 (extension over the limit)
        ",
    );
}

#[test]
fn other_routes_do_not_run_t5() {
    // 第三十一条第（四）（五）项: the administrative procedure's own clocks.
    check(
        "
        received 2026-03-02 direct office
        today 2026-05-10
        2026-03-03 routed administrative-duty
        2026-03-05 accepted
        2026-03-05 acknowledged
        ",
        "
        办理中 · 行政职责
        T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
        ? 分流途径为行政职责，按相应法定程序的期限办理，不计算第三十四条办理期限 (other procedure's clock)
        ",
    );
    // The latest 分流 wins over the registration's route.
    check(
        "
        received 2026-03-02 direct anonymous office
        route dispute
        today 2026-03-20
        2026-03-03 routed petition-request
        2026-03-05 accepted
        ",
        "
        办理中 · 信访诉求
        T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
        T5  2026-03-05 → 2026-05-06 剩余47天
        ",
    );
}

#[test]
fn forwarded_item_runs_the_units_t3_and_t4() {
    // Received by us (the unit) Thu 04-30: T3 +15 = Fri 05-15; T4 worked example Mon 05-11.
    check(
        "
        received 2026-04-30 forwarded organ
        today 2026-05-08
        ",
        "
        已登记 · 未分流
        T3  2026-04-30 → 2026-05-15 剩余7天
        T4  2026-04-30 → 2026-05-11 剩余3天
        ",
    );
    // Not accepted, not notified, on the last day: two 第四十四条 warnings.
    check(
        "
        received 2026-04-30 forwarded organ
        today 2026-05-15
        ",
        "
        已登记 · 未分流
        T3  2026-04-30 → 2026-05-15 今日到期
        T4  2026-04-30 → 2026-05-11 期限已过，未行使
        ! 未在规定期限内决定是否受理（第四十四条）：T3 到期 2026-05-15，今日到期
        ! 未在规定期限内书面告知（第四十四条）：T3 到期 2026-05-15，今日到期
        ",
    );
}

#[test]
fn late_objection_is_noted_and_stops_t3() {
    check(
        "
        received 2026-04-30 forwarded organ
        today 2026-05-13
        2026-05-12 objected
        ",
        "
        已登记 · 未分流
        T3  2026-04-30 → 2026-05-15 已于 2026-05-12 因异议终止
        T4  2026-04-30 → 2026-05-11 已于 2026-05-12 完成（超期）
        ? T4：2026-05-12 提出，已超过 2026-05-11 届满的不属职权范围异议（《信访工作条例》第二十三条第三款） (window used late)
        ",
    );
}

#[test]
fn item_we_forward_runs_the_receiving_units_clocks() {
    // Forwarded Mon 03-09: T3 +15 = Tue 03-24; T4 = Tue 10 … Mon 16 (5th working day).
    check(
        "
        received 2026-03-02 direct office
        today 2026-03-12
        2026-03-09 forwarded 县人社局
        2026-03-10 acknowledged
        ",
        "
        办理中 · 未分流
        T1  2026-03-02 → 2026-03-17 已于 2026-03-09 完成
        T3  2026-03-09 → 2026-03-24 已于 2026-03-10 完成
        T4  2026-03-09 → 2026-03-16 剩余4天
        ",
    );
}

#[test]
fn review_and_re_review_with_hearing_days() {
    // T5: 05-20 + 60 = Sun 07-19 → Mon 07-20, met 06-01.
    // T7: 06-01 + 30 = Wed 07-01, used 06-20.
    // T8: 06-20 + 30 = Mon 07-20, opinion 07-25: 5 days late.
    // T9: 07-25 + 30 = Mon 08-24, used 08-10.
    // T10: 08-10 + 30 + 3 hearing days = Sat 09-12 → Mon 09-14; on 09-10, 4 days left.
    check(
        "
        received 2026-05-20 direct anonymous office
        route petition-request
        today 2026-09-10
        2026-05-20 accepted
        2026-06-01 replied
        2026-06-20 review-requested
        2026-07-25 review-opinion
        2026-08-10 re-review-requested
        2026-08-20 hearing 3
        ",
        "
        复核中 · 信访诉求
        T1  2026-05-20 → 2026-06-04 已于 2026-05-20 完成
        T5  2026-05-20 → 2026-07-20 已于 2026-06-01 完成
        T7  2026-06-01 → 2026-07-01 已于 2026-06-20 完成
        T8  2026-06-20 → 2026-07-20 已于 2026-07-25 完成（超期）
        T9  2026-07-25 → 2026-08-24 已于 2026-08-10 完成
        T10 2026-08-10 → 2026-09-14 即将到期，剩余4天
        ! 未在规定期限内办结（第四十五条）：T8 到期 2026-07-20，2026-07-25 才完成，已超期5天
        ! 未在规定期限内办结（第四十五条）：T10 到期 2026-09-14，即将到期，剩余4天
        ",
    );
}

/// The T10 due date of a re-review requested 2026-08-10 with `sessions` (panel, days)
/// and, if given, an opinion on `opinion`.
fn t10_due(sessions: &[(PanelKind, &[&str])], opinion: Option<&str>) -> NaiveDate {
    let (facts, mut events, _) = parse_fixture(
        "
        received 2026-05-20 direct anonymous office
        route petition-request
        2026-05-20 accepted
        2026-06-01 replied
        2026-06-20 review-requested
        2026-07-25 review-opinion
        2026-08-10 re-review-requested
        ",
    );
    for (panel, days) in sessions {
        let days: Vec<NaiveDate> = days.iter().map(|s| d(s)).collect();
        let first = days.first().copied().unwrap_or(NaiveDate::MIN);
        let kind = EventKind::HearingSession {
            panel: *panel,
            days,
            members: Vec::new(),
            outcome: "听证意见：维持".into(),
            minutes: String::new(),
        };
        events.push(event(events.len() + 1, first, kind));
    }
    if let Some(o) = opinion {
        let kind = EventKind::ReReviewOpinion {
            reply: ReplyType::Explain,
        };
        events.push(event(events.len() + 1, d(o), kind));
    }
    let clocks = case_clocks(
        &facts,
        &events,
        &HolidayCalendar::embedded(),
        d("2026-09-01"),
        &DueThresholds::default(),
    );
    clocks
        .get(ClockId::T10)
        .map(|r| r.deadline.due)
        .unwrap_or_else(|| panic!("T10 expected"))
}

#[test]
fn hearing_session_days_move_t10_by_exactly_the_days_sat() {
    use PanelKind::{Evaluation, Hearing};
    // Without hearings: 08-10 + 30 = Wed 09-09.
    assert_eq!(t10_due(&[], None), d("2026-09-09"));
    // A two-day hearing: + 2 = Fri 09-11.
    assert_eq!(
        t10_due(&[(Hearing, &["2026-08-20", "2026-08-21"])], None),
        d("2026-09-11")
    );
    // Three days: + 3 = Sat 09-12, a rest day → Mon 09-14.
    assert_eq!(
        t10_due(
            &[(Hearing, &["2026-08-20", "2026-08-21", "2026-08-24"])],
            None
        ),
        d("2026-09-14")
    );
    // Two sessions on one day count that day once.
    assert_eq!(
        t10_due(
            &[(Hearing, &["2026-08-20"]), (Hearing, &["2026-08-20"])],
            None
        ),
        d("2026-09-10")
    );
    // An evaluation panel (评议团) is not a hearing: nothing is excluded.
    assert_eq!(
        t10_due(&[(Evaluation, &["2026-08-20"])], None),
        d("2026-09-09")
    );
}

#[test]
fn hearing_sessions_outside_the_re_review_window_do_not_count() {
    use PanelKind::Hearing;
    // Before the request (during the review), and on the request day itself.
    assert_eq!(
        t10_due(&[(Hearing, &["2026-07-01", "2026-08-10"])], None),
        d("2026-09-09")
    );
    // After the opinion of 09-01: only the day before it counts.
    assert_eq!(
        t10_due(
            &[(Hearing, &["2026-08-31", "2026-09-02"])],
            Some("2026-09-01")
        ),
        d("2026-09-10")
    );
}

#[test]
fn fast_track_counts_working_days_over_spring_festival() {
    // FT from Fri 02-13: Sat 14 (make-up), Feb 24–27, Sat 28 (make-up), Mar 2–5 → Thu 03-05.
    // T5: 02-13 + 60 = Tue 04-14. On 03-04: FT 1 day left (threshold 2).
    check(
        "
        received 2026-02-12 direct anonymous office
        route petition-request
        today 2026-03-04
        2026-02-13 accepted
        2026-02-13 fast-track
        ",
        "
        办理中 · 信访诉求
        T1  2026-02-12 → 2026-02-27 已于 2026-02-13 完成
        FT  2026-02-13 → 2026-03-05 即将到期，剩余1天
        T5  2026-02-13 → 2026-04-14 剩余41天
        ! 未在规定期限内办结（第四十五条）：FT 到期 2026-03-05，即将到期，剩余1天
        ",
    );
}

#[test]
fn closing_events_stop_running_duties() {
    check(
        "
        received 2026-03-02 direct office
        route petition-request
        today 2026-06-01
        2026-03-04 not-accepted
        ",
        "
        不予受理 · 信访诉求
        T1  2026-03-02 → 2026-03-17 已于 2026-03-04 完成
        ",
    );
    check(
        "
        received 2026-03-02 direct anonymous office
        route petition-request
        today 2026-06-01
        2026-03-05 accepted
        2026-03-20 closed
        ",
        "
        已办结 · 信访诉求
        T1  2026-03-02 → 2026-03-17 已于 2026-03-05 完成
        T5  2026-03-05 → 2026-05-06 已于 2026-03-20 因办结终止
        ",
    );
}

#[test]
fn unknown_year_is_uncertain_and_warned() {
    // 12-20 + 15 = Mon 2027-01-04; 2027's notice is not loaded.
    check(
        "
        received 2026-12-20 direct anonymous office
        today 2026-12-28
        ",
        "
        已登记 · 未分流
        T1  2026-12-20 → 2027-01-04 剩余7天 (?)
        ? T1：2027 年的节假日安排尚未载入，暂按周末推算，到期日可能不准 (holiday calendar for 2027 not loaded)
        ",
    );
}

#[test]
fn event_order_does_not_matter() {
    let fixture = "
        received 2026-05-20 direct office
        route petition-request
        today 2026-09-10
        2026-05-20 accepted
        2026-05-21 acknowledged
        2026-06-01 extended 10
        2026-06-01 replied
        2026-06-20 review-requested
        2026-07-25 review-opinion
        2026-08-10 re-review-requested
        2026-08-20 hearing 3
    ";
    let (facts, events, today) = parse_fixture(fixture);
    let cal = HolidayCalendar::embedded();
    let th = DueThresholds::default();
    let forward = case_clocks(&facts, &events, &cal, today, &th);
    let mut reversed = events.clone();
    reversed.reverse();
    assert_eq!(case_clocks(&facts, &reversed, &cal, today, &th), forward);
    let mut rotated = events;
    rotated.rotate_left(4);
    assert_eq!(case_clocks(&facts, &rotated, &cal, today, &th), forward);
}

#[test]
fn facts_come_from_the_registration() {
    let json = r#"{
        "channel": "visit",
        "source": {"kind": "assigned-by", "unit": "市信访局", "received_on": "2026-04-30"},
        "received_on": "2026-04-29",
        "petitioners": [{"name": "张三", "address": "城关镇"}],
        "township": "城关镇",
        "content": {"request": "x"},
        "route": "petition-request"
    }"#;
    let reg: Registration = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    let facts = CaseFacts::from_registration(&reg);
    assert_eq!(
        facts,
        CaseFacts {
            received_on: d("2026-04-30"),
            received_directly: false,
            route: Some(Route::PetitionRequest),
            notice_owed: true,
            office: None,
            content_type: None,
            extension_from: ExtensionBase::NominalEnd,
            unreadable_events: 0,
        }
    );
}
