//! samod connections over iroh bi-streams: length-delimited frames, the peer id bound to
//! the key iroh authenticated, byte counters for reports and benchmarks, and the opening
//! gate that lets both peers send their changes at once.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use fengqiao_store::AccessTable;
use fengqiao_store::authority::{self, ChangeVetter};
use futures::{SinkExt, StreamExt, TryStreamExt};
use iroh::endpoint::{Connection, RecvStream, SendStream};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

/// The largest sync message accepted: a whole county-year document fits many times over;
/// anything bigger is a hostile or broken peer, and the connection is closed.
pub const MAX_FRAME_BYTES: usize = 64 << 20;

/// Bytes moved over the network, counted at the frame level (payload plus the 4-byte
/// length prefix), shared by every connection of a node.
#[derive(Debug, Default)]
pub struct ByteCounters {
    pub sent: AtomicU64,
    pub received: AtomicU64,
}

impl ByteCounters {
    pub fn snapshot(&self) -> (u64, u64) {
        (
            self.sent.load(Ordering::Relaxed),
            self.received.load(Ordering::Relaxed),
        )
    }
}

fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME_BYTES)
        .new_codec()
}

/// How long the peer's first message for a document may wait for ours, once per
/// connection (see [`OpeningGate`]).
pub const OPENING_HOLD: Duration = Duration::from_millis(10);

