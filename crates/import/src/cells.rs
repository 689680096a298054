//! What one spreadsheet cell holds when a case has several of something: one item a line.
//!
//! - 办理过程 (events): `2026-03-05 交办：司法局` — the date, the event's name, and after `：`
//!   its details separated by `；` (positional, per kind; see [`event_line`]), a last
//!   `备注：…` being the event's remark.
//! - 备注 (notes): `[2026-03-05 14:30 张三] 已电话联系信访人`.
//! - 代表人 (representatives): `姓名；电话；身份证号；住址；代理人`.
//! - 信访人, 联系电话, … : one petitioner a line, the columns aligned line by line.
//!
//! Inside an item a line break is written `\n`, a `；` inside a detail `\；`, a backslash
//! `\\`, so any text survives the round trip.

use chrono::NaiveDate;
use fengqiao_model::{
    CaseFlags, EventCode, EventKind, ImportedEvent, ImportedNote, Note, PanelKind, PersonId,
    Petitioner, ReplyType, Route, Satisfaction,
};

use crate::Mapping;
use crate::dates::{parse_date, parse_datetime};

/// Escapes text for one item of a cell: backslash, line breaks and the detail separator.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '；' => out.push_str("\\；"),
            c => out.push(c),
        }
    }
    out
}

/// Splits on unescaped `sep` and unescapes each part.
pub fn split_unescaped(text: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => parts.last_mut().map_or((), |p| p.push('\n')),
                Some(other) => parts.last_mut().map_or((), |p| p.push(other)),
                None => parts.last_mut().map_or((), |p| p.push('\\')),
            },
            c if c == sep => parts.push(String::new()),
            c => parts.last_mut().map_or((), |p| p.push(c)),
        }
    }
    parts
}

/// Undoes [`escape`].
pub fn unescape(text: &str) -> String {
    split_unescaped(text, '\u{0}').concat()
}

/// The lines of a cell, without trailing empty ones.
pub fn lines(cell: &str) -> Vec<&str> {
    let mut out: Vec<&str> = cell.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out
}

/// Splits a list written in one line (`住建局、司法局`).
pub fn list(cell: &str) -> Vec<String> {
    cell.split(['、', ',', '，', ';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// 是/否 as a spreadsheet says it.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "是" | "true" | "TRUE" | "1" | "Y" | "y" | "yes" | "√" => Some(true),
        "否" | "false" | "FALSE" | "0" | "N" | "n" | "no" | "" => Some(false),
        _ => None,
    }
}

/// The flags' names, in the order of [`CaseFlags`].
const FLAG_NAMES: &[&str] = &[
    "集体访",
    "越级",
    "重复访",
    "初信初访",
    "重大紧急",
    "督办",
    "涉密",
];

fn flag_slots(f: &mut CaseFlags) -> [&mut bool; 7] {
    [
        &mut f.group,
        &mut f.skipped_level,
        &mut f.repeat,
        &mut f.first_time,
        &mut f.major_urgent,
        &mut f.supervised,
        &mut f.confidential,
    ]
}

/// The flags set, as `集体访、初信初访`.
pub fn flags_text(flags: &CaseFlags) -> String {
    let mut f = *flags;
    flag_slots(&mut f)
        .iter()
        .zip(FLAG_NAMES)
        .filter(|(on, _)| ***on)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join("、")
}

/// Reads `集体访、初信初访` (names through the mapping's `[values.flag]`).
pub fn parse_flags(text: &str, mapping: &Mapping) -> Result<CaseFlags, String> {
    let mut flags = CaseFlags::default();
    for item in list(text) {
        let name = mapping.value("flag", &item);
        let i = FLAG_NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| format!("“{item}”不是标记；可选：{}", FLAG_NAMES.join("、")))?;
        *flag_slots(&mut flags)[i] = true;
    }
    Ok(flags)
}

/// A representative as one line: `姓名；电话；身份证号；住址；代理人`.
pub fn person_line(p: &Petitioner) -> String {
    let mut parts: Vec<String> = [&p.name, &p.phone, &p.id_number, &p.address, &p.agent]
        .iter()
        .map(|s| escape(s))
        .collect();
    while parts.last().is_some_and(String::is_empty) && parts.len() > 1 {
        parts.pop();
    }
    parts.join("；")
}

