//! Pairing and enrolment tickets, and the enrolment exchange.
//!
//! A *pairing ticket* is iroh's `EndpointTicket`: where a device can be reached, for
//! when mDNS is blocked. An *enrolment ticket* adds a one-time secret: the county office
//! creates one for a new laptop (`fengqiao ticket --enrol`), the laptop presents it once
//! over the enrolment ALPN, and the office writes the laptop's key into the directory
//! and sends the directory back. Only the SHA-256 of the secret is kept on the office
//! laptop, and only until it is used or expires.

use std::fs;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use fengqiao_model::{Device, Role};
use fengqiao_store::{
    DataKey, DocName, InitOptions, Keyring, Seal, Store, StoreError, local::DataDir,
};
use iroh::endpoint::{Connection, PortmapperConfig, presets};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointAddr, RelayConfig, RelayMap, RelayMode};
use iroh_tickets::endpoint::EndpointTicket;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::SyncError;
use crate::settings::PeerBook;

/// The ALPN of the enrolment exchange; admitted before the device is enrolled.
pub const ENROL_ALPN: &[u8] = b"fengqiao/enrol/1";

const ENROL_PREFIX: &str = "fqenrol1";
const MAX_REQUEST_BYTES: usize = 16 << 10;
const MAX_REPLY_BYTES: usize = 256 << 20;

/// How long an enrolment ticket stays valid.
pub const ENROL_TICKET_LIFETIME: chrono::Duration = chrono::Duration::days(7);

/// Where a device can be reached.
pub fn pairing_ticket(addr: &EndpointAddr) -> String {
    EndpointTicket::new(addr.clone()).to_string()
}

/// Reads a pairing ticket (or the address part of an enrolment ticket).
pub fn parse_pairing_ticket(text: &str) -> Result<EndpointAddr, SyncError> {
    let text = text.trim();
    if text.starts_with(ENROL_PREFIX) {
        return Ok(EnrolmentTicket::from_str(text)?.office);
    }
    EndpointTicket::from_str(text)
        .map(|t| t.endpoint_addr().clone())
        .map_err(|e| SyncError::BadTicket {
            reason: e.to_string(),
        })
}

/// A one-time ticket that lets one new laptop join the county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentTicket {
    pub office: EndpointAddr,
    pub county: String,
    pub secret: String,
}

#[derive(Serialize, Deserialize)]
struct TicketBody {
    office: String,
    county: String,
    secret: String,
}

impl std::fmt::Display for EnrolmentTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = TicketBody {
            office: pairing_ticket(&self.office),
            county: self.county.clone(),
            secret: self.secret.clone(),
        };
        let json = serde_json::to_vec(&body).map_err(|_| std::fmt::Error)?;
        write!(
            f,
            "{ENROL_PREFIX}{}",
            data_encoding::BASE32_NOPAD.encode(&json).to_lowercase()
        )
    }
}

impl FromStr for EnrolmentTicket {
    type Err = SyncError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| SyncError::BadTicket {
            reason: reason.to_owned(),
        };
        let rest = s
            .trim()
            .strip_prefix(ENROL_PREFIX)
            .ok_or_else(|| bad("不是登记码（应以 fqenrol1 开头）"))?;
        let json = data_encoding::BASE32_NOPAD
            .decode(rest.to_uppercase().as_bytes())
            .map_err(|_| bad("登记码字符有误（抄写错误？）"))?;
        let body: TicketBody =
            serde_json::from_slice(&json).map_err(|_| bad("登记码内容无法解析"))?;
        Ok(EnrolmentTicket {
            office: parse_pairing_ticket(&body.office)?,
            county: body.county,
            secret: body.secret,
        })
    }
}

/// An enrolment the office has offered and not yet seen used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingEnrolment {
    pub secret_sha256: String,
    pub role: Role,
    pub scope: Vec<String>,
    pub name: String,
    pub expires: DateTime<FixedOffset>,
}

fn pending_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("sync").join("enrolments.json")
}

/// Sealed in an encrypted directory: a secret's hash opens no door by itself, but the
/// names and scopes say who is about to join.
const PENDING_FILE: &str = "sync/enrolments.json";

fn load_pending(data: &DataDir) -> Result<Vec<PendingEnrolment>, SyncError> {
    match data.read_private(PENDING_FILE)? {
        Some(b) => serde_json::from_slice(&b).map_err(|e| SyncError::BadSettings {
            path: pending_path(&data.root),
            reason: e.to_string(),
        }),
        None => Ok(Vec::new()),
    }
}

