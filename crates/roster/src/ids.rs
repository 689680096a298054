//! Identifiers of roster records: slots, leave, swaps and changes.
//!
//! The store keeps the roster as collections of records in the CRDT document
//! `roster/<county>/<year>`, keyed by these ids and never by a date or a name, because two
//! laptops may edit offline and natural keys would collide.
//!
//! Slot ids are *derived*: a UUIDv8 computed from the county, the rule and the slot's
//! position in the rule (e.g. "week of 2026-01-05, seat 1"). Two laptops that draft the
//! same period offline therefore create the same records, not duplicates, and a later
//! difference (one of them knew of a leave) shows up as a conflict on the same record,
//! where a person resolves it. The position key is an internal coordinate of the rule; the
//! slot's date and leader are ordinary fields that may change.
//!
//! Leave and swap ids come from the caller (the CLI or the app calls `generate()`, which
//! reads the clock through UUIDv7 as the model's ids do); the pure functions of this crate
//! never make up a random or time-based id. Change ids are derived from the action that
//! caused them, so replaying an action is idempotent.

use uuid::Uuid;

pub use fengqiao_model::BadId;

fengqiao_model::uuid_id!(
    /// One reception (or on-call) slot of the roster.
    SlotId, "slot"
);
fengqiao_model::uuid_id!(
    /// A leader's reported leave.
    LeaveId, "leave"
);
fengqiao_model::uuid_id!(
    /// A swap of two slots between their leaders.
    SwapId, "swap"
);
fengqiao_model::uuid_id!(
    /// A visitor's booking (预约) onto a reception slot.
    BookingId, "booking"
);
fengqiao_model::uuid_id!(
    /// A recorded change to a published slot.
    ChangeId, "change"
);

/// A UUIDv8 from a stable 128-bit hash of `parts`.
///
/// `std`'s `DefaultHasher` may change between Rust releases, and every replica must derive
/// the same id for years, so this uses FNV-1a (two 64-bit lanes with different offset
/// bases), which is fixed by its definition.
pub(crate) fn derived_uuid(parts: &[&str]) -> Uuid {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut lane_a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut lane_b: u64 = 0x6c62_272e_07bb_0142;
    for part in parts {
        // A separator byte that cannot occur in UTF-8 keeps ("ab","c") apart from ("a","bc").
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            lane_a = (lane_a ^ u64::from(byte)).wrapping_mul(PRIME);
            lane_b = (lane_b ^ u64::from(byte.rotate_left(3))).wrapping_mul(PRIME);
        }
    }
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&lane_a.to_be_bytes());
    bytes[8..].copy_from_slice(&lane_b.to_be_bytes());
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

impl SlotId {
    /// The id of the slot at `position` of rule `rule_id` in `county`'s roster.
    pub fn derive(county: &str, rule_id: &str, position: &str) -> SlotId {
        SlotId(derived_uuid(&["slot", county, rule_id, position]))
    }
}

impl ChangeId {
    /// The id of the change that action `cause` (a swap, leave or delegation id) made to `slot`.
    pub fn derive(cause: &str, slot: SlotId) -> ChangeId {
        ChangeId(derived_uuid(&["change", cause, &slot.as_string()]))
    }
}

/// The id of a leader named in a rules file without an explicit `id`: derived from the
/// county and the name, so every replica that loads the same file agrees.
pub(crate) fn derived_leader_id(county: &str, name: &str) -> fengqiao_model::LeaderId {
    fengqiao_model::LeaderId(derived_uuid(&["leader", county, name]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let a = SlotId::derive("ningguo", "city-weekly", "w2026-01-05#0");
        let b = SlotId::derive("ningguo", "city-weekly", "w2026-01-05#1");
        assert_ne!(a, b);
        assert_eq!(a, SlotId::derive("ningguo", "city-weekly", "w2026-01-05#0"));
        assert_eq!(a.0.get_version_num(), 8);
        // Pinned: a change here would orphan every stored roster.
        assert_eq!(
            SlotId::derive("ningguo", "city-weekly", "w2026-01-05#0").as_string(),
            "ecb2acb2-d18a-8abd-bd29-f5cabac23de3"
        );
        assert_ne!(derived_uuid(&["ab", "c"]), derived_uuid(&["a", "bc"]));
    }

    #[test]
    fn ids_parse_and_reject() {
        let id = SlotId::derive("x", "y", "z");
        assert_eq!(id.as_string().parse::<SlotId>(), Ok(id));
        let err = "not-a-uuid".parse::<LeaveId>().err();
        assert!(err.is_some_and(|e| e.to_string().contains("leave")));
    }
}
