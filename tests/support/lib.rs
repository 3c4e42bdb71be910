//! What the end-to-end tests share: a PKI made at test time, a fresh database per test on
//! either backend, and [`spawn_app`], which starts the real gateway server on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

mod database;
mod pki;
mod provider;
pub mod proxy;
pub mod raw;
pub mod transfer_pair;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gateway_api::server::{RunningServer, ServerSettings, start};
use gateway_api::upstream::UpstreamSettings;
use gateway_auth::TokenPolicy;
use gateway_auth::mint::{TokenRequest, sign};
use gateway_client::{ClientError, ClientIdentity, Connection};
use gateway_edge::{CrlExpiry, HttpLimits, TlsSettings};
use gateway_pki::{IssuedCert, TokenKeyAlgorithm, TokenSigningKey};
use gateway_store::{AgencyKind, Store};

pub mod scenario;

pub use database::{Backend, TestDatabase};
pub use pki::TestPki;
pub use provider::{Reply, Seen, TestProvider};

/// The audience every test gateway expects.
pub const AUDIENCE: &str = "urn:ccis-gateway:test";

/// Runs each named `async fn(Backend)` as two tests, one per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
    };
}

/// A registered partner as the tests drive it.
pub struct TestPartner {
    pub id: String,
    pub cert: IssuedCert,
    pub token_key: TokenSigningKey,
    pub issuer: String,
}

impl TestPartner {
    /// A token request bound to this partner's certificate, valid for five minutes.
    pub fn token_request(&self) -> TokenRequest {
        TokenRequest {
            issuer: self.issuer.clone(),
            audience: AUDIENCE.into(),
            officer: format!("officer-of-{}", self.id),
            role: "case_worker".into(),
            purpose: "ete-support".into(),
            case_reference: Some("CASE-1".into()),
            cert_thumbprint: self.cert.thumbprint(),
            issued_at: now(),
            lifetime_secs: 300,
        }
    }

    /// A fresh valid token.
    pub fn token(&self) -> String {
        self.sign(&self.token_request().claims())
    }

    /// Signs any claims with this partner's token key.
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        sign(
            claims,
            &self.token_key.private_pem,
            self.token_key.algorithm.jose_name(),
        )
        .unwrap()
    }
}

/// The repository's policy directory.
pub fn policy_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A gateway server running on loopback with its own PKI and database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub server: RunningServer,
    pub store: Arc<dyn Store>,
    pub pki: TestPki,
    pub db: TestDatabase,
}

/// How a test wants its gateway.
#[derive(Clone, Copy)]
pub struct AppOptions {
    pub first_byte_timeout: Duration,
    pub handshake_timeout: Duration,
    pub max_concurrent_handshakes: usize,
    pub max_handshakes_per_source: usize,
    pub reload_poll: Duration,
    pub crl_expiry: CrlExpiry,
    pub http: HttpLimits,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            first_byte_timeout: TlsSettings::DEFAULT_FIRST_BYTE_TIMEOUT,
            handshake_timeout: Duration::from_secs(10),
            max_concurrent_handshakes: 256,
            max_handshakes_per_source: TlsSettings::DEFAULT_MAX_HANDSHAKES_PER_SOURCE,
            reload_poll: Duration::from_millis(100),
            crl_expiry: CrlExpiry::Reject,
            http: HttpLimits::default(),
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, AppOptions::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: AppOptions) -> TestApp {
    try_spawn(backend, options, &policy_dir(), UpstreamSettings::default())
        .await
        .unwrap()
}

/// Starts a gateway whose exchanges in `upstream` are answered by partners' services.
pub async fn spawn_app_with_upstream(backend: Backend, upstream: UpstreamSettings) -> TestApp {
    try_spawn(backend, AppOptions::default(), &policy_dir(), upstream)
        .await
        .unwrap()
}

/// Starts a gateway with another policy directory; the start error if it refuses.
pub async fn spawn_app_in(
    backend: Backend,
    policies: &std::path::Path,
) -> Result<TestApp, gateway_api::server::StartError> {
    try_spawn(
        backend,
        AppOptions::default(),
        policies,
        UpstreamSettings::default(),
    )
    .await
}

async fn try_spawn(
    backend: Backend,
    options: AppOptions,
    policies: &std::path::Path,
    upstream: UpstreamSettings,
) -> Result<TestApp, gateway_api::server::StartError> {
    let pki = TestPki::new();
    let db = TestDatabase::create(backend, pki.dir()).await;
    let mut settings = settings_for(&pki, options, policies);
    settings.upstream = upstream;
    spawn_on(pki, db, settings).await
}

