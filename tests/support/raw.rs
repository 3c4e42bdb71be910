//! A mutual-TLS connection driven byte by byte, for what a well-behaved HTTP client cannot
//! send: heads dribbled a byte at a time, oversized heads, bodies sent after the answer,
//! several requests on one connection with exact control of each byte.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use gateway_pki::IssuedCert;
use rustls::ClientConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::client::TlsStream;

use crate::TestPki;

/// One response as it came off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A TLS connection with a client certificate, under the test's full control.
pub struct RawTls {
    stream: TlsStream<TcpStream>,
    /// Bytes read past the end of the last response.
    pending: Vec<u8>,
}

/// A TCP connection to `addr` from the loopback address `source` (any 127.x.y.z on Linux):
/// how a test plays a client at another address.
pub async fn connect_from(source: IpAddr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = match source {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(source, 0))?;
    socket.connect(addr).await
}

/// A TLS client connection with `cert`, offering the one ALPN protocol `alpn`.
pub async fn tls_over(
    pki: &TestPki,
    cert: &IssuedCert,
    tcp: TcpStream,
    alpn: &[u8],
) -> TlsStream<TcpStream> {
    tcp.set_nodelay(true).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.ca.cert_pem().as_bytes()).unwrap())
        .unwrap();
    let chain = CertificateDer::pem_slice_iter(cert.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![alpn.to_vec()];
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

impl RawTls {
    /// Handshakes with `cert` as the client certificate.
    pub async fn connect(pki: &TestPki, cert: &IssuedCert, addr: SocketAddr) -> Self {
        let tcp = TcpStream::connect(addr).await.unwrap();
        Self::over(pki, cert, tcp).await
    }

    /// Handshakes over an already connected TCP stream.
    pub async fn over(pki: &TestPki, cert: &IssuedCert, tcp: TcpStream) -> Self {
        RawTls {
            stream: tls_over(pki, cert, tcp, b"http/1.1").await,
            pending: Vec::new(),
        }
    }

    /// Writes `bytes` and flushes them onto the wire; the error if the server has gone.
    pub async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// Reads one response (status line, headers, a `Content-Length` body). `None` if the
    /// connection ended or broke first, or nothing complete arrived `within`.
    pub async fn response(&mut self, within: Duration) -> Option<RawResponse> {
        tokio::time::timeout(within, self.read_response())
            .await
            .ok()
            .flatten()
    }

    async fn read_response(&mut self) -> Option<RawResponse> {
        let head_end = loop {
            if let Some(end) = find(&self.pending, b"\r\n\r\n") {
                break end;
            }
            self.fill().await?;
        };
        let head = String::from_utf8(self.pending[..head_end].to_vec()).ok()?;
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while self.pending.len() < body_start + length {
            self.fill().await?;
        }
        let body = self.pending[body_start..body_start + length].to_vec();
        self.pending.drain(..body_start + length);
        Some(RawResponse {
            status,
            headers,
            body,
        })
    }

    async fn fill(&mut self) -> Option<()> {
        let mut buf = [0u8; 4096];
        match self.stream.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                Some(())
            }
        }
    }

    /// Whether the server ends the connection (end of stream or a reset) within `within`,
    /// with nothing more sent to us first.
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        let mut buf = [0u8; 1024];
        let read = tokio::time::timeout(within, self.stream.read(&mut buf)).await;
        matches!(read, Ok(Ok(0)) | Ok(Err(_)))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
