//! 日历订阅: the calendar subscriptions the office issued, as the roster view's 订阅 tab
//! shows them.

/// The subscriptions, and the link just issued (shown once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedsView {
    /// Whether the store thread has answered at least once.
    pub loaded: bool,
    /// Oldest first.
    pub rows: Vec<FeedRow>,
    /// The base address of the latest link, to start the next one from.
    pub base_url: String,
    /// The link issued by the last action: its only appearance.
    pub issued: Option<IssuedLink>,
}

/// One subscription; the link itself is not kept anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    pub id: uuid::Uuid,
    /// Whose feed: `赵志刚（市委书记）`, `全部（宁国市信访局）`, `港口镇`.
    pub label: String,
    /// `YYYY-MM-DD HH:MM`.
    pub issued_at: String,
    pub issued_by: String,
    /// When it was revoked; `None` while the link works.
    pub revoked_at: Option<String>,
}

/// A link just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedLink {
    pub label: String,
    /// `webcal://…`, what a phone opens as a subscription (and the QR code holds).
    pub webcal: String,
    /// The same over `https://` for calendar apps without `webcal://`.
    pub url: String,
}
