//! The kiosk's only way out: an [`IntakeDesk`] takes a visitor's pre-registration into the
//! intake queue, and that is all it can do. The kiosk never holds a `Store`, a
//! [`crate::backend::Backend`] or anything else that could list or read cases; the desk that
//! writes to the store ([`StoreDesk`]) owns the store on its own thread and answers only
//! "saved" or "failed" (`tests/invariants.rs` checks both from the source).

use std::sync::{Arc, Mutex};

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};

use fengqiao_model::IntakeItem;
use fengqiao_store::Store;
use fengqiao_store::local::DataDir;

/// What the desk tells the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskReply {
    /// Whether pre-registration is possible at all (a kiosk without a set-up data directory
    /// still guides visitors, but sends them to the window).
    Ready { accepting: bool },
    /// The last pre-registration is in the queue.
    Saved,
    /// The last pre-registration was not saved, and why.
    Failed(String),
}

/// Where pre-registrations go. Sending never blocks the UI thread.
pub trait IntakeDesk: Send {
    /// Queues a pre-registration (an intake item from the kiosk).
    fn submit(&mut self, item: IntakeItem);
    /// The replies that arrived since the last call; never blocks.
    fn replies(&mut self) -> Vec<DeskReply>;
}

/// A desk that keeps what it is given in memory (tests, the screenshot tour). Clones share
/// the list.
#[derive(Debug, Clone)]
pub struct MemoryDesk {
    pub received: Arc<Mutex<Vec<IntakeItem>>>,
    pending: Vec<DeskReply>,
}

impl MemoryDesk {
    /// A desk that accepts pre-registrations.
    pub fn new() -> MemoryDesk {
        MemoryDesk {
            received: Arc::default(),
            pending: vec![DeskReply::Ready { accepting: true }],
        }
    }
}

impl Default for MemoryDesk {
    fn default() -> Self {
        MemoryDesk::new()
    }
}

impl IntakeDesk for MemoryDesk {
    fn submit(&mut self, item: IntakeItem) {
        match self.received.lock() {
            Ok(mut received) => {
                received.push(item);
                self.pending.push(DeskReply::Saved);
            }
            Err(_) => self
                .pending
                .push(DeskReply::Failed("内存队列不可用".into())),
        }
    }

    fn replies(&mut self) -> Vec<DeskReply> {
        std::mem::take(&mut self.pending)
    }
}

/// The desk that writes into the county's intake queue (`intake/<year>`): a thread that
/// opens the data directory and does nothing with the store but add intake items. The kiosk
/// gets only the channels' ends.
pub struct StoreDesk {
    items: Sender<IntakeItem>,
    replies: Receiver<DeskReply>,
    /// Replies made on this side (the desk thread is gone).
    local: Vec<DeskReply>,
}

impl StoreDesk {
    /// Opens `data_dir` on a new thread; `repaint` is called after every reply.
    pub fn spawn(data_dir: PathBuf, repaint: impl Fn() + Send + 'static) -> StoreDesk {
        let (items, item_rx) = std::sync::mpsc::channel::<IntakeItem>();
        let (reply_tx, replies) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("fengqiao-kiosk-desk".into())
            .spawn(move || {
                let reply = |r: DeskReply| {
                    // The kiosk went away: the loop ends at the next receive.
                    let _ = reply_tx.send(r);
                    repaint();
                };
                let opened = if DataDir::new(&data_dir).is_initialised() {
                    Store::open(&data_dir)
                        .map_err(|e| {
                            tracing::error!("kiosk: cannot open {}: {e}", data_dir.display());
                        })
                        .ok()
                } else {
                    tracing::warn!("kiosk: {} is not set up", data_dir.display());
                    None
                };
                reply(DeskReply::Ready {
                    accepting: opened.is_some(),
                });
                while let Ok(item) = item_rx.recv() {
                    let result = match &opened {
                        Some(store) => store.add_intake_item(&item).map_err(|e| e.to_string()),
                        None => Err("本机未设置数据目录".to_owned()),
                    };
                    match result {
                        Ok(()) => reply(DeskReply::Saved),
                        Err(why) => {
                            tracing::warn!("kiosk: intake item not saved: {why}");
                            reply(DeskReply::Failed(why));
                        }
                    }
                }
                if let Some(store) = opened {
                    store.close();
                }
            });
        let mut local = Vec::new();
        if let Err(e) = spawned {
            tracing::error!("kiosk: cannot start the desk thread: {e}");
            local.push(DeskReply::Ready { accepting: false });
        }
        StoreDesk {
            items,
            replies,
            local,
        }
    }
}

impl IntakeDesk for StoreDesk {
    fn submit(&mut self, item: IntakeItem) {
        if self.items.send(item).is_err() {
            self.local
                .push(DeskReply::Failed("登记服务已停止，请到接待窗口".to_owned()));
        }
    }

    fn replies(&mut self) -> Vec<DeskReply> {
        let mut out = std::mem::take(&mut self.local);
        out.extend(self.replies.try_iter());
        out
    }
}
