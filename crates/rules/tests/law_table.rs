//! Which clocks run for which office and item, as the law says: one row per scenario
//! (the kind of receiving unit × how the item came × content type × route × events →
//! every clock with its due date and state, and the articles of the warnings), each row
//! with the article it checks. `docs/law.md` gives the reasoning; the law review of
//! 2026-12 the rows it corrected.
//!
//! Dates are in 2026 unless a row says otherwise. An item received Mon 03-02: T1, T2 and T3
//! are due Tue 03-17 (+15); T4 Mon 03-09 (5 working days). Accepted Thu 03-05: T5's 60th
//! day is Mon 05-04, inside 劳动节 (05-01..05), so it is due Wed 05-06; the fast track's
//! 10th working day is Thu 03-19.

mod common;

use common::{date, events, facts};
use fengqiao_rules::{DueThresholds, HolidayCalendar, case_clocks};

/// One scenario.
struct Row {
    /// The item: `direct|forwarded`, `office|organ|unknown` (a 信访部门, another 机关、单位,
    /// or a unit the directory does not know), and optionally `anonymous`,
    /// `claim|suggestion|accusation`, `route=<code>`, `rolled` (T6 from the rolled T5 end).
    item: &'static str,
    /// Events: `MM-DD kind [argument]`, separated by `;`.
    events: &'static str,
    /// Today, `MM-DD`.
    today: &'static str,
    /// Every clock reported: `CODE MM-DD state`, in lifecycle order, separated by `,`.
    clocks: &'static str,
    /// The warnings: `article:CODE`, in order, separated by `,`.
    warnings: &'static str,
}

