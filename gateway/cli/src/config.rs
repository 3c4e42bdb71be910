//! Configuration: built-in development defaults, then `--config FILE` (TOML), then
//! `GATEWAY_*` environment variables (nested keys with `__`, e.g. `GATEWAY_TOKENS__AUDIENCE`),
//! then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use gateway_auth::TokenPolicy;
use gateway_edge::{CrlExpiry, HttpLimits, TlsSettings};
use serde::{Deserialize, Serialize};

use crate::cli::Cli;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    pub listen: SocketAddr,
    pub database_url: String,
    /// A development PKI folder, created if absent; when the partner registry is empty its
    /// demo partners are registered. Never set this in production.
    pub dev_pki: Option<PathBuf>,
    /// A Cedar policy directory replacing the policy set built into the binary; validated
    /// strictly at start either way.
    pub policy_dir: Option<PathBuf>,
    pub tls: TlsConfig,
    /// Limits of the HTTP layer (`[http]`; every key optional).
    #[serde(default)]
    pub http: HttpConfig,
    pub tokens: TokensConfig,
    /// The disclosure log's signing key and the subject-pseudonym key (created if absent;
    /// every node of a deployment must share them; never commit them).
    pub keys_dir: PathBuf,
    pub authority: AuthorityConfig,
    /// NCCIS currency windows in months (seed 004: NEET 3, EET 12).
    pub currency: gateway_domain::CurrencyWindows,
    pub break_glass: BreakGlassConfig,
    pub log: LogConfig,
    /// Timeouts on the database path (`[store]`; every key optional, see
    /// `gateway_store::StoreTimeouts`).
    #[serde(default)]
    pub store: gateway_store::StoreTimeouts,
    pub transfers: TransfersConfig,
    /// Exchanges answered by a partner's own HTTPS service (`[[upstream]]` tables).
    #[serde(default)]
    pub upstream: Vec<gateway_api::upstream::ProviderSettings>,
}

/// Cross-border transfers: the neighbouring authorities' gateways this one sends to, and
/// how the outbox retries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransfersConfig {
    /// One delivery attempt, connect to answer.
    pub attempt_timeout_secs: u64,
    /// First retry after this; doubled each failure, up to `max_backoff_secs`.
    pub first_backoff_millis: u64,
    pub max_backoff_secs: u64,
    #[serde(default)]
    pub peers: Vec<PeerConfig>,
}

/// One neighbouring authority's gateway (see `gateway_api::transfers::PeerSettings`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// Its partner id in this gateway's registry.
    pub partner: String,
    /// `host:port`.
    pub address: String,
    pub server_name: String,
    pub server_ca: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub token_key: PathBuf,
    pub token_issuer: String,
    pub token_algorithm: String,
    pub token_audience: String,
    /// Its log public key (PEM), which signs its acknowledgements.
    pub receipt_key: PathBuf,
}

/// This authority and its staff roles.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityConfig {
    /// The authority's three-digit LA code; its own `local_authority` partner(s) with this
    /// code are its staff.
    pub la_code: String,
    /// The NCCIS DatabaseID of this authority's CCIS database: the first three digits of
    /// its YoungPersonsIDs, written in the header of its NCCIS returns.
    pub database_id: u16,
    /// Token roles allowed to record consent, objection and competence.
    pub adviser_roles: Vec<String>,
    /// Token role of the data protection officer.
    pub dpo_role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassConfig {
    /// How long an override lasts from its first use.
    pub window_minutes: u32,
    /// Shortest justification accepted, in characters.
    pub min_justification_chars: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// Most entries committed together (group commit).
    pub max_batch: usize,
    /// A fresh signed tree head at least this often.
    pub resign_secs: u64,
    /// A request waits at most this long for its entry to be committed, then gets
    /// `503 log-unavailable` with `Retry-After` (nothing released).
    #[serde(default = "default_append_deadline_ms")]
    pub append_deadline_ms: u64,
    /// `/readyz` fails once requests have waited this long without a commit.
    #[serde(default = "default_stall_bound_ms")]
    pub stall_bound_ms: u64,
}

