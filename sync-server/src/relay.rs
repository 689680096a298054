//! The iroh relay, in-process: plain HTTP for the LAN and tests, TLS with the county's
//! certificate for production. Only devices the directory enrols may use it, so the
//! county's relay carries no one else's traffic.

use std::sync::Arc;

use fengqiao_store::AccessTable;
use iroh_relay::server::{
    Access, AccessControl, CertConfig, ClientRequest, RelayConfig, Server, ServerConfig, TlsConfig,
};
use tokio::sync::watch;

use crate::config::{RelaySection, TlsSection};

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("中继证书 {path} 无法使用：{reason} (relay.tls)")]
    Certificate { path: String, reason: String },
    #[error("中继无法启动：{0} (relay failed to start)")]
    Spawn(String),
}

/// Admits enrolled, unrevoked devices, by the same table that gates sync.
#[derive(Debug)]
struct EnrolledOnly {
    table: watch::Receiver<Arc<AccessTable>>,
}

impl AccessControl for EnrolledOnly {
    async fn on_connect(&self, request: &ClientRequest) -> Access {
        let id = request.endpoint_id().to_string();
        if self.table.borrow().enrolled(&id).is_some() {
            Access::Allow
        } else {
            tracing::warn!(peer = %id, "relay refused a device the directory does not enrol");
            Access::Deny {
                reason: Some("device not enrolled in this county".into()),
            }
        }
    }
}

fn tls_config(tls: &TlsSection) -> Result<TlsConfig, RelayError> {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;
    let cert_err = |path: &std::path::Path, reason: String| RelayError::Certificate {
        path: path.display().to_string(),
        reason,
    };
    let certs = fengqiao_sync::pem_certificates(&tls.cert).map_err(|e| cert_err(&tls.cert, e))?;
    let key =
        PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| cert_err(&tls.key, e.to_string()))?;
    let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| cert_err(&tls.cert, e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| cert_err(&tls.cert, e.to_string()))?;
    Ok(TlsConfig::new(
        tls.listen,
        CertConfig::Manual { server_config },
    ))
}

/// Starts the relay.
pub async fn start(
    section: &RelaySection,
    table: watch::Receiver<Arc<AccessTable>>,
) -> Result<Server, RelayError> {
    let mut relay = RelayConfig::new(section.listen);
    relay.access = Arc::new(EnrolledOnly { table });
    if let Some(tls) = &section.tls {
        relay.tls = Some(tls_config(tls)?);
    }
    let mut config = ServerConfig::default();
    config.relay = Some(relay);
    let server = Server::spawn(config)
        .await
        .map_err(|e| RelayError::Spawn(e.to_string()))?;
    tracing::info!(
        http = ?server.http_addr(),
        https = ?server.https_addr(),
        "relay up"
    );
    Ok(server)
}
