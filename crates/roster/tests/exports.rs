//! Exports: the iCalendar feeds parse with an independent parser (the `ical` crate) and
//! carry Beijing times with their VTIMEZONE; the CSV opens in Excel; the notice prints.

mod common;

use std::io::BufReader;

use chrono::{TimeZone, Utc};
use common::{calendar, d, ningguo};
use fengqiao_roster::export::{csv, ics, notice};
use fengqiao_roster::{
    Period, RosterRules, RosterState, RowFilter, SlotRow, changes, generate, rows,
};
use ical::parser::ical::component::IcalCalendar;
use ical::property::Property;

fn january() -> (RosterRules, RosterState, Period) {
    let rules = ningguo();
    let period = Period::month(2026, 1).unwrap_or_else(|e| panic!("{e}"));
    let mut state = RosterState::new();
    state.apply_all(generate(&rules, &calendar(), &state, &[], period).records);
    let published = changes::publish(&state, period, common::cst(d(2025, 12, 20), 10, 0));
    state.apply_all(published);
    (rules, state, period)
}

fn parse(text: &str) -> IcalCalendar {
    let mut parser = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let calendar = match parser.next() {
        Some(Ok(calendar)) => calendar,
        other => panic!("the feed does not parse: {other:?}\n{text}"),
    };
    assert!(parser.next().is_none(), "one VCALENDAR per feed");
    calendar
}

fn prop<'a>(props: &'a [Property], name: &str) -> &'a Property {
    props
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no {name} in {props:?}"))
}

fn value<'a>(props: &'a [Property], name: &str) -> &'a str {
    prop(props, name).value.as_deref().unwrap_or("")
}

fn param<'a>(p: &'a Property, name: &str) -> Option<&'a str> {
    p.params
        .as_ref()?
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

fn stamp() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 20, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

#[test]
fn a_leaders_feed_parses_with_beijing_times_and_a_vtimezone() {
    let (rules, state, period) = january();
    let principal = rules.leaders[0].clone();
    let own: Vec<SlotRow> = rows(
        &rules,
        &state,
        RowFilter {
            period: Some(period),
            leader: Some(principal.id),
            published_only: false,
        },
    );
    assert_eq!(own.len(), 2, "the secretary receives twice in January");
    let text = ics::to_ics(&own, "接访安排", stamp());
    assert!(
        text.split("\r\n").all(|line| line.len() <= 75),
        "lines are folded at 75 octets"
    );
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "every line ends in CRLF"
    );

    let cal = parse(&text);
    assert_eq!(value(&cal.properties, "VERSION"), "2.0");
    assert_eq!(cal.timezones.len(), 1);
    assert_eq!(value(&cal.timezones[0].properties, "TZID"), "Asia/Shanghai");
    let offsets = &cal.timezones[0].transitions[0].properties;
    assert_eq!(value(offsets, "TZOFFSETTO"), "+0800");
    assert_eq!(cal.events.len(), 2);
    for (event, row) in cal.events.iter().zip(&own) {
        let start = prop(&event.properties, "DTSTART");
        assert_eq!(param(start, "TZID"), Some("Asia/Shanghai"));
        let expected = format!("{}T083000", row.date.format("%Y%m%d"));
        assert_eq!(start.value.as_deref(), Some(expected.as_str()));
        let end = prop(&event.properties, "DTEND");
        assert_eq!(param(end, "TZID"), Some("Asia/Shanghai"));
        assert_eq!(
            end.value.as_deref(),
            Some(format!("{}T113000", row.date.format("%Y%m%d")).as_str())
        );
        assert_eq!(
            value(&event.properties, "UID"),
            format!("{}@fengqiao", row.id)
        );
        assert_eq!(value(&event.properties, "DTSTAMP"), "20251220T000000Z");
        assert_eq!(value(&event.properties, "STATUS"), "CONFIRMED");
        assert!(value(&event.properties, "SUMMARY").contains(&principal.name));
        assert!(value(&event.properties, "LOCATION").contains("宁国市信访矛盾纠纷调处化解中心"));
    }
}

