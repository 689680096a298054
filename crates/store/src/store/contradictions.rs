//! Lifecycle contradictions: what two laptops recorded that cannot both stand, found in
//! the merged events of a case — a case closed on one laptop while it was still worked on
//! another (an event or a note written concurrently with the closing), or two different
//! replies (处理意见/复查意见/复核意见) to one case. Also which case fields are legally
//! significant, so their field conflicts are marked as such.
//!
//! Invariants:
//! - "Concurrently" is causal, not by clock: two records are concurrent when neither
//!   change is an ancestor of the other in the document's change graph. A note added after
//!   the closing *was seen* is not a contradiction; one written offline at the same time is.
//! - Nothing is decided automatically. A person chooses one of the offered options with a
//!   reason; the decision is a [`Resolution`] in the case's `resolutions` (who, when, which
//!   option, why), keyed by the contradiction's key, and replicates like any record. A
//!   contradiction whose key has a resolution is no longer listed; new concurrent records
//!   make a new key, so they are listed again.

use std::collections::{HashMap, HashSet};

use automerge::{ActorId, Automerge, ChangeHash, ObjId, ObjType, ReadDoc};
use chrono::{DateTime, FixedOffset};
use fengqiao_model::{CaseEvent, CaseId, EventKind, Note, PersonId, ResolutionId};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::directory::WhoIndex;
use super::{Resolution, Store};
use crate::error::StoreError;
use crate::record;
use crate::record::{case_obj, case_sub, map_in, obj_field, to_json};
use crate::time::now_cst;

/// Case fields the law attaches consequences to (route and its classification, the
/// responsible units and leader, the dates clocks start from). Their conflicts are marked
/// and never resolved automatically; replies, extensions and status are events, and their
/// disagreements are [`Contradiction`]s.
pub const LEGALLY_SIGNIFICANT_FIELDS: &[&str] = &[
    "route",
    "received_by",
    "route_list_version",
    "complaint_type",
    "content_type",
    "lead_unit",
    "co_units",
    "responsible_leader",
    "received_on",
    "source",
    "channel",
];

/// Whether a conflict on `field` (a dotted path) is legally significant.
pub fn is_legally_significant(field: &str) -> bool {
    let top = field.split('.').next().unwrap_or_default();
    LEGALLY_SIGNIFICANT_FIELDS.contains(&top)
}

/// What kind of contradiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContradictionKind {
    /// Closed (or not accepted, or final) on one laptop while events or notes were
    /// recorded on another without knowing it.
    ClosedWhileWorked,
    /// Two different replies of the same stage (答复, 复查意见 or 复核意见).
    DifferentReplies,
    /// Two laptops routed the case differently without seeing each other's 分流. Until a
    /// person decides, the route in force is the later in canonical order; the decision
    /// records a new 分流 with the chosen route.
    DifferentRoutes,
}

impl ContradictionKind {
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            ContradictionKind::ClosedWhileWorked => "办结后仍有并行办理记录",
            ContradictionKind::DifferentReplies => "同一阶段存在不同的答复意见",
            ContradictionKind::DifferentRoutes => "并行记录了不同的分流途径",
        }
    }
}

/// One record involved in a contradiction, with who wrote it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContradictionItem {
    /// The event or note id.
    pub record_id: String,
    /// What it is, in Chinese (`办结 2026-11-03`, `备注：…`).
    pub what: String,
    pub person: Option<PersonId>,
    pub person_name: Option<String>,
    pub device: Option<String>,
    pub written_at: Option<DateTime<FixedOffset>>,
}

/// A lifecycle contradiction of one case, for a person to decide.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contradiction {
    pub case_id: CaseId,
    pub case_number: String,
    /// Stable key; a resolution records it as its `field`.
    pub key: String,
    pub kind: ContradictionKind,
    pub items: Vec<ContradictionItem>,
    /// What a person may decide (1-based when choosing).
    pub options: Vec<String>,
}

