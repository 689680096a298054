//! Errors of network sync, in the user's language first (the English in brackets is for
//! logs and bug reports).

use std::path::PathBuf;

use fengqiao_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("无法读写 {path}：{source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("同步设置 {path} 无效：{reason} (bad sync settings)")]
    BadSettings { path: PathBuf, reason: String },
    #[error("无法在 {addr} 上监听：{reason}（端口被占用？） (cannot bind)")]
    Bind { addr: String, reason: String },
    #[error("连接 {peer} 超时（{seconds} 秒内无应答） (dial timed out)")]
    DialTimeout { peer: String, seconds: u64 },
    #[error("无法连接 {peer}：{reason} (dial failed)")]
    Dial { peer: String, reason: String },
    #[error("设备 {peer} 未在本县目录中登记或已被吊销，拒绝同步 (peer not enrolled)")]
    NotEnrolled { peer: String },
    #[error("对方拒绝了连接：{reason} (refused by peer)")]
    Refused { reason: String },
    /// The peer refused this device because the directory revoked it.
    #[error(
        "本设备已被县信访局吊销，{peer} 拒绝同步；如需继续使用，请联系县信访局重新登记 (this device was revoked)"
    )]
    Revoked { peer: String },
    #[error("配对码无效：{reason} (bad ticket)")]
    BadTicket { reason: String },
    #[error("登记失败：{reason} (enrolment failed)")]
    Enrolment { reason: String },
    #[error("同步未完成：{reason} (round incomplete)")]
    Incomplete { reason: String },
    #[error("数据目录 {0} 已初始化，不能再用登记码加入 (already initialised)")]
    AlreadyInitialised(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("后台任务失败：{0}")]
    Task(String),
}

impl From<tokio::task::JoinError> for SyncError {
    fn from(e: tokio::task::JoinError) -> Self {
        SyncError::Task(e.to_string())
    }
}

/// What kind of failure a [`SyncError`] is, for callers that say it in their own words
/// (the app translates these; the message keeps the details).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum SyncErrorKind {
    Io,
    BadSettings,
    Bind,
    DialTimeout,
    Dial,
    NotEnrolled,
    Refused,
    BadTicket,
    Enrolment,
    Incomplete,
    AlreadyInitialised,
    Store,
    Task,
}

impl SyncError {
    /// The kind of this error.
    pub fn kind(&self) -> SyncErrorKind {
        match self {
            SyncError::Io { .. } => SyncErrorKind::Io,
            SyncError::BadSettings { .. } => SyncErrorKind::BadSettings,
            SyncError::Bind { .. } => SyncErrorKind::Bind,
            SyncError::DialTimeout { .. } => SyncErrorKind::DialTimeout,
            SyncError::Dial { .. } => SyncErrorKind::Dial,
            SyncError::NotEnrolled { .. } => SyncErrorKind::NotEnrolled,
            // A refusal, in the kind's terms; the message says it was a revocation.
            SyncError::Refused { .. } | SyncError::Revoked { .. } => SyncErrorKind::Refused,
            SyncError::BadTicket { .. } => SyncErrorKind::BadTicket,
            SyncError::Enrolment { .. } => SyncErrorKind::Enrolment,
            SyncError::Incomplete { .. } => SyncErrorKind::Incomplete,
            SyncError::AlreadyInitialised(_) => SyncErrorKind::AlreadyInitialised,
            SyncError::Store(_) => SyncErrorKind::Store,
            SyncError::Task(_) => SyncErrorKind::Task,
        }
    }
}
