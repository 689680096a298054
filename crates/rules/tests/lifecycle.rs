//! The lifecycle refuses impossible entries: each row is a history, an event someone tries
//! to record, and the rule that refuses it (or `ok`), with the article in a comment.

mod common;

use common::{date, events, facts};
use fengqiao_rules::{HolidayCalendar, check_new_event};

/// (item, history, the new event `MM-DD kind [arg]`, today, the refusing rule or `ok`).
const ROWS: &[(&str, &str, &str, &str, &str)] = &[
    // Received 03-02: nothing can happen before it (第二十二、二十三条: registered on receipt).
    (
        "direct office",
        "",
        "02-09 closed",
        "05-10",
        "before-receipt",
    ),
    (
        "direct office",
        "",
        "03-01 routed dispute",
        "05-10",
        "before-receipt",
    ),
    ("direct office", "", "03-02 routed dispute", "05-10", "ok"),
    // Nothing is dated after today.
    (
        "direct office",
        "",
        "05-11 routed dispute",
        "05-10",
        "after-today",
    ),
    // 第三十二条、第三十四条: a reply answers an accepted item.
    (
        "direct office route=petition-request",
        "",
        "03-20 replied",
        "05-10",
        "reply-without-acceptance",
    ),
    (
        "direct office route=petition-request",
        "03-21 accepted",
        "03-20 replied",
        "05-10",
        "reply-without-acceptance",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted",
        "03-20 replied",
        "05-10",
        "ok",
    ),
    (
        "direct office route=petition-request",
        "03-05 fast-track",
        "03-12 replied",
        "05-10",
        "ok",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted",
        "03-05 replied",
        "05-10",
        "ok",
    ),
    // 第三十五条: a review request follows a written reply.
    (
        "direct office route=petition-request",
        "03-05 accepted",
        "04-01 review-requested",
        "05-10",
        "review-without-reply",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 03-20 replied",
        "04-01 review-requested",
        "05-10",
        "ok",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 03-20 replied",
        "04-01 review-opinion",
        "05-10",
        "review-opinion-without-request",
    ),
    // 第三十六条第一款: a re-review request follows a review opinion.
    (
        "direct office route=petition-request",
        "03-05 accepted; 03-20 replied; 04-01 review-requested",
        "04-10 re-review-requested",
        "05-10",
        "re-review-without-review-opinion",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 03-20 replied; 04-01 review-requested; 04-20 review-opinion",
        "04-25 re-review-requested",
        "05-10",
        "ok",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 03-20 replied; 04-01 review-requested; 04-20 review-opinion",
        "04-25 re-review-opinion",
        "05-10",
        "re-review-opinion-without-request",
    ),
    // 第三十四条: an extension is approved while T5 (or the T6 of earlier extensions) runs.
    (
        "direct office route=petition-request",
        "",
        "04-01 extended 10",
        "05-10",
        "extension-outside-t5",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted",
        "04-01 extended 10",
        "05-10",
        "ok",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted",
        "05-06 extended 10",
        "05-10",
        "ok",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted",
        "05-07 extended 10",
        "05-10",
        "extension-outside-t5",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 04-20 extended 10",
        "05-12 extended 10",
        "05-20",
        "ok",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 04-20 extended 10",
        "05-15 extended 10",
        "05-20",
        "extension-outside-t5",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 03-20 replied",
        "04-01 extended 10",
        "05-10",
        "extension-outside-t5",
    ),
    (
        "direct office route=administrative-duty",
        "03-05 accepted",
        "04-01 extended 10",
        "05-10",
        "extension-outside-t5",
    ),
    (
        "direct office suggestion route=petition-request",
        "03-05 accepted",
        "04-01 extended 10",
        "05-10",
        "extension-outside-t5",
    ),
    // 第三十四条: 30 days in all.
    (
        "direct office route=petition-request",
        "03-05 accepted",
        "04-01 extended 31",
        "05-10",
        "extension-over-limit",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 04-01 extended 20",
        "04-02 extended 11",
        "05-10",
        "extension-over-limit",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 04-01 extended 20",
        "04-02 extended 10",
        "05-10",
        "ok",
    ),
    // 第三十一至三十三条: a case closes on an outcome.
    (
        "direct office route=petition-request",
        "03-05 accepted",
        "04-01 closed",
        "05-10",
        "closing-without-outcome",
    ),
    (
        "direct office route=petition-request",
        "03-05 accepted; 03-20 replied",
        "04-01 closed",
        "05-10",
        "ok",
    ),
    (
        "direct office route=litigation-related",
        "03-05 diverted",
        "04-01 closed",
        "05-10",
        "ok",
    ),
    (
        "direct office route=petition-request",
        "03-04 not-accepted",
        "04-01 closed",
        "05-10",
        "ok",
    ),
    (
        "direct organ route=dispute",
        "03-05 accepted; 03-30 mediated",
        "04-01 closed",
        "05-10",
        "ok",
    ),
    // An outcome dated after the closing does not count for it.
    (
        "direct office route=petition-request",
        "03-05 accepted; 04-20 replied",
        "04-01 closed",
        "05-10",
        "closing-without-outcome",
    ),
];

#[test]
fn impossible_entries_are_refused_and_possible_ones_pass() {
    let calendar = HolidayCalendar::embedded();
    let mut failures = Vec::new();
    for (item, history, new, today, want) in ROWS {
        let new_events = events(new);
        let Some(new) = new_events.first() else {
            panic!("bad row {new}");
        };
        let got = check_new_event(
            &facts(item),
            date("03-02"),
            &events(history),
            &new.kind,
            new.date,
            date(today),
            &calendar,
        );
        let got = match &got {
            Ok(()) => "ok".to_owned(),
            Err(refusal) => refusal.rule.code().to_owned(),
        };
        if got != *want {
            failures.push(format!(
                "{item} | {history} | + {new:?}: want {want}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_refusal_names_the_event_the_rule_and_the_article() {
    let refusal = check_new_event(
        &facts("direct office route=petition-request"),
        date("03-02"),
        &events("03-05 accepted"),
        &events("04-01 closed")[0].kind,
        date("04-01"),
        date("05-10"),
        &HolidayCalendar::embedded(),
    )
    .err()
    .map(|r| r.to_string());
    assert_eq!(
        refusal.as_deref(),
        Some(
            "不能记录办结（2026-04-01）：办结须在答复、导入法定程序、调解协议或不予受理之后（《信访工作条例》第三十一条至第三十三条）；2026-04-01 及以前没有答复、导入法定程序、调解或不予受理记录 (lifecycle: closing-without-outcome)"
        )
    );
    let refusal = check_new_event(
        &facts("direct office route=petition-request"),
        date("03-02"),
        &events("03-05 accepted"),
        &events("05-07 extended 10")[0].kind,
        date("05-07"),
        date("05-10"),
        &HolidayCalendar::embedded(),
    )
    .err()
    .map(|r| r.to_string())
    .unwrap_or_default();
    assert!(
        refusal.contains("第三十四条") && refusal.contains("已于 2026-05-06 届满"),
        "{refusal}"
    );
}
