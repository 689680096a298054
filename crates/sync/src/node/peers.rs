//! The peers this device remembers, and the address it gives out in a pairing ticket.

use fengqiao_store::Store;
use iroh::endpoint::presets;
use iroh::{Endpoint, EndpointAddr, EndpointId, RelayMode};

use crate::error::SyncError;
use crate::settings::{PeerBook, SyncSettings};

/// Where this device can be reached, for a pairing ticket: its key, `extra` addresses
/// (e.g. this machine's LAN addresses), the configured listen address when it names one
/// interface, and the county relay.
pub fn device_addr(
    store: &Store,
    settings: &SyncSettings,
    extra: &[std::net::SocketAddr],
) -> EndpointAddr {
    let mut addr = EndpointAddr::new(store.device_public_key());
    for a in extra {
        addr = addr.with_ip_addr(*a);
    }
    if extra.is_empty() && !settings.listen.ip().is_unspecified() {
        addr = addr.with_ip_addr(settings.listen);
    }
    if let Some(relay) = &settings.relay {
        addr = addr.with_relay_url(relay.clone());
    }
    addr
}

/// This machine's IP addresses on every interface, for a pairing ticket when the device
/// listens everywhere: a throwaway endpoint with no relay is bound and asked.
pub async fn local_ip_addrs() -> Result<Vec<std::net::SocketAddr>, SyncError> {
    let probe = Endpoint::builder(presets::Minimal)
        .relay_mode(RelayMode::Disabled)
        .bind()
        .await
        .map_err(|e| SyncError::Bind {
            addr: "0.0.0.0:0".into(),
            reason: e.to_string(),
        })?;
    let addrs = probe.addr().ip_addrs().copied().collect();
    probe.close().await;
    Ok(addrs)
}

/// Every peer worth dialling from what this device remembers: the county server first,
/// then each enrolled (unrevoked) peer of the peer book at its last known address.
pub fn remembered_peers(
    store: &Store,
    settings: &SyncSettings,
) -> Result<Vec<EndpointAddr>, SyncError> {
    let book = PeerBook::load(store.data())?;
    let table = store.access();
    let mut out: Vec<EndpointAddr> = Vec::new();
    if let Some(server) = &settings.server {
        out.push(server.endpoint_addr());
    }
    for (id, record) in &book.peers {
        let Ok(id) = id.parse::<EndpointId>() else {
            continue;
        };
        if table.enrolled(&id.to_string()).is_some() && !out.iter().any(|a| a.id == id) {
            out.push(record.endpoint_addr(id));
        }
    }
    Ok(out)
}
