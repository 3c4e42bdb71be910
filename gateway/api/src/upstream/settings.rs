//! How upstream providers are configured (`[[upstream]]` in `gateway.toml`).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Every upstream provider of this deployment (none by default: every exchange is answered
/// from the local store).
#[derive(Debug, Clone, Default)]
pub struct UpstreamSettings {
    pub providers: Vec<ProviderSettings>,
}

/// One exchange answered by a partner's own HTTPS service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// The exchange it answers (`eet-status`, `benefit-registration`, `care-leaver-status`).
    pub exchange: String,
    /// `https://host:port/path`; the gateway POSTs the request contract to it.
    pub url: String,
    /// The name the provider's server certificate must carry (default: the URL's host).
    #[serde(default)]
    pub server_name: Option<String>,
    /// Trust anchors for the provider's server certificate (PEM).
    pub ca: PathBuf,
    /// The gateway's own client certificate (PEM chain) and key, presented to the provider.
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Which of the young person's identifiers the provider is sent (it needs some to find
    /// its own record). Names, addresses and dates of birth are never sent.
    #[serde(default = "default_identifiers")]
    pub identifiers: Vec<SubjectIdentifier>,
    /// Bound on one attempt: resolve, connect, TLS handshake, request and answer.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Extra attempts after a failure, for idempotent calls only (the answer query is one).
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Consecutive failed calls that open the circuit breaker.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// How long an open breaker fails calls fast before letting one probe through.
    #[serde(default = "default_breaker_open_secs")]
    pub breaker_open_secs: u64,
}

impl ProviderSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }

    pub fn breaker_open(&self) -> Duration {
        Duration::from_secs(self.breaker_open_secs)
    }
}

/// An identifier the gateway may pass to a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectIdentifier {
    CcisId,
    Upn,
    Uln,
    Nino,
}

fn default_identifiers() -> Vec<SubjectIdentifier> {
    vec![
        SubjectIdentifier::CcisId,
        SubjectIdentifier::Upn,
        SubjectIdentifier::Uln,
    ]
}

fn default_timeout_ms() -> u64 {
    2000
}

fn default_retries() -> u32 {
    2
}

fn default_breaker_failures() -> u32 {
    5
}

fn default_breaker_open_secs() -> u64 {
    30
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::upstream::{UpstreamConfigError, Upstreams};

    const MINIMAL: &str = r#"
        exchange = "care-leaver-status"
        url = "https://socialcare.kent.example:9555/ssda903/status"
        ca = "ca.pem"
        cert = "gateway.pem"
        key = "gateway.key.pem"
    "#;

    #[test]
    fn a_minimal_table_gets_the_documented_defaults() {
        let p: ProviderSettings = toml::from_str(MINIMAL).unwrap();
        assert_eq!(p.timeout(), Duration::from_secs(2));
        assert_eq!(p.retries, 2);
        assert_eq!(p.breaker_failures, 5);
        assert_eq!(p.breaker_open(), Duration::from_secs(30));
        assert_eq!(
            p.identifiers,
            [
                SubjectIdentifier::CcisId,
                SubjectIdentifier::Upn,
                SubjectIdentifier::Uln
            ]
        );
        assert_eq!(p.server_name, None);
    }

    #[test]
    fn names_and_addresses_cannot_be_configured_as_identifiers() {
        for field in ["given_name", "address", "date_of_birth"] {
            let text = format!("{MINIMAL}\nidentifiers = [\"{field}\"]");
            assert!(
                toml::from_str::<ProviderSettings>(&text).is_err(),
                "{field}"
            );
        }
        let typo = format!("{MINIMAL}\ntimeout = 5");
        assert!(toml::from_str::<ProviderSettings>(&typo).is_err());
    }

    fn load(edit: impl FnOnce(&mut ProviderSettings)) -> Result<Upstreams, UpstreamConfigError> {
        let mut p: ProviderSettings = toml::from_str(MINIMAL).unwrap();
        edit(&mut p);
        Upstreams::load(&UpstreamSettings { providers: vec![p] })
    }

    #[test]
    fn unknown_exchanges_and_urls_that_are_not_plain_https_are_refused_at_start() {
        assert!(matches!(
            load(|p| p.exchange = "transfer".into()),
            Err(UpstreamConfigError::UnknownExchange { .. })
        ));
        for url in [
            "http://socialcare.kent.example/status",
            "https://user:secret@socialcare.kent.example/status",
            "socialcare.kent.example/status",
            "https:///status",
        ] {
            assert!(
                matches!(
                    load(|p| p.url = url.into()),
                    Err(UpstreamConfigError::Url { .. })
                ),
                "{url}"
            );
        }
        assert!(matches!(
            load(|p| p.identifiers.clear()),
            Err(UpstreamConfigError::NoIdentifiers { .. })
        ));
        // Missing certificate files: refused at start, naming the exchange.
        let err = load(|_| {}).unwrap_err();
        assert!(matches!(err, UpstreamConfigError::Identity { .. }));
        assert!(err.to_string().contains("care-leaver-status"), "{err}");
    }
}