/// Terminal events: after them nothing but a follow-up visit is expected.
fn is_terminal(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Closed { .. }
            | EventKind::Finalized
            | EventKind::NotAccepted { .. }
            | EventKind::NotReaccepted { .. }
    )
}

/// The reply stage and value of a reply event.
fn reply_of(kind: &EventKind) -> Option<(&'static str, String)> {
    match kind {
        EventKind::Replied { reply } => Some(("replied", format!("{reply:?}"))),
        EventKind::ReviewOpinion { reply } => Some(("review-opinion", format!("{reply:?}"))),
        EventKind::ReReviewOpinion { reply } => Some(("re-review-opinion", format!("{reply:?}"))),
        _ => None,
    }
}

fn event_label(e: &CaseEvent) -> String {
    let detail = match &e.kind {
        EventKind::Replied { reply }
        | EventKind::ReviewOpinion { reply }
        | EventKind::ReReviewOpinion { reply } => format!("（{}）", reply.zh()),
        EventKind::Routed { route } => format!("（{}）", route.zh()),
        _ => String::new(),
    };
    format!("{}{detail} {}", e.kind.zh(), e.date)
}

/// The ops one change wrote: first and last op counter, hash, time and author.
type Span = (u64, u64, ChangeHash, i64, Option<Vec<u8>>);

/// Which change wrote an op, and the change graph, for one document.
struct Causality {
    spans: HashMap<ActorId, Vec<Span>>,
    deps: HashMap<ChangeHash, Vec<ChangeHash>>,
}

impl Causality {
    fn new(d: &Automerge) -> Self {
        let mut spans: HashMap<ActorId, Vec<_>> = HashMap::new();
        let mut deps = HashMap::new();
        for c in d.get_changes_meta(&[]) {
            spans
                .entry(c.actor.clone().into_owned())
                .or_default()
                .push((
                    c.start_op,
                    c.max_op,
                    c.hash,
                    c.timestamp,
                    super::author_of(d, &c.actor, c.author.as_ref()),
                ));
            deps.insert(c.hash, c.deps.clone());
        }
        Causality { spans, deps }
    }

    /// The change that created `obj`, its actor, time and author.
    fn change_of(&self, obj: &ObjId) -> Option<(ChangeHash, ActorId, i64, Option<Vec<u8>>)> {
        let ObjId::Id(counter, actor, _) = obj else {
            return None;
        };
        self.spans
            .get(actor)?
            .iter()
            .find(|(start, max, ..)| start <= counter && counter <= max)
            .map(|(_, _, hash, time, author)| (*hash, actor.clone(), *time, author.clone()))
    }

    /// Whether `ancestor` is `change` or one of its ancestors.
    fn precedes(&self, ancestor: ChangeHash, change: ChangeHash) -> bool {
        let mut stack = vec![change];
        let mut seen = HashSet::new();
        while let Some(h) = stack.pop() {
            if h == ancestor {
                return true;
            }
            if seen.insert(h) {
                stack.extend(self.deps.get(&h).into_iter().flatten().copied());
            }
        }
        false
    }

    fn concurrent(&self, x: ChangeHash, y: ChangeHash) -> bool {
        !self.precedes(x, y) && !self.precedes(y, x)
    }
}

/// A record of a case with the change that wrote it.
struct Written<T> {
    record: T,
    change: Option<ChangeHash>,
    item: ContradictionItem,
}

fn written<T>(
    record: T,
    record_id: String,
    what: String,
    obj: &ObjId,
    causality: &Causality,
    who: &WhoIndex,
) -> Written<T> {
    let found = causality.change_of(obj);
    let who_wrote = found
        .as_ref()
        .map(|(_, actor, time, author)| who.attribute(actor, author.as_deref(), *time))
        .unwrap_or_default();
    let (person, person_name, device, written_at) = (
        who_wrote.person,
        who_wrote.person_name,
        who_wrote.device,
        who_wrote.at,
    );
    Written {
        record,
        change: found.map(|(h, ..)| h),
        item: ContradictionItem {
            record_id,
            what,
            person,
            person_name,
            device,
            written_at,
        },
    }
}

