//! Building a rustls server configuration from files on disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

/// What to do when a CRL's nextUpdate has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrlExpiry {
    /// Refuse every certificate of that CA until a fresh CRL is loaded (fail closed). The
    /// default: a stale CRL may be missing revocations.
    #[default]
    Reject,
    /// Keep using the stale CRL and log a warning at every load (fail open, for an operator
    /// who has decided availability matters more while the CA's CRL publication is fixed).
    Warn,
}

/// Files and limits of the TLS edge.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// The partner CAs: every client certificate must chain to one of them.
    pub client_ca_bundle: PathBuf,
    /// CRLs (PEM, possibly several per file) for those CAs.
    pub crls: Vec<PathBuf>,
    pub crl_expiry: CrlExpiry,
    /// Longest wait for the first byte of the ClientHello after the TCP connection is
    /// accepted. Short, because a silent connection holds a handshake slot meanwhile.
    pub first_byte_timeout: Duration,
    /// Longest TLS handshake, counted from its first byte.
    pub handshake_timeout: Duration,
    /// Connections between accept and the end of their handshake, all sources together. At
    /// the cap new connections wait in the kernel's accept queue until a slot frees.
    pub max_concurrent_handshakes: usize,
    /// Connections between accept and the end of their handshake from one source address
    /// (IPv6: one /64), so one address cannot fill the global cap. Beyond it that source's
    /// new connections wait in its own bounded line; beyond the line they are closed.
    pub max_handshakes_per_source: usize,
}

impl TlsSettings {
    /// The defaults of the limits, for files given by the caller.
    pub const DEFAULT_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(2);
    pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_MAX_CONCURRENT_HANDSHAKES: usize = 1024;
    pub const DEFAULT_MAX_HANDSHAKES_PER_SOURCE: usize = 32;
}

/// Why a TLS configuration could not be built. Names files, never their contents.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{0} holds no certificate")]
    NoCertificate(PathBuf),
    #[error("{0} holds no usable CA certificate")]
    NoCa(PathBuf),
    #[error("{path} holds an unreadable CRL")]
    BadCrl { path: PathBuf },
    #[error("TLS configuration refused: {0}")]
    Rustls(String),
}

fn read_error(path: &Path, err: impl std::fmt::Display) -> TlsError {
    TlsError::Read {
        path: path.to_owned(),
        message: err.to_string(),
    }
}

/// A built configuration and what the operator should hear about it.
#[derive(Debug)]
pub struct BuiltConfig {
    pub config: ServerConfig,
    /// The client-certificate verifier inside `config`, kept to check live connections'
    /// certificates again after a reload.
    pub verifier: Arc<dyn ClientCertVerifier>,
    pub crl_count: usize,
    /// CRLs whose nextUpdate has passed (file, and whether they are being refused).
    pub stale_crls: Vec<PathBuf>,
}

/// Reads the files and builds a server configuration that requires client certificates.
pub fn build_server_config(settings: &TlsSettings) -> Result<BuiltConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());

    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&settings.server_cert)
        .map_err(|e| read_error(&settings.server_cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| read_error(&settings.server_cert, e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(settings.server_cert.clone()));
    }
    let key = PrivateKeyDer::from_pem_file(&settings.server_key)
        .map_err(|e| read_error(&settings.server_key, e))?;

    let mut roots = rustls::RootCertStore::empty();
    let cas = CertificateDer::pem_file_iter(&settings.client_ca_bundle)
        .map_err(|e| read_error(&settings.client_ca_bundle, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_error(&settings.client_ca_bundle, e))?;
    let (added, _ignored) = roots.add_parsable_certificates(cas);
    if added == 0 {
        return Err(TlsError::NoCa(settings.client_ca_bundle.clone()));
    }

    let mut crls = Vec::new();
    let mut stale_crls = Vec::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for path in &settings.crls {
        let found = CertificateRevocationListDer::pem_file_iter(path)
            .map_err(|e| read_error(path, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TlsError::BadCrl { path: path.clone() })?;
        if found.is_empty() {
            return Err(TlsError::BadCrl { path: path.clone() });
        }
        for crl in found {
            let (_, parsed) = CertificateRevocationList::from_der(crl.as_ref())
                .map_err(|_| TlsError::BadCrl { path: path.clone() })?;
            if parsed
                .next_update()
                .is_some_and(|next| next.timestamp() < now)
            {
                stale_crls.push(path.clone());
            }
            crls.push(crl);
        }
    }
    let crl_count = crls.len();

    let mut verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .with_crls(crls);
    if settings.crl_expiry == CrlExpiry::Reject {
        verifier = verifier.enforce_revocation_expiration();
    }
    // Partners' CAs list their end-entity certificates in their CRLs; intermediates need
    // none. Once any CRL is configured, a certificate whose issuer has no CRL loaded has an
    // unknown revocation status and is refused (fail closed): every partner CA in the bundle
    // needs its CRL in `crls`.
    if crl_count > 0 {
        verifier = verifier.only_check_end_entity_revocation();
    }
    let verifier = verifier
        .build()
        .map_err(|e| TlsError::Rustls(e.to_string()))?;

    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_client_cert_verifier(verifier.clone())
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(BuiltConfig {
        config,
        verifier,
        crl_count,
        stale_crls,
    })
}
