//! Attachments' bytes between devices, on their own ALPN over the node's one endpoint.
//!
//! A round exchanges the documents first, then opens a blob connection to the same peer
//! (so a large file never holds up the records). Both ends of that connection ask and
//! answer: the dialer offers the hashes it holds that the peer may read, fetches what its
//! own records name and it lacks, and waits (within the round's time) until the peer has
//! fetched what it wanted of the offer. That is how the county server stores and forwards:
//! laptop A's round leaves A's new photo on the server, laptop B's round takes it from
//! there.
//!
//! Every answer is decided by the serving device's own directory: a device gets a blob
//! only if it may read a document held here that refers to it ([`Store::may_serve_blob`]);
//! knowing a hash is not enough. The serving side reads the file a block ahead of the
//! network; the receiving side hands blocks to a thread that writes and hashes them into
//! the partial transfer as they come ([`Arriving`]), so an interrupted transfer resumes
//! from where it stopped, a whole one is kept the moment its last byte is in, and nothing
//! becomes a blob unless the whole hashes right. A mismatch is refused, named in the
//! round's report, and the rest of the round stands.
//!
//! Why not `iroh-blobs`: it keeps its own store of plain files and serves any hash it
//! holds to whoever asks. Ours must stay sealed at rest in an encrypted data directory and
//! be served only after a per-document read check against our directory, so the bytes go
//! through `fengqiao_store::blobs` and this small protocol instead.
//!
//! Wire format. Each request is one bi-stream whose send side the asker finishes:
//! `GET` (tag 0) + 32-byte hash + offset (u64 BE); `OFFER` (tag 1) + n × 32-byte hashes;
//! `DONE` (tag 2, "I have fetched all I wanted"). A `GET` is answered with one tag byte:
//! `SENDING` (0) + total length (u64 BE) + the bytes from the offset to the end;
//! `REFUSED` (1) or `ABSENT` (2) + a reason in UTF-8. `OFFER` and `DONE` are answered
//! with a single 0.

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use fengqiao_store::blobs::{Arriving, BlobHash, Outgoing};
use fengqiao_store::{Store, StoreError};
use iroh::endpoint::{Connection, RecvStream, SendStream};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointAddr};
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use crate::error::SyncError;

/// The ALPN of attachments' bytes.
pub const BLOB_ALPN: &[u8] = b"fengqiao/blobs/1";

const GET: u8 = 0;
const OFFER: u8 = 1;
const DONE: u8 = 2;

const SENDING: u8 = 0;
const REFUSED: u8 = 1;
const ABSENT: u8 = 2;

/// The longest request: an offer of a quarter of a million hashes.
const MAX_REQUEST_BYTES: usize = 8 << 20;
/// The longest reason a refusal gives.
const MAX_REASON_BYTES: usize = 4096;
/// No blob is accepted that claims to be larger (the county's cap is far below).
const MAX_BLOB_BYTES: u64 = 4 << 30;
/// Bytes received are handed to the writing thread in blocks this large: big enough for
/// BLAKE3's wide instructions and few writes, small enough to keep the disk busy early.
const BLOCK_BYTES: usize = 1 << 20;
/// Blocks in flight to the writing thread before the network side waits for it.
const BLOCKS_QUEUED: usize = 8;
/// How the serving side cuts a blob for writing.
const WRITE_CHUNK: usize = 1 << 20;
/// How long the answering side of a connection waits for the asker's offer.
const OFFER_WAIT: Duration = Duration::from_secs(30);
/// How long the answering side waits for an offered blob's record to show up in its own
/// documents (a county server's township shard hands changes on to the county store a
/// moment after the round).
const RECORD_WAIT: Duration = Duration::from_secs(5);
/// How long the answering side gives itself to fetch what it wanted of an offer.
const PULL_BUDGET: Duration = Duration::from_secs(600);

/// Where a device's blobs are served from: its store, normally.
pub trait BlobSource: Send + Sync {
    /// Whether `device` may have the blob's bytes from here.
    fn may_serve(&self, device: &str, hash: &BlobHash) -> Result<bool, StoreError>;
    /// The blob's whole length and its bytes from `offset` on; `None` when not here.
    fn read_from(&self, hash: &BlobHash, offset: u64) -> Result<Option<Outgoing>, StoreError>;
}

