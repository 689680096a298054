//! Recovering damaged documents from a peer that holds them (`fengqiao repair`).
//!
//! A laptop whose directory file was damaged cannot sync: its gate and share policy
//! decide from the directory, which now lists nobody. So documents come over a protocol
//! of their own: an enrolled device asks, and an office device or the county server
//! (whose gate admits it, since *its* directory is whole) answers with the whole
//! directory; then any other damaged document is asked for the same way, and each of its
//! changes is vetted by its author's rights before it is written (see the store's
//! `restore.rs`). The laptop takes it only from the county server it is configured with or a
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

/// The ALPN on which a device asks a peer for a whole document it holds damaged: the
/// directory from an office device or the server, any other document from a device that
/// holds it and whose directory lets the asker read it.
pub const REPAIR_ALPN: &[u8] = b"fengqiao/repair/1";

/// The largest document accepted.
const MAX_DOCUMENT_BYTES: usize = 256 << 20;

/// The longest request (a document's name).
const MAX_REQUEST_BYTES: usize = 512;

/// The serving side: answers an enrolled device with a whole document it may read.
#[derive(Clone)]
pub struct RepairDesk {
    store: std::sync::Arc<Store>,
}

impl std::fmt::Debug for RepairDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RepairDesk")
    }
}

impl RepairDesk {
    pub fn new(store: std::sync::Arc<Store>) -> RepairDesk {
        RepairDesk { store }
    }

    fn answer(&self, device: &str, request: &[u8]) -> Result<Vec<u8>, String> {
        let name: DocName = std::str::from_utf8(request)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| "请求的不是有效的文档名".to_owned())?;
        let table = self.store.access();
        if table.enrolled(device).is_none() {
            return Err("设备未在本县目录中登记或已被吊销".into());
        }
        if name == DocName::Directory {
            // Only a device that keeps the directory hands it out whole.
            if !self.store.directory_role().is_ok_and(Role::keeps_directory) {
                return Err("本机不保管县目录".into());
            }
        } else if !table.access(device, &name).can_read() {
            return Err(format!("本县目录不允许该设备读取文档 {name}"));
        }
        match self.store.export_document(&name) {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err(format!("本机没有文档 {name}")),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl ProtocolHandler for RepairDesk {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let device = conn.remote_id().to_string();
        // One stream per document asked for, until the asker closes.
        while let Ok((mut send, mut recv)) = conn.accept_bi().await {
            let request = match recv.read_to_end(MAX_REQUEST_BYTES).await {
                Ok(r) => r,
                Err(_) => break,
            };
            let desk = self.clone();
            let id = device.clone();
            let answer = tokio::task::spawn_blocking(move || desk.answer(&id, &request))
                .await
                .map_err(AcceptError::from_err)?;
            // One byte says which: 0 the document follows, 1 a reason follows.
            let (tag, body) = match answer {
                Ok(bytes) => {
                    tracing::info!(%device, "handed a whole document to a device repairing its own");
                    (0u8, bytes)
                }
                Err(reason) => (1u8, reason.into_bytes()),
            };
            send.write_all(&[tag])
                .await
                .map_err(AcceptError::from_err)?;
            send.write_all(&body).await.map_err(AcceptError::from_err)?;
            send.finish().map_err(AcceptError::from_err)?;
        }
        Ok(())
    }
}

/// One document a repair could not put right, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NotRepaired {
    pub document: String,
    pub reason: String,
}

/// What a repair did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RepairReport {
    pub from: String,
    /// Whether the directory was damaged and fetched whole.
    pub directory_repaired: bool,
    pub devices: usize,
    /// The other documents put right from the peer's copies.
    pub documents: Vec<fengqiao_store::Restored>,
    /// Documents still damaged: the repair is incomplete.
    pub not_repaired: Vec<NotRepaired>,
}

