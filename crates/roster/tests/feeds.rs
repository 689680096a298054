//! Calendar subscription feeds (`fengqiao_roster::feed`), data-driven: each test is a
//! script of roster actions and the feed it must give, read back with an independent
//! parser (the `icalendar` crate's) and rendered one line per event.
//!
//! Script lines (`#` starts a comment):
//! - `slot A reception 2026-03-02 甲` / `slot C on-call 2026-03-02..2026-03-08 乙` /
//!   `slot T township 2026-03-02 丁 港口镇`: a draft slot named A, C, T;
//! - `publish 2026-03-01..2026-03-31 at 2026-02-20T10:00`;
//! - `swap A B at 2026-02-25T09:00` · `leave 甲 2026-03-01..2026-03-03 at …` ·
//!   `delegate A 丙 at …` · `reschedule A 2026-03-04 14:30-17:00 at …` (changes);
//! - `book A 张三 on 2026-02-21`;
//! - `feed leader 甲 today 2026-03-01` · `feed office today …` · `feed township 港口镇 today …`:
//!   renders the feed; several `feed` lines render one after another.
//!
//! A rendered event: `label start–end STATUS seq=N stamp=DTSTAMP summary @ location
//! [已预约来访 n 人] [alarm TRIGGER]`. Every feed is also checked for what RFC 5545 asks of
//! its form (CRLF, 75-octet lines, one VTIMEZONE for Asia/Shanghai, times in that zone),
//! and for giving the same bytes from the records' stored (serde) form.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Timelike};
use common::calendar;
use fengqiao_roster::bookings::{self, BookingRequest};
use fengqiao_roster::changes::{self, Actor, Reschedule, SwapRequest};
use fengqiao_roster::feed::{self, FeedScope};
use fengqiao_roster::rules::ClockTime;
use fengqiao_roster::{
    BookingId, Leave, LeaveId, Period, Record, RosterRules, RosterState, Slot, SlotId, SlotKind,
    SlotState, SwapId,
};
use icalendar::parser::{Component, read_calendar, unfold};

const RULES: &str = r#"
county = "ceshi"
name = "测试县"
office = "测试县信访局"
[slot_types.county]
name = "县领导接访"
start = "08:30"
end = "11:30"
place = "县信访局接待室（一楼）"
[slot_types.on-call]
name = "县领导值班"
start = "00:00"
end = "23:59"
place = "县信访局"
[slot_types.township]
name = "乡镇主要领导接访"
start = "08:30"
end = "12:00"
place = "{township}综治中心"
[[leaders]]
name = "甲"
title = "县长"
level = "city-principal"
[[leaders]]
name = "乙"
title = "副县长"
level = "city"
[[leaders]]
name = "丙"
title = "副县长"
level = "city"
[[leaders]]
name = "丁"
title = "港口镇镇长"
level = "township-principal"
township = "港口镇"
[[rules]]
kind = "weekly"
id = "county-weekly"
slot_type = "county"
per_week = 1
pool = { levels = ["city-principal", "city"] }
standby = ["丙"]
[[rules]]
kind = "on-call"
id = "on-call"
slot_type = "on-call"
pool = { levels = ["city"] }
[[rules]]
kind = "weekday"
id = "township-monday"
slot_type = "township"
weekday = "mon"
pool = { levels = ["township-principal"] }
"#;

struct Script {
    rules: RosterRules,
    state: RosterState,
    labels: BTreeMap<String, String>,
    ids: BTreeMap<String, SlotId>,
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn span(text: &str) -> (NaiveDate, NaiveDate) {
    match text.split_once("..") {
        Some((a, b)) => (date(a), date(b)),
        None => (date(text), date(text)),
    }
}

fn moment(text: &str) -> DateTime<FixedOffset> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    common::cst(local.date(), local.hour(), local.minute())
}

fn clock(text: &str) -> ClockTime {
    ClockTime(
        chrono::NaiveTime::parse_from_str(text, "%H:%M").unwrap_or_else(|e| panic!("{text}: {e}")),
    )
}