/// Reads a representative's line.
pub fn parse_person_line(line: &str) -> Petitioner {
    let mut parts = split_unescaped(line.trim(), '；')
        .into_iter()
        .map(|s| s.trim().to_owned());
    Petitioner {
        name: parts.next().unwrap_or_default(),
        phone: parts.next().unwrap_or_default(),
        id_number: parts.next().unwrap_or_default(),
        address: parts.next().unwrap_or_default(),
        agent: parts.next().unwrap_or_default(),
        anonymous: false,
    }
}

/// A note as one line: `[2026-03-05 14:30 张三] 正文`.
pub fn note_line(n: &Note) -> String {
    format!(
        "[{} {}] {}",
        n.written_at.format("%Y-%m-%d %H:%M"),
        n.author_name,
        escape(&n.text)
    )
}

/// Reads a note's line; a line without the `[time author]` head is the text alone.
pub fn parse_note_line(line: &str, mapping: &Mapping) -> ImportedNote {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix('[')
        && let Some((head, text)) = rest.split_once(']')
    {
        let mut words = head.split_whitespace();
        let date = words.next().unwrap_or("");
        let time = words.next().unwrap_or("");
        let author = words.collect::<Vec<_>>().join(" ");
        let midnight = chrono::NaiveTime::MIN;
        if let Some(at) = parse_datetime(&format!("{date} {time}"), &mapping.date_formats, midnight)
        {
            return ImportedNote {
                text: unescape(text.trim()),
                author_name: author,
                written_at: Some(at),
            };
        }
    }
    ImportedNote::text(unescape(line))
}

/// Resolves a person's name (or id) for an event's details.
pub trait People {
    fn name_of(&self, id: PersonId) -> Option<String>;
    fn id_of(&self, name: &str) -> Option<PersonId>;
}

