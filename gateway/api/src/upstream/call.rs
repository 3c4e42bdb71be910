//! Calling one provider: mutual TLS with the gateway's own client certificate, a deadline on
//! every attempt, retries only where repeating the call is harmless, and a circuit breaker.
//!
//! One attempt = resolve + connect + TLS handshake + request + the whole answer, all under
//! one deadline (`timeout_ms`); a fresh connection per attempt, so a provider that hung a
//! connection cannot hang the next attempt too.
//!
//! Retried (up to `retries` more attempts, backoff 50 ms doubling, at most 1 s):
//! - a failure before the request could have left (resolve, connect, handshake, or the
//!   deadline passing during those), whatever the call;
//! - a timeout, a broken connection or a 5xx after it may have left, only for a call marked
//!   idempotent ([`Call::idempotent`]).
//!
//! Never retried: a 4xx (the provider understood and refused; asking again changes nothing),
//! and a 200 whose answer is malformed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gateway_client::{ClientError, ClientIdentity};
use gateway_exchange::{Answer, Exchange};
use http::{Method, StatusCode, Uri};
use serde_json::Value;

use super::breaker::{Admission, Breaker, BreakerState};
use super::settings::{ProviderSettings, SubjectIdentifier, UpstreamSettings};

/// Bigger answers are refused: every exchange's answer is a handful of fields.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
const BACKOFF_FIRST: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Why the upstream configuration was refused at start.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamConfigError {
    #[error("upstream #{index}: {exchange:?} is not an exchange")]
    UnknownExchange { index: usize, exchange: String },
    #[error("upstream for {exchange}: configured more than once")]
    Duplicate { exchange: &'static str },
    #[error("upstream for {exchange}: url must be https://host[:port]/path without user info")]
    Url { exchange: &'static str },
    #[error("upstream for {exchange}: no identifiers to send")]
    NoIdentifiers { exchange: &'static str },
    #[error("upstream for {exchange}: client identity: {source}")]
    Identity {
        exchange: &'static str,
        #[source]
        source: ClientError,
    },
}

/// Why a call produced no answer. Holds no value from the request or the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The last attempt did not finish before its deadline.
    #[error("the provider did not answer in time")]
    Timeout,
    /// The circuit breaker is open: no attempt was made.
    #[error("the provider is unavailable (circuit breaker open)")]
    Unavailable { retry_after: Duration },
    /// Connection, TLS, a 4xx or 5xx, or an answer that is not a valid answer.
    #[error("the provider call failed: {0}")]
    Failed(&'static str),
}

/// A call to make.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The JSON body to POST.
    pub body: &'a Value,
    /// Whether repeating the call is harmless (a read). A call that is not idempotent is
    /// retried only when the request certainly never left.
    pub idempotent: bool,
}

/// What a provider said.
#[derive(Debug, Clone, PartialEq)]
pub enum Answered {
    /// A valid answer (not yet minimised).
    Answer(Answer),
    /// `404`: the provider has no answer for this young person.
    NoAnswer,
}

/// The configured providers, by exchange.
#[derive(Debug, Default)]
pub struct Upstreams {
    providers: HashMap<Exchange, Arc<Provider>>,
}

impl Upstreams {
    /// Reads every provider's certificates and checks its settings.
    pub fn load(settings: &UpstreamSettings) -> Result<Self, UpstreamConfigError> {
        let mut providers = HashMap::new();
        for (index, config) in settings.providers.iter().enumerate() {
            let provider = Provider::new(index, config)?;
            let exchange = provider.exchange;
            if providers.insert(exchange, Arc::new(provider)).is_some() {
                return Err(UpstreamConfigError::Duplicate {
                    exchange: exchange.name(),
                });
            }
            tracing::info!(
                exchange = exchange.name(),
                "exchange answered by an upstream provider"
            );
        }
        Ok(Upstreams { providers })
    }

    /// The provider answering `exchange`, if it is not answered locally.
    pub fn provider(&self, exchange: Exchange) -> Option<&Arc<Provider>> {
        self.providers.get(&exchange)
    }
}

/// One provider and its breaker.
#[derive(Debug)]
pub struct Provider {
    exchange: Exchange,
    host: String,
    port: u16,
    /// The `Host` header.
    authority: String,
    path: String,
    server_name: String,
    identity: ClientIdentity,
    identifiers: Vec<SubjectIdentifier>,
    timeout: Duration,
    retries: u32,
    breaker: Mutex<Breaker>,
}

/// How one attempt failed.
#[derive(Debug, Clone, Copy)]
struct AttemptFailure {
    error: UpstreamError,
    /// The request may have reached the provider.
    sent: bool,
    /// Another attempt might succeed.
    transient: bool,
    /// The provider is up and answering (a 4xx): not a failure for the breaker.
    alive: bool,
}

impl AttemptFailure {
    fn before_send(error: UpstreamError) -> Self {
        AttemptFailure {
            error,
            sent: false,
            transient: true,
            alive: false,
        }
    }

    fn after_send(error: UpstreamError, transient: bool) -> Self {
        AttemptFailure {
            error,
            sent: true,
            transient,
            alive: false,
        }
    }
}

impl Provider {
    fn new(index: usize, config: &ProviderSettings) -> Result<Self, UpstreamConfigError> {
        let exchange = Exchange::from_name(&config.exchange).ok_or_else(|| {
            UpstreamConfigError::UnknownExchange {
                index,
                exchange: config.exchange.clone(),
            }
        })?;
        let name = exchange.name();
        let bad_url = || UpstreamConfigError::Url { exchange: name };
        let uri: Uri = config.url.parse().map_err(|_| bad_url())?;
        let authority = uri.authority().ok_or_else(bad_url)?;
        if uri.scheme_str() != Some("https") || authority.as_str().contains('@') {
            return Err(bad_url());
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.is_empty() {
            return Err(bad_url());
        }
        if config.identifiers.is_empty() {
            return Err(UpstreamConfigError::NoIdentifiers { exchange: name });
        }
        let identity = ClientIdentity::from_files(&config.ca, &config.cert, &config.key).map_err(
            |source| UpstreamConfigError::Identity {
                exchange: name,
                source,
            },
        )?;
        Ok(Provider {
            exchange,
            port: authority.port_u16().unwrap_or(443),
            authority: authority.as_str().to_owned(),
            path: uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            server_name: config.server_name.clone().unwrap_or_else(|| host.clone()),
            host,
            identity,
            identifiers: config.identifiers.clone(),
            timeout: config.timeout(),
            retries: config.retries,
            breaker: Mutex::new(Breaker::new(config.breaker_failures, config.breaker_open())),
        })
    }

    pub fn exchange(&self) -> Exchange {
        self.exchange
    }

    /// The identifiers this provider is sent.
    pub fn identifiers(&self) -> &[SubjectIdentifier] {
        &self.identifiers
    }

    /// The breaker's state now (for operators and tests).
    pub fn breaker_state(&self) -> BreakerState {
        self.lock_breaker().state()
    }

    fn lock_breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        // The breaker's state is always consistent between calls; a panic elsewhere while
        // holding the lock cannot leave it half-changed.
        self.breaker.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the call through the breaker, with retries.
    pub async fn call(&self, call: Call<'_>) -> Result<Answered, UpstreamError> {
        let admission = self.lock_breaker().admit(Instant::now());
        if let Admission::Reject { retry_after } = admission {
            return Err(UpstreamError::Unavailable { retry_after });
        }
        let mut pending = Pending {
            provider: self,
            probe: admission == Admission::Probe,
            settled: false,
        };
        let result = self.attempts(call).await;
        pending.settled = true;
        match &result {
            Ok(_) => self.settle(true),
            Err(failure) => self.settle(failure.alive),
        }
        result.map_err(|f| f.error)
    }

    fn settle(&self, ok: bool) {
        let mut breaker = self.lock_breaker();
        let before = breaker.state();
        if ok {
            breaker.success();
        } else {
            breaker.failure(Instant::now());
        }
        let after = breaker.state();
        drop(breaker);
        if before != after {
            let exchange = self.exchange.name();
            match after {
                BreakerState::Open => {
                    tracing::warn!(exchange, "upstream circuit breaker opened: failing fast");
                }
                BreakerState::Closed => tracing::info!(exchange, "upstream circuit breaker closed"),
                BreakerState::HalfOpen => {}
            }
        }
    }

    async fn attempts(&self, call: Call<'_>) -> Result<Answered, AttemptFailure> {
        let mut backoff = BACKOFF_FIRST;
        let mut attempt = 0;
        loop {
            let failure = match self.attempt(call.body).await {
                Ok(answered) => return Ok(answered),
                Err(failure) => failure,
            };
            let may_repeat = call.idempotent || !failure.sent;
            tracing::warn!(
                exchange = self.exchange.name(),
                attempt = attempt + 1,
                error = %failure.error,
                "upstream attempt failed"
            );
            if !failure.transient || !may_repeat || attempt >= self.retries {
                return Err(failure);
            }
            attempt += 1;
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    async fn attempt(&self, body: &Value) -> Result<Answered, AttemptFailure> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let connecting = async {
            let addr: SocketAddr = tokio::net::lookup_host((self.host.as_str(), self.port))
                .await
                .ok()
                .and_then(|mut addrs| addrs.next())
                .ok_or(UpstreamError::Failed("cannot resolve the provider"))?;
            self.identity
                .connect(addr, &self.server_name)
                .await
                .map_err(|e| match e {
                    ClientError::Tls(_) => UpstreamError::Failed("TLS handshake with the provider"),
                    _ => UpstreamError::Failed("cannot connect to the provider"),
                })
        };
        let mut connection = match tokio::time::timeout_at(deadline, connecting).await {
            Err(_) => return Err(AttemptFailure::before_send(UpstreamError::Timeout)),
            Ok(Err(error)) => return Err(AttemptFailure::before_send(error)),
            Ok(Ok(connection)) => connection,
        };
        connection.set_host(&self.authority);
        let sending = connection.send(Method::POST, &self.path, None, Some(body));
        let response = match tokio::time::timeout_at(deadline, sending).await {
            Err(_) => return Err(AttemptFailure::after_send(UpstreamError::Timeout, true)),
            Ok(Err(_)) => {
                return Err(AttemptFailure::after_send(
                    UpstreamError::Failed("the provider connection broke"),
                    true,
                ));
            }
            Ok(Ok(response)) => response,
        };
        self.answer(&response)
    }

    fn answer(&self, response: &gateway_client::Response) -> Result<Answered, AttemptFailure> {
        let status = response.status;
        if status == StatusCode::NOT_FOUND {
            return Ok(Answered::NoAnswer);
        }
        if status.is_server_error() {
            return Err(AttemptFailure::after_send(
                UpstreamError::Failed("the provider answered with a server error"),
                true,
            ));
        }
        if status.is_client_error() {
            return Err(AttemptFailure {
                alive: true,
                ..AttemptFailure::after_send(
                    UpstreamError::Failed("the provider refused the request"),
                    false,
                )
            });
        }
        let bad = || {
            AttemptFailure::after_send(
                UpstreamError::Failed("the provider's answer is not valid"),
                false,
            )
        };
        if status != StatusCode::OK || response.body.len() > MAX_ANSWER_BYTES {
            return Err(bad());
        }
        let Ok(Value::Object(raw)) = serde_json::from_slice::<Value>(&response.body) else {
            return Err(bad());
        };
        self.exchange
            .provided_answer(raw)
            .map(Answered::Answer)
            .map_err(|_| bad())
    }
}

/// Settles a probe whose caller went away mid-call (the partner hung up): it counts as a
/// failure, or the breaker would stay half-open with a probe out for ever.
struct Pending<'a> {
    provider: &'a Provider,
    probe: bool,
    settled: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.probe && !self.settled {
            self.provider.settle(false);
        }
    }
}
