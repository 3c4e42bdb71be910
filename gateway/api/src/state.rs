use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use gateway_auth::{IssuerKeys, KeyError, TokenPolicy};
use gateway_disclosure::{DisclosureLog, DocumentSigner};
use gateway_domain::CurrencyWindows;
use gateway_matching::SubjectIndex;
use gateway_policy::PolicyEngine;
use gateway_store::{Partner, PartnerId, Store};
use time::OffsetDateTime;

/// How disclosure works in this deployment.
#[derive(Debug, Clone)]
pub struct DisclosureSettings {
    /// Currency windows (NEET 3 months, EET 12 months by default).
    pub currency: CurrencyWindows,
    /// How long a break-glass override lasts from its first use.
    pub break_glass_window: time::Duration,
    /// Shortest written justification accepted for a break-glass request, in characters.
    pub break_glass_min_justification: usize,
    /// This authority's LA code: partners of kind `local_authority` with this code are the
    /// authority's own staff (advisers, the data protection officer).
    pub home_la_code: String,
    /// Token roles of the authority's staff who may record consent, objection and
    /// competence.
    pub adviser_roles: Vec<String>,
    /// Token role of the data protection officer (alerts, "who saw my record").
    pub dpo_role: String,
}

impl Default for DisclosureSettings {
    fn default() -> Self {
        DisclosureSettings {
            currency: CurrencyWindows::default(),
            break_glass_window: time::Duration::hours(4),
            break_glass_min_justification: 20,
            home_la_code: "886".into(),
            adviser_roles: vec!["adviser".into(), "data_protection_officer".into()],
            dpo_role: "data_protection_officer".into(),
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub tokens: TokenPolicy,
    /// The validated Cedar policy set (the gateway does not start without one).
    pub policy: Arc<PolicyEngine>,
    /// This process's name in readiness probes: host and pid.
    pub node: String,
    /// The disclosure log (every decision is appended before the answer leaves).
    pub log: DisclosureLog,
    /// Signs consent receipts with the log's key.
    pub documents: Arc<DocumentSigner>,
    /// Who is who: identifiers and demographics → CCIS id.
    pub subjects: Arc<RwLock<SubjectIndex>>,
    pub disclosure: Arc<DisclosureSettings>,
    /// Cross-border transfers: peers, outbox worker settings.
    pub transfers: Arc<crate::transfers::Transfers>,
    /// Exchanges answered by a partner's own service instead of the local store.
    pub upstream: Arc<crate::upstream::Upstreams>,
    /// Body size and request time limits (the edge's other limits are per connection).
    pub http: gateway_edge::HttpLimits,
    keys: Arc<KeyCache>,
}

/// The parts an [`AppState`] is built from.
#[derive(Debug)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub tokens: TokenPolicy,
    pub policy: Arc<PolicyEngine>,
    pub log: DisclosureLog,
    pub documents: DocumentSigner,
    pub subjects: SubjectIndex,
    pub disclosure: DisclosureSettings,
    pub transfers: crate::transfers::Transfers,
    pub upstream: crate::upstream::Upstreams,
    pub http: gateway_edge::HttpLimits,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "gateway".into());
        AppState {
            store: services.store,
            tokens: services.tokens,
            policy: services.policy,
            node: format!("{host}:{}", std::process::id()),
            log: services.log,
            documents: Arc::new(services.documents),
            subjects: Arc::new(RwLock::new(services.subjects)),
            disclosure: Arc::new(services.disclosure),
            transfers: Arc::new(services.transfers),
            upstream: Arc::new(services.upstream),
            http: services.http,
            keys: Arc::default(),
        }
    }

    /// The caller is the home authority's own staff: a `local_authority` partner with this
    /// gateway's LA code (its advisers and data protection officer), not a partner agency.
    pub fn is_home_staff(&self, partner: &Partner) -> bool {
        partner.agency_kind == gateway_store::AgencyKind::LocalAuthority
            && partner.la_code.as_deref() == Some(self.disclosure.home_la_code.as_str())
    }

    /// Today, for ages, validity periods and currency (UTC).
    pub fn today(&self) -> time::Date {
        OffsetDateTime::now_utc().date()
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