/// The words after `key` on a script line.
fn after<'a>(words: &[&'a str], key: &str) -> &'a str {
    let at = words
        .iter()
        .position(|w| *w == key)
        .unwrap_or_else(|| panic!("no `{key}` in {words:?}"));
    words
        .get(at + 1)
        .copied()
        .unwrap_or_else(|| panic!("nothing after `{key}`"))
}

impl Script {
    fn new() -> Script {
        Script {
            rules: RosterRules::from_toml(RULES).unwrap_or_else(|e| panic!("{e}")),
            state: RosterState::new(),
            labels: BTreeMap::new(),
            ids: BTreeMap::new(),
        }
    }

    fn leader(&self, name: &str) -> fengqiao_model::LeaderId {
        self.rules
            .leader_by_name(name)
            .unwrap_or_else(|| panic!("no leader {name}"))
            .id
    }

    fn slot(&self, label: &str) -> SlotId {
        *self
            .ids
            .get(label)
            .unwrap_or_else(|| panic!("no slot {label}"))
    }

    fn write(&mut self, records: Vec<Record>) {
        self.state.apply_all(records);
    }

    fn actor(&self, at: DateTime<FixedOffset>) -> Actor<'static> {
        Actor {
            by: "信访局",
            today: at.date_naive(),
            at,
        }
    }

    fn add_slot(&mut self, words: &[&str]) {
        let (label, kind, when, name) = (words[1], words[2], words[3], words[4]);
        let (first, last) = span(when);
        let (rule, slot_type, kind) = match kind {
            "reception" => ("county-weekly", "county", SlotKind::Reception),
            "on-call" => ("on-call", "on-call", SlotKind::OnCall),
            "township" => ("township-monday", "township", SlotKind::Reception),
            other => panic!("unknown slot kind {other}"),
        };
        let township = words.get(5).map(|t| (*t).to_owned());
        let t = &self.rules.slot_types[slot_type];
        let slot = Slot {
            id: SlotId::derive("ceshi", rule, label),
            rule: rule.into(),
            position: label.into(),
            kind,
            date: first,
            through: last,
            nominal: first,
            start: t.start,
            end: t.end,
            leader: self.leader(name),
            deputy: None,
            place: t
                .place
                .replace("{township}", township.as_deref().unwrap_or("")),
            township,
            state: SlotState::Draft,
            published_at: None,
        };
        self.labels
            .insert(format!("{}@fengqiao", slot.id), label.into());
        self.ids.insert(label.into(), slot.id);
        self.write(vec![Record::Slot(slot)]);
    }

    fn run(&mut self, line: &str) -> Option<String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = || moment(after(&words, "at"));
        match words[0] {
            "slot" => self.add_slot(&words),
            "publish" => {
                let (from, to) = span(words[1]);
                let period = Period::new(from, to).unwrap_or_else(|e| panic!("{e}"));
                let records = changes::publish(&self.state, period, at());
                self.write(records);
            }
            "swap" => {
                let request = SwapRequest {
                    id: SwapId(uuid::Uuid::from_u128(u128::from(line.len() as u64))),
                    first: self.slot(words[1]),
                    second: self.slot(words[2]),
                    reason: "出差".into(),
                };
                let actor = self.actor(at());
                let outcome = changes::swap(&self.rules, &self.state, &[], &request, actor)
                    .unwrap_or_else(|e| panic!("{line}: {e}"));
                self.write(outcome.records);
            }
            "leave" => {
                let (from, to) = span(words[2]);
                let actor = self.actor(at());
                let leave = Leave {
                    id: LeaveId(uuid::Uuid::from_u128(7)),
                    leader: self.leader(words[1]),
                    from,
                    to,
                    reported_on: actor.today,
                    reason: "开会".into(),
                };
                let outcome =
                    changes::report_leave(&self.rules, &calendar(), &self.state, &[], leave, actor)
                        .unwrap_or_else(|e| panic!("{line}: {e}"));
                self.write(outcome.records);
            }
            "delegate" => {
                let actor = self.actor(at());
                let outcome = changes::delegate(
                    &self.rules,
                    &self.state,
                    &[],
                    self.slot(words[1]),
                    self.leader(words[2]),
                    "公务",
                    actor,
                )
                .unwrap_or_else(|e| panic!("{line}: {e}"));
                self.write(outcome.records);
            }
            "reschedule" => {
                let (start, end) = words[3].split_once('-').unwrap_or_else(|| panic!("{line}"));
                let to = Reschedule {
                    date: Some(date(words[2])),
                    start: Some(clock(start)),
                    end: Some(clock(end)),
                    place: None,
                };
                let actor = self.actor(at());
                let outcome = changes::reschedule(
                    &self.rules,
                    &self.state,
                    &[],
                    self.slot(words[1]),
                    &to,
                    "会议冲突",
                    actor,
                )
                .unwrap_or_else(|e| panic!("{line}: {e}"));
                self.write(outcome.records);
            }
            "book" => {
                let today = date(after(&words, "on"));
                let record = bookings::book(
                    &self.state,
                    BookingRequest {
                        id: BookingId(uuid::Uuid::from_u128(
                            100 + self.state.bookings.len() as u128,
                        )),
                        slot: self.slot(words[1]),
                        petitioner: words[2].into(),
                        phone: String::new(),
                        case: None,
                        note: String::new(),
                        booked_by: "信访局".into(),
                    },
                    8,
                    today,
                )
                .unwrap_or_else(|e| panic!("{line}: {e}"));
                self.write(vec![record]);
            }
            "feed" => {
                let scope = match words[1] {
                    "leader" => FeedScope::Leader {
                        leader: self.leader(words[2]),
                    },
                    "office" => FeedScope::Office,
                    "township" => FeedScope::Township {
                        township: words[2].into(),
                    },
                    other => panic!("unknown feed {other}"),
                };
                let today = date(after(&words, "today"));
                return Some(self.render(&scope, today));
            }
            other => panic!("unknown script line {other}"),
        }
        None
    }

    /// The feed's text, checked for form, then rendered one line per event.
    fn render(&self, scope: &FeedScope, today: NaiveDate) -> String {
        let text = feed::feed_text(&self.rules, &self.state, scope, today);
        check_form(&text);
        // What the store keeps is each record's serde form: read back, the same bytes.
        let stored: RosterState = serde_json::to_value(&self.state)
            .and_then(serde_json::from_value)
            .unwrap_or_else(|e| panic!("round trip: {e}"));
        assert_eq!(
            text,
            feed::feed_text(&self.rules, &stored, scope, today),
            "the stored form of the records gave other bytes"
        );
        let unfolded = unfold(&text);
        let parsed = read_calendar(&unfolded).unwrap_or_else(|e| panic!("parse: {e}\n{text}"));
        let name = prop(&parsed.properties, "X-WR-CALNAME");
        let mut out = format!("calendar {name}\n");
        for event in parsed
            .components
            .iter()
            .filter(|c| c.name.as_str() == "VEVENT")
        {
            out.push_str(&self.event_line(event));
            out.push('\n');
        }
        out
    }

    fn event_line(&self, event: &Component<'_>) -> String {
        let get = |name: &str| prop(&event.properties, name);
        let uid = get("UID");
        let label = self.labels.get(&uid).cloned().unwrap_or(uid);
        let start = event
            .find_prop("DTSTART")
            .unwrap_or_else(|| panic!("DTSTART"));
        let when = if param(start, "VALUE").as_deref() == Some("DATE") {
            let end = date_compact(&get("DTEND"));
            let last = end.pred_opt().unwrap_or(end);
            format!("{}..{last} all-day", date_compact(&get("DTSTART")))
        } else {
            let end = event.find_prop("DTEND").unwrap_or_else(|| panic!("DTEND"));
            for p in [start, end] {
                assert_eq!(param(p, "TZID").as_deref(), Some("Asia/Shanghai"), "{p:?}");
            }
            let s = time_compact(&get("DTSTART"));
            let e = time_compact(&get("DTEND"));
            format!("{}–{}", s.format("%Y-%m-%d %H:%M"), e.format("%H:%M"))
        };
        let stamp = get("DTSTAMP");
        if let Some(lm) = event.find_prop("LAST-MODIFIED") {
            assert_eq!(lm.val.as_str(), stamp, "LAST-MODIFIED and DTSTAMP agree");
        }
        let mut line = format!(
            "{label} {when} {} seq={} stamp={stamp} {} @ {}",
            get("STATUS"),
            get("SEQUENCE"),
            get("SUMMARY"),
            get("LOCATION"),
        );
        let description = get("DESCRIPTION");
        if let Some(booked) = description.lines().find(|l| l.starts_with("已预约")) {
            line.push_str(&format!(" [{booked}]"));
        }
        for alarm in event
            .components
            .iter()
            .filter(|c| c.name.as_str() == "VALARM")
        {
            let text = prop(&alarm.properties, "DESCRIPTION");
            assert_eq!(prop(&alarm.properties, "ACTION"), "DISPLAY");
            assert!(
                alarm.find_prop("DTSTAMP").is_none() && alarm.find_prop("UID").is_none(),
                "RFC 5545 allows neither DTSTAMP nor UID in VALARM"
            );
            assert!(
                text.contains("领导接访准备材料"),
                "the reminder names the briefing pack: {text}"
            );
            line.push_str(&format!(" [alarm {}]", prop(&alarm.properties, "TRIGGER")));
        }
        line
    }
}