fn default_append_deadline_ms() -> u64 {
    duration_ms(gateway_disclosure::LogSettings::default().append_deadline)
}

fn default_stall_bound_ms() -> u64 {
    duration_ms(gateway_disclosure::LogSettings::default().stall_bound)
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_ca_bundle: PathBuf,
    pub crls: Vec<PathBuf>,
    /// `reject` (default): a CRL past its nextUpdate fails its CA's certificates closed.
    /// `warn`: keep using it, with a warning at every load.
    pub crl_expiry: String,
    /// A connection that sends no byte of its ClientHello within this is closed.
    #[serde(default = "default_first_byte_timeout_ms")]
    pub first_byte_timeout_ms: u64,
    pub handshake_timeout_secs: u64,
    /// Connections accepted and not yet through their handshake; at the cap, new ones wait.
    pub max_concurrent_handshakes: usize,
    /// Of those, from one source address (IPv6: one /64); beyond it, closed at once.
    #[serde(default = "default_max_handshakes_per_source")]
    pub max_handshakes_per_source: usize,
    pub reload_poll_secs: u64,
}

fn default_first_byte_timeout_ms() -> u64 {
    duration_ms(TlsSettings::DEFAULT_FIRST_BYTE_TIMEOUT)
}

fn default_max_handshakes_per_source() -> usize {
    TlsSettings::DEFAULT_MAX_HANDSHAKES_PER_SOURCE
}

