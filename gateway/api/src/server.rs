//! Running the gateway: TLS listener, reload watcher, housekeeping, graceful shutdown.
//!
//! Used by `gateway serve` and by the end-to-end tests, so the tests exercise exactly what
//! an operator runs.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gateway_auth::TokenPolicy;
use gateway_disclosure::{DisclosureLog, KeyFileError, LogError, LogKeys, LogSettings};
use gateway_edge::{HttpLimits, ReloadableTls, TlsError, TlsListener, TlsSettings};
use gateway_matching::{IndexEntry, SubjectIndex};
use gateway_policy::{PolicyEngine, PolicyError, PolicySource};
use gateway_store::{Store, StoreError};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{AppState, DisclosureSettings, Services, router};

/// What a server needs besides its database.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    pub tls: TlsSettings,
    /// Request head, body, keep-alive, connection age and request time limits.
    pub http: HttpLimits,
    pub tokens: TokenPolicy,
    /// How often the TLS files are checked for changes (SIGHUP also reloads at once).
    pub reload_poll: Duration,
    /// The Cedar policy directory (schema, policies, categories); `None`: the policy set
    /// built into the binary.
    pub policy_dir: Option<PathBuf>,
    /// Where the log's signing key and the subject-pseudonym key live (made by `gateway keys
    /// init`, never at start: a missing key stops the start; every node of a deployment
    /// shares them).
    pub keys_dir: PathBuf,
    pub disclosure: DisclosureSettings,
    pub log: LogSettings,
    pub transfers: crate::transfers::TransferSettings,
    /// Exchanges answered by partners' own services (none: all from the local store).
    pub upstream: crate::upstream::UpstreamSettings,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The message names the directory (or the built-in set) and says what is wrong.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("the exchanges do not match the policy set: {0}")]
    Declarations(#[from] gateway_exchange::DeclarationMismatch),
    #[error("log keys: {0}")]
    Keys(#[from] KeyFileError),
    #[error("{0}")]
    Log(#[from] LogError),
    #[error("loading young people's records: {0}")]
    Records(#[from] StoreError),
    #[error(transparent)]
    TransferPeer(#[from] crate::transfers::PeerError),
    #[error("upstream providers: {0}")]
    Upstream(#[from] crate::upstream::UpstreamConfigError),
    #[error("building the subject index: {0}")]
    Index(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
}

/// A started server. Dropping it does not stop it; call [`RunningServer::shutdown`].
#[derive(Debug)]
pub struct RunningServer {
    pub local_addr: SocketAddr,
    pub tls: Arc<ReloadableTls>,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    serving: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
}

/// Loads TLS, binds, and starts serving in the background.
pub async fn start(
    settings: ServerSettings,
    store: Arc<dyn Store>,
) -> Result<RunningServer, StartError> {
    // Strict validation: an invalid policy set stops the gateway here, before it listens.
    let policy = Arc::new(PolicyEngine::from_source(&PolicySource::configured(
        settings.policy_dir.as_deref(),
    ))?);
    // Each exchange's declaration must agree with categories.json and the schema.
    gateway_exchange::check_declarations(
        &policy,
        &[crate::transfers::outbound::TRANSFER_EXCHANGE],
    )?;
    tracing::info!(
        policy_set = policy.policy_set_hash(),
        "policy set loaded and validated"
    );
    // Upstream certificates and URLs are checked before anything else starts, like the policy.
    let upstream = crate::upstream::Upstreams::load(&settings.upstream)?;
    let LogKeys {
        signer,
        documents,
        pseudonymiser,
    } = LogKeys::load(&settings.keys_dir)?;
    let log = DisclosureLog::open(store.clone(), signer, pseudonymiser, settings.log).await?;
    let subjects = load_subject_index(store.as_ref()).await?;
    let transfers = crate::transfers::Transfers::load(settings.transfers)?;
    let tls = Arc::new(ReloadableTls::load(settings.tls.clone())?);
    let tcp = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: settings.listen,
            source,
        })?;
    let listener = TlsListener::new(tcp, tls.clone()).map_err(|source| StartError::Bind {
        addr: settings.listen,
        source,
    })?;
    let local_addr = listener.local_addr();

    let mut background = vec![
        tokio::spawn(gateway_edge::watch_for_changes(
            tls.clone(),
            settings.reload_poll,
        )),
        tokio::spawn(purge_token_uses_periodically(
            store.clone(),
            settings.tokens.leeway_secs,
        )),
    ];
    let state = AppState::new(Services {
        store,
        tokens: settings.tokens,
        policy,
        log,
        documents,
        subjects,
        disclosure: settings.disclosure,
        transfers,
        upstream,
        http: settings.http,
    });
    background.push(tokio::spawn(crate::transfers::worker::run(state.clone())));
    let app = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let serving = tokio::spawn(gateway_edge::serve(listener, app, settings.http, async {
        let _ = rx.await;
    }));
    tracing::info!(%local_addr, "gateway listening (mutual TLS)");
    Ok(RunningServer {
        local_addr,
        tls,
        state,
        shutdown: Some(tx),
        serving,
        background,
    })
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish, then returns.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.wait().await
    }

    /// Waits until the server stops (after [`RunningServer::shutdown`] or a fatal error).
    pub async fn wait(&mut self) -> io::Result<()> {
        let result = (&mut self.serving).await.map_err(io::Error::other);
        for task in &self.background {
            task.abort();
        }
        result
    }

    /// Stops at once, as a killed process would: the listener and background tasks are
    /// aborted and nothing in flight is waited for. Only what is in the database survives.
    pub fn abort(self) {
        self.serving.abort();
        for task in &self.background {
            task.abort();
        }
    }

    /// Rebuilds the subject index from the stored records (after a bulk load or import by
    /// another process), and swaps it in.
    pub async fn reload_subjects(&self) -> Result<usize, StartError> {
        reload_subject_index(&self.state).await
    }

    /// Rebuilds the subject index on every SIGHUP (Unix), as `gateway import` tells the
    /// operator to do, until the server stops. The TLS watcher also reloads on SIGHUP;
    /// each signal listener is woken, so one signal does both.
    pub fn reload_subjects_on_hangup(&mut self) {
        #[cfg(unix)]
        {
            let Ok(mut hangup) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            else {
                tracing::warn!("cannot listen for SIGHUP: the subject index reloads at restart");
                return;
            };
            let state = self.state.clone();
            self.background.push(tokio::spawn(async move {
                while hangup.recv().await.is_some() {
                    match reload_subject_index(&state).await {
                        Ok(n) => tracing::info!(young_people = n, "SIGHUP: subject index rebuilt"),
                        // The previous index stays in use.
                        Err(err) => {
                            tracing::error!(error = %err, "SIGHUP: subject index not rebuilt")
                        }
                    }
                }
            }));
        }
    }

    /// Removes the token-use records that can no longer matter now, exactly as the periodic
    /// purge does (so a test can run it at a moment of its choosing).
    pub async fn purge_token_uses(&self) -> Result<u64, StoreError> {
        purge_token_uses(self.state.store.as_ref(), self.state.tokens.leeway_secs).await
    }

    /// The server's shared state (for tests and embedding).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that triggers graceful shutdown, e.g. from a signal handler.
    pub fn take_shutdown_trigger(&mut self) -> Option<oneshot::Sender<()>> {
        self.shutdown.take()
    }
}

/// Builds a fresh index, then swaps it in: requests keep matching against the old one
/// meanwhile.
async fn reload_subject_index(state: &AppState) -> Result<usize, StartError> {
    let index = load_subject_index(state.store.as_ref()).await?;
    let len = index.len();
    match state.subjects.write() {
        Ok(mut guard) => *guard = index,
        Err(poisoned) => *poisoned.into_inner() = index,
    }
    Ok(len)
}

/// The matching index over every stored record.
async fn load_subject_index(store: &dyn Store) -> Result<SubjectIndex, StartError> {
    let people = store.young_people().await?;
    let mut index = SubjectIndex::new();
    index.reserve(people.len());
    // Duplicates (M) and the deceased (D) are never a request's subject.
    for person in people.iter().filter(|p| p.is_matchable()) {
        index
            .insert(IndexEntry::from(person))
            .map_err(|e| StartError::Index(e.to_string()))?;
    }
    tracing::info!(young_people = index.len(), "subject index built");
    Ok(index)
}

/// How often token-use records that can no longer matter are removed.
const TOKEN_USE_PURGE_INTERVAL: Duration = Duration::from_secs(600);

async fn purge_token_uses_periodically(store: Arc<dyn Store>, leeway_secs: u64) {
    let mut ticker = tokio::time::interval(TOKEN_USE_PURGE_INTERVAL);
    loop {
        ticker.tick().await;
        match purge_token_uses(store.as_ref(), leeway_secs).await {
            Ok(n) if n > 0 => tracing::debug!(purged = n, "expired token-use records removed"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "could not purge token-use records"),
        }
    }
}

/// Removes the token-use records of tokens that can no longer be accepted. A token is
/// accepted until `exp + leeway`, so its record must live that long too: purging at `exp`
/// would let a used token in again for the leeway.
async fn purge_token_uses(store: &dyn Store, leeway_secs: u64) -> Result<u64, StoreError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let leeway = i64::try_from(leeway_secs).unwrap_or(i64::MAX);
    store.purge_token_uses(now.saturating_sub(leeway)).await
}
