//! The access trail over real iroh endpoints on loopback (issue 23, item 3): a township
//! laptop's trail reaches the office in a round, never another township laptop, and a
//! change to it forged by another laptop stays out of the office's copy.

mod common;

use common::*;
use fengqiao_model::Role;
use fengqiao_store::DocName;

#[test]
fn a_trail_reaches_the_office_only_and_nobody_else_writes_it() {
    let rt = runtime();
    let (da, db, dc) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let a = office(da.path());
    let b = enrolled(
        &a,
        db.path(),
        "港口镇笔记本",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    let c = enrolled(
        &a,
        dc.path(),
        "港口镇平板",
        Role::Township,
        Role::Township,
        &["港口镇"],
    );
    let secret = register(&b, "港口镇", "港口村", "张三", "检举村干部侵占集体资金");
    b.set_field(&secret, "flags.confidential", "true")
        .expect("mark");
    b.open_case(&secret).expect("open");
    let trail_b = DocName::AccessTrail {
        id: b.identity().device_id.clone(),
    };

    let (na, nb, nc) = (node(&rt, &a), node(&rt, &b), node(&rt, &c));
    let report = rt.block_on(nb.sync_with(na.addr(), ROUND)).expect("round");
    assert!(report.unfinished.is_empty(), "{}", report.summary());
    let trail = a.access_trail(None).expect("trail");
    assert_eq!(trail.entries.len(), 1, "{trail:?}");
    assert_eq!(trail.entries[0].device_id, b.identity().device_id);
    assert_eq!(trail.entries[0].entry.cases, vec![secret.clone()]);

    // Another laptop of the same township gets the case, not who opened it.
    rt.block_on(nc.sync_with(na.addr(), ROUND)).expect("round");
    assert!(numbers(&c).contains(&secret));
    assert!(c.export_document(&trail_b).expect("export").is_none());

    // A patched build on C writes into B's trail: the office keeps it out.
    let forged = forge(&c, &trail_b, "forged", "李四没有打开过");
    rt.block_on(nc.sync_with(na.addr(), ROUND)).expect("round");
    assert!(!holds(&a, &trail_b, &forged));
    let trail = a.access_trail(None).expect("trail");
    assert_eq!(trail.entries.len(), 1);
    assert!(trail.gaps.is_empty(), "{:?}", trail.gaps);

    for n in [na, nb, nc] {
        rt.block_on(n.shutdown());
    }
}
