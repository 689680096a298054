//! Counters the server keeps beside the sync node's, and the Prometheus text exposition
//! of `/metrics` (hand-written: a dozen series need no registry crate).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of what came through the WebSocket listener and what went wrong.
#[derive(Debug, Default)]
pub struct ServerCounters {
    pub ws_sessions: AtomicU64,
    pub ws_connected: AtomicU64,
    pub ws_bytes_received: AtomicU64,
    pub ws_bytes_sent: AtomicU64,
    /// Upgrades refused: no token, an unknown token, a revoked client.
    pub ws_refused: AtomicU64,
    /// Connections ended by garbage, an oversized message or a bad handshake.
    pub ws_protocol_errors: AtomicU64,
    pub backups: AtomicU64,
    /// Online intake: items added to the queue.
    pub intake_submitted: AtomicU64,
    /// Online intake: submissions refused because a field was invalid.
    pub intake_invalid: AtomicU64,
    /// Online intake: requests refused because the body was too large or malformed.
    pub intake_too_large: AtomicU64,
    /// Online intake: requests refused by the per-address rate limit.
    pub intake_rate_limited: AtomicU64,
    /// Online intake: status lookups (found or not).
    pub intake_lookups: AtomicU64,
    /// Calendar feeds sent whole (200).
    pub feeds_served: AtomicU64,
    /// Calendar feed requests answered 304: the phone's copy is current.
    pub feeds_not_modified: AtomicU64,
    /// Calendar feed requests with a token nobody was given (404).
    pub feeds_unknown: AtomicU64,
    /// Calendar feed requests with a revoked token (404).
    pub feeds_revoked: AtomicU64,
}

impl ServerCounters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// One scrape's values.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub connected_devices: u64,
    pub documents: u64,
    /// Township shards running, and the documents they hold open together (the county
    /// repo holds every document besides).
    pub shards: u64,
    /// Shards still catching up with the county repo.
    pub shards_behind: u64,
    /// Shards asleep: none of their laptops lately, no link to the county repo.
    pub shards_asleep: u64,
    /// Times a laptop woke a sleeping shard.
    pub shard_wakes: u64,
    /// Laptops the county repo served because their shard could not catch up in time.
    pub shard_fallbacks: u64,
    pub shard_documents: u64,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    pub iroh_sessions: u64,
    pub ws_sessions: u64,
    pub refused_devices: u64,
    pub ws_refused: u64,
    pub ws_protocol_errors: u64,
    pub storage_failures: u64,
    pub storage_bytes: u64,
    /// What the storage asked of the disk since the server started.
    pub disk: fengqiao_store::storage::DiskCounts,
    pub backups: u64,
    pub uptime_seconds: u64,
    pub intake_submitted: u64,
    pub intake_invalid: u64,
    pub intake_too_large: u64,
    pub intake_rate_limited: u64,
    pub intake_lookups: u64,
    pub feeds_served: u64,
    pub feeds_not_modified: u64,
    pub feeds_unknown: u64,
    pub feeds_revoked: u64,
}