/// `[http]`: request head, body, time and connection-lifetime limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// From the first byte of a request head to its end.
    pub header_read_timeout_secs: u64,
    /// An open connection with nothing in flight and nothing arriving is closed after this.
    pub keep_alive_timeout_secs: u64,
    /// A connection finishes its request in flight and closes after this long.
    pub max_connection_age_secs: u64,
    /// Request line and headers (431 beyond it; at least 8192).
    pub max_header_bytes: usize,
    /// Request body (413 beyond it).
    pub max_body_bytes: usize,
    /// A request's whole handling (408 while the body is still arriving, else 503).
    pub request_timeout_secs: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        let limits = HttpLimits::default();
        HttpConfig {
            header_read_timeout_secs: limits.header_read_timeout.as_secs(),
            keep_alive_timeout_secs: limits.keep_alive_timeout.as_secs(),
            max_connection_age_secs: limits.max_connection_age.as_secs(),
            max_header_bytes: limits.max_header_bytes,
            max_body_bytes: limits.max_body_bytes,
            request_timeout_secs: limits.request_timeout.as_secs(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensConfig {
    pub audience: String,
    pub leeway_secs: u64,
    pub max_lifetime_secs: u64,
}

impl GatewayConfig {
    fn defaults(dev: bool) -> Self {
        let pki = PathBuf::from("certs/dev");
        GatewayConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            database_url: "sqlite://data/gateway.db".into(),
            dev_pki: dev.then(|| pki.clone()),
            policy_dir: None,
            tls: TlsConfig {
                server_cert: pki.join("server.pem"),
                server_key: pki.join("server.key.pem"),
                client_ca_bundle: pki.join("ca.pem"),
                crls: vec![pki.join("crl.pem")],
                crl_expiry: "reject".into(),
                first_byte_timeout_ms: default_first_byte_timeout_ms(),
                handshake_timeout_secs: TlsSettings::DEFAULT_HANDSHAKE_TIMEOUT.as_secs(),
                max_concurrent_handshakes: TlsSettings::DEFAULT_MAX_CONCURRENT_HANDSHAKES,
                max_handshakes_per_source: default_max_handshakes_per_source(),
                reload_poll_secs: 5,
            },
            http: HttpConfig::default(),
            tokens: TokensConfig {
                audience: "urn:ccis-gateway:dev".into(),
                leeway_secs: 30,
                max_lifetime_secs: 3600,
            },
            keys_dir: PathBuf::from("data/keys"),
            authority: AuthorityConfig {
                la_code: "886".into(),
                // The synthetic cohort numbers its CCIS ids from the LA code, so the demo
                // data's DatabaseID is the LA's number.
                database_id: 886,
                adviser_roles: vec!["adviser".into(), "data_protection_officer".into()],
                dpo_role: "data_protection_officer".into(),
            },
            currency: gateway_domain::CurrencyWindows::default(),
            break_glass: BreakGlassConfig {
                window_minutes: 240,
                min_justification_chars: 20,
            },
            log: LogConfig {
                max_batch: 512,
                resign_secs: 60,
                append_deadline_ms: default_append_deadline_ms(),
                stall_bound_ms: default_stall_bound_ms(),
            },
            store: gateway_store::StoreTimeouts::default(),
            transfers: TransfersConfig {
                attempt_timeout_secs: 10,
                first_backoff_millis: 1000,
                max_backoff_secs: 300,
                peers: Vec::new(),
            },
            upstream: Vec::new(),
        }
    }

    pub fn disclosure_settings(&self) -> gateway_api::DisclosureSettings {
        gateway_api::DisclosureSettings {
            currency: self.currency,
            break_glass_window: time::Duration::minutes(i64::from(self.break_glass.window_minutes)),
            break_glass_min_justification: self.break_glass.min_justification_chars,
            home_la_code: self.authority.la_code.clone(),
            adviser_roles: self.authority.adviser_roles.clone(),
            dpo_role: self.authority.dpo_role.clone(),
        }
    }

    pub fn log_settings(&self) -> gateway_disclosure::LogSettings {
        gateway_disclosure::LogSettings {
            max_batch: self.log.max_batch.max(1),
            resign_interval: Duration::from_secs(self.log.resign_secs.max(1)),
            append_deadline: Duration::from_millis(self.log.append_deadline_ms.max(1)),
            stall_bound: Duration::from_millis(self.log.stall_bound_ms.max(1)),
            ..gateway_disclosure::LogSettings::default()
        }
    }

    /// The transfer settings; `GATEWAY_CRASH_AT` arms a crash point (for crash tests only).
    pub fn transfer_settings(&self) -> anyhow::Result<gateway_api::transfers::TransferSettings> {
        let mut peers = Vec::new();
        for p in &self.transfers.peers {
            peers.push(gateway_api::transfers::PeerSettings {
                partner: gateway_store::PartnerId::parse(&p.partner)
                    .with_context(|| format!("transfer peer partner id {:?}", p.partner))?,
                address: p.address.clone(),
                server_name: p.server_name.clone(),
                server_ca: p.server_ca.clone(),
                client_cert: p.client_cert.clone(),
                client_key: p.client_key.clone(),
                token_key: p.token_key.clone(),
                token_issuer: p.token_issuer.clone(),
                token_algorithm: p.token_algorithm.clone(),
                token_audience: p.token_audience.clone(),
                receipt_key: p.receipt_key.clone(),
            });
        }
        let crash = match std::env::var("GATEWAY_CRASH_AT") {
            Ok(point) if !point.is_empty() => {
                gateway_api::crash::CrashPoint::armed(point, gateway_api::crash::CrashMode::Abort)
            }
            _ => gateway_api::crash::CrashPoint::default(),
        };
        Ok(gateway_api::transfers::TransferSettings {
            peers,
            attempt_timeout: Duration::from_secs(self.transfers.attempt_timeout_secs.max(1)),
            first_backoff: Duration::from_millis(self.transfers.first_backoff_millis.max(10)),
            max_backoff: Duration::from_secs(self.transfers.max_backoff_secs.max(1)),
            crash,
            ..gateway_api::transfers::TransferSettings::default()
        })
    }

    pub fn upstream_settings(&self) -> gateway_api::upstream::UpstreamSettings {
        gateway_api::upstream::UpstreamSettings {
            providers: self.upstream.clone(),
        }
    }

    pub fn load(cli: &Cli) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Self::defaults(cli.config.is_none())));
        if let Some(path) = &cli.config {
            anyhow::ensure!(
                path.exists(),
                "configuration file {} not found",
                path.display()
            );
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("GATEWAY_").split("__").ignore(&[
            "config",
            "log",
            "database_url",
        ]));
        let mut config: GatewayConfig = figment.extract().context("invalid configuration")?;
        if let Some(url) = &cli.database_url {
            config.database_url = url.clone();
        }
        Ok(config)
    }

    pub fn tls_settings(&self) -> anyhow::Result<TlsSettings> {
        let crl_expiry = match self.tls.crl_expiry.as_str() {
            "reject" => CrlExpiry::Reject,
            "warn" => CrlExpiry::Warn,
            other => anyhow::bail!("tls.crl_expiry must be \"reject\" or \"warn\", not {other:?}"),
        };
        Ok(TlsSettings {
            server_cert: self.tls.server_cert.clone(),
            server_key: self.tls.server_key.clone(),
            client_ca_bundle: self.tls.client_ca_bundle.clone(),
            crls: self.tls.crls.clone(),
            crl_expiry,
            first_byte_timeout: Duration::from_millis(self.tls.first_byte_timeout_ms.max(1)),
            handshake_timeout: Duration::from_secs(self.tls.handshake_timeout_secs),
            max_concurrent_handshakes: self.tls.max_concurrent_handshakes,
            max_handshakes_per_source: self.tls.max_handshakes_per_source,
        })
    }

    pub fn http_limits(&self) -> HttpLimits {
        let secs = |s: u64| Duration::from_secs(s.max(1));
        HttpLimits {
            header_read_timeout: secs(self.http.header_read_timeout_secs),
            keep_alive_timeout: secs(self.http.keep_alive_timeout_secs),
            max_connection_age: secs(self.http.max_connection_age_secs),
            max_header_bytes: self.http.max_header_bytes,
            max_body_bytes: self.http.max_body_bytes,
            request_timeout: secs(self.http.request_timeout_secs),
        }
    }

    pub fn token_policy(&self) -> TokenPolicy {
        TokenPolicy {
            audience: self.tokens.audience.clone(),
            leeway_secs: self.tokens.leeway_secs,
            max_lifetime_secs: self.tokens.max_lifetime_secs,
        }
    }
}

