//! The server's TOML configuration: defaults for everything but the data directory, and
//! validation errors that name the key (`relay.tls.cert`, `admin.listen`, …), so an
//! administrator can fix the file without reading code.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why a configuration was refused. Every variant names the file and, where there is
/// one, the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("无法读取配置文件 {path}：{source} (cannot read config file)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("配置文件 {path} 中 `{key}` 有误：{reason} (invalid config key)")]
    Invalid {
        path: PathBuf,
        key: String,
        reason: String,
    },
}

/// The whole configuration, with defaults applied.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the server keeps its documents, identity and keys. Relative paths are taken
    /// from the config file's folder.
    pub data_dir: PathBuf,
    /// When the data directory is encrypted: the file holding the passphrase the server
    /// opens it with (one of its keyring's, e.g. `fengqiao keys add --name 县服务器`),
    /// readable by the server's user alone. Relative paths are taken from the config
    /// file's folder.
    #[serde(default)]
    pub passphrase_file: Option<PathBuf>,
    /// `error`, `warn`, `info`, `debug`, `trace`, or a `tracing` filter directive.
    #[serde(default = "default_log_level")]
    pub log_level: String,
    #[serde(default)]
    pub sync: SyncSection,
    #[serde(default)]
    pub relay: RelaySection,
    #[serde(default)]
    pub admin: AdminSection,
    #[serde(default)]
    pub websocket: WebSocketSection,
    #[serde(default)]
    pub snapshots: SnapshotSection,
    #[serde(default)]
    pub intake: IntakeSection,
    #[serde(default)]
    pub feeds: FeedsSection,
}

/// The iroh endpoint laptops sync with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncSection {
    /// UDP address of the iroh endpoint.
    pub listen: SocketAddr,
    /// Addresses laptops should dial (put into enrolment tickets); default: `listen`
    /// when it names one interface.
    pub public_addrs: Vec<SocketAddr>,
    /// Announce the server on the LAN by mDNS.
    pub mdns: bool,
    /// One samod repo per township (`<data_dir>/shards/`) for laptops of one township,
    /// so no single repo sees every connection × document (see `shards.rs`).
    pub shards: bool,
}

impl Default for SyncSection {
    fn default() -> Self {
        SyncSection {
            listen: SocketAddr::from(([0, 0, 0, 0], fengqiao_sync::settings::DEFAULT_PORT)),
            public_addrs: Vec::new(),
            mdns: false,
            shards: true,
        }
    }
}

/// The in-process iroh relay.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelaySection {
    pub enabled: bool,
    /// Plain-HTTP address (the relay itself without TLS; the captive-portal probe with).
    pub listen: SocketAddr,
    /// The URL laptops use to reach the relay (e.g. `https://relay.example.gov.cn`);
    /// default: derived from `listen` (or `tls.listen`).
    pub public_url: Option<url::Url>,
    /// TLS with a configured certificate, for production.
    pub tls: Option<TlsSection>,
}

impl Default for RelaySection {
    fn default() -> Self {
        RelaySection {
            enabled: true,
            listen: SocketAddr::from(([0, 0, 0, 0], 3340)),
            public_url: None,
            tls: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    #[serde(default = "default_tls_listen")]
    pub listen: SocketAddr,
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
    /// PEM certificate of the authority that signed `cert`, when it is not a public one
    /// (a county or provincial CA). The server's own node then trusts only it for the
    /// relay; laptops are given the same file as `relay_ca` in their sync settings.
    #[serde(default)]
    pub ca: Option<PathBuf>,
}

/// `/healthz`, `/metrics` and the administration API.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSection {
    /// Localhost by default: the admin API is for the machine's administrator.
    pub listen: SocketAddr,
}

impl Default for AdminSection {
    fn default() -> Self {
        AdminSection {
            listen: SocketAddr::from(([127, 0, 0, 1], 7442)),
        }
    }
}

/// The optional automerge-repo WebSocket listener for JavaScript clients.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSocketSection {
    pub enabled: bool,
    pub listen: SocketAddr,
    /// Larger messages close the connection.
    pub max_message_bytes: usize,
}

