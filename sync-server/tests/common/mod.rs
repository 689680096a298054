//! A county with a running server, and laptops enrolled with it, all in this process on
//! loopback.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use fengqiao_model::Role;
use fengqiao_store::{InitOptions, Store, TownshipSpec};
use fengqiao_sync::{NodeOptions, SyncNode};
use fengqiao_sync_server::ops::{self, EnrolRequest, Enrolment};
use fengqiao_sync_server::{Config, Server};

pub const COUNTY: &str = "测试县";
pub const TOWNSHIPS: [&str; 2] = ["港口镇", "山城镇"];

/// Everything logged in this test binary, to check that refusals say why.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Waits until the log has `needle` (log lines can trail the event they report).
    pub async fn wait_for(&self, needle: &str) {
        for _ in 0..100 {
            if self.text().contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no log line with “{needle}”");
    }
}

pub fn logs() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,iroh=warn,iroh_relay=warn,samod_core=warn")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        logs
    })
    .clone()
}

/// A new county whose first device is the server; returns its config (loopback, ports
/// chosen by the system).
pub async fn county(root: &Path, websocket: bool, relay: bool) -> Config {
    let townships: Vec<String> = TOWNSHIPS.iter().map(|t| (*t).to_owned()).collect();
    county_with(root, websocket, relay, townships).await
}

/// A county with these townships.
pub async fn county_with(
    root: &Path,
    websocket: bool,
    relay: bool,
    townships: Vec<String>,
) -> Config {
    let root = root.to_owned();
    tokio::task::spawn_blocking(move || county_blocking(&root, websocket, relay, &townships))
        .await
        .unwrap()
}

fn county_blocking(root: &Path, websocket: bool, relay: bool, townships: &[String]) -> Config {
    let data = root.join("server");
    let store = Store::init(
        &data,
        InitOptions {
            device_name: "县同步服务器".into(),
            county: COUNTY.into(),
            role: Role::Server,
            scope: Vec::new(),
            person_name: "管理员".into(),
            townships: townships
                .iter()
                .map(|t| TownshipSpec {
                    name: t.clone(),
                    code: String::new(),
                    villages: Vec::new(),
                })
                .collect(),
            directory: None,
        },
    )
    .unwrap();
    store.close();
    let text = format!(
        "data_dir = \"{}\"\n[sync]\nlisten = \"127.0.0.1:0\"\n[relay]\nenabled = {relay}\nlisten = \"127.0.0.1:0\"\n[admin]\nlisten = \"127.0.0.1:0\"\n[websocket]\nenabled = {websocket}\nlisten = \"127.0.0.1:0\"\nmax_message_bytes = 65536\n",
        data.display()
    );
    Config::parse(&text, Path::new("test.toml"), root).unwrap()
}

pub async fn enrol(server: &Server, request: EnrolRequest) -> Enrolment {
    let store = server.store().clone();
    let addr = server.ticket_addr();
    tokio::task::spawn_blocking(move || ops::enrol(&store, Some(addr), &request))
        .await
        .unwrap()
        .unwrap()
}

/// A township laptop enrolled with the server by ticket.
pub async fn laptop(server: &Server, dir: PathBuf, person: &str) -> Arc<Store> {
    let Enrolment::Ticket { ticket } = enrol(
        server,
        EnrolRequest {
            role: "township".into(),
            scope: vec![TOWNSHIPS[0].into()],
            name: format!("{person}的笔记本"),
            websocket: false,
        },
    )
    .await
    else {
        panic!("expected a ticket");
    };
    let ticket: fengqiao_sync::EnrolmentTicket = ticket.parse().unwrap();
    let store = fengqiao_sync::enrol(&dir, &ticket, "", person)
        .await
        .unwrap();
    Arc::new(store)
}

pub async fn node(store: &Arc<Store>) -> SyncNode {
    SyncNode::start(store.clone(), NodeOptions::loopback())
        .await
        .unwrap()
}

pub async fn add_case(store: &Arc<Store>, name: &str, request: &str) -> fengqiao_model::Case {
    let store = store.clone();
    let (name, request) = (name.to_owned(), request.to_owned());
    tokio::task::spawn_blocking(move || {
        let today = fengqiao_store::now_cst().date_naive();
        let mut r = fengqiao_model::Registration::new(
            fengqiao_model::Channel::Visit,
            today,
            TOWNSHIPS[0],
            &request,
        );
        r.petitioners.push(fengqiao_model::Petitioner {
            name,
            ..Default::default()
        });
        store.add_case(r)
    })
    .await
    .unwrap()
    .unwrap()
}

pub async fn case_count(store: &Arc<Store>) -> usize {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        store
            .list_cases(&fengqiao_store::CaseFilter::default())
            .unwrap()
            .len()
    })
    .await
    .unwrap()
}

/// GET on the admin port; returns status and body.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// One sample of `/metrics`.
pub async fn metric(server: &Server, series: &str) -> u64 {
    metric_at(server.admin_addr, series).await
}

/// One sample of `/metrics` from the admin port at `addr`.
pub async fn metric_at(addr: std::net::SocketAddr, series: &str) -> u64 {
    let (_, body) = http_get(addr, "/metrics").await;
    body.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no series {series} in {body}"))
}
