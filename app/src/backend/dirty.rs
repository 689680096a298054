//! What the store thread must send again: a write or a sync round says which data changed
//! ([`Changed`]), one table says which views show that data ([`Changed::views`]), and the
//! loop sends each dirty view once. Duplicate detection (seconds at county scale) reruns
//! only when cases, decisions or the directory changed, not after every round.

use std::collections::{BTreeMap, BTreeSet};

use fengqiao_store::{DocName, Store, StoreError};

/// A view model the store thread sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum View {
    // In sending order: the quick ones first, then the clocks 今日 shows, then duplicate
    // detection (seconds at county scale: at the first start of the demo county it held
    // 今日's clocks back by 1.6 s), the open case last.
    Welcome,
    Directory,
    Cases,
    ThisWeek,
    Roster,
    Visits,
    Intake,
    Sync,
    Clocks,
    Conflicts,
    OpenCase,
}

impl View {
    /// Every view: what a full refresh sends.
    pub const ALL: [View; 11] = [
        View::Welcome,
        View::Directory,
        View::Cases,
        View::ThisWeek,
        View::Roster,
        View::Visits,
        View::Intake,
        View::Sync,
        View::Clocks,
        View::Conflicts,
        View::OpenCase,
    ];
}

/// What a write or a round changed, by the kind of document it touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Changed {
    /// Units and their kinds, people, devices, leaders, holiday notices, the county's law
    /// settings: nearly every view reads some of it.
    Directory,
    Cases,
    /// Merges, unmerges and dismissals of duplicates.
    Decisions,
    Roster,
    Visits,
    Intake,
    /// A device's own report (attestations): no view shows it.
    DeviceReport,
    /// A device's access trail: 设置 shows it to the office (in the directory's model).
    AccessTrail,
}

impl Changed {
    /// The views that show this data.
    pub fn views(self) -> &'static [View] {
        use View::*;
        match self {
            Changed::Directory => &[
                Welcome, Directory, Cases, Conflicts, ThisWeek, Roster, Visits, Intake, Sync,
                Clocks, OpenCase,
            ],
            Changed::Cases => &[Cases, Conflicts, Clocks, OpenCase],
            Changed::Decisions => &[Cases, Conflicts, Clocks, OpenCase],
            Changed::Roster => &[Directory, ThisWeek, Roster],
            Changed::Visits => &[Visits],
            Changed::Intake => &[Intake],
            Changed::DeviceReport => &[],
            Changed::AccessTrail => &[Directory],
        }
    }

    /// The kind of data a document holds.
    pub fn of(doc: &DocName) -> Changed {
        match doc {
            DocName::Directory => Changed::Directory,
            // An accusation's part kept apart shows on its case page.
            DocName::Cases { .. } | DocName::Confidential { .. } => Changed::Cases,
            DocName::Visits { .. } => Changed::Visits,
            DocName::Roster { .. } => Changed::Roster,
            DocName::Decisions { .. } => Changed::Decisions,
            DocName::Intake { .. } => Changed::Intake,
            DocName::Device { .. } => Changed::DeviceReport,
            DocName::AccessTrail { .. } => Changed::AccessTrail,
        }
    }
}

/// The views to send again.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dirty(BTreeSet<View>);

impl Dirty {
    pub fn mark(&mut self, view: View) {
        self.0.insert(view);
    }

    pub fn changed(&mut self, data: Changed) {
        self.0.extend(data.views());
    }

    pub fn all(&mut self) {
        self.0.extend(View::ALL);
    }

    #[cfg(test)]
    pub fn contains(&self, view: View) -> bool {
        self.0.contains(&view)
    }

    /// The dirty views in sending order, leaving the set clean.
    pub fn take(&mut self) -> Vec<View> {
        std::mem::take(&mut self.0).into_iter().collect()
    }
}

/// The heads of every document this laptop holds: compared before and after a round or a
/// bundle, it says which documents changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Heads(BTreeMap<DocName, Vec<String>>);

impl Heads {
    pub fn of(store: &Store) -> Result<Heads, StoreError> {
        let mut heads = BTreeMap::new();
        for name in store.catalogue()? {
            if let Some(h) = store.document_heads(&name)? {
                heads.insert(name, h);
            }
        }
        Ok(Heads(heads))
    }

    /// What changed from `before` to `self`: documents new, gone or with other heads.
    pub fn changed_since(&self, before: &Heads) -> BTreeSet<Changed> {
        let names: BTreeSet<&DocName> = self.0.keys().chain(before.0.keys()).collect();
        names
            .into_iter()
            .filter(|n| self.0.get(*n) != before.0.get(*n))
            .map(Changed::of)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(docs: &[(&str, &str)]) -> Heads {
        Heads(
            docs.iter()
                .map(|(name, h)| {
                    (
                        name.parse::<DocName>().expect("a document name"),
                        vec![(*h).to_owned()],
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn a_round_that_moved_only_the_roster_leaves_duplicates_alone() {
        let before = heads(&[
            ("directory", "a1"),
            ("cases/gangkou/2026-Q4", "b1"),
            ("roster/2026", "c1"),
        ]);
        let after = heads(&[
            ("directory", "a1"),
            ("cases/gangkou/2026-Q4", "b1"),
            ("roster/2026", "c2"),
        ]);
        let changed = after.changed_since(&before);
        assert_eq!(changed, BTreeSet::from([Changed::Roster]));
        let mut dirty = Dirty::default();
        changed.into_iter().for_each(|c| dirty.changed(c));
        assert!(!dirty.contains(View::Conflicts), "{dirty:?}");
        assert!(!dirty.contains(View::Clocks), "{dirty:?}");
        assert!(dirty.contains(View::ThisWeek), "{dirty:?}");
    }

    #[test]
    fn new_cases_from_a_peer_recompute_duplicates_and_clocks() {
        let before = heads(&[("directory", "a1")]);
        let after = heads(&[("directory", "a1"), ("cases/gangkou/2026-Q4", "b1")]);
        let mut dirty = Dirty::default();
        for c in after.changed_since(&before) {
            dirty.changed(c);
        }
        assert_eq!(
            dirty.take(),
            vec![View::Cases, View::Clocks, View::Conflicts, View::OpenCase]
        );
        assert_eq!(dirty.take(), Vec::<View>::new(), "taking leaves it clean");
    }

    #[test]
    fn every_view_is_shown_by_some_data() {
        let shown: BTreeSet<View> = [
            Changed::Directory,
            Changed::Cases,
            Changed::Decisions,
            Changed::Roster,
            Changed::Visits,
            Changed::Intake,
        ]
        .into_iter()
        .flat_map(|c| c.views().iter().copied())
        .collect();
        assert_eq!(shown, View::ALL.into_iter().collect());
    }
}
