//! Moving documents between laptops. Today: offline bundles, the USB-stick path for
//! villages with no network at all ([`bundle`]). The iroh transport, discovery and
//! authorisation join this crate with the sync issue; it will stay the only crate that
//! touches iroh.

pub mod bundle;
