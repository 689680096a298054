//! Handing accusations over (第三十条第三款): a township laptop that registered an
//! accusation keeps its accuser and text in a sealed outbox (the store's
//! `confidential.rs`) and gives them, on its own ALPN, to a peer its directory grants them
//! to — an office device with the confidential grant or the county server — which keeps
//! them durably in `confidential/<year>` and says so case by case; the laptop then deletes
//! its copy. Not through samod: a document synced with the receiver would be sent back
//! whole to the laptop at its next round, and the laptop must keep no copy.
//!
//! Wire (one stream per hand-over): `u32` LE length · JSON list of parts · the bytes of
//! each part's live materials in the parts' order and each part's attachment order, each
//! exactly its recorded size. The receiver checks every material against its hash before
//! it keeps anything; the reply is the JSON list of verdicts (empty: nothing was taken).
//!
//! The receiver decides from its own directory (the sender is the device the transport
//! authenticated): it takes parts only if it holds the grant, the sender is enrolled and
//! unrevoked, registered the case, and may write that township's cases.

use std::sync::Arc;
use std::time::Duration;

use fengqiao_model::Device;
use fengqiao_store::blobs::BlobHash;
use fengqiao_store::{ConfidentialPart, HandoverVerdict, Store};
use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointAddr};
use serde::Serialize;

use crate::error::SyncError;

/// The ALPN on which a laptop hands accusations over.
pub const HANDOVER_ALPN: &[u8] = b"fengqiao/handover/1";

/// The largest list of parts (an accusation is text: a few kilobytes each).
const MAX_PARTS_BYTES: usize = 16 << 20;
/// The largest reply.
const MAX_REPLY_BYTES: usize = 1 << 20;

/// How long a hand-over may take once connected.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// The receiving side.
#[derive(Clone)]
pub struct HandoverDesk {
    store: Arc<Store>,
}

impl std::fmt::Debug for HandoverDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandoverDesk")
    }
}

impl HandoverDesk {
    pub fn new(store: Arc<Store>) -> HandoverDesk {
        HandoverDesk { store }
    }
}

impl ProtocolHandler for HandoverDesk {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let device = conn.remote_id().to_string();
        while let Ok((mut send, mut recv)) = conn.accept_bi().await {
            let verdicts = match receive(&self.store, &device, &mut recv).await {
                Ok((parts, materials)) => {
                    let store = self.store.clone();
                    let from = device.clone();
                    tokio::task::spawn_blocking(move || {
                        // Every material checked and kept before any part is.
                        for (hash, bytes) in &materials {
                            store.blobs().put_verified(hash, bytes)?;
                        }
                        store.receive_handover(&from, &parts)
                    })
                    .await
                    .map_err(AcceptError::from_err)?
                    .map_err(|e| e.to_string())
                }
                Err(why) => Err(why),
            };
            let reply = match &verdicts {
                Ok(v) => {
                    let kept = v.iter().filter(|v| v.refused.is_none()).count();
                    tracing::info!(%device, kept, refused = v.len() - kept, "accusations handed over");
                    serde_json::to_vec(v).unwrap_or_default()
                }
                Err(why) => {
                    tracing::warn!(%device, error = %why, "a hand-over was not taken");
                    Vec::new()
                }
            };
            send.write_all(&reply)
                .await
                .map_err(AcceptError::from_err)?;
            send.finish().map_err(AcceptError::from_err)?;
        }
        Ok(())
    }
}

/// Reads one hand-over: the parts, then each live material's bytes, each no larger than
/// this device's cap on a file.
async fn receive(
    store: &Arc<Store>,
    device: &str,
    recv: &mut iroh::endpoint::RecvStream,
) -> Result<(Vec<ConfidentialPart>, Vec<(BlobHash, Vec<u8>)>), String> {
    let broken = |e: String| format!("移交中断：{e}");
    let mut len = [0u8; 4];
    recv.read_exact(&mut len)
        .await
        .map_err(|e| broken(e.to_string()))?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_PARTS_BYTES {
        return Err(format!("移交内容过大（{len} 字节）"));
    }
    let mut json = vec![0u8; len];
    recv.read_exact(&mut json)
        .await
        .map_err(|e| broken(e.to_string()))?;
    let parts: Vec<ConfidentialPart> =
        serde_json::from_slice(&json).map_err(|e| format!("移交内容无法解析：{e}"))?;
    let cap = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.attachment_limits())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
            .max_file_bytes
    };
    let mut materials = Vec::new();
    for a in parts.iter().flat_map(live_materials) {
        if a.size > cap {
            return Err(format!("材料 {} 超过单个附件上限", a.file_name));
        }
        let hash: BlobHash = a
            .hash
            .parse()
            .map_err(|e: fengqiao_store::blobs::BadBlobHash| e.to_string())?;
        let mut bytes = vec![0u8; a.size as usize];
        recv.read_exact(&mut bytes)
            .await
            .map_err(|e| broken(e.to_string()))?;
        materials.push((hash, bytes));
    }
    tracing::debug!(%device, parts = parts.len(), materials = materials.len(), "hand-over read");
    Ok((parts, materials))
}