fn series(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

/// The Prometheus text format (version 0.0.4).
pub fn render(s: &Snapshot) -> String {
    let mut out = String::new();
    series(
        &mut out,
        "fengqiao_connected_devices",
        "gauge",
        "Devices connected now (iroh peers and WebSocket clients).",
        &[("", s.connected_devices)],
    );
    series(
        &mut out,
        "fengqiao_documents",
        "gauge",
        "Documents the server holds.",
        &[("", s.documents)],
    );
    series(
        &mut out,
        "fengqiao_shards",
        "gauge",
        "Township shards running (one samod repo each).",
        &[("", s.shards)],
    );
    series(
        &mut out,
        "fengqiao_shards_behind",
        "gauge",
        "Township shards still catching up with the county repo (their laptops are served by the county repo).",
        &[("", s.shards_behind)],
    );
    series(
        &mut out,
        "fengqiao_shards_asleep",
        "gauge",
        "Township shards asleep: none of their laptops lately; they catch up with the county repo when one comes.",
        &[("", s.shards_asleep)],
    );
    series(
        &mut out,
        "fengqiao_shard_wakes_total",
        "counter",
        "Times a township's laptop woke its sleeping shard.",
        &[("", s.shard_wakes)],
    );
    series(
        &mut out,
        "fengqiao_shard_fallbacks_total",
        "counter",
        "Township laptops the county repo served because their shard could not catch up within 2 s.",
        &[("", s.shard_fallbacks)],
    );
    series(
        &mut out,
        "fengqiao_shard_documents",
        "gauge",
        "Documents the township shards hold open together (the county repo holds all besides).",
        &[("", s.shard_documents)],
    );
    series(
        &mut out,
        "fengqiao_received_bytes_total",
        "counter",
        "Sync bytes received.",
        &[("", s.bytes_received)],
    );
    series(
        &mut out,
        "fengqiao_sent_bytes_total",
        "counter",
        "Sync bytes sent.",
        &[("", s.bytes_sent)],
    );
    series(
        &mut out,
        "fengqiao_sync_sessions_total",
        "counter",
        "Sync sessions accepted (one per laptop sync round or live connection).",
        &[
            ("transport=\"iroh\"", s.iroh_sessions),
            ("transport=\"websocket\"", s.ws_sessions),
        ],
    );
    series(
        &mut out,
        "fengqiao_errors_total",
        "counter",
        "Refused or failed interactions, by kind.",
        &[
            ("kind=\"unenrolled_device\"", s.refused_devices),
            ("kind=\"websocket_auth\"", s.ws_refused),
            ("kind=\"websocket_protocol\"", s.ws_protocol_errors),
            ("kind=\"storage\"", s.storage_failures),
        ],
    );
    series(
        &mut out,
        "fengqiao_storage_bytes",
        "gauge",
        "Bytes of the document storage on disk: documents, journal, kept snapshots, shards.",
        &[("", s.storage_bytes)],
    );
    let d = &s.disk;
    for (name, help, value) in [
        (
            "fengqiao_storage_syncs_total",
            "fsync and fdatasync calls of the storage (files, directories, journal).",
            d.syncs,
        ),
        (
            "fengqiao_storage_renames_total",
            "Files the storage renamed into place.",
            d.renames,
        ),
        (
            "fengqiao_storage_unlinks_total",
            "Files the storage removed.",
            d.unlinks,
        ),
        (
            "fengqiao_storage_written_bytes_total",
            "Bytes the storage wrote (journal and files).",
            d.bytes_written,
        ),
        (
            "fengqiao_storage_commits_total",
            "Group commits: journal appends that acknowledged writes.",
            d.commits,
        ),
        (
            "fengqiao_storage_committed_writes_total",
            "Writes those group commits acknowledged.",
            d.committed_writes,
        ),
        (
            "fengqiao_storage_compactions_total",
            "Documents the storage compacted into a snapshot.",
            d.compactions,
        ),
    ] {
        series(&mut out, name, "counter", help, &[("", value)]);
    }
    series(
        &mut out,
        "fengqiao_backups_total",
        "counter",
        "Backups written by the running server.",
        &[("", s.backups)],
    );
    series(
        &mut out,
        "fengqiao_uptime_seconds",
        "gauge",
        "Seconds since the server started.",
        &[("", s.uptime_seconds)],
    );
    series(
        &mut out,
        "fengqiao_intake_submissions_total",
        "counter",
        "Online intake form submissions added to the intake queue.",
        &[("", s.intake_submitted)],
    );
    series(
        &mut out,
        "fengqiao_intake_refused_total",
        "counter",
        "Online intake requests refused, by reason.",
        &[
            ("reason=\"invalid\"", s.intake_invalid),
            ("reason=\"too_large\"", s.intake_too_large),
            ("reason=\"rate_limited\"", s.intake_rate_limited),
        ],
    );
    series(
        &mut out,
        "fengqiao_intake_lookups_total",
        "counter",
        "Online intake status lookups by query code.",
        &[("", s.intake_lookups)],
    );
    series(
        &mut out,
        "fengqiao_calendar_feed_requests_total",
        "counter",
        "Calendar subscription requests, by answer.",
        &[
            ("answer=\"served\"", s.feeds_served),
            ("answer=\"not_modified\"", s.feeds_not_modified),
            ("answer=\"unknown\"", s.feeds_unknown),
            ("answer=\"revoked\"", s.feeds_revoked),
        ],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_help_type_and_labelled_samples() {
        let text = render(&Snapshot {
            connected_devices: 3,
            iroh_sessions: 7,
            ws_refused: 2,
            ..Snapshot::default()
        });
        assert!(
            text.contains(
                "# TYPE fengqiao_connected_devices gauge\nfengqiao_connected_devices 3\n"
            )
        );
        assert!(text.contains("fengqiao_sync_sessions_total{transport=\"iroh\"} 7\n"));
        assert!(text.contains("fengqiao_errors_total{kind=\"websocket_auth\"} 2\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap_or("");
            assert!(value.parse::<u64>().is_ok(), "bad sample line {line}");
        }
    }
}
