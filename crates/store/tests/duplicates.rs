//! Two laptops register the same petitioner offline; after sync the office finds the pair,
//! merges it, and can undo the merge — on every replica, with nothing lost.

mod common;

use common::{pair, registration, sync};
use fengqiao_model::EventKind;
use fengqiao_store::duplicates::{MatchKind, RegistrationFlag};
use fengqiao_store::{MergeStatus, StoreError};

#[test]
fn same_petitioner_registered_on_two_laptops_is_found_merged_and_unmerged_losslessly() {
    let (_da, a, _db, b) = pair();
    // Offline: A in the village, B in the office, the same visit written down twice.
    let ca = a.add_case(registration()).expect("a registers");
    let mut second = registration();
    second.petitioners[0].name = "張三".into(); // typed in traditional characters
    second.petitioners[0].phone = "138 0000 1111".into();
    second.petitioners[0].address = "3组，西村".into();
    second.content.request = "反映宅基地界址糾紛".into();
    let cb = b.add_case(second).expect("b registers");
    a.add_note(&ca.id.to_string(), "已电话联系信访人")
        .expect("note a");
    b.add_note(&cb.id.to_string(), "信访人来电补充材料")
        .expect("note b");
    assert!(a.duplicate_candidates().expect("a alone").is_empty());

    sync(&a, &b);
    for store in [&a, &b] {
        let found = store.duplicate_candidates().expect("candidates");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].kind, MatchKind::SameCase);
        let mut pair = [found[0].a, found[0].b];
        pair.sort();
        let mut want = [ca.id, cb.id];
        want.sort();
        assert_eq!(pair, want);
    }

    // The office (王五 on B) merges A's case into its own.
    let merge = b
        .merge_cases(
            &cb.number.to_string(),
            &ca.number.to_string(),
            "同一信访人同一事项重复登记",
        )
        .expect("merge");
    assert_eq!(merge.decided.by_name, "王五");
    sync(&a, &b);
    for store in [&a, &b] {
        let list = store.list_cases(&Default::default()).expect("list");
        assert_eq!(list.len(), 1, "the absorbed case is hidden");
        assert_eq!(list[0].id, cb.id);
        let survivor = store.case(&cb.id.to_string()).expect("survivor");
        let registered = survivor
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Registered)
            .count();
        assert_eq!(registered, 2, "both histories on the survivor");
        let notes: Vec<&str> = survivor.notes.iter().map(|n| n.text.as_str()).collect();
        assert!(notes.contains(&"已电话联系信访人") && notes.contains(&"信访人来电补充材料"));
        assert_eq!(survivor.merged_from.len(), 1);
        let absorbed = store
            .case(&ca.id.to_string())
            .expect("absorbed still readable");
        assert_eq!(
            absorbed.merged_into.as_ref().map(|m| m.survivor),
            Some(cb.id)
        );
        assert_eq!(absorbed.case, ca, "the absorbed case itself is untouched");
        assert!(
            store
                .duplicate_candidates()
                .expect("after merge")
                .is_empty()
        );
    }
    // Merging it again, or merging into the absorbed case, is refused by name.
    assert!(matches!(
        b.merge_cases(&cb.id.to_string(), &ca.id.to_string(), "再次合并"),
        Err(StoreError::BadMerge(_))
    ));
    assert!(matches!(
        b.merge_cases(&cb.id.to_string(), &ca.id.to_string(), " "),
        Err(StoreError::Invalid(_))
    ));

    // 李四 on A disagrees and unmerges; both cases come back everywhere.
    let unmerge = a
        .unmerge_case(&ca.number.to_string(), "两次登记的诉求不同，应分别办理")
        .expect("unmerge");
    assert_eq!(unmerge.merge, merge.id);
    sync(&a, &b);
    for store in [&a, &b] {
        let list = store.list_cases(&Default::default()).expect("list");
        assert_eq!(list.len(), 2);
        let survivor = store.case(&cb.id.to_string()).expect("survivor");
        assert_eq!(survivor.events.len(), 1, "its own history again");
        assert_eq!(survivor.notes.len(), 1);
        assert!(survivor.merged_from.is_empty());
        assert!(
            store
                .case(&ca.id.to_string())
                .expect("a")
                .merged_into
                .is_none()
        );
        let merges = store.merges().expect("merges");
        assert_eq!(merges.len(), 1);
        assert_eq!(merges[0].status, MergeStatus::Undone);
        assert_eq!(
            merges[0]
                .unmerge
                .as_ref()
                .map(|u| u.decided.by_name.as_str()),
            Some("李四")
        );
        // The pair is offered again until someone decides.
        assert_eq!(store.duplicate_candidates().expect("again").len(), 1);
    }

    // "Not a duplicate" is replicated: the pair stops appearing on both laptops.
    b.dismiss_duplicate(
        &ca.id.to_string(),
        &cb.id.to_string(),
        "经核实为两个不同诉求",
    )
    .expect("dismiss");
    sync(&a, &b);
    for store in [&a, &b] {
        assert!(store.duplicate_candidates().expect("dismissed").is_empty());
        assert_eq!(store.dismissals().expect("list").len(), 1);
    }
}