fn prop(props: &[icalendar::parser::Property<'_>], name: &str) -> String {
    props
        .iter()
        .find(|p| p.name.as_str() == name)
        .map(|p| p.val.clone().unescape_text().as_str().to_owned())
        .unwrap_or_else(|| panic!("no {name} in {props:?}"))
}

fn param(p: &icalendar::parser::Property<'_>, name: &str) -> Option<String> {
    p.params
        .iter()
        .find(|x| x.key.as_str() == name)
        .and_then(|x| x.val.as_ref().map(|v| v.as_str().to_owned()))
}

fn date_compact(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y%m%d").unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn time_compact(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// What RFC 5545 asks of the text as a whole.
fn check_form(text: &str) {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        !text.replace("\r\n", "").contains(['\r', '\n']),
        "every line ends in CRLF"
    );
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    assert!(!text.contains("METHOD:"), "a subscription has no METHOD");
    let unfolded = unfold(text);
    let parsed = read_calendar(&unfolded).unwrap_or_else(|e| panic!("{e}"));
    let zones: Vec<&Component<'_>> = parsed
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VTIMEZONE")
        .collect();
    assert_eq!(zones.len(), 1, "one VTIMEZONE");
    assert_eq!(prop(&zones[0].properties, "TZID"), "Asia/Shanghai");
    let standard = &zones[0].components[0];
    assert_eq!(prop(&standard.properties, "TZOFFSETTO"), "+0800");
    for c in &parsed.components {
        assert!(
            c.find_prop("DTSTAMP").is_some() == (c.name.as_str() == "VEVENT"),
            "DTSTAMP in VEVENT only: {}",
            c.name.as_str()
        );
    }
}

#[track_caller]
fn check(script: &str, expected: &str) {
    let mut s = Script::new();
    let mut out = String::new();
    for line in script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some(rendered) = s.run(line) {
            out.push_str(&rendered);
        }
    }
    let expected: String = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        out, expected,
        "\n--- got ---\n{out}--- expected ---\n{expected}"
    );
}