impl BlobSource for Store {
    fn may_serve(&self, device: &str, hash: &BlobHash) -> Result<bool, StoreError> {
        self.may_serve_blob(device, hash)
    }

    fn read_from(&self, hash: &BlobHash, offset: u64) -> Result<Option<Outgoing>, StoreError> {
        self.blobs().open_to_send(hash, offset)
    }
}

/// What a node serves blobs from: its store, unless something else was put in its
/// place ([`crate::SyncNode::set_blob_source`]).
#[derive(Clone)]
pub(crate) struct Sources {
    store: Arc<Store>,
    instead: Arc<Mutex<Option<Arc<dyn BlobSource>>>>,
}

impl Sources {
    pub(crate) fn new(store: Arc<Store>) -> Sources {
        Sources {
            store,
            instead: Arc::default(),
        }
    }

    pub(crate) fn set(&self, source: Option<Arc<dyn BlobSource>>) {
        *self.instead.lock().unwrap_or_else(|p| p.into_inner()) = source;
    }

    fn current(&self) -> Arc<dyn BlobSource> {
        let instead = self
            .instead
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        instead.unwrap_or_else(|| self.store.clone() as Arc<dyn BlobSource>)
    }
}

/// What moved of attachments' bytes in a round with one peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BlobReport {
    /// Blobs fetched whole and stored.
    pub fetched: usize,
    /// Bytes of blobs received (a resumed transfer counts only what came this time).
    pub bytes_received: u64,
    /// Blobs the peer would not hand over, and why.
    pub refused: Vec<BlobRefusal>,
    /// Blobs whose bytes did not match their hash: refused, nothing stored.
    pub damaged: Vec<String>,
    /// Blobs whose transfer did not finish (kept as partials; the next round resumes).
    pub unfinished: Vec<String>,
    /// Blobs this device lacks that the peer does not hold either.
    pub absent: usize,
    /// Blobs this device sent whole to the peer.
    pub sent: usize,
    /// The peer had not finished fetching what it wanted from this device when the
    /// round's time ran out.
    pub peer_unfinished: bool,
}

/// A blob the peer refused to hand over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlobRefusal {
    pub hash: String,
    pub reason: String,
}

impl BlobReport {
    /// Whether every blob that could move did (refusals and blobs nobody has aside).
    pub fn complete(&self) -> bool {
        self.unfinished.is_empty() && !self.peer_unfinished
    }

    /// Whether anything happened worth a line.
    pub fn is_empty(&self) -> bool {
        *self == BlobReport::default()
    }

    fn record(&mut self, hash: &BlobHash, outcome: Fetched) {
        match outcome {
            Fetched::Stored(bytes) => {
                self.fetched += 1;
                self.bytes_received += bytes;
            }
            Fetched::Refused(reason) => self.refused.push(BlobRefusal {
                hash: hash.to_string(),
                reason,
            }),
            Fetched::Absent => self.absent += 1,
            Fetched::Damaged(bytes, reason) => {
                tracing::warn!(%hash, %reason, "refused a blob whose bytes do not match its hash");
                self.bytes_received += bytes;
                self.damaged.push(hash.to_string());
            }
            Fetched::Unfinished(bytes, reason) => {
                tracing::info!(%hash, %reason, "blob transfer did not finish; it resumes next time");
                self.bytes_received += bytes;
                self.unfinished.push(hash.to_string());
            }
        }
    }

    /// The report's part of a round's one-line summary (empty when nothing happened).
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.fetched > 0 {
            parts.push(format!(
                "收到 {} 个附件（{} 字节）",
                self.fetched, self.bytes_received
            ));
        }
        if self.sent > 0 {
            parts.push(format!("对方取走 {} 个附件", self.sent));
        }
        if !self.damaged.is_empty() {
            parts.push(format!(
                "拒收 {} 个内容与哈希不符的附件：{}",
                self.damaged.len(),
                self.damaged.join("、")
            ));
        }
        if !self.refused.is_empty() {
            let named: Vec<String> = self
                .refused
                .iter()
                .map(|r| format!("{}（{}）", r.hash, r.reason))
                .collect();
            parts.push(format!(
                "对方拒绝提供 {} 个附件：{}",
                named.len(),
                named.join("、")
            ));
        }
        if !self.unfinished.is_empty() {
            parts.push(format!(
                "附件未传完（下次同步续传）：{}",
                self.unfinished.join("、")
            ));
        }
        if self.absent > 0 {
            parts.push(format!("{} 个附件对方也没有", self.absent));
        }
        if self.peer_unfinished {
            parts.push("对方尚未取完本机的附件".into());
        }
        parts.join("；")
    }
}

