//! The county's clock: China Standard Time (UTC+8), which every date in the law is in.

use chrono::{DateTime, FixedOffset, Utc};

/// China Standard Time, the offset every timestamp is shown in.
pub fn china_offset() -> FixedOffset {
    const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
        Some(offset) => offset,
        None => panic!("UTC+8 is a valid offset"), // evaluated at compile time
    };
    CST
}

/// The current time in China Standard Time.
pub fn now_cst() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&china_offset())
}