#[test]
fn a_published_reception_has_place_bookings_and_a_reminder_in_the_leaders_own_feed() {
    check(
        "
        slot A reception 2026-03-02 甲
        slot C on-call 2026-03-02..2026-03-08 乙
        publish 2026-03-01..2026-03-31 at 2026-02-20T10:00
        book A 张三 on 2026-02-21
        book A 李四 on 2026-02-22
        feed leader 甲 today 2026-02-23
        feed leader 乙 today 2026-02-23
        ",
        "
        calendar 测试县接访安排（甲）
        A 2026-03-02 08:30–11:30 CONFIRMED seq=0 stamp=20260221T160000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：2 人] [alarm -P1D]
        calendar 测试县接访安排（乙）
        C 2026-03-02..2026-03-08 all-day CONFIRMED seq=0 stamp=20260220T020000Z 县领导值班：乙（副县长） @ 县信访局
        ",
    );
}

#[test]
fn drafts_never_leave_the_office() {
    check(
        "
        slot A reception 2026-03-02 甲
        slot B reception 2026-03-09 甲
        publish 2026-03-01..2026-03-07 at 2026-02-20T10:00
        feed leader 甲 today 2026-02-23
        feed office today 2026-02-23
        ",
        "
        calendar 测试县接访安排（甲）
        A 2026-03-02 08:30–11:30 CONFIRMED seq=0 stamp=20260220T020000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        calendar 测试县领导接访安排
        A 2026-03-02 08:30–11:30 CONFIRMED seq=0 stamp=20260220T020000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：0 人]
        ",
    );
}

