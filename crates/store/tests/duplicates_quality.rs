//! Duplicate detection on a generated county with planted duplicates: the goal is
//! recall ≥ 0.95 at precision ≥ 0.9. The figures for the closing note come from
//! `cargo run --release -p fengqiao-store --example duplicate_quality`.

use fengqiao_store::demo::planted;
use fengqiao_store::duplicates::{self, MatchKind};

#[test]
fn planted_duplicates_are_found_with_the_goal_precision_and_recall() {
    let set = planted::planted(11, 3_000, 300);
    let found = duplicates::find_candidates(&set.profiles, |_, _| false);
    let q = duplicates::quality(&found, &set.duplicates);
    let missed: Vec<_> = set
        .variants
        .iter()
        .filter(|(pair, _)| {
            !found
                .iter()
                .any(|c| c.pair() == *pair && c.kind == MatchKind::SameCase)
        })
        .map(|(_, v)| v.clone())
        .collect();
    assert!(q.recall >= 0.95, "{q:?}; missed variants: {missed:?}");
    assert!(q.precision >= 0.9, "{q:?}");
    // The planted hard negatives (same person, other matter; namesakes) are not the same case.
    let wrong = found
        .iter()
        .filter(|c| c.kind == MatchKind::SameCase && set.hard_negatives.contains(&c.pair()))
        .count();
    assert!(
        wrong * 20 <= set.hard_negatives.len(),
        "{wrong} of {} hard negatives reported as the same case",
        set.hard_negatives.len()
    );
}

#[test]
fn every_variant_alone_is_found() {
    // One variant at a time, so a regression in one normalisation shows by name.
    let set = planted::planted(5, 1_000, 200);
    let found = duplicates::find_candidates(&set.profiles, |_, _| false);
    for variant in planted::VARIANTS {
        let with: Vec<_> = set
            .variants
            .iter()
            .filter(|(_, v)| v.len() == 1 && v[0] == *variant)
            .collect();
        let hits = with
            .iter()
            .filter(|(pair, _)| {
                found
                    .iter()
                    .any(|c| c.pair() == *pair && c.kind == MatchKind::SameCase)
            })
            .count();
        assert_eq!(
            hits,
            with.len(),
            "{variant:?}: {hits} of {} found",
            with.len()
        );
    }
}
