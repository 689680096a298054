//! The access trail as 设置 shows it to the county office: plain rows, newest first, and
//! the sentences that say what the laptop does not hold (see `fengqiao_store::AccessTrail`).

/// The access trail, for 设置 (only on devices the directory lets read it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessTrailView {
    /// Newest first.
    pub rows: Vec<AccessRow>,
    /// Devices whose trail is not whole here, each as a sentence: the list is incomplete.
    pub gaps: Vec<String>,
    /// Devices with no trail here (most have opened nothing confidential).
    pub unheard: Vec<String>,
}

/// One entry: when (China Standard Time), who, on which device, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub at: String,
    pub who: String,
    pub device: String,
    pub what: String,
}

impl AccessTrailView {
    /// The view of a trail the store read.
    pub fn of(trail: &fengqiao_store::AccessTrail) -> AccessTrailView {
        AccessTrailView {
            rows: trail
                .entries
                .iter()
                .map(|r| AccessRow {
                    at: r.at_cst(),
                    who: r.who.clone(),
                    device: r.device_name.clone(),
                    what: r.what_zh(),
                })
                .collect(),
            gaps: trail.gaps.iter().map(|g| g.zh()).collect(),
            unheard: trail.unheard.clone(),
        }
    }
}
