//! What a round exchanges and when a document counts as exchanged: the documents a
//! device opens for a round (the catalogue and what it holds), and the wait until each
//! side has the other's changes as far as the rules allow (changes the peer will refuse
//! are not waited for).

use std::time::Duration;

use fengqiao_store::{Access, AccessTable, DocName, Store};
use samod::{ConnectionId, DocHandle};

use crate::error::SyncError;

pub(crate) fn open_documents(store: &Store) -> Result<Vec<(DocName, DocHandle)>, SyncError> {
    let table = store.access();
    let me = store.identity().device_id.clone();
    let mut out = Vec::new();
    for name in store.catalogue()? {
        let may_hold = table.access(&me, &name).can_read() || my_role_holds_everything(store);
        if let Some(handle) = store.document_handle(&name, may_hold)? {
            out.push((name, handle));
        }
    }
    Ok(out)
}

fn my_role_holds_everything(store: &Store) -> bool {
    store
        .directory_role()
        .is_ok_and(fengqiao_model::Role::holds_every_document)
}

/// Waits until the document is exchanged on `conn` as far as the rules let it be:
/// their changes here when we take them, ours there when they take them. Returns
/// whether it finished (it never fails; the round's deadline bounds it).
/// Whether our changes to a document flow to a peer: we may write it, it may read it.
pub(crate) fn gives_ours(ours: Access, theirs: Access) -> bool {
    ours == Access::ReadWrite && theirs.can_read()
}

/// Whether a peer's changes to a document flow to us.
pub(crate) fn takes_theirs(ours: Access, theirs: Access) -> bool {
    gives_ours(theirs, ours)
}

pub(crate) async fn wait_exchanged(
    handle: DocHandle,
    conn: ConnectionId,
    theirs: Access,
    ours: Access,
    refusable: impl Fn(&DocHandle) -> bool,
) -> bool {
    if takes_theirs(ours, theirs) {
        handle.we_have_their_changes(conn).await;
    }
    if gives_ours(ours, theirs) {
        let acknowledged = handle.they_have_our_changes(conn);
        tokio::pin!(acknowledged);
        loop {
            tokio::select! {
                _ = &mut acknowledged => break,
                _ = tokio::time::sleep(REFUSABLE_CHECK) => {
                    if refusable(&handle) {
                        break;
                    }
                }
            }
        }
    }
    true
}

/// How often a round checks whether all the peer still lacks is what it will refuse.
const REFUSABLE_CHECK: Duration = Duration::from_millis(200);

/// Whether every change of ours that the peer has not acknowledged on `conn` is one its
/// directory (as ours says it, now) will refuse: a change by a revoked device, say, that
/// we took before we heard of the revocation. The peer never acknowledges those, so
/// waiting for them would only run the round to its deadline.
pub(crate) fn only_refusable_left(
    handle: &DocHandle,
    conn: ConnectionId,
    table: &AccessTable,
    name: &DocName,
    me: &str,
) -> bool {
    let (states, _) = handle.peers();
    let Some(their_heads) = states.get(&conn).and_then(|s| s.their_heads.clone()) else {
        return false;
    };
    handle.with_document(|d| {
        let lacking = d.get_changes_meta(&their_heads);
        !lacking.is_empty()
            && lacking.iter().all(|c| {
                fengqiao_store::authority::author_verdict(table, name, &c.actor, me).is_err()
            })
    })
}
