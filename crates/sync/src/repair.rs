//! Recovering a damaged county directory from a peer that holds it (`fengqiao repair`).
//!
//! A laptop whose directory file was damaged cannot sync: its gate and share policy
//! decide from the directory, which now lists nobody. So the directory comes over a
//! protocol of its own: an enrolled device asks, and an office device or the county
//! server (whose gate admits it, since *its* directory is whole) answers with the whole
//! document. The laptop takes it only from the county server it is configured with or a
//! peer it has synced with before, only for its own county, and only if the directory
//! still enrols it; the document then merges into what the laptop has (its own writer
//! actors never collide with what it wrote before, so nothing is refused as a duplicate).

use std::time::Duration;

use fengqiao_model::Role;
use fengqiao_store::{DocName, Store};
use iroh::endpoint::{Connection, PortmapperConfig, presets};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointAddr, RelayMode};

use crate::error::SyncError;
use crate::settings::{PeerBook, SyncSettings};

/// The ALPN on which office devices and the server hand their directory to an enrolled
/// device.
pub const DIRECTORY_ALPN: &[u8] = b"fengqiao/directory/1";

/// The largest directory accepted.
const MAX_DIRECTORY_BYTES: usize = 64 << 20;

/// The serving side: answers an enrolled device with the directory, if this device
/// keeps the county's directory (office or server).
#[derive(Clone)]
pub struct DirectoryDesk {
    store: std::sync::Arc<Store>,
}

impl std::fmt::Debug for DirectoryDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DirectoryDesk")
    }
}

impl DirectoryDesk {
    pub fn new(store: std::sync::Arc<Store>) -> DirectoryDesk {
        DirectoryDesk { store }
    }

    fn answer(&self, device: &str) -> Result<Vec<u8>, String> {
        if !matches!(
            self.store.directory_role(),
            Ok(Role::Office | Role::Server | Role::Admin)
        ) {
            return Err("本机不保管县目录".into());
        }
        if self.store.access().enrolled(device).is_none() {
            return Err("设备未在本县目录中登记或已被吊销".into());
        }
        match self.store.export_document(&DocName::Directory) {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err("本机没有目录文档".into()),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl ProtocolHandler for DirectoryDesk {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let device = conn.remote_id().to_string();
        let (mut send, _recv) = conn.accept_bi().await?;
        let desk = self.clone();
        let id = device.clone();
        let answer = tokio::task::spawn_blocking(move || desk.answer(&id))
            .await
            .map_err(AcceptError::from_err)?;
        // One byte says which: 0 the directory follows, 1 a reason follows.
        let (tag, body) = match answer {
            Ok(bytes) => {
                tracing::info!(%device, "handed the directory to a device repairing its own");
                (0u8, bytes)
            }
            Err(reason) => (1u8, reason.into_bytes()),
        };
        send.write_all(&[tag])
            .await
            .map_err(AcceptError::from_err)?;
        send.write_all(&body).await.map_err(AcceptError::from_err)?;
        send.finish().map_err(AcceptError::from_err)?;
        let _ = tokio::time::timeout(Duration::from_secs(30), conn.closed()).await;
        Ok(())
    }
}

/// What a repair did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RepairReport {
    pub from: String,
    pub bytes: usize,
    pub devices: usize,
}

/// Fetches the directory from `peer` (or, with `None`, the configured county server)
/// and merges it into `store`'s. Blocking: call it outside an async runtime (the store
/// blocks on its own).
pub fn repair_directory(
    store: &Store,
    settings: &SyncSettings,
    peer: Option<EndpointAddr>,
) -> Result<RepairReport, SyncError> {
    let refused = |reason: String| SyncError::Refused { reason };
    let peer = match peer {
        Some(p) => p,
        None => settings
            .server
            .as_ref()
            .map(|s| s.endpoint_addr())
            .ok_or_else(|| {
                refused("没有配置县同步服务器：请用 --peer 给出信访局设备或服务器的配对码".into())
            })?,
    };
    // Only from a source this laptop already trusted: its county server, or a peer it
    // synced with (the damaged directory can no longer say who is who).
    let known = settings.server.as_ref().is_some_and(|s| s.id == peer.id)
        || PeerBook::load(store.data_dir())?
            .peers
            .contains_key(&peer.id.to_string());
    if !known {
        return Err(refused(format!(
            "设备 {} 不是本机的县服务器，也没有与本机同步过：不从它恢复目录",
            peer.id.fmt_short()
        )));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SyncError::Task(e.to_string()))?;
    let key = store.device_secret_key().clone();
    let bytes = rt.block_on(async {
        let endpoint = Endpoint::builder(presets::Minimal)
            .secret_key(key)
            .portmapper_config(PortmapperConfig::Disabled)
            .relay_mode(RelayMode::Disabled)
            .bind()
            .await
            .map_err(|e| SyncError::Bind {
                addr: "0.0.0.0:0".into(),
                reason: e.to_string(),
            })?;
        let result = fetch(&endpoint, peer.clone()).await;
        endpoint.close().await;
        result
    })?;
    Store::check_document_bytes(&DocName::Directory, &bytes)?;
    let county = &store.identity().county;
    let table = fengqiao_store::AccessTable::from_directory_bytes(county, &bytes)?;
    if table.enrolled(&store.identity().device_id).is_none() {
        return Err(refused(
            "对方的县目录中没有本机（或本机已被吊销）：无法恢复".into(),
        ));
    }
    store.import_document(&DocName::Directory, &bytes)?;
    Ok(RepairReport {
        from: peer.id.to_string(),
        bytes: bytes.len(),
        devices: store.devices()?.len(),
    })
}

async fn fetch(endpoint: &Endpoint, peer: EndpointAddr) -> Result<Vec<u8>, SyncError> {
    let id = peer.id.to_string();
    let conn = tokio::time::timeout(
        Duration::from_secs(15),
        endpoint.connect(peer, DIRECTORY_ALPN),
    )
    .await
    .map_err(|_| SyncError::DialTimeout {
        peer: id.clone(),
        seconds: 15,
    })?
    .map_err(|e| SyncError::Dial {
        peer: id.clone(),
        reason: e.to_string(),
    })?;
    let failed = |e: String| SyncError::Dial {
        peer: id.clone(),
        reason: e,
    };
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| failed(e.to_string()))?;
    // The peer answers once the stream is open; an empty write opens it.
    send.write_all(&[])
        .await
        .map_err(|e| failed(e.to_string()))?;
    send.finish().map_err(|e| failed(e.to_string()))?;
    let reply = tokio::time::timeout(
        Duration::from_secs(60),
        recv.read_to_end(MAX_DIRECTORY_BYTES + 1),
    )
    .await
    .map_err(|_| failed("等待对方回复超时".into()))?
    .map_err(|e| failed(e.to_string()))?;
    conn.close(0u32.into(), b"done");
    match reply.split_first() {
        Some((0, directory)) => Ok(directory.to_vec()),
        Some((_, reason)) => Err(SyncError::Refused {
            reason: String::from_utf8_lossy(reason).into_owned(),
        }),
        None => Err(failed("对方没有回复".into())),
    }
}