fn save_pending(data: &DataDir, pending: &[PendingEnrolment]) -> Result<(), SyncError> {
    let bytes = serde_json::to_vec_pretty(pending).map_err(|e| SyncError::BadSettings {
        path: pending_path(&data.root),
        reason: e.to_string(),
    })?;
    Ok(data.write_private(PENDING_FILE, &bytes)?)
}

fn sha256_hex(s: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(s.as_bytes()))
}

/// Offers an enrolment: remembers the secret's hash with the role and scope the new
/// device will have, and returns the ticket to hand over. `office` is where the new
/// device will find this laptop.
pub fn offer_enrolment(
    store: &Store,
    office: EndpointAddr,
    role: Role,
    scope: Vec<String>,
    name: &str,
) -> Result<EnrolmentTicket, SyncError> {
    let mine = store.directory_role()?;
    if !mine.keeps_directory() {
        return Err(SyncError::Enrolment {
            reason: format!(
                "只有信访局、管理员或同步服务器可以登记设备（县目录中本设备的角色：{mine}）"
            ),
        });
    }
    let known: Vec<String> = store.townships()?.into_iter().map(|t| t.name).collect();
    if let Some(unknown) = scope.iter().find(|s| !known.contains(s)) {
        return Err(SyncError::Enrolment {
            reason: format!("没有名为“{unknown}”的乡镇（已知：{}）", known.join("、")),
        });
    }
    if role == Role::Township && scope.is_empty() {
        return Err(SyncError::Enrolment {
            reason: "乡镇设备须指定至少一个乡镇（--scope）".into(),
        });
    }
    let secret: [u8; 16] = rand::random();
    let secret = data_encoding::HEXLOWER.encode(&secret);
    let dir = store.data();
    let now = fengqiao_store::now_cst();
    let mut pending = load_pending(dir)?;
    pending.retain(|p| p.expires > now);
    pending.push(PendingEnrolment {
        secret_sha256: sha256_hex(&secret),
        role,
        scope,
        name: name.to_owned(),
        expires: now + ENROL_TICKET_LIFETIME,
    });
    save_pending(dir, &pending)?;
    Ok(EnrolmentTicket {
        office,
        county: store.identity().county.clone(),
        secret,
    })
}

/// Whether `ticket` (offered by this device) is still waiting for its laptop: not yet
/// used and not expired.
pub fn enrolment_open(store: &Store, ticket: &EnrolmentTicket) -> Result<bool, SyncError> {
    let hash = sha256_hex(&ticket.secret);
    let now = fengqiao_store::now_cst();
    Ok(load_pending(store.data())?
        .iter()
        .any(|p| p.secret_sha256 == hash && p.expires > now))
}

#[derive(Debug, Serialize, Deserialize)]
struct EnrolRequest {
    secret: String,
    device_name: String,
    /// Who will use the laptop: the office records the person, since the laptop may not
    /// write the directory.
    #[serde(default)]
    person_name: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct EnrolReply {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    county: String,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    scope: Vec<String>,
    #[serde(default)]
    device_name: String,
}

/// The office side of enrolment.
#[derive(Clone)]
pub struct EnrolmentDesk {
    store: Arc<Store>,
}

impl std::fmt::Debug for EnrolmentDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnrolmentDesk")
    }
}

impl EnrolmentDesk {
    pub fn new(store: Arc<Store>) -> EnrolmentDesk {
        EnrolmentDesk { store }
    }

    /// Checks the secret, enrols the device, and returns the reply and the directory.
    fn admit(&self, device_id: &str, request: EnrolRequest) -> (EnrolReply, Vec<u8>) {
        let refuse = |reason: String| {
            tracing::warn!(device = %device_id, %reason, "enrolment refused");
            (
                EnrolReply {
                    error: Some(reason),
                    county: String::new(),
                    role: None,
                    scope: Vec::new(),
                    device_name: String::new(),
                },
                Vec::new(),
            )
        };
        let store = &self.store;
        let dir = store.data();
        let mut pending = match load_pending(dir) {
            Ok(p) => p,
            Err(e) => return refuse(e.to_string()),
        };
        let now = fengqiao_store::now_cst();
        let hash = sha256_hex(&request.secret);
        let Some(pos) = pending.iter().position(|p| p.secret_sha256 == hash) else {
            return refuse("登记码无效或已使用".into());
        };
        let offer = pending.remove(pos);
        // Used or expired, the secret is gone for good.
        if let Err(e) = save_pending(dir, &pending) {
            return refuse(e.to_string());
        }
        if offer.expires <= now {
            return refuse("登记码已过期".into());
        }
        let Ok(key) = device_id.parse::<iroh::EndpointId>() else {
            return refuse("设备标识无效".into());
        };
        let name = if request.device_name.trim().is_empty() {
            offer.name.clone()
        } else {
            request.device_name.trim().chars().take(64).collect()
        };
        let device = Device {
            id: device_id.to_owned(),
            name: name.clone(),
            code: fengqiao_store::local::device_code_for(&key),
            role: offer.role,
            scope: offer.scope.clone(),
            enrolled_at: now,
            revoked: false,
            confidential: false,
        };
        let person: String = request.person_name.trim().chars().take(64).collect();
        if let Err(e) = store.enrol_device_with_person(&device, &person) {
            return refuse(e.to_string());
        }
        let directory = match store.export_document(&DocName::Directory) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return refuse("本机没有目录文档".into()),
            Err(e) => return refuse(e.to_string()),
        };
        tracing::info!(device = %device_id, %name, role = %offer.role, "device enrolled");
        (
            EnrolReply {
                error: None,
                county: store.identity().county.clone(),
                role: Some(offer.role),
                scope: offer.scope,
                device_name: name,
            },
            directory,
        )
    }
}