/// How fetching one blob ended.
enum Fetched {
    /// Stored; the bytes that came this time.
    Stored(u64),
    Refused(String),
    Absent,
    /// The bytes came and did not match (or overran the size): nothing kept.
    Damaged(u64, String),
    /// Cut short; what came is kept as a partial.
    Unfinished(u64, String),
}

/// The serving side of the blob ALPN, registered on the node's router.
#[derive(Clone)]
pub(crate) struct BlobDesk {
    store: Arc<Store>,
    sources: Sources,
}

impl std::fmt::Debug for BlobDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobDesk")
    }
}

impl BlobDesk {
    pub(crate) fn new(store: Arc<Store>, sources: Sources) -> BlobDesk {
        BlobDesk { store, sources }
    }
}

impl ProtocolHandler for BlobDesk {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let peer = conn.remote_id().to_string();
        let (offers_tx, mut offers) = mpsc::channel(4);
        let (done_tx, _) = watch::channel(false);
        let sent = Arc::new(AtomicUsize::new(0));
        let answering = answer_requests(
            conn.clone(),
            self.sources.clone(),
            Some(offers_tx),
            done_tx,
            sent.clone(),
        );
        let store = self.store.clone();
        let pulling = async {
            let Ok(Some(offered)) = tokio::time::timeout(OFFER_WAIT, offers.recv()).await else {
                return;
            };
            let report = pull_offered(&conn, &store, offered).await;
            if !report.is_empty() {
                tracing::info!(%peer, "附件：{}", report.summary());
            }
            // The asker closes the connection once it has heard this.
            if let Err(e) = request(&conn, &[DONE], 1).await {
                tracing::debug!(%peer, error = %e, "could not say the blob pull was done");
            }
        };
        // Ends when the asker closes the connection.
        futures::future::join(answering, pulling).await;
        let sent = sent.load(Ordering::Relaxed);
        if sent > 0 {
            tracing::info!(%peer, blobs = sent, "handed attachments to a peer");
        }
        Ok(())
    }
}

