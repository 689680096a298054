//! Moving documents between laptops — the only crate that touches iroh.
//!
//! - [`node`]: a device on the network. One iroh endpoint (`Minimal` preset: no n0
//!   services, no portmapper) carries samod's protocol over bi-streams in both
//!   directions; a gate admits only devices the directory enrols; rounds report what
//!   moved and remember what each peer has.
//! - [`enrol`]: pairing tickets, one-time enrolment tickets and the enrolment exchange.
//! - [`settings`]: what a device remembers about the network (`sync/` in its data dir).
//! - [`bundle`]: offline bundles, the USB-stick path for villages with no network.
//! - [`transport`]: samod transports over iroh streams, with byte counters, vetting each
//!   received change by its author.
//! - [`blobs`]: attachments' bytes, fetched after a round's documents on their own ALPN.
//! - [`repair`]: a damaged directory fetched whole from the county server or an office
//!   device.

pub mod blobs;
pub mod bundle;
pub mod confidential;
pub mod enrol;
pub mod error;
pub mod node;
pub mod repair;
pub mod settings;
pub mod transport;

pub use blobs::{BLOB_ALPN, BlobRefusal, BlobReport, BlobSource};
pub use enrol::{
    EnrolmentTicket, enrol, enrol_sealed, enrolment_open, offer_enrolment, pairing_ticket,
    parse_pairing_ticket,
};
pub use error::{SyncError, SyncErrorKind};
/// The address type of a device, for callers that only pass addresses on.
pub use iroh::EndpointAddr;
pub use node::{
    AcceptRoute, NodeOptions, NodeStats, PeerOutcome, RoundFailure, RoundReport, SYNC_ALPN,
    SyncNode, device_addr, hand_over, local_ip_addrs, pem_certificates, remembered_peers,
    shutdown_signal,
};
pub use repair::{NotRepaired, RepairReport, repair};
pub use settings::{PeerBook, PeerRecord, SyncSettings};