fn key_of(kind: &str, ids: &[&str]) -> String {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    let digest = Sha256::digest(ids.join(",").as_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("lifecycle.{kind}.{short}")
}

/// The contradictions of the case at `case` in document `d`, leaving out resolved ones.
fn case_contradictions(
    d: &Automerge,
    case: &ObjId,
    causality: &mut Option<Causality>,
    who: &WhoIndex,
) -> Vec<Contradiction> {
    let read_sub = |sub: &str| -> Vec<(String, ObjId, serde_json::Value)> {
        obj_field(d, case, sub)
            .map(|m| {
                d.map_range(&m, ..)
                    .map(|i| {
                        let id = i.id();
                        let v = record::read_value(d, &id, ObjType::Map);
                        (i.key.into_owned(), id, v)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let events: Vec<(String, ObjId, CaseEvent)> = read_sub("events")
        .into_iter()
        .filter_map(|(k, o, v)| serde_json::from_value(v).ok().map(|e| (k, o, e)))
        .collect();
    let has_terminal = events.iter().any(|(_, _, e)| is_terminal(&e.kind));
    let replies = events
        .iter()
        .filter(|(_, _, e)| reply_of(&e.kind).is_some())
        .count();
    let routings = events
        .iter()
        .filter(|(_, _, e)| matches!(e.kind, EventKind::Routed { .. }))
        .count();
    if !has_terminal && replies < 2 && routings < 2 {
        return Vec::new();
    }
    let causality = causality.get_or_insert_with(|| Causality::new(d));
    let resolved: HashSet<String> = read_sub("resolutions")
        .into_iter()
        .filter_map(|(_, _, v)| v.get("field").and_then(|f| f.as_str()).map(str::to_owned))
        .collect();
    let case_id = record::read_value(d, case, ObjType::Map);
    let (Some(case_id), number) = (
        case_id
            .get("id")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<CaseId>().ok()),
        case_id
            .get("number")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
    ) else {
        return Vec::new();
    };
    let events: Vec<Written<CaseEvent>> = events
        .into_iter()
        .map(|(k, o, e)| {
            let what = event_label(&e);
            written(e, k, what, &o, causality, who)
        })
        .collect();
    let notes: Vec<Written<Note>> = read_sub("notes")
        .into_iter()
        .filter_map(|(k, o, v)| serde_json::from_value::<Note>(v).ok().map(|n| (k, o, n)))
        .map(|(k, o, n)| {
            let what = format!("备注：{}", n.text);
            written(n, k, what, &o, causality, who)
        })
        .collect();
    let mut out = Vec::new();
    // Closed on one side, still worked on the other.
    for t in events.iter().filter(|e| is_terminal(&e.record.kind)) {
        let Some(tc) = t.change else { continue };
        let concurrent = |c: Option<ChangeHash>| c.is_some_and(|c| causality.concurrent(tc, c));
        let mut items: Vec<&ContradictionItem> = events
            .iter()
            .filter(|e| {
                !is_terminal(&e.record.kind)
                    && !matches!(
                        e.record.kind,
                        EventKind::FollowUp { .. }
                            | EventKind::Registered
                            | EventKind::Evaluated { .. }
                            | EventKind::FollowUpScheduled { .. }
                    )
                    && concurrent(e.change)
            })
            .map(|e| &e.item)
            .collect();
        items.extend(
            notes
                .iter()
                .filter(|n| concurrent(n.change))
                .map(|n| &n.item),
        );
        if items.is_empty() {
            continue;
        }
        let ids: Vec<&str> = std::iter::once(t.item.record_id.as_str())
            .chain(items.iter().map(|i| i.record_id.as_str()))
            .collect();
        let key = key_of("closed-while-worked", &ids);
        if resolved.contains(&key) {
            continue;
        }
        out.push(Contradiction {
            case_id,
            case_number: number.clone(),
            key,
            kind: ContradictionKind::ClosedWhileWorked,
            items: std::iter::once(t.item.clone())
                .chain(items.into_iter().cloned())
                .collect(),
            options: vec![
                format!("维持{}：并行的办理记录作为其后的补充记录", t.item.what),
                format!("{}有误：案件仍在办理，需补录后续事件", t.item.what),
            ],
        });
    }
    // Different replies of one stage.
    let mut by_stage: HashMap<&'static str, Vec<&Written<CaseEvent>>> = HashMap::new();
    for e in &events {
        if let Some((stage, _)) = reply_of(&e.record.kind) {
            by_stage.entry(stage).or_default().push(e);
        }
    }
    let mut stages: Vec<_> = by_stage.into_iter().collect();
    stages.sort_by_key(|(stage, _)| *stage);
    for (stage, replies) in stages {
        let values: HashSet<String> = replies
            .iter()
            .filter_map(|e| reply_of(&e.record.kind).map(|(_, v)| v))
            .collect();
        if values.len() < 2 {
            continue;
        }
        let ids: Vec<&str> = replies.iter().map(|e| e.item.record_id.as_str()).collect();
        let key = key_of(&format!("different-replies.{stage}"), &ids);
        if resolved.contains(&key) {
            continue;
        }
        out.push(Contradiction {
            case_id,
            case_number: number.clone(),
            key,
            kind: ContradictionKind::DifferentReplies,
            items: replies.iter().map(|e| e.item.clone()).collect(),
            options: replies
                .iter()
                .map(|e| format!("以“{}”为准", e.item.what))
                .collect(),
        });
    }
    out.extend(different_routes(
        &events, causality, &resolved, case_id, &number,
    ));
    out
}

/// 分流 events with different routes recorded concurrently (neither laptop saw the other's).
fn different_routes(
    events: &[Written<CaseEvent>],
    causality: &Causality,
    resolved: &HashSet<String>,
    case_id: CaseId,
    number: &str,
) -> Option<Contradiction> {
    let route_of = |e: &Written<CaseEvent>| match e.record.kind {
        EventKind::Routed { route } => Some(route),
        _ => None,
    };
    let routed: Vec<&Written<CaseEvent>> =
        events.iter().filter(|e| route_of(e).is_some()).collect();
    let mut involved: Vec<&Written<CaseEvent>> = Vec::new();
    for (i, a) in routed.iter().enumerate() {
        for b in &routed[i + 1..] {
            let concurrent = match (a.change, b.change) {
                (Some(x), Some(y)) => causality.concurrent(x, y),
                _ => false,
            };
            if concurrent && route_of(a) != route_of(b) {
                for e in [*a, *b] {
                    if !involved
                        .iter()
                        .any(|x| x.item.record_id == e.item.record_id)
                    {
                        involved.push(e);
                    }
                }
            }
        }
    }
    if involved.is_empty() {
        return None;
    }
    involved.sort_by_key(|e| (e.record.date, e.record.recorded_at, e.record.id));
    let ids: Vec<&str> = involved.iter().map(|e| e.item.record_id.as_str()).collect();
    let key = key_of("different-routes", &ids);
    if resolved.contains(&key) {
        return None;
    }
    Some(Contradiction {
        case_id,
        case_number: number.to_owned(),
        key,
        kind: ContradictionKind::DifferentRoutes,
        items: involved.iter().map(|e| e.item.clone()).collect(),
        options: involved
            .iter()
            .map(|e| format!("以“{}”为准", e.item.what))
            .collect(),
    })
}

impl Store {
    /// Every unresolved lifecycle contradiction in the cases this device holds.
    pub fn contradictions(&self) -> Result<Vec<Contradiction>, StoreError> {
        let who = self.who_index()?;
        let mut out = Vec::new();
        for name in self.case_documents()? {
            let found = self.read(&name, |d| {
                let Some(cases) = map_in(d, "cases") else {
                    return Vec::new();
                };
                let mut causality = None;
                d.map_range(&cases, ..)
                    .flat_map(|item| case_contradictions(d, &item.id(), &mut causality, &who))
                    .collect::<Vec<_>>()
            })?;
            out.extend(found.into_iter().flatten());
        }
        Ok(out)
    }

    /// The unresolved lifecycle contradictions of one case.
    pub fn case_contradictions(&self, key: &str) -> Result<Vec<Contradiction>, StoreError> {
        let (name, id) = self.locate(key)?;
        let who = self.who_index()?;
        Ok(self
            .read(&name, |d| {
                case_obj(d, id)
                    .map(|obj| case_contradictions(d, &obj, &mut None, &who))
                    .unwrap_or_default()
            })?
            .unwrap_or_default())
    }

    /// Decides a contradiction by choosing one of its options (1-based) with a reason; the
    /// decision is recorded on the case as a [`Resolution`] keyed by the contradiction.
    pub fn resolve_contradiction(
        &self,
        case: &str,
        contradiction: &str,
        choice: usize,
        reason: &str,
    ) -> Result<Resolution, StoreError> {
        self.require_case_writer()?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(vec![
                fengqiao_model::FieldError::Required { field: "reason" },
            ]));
        }
        let (name, id) = self.locate(case)?;
        let found = self
            .case_contradictions(case)?
            .into_iter()
            .find(|c| c.key == contradiction.trim())
            .ok_or_else(|| StoreError::NoSuchConflict {
                case: case.into(),
                field: contradiction.into(),
            })?;
        if choice == 0 || choice > found.options.len() {
            return Err(StoreError::BadChoice {
                count: found.options.len(),
            });
        }
        let chosen = found.options[choice - 1].clone();
        let resolution = Resolution {
            id: ResolutionId::generate(),
            field: found.key.clone(),
            chosen: serde_json::Value::String(chosen),
            discarded: found
                .options
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != choice - 1)
                .map(|(_, o)| serde_json::Value::String(o.clone()))
                .collect(),
            resolved_by: self.identity.person.id,
            resolved_by_name: self.identity.person.name.clone(),
            resolved_at: now_cst(),
            reason: reason.trim().to_owned(),
        };
        // Choosing a route makes it the route in force: the decision records a 分流 with
        // it, dated with the latest of the contradicting ones, in the same change.
        let routed = match found.kind {
            ContradictionKind::DifferentRoutes => {
                let record = self.case(case)?;
                let chosen_id = &found.items[choice - 1].record_id;
                let route = record.events.iter().find_map(|e| match e.kind {
                    EventKind::Routed { route } if e.id.to_string() == *chosen_id => Some(route),
                    _ => None,
                });
                let date = found
                    .items
                    .iter()
                    .filter_map(|i| {
                        record
                            .events
                            .iter()
                            .find(|e| e.id.to_string() == i.record_id)
                    })
                    .map(|e| e.date)
                    .max();
                match (route, date) {
                    (Some(route), Some(date)) => Some(CaseEvent {
                        id: fengqiao_model::EventId::generate(),
                        kind: EventKind::Routed { route },
                        date,
                        recorded_at: now_cst(),
                        recorded_by: self.identity.person.id,
                        remark: format!("解决分流冲突：{}", reason.trim()),
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        let value = to_json(&resolution)?;
        let rkey = resolution.id.to_string();
        let routed = routed
            .map(|e| Ok::<_, StoreError>((e.id.to_string(), to_json(&e)?)))
            .transpose()?;
        self.write(&name, move |tx| {
            let resolutions = case_sub(tx, id, "resolutions")?;
            record::put_record(tx, &resolutions, &rkey, &value)?;
            if let Some((ekey, event)) = &routed {
                let events = case_sub(tx, id, "events")?;
                record::put_record(tx, &events, ekey, event)?;
            }
            Ok(())
        })?;
        Ok(resolution)
    }
}