impl Default for WebSocketSection {
    fn default() -> Self {
        WebSocketSection {
            enabled: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 7443)),
            max_message_bytes: 16 << 20,
        }
    }
}

/// The online intake form (网上信访): a small public web page that puts items into the
/// county's intake queue and lets a petitioner look their own item up by 查询码. Off by
/// default: a county turns it on once a reverse proxy (TLS) sits in front of it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntakeSection {
    pub enabled: bool,
    pub listen: SocketAddr,
    /// Form submissions and status lookups each client address may make per minute.
    pub requests_per_minute: u32,
    /// Larger request bodies are refused (413) before they are read.
    pub max_body_bytes: usize,
}

impl Default for IntakeSection {
    fn default() -> Self {
        IntakeSection {
            enabled: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 7444)),
            requests_per_minute: 10,
            max_body_bytes: 32 << 10,
        }
    }
}

/// Calendar subscriptions (日历订阅): phones fetch the roster feeds the office issued
/// links for (`fengqiao roster feed issue`). Off by default: a county turns it on once its
/// TLS reverse proxy publishes this listener at the address the links were issued for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedsSection {
    pub enabled: bool,
    pub listen: SocketAddr,
}

impl Default for FeedsSection {
    fn default() -> Self {
        FeedsSection {
            enabled: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 7445)),
        }
    }
}

/// Compaction snapshots: how many superseded ones each document keeps beside the current
/// one, in `superseded/<document id>/` of the data directory (0: deleted once replaced).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SnapshotSection {
    pub keep: usize,
}

impl Default for SnapshotSection {
    fn default() -> Self {
        SnapshotSection { keep: 2 }
    }
}

fn default_log_level() -> String {
    "info".into()
}

fn default_tls_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 443))
}

const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