/// Makes sure the folder of a `sqlite://` database exists, so a fresh clone just works.
pub fn prepare_database_dir(url: &str) -> anyhow::Result<()> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> GatewayConfig {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../gateway.example.toml");
        Figment::from(Serialized::defaults(GatewayConfig::defaults(false)))
            .merge(Toml::file(path))
            .extract()
            .expect("gateway.example.toml is a valid configuration")
    }

    #[test]
    fn the_example_configuration_states_the_default_edge_limits() {
        let config = example();
        let tls = config.tls_settings().expect("valid TLS settings");
        assert_eq!(
            tls.first_byte_timeout,
            TlsSettings::DEFAULT_FIRST_BYTE_TIMEOUT
        );
        assert_eq!(
            tls.max_handshakes_per_source,
            TlsSettings::DEFAULT_MAX_HANDSHAKES_PER_SOURCE
        );
        assert_eq!(config.http_limits(), HttpLimits::default());
    }

    #[test]
    fn a_configuration_without_the_new_limit_keys_gets_the_defaults() {
        let config: GatewayConfig =
            Figment::from(Serialized::defaults(GatewayConfig::defaults(false)))
                .merge(Toml::string("[http]\nmax_body_bytes = 4096\n"))
                .extract()
                .expect("valid");
        let limits = config.http_limits();
        assert_eq!(limits.max_body_bytes, 4096);
        assert_eq!(
            limits.request_timeout,
            HttpLimits::default().request_timeout
        );
    }
}