impl ProtocolHandler for EnrolmentDesk {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let device_id = conn.remote_id().to_string();
        let (mut send, mut recv) = conn.accept_bi().await?;
        let bytes = recv
            .read_to_end(MAX_REQUEST_BYTES)
            .await
            .map_err(AcceptError::from_err)?;
        let (reply, directory) = match serde_json::from_slice::<EnrolRequest>(&bytes) {
            Ok(request) => {
                let desk = self.clone();
                let id = device_id.clone();
                tokio::task::spawn_blocking(move || desk.admit(&id, request))
                    .await
                    .map_err(AcceptError::from_err)?
            }
            Err(e) => (
                EnrolReply {
                    error: Some(format!("登记请求无法解析：{e}")),
                    county: String::new(),
                    role: None,
                    scope: Vec::new(),
                    device_name: String::new(),
                },
                Vec::new(),
            ),
        };
        let header = serde_json::to_vec(&reply).map_err(AcceptError::from_err)?;
        send.write_all(&(header.len() as u32).to_be_bytes())
            .await
            .map_err(AcceptError::from_err)?;
        send.write_all(&header)
            .await
            .map_err(AcceptError::from_err)?;
        send.write_all(&directory)
            .await
            .map_err(AcceptError::from_err)?;
        send.finish().map_err(AcceptError::from_err)?;
        // Wait for the laptop to read everything and hang up.
        let _ = tokio::time::timeout(Duration::from_secs(30), conn.closed()).await;
        Ok(())
    }
}

/// Joins the county with an enrolment ticket: creates this laptop's key, presents the
/// ticket to the office, and initialises `data_dir` with the directory it sends.
pub async fn enrol(
    data_dir: &Path,
    ticket: &EnrolmentTicket,
    device_name: &str,
    person_name: &str,
) -> Result<Store, SyncError> {
    enrol_with(data_dir, ticket, device_name, person_name, None).await
}

/// [`enrol`] into an encrypted data directory: its keyring, wrapping `key`, is saved
/// there already; the device key and every file are sealed from the start.
pub async fn enrol_sealed(
    data_dir: &Path,
    ticket: &EnrolmentTicket,
    device_name: &str,
    person_name: &str,
    key: &DataKey,
) -> Result<Store, SyncError> {
    enrol_with(data_dir, ticket, device_name, person_name, Some(key)).await
}

