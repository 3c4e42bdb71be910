//! A partner's side of the gateway: an HTTP client over mutual TLS.
//!
//! Used by the demo, by the end-to-end tests, and by the gateway itself when it calls
//! another authority's gateway. One [`Connection`] is one TLS connection (HTTP/1.1 with
//! keep-alive), so callers control exactly when handshakes happen: a test can keep a
//! connection open across a CRL reload, or time handshakes separately from requests.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;

/// Why a call failed before an HTTP response arrived.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot read {0}")]
    Read(String),
    #[error("TLS configuration: {0}")]
    Config(String),
    #[error("connect: {0}")]
    Connect(std::io::Error),
    /// The TLS handshake failed, or the server ended the connection with a TLS alert (in
    /// TLS 1.3 a refused client certificate shows up on the first read, not the handshake).
    #[error("TLS: {0}")]
    Tls(String),
    #[error("HTTP: {0}")]
    Http(String),
}

/// The trust anchors and client certificate a partner connects with.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    config: Arc<ClientConfig>,
}

impl ClientIdentity {
    /// Trusts the CA(s) in `server_ca` and presents `cert` (chain) with `key`, if given.
    pub fn from_pem(
        server_ca: &[u8],
        cert_and_key: Option<(&[u8], &[u8])>,
    ) -> Result<Self, ClientError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(server_ca) {
            let ca = ca.map_err(|e| ClientError::Config(e.to_string()))?;
            roots
                .add(ca)
                .map_err(|e| ClientError::Config(e.to_string()))?;
        }
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError::Config(e.to_string()))?
            .with_root_certificates(roots);
        let mut config = match cert_and_key {
            Some((cert, key)) => {
                let chain = CertificateDer::pem_slice_iter(cert)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| ClientError::Config(e.to_string()))?;
                let key = PrivateKeyDer::from_pem_slice(key)
                    .map_err(|e| ClientError::Config(e.to_string()))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| ClientError::Config(e.to_string()))?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ClientIdentity {
            config: Arc::new(config),
        })
    }

    /// Reads the CA bundle, certificate and key from files.
    pub fn from_files(server_ca: &Path, cert: &Path, key: &Path) -> Result<Self, ClientError> {
        let read =
            |p: &Path| std::fs::read(p).map_err(|_| ClientError::Read(p.display().to_string()));
        Self::from_pem(&read(server_ca)?, Some((&read(cert)?, &read(key)?)))
    }

    /// Opens one TLS connection to the gateway at `addr`, checking its certificate for
    /// `server_name`.
    pub async fn connect(
        &self,
        addr: SocketAddr,
        server_name: &str,
    ) -> Result<Connection, ClientError> {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(ClientError::Connect)?;
        tcp.set_nodelay(true).map_err(ClientError::Connect)?;
        let name = ServerName::try_from(server_name.to_owned())
            .map_err(|e| ClientError::Config(e.to_string()))?;
        let tls = tokio_rustls::TlsConnector::from(self.config.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        let (sender, conn) = http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        // The connection's own error (e.g. the TLS alert of a refused certificate) is kept
        // by the driver task, and read when a send finds the connection gone.
        let driver = tokio::spawn(conn);
        Ok(Connection {
            sender,
            driver,
            host: "localhost".to_owned(),
        })
    }
}

/// A connection-level failure. A TLS error anywhere in the chain (such as the alert a
/// server sends when it refuses the client certificate) makes it [`ClientError::Tls`].
fn failure(err: hyper::Error) -> ClientError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = source {
        if let Some(tls) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return ClientError::Tls(tls.to_string());
        }
        source = e.source();
    }
    ClientError::Http(err.to_string())
}

/// One open connection to a gateway.
#[derive(Debug)]
pub struct Connection {
    sender: http1::SendRequest<Full<Bytes>>,
    driver: tokio::task::JoinHandle<Result<(), hyper::Error>>,
    /// The `Host` header: `localhost` unless set (a gateway on loopback); a call to a
    /// virtual-hosted service must name it.
    host: String,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// An HTTP response with its body read.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }
}

impl Connection {
    /// Sends a request with an optional bearer token and JSON body.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, ClientError> {
        let body = body.map(|json| Bytes::from(json.to_string()));
        self.send_bytes(method, path, token, body).await
    }

    /// Sends exactly `body` (JSON) as the request body: for a caller that must send the same
    /// bytes on every attempt, or whose bytes are hashed.
    pub async fn send_bytes(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Bytes>,
    ) -> Result<Response, ClientError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, self.host.as_str());
        if let Some(token) = token {
            builder = builder.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(bytes) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/json");
                Full::new(bytes)
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder
            .body(body)
            .map_err(|e| ClientError::Http(e.to_string()))?;
        let sent = match self.sender.ready().await {
            Ok(()) => self.sender.send_request(request).await,
            Err(err) => Err(err),
        };
        let response = match sent {
            Ok(response) => response,
            Err(err) => return Err(self.connection_error(err).await),
        };
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?
            .to_bytes();
        Ok(Response {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// Prefers the connection driver's error, which says why the connection ended, over the
    /// request's own ("channel closed").
    async fn connection_error(&mut self, request_error: hyper::Error) -> ClientError {
        let driver_error =
            match tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.driver).await {
                Ok(Ok(Err(err))) => Some(err),
                _ => None,
            };
        match driver_error {
            Some(err) => failure(err),
            None => failure(request_error),
        }
    }

    pub async fn get(&mut self, path: &str, token: Option<&str>) -> Result<Response, ClientError> {
        self.send(Method::GET, path, token, None).await
    }

    /// Sets the `Host` header of later requests (e.g. `provider.example:9555`).
    pub fn set_host(&mut self, host: &str) {
        host.clone_into(&mut self.host);
    }

    /// Whether the connection is still usable.
    pub fn is_open(&self) -> bool {
        !self.sender.is_closed()
    }
}
