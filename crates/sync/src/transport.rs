//! samod connections over iroh bi-streams: length-delimited frames, the peer id bound to
//! the key iroh authenticated, and byte counters for reports and benchmarks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
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

/// Wraps one bi-stream of an authenticated iroh connection as a samod transport. The
/// connection is kept alive by the transport and closed when samod drops it.
pub fn samod_transport(
    conn: Connection,
    send: SendStream,
    recv: RecvStream,
    counters: Arc<ByteCounters>,
) -> samod::Transport {
    let remote = conn.remote_id();
    let received = counters.clone();
    let stream = FramedRead::new(recv, codec())
        .map_ok(move |frame| {
            received
                .received
                .fetch_add(frame.len() as u64 + 4, Ordering::Relaxed);
            frame.to_vec()
        })
        .map(move |item| {
            // Holding the connection here ties its life to the transport's.
            let _alive = &conn;
            item
        });
    let sink = FramedWrite::new(send, codec()).with(move |message: Vec<u8>| {
        counters
            .sent
            .fetch_add(message.len() as u64 + 4, Ordering::Relaxed);
        futures::future::ready(Ok::<_, std::io::Error>(Bytes::from(message)))
    });
    samod::Transport::new(stream, sink)
        .with_expected_peer_id(samod::PeerId::from(remote.to_string()))
}