/// Repairs what is damaged in `store` from `peer` (or, with `None`, the configured county
/// server): first the directory, fetched whole (nothing can be decided without it), then
/// every other document a read cannot see whole. Blocking: call it outside an async
/// runtime (the store blocks on its own).
pub fn repair(
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
    // synced with (a damaged directory can no longer say who is who).
    let known = settings.server.as_ref().is_some_and(|s| s.id == peer.id)
        || PeerBook::load(store.data())?
            .peers
            .contains_key(&peer.id.to_string());
    if !known {
        return Err(refused(format!(
            "设备 {} 不是本机的县服务器，也没有与本机同步过：不从它修复",
            peer.id.fmt_short()
        )));
    }
    let directory_damaged = store.directory_damage()?.is_some();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SyncError::Task(e.to_string()))?;
    let key = store.device_secret_key().clone();
    let endpoint = rt.block_on(async {
        Endpoint::builder(presets::Minimal)
            .secret_key(key)
            .portmapper_config(PortmapperConfig::Disabled)
            .relay_mode(RelayMode::Disabled)
            .bind()
            .await
            .map_err(|e| SyncError::Bind {
                addr: "0.0.0.0:0".into(),
                reason: e.to_string(),
            })
    })?;
    let result = (|| {
        let conn = rt.block_on(connect(&endpoint, peer.clone()))?;
        let from = peer.id.to_string();
        if directory_damaged {
            let bytes = rt.block_on(fetch(&conn, &from, &DocName::Directory))?;
            Store::check_document_bytes(&DocName::Directory, &bytes)?;
            let county = &store.identity().county;
            let table = fengqiao_store::AccessTable::from_directory_bytes(county, &bytes)?;
            if table.enrolled(&store.identity().device_id).is_none() {
                return Err(refused(
                    "对方的县目录中没有本机（或本机已被吊销）：无法恢复".into(),
                ));
            }
            store.import_document(&DocName::Directory, &bytes)?;
        }
        let mut documents = Vec::new();
        let mut not_repaired = Vec::new();
        let damaged = store.damaged_documents()?;
        for name in Store::documents_to_restore(&damaged) {
            let restored = rt
                .block_on(fetch(&conn, &from, &name))
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    store
                        .restore_document(&name, &from, &bytes)
                        .map_err(|e| e.to_string())
                });
            match restored {
                Ok(r) => documents.push(r),
                Err(reason) => not_repaired.push(NotRepaired {
                    document: name.to_string(),
                    reason,
                }),
            }
        }
        conn.close(0u32.into(), b"done");
        Ok(RepairReport {
            from,
            directory_repaired: directory_damaged,
            devices: store.devices()?.len(),
            documents,
            not_repaired,
        })
    })();
    rt.block_on(endpoint.close());
    result
}

async fn connect(endpoint: &Endpoint, peer: EndpointAddr) -> Result<Connection, SyncError> {
    let id = peer.id.to_string();
    tokio::time::timeout(Duration::from_secs(15), endpoint.connect(peer, REPAIR_ALPN))
        .await
        .map_err(|_| SyncError::DialTimeout {
            peer: id.clone(),
            seconds: 15,
        })?
        .map_err(|e| SyncError::Dial {
            peer: id.clone(),
            reason: e.to_string(),
        })
}

/// Asks the peer for one whole document.
async fn fetch(conn: &Connection, peer: &str, name: &DocName) -> Result<Vec<u8>, SyncError> {
    let failed = |e: String| SyncError::Dial {
        peer: peer.to_owned(),
        reason: e,
    };
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| failed(e.to_string()))?;
    send.write_all(name.to_string().as_bytes())
        .await
        .map_err(|e| failed(e.to_string()))?;
    send.finish().map_err(|e| failed(e.to_string()))?;
    let reply = tokio::time::timeout(
        Duration::from_secs(120),
        recv.read_to_end(MAX_DOCUMENT_BYTES + 1),
    )
    .await
    .map_err(|_| failed("等待对方回复超时".into()))?
    .map_err(|e| failed(e.to_string()))?;
    match reply.split_first() {
        Some((0, document)) => Ok(document.to_vec()),
        Some((_, reason)) => Err(SyncError::Refused {
            reason: String::from_utf8_lossy(reason).into_owned(),
        }),
        None => Err(failed("对方没有回复".into())),
    }
}