#[test]
fn a_swap_keeps_each_uid_raises_its_sequence_and_cancels_it_for_the_old_holder() {
    check(
        "
        slot A reception 2026-03-02 甲
        slot B reception 2026-03-09 乙
        publish 2026-03-01..2026-03-31 at 2026-02-20T10:00
        swap A B at 2026-02-25T09:00
        feed leader 甲 today 2026-02-25
        feed leader 乙 today 2026-02-25
        ",
        "
        calendar 测试县接访安排（甲）
        A 2026-03-02 08:30–11:30 CANCELLED seq=1 stamp=20260225T010000Z 已取消：县领导接访（现由乙（副县长）） @ 县信访局接待室（一楼） [已预约来访：0 人]
        B 2026-03-09 08:30–11:30 CONFIRMED seq=1 stamp=20260225T010000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        calendar 测试县接访安排（乙）
        A 2026-03-02 08:30–11:30 CONFIRMED seq=1 stamp=20260225T010000Z 县领导接访：乙（副县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        B 2026-03-09 08:30–11:30 CANCELLED seq=1 stamp=20260225T010000Z 已取消：县领导接访（现由甲（县长）） @ 县信访局接待室（一楼） [已预约来访：0 人]
        ",
    );
}

#[test]
fn a_slot_taken_away_stays_cancelled_for_30_days_then_leaves_the_feed() {
    check(
        "
        slot A reception 2026-04-20 甲
        slot B reception 2026-04-27 乙
        publish 2026-04-01..2026-04-30 at 2026-02-20T10:00
        swap A B at 2026-03-01T09:00
        feed leader 甲 today 2026-03-31
        feed leader 甲 today 2026-04-01
        ",
        "
        calendar 测试县接访安排（甲）
        A 2026-04-20 08:30–11:30 CANCELLED seq=1 stamp=20260301T010000Z 已取消：县领导接访（现由乙（副县长）） @ 县信访局接待室（一楼） [已预约来访：0 人]
        B 2026-04-27 08:30–11:30 CONFIRMED seq=1 stamp=20260301T010000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        calendar 测试县接访安排（甲）
        B 2026-04-27 08:30–11:30 CONFIRMED seq=1 stamp=20260301T010000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        ",
    );
}

#[test]
fn leave_hands_the_slot_to_the_standby_and_cancels_it_for_the_absent_leader() {
    check(
        "
        slot A reception 2026-03-02 甲
        publish 2026-03-01..2026-03-31 at 2026-02-20T10:00
        leave 甲 2026-03-01..2026-03-03 at 2026-02-24T08:15
        feed leader 甲 today 2026-02-24
        feed leader 丙 today 2026-02-24
        ",
        "
        calendar 测试县接访安排（甲）
        A 2026-03-02 08:30–11:30 CANCELLED seq=1 stamp=20260224T001500Z 已取消：县领导接访（现由丙（副县长）） @ 县信访局接待室（一楼） [已预约来访：0 人]
        calendar 测试县接访安排（丙）
        A 2026-03-02 08:30–11:30 CONFIRMED seq=1 stamp=20260224T001500Z 县领导接访：丙（副县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        ",
    );
}