/// Makes each side of a new connection send its first message for a document before it
/// reads the peer's first message for that document.
///
/// Why: automerge sends a peer changes only once it has read what the peer has (the
/// peer's first message). If one side reads the other's first message before its own
/// is out, it answers with its changes at once; the other side then applies them before
/// it sends its own (samod applies and generates in one step), and the two sides apply
/// one after the other. With both first messages out before either is read, both sides
/// send their changes at once and apply them at the same time (`benches/resync.rs`).
/// Holding happens only within [`OPENING_HOLD`] of the peer's first message about any
/// document (a document this side does not open itself waits that long at most); after
/// that no frame is read for its header.
#[derive(Debug)]
pub struct OpeningGate {
    hold: Duration,
    state: Mutex<GateState>,
    /// Set once the hold has expired: frames are no longer read for their header.
    open: AtomicBool,
    sent_one: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct GateState {
    /// Documents this side has sent a sync or request message for.
    sent: HashSet<String>,
    /// When holding ends for good: set by the peer's first message about a document.
    deadline: Option<tokio::time::Instant>,
}

impl OpeningGate {
    /// A gate for one connection that holds a first message at most `hold`.
    pub fn new(hold: Duration) -> OpeningGate {
        OpeningGate {
            hold,
            state: Mutex::default(),
            open: AtomicBool::new(false),
            sent_one: tokio::sync::Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This side is sending `frame`.
    pub fn sending(&self, frame: &[u8]) {
        if self.open.load(Ordering::Relaxed) {
            return;
        }
        if let Some(doc) = opened_document(frame)
            && self.state().sent.insert(doc.to_owned())
        {
            self.sent_one.notify_waiters();
        }
    }

    /// Waits, if `frame` is the peer's first message for a document this side has not
    /// sent its own first message for, until it has (or the hold expired).
    pub async fn admit(&self, frame: &[u8]) {
        if self.open.load(Ordering::Relaxed) {
            return;
        }
        let Some(doc) = opened_document(frame) else {
            return;
        };
        let deadline = {
            let mut state = self.state();
            let now = tokio::time::Instant::now();
            // The window opens with the peer's first message about any document, so
            // a long-lived connection stops reading headers soon after it starts.
            let deadline = *state.deadline.get_or_insert(now + self.hold);
            if deadline <= now {
                self.open.store(true, Ordering::Relaxed);
                state.sent = HashSet::new();
                return;
            }
            if state.sent.contains(doc) {
                return;
            }
            deadline
        };
        loop {
            let sent_one = self.sent_one.notified();
            tokio::pin!(sent_one);
            sent_one.as_mut().enable();
            if self.state().sent.contains(doc) {
                return;
            }
            if tokio::time::timeout_at(deadline, sent_one).await.is_err() {
                tracing::trace!(document = doc, "opening hold expired");
                return;
            }
        }
    }
}

/// The document a `sync` or `request` frame of the automerge-repo protocol (a CBOR map)
/// is about; `None` for other messages and for anything unreadable (samod judges those).
fn opened_document(frame: &[u8]) -> Option<&str> {
    let mut d = minicbor::Decoder::new(frame);
    let entries = d.map().ok()??;
    let (mut kind, mut document) = (None, None);
    for _ in 0..entries {
        match d.str().ok()? {
            "type" => kind = Some(d.str().ok()?),
            "documentId" => document = Some(d.str().ok()?),
            _ => d.skip().ok()?,
        }
        if kind.is_some() && document.is_some() {
            break;
        }
    }
    matches!(kind, Some("sync" | "request"))
        .then_some(document)
        .flatten()
}

/// What every connection of a node checks the peer's changes against: the node's
/// directory (as it changes), and where refusals are counted.
#[derive(Clone)]
pub struct ChangeCheck {
    county: String,
    table: tokio::sync::watch::Receiver<Arc<AccessTable>>,
    refused: Arc<AtomicU64>,
    enabled: bool,
    /// This node's store, to know what it holds (weak: the store owns the repo that
    /// owns the connections).
    store: std::sync::Weak<fengqiao_store::Store>,
}

impl ChangeCheck {
    pub fn new(store: &Arc<fengqiao_store::Store>) -> Self {
        ChangeCheck {
            county: store.identity().county.clone(),
            table: store.access_changes(),
            refused: Arc::default(),
            enabled: true,
            store: Arc::downgrade(store),
        }
    }

    /// A check that accepts every change: for simulated peers in load tests and
    /// benchmarks, which hold no directory and stand in for a peer's own repo.
    pub fn unchecked() -> Self {
        ChangeCheck {
            county: String::new(),
            table: tokio::sync::watch::channel(Arc::new(AccessTable::default())).1,
            refused: Arc::default(),
            enabled: false,
            store: std::sync::Weak::new(),
        }
    }

    /// How many changes this node refused since it started.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// One connection's vetting of the changes its peer sends (see
/// `fengqiao_store::authority`): samod decides by the connection, this by each change's
/// author, so a change relayed by an honest writer is still refused when its author may
/// not write the document.
struct ConnectionVetting {
    check: ChangeCheck,
    deliverer: String,
    vetters: HashMap<String, ChangeVetter>,
}

impl ConnectionVetting {
    /// The frame to hand to samod: `frame` itself, or a copy without refused changes.
    fn vet(&mut self, frame: Vec<u8>) -> Vec<u8> {
        if !self.check.enabled {
            return frame;
        }
        let Some((document, data)) = sync_data(&frame) else {
            return frame;
        };
        let table = self.check.table.borrow().clone();
        let Some(name) = document
            .parse::<samod::DocumentId>()
            .ok()
            .and_then(|id| table.document_name(&id).cloned())
        else {
            return frame;
        };
        let store = &self.check.store;
        if !self.vetters.contains_key(document)
            && table.may_write(&self.deliverer, &name)
            && let Some(store) = store.upgrade()
            && store.open_document(&name).is_none()
        {
            // The first message about a document this device has not opened, from a
            // device that may write it: a device that keeps the directory lists it (off
            // this task: the store blocks).
            let name = name.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = store.list_in_catalogue(&name) {
                    tracing::warn!(document = %name, error = %e, "could not list a received document");
                }
            });
        }
        let vetter = self.vetters.entry(document.to_owned()).or_insert_with(|| {
            let vetter = ChangeVetter::new(&self.check.county, name.clone());
            match store.upgrade().and_then(|s| s.open_document(&name)) {
                Some(handle) => handle.with_document(|d| vetter.knowing(d)),
                None => vetter,
            }
        });
        let Some((data, refusals)) =
            authority::vet_sync_message(vetter, &table, &self.deliverer, data)
        else {
            return frame;
        };
        for refusal in &refusals {
            tracing::warn!(peer = %self.deliverer, "{refusal}");
        }
        self.check
            .refused
            .fetch_add(refusals.len() as u64, Ordering::Relaxed);
        replace_data(&frame, &data).unwrap_or(frame)
    }
}

/// The document id and the sync data of a `sync` or `request` frame.
fn sync_data(frame: &[u8]) -> Option<(&str, &[u8])> {
    let mut d = minicbor::Decoder::new(frame);
    let entries = d.map().ok()??;
    let (mut kind, mut document, mut data) = (None, None, None);
    for _ in 0..entries {
        match d.str().ok()? {
            "type" => kind = Some(d.str().ok()?),
            "documentId" => document = Some(d.str().ok()?),
            "data" => data = Some(d.bytes().ok()?),
            _ => d.skip().ok()?,
        }
    }
    matches!(kind, Some("sync" | "request")).then_some((document?, data?))
}

/// `frame` (a CBOR map) with its `data` entry replaced by `data`; every other entry is
/// copied as it was.
fn replace_data(frame: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let mut d = minicbor::Decoder::new(frame);
    let entries = d.map().ok()??;
    let mut e = minicbor::Encoder::new(Vec::with_capacity(frame.len()));
    e.map(entries).ok()?;
    for _ in 0..entries {
        let key = d.str().ok()?;
        e.str(key).ok()?;
        let start = d.position();
        d.skip().ok()?;
        if key == "data" {
            e.bytes(data).ok()?;
        } else {
            e.writer_mut()
                .extend_from_slice(frame.get(start..d.position())?);
        }
    }
    Some(e.into_writer())
}

/// Whether a read error is the peer (or we) ending the connection normally: closed with
/// code 0, as a finished round or a stopped service closes it. samod logs every error
/// its transport yields as an error, so a normal close ends the stream instead.
fn is_normal_close(e: &std::io::Error) -> bool {
    use iroh::endpoint::{ConnectionError, ReadError, VarInt};
    let Some(read) = e.get_ref().and_then(|i| i.downcast_ref::<ReadError>()) else {
        return false;
    };
    match read {
        ReadError::ConnectionLost(ConnectionError::ApplicationClosed(close)) => {
            close.error_code == VarInt::from_u32(0)
        }
        ReadError::ConnectionLost(ConnectionError::LocallyClosed) => true,
        ReadError::Reset(code) => *code == VarInt::from_u32(0),
        _ => false,
    }
}

/// Wraps one bi-stream of an authenticated iroh connection as a samod transport. The
/// connection is kept alive by the transport and closed when samod drops it.
pub fn samod_transport(
    conn: Connection,
    send: SendStream,
    recv: RecvStream,
    counters: Arc<ByteCounters>,
    check: ChangeCheck,
) -> samod::Transport {
    let remote = conn.remote_id();
    let mut vetting = ConnectionVetting {
        check,
        deliverer: remote.to_string(),
        vetters: HashMap::new(),
    };
    let received = counters.clone();
    let gate = Arc::new(OpeningGate::new(OPENING_HOLD));
    let admitting = gate.clone();
    let stream = FramedRead::new(recv, codec())
        .scan((), move |(), item| {
            futures::future::ready(match item {
                Err(e) if is_normal_close(&e) => {
                    tracing::debug!(peer = %remote, "connection closed by the peer");
                    None
                }
                other => Some(other),
            })
        })
        .map_ok(move |frame| {
            received
                .received
                .fetch_add(frame.len() as u64 + 4, Ordering::Relaxed);
            frame.to_vec()
        })
        .then(move |item| {
            let gate = admitting.clone();
            async move {
                if let Ok(frame) = &item {
                    gate.admit(frame).await;
                }
                item
            }
        })
        .map(move |item| {
            // Holding the connection here ties its life to the transport's.
            let _alive = &conn;
            item.map(|frame| vetting.vet(frame))
        })
        .boxed();
    let sink = FramedWrite::new(send, codec()).with(move |message: Vec<u8>| {
        counters
            .sent
            .fetch_add(message.len() as u64 + 4, Ordering::Relaxed);
        gate.sending(&message);
        futures::future::ready(Ok::<_, std::io::Error>(Bytes::from(message)))
    });
    samod::Transport::new(stream, sink)
        .with_expected_peer_id(samod::PeerId::from(remote.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: &str, document: &str) -> Vec<u8> {
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(5).unwrap();
        e.str("type").unwrap().str(kind).unwrap();
        e.str("senderId").unwrap().str("a").unwrap();
        e.str("targetId").unwrap().str("b").unwrap();
        e.str("data").unwrap().bytes(&[1, 2, 3]).unwrap();
        e.str("documentId").unwrap().str(document).unwrap();
        e.into_writer()
    }

    #[test]
    fn reads_the_document_of_sync_and_request_frames_only() {
        assert_eq!(opened_document(&frame("sync", "doc1")), Some("doc1"));
        assert_eq!(opened_document(&frame("request", "doc2")), Some("doc2"));
        assert_eq!(opened_document(&frame("ephemeral", "doc1")), None);
        assert_eq!(opened_document(b"not cbor at all"), None);
        assert_eq!(opened_document(&[]), None);
    }

    #[tokio::test]
    async fn the_peer_s_first_message_waits_until_ours_is_out() {
        let gate = Arc::new(OpeningGate::new(Duration::from_secs(30)));
        // Sent first: passes at once.
        gate.sending(&frame("sync", "ours-first"));
        tokio::time::timeout(
            Duration::from_secs(5),
            gate.admit(&frame("sync", "ours-first")),
        )
        .await
        .expect("held a document we had opened");
        // Theirs first: held until ours goes out.
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.admit(&frame("sync", "theirs-first")).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "the peer's first message was not held"
        );
        gate.sending(&frame("sync", "another"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "released by another document's message"
        );
        gate.sending(&frame("sync", "theirs-first"));
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("still held after ours went out")
            .expect("task");
        // Other messages are never held.
        tokio::time::timeout(Duration::from_secs(5), gate.admit(&frame("ephemeral", "x")))
            .await
            .expect("held a message that opens nothing");
    }

    #[tokio::test]
    async fn a_document_we_never_open_waits_only_once_for_the_hold() {
        let gate = OpeningGate::new(Duration::from_millis(20));
        tokio::time::timeout(
            Duration::from_secs(5),
            gate.admit(&frame("sync", "not-ours")),
        )
        .await
        .expect("held past the hold");
        // The hold has expired for good: nothing waits any more.
        assert!(
            futures::FutureExt::now_or_never(gate.admit(&frame("request", "also-not-ours")))
                .is_some(),
            "a second document waited again"
        );
    }
}
