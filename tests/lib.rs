//! End-to-end scenarios across crates and processes (see `tests/`), and the helper
//! binaries they drive (see `bin/`).

use chrono::NaiveDate;
use fengqiao_model::{Channel, Content, Petitioner, Registration, Source};

/// A valid registration in 港口镇 with a distinguishing number in the name.
pub fn registration(n: u64) -> Registration {
    Registration {
        channel: Channel::Visit,
        source: Source::Own,
        received_on: NaiveDate::from_ymd_opt(2026, 10, 12).unwrap_or_default(),
        petitioners: vec![Petitioner {
            name: format!("张三{n}"),
            phone: "13800001111".into(),
            ..Default::default()
        }],
        head_count: 1,
        representatives: vec![],
        township: "港口镇".into(),
        village: "西村".into(),
        content: Content {
            request: format!("反映宅基地纠纷（第{n}次登记）"),
            facts: "邻居建房占地".into(),
            reasons: String::new(),
        },
        content_type: None,
        route: None,
        route_list_version: String::new(),
        complaint_type: String::new(),
        lead_unit: String::new(),
        co_units: vec![],
        handler: String::new(),
        responsible_leader: None,
        first_visit_owner: String::new(),
        flags: Default::default(),
    }
}