/// The settings [`spawn_app`] uses for `pki`'s files (tests adjust them before
/// [`spawn_on`]).
pub fn settings_for(
    pki: &TestPki,
    options: AppOptions,
    policies: &std::path::Path,
) -> ServerSettings {
    ServerSettings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: TlsSettings {
            server_cert: pki.path("server.pem"),
            server_key: pki.path("server.key.pem"),
            client_ca_bundle: pki.path("ca.pem"),
            crls: vec![pki.path("crl.pem")],
            crl_expiry: options.crl_expiry,
            first_byte_timeout: options.first_byte_timeout,
            handshake_timeout: options.handshake_timeout,
            max_concurrent_handshakes: options.max_concurrent_handshakes,
            max_handshakes_per_source: options.max_handshakes_per_source,
        },
        http: options.http,
        tokens: TokenPolicy {
            audience: AUDIENCE.into(),
            leeway_secs: 5,
            max_lifetime_secs: 3600,
        },
        reload_poll: options.reload_poll,
        policy_dir: Some(policies.to_owned()),
        keys_dir: pki.dir().join("log-keys"),
        disclosure: gateway_api::DisclosureSettings::default(),
        log: gateway_disclosure::LogSettings::default(),
        transfers: gateway_api::transfers::TransferSettings::default(),
        upstream: UpstreamSettings::default(),
    }
}

/// `gateway keys init` for a new deployment: creates the log keys in `keys_dir` and pins
/// them in the (empty) log, as an operator does once before the first start.
pub async fn init_log_keys(store: &dyn Store, keys_dir: &std::path::Path) {
    gateway_disclosure::pinning::init(store, keys_dir)
        .await
        .unwrap();
}

/// Starts a new deployment's gateway on a PKI folder and an empty database: `keys init`
/// first (the gateway never creates keys at start), then the server.
pub async fn spawn_on(
    pki: TestPki,
    db: TestDatabase,
    settings: ServerSettings,
) -> Result<TestApp, gateway_api::server::StartError> {
    let store = gateway_store::connect(&db.url).await.unwrap();
    init_log_keys(store.as_ref(), &settings.keys_dir).await;
    start_on(pki, db, store, settings).await
}

/// Starts a gateway again on an existing deployment's PKI, keys and database (nothing is
/// created: missing or wrong keys make it refuse).
pub async fn restart_on(
    pki: TestPki,
    db: TestDatabase,
    settings: ServerSettings,
) -> Result<TestApp, gateway_api::server::StartError> {
    let store = gateway_store::connect(&db.url).await.unwrap();
    start_on(pki, db, store, settings).await
}

async fn start_on(
    pki: TestPki,
    db: TestDatabase,
    store: Arc<dyn Store>,
    settings: ServerSettings,
) -> Result<TestApp, gateway_api::server::StartError> {
    let server = match start(settings, store.clone()).await {
        Ok(server) => server,
        Err(err) => {
            db.drop_database().await;
            return Err(err);
        }
    };
    Ok(TestApp {
        addr: server.local_addr,
        server,
        store,
        pki,
        db,
    })
}

impl TestApp {
    /// Issues a client certificate and token key for a new partner and registers it.
    pub async fn register(&self, id: &str, kind: AgencyKind) -> TestPartner {
        self.register_la(id, kind, None).await
    }

    /// A partner with a valid certificate from the trusted CA, not registered.
    pub fn issue_partner(&self, id: &str) -> TestPartner {
        TestPartner {
            id: id.into(),
            cert: self.pki.client_cert(id),
            token_key: TokenSigningKey::generate(TokenKeyAlgorithm::Es256).unwrap(),
            issuer: format!("https://idp.{id}.example"),
        }
    }

    pub async fn connect(&self, partner: &TestPartner) -> Connection {
        self.try_connect(&partner.cert).await.unwrap()
    }

    pub async fn try_connect(&self, cert: &IssuedCert) -> Result<Connection, ClientError> {
        self.connect_as(&self.pki.identity(Some(cert))).await
    }

    pub async fn connect_as(&self, identity: &ClientIdentity) -> Result<Connection, ClientError> {
        identity.connect(self.addr, "localhost").await
    }

    /// Connects and makes one authenticated call; the error if the TLS layer refuses.
    pub async fn whoami(
        &self,
        cert: &IssuedCert,
        token: &str,
    ) -> Result<gateway_client::Response, ClientError> {
        let mut conn = self.try_connect(cert).await?;
        conn.get("/v1/whoami", Some(token)).await
    }

    /// Kills the gateway as `kill -9` would (nothing in flight is finished) and starts a new
    /// one on the same PKI, keys and database with `settings`.
    pub async fn kill_and_restart(self, settings: ServerSettings) -> TestApp {
        let TestApp {
            server, pki, db, ..
        } = self;
        server.abort();
        restart_on(pki, db, settings).await.unwrap()
    }

    pub async fn stop(self) {
        self.server.shutdown().await.unwrap();
        self.db.drop_database().await;
    }
}
