//! Reloading certificates, CA bundle and CRLs without a restart.
//!
//! A rustls `ServerConfig` is immutable (the client CAs and CRLs live inside its verifier),
//! so a reload builds a new one and swaps it in atomically. Each handshake takes the
//! configuration current at its start. A live connection keeps its session, but each of
//! its requests asks [`crate::ClientPeer::still_trusted`], which checks the certificate
//! again against the verifier of the newest configuration once per reload: a revoked
//! partner loses its open connections too.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::server::danger::ClientCertVerifier;
use tokio::sync::Mutex;

use crate::server_config::{BuiltConfig, CrlExpiry, TlsError, TlsSettings, build_server_config};

/// The current TLS configuration and the files it came from.
#[derive(Debug)]
pub struct ReloadableTls {
    settings: TlsSettings,
    current: ArcSwap<Loaded>,
    /// SHA-256 over every file's contents at the last successful load.
    loaded_digest: Mutex<[u8; 32]>,
}

/// One successful load: the configuration, its client-certificate verifier, and which load
/// it was (counting from 0), so a connection can tell whether its last check is still
/// current.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) verifier: Arc<dyn ClientCertVerifier>,
    pub(crate) generation: u64,
}

impl ReloadableTls {
    /// Loads the files; fails if they do not make a valid configuration.
    pub fn load(settings: TlsSettings) -> Result<Self, TlsError> {
        let digest = files_digest(&settings);
        let built = build_server_config(&settings)?;
        report(&settings, &built, "loaded");
        Ok(ReloadableTls {
            current: ArcSwap::from_pointee(Loaded {
                config: Arc::new(built.config),
                verifier: built.verifier,
                generation: 0,
            }),
            settings,
            loaded_digest: Mutex::new(digest),
        })
    }

    /// The configuration a new handshake should use.
    pub fn current(&self) -> Arc<ServerConfig> {
        self.current.load().config.clone()
    }

    /// The newest load, with its verifier and generation.
    pub(crate) fn loaded(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    pub fn settings(&self) -> &TlsSettings {
        &self.settings
    }

    /// Rebuilds from the files if any changed since the last load (or always, if `force`).
    /// A configuration that fails to build is not swapped in: the gateway keeps serving with
    /// the last good one, and the error is returned (and logged by the caller).
    pub async fn reload(&self, force: bool) -> Result<bool, TlsError> {
        let mut loaded = self.loaded_digest.lock().await;
        let digest = files_digest(&self.settings);
        if !force && digest == *loaded {
            return Ok(false);
        }
        let built = build_server_config(&self.settings)?;
        report(&self.settings, &built, "reloaded");
        let generation = self.current.load().generation + 1;
        self.current.store(Arc::new(Loaded {
            config: Arc::new(built.config),
            verifier: built.verifier,
            generation,
        }));
        *loaded = digest;
        Ok(true)
    }
}

fn report(settings: &TlsSettings, built: &BuiltConfig, verb: &str) {
    tracing::info!(
        crls = built.crl_count,
        client_ca_bundle = %settings.client_ca_bundle.display(),
        "TLS configuration {verb}"
    );
    for path in &built.stale_crls {
        match settings.crl_expiry {
            CrlExpiry::Reject => tracing::error!(
                crl = %path.display(),
                "CRL is past its nextUpdate: certificates of its CA are refused until a fresh CRL is loaded"
            ),
            CrlExpiry::Warn => tracing::warn!(
                crl = %path.display(),
                "CRL is past its nextUpdate and still used (crl_expiry = warn)"
            ),
        }
    }
}

/// Digest of every configured file's bytes; a missing file digests as empty, so its
/// reappearance counts as a change.
fn files_digest(settings: &TlsSettings) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let paths = [
        &settings.server_cert,
        &settings.server_key,
        &settings.client_ca_bundle,
    ]
    .into_iter()
    .chain(settings.crls.iter());
    for path in paths {
        let bytes = std::fs::read(path).unwrap_or_default();
        ctx.update(&(bytes.len() as u64).to_be_bytes());
        ctx.update(&bytes);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Reloads when the files change (checked every `poll`) and on SIGHUP (Unix). Runs until
/// the task is dropped or aborted.
pub async fn watch_for_changes(tls: Arc<ReloadableTls>, poll: Duration) {
    #[cfg(unix)]
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut ticker = tokio::time::interval(poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        #[cfg(unix)]
        let forced = match hangup.as_mut() {
            Some(sig) => tokio::select! {
                _ = ticker.tick() => false,
                _ = sig.recv() => true,
            },
            None => {
                ticker.tick().await;
                false
            }
        };
        #[cfg(not(unix))]
        let forced = {
            ticker.tick().await;
            false
        };
        if forced {
            tracing::info!("SIGHUP: reloading TLS configuration");
        }
        if let Err(err) = tls.reload(forced).await {
            tracing::error!(error = %err, "TLS reload failed; keeping the previous configuration");
        }
    }
}