/// An event as one line of 办理过程 (registration aside: it is the 收到日期).
pub fn event_line(kind: &EventKind, date: NaiveDate, remark: &str, people: &dyn People) -> String {
    let days = |d: &[NaiveDate]| {
        d.iter()
            .map(NaiveDate::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let details: Vec<String> = match kind {
        EventKind::Registered
        | EventKind::Accepted
        | EventKind::FastTrack
        | EventKind::Acknowledged
        | EventKind::ReviewRequested
        | EventKind::ReReviewRequested
        | EventKind::Finalized => Vec::new(),
        EventKind::Routed { route } => vec![route.zh().into()],
        EventKind::Forwarded { unit } | EventKind::Assigned { unit } => vec![unit.clone()],
        EventKind::Objected { unit, reason } => vec![unit.clone(), reason.clone()],
        EventKind::Diverted { procedure } => vec![procedure.clone()],
        EventKind::NotAccepted { reason } | EventKind::NotReaccepted { reason } => {
            vec![reason.clone()]
        }
        EventKind::Extended {
            days,
            approved_by,
            reason,
        } => vec![days.to_string(), approved_by.clone(), reason.clone()],
        EventKind::Mediated { agreement } => vec![agreement.clone()],
        EventKind::Hearing { days } => vec![days.to_string()],
        EventKind::Replied { reply }
        | EventKind::ReviewOpinion { reply }
        | EventKind::ReReviewOpinion { reply } => vec![reply.zh().into()],
        EventKind::Closed { satisfaction } => {
            satisfaction.iter().map(|s| s.zh().to_owned()).collect()
        }
        EventKind::FollowUp { outcome } => vec![outcome.clone()],
        EventKind::Evaluated {
            reply_quality,
            timeliness,
        } => vec![reply_quality.zh().into(), timeliness.zh().into()],
        EventKind::FollowUpScheduled { due } => vec![due.to_string()],
        EventKind::HearingSession {
            days: d,
            members,
            outcome,
            minutes,
            ..
        } => vec![
            days(d),
            members
                .iter()
                .map(|m| people.name_of(*m).unwrap_or_else(|| m.to_string()))
                .collect::<Vec<_>>()
                .join("、"),
            outcome.clone(),
            minutes.clone(),
        ],
    };
    let mut parts: Vec<String> = details.iter().map(|d| escape(d)).collect();
    if !remark.is_empty() {
        parts.push(format!("备注：{}", escape(remark)));
    }
    if parts.is_empty() {
        format!("{date} {}", kind.zh())
    } else {
        format!("{date} {}：{}", kind.zh(), parts.join("；"))
    }
}

/// Reads one line of 办理过程. The event's name goes through the mapping's `[values.event]`.
pub fn parse_event_line(
    line: &str,
    mapping: &Mapping,
    people: &dyn People,
) -> Result<ImportedEvent, String> {
    let line = line.trim();
    let (head, rest) = match line.split_once(['：', ':']) {
        Some((h, r)) => (h.trim(), Some(r)),
        None => (line, None),
    };
    let (date_text, name) = head
        .split_once([' ', '\u{3000}'])
        .map(|(d, n)| (d.trim(), n.trim()))
        .ok_or_else(|| format!("“{line}”应写作“日期 事件：详情”，如“2026-03-05 交办：司法局”"))?;
    let date = parse_date(date_text, &mapping.date_formats)
        .ok_or_else(|| format!("“{date_text}”不是可识别的日期"))?;
    let mut details: Vec<String> = rest
        .map(|r| {
            split_unescaped(r, '；')
                .into_iter()
                .map(|d| d.trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let remark = match details.last().and_then(|d| d.strip_prefix("备注：")) {
        Some(r) => {
            let r = r.to_owned();
            details.pop();
            r
        }
        None => String::new(),
    };
    let kind = event_kind(mapping.value("event", name), &details, mapping, people)?;
    Ok(ImportedEvent { kind, date, remark })
}

fn event_kind(
    name: &str,
    details: &[String],
    mapping: &Mapping,
    people: &dyn People,
) -> Result<EventKind, String> {
    let panel = match name {
        "听证会" => Some(PanelKind::Hearing),
        "评议会" => Some(PanelKind::Evaluation),
        _ => None,
    };
    let code = match panel {
        Some(_) => EventCode::HearingSession,
        None => EventCode::parse(name).map_err(|e| e.to_string())?,
    };
    let need = |i: usize, what: &str| -> Result<String, String> {
        details
            .get(i)
            .filter(|d| !d.is_empty())
            .cloned()
            .ok_or_else(|| format!("{} 缺少{what}", code.zh()))
    };
    let opt = |i: usize| details.get(i).cloned().unwrap_or_default();
    let number = |i: usize, what: &str| -> Result<u32, String> {
        let text = need(i, what)?;
        text.parse()
            .map_err(|_| format!("{} 的{what}“{text}”应为整数", code.zh()))
    };
    let reply = |i: usize| -> Result<ReplyType, String> {
        ReplyType::parse(mapping.value("reply", &need(i, "答复意见")?)).map_err(|e| e.to_string())
    };
    let satisfaction = |i: usize| -> Result<Satisfaction, String> {
        Satisfaction::parse(mapping.value("satisfaction", &need(i, "满意度")?))
            .map_err(|e| e.to_string())
    };
    Ok(match code {
        EventCode::Registered => EventKind::Registered,
        EventCode::Routed => EventKind::Routed {
            route: Route::parse(mapping.value("route", &need(0, "途径")?))
                .map_err(|e| e.to_string())?,
        },
        EventCode::Forwarded => EventKind::Forwarded {
            unit: need(0, "单位")?,
        },
        EventCode::Assigned => EventKind::Assigned {
            unit: need(0, "单位")?,
        },
        EventCode::Objected => EventKind::Objected {
            unit: need(0, "单位")?,
            reason: opt(1),
        },
        EventCode::Diverted => EventKind::Diverted {
            procedure: need(0, "法定程序")?,
        },
        EventCode::NotAccepted => EventKind::NotAccepted { reason: opt(0) },
        EventCode::NotReaccepted => EventKind::NotReaccepted { reason: opt(0) },
        EventCode::Accepted => EventKind::Accepted,
        EventCode::FastTrack => EventKind::FastTrack,
        EventCode::Acknowledged => EventKind::Acknowledged,
        EventCode::Extended => EventKind::Extended {
            days: number(0, "延期天数")?,
            approved_by: opt(1),
            reason: opt(2),
        },
        EventCode::Mediated => EventKind::Mediated { agreement: opt(0) },
        EventCode::Hearing => EventKind::Hearing {
            days: number(0, "听证天数")?,
        },
        EventCode::Replied => EventKind::Replied { reply: reply(0)? },
        EventCode::ReviewRequested => EventKind::ReviewRequested,
        EventCode::ReviewOpinion => EventKind::ReviewOpinion { reply: reply(0)? },
        EventCode::ReReviewRequested => EventKind::ReReviewRequested,
        EventCode::ReReviewOpinion => EventKind::ReReviewOpinion { reply: reply(0)? },
        EventCode::Closed => EventKind::Closed {
            satisfaction: match details.first().filter(|d| !d.is_empty()) {
                Some(_) => Some(satisfaction(0)?),
                None => None,
            },
        },
        EventCode::Finalized => EventKind::Finalized,
        EventCode::FollowUp => EventKind::FollowUp { outcome: opt(0) },
        EventCode::Evaluated => EventKind::Evaluated {
            reply_quality: satisfaction(0)?,
            timeliness: satisfaction(1)?,
        },
        EventCode::FollowUpScheduled => {
            let text = need(0, "回访期限")?;
            EventKind::FollowUpScheduled {
                due: parse_date(&text, &mapping.date_formats)
                    .ok_or_else(|| format!("回访期限“{text}”不是可识别的日期"))?,
            }
        }
        EventCode::HearingSession => {
            let days = list(&need(0, "听证/评议日期")?)
                .iter()
                .map(|d| {
                    parse_date(d, &mapping.date_formats)
                        .ok_or_else(|| format!("听证/评议日期“{d}”不是可识别的日期"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let members = list(&opt(1))
                .iter()
                .map(|m| {
                    m.parse::<uuid::Uuid>()
                        .ok()
                        .map(PersonId)
                        .or_else(|| people.id_of(m))
                        .ok_or_else(|| format!("听证/评议成员“{m}”不在本县目录的人员中"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            EventKind::HearingSession {
                panel: panel.unwrap_or(PanelKind::Hearing),
                days,
                members,
                outcome: opt(2),
                minutes: opt(3),
            }
        }
    })
}

/// The kinds a date column (`[event_dates]`) can hold: those without details, and those
/// whose detail the case itself gives (its route, its lead unit).
pub const DATED_KINDS: &[&str] = &[
    "routed",
    "assigned",
    "forwarded",
    "accepted",
    "fast-track",
    "acknowledged",
    "review-requested",
    "re-review-requested",
    "closed",
    "finalized",
];

/// The event a date column stands for; `case` gives the route and lead unit it takes
/// (`None`: only check that the kind is one a date column can hold).
pub fn dated_kind(code: &str, case: Option<(Option<Route>, &str)>) -> Option<EventKind> {
    let code = EventCode::parse(code).ok()?;
    if !DATED_KINDS.contains(&code.code()) {
        return None;
    }
    let (route, unit) = case.unwrap_or((Some(Route::PetitionRequest), "-"));
    Some(match code {
        EventCode::Routed => EventKind::Routed { route: route? },
        EventCode::Assigned => EventKind::Assigned {
            unit: Some(unit).filter(|u| !u.is_empty())?.to_owned(),
        },
        EventCode::Forwarded => EventKind::Forwarded {
            unit: Some(unit).filter(|u| !u.is_empty())?.to_owned(),
        },
        EventCode::Accepted => EventKind::Accepted,
        EventCode::FastTrack => EventKind::FastTrack,
        EventCode::Acknowledged => EventKind::Acknowledged,
        EventCode::ReviewRequested => EventKind::ReviewRequested,
        EventCode::ReReviewRequested => EventKind::ReReviewRequested,
        EventCode::Closed => EventKind::Closed { satisfaction: None },
        EventCode::Finalized => EventKind::Finalized,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nobody;
    impl People for Nobody {
        fn name_of(&self, _: PersonId) -> Option<String> {
            None
        }
        fn id_of(&self, name: &str) -> Option<PersonId> {
            (name == "韩素芬").then(|| PersonId(uuid::Uuid::from_u128(7)))
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn every_event_kind_round_trips_through_its_line() {
        let m = Mapping::default();
        let member = PersonId(uuid::Uuid::from_u128(9));
        let kinds = vec![
            EventKind::Routed {
                route: Route::Dispute,
            },
            EventKind::Forwarded {
                unit: "司法局".into(),
            },
            EventKind::Assigned {
                unit: "住建局".into(),
            },
            EventKind::Objected {
                unit: "民政局".into(),
                reason: "不属本单位；应由住建局办理\n另附说明".into(),
            },
            EventKind::Diverted {
                procedure: "导入诉讼程序".into(),
            },
            EventKind::NotAccepted {
                reason: "已进入诉讼".into(),
            },
            EventKind::NotReaccepted {
                reason: String::new(),
            },
            EventKind::Accepted,
            EventKind::FastTrack,
            EventKind::Acknowledged,
            EventKind::Extended {
                days: 30,
                approved_by: "分管局长".into(),
                reason: "需补充调查".into(),
            },
            EventKind::Mediated {
                agreement: "达成协议，赔偿 \\ 3000 元".into(),
            },
            EventKind::Hearing { days: 2 },
            EventKind::Replied {
                reply: ReplyType::Explain,
            },
            EventKind::ReviewRequested,
            EventKind::ReviewOpinion {
                reply: ReplyType::Support,
            },
            EventKind::ReReviewRequested,
            EventKind::ReReviewOpinion {
                reply: ReplyType::NotSupport,
            },
            EventKind::Closed {
                satisfaction: Some(Satisfaction::BasicallySatisfied),
            },
            EventKind::Closed { satisfaction: None },
            EventKind::Finalized,
            EventKind::FollowUp {
                outcome: "无新诉求".into(),
            },
            EventKind::Evaluated {
                reply_quality: Satisfaction::Satisfied,
                timeliness: Satisfaction::Dissatisfied,
            },
            EventKind::FollowUpScheduled {
                due: day("2026-04-01"),
            },
            EventKind::HearingSession {
                panel: PanelKind::Evaluation,
                days: vec![day("2026-03-05"), day("2026-03-06")],
                members: vec![member],
                outcome: "维持".into(),
                minutes: "记录".into(),
            },
        ];
        for (i, kind) in kinds.into_iter().enumerate() {
            let remark = if i % 2 == 0 {
                "文号：宁信〔2026〕3号"
            } else {
                ""
            };
            let line = event_line(&kind, day("2026-03-05"), remark, &Nobody);
            assert!(!line.contains('\n'), "{line}");
            let back =
                parse_event_line(&line, &m, &Nobody).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(back.kind, kind, "{line}");
            assert_eq!(back.date, day("2026-03-05"));
            assert_eq!(back.remark, remark, "{line}");
        }
    }

    #[test]
    fn a_bad_event_line_says_what_is_wrong() {
        let m = Mapping::default();
        for (line, needle) in [
            ("2026-03-05 交办", "缺少单位"),
            ("2026-13-05 受理", "不是可识别的日期"),
            ("受理", "应写作"),
            ("2026-03-05 结案", "事件类型"),
            ("2026-03-05 延期：三十天", "应为整数"),
            ("2026-03-05 答复：同意", "答复意见"),
            ("2026-03-05 听证会：2026-03-05；王某", "王某"),
        ] {
            let err = parse_event_line(line, &m, &Nobody).unwrap_err();
            assert!(err.contains(needle), "{line}: {err}");
        }
        // A county's own word for an event, through its mapping.
        let mut m = Mapping::default();
        m.values
            .entry("event".into())
            .or_default()
            .insert("结案".into(), "closed".into());
        let e = parse_event_line("2026/3/5 结案", &m, &Nobody).expect("reads");
        assert_eq!(e.kind, EventKind::Closed { satisfaction: None });
        let e =
            parse_event_line("2026-03-05 听证会：2026-03-05；韩素芬", &m, &Nobody).expect("reads");
        assert!(matches!(e.kind, EventKind::HearingSession { members, .. } if members.len() == 1));
    }

    #[test]
    fn notes_people_and_flags_round_trip() {
        let note = Note {
            id: fengqiao_model::NoteId(uuid::Uuid::from_u128(1)),
            author: PersonId(uuid::Uuid::from_u128(2)),
            author_name: "张三".into(),
            written_at: parse_datetime("2026-03-05 14:30", &[], chrono::NaiveTime::MIN).expect("t"),
            text: "已联系；\n下周回访 [待定]".into(),
        };
        let back = parse_note_line(&note_line(&note), &Mapping::default());
        assert_eq!(back.text, note.text);
        assert_eq!(back.author_name, "张三");
        assert_eq!(back.written_at, Some(note.written_at));
        let plain = parse_note_line("信访人情绪稳定", &Mapping::default());
        assert_eq!(
            (plain.text.as_str(), plain.written_at),
            ("信访人情绪稳定", None)
        );
        let p = Petitioner {
            name: "王五".into(),
            phone: "13900001111".into(),
            id_number: String::new(),
            address: "港口镇；西村".into(),
            agent: String::new(),
            anonymous: false,
        };
        assert_eq!(parse_person_line(&person_line(&p)), p);
        let flags = CaseFlags {
            group: true,
            first_time: true,
            confidential: true,
            ..CaseFlags::default()
        };
        assert_eq!(flags_text(&flags), "集体访、初信初访、涉密");
        assert_eq!(
            parse_flags(&flags_text(&flags), &Mapping::default()),
            Ok(flags)
        );
        assert!(
            parse_flags("加急", &Mapping::default())
                .unwrap_err()
                .contains("加急")
        );
    }
}
