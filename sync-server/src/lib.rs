//! `fengqiao-sync-server`: the county's always-on peer.
//!
//! It stores every document the county has, so laptops that are never online together
//! still exchange their work through it (store and forward). Laptops reach it over
//! iroh, directly or through the relay it runs in-process; JavaScript clients may use
//! the automerge-repo WebSocket protocol. Everything is decided by the same directory
//! the laptops replicate: who is enrolled, who is revoked, who may read or write what.
//!
//! - [`config`]: the TOML file, defaults and validation naming the key.
//! - [`server`]: start, serve and stop all parts; the admin HTTP port (`/healthz`,
//!   `/metrics`, the administration API).
//! - [`relay`]: the in-process iroh relay (HTTP or TLS), for enrolled devices only.
//! - [`websocket`]: the token-protected automerge-repo listener.
//! - [`intake_web`]: the online intake form (网上信访) and the petitioner's status lookup.
//! - [`feeds_web`]: calendar subscriptions (日历订阅): the roster feeds phones poll.
//! - [`ops`]: administration on a store (enrolment, devices, status, backup, restore).
//! - [`admin`]: the command line's side: the running server's API, or the store itself.
//! - [`metrics`]: counters and the Prometheus text format.
//! - [`cli`]: the commands.

pub mod admin;
pub mod cli;
pub mod config;
pub mod feeds_web;
pub mod http;
pub mod intake_web;
pub mod metrics;
pub mod ops;
pub mod relay;
pub mod server;
pub mod shards;
pub mod websocket;

pub use config::{Config, ConfigError};
pub use server::Server;
