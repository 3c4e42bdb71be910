//! Whether a live connection's client certificate is still accepted.
//!
//! The handshake checked the certificate against the configuration of that moment. A CRL
//! published later (or a CA removed from the bundle) must also end the connections already
//! open, so every request asks again: the answer is cached per configuration generation, so
//! the chain is verified once per reload and connection, not once per request.

use std::sync::{Arc, Mutex};

use rustls_pki_types::{CertificateDer, UnixTime};

use crate::ReloadableTls;
use crate::reload::Loaded;

/// The client certificate is not accepted any more by the current TLS configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoLongerTrusted {
    /// Past its `notAfter`.
    #[error("the client certificate has expired")]
    Expired,
    /// The current verifier refuses it (revoked, a stale CRL failing closed, its CA no longer
    /// in the bundle). The reason is rustls's, which names no certificate content.
    #[error("the client certificate is no longer accepted: {0}")]
    Refused(String),
}

/// A connection's certificate chain and the verdict of its last check.
#[derive(Debug)]
pub(crate) struct PeerTrust {
    chain: Vec<CertificateDer<'static>>,
    not_after: i64,
    tls: Arc<ReloadableTls>,
    /// (generation checked, verdict). Starts as the handshake's generation and `Ok`.
    checked: Mutex<(u64, Result<(), NoLongerTrusted>)>,
}

impl PeerTrust {
    /// The chain the handshake under `handshake` accepted.
    pub(crate) fn new(
        chain: Vec<CertificateDer<'static>>,
        not_after: i64,
        tls: Arc<ReloadableTls>,
        handshake: &Loaded,
    ) -> Self {
        PeerTrust {
            chain,
            not_after,
            tls,
            checked: Mutex::new((handshake.generation, Ok(()))),
        }
    }

    pub(crate) fn check(&self) -> Result<(), NoLongerTrusted> {
        let now = UnixTime::now();
        let seconds = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        if seconds > self.not_after {
            return Err(NoLongerTrusted::Expired);
        }
        let loaded = self.tls.loaded();
        let mut checked = match self.checked.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if checked.0 != loaded.generation {
            *checked = (loaded.generation, self.verify(&loaded, now));
        }
        checked.1.clone()
    }

    fn verify(&self, loaded: &Loaded, now: UnixTime) -> Result<(), NoLongerTrusted> {
        let Some((end_entity, intermediates)) = self.chain.split_first() else {
            return Err(NoLongerTrusted::Refused("no certificate".into()));
        };
        loaded
            .verifier
            .verify_client_cert(end_entity, intermediates, now)
            .map(|_| ())
            .map_err(|err| NoLongerTrusted::Refused(err.to_string()))
    }
}
