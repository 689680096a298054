//! What a round moved, and how a round with one peer ended.

use serde::Serialize;

use crate::error::{SyncError, SyncErrorKind};

/// What one round with one peer did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundReport {
    pub peer: String,
    pub peer_name: String,
    /// Documents exchanged with the peer.
    pub documents: usize,
    /// Changes that arrived here.
    pub changes_received: usize,
    /// Changes the peer lacked that we offered it and it acknowledged (in documents that
    /// finished).
    pub changes_sent: usize,
    /// Changes offered in documents that did not finish: the peer may not have them.
    pub changes_unconfirmed: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub elapsed_ms: u64,
    /// When the documents were exchanged, from the round's start: the attachments' bytes
    /// come after that and never hold the records up.
    pub documents_ms: u64,
    /// Documents that had not finished when the round's time ran out.
    pub unfinished: Vec<String>,
    /// Changes the peer sent whose authors this device's directory does not let write
    /// their documents (each is logged by name); they were not applied.
    pub refused_changes: u64,
    /// Attachments' bytes moved after the documents.
    pub blobs: crate::blobs::BlobReport,
    /// Accusations handed over to the peer (第三十条第三款), refused, or still waiting.
    #[serde(default)]
    pub accusations: crate::confidential::HandoverReport,
}

impl RoundReport {
    /// One line for people: what moved.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "与 {} 同步：{} 个文档，收到 {} 项更改，发出 {} 项更改（{} / {} 字节），用时 {} 毫秒",
            if self.peer_name.is_empty() {
                short(&self.peer)
            } else {
                self.peer_name.clone()
            },
            self.documents,
            self.changes_received,
            self.changes_sent,
            self.bytes_received,
            self.bytes_sent,
            self.elapsed_ms
        );
        if self.changes_unconfirmed > 0 {
            line.push_str(&format!(
                "；另有 {} 项更改已提供但对方未确认保存",
                self.changes_unconfirmed
            ));
        }
        if !self.unfinished.is_empty() {
            line.push_str(&format!("；未完成：{}", self.unfinished.join("、")));
        }
        if self.accusations.handed_over > 0 {
            line.push_str(&format!(
                "；移交检举材料 {} 件（本机已不再保留）",
                self.accusations.handed_over
            ));
        }
        if !self.accusations.refused.is_empty() {
            line.push_str(&format!(
                "；{} 件检举材料对方未接收，仍待移交",
                self.accusations.refused.len()
            ));
        }
        if self.refused_changes > 0 {
            line.push_str(&format!(
                "；拒收 {} 项更改（作者无权写入该文档，详见日志）",
                self.refused_changes
            ));
        }
        if !self.blobs.is_empty() {
            line.push('；');
            line.push_str(&self.blobs.summary());
        }
        line
    }

    /// What the round left undone, for people: documents that had not finished and
    /// attachments not fully transferred (empty: the round is complete).
    pub fn incomplete(&self) -> Vec<String> {
        let mut out = self.unfinished.clone();
        out.extend(self.blobs.unfinished.iter().map(|h| format!("附件 {h}")));
        if self.blobs.peer_unfinished {
            out.push("对方尚未取完本机的附件".into());
        }
        out
    }
}

/// How a round with one peer ended.
#[derive(Debug, Clone)]
pub struct PeerOutcome {
    /// The peer's id (hex).
    pub peer: String,
    pub result: Result<RoundReport, RoundFailure>,
}

/// Why a round with one peer failed: its kind, and the full message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundFailure {
    pub kind: SyncErrorKind,
    pub message: String,
}

impl std::fmt::Display for RoundFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<SyncError> for RoundFailure {
    fn from(e: SyncError) -> Self {
        RoundFailure {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

pub(super) fn short(id: &str) -> String {
    id.chars().take(10).collect()
}
