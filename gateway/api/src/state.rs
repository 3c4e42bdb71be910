use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use gateway_auth::{IssuerKeys, KeyError, TokenPolicy};
use gateway_policy::PolicyEngine;
use gateway_store::{Partner, PartnerId, Store};
use time::OffsetDateTime;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub tokens: TokenPolicy,
    /// The validated Cedar policy set (the gateway does not start without one).
    pub policy: Arc<PolicyEngine>,
    /// This process's name in readiness probes: host and pid.
    pub node: String,
    keys: Arc<KeyCache>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, tokens: TokenPolicy, policy: Arc<PolicyEngine>) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "gateway".into());
        AppState {
            store,
            tokens,
            policy,
            node: format!("{host}:{}", std::process::id()),
            keys: Arc::default(),
        }
    }

    /// The partner's token verification keys, parsed once per registry version of the
    /// partner (a change through the CLI bumps `updated_at`, which invalidates the entry).
    pub fn issuer_keys(&self, partner: &Partner) -> Result<Arc<IssuerKeys>, KeyError> {
        self.keys.get(partner)
    }
}

#[derive(Debug, Default)]
struct KeyCache {
    entries: Mutex<HashMap<PartnerId, (OffsetDateTime, Arc<IssuerKeys>)>>,
}

impl KeyCache {
    fn get(&self, partner: &Partner) -> Result<Arc<IssuerKeys>, KeyError> {
        if let Ok(entries) = self.entries.lock()
            && let Some((version, keys)) = entries.get(&partner.id)
            && *version == partner.updated_at
        {
            return Ok(keys.clone());
        }
        let keys = Arc::new(IssuerKeys::parse(
            &partner.token_issuer,
            partner.token_algorithm.as_str(),
            &partner.token_keys,
        )?);
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(partner.id.clone(), (partner.updated_at, keys.clone()));
        }
        Ok(keys)
    }
}
