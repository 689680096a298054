//! Administration from the command line: against the running server through its admin
//! port when it holds the data directory, else on the data directory directly.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use fengqiao_store::{Store, StoreError};
use iroh::EndpointAddr;
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::ops::{self, EnrolRequest, Enrolment, Manifest, Status};

fn addr_file(data_dir: &Path) -> PathBuf {
    ops::server_dir(data_dir).join("admin.addr")
}

/// Written by the running server, so commands find it even on an ephemeral port.
pub fn write_admin_addr(data_dir: &Path, addr: std::net::SocketAddr) -> std::io::Result<()> {
    let path = addr_file(data_dir);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, addr.to_string())
}

/// Who carries out an administrative command.
pub enum Admin {
    /// No server runs: the data directory is ours.
    Local(Box<Store>, Box<Config>),
    /// The running server, through its admin API.
    Remote(AdminClient),
}

impl Admin {
    pub fn connect(config: &Config) -> Result<Admin> {
        // A running server holds the directory: asked first, so no passphrase is needed.
        if let Err(StoreError::Locked(_)) = Store::check_free(&config.data_dir) {
            return Ok(Admin::Remote(AdminClient::for_running(config)?));
        }
        match config.open_store() {
            Ok(store) => Ok(Admin::Local(Box::new(store), Box::new(config.clone()))),
            Err(StoreError::Locked(_)) => Ok(Admin::Remote(AdminClient::for_running(config)?)),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "打开数据目录 {}（新服务器请先运行 init）",
                    config.data_dir.display()
                )
            }),
        }
    }

    pub fn enrol(self, request: &EnrolRequest) -> Result<Enrolment> {
        match self {
            Admin::Local(store, config) => {
                let addr = offline_ticket_addr(&store, &config);
                let r = ops::enrol(&store, addr, request);
                store.close();
                Ok(r?)
            }
            Admin::Remote(client) => client.post("/admin/enrol", request),
        }
    }

    pub fn devices(self) -> Result<Vec<fengqiao_model::Device>> {
        match self {
            Admin::Local(store, _) => {
                let r = store.devices();
                store.close();
                Ok(r?)
            }
            Admin::Remote(client) => client.get("/admin/devices"),
        }
    }

    pub fn revoke(self, device: &str) -> Result<fengqiao_model::Device> {
        match self {
            Admin::Local(store, _) => {
                let r = ops::revoke(&store, device);
                store.close();
                Ok(r?)
            }
            Admin::Remote(client) => {
                client.post("/admin/revoke", &serde_json::json!({ "device": device }))
            }
        }
    }

    pub fn status(self) -> Result<Status> {
        match self {
            Admin::Local(store, _) => {
                let r = ops::status(&store);
                store.close();
                Ok(r?)
            }
            Admin::Remote(client) => client.get("/admin/status"),
        }
    }

    pub fn backup(self, out: &Path) -> Result<Manifest> {
        // The running server writes the files: the path must mean the same to it.
        let out = std::path::absolute(out).with_context(|| out.display().to_string())?;
        match self {
            Admin::Local(store, _) => {
                let r = ops::backup(&store, &out);
                store.close();
                Ok(r?)
            }
            Admin::Remote(client) => {
                client.post("/admin/backup", &serde_json::json!({ "out": out }))
            }
        }
    }
}

/// Where tickets send laptops when the server is not running: the configured public
/// addresses (or the listen address when it names one interface) and the relay URL.
fn offline_ticket_addr(store: &Store, config: &Config) -> Option<EndpointAddr> {
    let mut addr = EndpointAddr::new(store.device_public_key());
    let mut any = false;
    for a in &config.sync.public_addrs {
        addr = addr.with_ip_addr(*a);
        any = true;
    }
    if !any && !config.sync.listen.ip().is_unspecified() && config.sync.listen.port() != 0 {
        addr = addr.with_ip_addr(config.sync.listen);
        any = true;
    }
    let https = config.relay.tls.as_ref().map(|t| t.listen);
    if let Some(url) = config.relay_url(Some(config.relay.listen), https)
        && let Ok(url) = url.as_str().parse()
    {
        addr = addr.with_relay_url(url);
        any = true;
    }
    any.then_some(addr)
}

/// A client of the running server's admin API: plain HTTP/1.1 to localhost, one request
/// per connection (a few requests a day need no client library).
pub struct AdminClient {
    addr: std::net::SocketAddr,
    token: String,
}

impl AdminClient {
    pub fn for_running(config: &Config) -> Result<AdminClient> {
        let addr = match std::fs::read_to_string(addr_file(&config.data_dir)) {
            Ok(text) => text
                .trim()
                .parse::<std::net::SocketAddr>()
                .with_context(|| format!("{}", addr_file(&config.data_dir).display()))?,
            Err(_) => config.admin.listen,
        };
        let addr = if addr.ip().is_unspecified() {
            std::net::SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        let token = ops::admin_token(&config.data_dir)?;
        Ok(AdminClient { addr, token })
    }

    fn send<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T> {
        use std::io::{Read, Write};
        let unreachable = || format!("服务器管理端口 {} 无应答", self.addr);
        let mut stream = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))
            .with_context(unreachable)?;
        stream.set_read_timeout(Some(Duration::from_secs(300)))?;
        let body = body.unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            self.token,
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .with_context(unreachable)?;
        stream.write_all(&body).with_context(unreachable)?;
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .with_context(unreachable)?;
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| anyhow!("服务器应答不完整"))?;
        let head = String::from_utf8_lossy(&response[..split]);
        let body = &response[split + 4..];
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("服务器应答无法解析：{head}"))?;
        if !(200..300).contains(&status) {
            let message = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
            bail!("{message}");
        }
        serde_json::from_slice(body).map_err(|e| anyhow!("服务器应答无法解析：{e}"))
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.send("GET", path, None)
    }

    fn post<T: DeserializeOwned, B: serde::Serialize>(&self, path: &str, body: &B) -> Result<T> {
        self.send("POST", path, Some(serde_json::to_vec(body)?))
    }
}
