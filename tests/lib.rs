//! End-to-end scenarios across crates and processes (see `tests/`), and the helper
//! binaries they drive (see `bin/`).

use chrono::NaiveDate;
use fengqiao_model::{Channel, Registration};

/// A valid registration in 港口镇 with a distinguishing number in the name.
pub fn registration(n: u64) -> Registration {
    let received_on = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap_or_default();
    let mut reg = Registration::new(
        Channel::Visit,
        received_on,
        "港口镇",
        &format!("反映宅基地纠纷（第{n}次登记）"),
    )
    .with_petitioner(&format!("张三{n}"), "13800001111");
    reg.village = "西村".into();
    reg.content.facts = "邻居建房占地".into();
    reg
}
