//! Convergence as a property: 3–5 real peers on loopback, random work on each
//! (registrations, events, notes, field edits including concurrent edits of one field)
//! and random connections between them, some cut off mid-round. After a final pass of
//! rounds every peer holds identical data, and nothing anyone saved is missing.

#![allow(clippy::unwrap_used)] // the property runs outside #[test] bodies; failures must panic

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use common::*;
use fengqiao_model::{EventKind, Role};
use fengqiao_store::{CaseFilter, Store};
use fengqiao_sync::SyncNode;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Register {
        peer: usize,
    },
    Event {
        peer: usize,
        case: usize,
    },
    Note {
        peer: usize,
        case: usize,
    },
    SetHandler {
        peer: usize,
        case: usize,
        value: usize,
    },
    Sync {
        from: usize,
        to: usize,
    },
    /// A round cut off after a few milliseconds.
    DroppedSync {
        from: usize,
        to: usize,
        after_ms: u64,
    },
}

fn op(peers: usize) -> impl Strategy<Value = Op> {
    let p = 0..peers;
    prop_oneof![
        3 => p.clone().prop_map(|peer| Op::Register { peer }),
        2 => (p.clone(), 0..8usize).prop_map(|(peer, case)| Op::Event { peer, case }),
        2 => (p.clone(), 0..8usize).prop_map(|(peer, case)| Op::Note { peer, case }),
        2 => (p.clone(), 0..8usize, 0..3usize)
            .prop_map(|(peer, case, value)| Op::SetHandler { peer, case, value }),
        2 => (p.clone(), p.clone()).prop_map(|(from, to)| Op::Sync { from, to }),
        1 => (p.clone(), p, 1..40u64)
            .prop_map(|(from, to, after_ms)| Op::DroppedSync { from, to, after_ms }),
    ]
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Op>)> {
    (3..=5usize).prop_flat_map(|n| (Just(n), prop::collection::vec(op(n), 6..16)))
}

/// Everything a peer shows about its cases, in a form that compares across peers.
fn view(store: &Store) -> BTreeMap<String, serde_json::Value> {
    store
        .list_cases(&CaseFilter::default())
        .unwrap()
        .into_iter()
        .map(|c| {
            let record = store.case(&c.id.to_string()).unwrap();
            (c.number, serde_json::to_value(record).unwrap())
        })
        .collect()
}

fn run(n: usize, ops: Vec<Op>) {
    let rt = runtime();
    let dirs: Vec<tempfile::TempDir> = (0..n).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut stores: Vec<Arc<Store>> = vec![office(dirs[0].path())];
    for (i, dir) in dirs.iter().enumerate().skip(1) {
        let role = if i % 2 == 0 {
            Role::Office
        } else {
            Role::Township
        };
        let scope: &[&str] = if role == Role::Township {
            &["港口镇"]
        } else {
            &[]
        };
        let s = enrolled(
            &stores[0],
            dir.path(),
            &format!("笔记本{i}"),
            role,
            role,
            scope,
        );
        stores.push(s);
    }
    // Later enrolments must reach the earlier laptops' directories too.
    let directory = stores[0]
        .export_document(&fengqiao_store::DocName::Directory)
        .unwrap()
        .unwrap();
    for s in &stores[1..] {
        s.import_document(&fengqiao_store::DocName::Directory, &directory)
            .unwrap();
    }
    let nodes: Vec<SyncNode> = stores.iter().map(|s| node(&rt, s)).collect();

    let date = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let mut saved_cases: Vec<String> = Vec::new();
    let mut saved_notes: Vec<String> = Vec::new();
    let handlers = ["王干事", "李干事", "赵干事"];
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Register { peer } => {
                let n = register(
                    &stores[peer],
                    "港口镇",
                    "港口村",
                    &format!("来访人{step}"),
                    "土地纠纷",
                );
                saved_cases.push(n);
            }
            Op::Event { peer, case }
            | Op::Note { peer, case }
            | Op::SetHandler { peer, case, .. } => {
                let known = numbers(&stores[peer]);
                if known.is_empty() {
                    continue;
                }
                let key = &known[case % known.len()];
                match op {
                    Op::Event { .. } => {
                        stores[peer]
                            .add_event(key, EventKind::Acknowledged, date, &format!("告知{step}"))
                            .unwrap();
                    }
                    Op::Note { .. } => {
                        let text = format!("备注{step}：走访了当事人");
                        stores[peer].add_note(key, &text).unwrap();
                        saved_notes.push(text);
                    }
                    Op::SetHandler { value, .. } => {
                        stores[peer]
                            .set_field(key, "handler", handlers[value])
                            .unwrap();
                    }
                    _ => unreachable!(),
                }
            }
            Op::Sync { from, to } if from != to => {
                let _ = rt
                    .block_on(nodes[from].sync_with(nodes[to].addr(), ROUND))
                    .unwrap();
            }
            Op::DroppedSync { from, to, after_ms } if from != to => {
                // Cut off: the round's future is dropped mid-way, closing the connection.
                let _ = rt.block_on(async {
                    tokio::time::timeout(
                        Duration::from_millis(after_ms),
                        nodes[from].sync_with(nodes[to].addr(), ROUND),
                    )
                    .await
                });
            }
            _ => {}
        }
    }
    // Final pass: everyone with the office, twice (in then out).
    for _ in 0..2 {
        for i in 1..n {
            let r = rt
                .block_on(nodes[i].sync_with(nodes[0].addr(), ROUND))
                .unwrap();
            assert!(r.unfinished.is_empty(), "{}", r.summary());
        }
    }
    let reference = view(&stores[0]);
    for number in &saved_cases {
        assert!(reference.contains_key(number), "case {number} was lost");
    }
    let text = serde_json::to_string(&reference).unwrap();
    for note in &saved_notes {
        assert!(text.contains(note.as_str()), "note “{note}” was lost");
    }
    for (i, s) in stores.iter().enumerate().skip(1) {
        assert_eq!(view(s), reference, "peer {i} differs from the office");
    }
    for node in nodes {
        rt.block_on(node.shutdown());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, max_shrink_iters: 8, ..ProptestConfig::default() })]
    #[test]
    fn every_peer_converges_and_nothing_is_lost((n, ops) in scenario()) {
        run(n, ops);
    }
}
