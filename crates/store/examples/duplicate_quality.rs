//! Prints precision and recall of duplicate detection on generated counties with planted
//! duplicates (the figures quoted in ARCHITECTURE.md), per variant, and the time taken.
//!
//! Run: `cargo run --release -p fengqiao-store --example duplicate_quality`
//! (`SHOW_FP=1` also prints some false positives and misses with their evidence).

use std::collections::BTreeMap;
use std::time::Instant;

use fengqiao_store::demo::planted;
use fengqiao_store::duplicates::{self, MatchKind};

fn main() {
    for (seed, cases, planted) in [(11, 3_000, 300), (23, 10_000, 1_000), (42, 10_000, 1_000)] {
        let set = planted::planted(seed, cases, planted);
        let started = Instant::now();
        let found = duplicates::find_candidates(&set.profiles, |_, _| false);
        let took = started.elapsed();
        let q = duplicates::quality(&found, &set.duplicates);
        println!(
            "seed {seed}: {} cases ({cases} base + {planted} planted duplicates + {planted} hard negatives), {:.0?}",
            set.profiles.len(),
            took
        );
        println!(
            "  same-case pairs reported {}, true {}, precision {:.3}, recall {:.3}",
            q.predicted, q.true_positives, q.precision, q.recall
        );
        let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (pair, variants) in &set.variants {
            let hit = found
                .iter()
                .any(|c| c.pair() == *pair && c.kind == MatchKind::SameCase);
            for v in variants {
                let e = per.entry(format!("{v:?}")).or_default();
                e.0 += usize::from(hit);
                e.1 += 1;
            }
        }
        for (v, (hit, all)) in per {
            println!(
                "  {v:<18} recall {:.3} ({hit}/{all})",
                hit as f64 / all as f64
            );
        }
        let wrong = found
            .iter()
            .filter(|c| c.kind == MatchKind::SameCase && set.hard_negatives.contains(&c.pair()))
            .count();
        println!(
            "  hard negatives reported as the same case: {wrong} of {}",
            set.hard_negatives.len()
        );
        if std::env::var_os("SHOW_FP").is_some() {
            let by_id: std::collections::HashMap<_, _> =
                set.profiles.iter().map(|p| (p.id, p)).collect();
            for c in found
                .iter()
                .filter(|c| c.kind == MatchKind::SameCase && !set.duplicates.contains(&c.pair()))
                .take(8)
            {
                println!("  FP {:.2} {:?}", c.score, c.evidence);
                println!("     {:?}", by_id[&c.a].people);
                println!("     {:?}", by_id[&c.b].people);
            }
            for ((a, b), v) in set
                .variants
                .iter()
                .filter(|(pair, _)| {
                    !found
                        .iter()
                        .any(|c| c.pair() == *pair && c.kind == MatchKind::SameCase)
                })
                .take(8)
            {
                let c = duplicates::score_pair(by_id[a], by_id[b]);
                println!(
                    "  MISS {v:?} {:?}",
                    c.map(|c| (c.score, c.person_score, c.content_score))
                );
                println!("     {:?} {}", by_id[a].people, by_id[a].content);
                println!("     {:?} {}", by_id[b].people, by_id[b].content);
            }
        }
    }
}
