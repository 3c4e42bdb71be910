//! A partner's own HTTPS service, as an upstream provider: external to the product, so the
//! tests build it from rustls and hyper directly. It requires a client certificate from the
//! CA it is given, records what it received (body, `Host`, the client's certificate) and
//! answers as a test tells it to. Its certificates and the gateway's client certificate for
//! it are made at test time by two CAs of their own, as two organisations would.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gateway_api::upstream::ProviderSettings;
use gateway_pki::dev::{write_private, write_public};
use gateway_pki::{CertificateAuthority, ClientCertSpec, IssuedCert};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the provider answers one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    /// Waits this long before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Reply {
            status: 200,
            body,
            delay: Duration::ZERO,
        }
    }

    pub fn status(status: u16) -> Self {
        Reply {
            status,
            body: serde_json::json!({ "error": status }),
            delay: Duration::ZERO,
        }
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One request as the provider saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub body: Value,
    pub raw: String,
    pub host: Option<String>,
    /// The client certificate the TLS layer verified (DER).
    pub client_cert: Vec<u8>,
}

#[derive(Default)]
struct Shared {
    connections: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
    queue: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
}

/// A running provider on loopback.
pub struct TestProvider {
    pub addr: SocketAddr,
    /// The gateway's client certificate for this provider.
    pub gateway_cert: IssuedCert,
    dir: tempfile::TempDir,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl TestProvider {
    /// Starts a provider answering `default` to every request not given a queued reply.
    pub async fn start(default: Reply) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server_ca = CertificateAuthority::generate("Provider Server CA", 30).unwrap();
        let server = server_ca
            .issue_server(&["localhost", "127.0.0.1"], 30)
            .unwrap();
        let client_ca = CertificateAuthority::generate("Gateway Client CA", 30).unwrap();
        let gateway_cert = client_ca
            .issue_client(&ClientCertSpec::new(
                "CCIS gateway 886",
                Some("urn:ccis-gateway:gateway:886"),
                30,
            ))
            .unwrap();
        write_public(&dir.path().join("provider-ca.pem"), server_ca.cert_pem()).unwrap();
        write_public(&dir.path().join("gateway.pem"), &gateway_cert.cert_pem).unwrap();
        write_private(&dir.path().join("gateway.key.pem"), &gateway_cert.key_pem).unwrap();

        let crypto = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(client_ca.cert_pem().as_bytes()) {
            roots.add(ca.unwrap()).unwrap();
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), crypto.clone())
            .build()
            .unwrap();
        let chain = CertificateDer::pem_slice_iter(server.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(server.key_pem.as_bytes()).unwrap();
        let mut config = ServerConfig::builder_with_provider(crypto)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        *shared.default.lock().unwrap() = Some(default);
        let task = tokio::spawn(serve(listener, acceptor, shared.clone()));
        TestProvider {
            addr,
            gateway_cert,
            dir,
            shared,
            task,
        }
    }

    /// The gateway's settings for calling this provider for `exchange`: short timeouts, no
    /// retries and a one-second breaker, which tests change as they need.
    pub fn settings(&self, exchange: &str) -> ProviderSettings {
        let path = |name: &str| -> PathBuf { self.dir.path().join(name) };
        ProviderSettings {
            exchange: exchange.into(),
            url: format!("https://127.0.0.1:{}/ssda903/status", self.addr.port()),
            server_name: Some("localhost".into()),
            ca: path("provider-ca.pem"),
            cert: path("gateway.pem"),
            key: path("gateway.key.pem"),
            identifiers: vec![
                gateway_api::upstream::SubjectIdentifier::CcisId,
                gateway_api::upstream::SubjectIdentifier::Upn,
                gateway_api::upstream::SubjectIdentifier::Uln,
            ],
            timeout_ms: 2000,
            retries: 0,
            breaker_failures: 5,
            breaker_open_secs: 1,
        }
    }

    /// The next requests get these replies, in order, before the default again.
    pub fn queue(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.queue.lock().unwrap().extend(replies);
    }

    /// Changes the default reply.
    pub fn answer_with(&self, reply: Reply) {
        *self.shared.default.lock().unwrap() = Some(reply);
    }

    /// TCP connections accepted so far (including ones whose handshake failed).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.seen.lock().unwrap().len()
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, acceptor: tokio_rustls::TlsAcceptor, shared: Arc<Shared>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let client_cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .map(|c| c.as_ref().to_vec())
                .unwrap_or_default();
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let shared = shared.clone();
                let client_cert = client_cert.clone();
                async move {
                    let host = request
                        .headers()
                        .get(http::header::HOST)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let bytes = request.into_body().collect().await.unwrap().to_bytes();
                    let raw = String::from_utf8_lossy(&bytes).into_owned();
                    shared.seen.lock().unwrap().push(Seen {
                        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                        raw,
                        host,
                        client_cert,
                    });
                    let reply = shared
                        .queue
                        .lock()
                        .unwrap()
                        .pop_front()
                        .or_else(|| shared.default.lock().unwrap().clone())
                        .unwrap();
                    tokio::time::sleep(reply.delay).await;
                    let response = hyper::Response::builder()
                        .status(reply.status)
                        .header(http::header::CONTENT_TYPE, "application/json")
                        .body(Full::new(Bytes::from(reply.body.to_string())))
                        .unwrap();
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}