/// Fetches, from the device that offered them, the offered blobs this device's records
/// name and it lacks. Records still on their way (a shard handing changes on) are waited
/// for a moment.
async fn pull_offered(conn: &Connection, store: &Arc<Store>, offered: Vec<BlobHash>) -> BlobReport {
    let mut report = BlobReport::default();
    let offered: BTreeSet<BlobHash> = offered.into_iter().collect();
    if offered.is_empty() {
        return report;
    }
    let deadline = tokio::time::Instant::now() + PULL_BUDGET;
    let waiting_since = tokio::time::Instant::now();
    let mut done: BTreeSet<BlobHash> = BTreeSet::new();
    loop {
        let missing = match blocking(store, |s| s.missing_blobs()).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the missing blobs");
                return report;
            }
        };
        let wanted: Vec<(BlobHash, u64)> = missing
            .into_iter()
            .filter(|(h, _)| offered.contains(h) && !done.contains(h))
            .collect();
        for (hash, size) in wanted {
            let outcome = fetch_one(conn, store, &hash, size, deadline).await;
            report.record(&hash, outcome);
            done.insert(hash);
        }
        if waiting_since.elapsed() >= RECORD_WAIT {
            return report;
        }
        // Offered blobs that no record here names yet, nor stored: their records may
        // still be on their way.
        let unknown: Vec<BlobHash> = offered
            .iter()
            .filter(|h| !done.contains(h))
            .copied()
            .collect();
        let pending = blocking(store, move |s| {
            let named: BTreeSet<BlobHash> = s
                .blobs_referenced_by(&s.catalogue()?)?
                .into_iter()
                .collect();
            Ok(unknown
                .iter()
                .any(|h| !named.contains(h) && !s.blobs().has(h)))
        })
        .await
        .unwrap_or(false);
        if !pending {
            return report;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The asking side of one round's blob exchange with `peer`: offers what we hold that it
/// may read, fetches what our records name and we lack, waits for the peer to finish
/// fetching from us (until `deadline`). Nothing to offer and nothing to fetch: no
/// connection at all.
pub(crate) async fn exchange(
    endpoint: &Endpoint,
    sources: &Sources,
    store: &Arc<Store>,
    peer: &EndpointAddr,
    wanted: Option<Vec<(BlobHash, u64)>>,
    deadline: tokio::time::Instant,
    dial_timeout: Duration,
) -> Result<BlobReport, SyncError> {
    let peer_id = peer.id.to_string();
    let (offer, missing) = {
        let id = peer_id.clone();
        let asked = wanted.is_some();
        let s = store.clone();
        let (offer, missing) = tokio::task::spawn_blocking(move || {
            // A direct ask (a test client, a tool) offers nothing.
            let offer = if asked {
                Vec::new()
            } else {
                offerable(&s, &id)?
            };
            let missing = s.missing_blobs()?;
            Ok::<_, StoreError>((offer, missing))
        })
        .await??;
        (offer, wanted.unwrap_or(missing))
    };
    let mut report = BlobReport::default();
    if offer.is_empty() && missing.is_empty() {
        return Ok(report);
    }
    let conn =
        match tokio::time::timeout(dial_timeout, endpoint.connect(peer.clone(), BLOB_ALPN)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                return Err(SyncError::Dial {
                    peer: peer_id,
                    reason: format!("附件连接失败：{e}"),
                });
            }
            Err(_) => {
                return Err(SyncError::DialTimeout {
                    peer: peer_id,
                    seconds: dial_timeout.as_secs(),
                });
            }
        };
    let (done_tx, mut peer_done) = watch::channel(false);
    let sent = Arc::new(AtomicUsize::new(0));
    let answering = tokio::spawn(answer_requests(
        conn.clone(),
        sources.clone(),
        None,
        done_tx,
        sent.clone(),
    ));
    let mut body = vec![OFFER];
    for h in &offer {
        body.extend_from_slice(h.as_bytes());
    }
    if let Err(e) = request(&conn, &body, 1).await {
        tracing::debug!(peer = %peer_id, error = %e, "offer of blobs not taken");
    }
    for (hash, size) in missing {
        let outcome = fetch_one(&conn, store, &hash, size, deadline).await;
        report.record(&hash, outcome);
    }
    if !offer.is_empty() {
        let finished = tokio::time::timeout_at(deadline, peer_done.wait_for(|d| *d)).await;
        report.peer_unfinished = !matches!(finished, Ok(Ok(_)));
    }
    conn.close(0u32.into(), b"done");
    answering.abort();
    report.sent = sent.load(Ordering::Relaxed);
    Ok(report)
}

/// The blobs held here that `peer` may have: those named by a document it may read (one
/// pass over the records, the same rule as [`Store::may_serve_blob`]).
fn offerable(store: &Store, peer: &str) -> Result<Vec<BlobHash>, StoreError> {
    let held: BTreeSet<BlobHash> = store.blobs().list()?.into_iter().map(|(h, _)| h).collect();
    if held.is_empty() {
        return Ok(Vec::new());
    }
    let table = store.access();
    let readable: Vec<_> = store
        .catalogue()?
        .into_iter()
        .filter(|name| table.access(peer, name).can_read())
        .collect();
    Ok(store
        .blobs_referenced_by(&readable)?
        .into_iter()
        .filter(|h| held.contains(h))
        .collect())
}

async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || f(&store)).await {
        Ok(r) => r,
        Err(e) => Err(StoreError::Io {
            path: Default::default(),
            source: std::io::Error::other(e.to_string()),
        }),
    }
}

/// Sends one request and reads its whole answer (at most `limit` bytes).
async fn request(conn: &Connection, body: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| e.to_string())?;
    send.write_all(body).await.map_err(|e| e.to_string())?;
    send.finish().map_err(|e| e.to_string())?;
    recv.read_to_end(limit).await.map_err(|e| e.to_string())
}