#[test]
fn the_office_feed_has_every_slot_and_on_call_is_all_day() {
    let (rules, state, period) = january();
    let all = rows(
        &rules,
        &state,
        RowFilter {
            period: Some(period),
            ..RowFilter::default()
        },
    );
    let text = ics::to_ics(&all, "宁国市领导接访安排", stamp());
    let cal = parse(&text);
    assert_eq!(cal.events.len(), all.len());
    let on_call: Vec<_> = cal
        .events
        .iter()
        .filter(|e| value(&e.properties, "SUMMARY").starts_with("市分管领导值班接访"))
        .collect();
    assert!(!on_call.is_empty());
    for event in on_call {
        let start = prop(&event.properties, "DTSTART");
        assert_eq!(param(start, "VALUE"), Some("DATE"));
        let (from, to) = (
            value(&event.properties, "DTSTART"),
            value(&event.properties, "DTEND"),
        );
        let days = chrono::NaiveDate::parse_from_str(to, "%Y%m%d")
            .ok()
            .zip(chrono::NaiveDate::parse_from_str(from, "%Y%m%d").ok());
        assert_eq!(
            days.map(|(to, from)| (to - from).num_days()),
            Some(7),
            "a week on call, DTEND exclusive"
        );
    }
    // Same roster, same stamp: same bytes.
    assert_eq!(text, ics::to_ics(&all, "宁国市领导接访安排", stamp()));
}

#[test]
fn csv_is_excel_friendly() {
    let (rules, state, period) = january();
    let all = rows(
        &rules,
        &state,
        RowFilter {
            period: Some(period),
            ..RowFilter::default()
        },
    );
    let text = csv::to_csv(&all);
    assert!(text.starts_with("\u{feff}日期,星期,开始时间,结束时间,接访领导,职务"));
    let lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(lines.len(), all.len() + 1);
    let first_city = all
        .iter()
        .find(|r| r.rule == "city-weekly")
        .unwrap_or_else(|| panic!("no city slot"));
    let line = lines
        .iter()
        .find(|l| l.ends_with(&first_city.id.to_string()))
        .unwrap_or_else(|| panic!("row missing"));
    assert!(line.starts_with(&format!(
        "{},{},08:30,11:30,{},",
        first_city.date, first_city.weekday, first_city.leader
    )));
    assert!(line.contains(",已公布,"));
}

#[test]
fn the_notice_has_title_period_rows_and_signature_and_prints() {
    let (rules, state, period) = january();
    let published = rows(
        &rules,
        &state,
        RowFilter {
            period: Some(period),
            published_only: true,
            ..RowFilter::default()
        },
    );
    let html = notice::to_html(&rules, &published, period, d(2025, 12, 25));
    assert!(html.contains("<title>宁国市领导干部接访安排公示</title>"));
    assert!(html.contains("2026年1月1日至2026年1月31日"));
    assert!(
        html.contains(
            "<th>日期</th><th>接访领导</th><th>职务</th><th>接访地点</th><th>接访时间</th>"
        )
    );
    for row in &published {
        assert!(
            html.contains(&row.leader) && html.contains(&row.title),
            "{} missing",
            row.leader
        );
    }
    assert!(html.contains("2026年1月6日（周二）"));
    assert!(html.contains("08:30—11:30"));
    assert!(html.contains("<div>宁国市信访局</div><div>2025年12月25日</div>"));
    assert!(html.contains("@media print") && html.contains("@page"));
    // Sections follow the rules file: city leaders, townships, then the on-call duty.
    let at = |h: &str| {
        html.find(&format!("<h2>{h}</h2>"))
            .unwrap_or_else(|| panic!("no section {h}"))
    };
    assert!(at("市领导接访") < at("乡镇（街道）主要领导接访"));
    assert!(at("乡镇（街道）主要领导接访") < at("市分管领导值班接访"));
    assert!(
        !html.contains("草稿"),
        "a published notice is not marked draft"
    );
}
