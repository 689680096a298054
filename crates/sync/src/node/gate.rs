//! Who is let in: every connection is checked against the directory right after the
//! handshake, and connections of a device the directory stops admitting are cut.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use fengqiao_store::AccessTable;
use iroh::EndpointId;
use iroh::endpoint::{AfterHandshakeOutcome, Connection, EndpointHooks, WeakConnectionHandle};
use tokio::sync::watch;

use super::NodeStats;
use crate::enrol::ENROL_ALPN;

/// QUIC close code for a peer the directory does not admit.
const NOT_ENROLLED: u32 = 403;

/// QUIC close code and reason for a device the directory has revoked: distinct from
/// "not enrolled", so the dialing device can tell its user it was revoked
/// ([`SyncError::Revoked`]) rather than that it never belonged.
const REVOKED: u32 = 410;
const REVOKED_REASON: &[u8] = b"device revoked by the county";

/// How the reason shows in the dialing side's connection error.
pub(super) const REVOKED_MARK: &str = "device revoked by the county";

/// Live connections by peer, so a revocation can cut them at once.
#[derive(Debug, Default, Clone)]
pub(super) struct LiveConnections(Arc<Mutex<HashMap<EndpointId, Vec<WeakConnectionHandle>>>>);

impl LiveConnections {
    pub(super) fn add(&self, conn: &Connection) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(conn.remote_id()).or_default();
        list.retain(|w| w.upgrade().is_some());
        list.push(conn.weak_handle());
    }

    /// Peers with at least one open connection.
    pub(super) fn connected(&self) -> usize {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.values()
            .filter(|handles| handles.iter().any(|w| w.upgrade().is_some()))
            .count()
    }

    /// Closes every connection of a peer the table no longer admits.
    pub(super) fn cut_unadmitted(&self, table: &AccessTable) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|id, handles| {
            if table.enrolled(&id.to_string()).is_some() {
                return true;
            }
            let (code, reason) = refusal(table, &id.to_string());
            for conn in handles.iter().filter_map(|w| w.upgrade()) {
                tracing::warn!(peer = %id, "device revoked; closing its connection");
                conn.close(code.into(), reason);
            }
            false
        });
    }
}

/// Admits a connection only when the directory enrols the remote device (enrolment
/// itself excepted, which proves itself with a one-time token). An unknown device is
/// closed right after the handshake, before a single byte of any document.
#[derive(Debug, Clone)]
pub(super) struct Gate {
    pub(super) table: watch::Receiver<Arc<AccessTable>>,
    pub(super) stats: Arc<NodeStats>,
}

impl EndpointHooks for Gate {
    async fn after_handshake<'a>(&'a self, conn: &'a Connection) -> AfterHandshakeOutcome {
        if conn.alpn() == ENROL_ALPN {
            return AfterHandshakeOutcome::accept();
        }
        let remote = conn.remote_id().to_string();
        if self.table.borrow().enrolled(&remote).is_some() {
            AfterHandshakeOutcome::accept()
        } else {
            tracing::warn!(peer = %remote, "refused a device the directory does not enrol");
            self.stats
                .refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (code, reason) = refusal(&self.table.borrow(), &remote);
            AfterHandshakeOutcome::Reject {
                error_code: code.into(),
                reason: reason.to_vec(),
            }
        }
    }
}

/// The close code and reason for a device the table does not admit.
fn refusal(table: &AccessTable, device: &str) -> (u32, &'static [u8]) {
    match table.device(device) {
        Some(d) if d.revoked => (REVOKED, REVOKED_REASON),
        _ => (NOT_ENROLLED, b"device not enrolled in this county"),
    }
}