/// Answers the peer's requests on `conn` until it closes: blobs by the rules of this
/// device's directory, offers (handed to `offers`, when this side pulls) and the peer's
/// "done".
async fn answer_requests(
    conn: Connection,
    sources: Sources,
    offers: Option<mpsc::Sender<Vec<BlobHash>>>,
    done: watch::Sender<bool>,
    sent: Arc<AtomicUsize>,
) {
    let peer = conn.remote_id().to_string();
    let mut tasks = tokio::task::JoinSet::new();
    while let Ok((send, recv)) = conn.accept_bi().await {
        let (sources, offers, done, sent, peer) = (
            sources.clone(),
            offers.clone(),
            done.clone(),
            sent.clone(),
            peer.clone(),
        );
        tasks.spawn(async move {
            if let Err(e) = answer_one(send, recv, &sources, offers, &done, &sent, &peer).await {
                tracing::debug!(%peer, error = %e, "blob request ended early");
            }
        });
    }
    tasks.abort_all();
}

async fn answer_one(
    mut send: SendStream,
    mut recv: RecvStream,
    sources: &Sources,
    offers: Option<mpsc::Sender<Vec<BlobHash>>>,
    done: &watch::Sender<bool>,
    sent: &AtomicUsize,
    peer: &str,
) -> Result<(), String> {
    let req = recv
        .read_to_end(MAX_REQUEST_BYTES)
        .await
        .map_err(|e| e.to_string())?;
    match req.split_first() {
        Some((&GET, rest)) if rest.len() == 40 => {
            let mut h = [0u8; 32];
            h.copy_from_slice(&rest[..32]);
            let hash = BlobHash::from_bytes(h);
            let mut o = [0u8; 8];
            o.copy_from_slice(&rest[32..]);
            let offset = u64::from_be_bytes(o);
            let source = sources.current();
            let device = peer.to_owned();
            let answer = tokio::task::spawn_blocking(move || {
                if !source.may_serve(&device, &hash)? {
                    return Ok(Err((
                        REFUSED,
                        format!("本县目录不允许该设备读取引用附件 {hash} 的任何文档"),
                    )));
                }
                Ok::<_, StoreError>(match source.read_from(&hash, offset)? {
                    None => Err((ABSENT, format!("本机没有附件 {hash}"))),
                    Some(out) if offset > out.total => Err((
                        REFUSED,
                        format!("续传位置 {offset} 超出附件 {hash} 的长度 {}", out.total),
                    )),
                    Some(found) => Ok(found),
                })
            })
            .await
            .map_err(|e| e.to_string())?;
            match answer {
                Ok(Ok(out)) => {
                    send_blob(&mut send, out, offset, sent).await?;
                    // Wait until the peer has read it all (or gone).
                    let _ = send.stopped().await;
                    tracing::debug!(%peer, %hash, offset, "blob handed over");
                }
                Ok(Err((tag, reason))) => {
                    if tag == REFUSED {
                        tracing::warn!(%peer, %hash, %reason, "refused a blob to a device");
                    }
                    reply(&mut send, tag, reason.as_bytes()).await?;
                }
                Err(e) => {
                    let reason = format!("本机读取附件 {hash} 失败：{e}");
                    tracing::warn!(%peer, %reason);
                    reply(&mut send, ABSENT, reason.as_bytes()).await?;
                }
            }
        }
        Some((&OFFER, rest)) if rest.len() % 32 == 0 => {
            let hashes = rest
                .chunks_exact(32)
                .map(|c| {
                    let mut h = [0u8; 32];
                    h.copy_from_slice(c);
                    BlobHash::from_bytes(h)
                })
                .collect();
            if let Some(offers) = offers {
                let _ = offers.send(hashes).await;
            }
            reply(&mut send, 0, &[]).await?;
        }
        Some((&DONE, [])) => {
            let _ = done.send(true);
            reply(&mut send, 0, &[]).await?;
        }
        _ => {
            reply(&mut send, REFUSED, "无法识别的附件请求".as_bytes()).await?;
        }
    }
    Ok(())
}

