//! Store errors. Messages are Chinese-first (the staff's language) with the English gist in
//! parentheses, and name the record, field, file or document concerned.

use std::path::PathBuf;

use fengqiao_model::FieldError;

use crate::storage::DurabilityError;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory has not been initialised.
    #[error("数据目录 {0} 尚未初始化，请先运行 `fengqiao init` (data directory not initialised)")]
    NotInitialised(PathBuf),
    /// `init` on a directory that already holds a store.
    #[error("数据目录 {0} 已经初始化过 (already initialised)")]
    AlreadyInitialised(PathBuf),
    /// Another process has the data directory open.
    #[error(
        "数据目录 {0} 正被另一个 Fengqiao 进程使用 (data directory is locked by another process)"
    )]
    Locked(PathBuf),
    /// The directory is encrypted and was opened without its key.
    #[error(
        "数据目录 {0} 已加密，需要口令才能打开（在终端输入，或设置 FENGQIAO_PASSPHRASE / FENGQIAO_PASSPHRASE_FILE） (data directory is encrypted)"
    )]
    Encrypted(PathBuf),
    /// The passphrase could not be had (no terminal, no variable, an unreadable file).
    #[error("{0}")]
    Unlock(String),
    /// A key given for a directory that is not encrypted.
    #[error("数据目录 {0} 未加密（没有 keyring.json） (data directory is not encrypted)")]
    NotEncrypted(PathBuf),
    /// A sealed file that does not open: damaged, swapped, or not this directory's.
    #[error("加密文件 {path} 无法打开：{reason} (sealed file damaged)")]
    Sealed { path: PathBuf, reason: String },
    /// The keyring, a passphrase or a recovery key.
    #[error(transparent)]
    Keyring(#[from] crate::keyring::KeyringError),
    /// A blob whose bytes do not hash to the name it came under: damaged on disk, or sent
    /// wrong by a peer or a bundle.
    #[error(
        "附件 {hash} 的内容与其哈希不符（实为 {actual}），已拒收 (blob does not match its hash)"
    )]
    BlobMismatch { hash: String, actual: String },
    /// A file of the store could not be read or written.
    #[error("读写 {path} 失败：{source} (I/O error)")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The device identity file is damaged.
    #[error("设备身份文件 {path} 已损坏：{reason} (device file damaged)")]
    BadIdentity { path: PathBuf, reason: String },
    /// What the clerk entered is invalid; every problem is listed.
    #[error("登记信息有误：\n{}", .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldError>),
    /// No case with that id or number.
    #[error("找不到案件 {0} (no such case)")]
    NoSuchCase(String),
    #[error("目录中没有设备 {0} (no such device)")]
    NoSuchDevice(String),
    /// A field that cannot be set this way.
    #[error("字段 {field} 不能修改：{why} (field cannot be set)")]
    FieldNotSettable { field: String, why: String },
    /// A value that the field does not accept.
    #[error("字段 {field} 的值 “{value}” 无效：{why} (invalid value)")]
    BadValue {
        field: String,
        value: String,
        why: String,
    },
    /// No conflict at that case and field.
    #[error("案件 {case} 的字段 {field} 没有待解决的冲突 (no such conflict)")]
    NoSuchConflict { case: String, field: String },
    /// The chosen value is not one of the conflicting values.
    #[error("所选值不在冲突的候选值中（共 {count} 个候选，从 1 开始编号） (choice out of range)")]
    BadChoice { count: usize },
    /// A merge, unmerge or dismissal that cannot be made.
    #[error("无法处理重复案件：{0} (bad duplicate decision)")]
    BadMerge(String),
    /// A record in a document does not have the shape the model expects.
    #[error("文档 {doc} 中的记录 {id} 已损坏：{reason} (damaged record)")]
    DamagedRecord {
        doc: String,
        id: String,
        reason: String,
    },
    /// A document's data could not be applied.
    #[error("文档 {doc} 数据无法合并：{reason} (document data rejected)")]
    BadDocumentData { doc: String, reason: String },
    /// A write was not confirmed on disk; the change may be lost.
    #[error("未能确认保存到磁盘：{0}")]
    NotDurable(#[from] DurabilityError),
    /// The device's role or scope does not allow this.
    #[error("本设备无权执行此操作：{0} (not permitted)")]
    NotPermitted(String),
    /// Unknown roster collection.
    #[error("排班文档没有名为 {0} 的记录集 (no such roster collection)")]
    NoSuchCollection(String),
    /// No calendar subscription with that id (or id prefix) in the roster held here.
    #[error("没有编号为 {0} 的日历订阅 (no such calendar subscription)")]
    NoSuchFeed(String),
    /// No item with that id in the intake queue held here.
    #[error("导访登记队列中没有 {0} (no such intake item)")]
    NoSuchIntake(String),
    /// The intake item was already registered as a case.
    #[error("导访登记 {item} 已由 {by} 登记为案件 {case} (intake item already picked up)")]
    IntakeTaken {
        item: String,
        case: String,
        by: String,
    },
    /// An event the case's history makes impossible (第三十二至三十六条…); nothing was
    /// written.
    #[error("{0}")]
    Lifecycle(#[from] fengqiao_rules::LifecycleRefusal),
    /// The repository stopped.
    #[error("存储引擎已停止 (repository stopped)")]
    Stopped,
    /// An Automerge operation failed.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// A document could not be filled or typeset (a missing field names itself).
    #[error("{0}")]
    Paper(#[from] fengqiao_paperwork::PaperError),
    #[error("没有文号为 {0} 的文书 (no such document)")]
    NoSuchDocument(String),
    #[error("不能签发{kind}：{why} (document not allowed)")]
    DocumentRefused { kind: String, why: String },
    #[error(
        "文书 {number} 重新生成的 PDF 与签发时不同（签发时 SHA-256 {issued}，现在 {now}）：{why} (document changed)"
    )]
    DocumentChanged {
        number: String,
        issued: String,
        now: String,
        why: String,
    },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }
}

impl From<samod::Stopped> for StoreError {
    fn from(_: samod::Stopped) -> Self {
        StoreError::Stopped
    }
}