async fn enrol_with(
    data_dir: &Path,
    ticket: &EnrolmentTicket,
    device_name: &str,
    person_name: &str,
    data_key: Option<&DataKey>,
) -> Result<Store, SyncError> {
    let data = match data_key {
        Some(key) => {
            let ring = Keyring::load(data_dir)
                .map_err(StoreError::from)?
                .ok_or_else(|| StoreError::NotEncrypted(data_dir.to_owned()))?;
            ring.check_key(data_dir, key).map_err(StoreError::from)?;
            DataDir::sealed(data_dir, Seal::new(key))
        }
        None => DataDir::new(data_dir),
    };
    if data.is_initialised() {
        return Err(SyncError::AlreadyInitialised(data_dir.to_path_buf()));
    }
    fs::create_dir_all(data_dir).map_err(|e| SyncError::Io {
        path: data_dir.to_path_buf(),
        source: e,
    })?;
    let (key, _) = data.load_or_create_key()?;
    let mut builder = Endpoint::builder(presets::Minimal)
        .secret_key(key)
        .portmapper_config(PortmapperConfig::Disabled);
    builder = match ticket.office.relay_urls().next() {
        Some(url) => builder.relay_mode(RelayMode::Custom(RelayMap::from(RelayConfig::new(
            url.clone(),
            None,
        )))),
        None => builder.relay_mode(RelayMode::Disabled),
    };
    let endpoint = builder.bind().await.map_err(|e| SyncError::Bind {
        addr: "0.0.0.0:0".into(),
        reason: e.to_string(),
    })?;
    let result = exchange(&endpoint, ticket, device_name, person_name).await;
    endpoint.close().await;
    let (reply, directory) = result?;
    if let Some(error) = reply.error {
        return Err(SyncError::Enrolment { reason: error });
    }
    if reply.county != ticket.county {
        return Err(SyncError::Enrolment {
            reason: format!("对方属于 {}，登记码写的是 {}", reply.county, ticket.county),
        });
    }
    let role = reply.role.ok_or_else(|| SyncError::Enrolment {
        reason: "对方未给出角色".into(),
    })?;
    let options = InitOptions {
        device_name: reply.device_name,
        county: reply.county,
        role,
        scope: reply.scope,
        person_name: person_name.to_owned(),
        townships: Vec::new(),
        directory: Some(directory),
    };
    let dir = data_dir.to_path_buf();
    let data_key = data_key.cloned();
    // The store blocks on its own runtime; keep it off this one's workers.
    let store = tokio::task::spawn_blocking(move || match data_key {
        Some(key) => Store::init_sealed(dir, options, &key),
        None => Store::init(dir, options),
    })
    .await??;
    let mut book = PeerBook::load(store.data())?;
    book.remember_addr(&ticket.office);
    book.save(store.data())?;
    Ok(store)
}

async fn exchange(
    endpoint: &Endpoint,
    ticket: &EnrolmentTicket,
    device_name: &str,
    person_name: &str,
) -> Result<(EnrolReply, Vec<u8>), SyncError> {
    let peer = ticket.office.id.to_string();
    let conn = tokio::time::timeout(
        Duration::from_secs(10),
        endpoint.connect(ticket.office.clone(), ENROL_ALPN),
    )
    .await
    .map_err(|_| SyncError::DialTimeout {
        peer: peer.clone(),
        seconds: 10,
    })?
    .map_err(|e| SyncError::Dial {
        peer: peer.clone(),
        reason: e.to_string(),
    })?;
    let io = |e: String| SyncError::Enrolment { reason: e };
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| io(e.to_string()))?;
    let request = serde_json::to_vec(&EnrolRequest {
        secret: ticket.secret.clone(),
        device_name: device_name.to_owned(),
        person_name: person_name.to_owned(),
    })
    .map_err(|e| io(e.to_string()))?;
    send.write_all(&request)
        .await
        .map_err(|e| io(e.to_string()))?;
    send.finish().map_err(|e| io(e.to_string()))?;
    let bytes = tokio::time::timeout(Duration::from_secs(60), recv.read_to_end(MAX_REPLY_BYTES))
        .await
        .map_err(|_| io("等待办公室回复超时".into()))?
        .map_err(|e| io(e.to_string()))?;
    conn.close(0u32.into(), b"done");
    if bytes.len() < 4 {
        return Err(io("回复不完整".into()));
    }
    let (len, rest) = bytes.split_at(4);
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    if rest.len() < len {
        return Err(io("回复不完整".into()));
    }
    let (header, directory) = rest.split_at(len);
    let reply: EnrolReply =
        serde_json::from_slice(header).map_err(|e| io(format!("回复无法解析：{e}")))?;
    Ok((reply, directory.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrolment_tickets_round_trip_and_typos_are_named() {
        let key = iroh::SecretKey::from_bytes(&[7u8; 32]);
        let addr = EndpointAddr::new(key.public()).with_ip_addr("127.0.0.1:7441".parse().unwrap());
        let ticket = EnrolmentTicket {
            office: addr.clone(),
            county: "宁国市".into(),
            secret: "00ff".into(),
        };
        let text = ticket.to_string();
        assert!(text.starts_with("fqenrol1"));
        assert_eq!(text.parse::<EnrolmentTicket>().unwrap(), ticket);
        assert_eq!(parse_pairing_ticket(&text).unwrap(), addr);
        assert_eq!(parse_pairing_ticket(&pairing_ticket(&addr)).unwrap(), addr);
        let garbled = format!("{}1", &text[..text.len() - 3]);
        assert!(garbled.parse::<EnrolmentTicket>().is_err());
        assert!(parse_pairing_ticket("endpointnonsense").is_err());
    }
}