/// Sends a blob from `offset` on: the disk is read on a thread of its own a block ahead of
/// the network, and the blocks go to the transport without a copy. A blob that cannot be
/// read to its end is finished short: the peer keeps what came, says the transfer is
/// unfinished and resumes it next round. `sent` counts it before the stream is finished,
/// so the count is in before the peer can have read the end and said it is done.
async fn send_blob(
    send: &mut SendStream,
    out: Outgoing,
    offset: u64,
    sent_blobs: &AtomicUsize,
) -> Result<(), String> {
    let mut head = vec![SENDING];
    head.extend_from_slice(&out.total.to_be_bytes());
    send.write_all(&head).await.map_err(|e| e.to_string())?;
    let expected = out.total.saturating_sub(offset);
    let (blocks, mut queue) = mpsc::channel::<std::io::Result<Bytes>>(2);
    let mut reader = out.reader.take(expected);
    let reading = tokio::task::spawn_blocking(move || {
        loop {
            let block = read_block(&mut reader);
            let last = !matches!(&block, Ok(b) if !b.is_empty());
            if blocks.blocking_send(block).is_err() || last {
                break;
            }
        }
    });
    let mut sent = 0u64;
    let mut failed = None;
    while let Some(block) = queue.recv().await {
        match block {
            Ok(b) if b.is_empty() => break,
            Ok(b) => {
                sent += b.len() as u64;
                send.write_chunk(b).await.map_err(|e| e.to_string())?;
            }
            Err(e) => {
                failed = Some(e.to_string());
                break;
            }
        }
    }
    drop(queue);
    let _ = reading.await;
    if failed.is_some() || sent != expected {
        let reason = failed.unwrap_or_else(|| "文件比记录短".into());
        tracing::warn!(sent, expected, %reason, "a blob was sent short");
    } else {
        sent_blobs.fetch_add(1, Ordering::Relaxed);
    }
    send.finish().map_err(|e| e.to_string())
}

/// The next block of a blob being sent (empty at its end). `read_to_end` fills the
/// block's spare room without zeroing it first.
fn read_block(reader: &mut impl Read) -> std::io::Result<Bytes> {
    let mut buf = Vec::with_capacity(WRITE_CHUNK);
    reader.take(WRITE_CHUNK as u64).read_to_end(&mut buf)?;
    Ok(Bytes::from(buf))
}

async fn reply(send: &mut SendStream, tag: u8, body: &[u8]) -> Result<(), String> {
    send.write_all(&[tag]).await.map_err(|e| e.to_string())?;
    send.write_all(body).await.map_err(|e| e.to_string())?;
    send.finish().map_err(|e| e.to_string())
}

/// Fetches one blob from the peer on `conn`, resuming a partial transfer, and keeps it
/// once its bytes hash right. `size` is what the record says (0: not known).
async fn fetch_one(
    conn: &Connection,
    store: &Arc<Store>,
    hash: &BlobHash,
    size: u64,
    deadline: tokio::time::Instant,
) -> Fetched {
    let h = *hash;
    let mut arriving = match blocking(store, move |s| s.blobs().arriving(&h)).await {
        Ok(a) => a,
        Err(e) => return Fetched::Unfinished(0, e.to_string()),
    };
    if size > 0 && arriving.len() > size {
        // Longer than the record says: not this blob's beginning.
        let fresh = blocking(store, move |s| {
            s.blobs().discard_partial(&h)?;
            s.blobs().arriving(&h)
        });
        arriving = match fresh.await {
            Ok(a) => a,
            Err(e) => return Fetched::Unfinished(0, e.to_string()),
        };
    }
    // The reading itself stops at the deadline (keeping what came); this bounds the rest.
    let grace = deadline + Duration::from_secs(5);
    match tokio::time::timeout_at(grace, receive(conn, arriving, size, deadline)).await {
        Ok(outcome) => outcome,
        Err(_) => Fetched::Unfinished(0, "本轮同步时间已到".into()),
    }
}

/// Why the network side stopped reading a blob.
enum Ended {
    /// The peer finished the stream.
    Finished,
    /// The stream failed or the round's time ran out; what came is kept.
    Cut(String),
    /// The peer sent more than it said; what came is dropped.
    Overrun,
}