/// A part's live materials, in the order they travel.
fn live_materials(part: &ConfidentialPart) -> impl Iterator<Item = &fengqiao_model::Attachment> {
    part.attachments.values().filter(|a| a.is_live())
}

/// What a hand-over did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HandoverReport {
    /// Accusations the peer kept; their copies here are deleted.
    pub handed_over: usize,
    /// Accusations the peer refused (case number, why): they wait here for the next.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<(String, String)>,
    /// Accusations still waiting here to be handed over.
    pub waiting: usize,
}

/// Hands every accusation waiting here to `peer` when this device's directory grants it
/// them; otherwise leaves them and says how many wait.
pub async fn hand_over_accusations(
    endpoint: &Endpoint,
    store: &Arc<Store>,
    peer: &EndpointAddr,
    dial_timeout: Duration,
) -> Result<HandoverReport, SyncError> {
    // Each part with its materials' bytes; a part whose material is not here stays.
    // `stuck`: parts that wait for something else first (a material's bytes, a file
    // that does not read); they are counted as waiting, never dropped.
    let (parts, materials, stuck) = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || -> Result<_, SyncError> {
            let mut parts = Vec::new();
            let mut bytes = Vec::new();
            let outbox = store.pending_handover()?;
            let mut stuck = outbox.unreadable.len();
            'parts: for part in outbox.parts {
                let mut own = Vec::new();
                for a in live_materials(&part) {
                    let found = a
                        .hash
                        .parse::<BlobHash>()
                        .ok()
                        .and_then(|h| store.blobs().get(&h).ok().flatten());
                    match found {
                        Some(b) if b.len() as u64 == a.size => own.push(b),
                        _ => {
                            tracing::warn!(case = %part.number, file = %a.file_name, "an accusation's material is not here; the part waits");
                            stuck += 1;
                            continue 'parts;
                        }
                    }
                }
                bytes.extend(own);
                parts.push(part);
            }
            Ok((parts, bytes, stuck))
        })
        .await??
    };
    let mut report = HandoverReport {
        waiting: parts.len() + stuck,
        ..HandoverReport::default()
    };
    let grants = store
        .access()
        .enrolled(&peer.id.to_string())
        .is_some_and(Device::reads_confidential);
    if parts.is_empty() || !grants {
        return Ok(report);
    }
    let id = peer.id.to_string();
    let failed = |reason: String| SyncError::Dial {
        peer: id.clone(),
        reason,
    };
    let conn = tokio::time::timeout(dial_timeout, endpoint.connect(peer.clone(), HANDOVER_ALPN))
        .await
        .map_err(|_| SyncError::DialTimeout {
            peer: id.clone(),
            seconds: dial_timeout.as_secs(),
        })?
        .map_err(|e| failed(e.to_string()))?;
    let body = serde_json::to_vec(&parts).map_err(|e| failed(e.to_string()))?;
    let exchange = async {
        let (mut send, mut recv) = conn.open_bi().await.map_err(|e| failed(e.to_string()))?;
        send.write_all(&(body.len() as u32).to_le_bytes())
            .await
            .map_err(|e| failed(e.to_string()))?;
        send.write_all(&body)
            .await
            .map_err(|e| failed(e.to_string()))?;
        for m in &materials {
            send.write_all(m).await.map_err(|e| failed(e.to_string()))?;
        }
        send.finish().map_err(|e| failed(e.to_string()))?;
        recv.read_to_end(MAX_REPLY_BYTES)
            .await
            .map_err(|e| failed(e.to_string()))
    };
    let reply = tokio::time::timeout(REPLY_TIMEOUT, exchange)
        .await
        .map_err(|_| failed("等待对方确认移交超时".into()))??;
    conn.close(0u32.into(), b"done");
    let verdicts: Vec<HandoverVerdict> = serde_json::from_slice(&reply)
        .map_err(|_| failed("对方没有接收移交（未授权或出错）".into()))?;
    let kept: Vec<_> = verdicts
        .iter()
        .filter(|v| v.refused.is_none() && parts.iter().any(|p| p.case_id == v.case_id))
        .map(|v| v.case_id)
        .collect();
    for v in &verdicts {
        if let Some(why) = &v.refused {
            let number = parts
                .iter()
                .find(|p| p.case_id == v.case_id)
                .map_or_else(|| v.case_id.to_string(), |p| p.number.clone());
            tracing::warn!(case = %number, reason = %why, "an accusation was not taken");
            report.refused.push((number, why.clone()));
        }
    }
    {
        let store = store.clone();
        let kept = kept.clone();
        tokio::task::spawn_blocking(move || store.handed_over(&kept)).await??;
    }
    report.handed_over = kept.len();
    report.waiting = parts.len() - kept.len() + stuck;
    Ok(report)
}
