//! Record identifiers.
//!
//! Every record created on a laptop gets a UUIDv7, so two laptops that register offline
//! never collide and records sort roughly by creation time. Ids are newtypes so a case id
//! cannot be passed where a note id is expected.

/// An id string that is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{input}” 不是有效的{what}编号 (not a valid {what} id)")]
pub struct BadId {
    /// Which kind of id was expected.
    pub what: &'static str,
    /// The rejected input.
    pub input: String,
}

/// Declares a UUID-backed id newtype with `generate`, `Display`, `FromStr` (with a
/// [`BadId`] naming the kind of id) and transparent serde. Exported so other crates
/// (the roster's slots, leave and swaps) declare their ids the same way.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            $crate::__private::serde::Serialize, $crate::__private::serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub $crate::__private::Uuid);

        impl $name {
            /// A fresh time-ordered id (UUIDv7); reads the system clock, so only the
            /// edges (CLI, app, store) call it.
            pub fn generate() -> Self {
                Self($crate::__private::Uuid::now_v7())
            }

            /// The id as its canonical hyphenated string (a record key in the store).
            pub fn as_string(&self) -> String {
                self.0.to_string()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ids::BadId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::__private::Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| $crate::ids::BadId { what: $what, input: s.to_owned() })
            }
        }
    };
}

uuid_id!(
    /// A petition case (信访事项).
    CaseId, "case"
);
uuid_id!(
    /// One event in a case's history.
    EventId, "event"
);
uuid_id!(
    /// A note on a case.
    NoteId, "note"
);
uuid_id!(
    /// A field visit (下访).
    VisitId, "visit"
);
uuid_id!(
    /// A leader who receives petitioners.
    LeaderId, "leader"
);
uuid_id!(
    /// An organisational unit: county, township, village or department.
    UnitId, "unit"
);
uuid_id!(
    /// A staff member; their author id on every change they make.
    PersonId, "person"
);
uuid_id!(
    /// A conflict resolution decision.
    ResolutionId, "resolution"
);
