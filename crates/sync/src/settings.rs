//! What a device remembers about the network, in its data directory (never replicated):
//! `sync/settings.toml` (how to listen, the county server and relay) and
//! `sync/peers.json` (peers seen, their addresses, what each has of every document).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use iroh::{EndpointAddr, EndpointId, RelayUrl};
use serde::{Deserialize, Serialize};

use crate::error::SyncError;
use fengqiao_store::local::DataDir;

/// The port devices listen on by default: one firewall rule covers every laptop.
pub const DEFAULT_PORT: u16 = 7441;

/// How this device takes part in sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Where to listen for peers.
    pub listen: SocketAddr,
    /// Find colleagues on the LAN by mDNS.
    pub mdns: bool,
    /// The county relay, used when direct paths fail.
    pub relay: Option<RelayUrl>,
    /// The certificate (PEM) of the authority that signed the county relay's TLS
    /// certificate, when that is a county or provincial authority rather than a public
    /// one. With it, only this authority is trusted for the relay. An absolute path.
    pub relay_ca: Option<PathBuf>,
    /// The county sync server.
    pub server: Option<ServerSettings>,
}

/// The county sync server this device syncs with when it is reachable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub id: EndpointId,
    #[serde(default)]
    pub addrs: Vec<SocketAddr>,
    #[serde(default)]
    pub relay: Option<RelayUrl>,
}

impl ServerSettings {
    pub fn endpoint_addr(&self) -> EndpointAddr {
        let mut addr = EndpointAddr::new(self.id);
        for a in &self.addrs {
            addr = addr.with_ip_addr(*a);
        }
        if let Some(relay) = &self.relay {
            addr = addr.with_relay_url(relay.clone());
        }
        addr
    }
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            listen: SocketAddr::from(([0, 0, 0, 0], DEFAULT_PORT)),
            mdns: true,
            relay: None,
            relay_ca: None,
            server: None,
        }
    }
}

/// The peer book's place in the data directory.
const PEERS_FILE: &str = "sync/peers.json";

fn sync_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("sync")
}

impl SyncSettings {
    pub fn path(data_dir: &Path) -> PathBuf {
        sync_dir(data_dir).join("settings.toml")
    }

    /// The settings in `data_dir`, or the defaults when none were saved.
    pub fn load(data_dir: &Path) -> Result<SyncSettings, SyncError> {
        let path = Self::path(data_dir);
        match fs::read_to_string(&path) {
            Ok(text) => {
                let settings: SyncSettings =
                    toml::from_str(&text).map_err(|e| SyncError::BadSettings {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                if let Some(ca) = &settings.relay_ca
                    && !ca.is_absolute()
                {
                    return Err(SyncError::BadSettings {
                        path,
                        reason: format!(
                            "relay_ca 须为绝对路径，而不是 {} (relay_ca must be absolute)",
                            ca.display()
                        ),
                    });
                }
                Ok(settings)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SyncSettings::default()),
            Err(e) => Err(SyncError::Io { path, source: e }),
        }
    }

    pub fn save(&self, data_dir: &Path) -> Result<(), SyncError> {
        let path = Self::path(data_dir);
        let text = toml::to_string_pretty(self).map_err(|e| SyncError::BadSettings {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_file(&path, text.as_bytes())
    }
}

/// What this device knows of one peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerRecord {
    pub name: String,
    /// Last addresses the peer was reached at or announced.
    pub addrs: Vec<SocketAddr>,
    pub relay: Option<RelayUrl>,
    pub last_seen: Option<DateTime<FixedOffset>>,
    pub last_sync: Option<DateTime<FixedOffset>>,
    /// The last round with this peer, in one line.
    pub last_summary: String,
    /// Per document name: the heads (hex) the peer had when the last round ended. A
    /// bundle for this peer carries only what came after them.
    pub heads: BTreeMap<String, Vec<String>>,
}

impl PeerRecord {
    pub fn endpoint_addr(&self, id: EndpointId) -> EndpointAddr {
        let mut addr = EndpointAddr::new(id);
        for a in &self.addrs {
            addr = addr.with_ip_addr(*a);
        }
        if let Some(relay) = &self.relay {
            addr = addr.with_relay_url(relay.clone());
        }
        addr
    }
}

/// Every peer this device has met, by endpoint id (hex).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerBook {
    pub peers: BTreeMap<String, PeerRecord>,
}

impl PeerBook {
    pub fn path(data_dir: &Path) -> PathBuf {
        sync_dir(data_dir).join("peers.json")
    }

    /// The peer book of the data directory (sealed in an encrypted one: it names the
    /// county's devices and where they were reached).
    pub fn load(data: &DataDir) -> Result<PeerBook, SyncError> {
        match data.read_private(PEERS_FILE)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| SyncError::BadSettings {
                path: Self::path(&data.root),
                reason: e.to_string(),
            }),
            None => Ok(PeerBook::default()),
        }
    }

    pub fn save(&self, data: &DataDir) -> Result<(), SyncError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| SyncError::BadSettings {
            path: Self::path(&data.root),
            reason: e.to_string(),
        })?;
        Ok(data.write_private(PEERS_FILE, &bytes)?)
    }

    /// Remembers how `addr` was reached.
    pub fn remember_addr(&mut self, addr: &EndpointAddr) {
        let record = self.peers.entry(addr.id.to_string()).or_default();
        let ips: Vec<SocketAddr> = addr.ip_addrs().copied().collect();
        if !ips.is_empty() {
            record.addrs = ips;
        }
        if let Some(relay) = addr.relay_urls().next() {
            record.relay = Some(relay.clone());
        }
    }
}

/// Writes a small local file whole or not at all.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    let io = |e| SyncError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io)?;
    let tmp = path.with_extension("tmp");
    {
        let mut f = fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_and_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(
            SyncSettings::load(tmp.path()).unwrap(),
            SyncSettings::default()
        );
        let s = SyncSettings {
            mdns: false,
            relay: Some("http://127.0.0.1:3340".parse().unwrap()),
            ..SyncSettings::default()
        };
        s.save(tmp.path()).unwrap();
        assert_eq!(SyncSettings::load(tmp.path()).unwrap(), s);
    }

    #[test]
    fn a_relative_relay_authority_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = SyncSettings::path(tmp.path());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "relay_ca = \"ca.pem\"\n").unwrap();
        let err = SyncSettings::load(tmp.path()).unwrap_err();
        assert!(err.to_string().contains("relay_ca"), "{err}");
        fs::write(&path, "relay_ca = \"/etc/fengqiao/ca.pem\"\n").unwrap();
        let settings = SyncSettings::load(tmp.path()).unwrap();
        assert_eq!(
            settings.relay_ca.as_deref(),
            Some(Path::new("/etc/fengqiao/ca.pem"))
        );
    }

    #[test]
    fn a_misspelt_setting_is_refused_by_name() {
        let tmp = tempfile::tempdir().unwrap();
        let path = SyncSettings::path(tmp.path());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "mdsn = false\n").unwrap();
        let err = SyncSettings::load(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains("mdsn") && err.contains("settings.toml"),
            "{err}"
        );
    }
}