#[test]
fn merging_the_same_pair_both_ways_offline_is_contested_not_lost() {
    let (_da, a, _db, b) = pair();
    let ca = a.add_case(registration()).expect("a");
    let cb = b.add_case(registration()).expect("b");
    sync(&a, &b);
    a.merge_cases(
        &ca.id.to_string(),
        &cb.id.to_string(),
        "A 认为应保留本机案件",
    )
    .expect("a merges");
    b.merge_cases(
        &cb.id.to_string(),
        &ca.id.to_string(),
        "B 认为应保留本机案件",
    )
    .expect("b merges");
    sync(&a, &b);
    for store in [&a, &b] {
        let merges = store.merges().expect("merges");
        let statuses: Vec<MergeStatus> = merges.iter().map(|m| m.status).collect();
        assert_eq!(statuses, [MergeStatus::Active, MergeStatus::Contested]);
        // The first merge applies on both replicas; one case stays visible.
        assert_eq!(
            store.list_cases(&Default::default()).expect("list").len(),
            1
        );
    }
    let first = a.merges().expect("m")[0].merge.clone();
    let second = b.merges().expect("m")[1].merge.clone();
    assert_eq!(
        first,
        b.merges().expect("m")[0].merge,
        "same order everywhere"
    );
    // Undoing the contested one settles it.
    b.unmerge_case(&second.id.to_string(), "与另一合并方向相反，撤销")
        .expect("unmerge contested");
    sync(&a, &b);
    let statuses: Vec<MergeStatus> = a.merges().expect("m").iter().map(|m| m.status).collect();
    assert_eq!(statuses, [MergeStatus::Active, MergeStatus::Undone]);
}

#[test]
fn a_new_registration_is_flagged_as_repeat_or_final() {
    let (_da, a, _db, b) = pair();
    let first = a.add_case(registration()).expect("first");
    sync(&a, &b);
    // Before saving (the register form) and after (case add, excluding itself).
    let matches = b.check_registration(&registration(), None).expect("check");
    assert_eq!(matches.len(), 1, "{matches:#?}");
    assert_eq!(matches[0].flag, RegistrationFlag::RepeatPetition);
    assert_eq!(matches[0].case_id, first.id);
    let again = b.add_case(registration()).expect("register anyway");
    let after = b
        .check_registration(&registration(), Some(again.id))
        .expect("check");
    assert!(after.iter().all(|m| m.case_id != again.id), "never itself");

    // Once the first case is final, the same matter is 不再受理 (第三十六条第三款).
    let today = fengqiao_store::now_cst().date_naive();
    a.add_event(
        &first.id.to_string(),
        EventKind::Finalized,
        today,
        "三级终结",
    )
    .expect("finalize");
    sync(&a, &b);
    let matches = b.check_registration(&registration(), None).expect("check");
    let on_first = matches
        .iter()
        .find(|m| m.case_id == first.id)
        .expect("first");
    assert_eq!(on_first.flag, RegistrationFlag::AlreadyFinal);

    // Another matter of the same person is only a known petitioner.
    let mut other = registration();
    other.content.request = "反映工程项目拖欠农民工工资".into();
    other.content.facts = "在县城某工地务工八个月".into();
    let matches = b.check_registration(&other, None).expect("check");
    assert!(
        matches
            .iter()
            .all(|m| m.flag == RegistrationFlag::KnownPetitioner),
        "{matches:#?}"
    );
}