impl Config {
    /// The data key of an encrypted data directory, from `passphrase_file`; `None` for a
    /// plain one. A wrong passphrase is refused after a delay, nothing touched.
    pub fn data_key(&self) -> Result<Option<fengqiao_store::DataKey>, fengqiao_store::StoreError> {
        use fengqiao_store::{Keyring, KeyringError, StoreError};
        let Some(ring) = Keyring::load(&self.data_dir)? else {
            return Ok(None);
        };
        let Some(file) = &self.passphrase_file else {
            return Err(StoreError::Unlock(format!(
                "数据目录 {} 已加密：请在配置中用 passphrase_file 指定口令文件 (passphrase_file required)",
                self.data_dir.display()
            )));
        };
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(file).map_err(|source| {
            StoreError::Io {
                path: file.clone(),
                source,
            }
        })?);
        match ring.unlock(&self.data_dir, text.trim_end_matches(['\n', '\r'])) {
            Ok((key, _)) => Ok(Some(key)),
            Err(e @ KeyringError::WrongPassphrase(_)) => {
                std::thread::sleep(std::time::Duration::from_secs(2));
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Opens the server's store: with its key when the directory is encrypted.
    pub fn open_store(&self) -> Result<fengqiao_store::Store, fengqiao_store::StoreError> {
        let key = self.data_key()?;
        fengqiao_store::Store::open_with_key(&self.data_dir, key.as_ref())
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, path, base)
    }

    /// Parses and validates config text; `base` resolves relative paths.
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<Config, ConfigError> {
        let invalid = |key: &str, reason: String| ConfigError::Invalid {
            path: path.to_owned(),
            key: key.to_owned(),
            reason,
        };
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .map(|span| key_at(text, span.start))
                .unwrap_or_default();
            invalid(
                if key.is_empty() { "(文件)" } else { &key },
                e.message().to_owned(),
            )
        })?;
        config.data_dir = absolute(base, &config.data_dir);
        config.passphrase_file = config.passphrase_file.map(|p| absolute(base, &p));
        if config.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "不能为空 (must not be empty)".into()));
        }
        if !valid_log_level(&config.log_level) {
            return Err(invalid(
                "log_level",
                format!(
                    "“{}”不是日志级别，应为 {} 之一 (unknown log level)",
                    config.log_level,
                    LEVELS.join("/")
                ),
            ));
        }
        if let Some(url) = &config.relay.public_url
            && !matches!(url.scheme(), "http" | "https")
        {
            return Err(invalid(
                "relay.public_url",
                format!("应以 http:// 或 https:// 开头，而不是 {url} (must be http or https)"),
            ));
        }
        if let Some(tls) = &mut config.relay.tls {
            tls.cert = absolute(base, &tls.cert);
            tls.key = absolute(base, &tls.key);
            tls.ca = tls.ca.as_ref().map(|ca| absolute(base, ca));
            let mut files = vec![("relay.tls.cert", &tls.cert), ("relay.tls.key", &tls.key)];
            if let Some(ca) = &tls.ca {
                files.push(("relay.tls.ca", ca));
            }
            for (key, file) in files {
                if let Err(e) = std::fs::metadata(file) {
                    return Err(invalid(
                        key,
                        format!("无法读取 {}：{e} (file not readable)", file.display()),
                    ));
                }
            }
            if tls.listen == config.relay.listen {
                return Err(invalid(
                    "relay.tls.listen",
                    "不能与 relay.listen 相同 (must differ from relay.listen)".into(),
                ));
            }
        }
        let ws = &config.websocket;
        if !(1024..=fengqiao_sync::transport::MAX_FRAME_BYTES).contains(&ws.max_message_bytes) {
            return Err(invalid(
                "websocket.max_message_bytes",
                format!(
                    "应在 1024 与 {} 之间 (out of range)",
                    fengqiao_sync::transport::MAX_FRAME_BYTES
                ),
            ));
        }
        if config.snapshots.keep > 100 {
            return Err(invalid(
                "snapshots.keep",
                "最多保留 100 个 (at most 100)".into(),
            ));
        }
        if !(1..=10_000).contains(&config.intake.requests_per_minute) {
            return Err(invalid(
                "intake.requests_per_minute",
                "应在 1 与 10000 之间 (out of range)".into(),
            ));
        }
        if !(4096..=(1 << 20)).contains(&config.intake.max_body_bytes) {
            return Err(invalid(
                "intake.max_body_bytes",
                "应在 4096 与 1048576 之间：表单最多约 2000 字 (out of range)".into(),
            ));
        }
        let mut bound = vec![("sync.listen", config.sync.listen)];
        if config.relay.enabled {
            bound.push(("relay.listen", config.relay.listen));
        }
        bound.push(("admin.listen", config.admin.listen));
        if config.websocket.enabled {
            bound.push(("websocket.listen", config.websocket.listen));
        }
        if config.intake.enabled {
            bound.push(("intake.listen", config.intake.listen));
        }
        if config.feeds.enabled {
            bound.push(("feeds.listen", config.feeds.listen));
        }
        for (i, (key, addr)) in bound.iter().enumerate() {
            // The sync endpoint is UDP, the others TCP: only TCP listeners can clash.
            if *key == "sync.listen" || addr.port() == 0 {
                continue;
            }
            if let Some((other, _)) = bound[..i]
                .iter()
                .find(|(k, a)| *k != "sync.listen" && a == addr)
            {
                return Err(invalid(
                    key,
                    format!("与 {other} 使用同一地址 {addr} (address already used by {other})"),
                ));
            }
        }
        Ok(config)
    }

    /// The relay URL laptops (and this server) use, when the relay runs.
    pub fn relay_url(
        &self,
        http: Option<SocketAddr>,
        https: Option<SocketAddr>,
    ) -> Option<url::Url> {
        if !self.relay.enabled {
            return None;
        }
        if let Some(url) = &self.relay.public_url {
            return Some(url.clone());
        }
        let (scheme, addr) = match (https, http) {
            (Some(a), _) => ("https", a),
            (None, Some(a)) => ("http", a),
            (None, None) => return None,
        };
        let host = if addr.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            addr.ip()
        };
        format!("{scheme}://{}/", SocketAddr::new(host, addr.port()))
            .parse()
            .ok()
    }

    /// An example configuration with every key, as shipped in `deploy/`.
    pub fn example() -> &'static str {
        include_str!("../deploy/fengqiao-sync-server.toml")
    }
}

