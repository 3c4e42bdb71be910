//! Upstream providers (X-Road-style brokering): an exchange answered by a partner's own
//! HTTPS service instead of the local store.
//!
//! Only the *answer* comes from the provider. The local record is still what the request is
//! matched against and where the facts come from (age, consent, objection, agreement), so
//! the policy decides exactly as for a local answer; the provider is called only when there
//! is one matched young person and the policy permits a category the answer carries (no
//! identifiers go out when nothing could come back); its answer is checked against the
//! exchange's typed answer and then minimised like a local one, so a field the provider adds
//! never leaves, and neither does a category the policy withheld.
//!
//! ## The contract
//!
//! The gateway connects with mutual TLS (its own client certificate; the provider's server
//! certificate checked against `ca` for `server_name`) and sends
//!
//! ```text
//! POST <url path>   Content-Type: application/json
//! {
//!   "exchange":   "care-leaver-status",
//!   "request_id": "<the gateway's request id, for the provider's own log>",
//!   "subject":    { "ccis_id": "...", "upn": "...", "uln": "..." },
//!   "categories": ["care_status", "activity"]
//! }
//! ```
//!
//! `subject` holds only the identifiers the provider is configured to receive
//! (`identifiers`) that the record has; never a name, address or date of birth.
//! `categories` are those the policy permitted, so a provider can minimise at source (the
//! gateway minimises again regardless). The provider answers
//!
//! - `200` with a JSON object of the exchange's answer fields, the same shape as a local
//!   answer (e.g. `{"in_touch": "YES", "activ": "F4", "currency": "current"}`);
//! - `404` when it has no answer for this young person (the partner gets the same
//!   `404 no-unique-match` as for a local not-applicable answer);
//! - anything else is a failure.
//!
//! Failures reach the partner as `504 upstream-timeout`, `502 upstream-failed` or
//! `503 upstream-unavailable` (breaker open, with `Retry-After`); nothing is released, and
//! the decision is still logged (outcome `deny`, a note saying which) before the answer.

mod breaker;
mod call;
mod settings;

use gateway_domain::YoungPerson;
use gateway_exchange::Exchange;
use serde_json::{Map, Value, json};

pub use breaker::{Admission, Breaker, BreakerState};
pub use call::{Answered, Call, Provider, UpstreamConfigError, UpstreamError, Upstreams};
pub use settings::{ProviderSettings, SubjectIdentifier, UpstreamSettings};

/// Whether anything a provider could answer may be released: a permitted category that one
/// of the exchange's answer fields belongs to.
pub(crate) fn releasable(exchange: Exchange, permitted: &[&str]) -> bool {
    permitted
        .iter()
        .any(|c| exchange.field_categories().iter().any(|(_, fc)| fc == c))
}

/// The request body of the contract.
pub(crate) fn request_body(
    provider: &Provider,
    person: &YoungPerson,
    permitted: &[&str],
    request_id: Option<String>,
) -> Value {
    let mut subject = Map::new();
    for id in provider.identifiers() {
        let value = match id {
            SubjectIdentifier::CcisId => Some(person.ccis_id.as_str()),
            SubjectIdentifier::Upn => person.upn.as_ref().map(|v| v.as_str()),
            SubjectIdentifier::Uln => person.uln.as_ref().map(|v| v.as_str()),
            SubjectIdentifier::Nino => person.nino.as_ref().map(|v| v.as_str()),
        };
        if let (Some(value), Ok(Value::String(key))) = (value, serde_json::to_value(id)) {
            subject.insert(key, Value::String(value.to_owned()));
        }
    }
    json!({
        "exchange": provider.exchange().name(),
        "request_id": request_id,
        "subject": subject,
        "categories": permitted,
    })
}

impl UpstreamError {
    /// The note in the disclosure log entry (never personal).
    pub(crate) fn note(&self) -> &'static str {
        match self {
            UpstreamError::Timeout => "upstream timeout; nothing released",
            UpstreamError::Unavailable { .. } => "upstream unavailable; nothing released",
            UpstreamError::Failed(_) => "upstream failed; nothing released",
        }
    }
}