const ROWS: &[Row] = &[
    // 1. 第二十二条第一款: a 信访部门 registers and routes a direct item in 15 days (T1).
    Row {
        item: "direct office",
        events: "",
        today: "03-10",
        clocks: "T1 03-17 running",
        warnings: "",
    },
    // 2. 第四十三条: its T1 close to the end warns the 信访部门 (not 第四十四条).
    Row {
        item: "direct office",
        events: "",
        today: "03-14",
        clocks: "T1 03-17 running",
        warnings: "第四十三条:T1",
    },
    // 3. 第二十三条第二款: another organ gives written notice of a direct item in 15 days (T2).
    Row {
        item: "direct organ",
        events: "",
        today: "03-10",
        clocks: "T2 03-17 running",
        warnings: "",
    },
    // 4. 第四十四条（三）: the organ's T2 close to the end.
    Row {
        item: "direct organ",
        events: "",
        today: "03-16",
        clocks: "T2 03-17 running",
        warnings: "第四十四条:T2",
    },
    // 5. 第二十三条第二款但书: no notice when name and address are unclear.
    Row {
        item: "direct organ anonymous",
        events: "",
        today: "03-16",
        clocks: "",
        warnings: "",
    },
    // 6. 第二十二条 vs 第二十三条 undecidable: unit's kind unknown, both shown (with a caveat).
    Row {
        item: "direct unknown",
        events: "",
        today: "03-10",
        clocks: "T1 03-17 running, T2 03-17 running",
        warnings: "",
    },
    // 7. 第二十二条第一款 and 第二十三条第三款: a 信访部门 that a higher one 交办s to registers
    //    and routes the item (T1) and, as its receiving unit, owes notice (T3) and may object (T4).
    Row {
        item: "forwarded office",
        events: "",
        today: "03-05",
        clocks: "T1 03-17 running, T3 03-17 running, T4 03-09 running",
        warnings: "",
    },
    // 8. 第二十三条第三款: an organ's notice (T3) and objection window (T4) on a forwarded item.
    Row {
        item: "forwarded organ",
        events: "",
        today: "03-05",
        clocks: "T3 03-17 running, T4 03-09 running",
        warnings: "",
    },
    // 9. 第四十四条（二）（三）: neither accepted nor notified by T3's end; T4 has lapsed.
    Row {
        item: "forwarded organ",
        events: "",
        today: "03-16",
        clocks: "T3 03-17 running, T4 03-09 lapsed",
        warnings: "第四十四条:T3, 第四十四条:T3",
    },
    // 10. 第二十三条第三款: notice given and accepted; the objection window still open.
    Row {
        item: "forwarded organ",
        events: "03-04 accepted; 03-04 acknowledged",
        today: "03-05",
        clocks: "T3 03-17 met, T4 03-09 running",
        warnings: "",
    },
    // 11. 第二十三条第三款: an objection within 5 working days stops T3.
    Row {
        item: "forwarded organ",
        events: "03-06 objected",
        today: "03-10",
        clocks: "T3 03-17 stopped, T4 03-09 met",
        warnings: "",
    },
    // 12. 第二十三条第三款: a 信访部门 forwards (Mon 03-09); the unit's T3 +15 = Tue 03-24, T4 Mon 03-16.
    Row {
        item: "direct office route=petition-request",
        events: "03-09 forwarded 县人社局",
        today: "03-12",
        clocks: "T1 03-17 met, T3 03-24 running, T4 03-16 running",
        warnings: "",
    },
    // 13. 第二十三条第三款: 交办 counts like 转送.
    Row {
        item: "direct office route=petition-request",
        events: "03-09 assigned 港口镇",
        today: "03-12",
        clocks: "T1 03-17 met, T3 03-24 running, T4 03-16 running",
        warnings: "",
    },
    // 14. 第二十三条第四款: forwarded to the 纪检监察机关, whose notice follows its own rules.
    Row {
        item: "direct office",
        events: "03-03 routed discipline-report; 03-09 forwarded 县纪委监委",
        today: "03-12",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 15. 第二十三条第四款 with 第二十二条第二款: 涉法涉诉 forwarded to the 政法部门.
    Row {
        item: "direct office",
        events: "03-03 routed litigation-related; 03-09 forwarded 县委政法委",
        today: "03-12",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 16. 第三十四条: an accepted 第三十一条第（六）项 item is handled in 60 days (T5).
    Row {
        item: "direct office route=petition-request",
        events: "03-05 accepted",
        today: "04-20",
        clocks: "T1 03-17 met, T5 05-06 running",
        warnings: "",
    },
    // 17. 第四十五条（一）: T5 close to its end.
    Row {
        item: "direct office route=petition-request",
        events: "03-05 accepted",
        today: "05-03",
        clocks: "T1 03-17 met, T5 05-06 running",
        warnings: "第四十五条:T5",
    },
    // 18. 第四十五条（一）: T5 overdue.
    Row {
        item: "direct organ route=petition-request",
        events: "03-05 accepted; 03-05 acknowledged",
        today: "05-10",
        clocks: "T2 03-17 met, T5 05-06 running",
        warnings: "第四十五条:T5",
    },
    // 19. 第三十四条, 第三十五条: replied in time; the review window (T7) opens.
    Row {
        item: "direct office route=petition-request",
        events: "03-05 accepted; 04-20 replied",
        today: "04-25",
        clocks: "T1 03-17 met, T5 05-06 met, T7 05-20 running",
        warnings: "",
    },
    // 20. 第三十三条 with 第三十一条第（六）项: a township accepts a dispute and mediates it itself: T5 runs.
    Row {
        item: "direct organ route=dispute",
        events: "03-05 accepted; 03-05 acknowledged",
        today: "04-20",
        clocks: "T2 03-17 met, T5 05-06 running",
        warnings: "",
    },
    // 21. 第三十三条: mediated and closed: T5 ends with the case.
    Row {
        item: "direct organ route=dispute",
        events: "03-05 accepted; 03-05 acknowledged; 04-01 mediated; 04-02 closed",
        today: "05-10",
        clocks: "T2 03-17 met, T5 05-06 stopped",
        warnings: "",
    },
    // 22. 第三十一条第（一）至（五）项: a dispute diverted to another procedure leaves 第三十四条.
    Row {
        item: "direct organ route=dispute",
        events: "03-05 accepted; 03-05 acknowledged; 03-20 diverted",
        today: "05-10",
        clocks: "T2 03-17 met, T5 05-06 stopped",
        warnings: "",
    },
    // 23. 第三十一条第（一）项: litigation follows its own clocks, no T5.
    Row {
        item: "direct office route=litigation-related",
        events: "03-05 accepted",
        today: "05-10",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 24. 第三十一条第（二）项: arbitration, no T5.
    Row {
        item: "direct office route=arbitration",
        events: "03-05 accepted",
        today: "05-10",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 25. 第三十一条第（三）项: 党员申诉、申请复审, no T5.
    Row {
        item: "direct office route=appeal-review",
        events: "03-05 accepted",
        today: "05-10",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 26. 第三十一条第（四）（五）项: administrative procedures, no T5.
    Row {
        item: "direct organ route=administrative-duty",
        events: "03-05 accepted; 03-05 acknowledged",
        today: "05-10",
        clocks: "T2 03-17 met",
        warnings: "",
    },
    // 27. 第二十九条: a 建议意见类 item has no time limit: no T5, no 第四十五条 warning.
    Row {
        item: "direct office suggestion route=petition-request",
        events: "03-05 accepted",
        today: "05-10",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 28. 第二十九条: not on the fast track either.
    Row {
        item: "direct office suggestion route=petition-request",
        events: "03-05 accepted; 03-05 fast-track",
        today: "03-19",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 29. 第三十条: a 检举控告类 item follows the 纪检监察 procedure, no T5.
    Row {
        item: "direct office accusation route=discipline-report",
        events: "03-05 accepted",
        today: "05-10",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 30. 第三十四条: a 申诉求决类 item with no route yet: T5 undecided (caveat), no warning.
    Row {
        item: "direct office claim",
        events: "03-05 accepted",
        today: "05-10",
        clocks: "T1 03-17 met",
        warnings: "",
    },
    // 31. 第三十四条: extended 30 days: T5's 60th day Mon 05-04 + 30 = Wed 06-03 (T6).
    Row {
        item: "direct office route=petition-request",
        events: "03-05 accepted; 04-30 extended 30",
        today: "05-10",
        clocks: "T1 03-17 met, T5 05-06 extended, T6 06-03 running",
        warnings: "",
    },
    // 32. 第三十四条, county reading: from the rolled due date 05-06 + 30 = Fri 06-05.
    Row {
        item: "direct office route=petition-request rolled",
        events: "03-05 accepted; 04-30 extended 30",
        today: "05-10",
        clocks: "T1 03-17 met, T5 05-06 extended, T6 06-05 running",
        warnings: "",
    },
    // 33. 第三十四条: two extensions add up (10 + 10): 05-04 + 20 = Sun 05-24 → Mon 05-25.
    Row {
        item: "direct office route=petition-request",
        events: "03-05 accepted; 04-20 extended 10; 05-05 extended 10",
        today: "05-10",
        clocks: "T1 03-17 met, T5 05-06 extended, T6 05-25 running",
        warnings: "",
    },
    // 34. 第四十五条: fast track (简易办理): 10 working days, one day left.
    Row {
        item: "direct office route=petition-request",
        events: "03-05 accepted; 03-05 fast-track",
        today: "03-18",
        clocks: "T1 03-17 met, FT 03-19 running, T5 05-06 running",
        warnings: "第四十五条:FT",
    },
    // 35. 第三十五条: review requested Wed 05-06; the opinion is due +30 = Fri 06-05 (T8).
    Row {
        item: "direct office route=petition-request",
        events: "03-05 accepted; 04-20 replied; 05-06 review-requested",
        today: "05-20",
        clocks: "T1 03-17 met, T5 05-06 met, T7 05-20 met, T8 06-05 running",
        warnings: "",
    },
    // 36. 第三十六条第一款: re-review requested Wed 06-10; opinion due +30 = Fri 07-10 (T10).
    Row {
        item: "direct office route=petition-request",
        events: "03-05 accepted; 04-20 replied; 05-06 review-requested; 06-01 review-opinion; 06-10 re-review-requested",
        today: "06-20",
        clocks: "T1 03-17 met, T5 05-06 met, T7 05-20 met, T8 06-05 met, T9 07-01 met, T10 07-10 running",
        warnings: "",
    },
    // 37. 第二十三条第三款 with the unit's kind unknown: as before, T3/T4 (with a caveat).
    Row {
        item: "forwarded unknown",
        events: "",
        today: "03-05",
        clocks: "T3 03-17 running, T4 03-09 running",
        warnings: "",
    },
    // 38. 第二十二条第一款 met by 不予受理; nothing else runs.
    Row {
        item: "direct office route=petition-request",
        events: "03-04 not-accepted",
        today: "05-10",
        clocks: "T1 03-17 met",
        warnings: "",
    },
];

#[test]
fn which_clocks_run_for_which_office_and_item() {
    assert!(ROWS.len() >= 30, "at least 30 scenarios");
    let calendar = HolidayCalendar::embedded();
    let mut failures = Vec::new();
    for (i, row) in ROWS.iter().enumerate() {
        let got = case_clocks(
            &facts(row.item),
            &events(row.events),
            &calendar,
            date(row.today),
            &DueThresholds::default(),
        );
        let clocks: Vec<String> = got
            .clocks
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.deadline.clock.code(),
                    r.deadline.due.format("%m-%d"),
                    r.state.code()
                )
            })
            .collect();
        let warnings: Vec<String> = got
            .warnings
            .iter()
            .map(|w| format!("{}:{}", w.trigger.article(), w.clock.code()))
            .collect();
        let (clocks, warnings) = (clocks.join(", "), warnings.join(", "));
        if clocks != row.clocks || warnings != row.warnings {
            failures.push(format!(
                "row {}: {} | {}\n  clocks   want {:?}\n           got  {:?}\n  warnings want {:?}\n           got  {:?}\n{got}",
                i + 1,
                row.item,
                row.events,
                row.clocks,
                clocks,
                row.warnings,
                warnings
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The caveats that say why a clock does not run name their article.
#[test]
fn the_caveats_name_the_article() {
    let calendar = HolidayCalendar::embedded();
    let caveats = |item: &str, evs: &str| -> String {
        case_clocks(
            &facts(item),
            &events(evs),
            &calendar,
            date("05-10"),
            &DueThresholds::default(),
        )
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
    };
    let cases = [
        ("direct unknown", "", "第二十二条（T1）"),
        (
            "direct office suggestion route=petition-request",
            "03-05 accepted",
            "第二十九条",
        ),
        (
            "direct office accusation route=discipline-report",
            "03-05 accepted",
            "第三十条",
        ),
        (
            "direct office route=arbitration",
            "03-05 accepted",
            "分流途径为仲裁",
        ),
        (
            "direct office",
            "03-03 routed discipline-report; 03-09 forwarded 县纪委监委",
            "第二十三条第四款",
        ),
        ("direct office claim", "03-05 accepted", "尚未确定分流途径"),
    ];
    for (item, evs, want) in cases {
        let got = caveats(item, evs);
        assert!(got.contains(want), "{item} | {evs}: want {want} in\n{got}");
    }
}