async fn receive(
    conn: &Connection,
    arriving: Arriving,
    size: u64,
    deadline: tokio::time::Instant,
) -> Fetched {
    let offset = arriving.len();
    let (mut send, mut recv) = match conn.open_bi().await {
        Ok(s) => s,
        Err(e) => return Fetched::Unfinished(0, e.to_string()),
    };
    let mut body = vec![GET];
    body.extend_from_slice(arriving.hash().as_bytes());
    body.extend_from_slice(&offset.to_be_bytes());
    if let Err(e) = send.write_all(&body).await {
        return Fetched::Unfinished(0, e.to_string());
    }
    let _ = send.finish();
    let mut tag = [0u8; 1];
    if let Err(e) = recv.read_exact(&mut tag).await {
        return Fetched::Unfinished(0, e.to_string());
    }
    if tag[0] != SENDING {
        let reason = recv
            .read_to_end(MAX_REASON_BYTES)
            .await
            .map(|r| String::from_utf8_lossy(&r).into_owned())
            .unwrap_or_default();
        return match tag[0] {
            REFUSED => Fetched::Refused(reason),
            _ => Fetched::Absent,
        };
    }
    let mut total = [0u8; 8];
    if let Err(e) = recv.read_exact(&mut total).await {
        return Fetched::Unfinished(0, e.to_string());
    }
    let total = u64::from_be_bytes(total);
    if total > MAX_BLOB_BYTES || (size > 0 && total != size) || offset > total {
        let _ = recv.stop(0u32.into());
        let _ = tokio::task::spawn_blocking(move || arriving.discard()).await;
        return Fetched::Damaged(0, format!("对方给出的长度 {total} 与记录的 {size} 不符"));
    }
    // The disk and the hash keep pace on a thread of their own while the network side
    // reads, so a whole blob is kept the moment its last byte is in.
    let (blocks, mut queue) = mpsc::channel::<Vec<u8>>(BLOCKS_QUEUED);
    let writer = tokio::task::spawn_blocking(move || {
        let mut arriving = arriving;
        while let Some(block) = queue.blocking_recv() {
            if let Err(e) = arriving.append(&block) {
                return (arriving, Some(e));
            }
        }
        (arriving, None)
    });
    let mut received: u64 = 0;
    // Read straight into the block: each read takes all the transport holds at once.
    let mut block = vec![0u8; BLOCK_BYTES];
    let mut filled = 0;
    let ended = loop {
        match tokio::time::timeout_at(deadline, recv.read(&mut block[filled..])).await {
            Ok(Ok(Some(n))) => {
                received += n as u64;
                if offset + received > total {
                    let _ = recv.stop(0u32.into());
                    break Ended::Overrun;
                }
                filled += n;
                if filled == BLOCK_BYTES {
                    let full = std::mem::replace(&mut block, vec![0u8; BLOCK_BYTES]);
                    filled = 0;
                    if blocks.send(full).await.is_err() {
                        let _ = recv.stop(0u32.into());
                        // The writing thread stopped on an error, given below.
                        break Ended::Cut("写入附件时出错".into());
                    }
                }
            }
            Ok(Ok(None)) => break Ended::Finished,
            Ok(Err(e)) => break Ended::Cut(e.to_string()),
            Err(_) => break Ended::Cut("本轮同步时间已到".into()),
        }
    };
    if filled > 0 && !matches!(ended, Ended::Overrun) {
        block.truncate(filled);
        let _ = blocks.send(block).await;
    }
    drop(blocks);
    let (arriving, failed) = match writer.await {
        Ok(done) => done,
        Err(e) => return Fetched::Unfinished(received, e.to_string()),
    };
    if let Some(e) = failed {
        return Fetched::Unfinished(received, e.to_string());
    }
    let held = arriving.len();
    let keep = move |arriving: Arriving| tokio::task::spawn_blocking(move || arriving.finish());
    match ended {
        Ended::Overrun => {
            let _ = tokio::task::spawn_blocking(move || arriving.discard()).await;
            Fetched::Damaged(received, "对方发来的字节多于其声称的长度".into())
        }
        Ended::Cut(reason) => Fetched::Unfinished(received, reason),
        Ended::Finished if held != total => {
            Fetched::Unfinished(received, format!("对方在 {held} / {total} 字节处停止发送"))
        }
        Ended::Finished => match keep(arriving).await {
            Ok(Ok(())) => Fetched::Stored(received),
            Ok(Err(e @ StoreError::BlobMismatch { .. })) => {
                Fetched::Damaged(received, e.to_string())
            }
            Ok(Err(e)) => Fetched::Unfinished(received, e.to_string()),
            Err(e) => Fetched::Unfinished(received, e.to_string()),
        },
    }
}