#[test]
fn a_delegated_slot_stays_with_its_leader_and_reminds_the_deputy() {
    check(
        "
        slot A reception 2026-03-02 甲
        publish 2026-03-01..2026-03-31 at 2026-02-20T10:00
        delegate A 丙 at 2026-02-26T11:00
        feed leader 甲 today 2026-02-26
        feed leader 丙 today 2026-02-26
        ",
        "
        calendar 测试县接访安排（甲）
        A 2026-03-02 08:30–11:30 CONFIRMED seq=1 stamp=20260226T030000Z 县领导接访：甲（县长），丙（副县长）代 @ 县信访局接待室（一楼） [已预约来访：0 人]
        calendar 测试县接访安排（丙）
        A 2026-03-02 08:30–11:30 CONFIRMED seq=1 stamp=20260226T030000Z 县领导接访：甲（县长），丙（副县长）代 @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        ",
    );
}

#[test]
fn a_time_change_moves_the_event_and_every_change_raises_the_sequence() {
    check(
        "
        slot A reception 2026-03-02 甲
        publish 2026-03-01..2026-03-31 at 2026-02-20T10:00
        reschedule A 2026-03-04 14:30-17:00 at 2026-02-27T10:00
        feed leader 甲 today 2026-02-27
        reschedule A 2026-03-02 08:30-11:30 at 2026-02-27T16:00
        feed leader 甲 today 2026-02-27
        ",
        "
        calendar 测试县接访安排（甲）
        A 2026-03-04 14:30–17:00 CONFIRMED seq=1 stamp=20260227T020000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        calendar 测试县接访安排（甲）
        A 2026-03-02 08:30–11:30 CONFIRMED seq=2 stamp=20260227T080000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        ",
    );
}

#[test]
fn the_office_feed_has_every_published_slot_and_a_township_only_its_own() {
    check(
        "
        slot A reception 2026-03-02 甲
        slot T township 2026-03-02 丁 港口镇
        slot C on-call 2026-03-02..2026-03-08 乙
        publish 2026-03-01..2026-03-31 at 2026-02-20T10:00
        swap A T at 2026-02-25T09:00
        feed office today 2026-02-25
        feed township 港口镇 today 2026-02-25
        ",
        "
        calendar 测试县领导接访安排
        A 2026-03-02 08:30–11:30 CONFIRMED seq=1 stamp=20260225T010000Z 县领导接访：丁（港口镇镇长） @ 县信访局接待室（一楼） [已预约来访：0 人]
        C 2026-03-02..2026-03-08 all-day CONFIRMED seq=0 stamp=20260220T020000Z 县领导值班：乙（副县长） @ 县信访局
        T 2026-03-02 08:30–12:00 CONFIRMED seq=1 stamp=20260225T010000Z 乡镇主要领导接访：甲（县长） @ 港口镇综治中心 [已预约来访：0 人]
        calendar 测试县接访安排（港口镇）
        T 2026-03-02 08:30–12:00 CONFIRMED seq=1 stamp=20260225T010000Z 乡镇主要领导接访：甲（县长） @ 港口镇综治中心 [已预约来访：0 人]
        ",
    );
}

#[test]
fn a_feed_reaches_a_year_back() {
    check(
        "
        slot A reception 2026-03-02 甲
        publish 2026-03-01..2026-03-31 at 2026-02-20T10:00
        feed leader 甲 today 2027-03-03
        feed leader 甲 today 2027-03-04
        ",
        "
        calendar 测试县接访安排（甲）
        A 2026-03-02 08:30–11:30 CONFIRMED seq=0 stamp=20260220T020000Z 县领导接访：甲（县长） @ 县信访局接待室（一楼） [已预约来访：0 人] [alarm -P1D]
        calendar 测试县接访安排（甲）
        ",
    );
}