/// A level, or `target=level` directives separated by commas. `tracing` would take a
/// bare word as a target with every level on, which for a typo means "log everything".
fn valid_log_level(text: &str) -> bool {
    let is_level =
        |l: &str| LEVELS.contains(&l.trim().to_ascii_lowercase().as_str()) || l.trim() == "off";
    let directives_ok = text.split(',').all(|part| {
        let part = part.trim();
        match part.rsplit_once('=') {
            Some((target, level)) => !target.trim().is_empty() && is_level(level),
            None => is_level(part),
        }
    });
    directives_ok && tracing_subscriber::EnvFilter::try_new(text).is_ok()
}

fn absolute(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() || p.as_os_str().is_empty() {
        p.to_owned()
    } else {
        base.join(p)
    }
}

/// The dotted key at a byte offset of TOML text: the key on that line, prefixed by the
/// table header above it (`[relay.tls]` + `cert` → `relay.tls.cert`).
fn key_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[line_start..]
        .find('\n')
        .map(|i| line_start + i)
        .unwrap_or(text.len());
    let line = text[line_start..line_end].trim();
    let table = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    if line.starts_with('[') {
        return line
            .trim_matches(|c| c == '[' || c == ']')
            .trim()
            .to_owned();
    }
    let key = line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    match (table, key.is_empty()) {
        (Some(t), false) => format!("{t}.{key}"),
        (Some(t), true) => t,
        (None, _) => key.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("server.toml"), Path::new("/etc/fq"))
    }

    fn key_of(e: ConfigError) -> String {
        match e {
            ConfigError::Invalid { key, .. } => key,
            other => panic!("not a key error: {other}"),
        }
    }

    #[test]
    fn defaults_fill_everything_but_the_data_dir() {
        let c = parse("data_dir = \"data\"\n").unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/etc/fq/data"));
        assert_eq!(c.admin.listen, "127.0.0.1:7442".parse().unwrap());
        assert!(c.relay.enabled);
        assert!(!c.websocket.enabled);
        assert_eq!(c.log_level, "info");
        assert_eq!(c.snapshots.keep, 2);
        assert!(c.sync.shards);
    }

    #[test]
    fn an_encrypted_data_dir_opens_with_the_passphrase_file_the_config_names() {
        use fengqiao_store::{DataKey, KdfParams, Keyring, StoreError};
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let config = |extra: &str| {
            Config::parse(
                &format!("data_dir = \"data\"\n{extra}"),
                &tmp.path().join("server.toml"),
                tmp.path(),
            )
            .unwrap()
        };
        // Plain: no key needed.
        assert!(config("").data_key().unwrap().is_none());
        let key = DataKey::generate();
        Keyring::new(
            &key,
            "县服务器",
            "server passphrase",
            None,
            KdfParams::cheap_for_tests(),
        )
        .unwrap()
        .save(&data)
        .unwrap();
        let err = config("").data_key().unwrap_err().to_string();
        assert!(err.contains("passphrase_file"), "{err}");
        std::fs::write(tmp.path().join("pass"), "server passphrase\n").unwrap();
        let c = config("passphrase_file = \"pass\"\n");
        assert_eq!(c.passphrase_file, Some(tmp.path().join("pass")));
        assert!(c.data_key().unwrap().is_some());
        std::fs::write(tmp.path().join("pass"), "wrong\n").unwrap();
        assert!(matches!(
            c.data_key(),
            Err(StoreError::Keyring(
                fengqiao_store::KeyringError::WrongPassphrase(_)
            ))
        ));
    }

    #[test]
    fn shards_can_be_turned_off_and_a_bad_value_is_named() {
        let c = parse("data_dir = \"d\"\n[sync]\nshards = false\n").unwrap();
        assert!(!c.sync.shards);
        let e = parse("data_dir = \"d\"\n[sync]\nshards = \"yes\"\n").unwrap_err();
        assert_eq!(key_of(e), "sync.shards");
    }

    #[test]
    fn a_missing_data_dir_is_named() {
        let e = parse("log_level = \"info\"\n").unwrap_err();
        assert!(e.to_string().contains("data_dir"), "{e}");
    }

    #[test]
    fn a_wrong_type_names_the_dotted_key() {
        let e = parse("data_dir = \"d\"\n[admin]\nlisten = 7442\n").unwrap_err();
        assert_eq!(key_of(e), "admin.listen");
        let e = parse("data_dir = \"d\"\n[relay]\nenabled = \"yes\"\n").unwrap_err();
        assert_eq!(key_of(e), "relay.enabled");
    }

    #[test]
    fn an_unknown_key_is_named() {
        let e = parse("data_dir = \"d\"\n[websocket]\nport = 1\n").unwrap_err();
        let text = e.to_string();
        assert_eq!(key_of(e), "websocket.port", "{text}");
    }

    #[test]
    fn semantic_checks_name_their_key() {
        let e = parse("data_dir = \"d\"\nlog_level = \"loud\"\n").unwrap_err();
        assert_eq!(key_of(e), "log_level");
        let e = parse("data_dir = \"d\"\n[relay.tls]\ncert = \"no.pem\"\nkey = \"no.key\"\n")
            .unwrap_err();
        assert_eq!(key_of(e), "relay.tls.cert");
        let e = parse("data_dir = \"d\"\n[websocket]\nmax_message_bytes = 10\n").unwrap_err();
        assert_eq!(key_of(e), "websocket.max_message_bytes");
        let e = parse("data_dir = \"d\"\n[relay]\npublic_url = \"ftp://x/\"\n").unwrap_err();
        assert_eq!(key_of(e), "relay.public_url");
        let e = parse(
            "data_dir = \"d\"\n[admin]\nlisten = \"127.0.0.1:9000\"\n[websocket]\nenabled = true\nlisten = \"127.0.0.1:9000\"\n",
        )
        .unwrap_err();
        assert_eq!(key_of(e), "websocket.listen");
        let e = parse("data_dir = \"d\"\n[intake]\nrequests_per_minute = 0\n").unwrap_err();
        assert_eq!(key_of(e), "intake.requests_per_minute");
        let e = parse("data_dir = \"d\"\n[intake]\nmax_body_bytes = 100\n").unwrap_err();
        assert_eq!(key_of(e), "intake.max_body_bytes");
        let e = parse(
            "data_dir = \"d\"\n[admin]\nlisten = \"127.0.0.1:9000\"\n[intake]\nenabled = true\nlisten = \"127.0.0.1:9000\"\n",
        )
        .unwrap_err();
        assert_eq!(key_of(e), "intake.listen");
        let c = parse("data_dir = \"d\"\n").unwrap();
        assert!(!c.intake.enabled, "the public form is off unless asked for");
        assert!(!c.feeds.enabled, "calendar feeds are off unless asked for");
        assert_eq!(c.feeds.listen, "127.0.0.1:7445".parse().unwrap());
        let e = parse(
            "data_dir = \"d\"\n[intake]\nenabled = true\nlisten = \"127.0.0.1:9001\"\n[feeds]\nenabled = true\nlisten = \"127.0.0.1:9001\"\n",
        )
        .unwrap_err();
        assert_eq!(key_of(e), "feeds.listen");
        let e = parse("data_dir = \"d\"\n[feeds]\nport = 1\n").unwrap_err();
        assert_eq!(key_of(e), "feeds.port");
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let c =
            Config::parse(Config::example(), Path::new("example.toml"), Path::new("/")).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/fengqiao-sync-server"));
    }
}
