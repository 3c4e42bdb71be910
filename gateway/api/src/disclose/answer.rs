//! Stage 5, the answer: what the requester will be told, before it is logged. For an
//! upstream exchange this is where the provider is asked (only for one matched person under
//! a usable agreement, and only when a category its answer carries is permitted).

use gateway_exchange::{Answer, NotApplicable};
use gateway_matching::NoMatchReason;
use serde_json::Map;

use super::Disclosure;
use super::decision::Verdict;
use super::facts::{Facts, Source};
use super::request::Asked;
use crate::upstream::{self, UpstreamError};

/// Why nothing is released. Mapped to a status in one place (`response::refusal`).
#[derive(Debug)]
pub(super) enum Refusal {
    /// No agreement in force covering the exchange (known or not: the same answer).
    NoAgreement,
    /// With an agreement, nobody uniquely named.
    NoUniqueMatch(Option<NoMatchReason>),
    /// The policy permits none of the categories asked.
    NothingPermitted,
    /// The exchange has no answer for this person (not a care leaver; the provider's 404).
    NotApplicable(NotApplicable),
    /// The provider failed.
    Upstream(UpstreamError),
}

impl Refusal {
    /// The log entry's note (never personal).
    pub fn note(&self) -> Option<String> {
        match self {
            Refusal::NoAgreement => Some("no agreement covers this exchange".to_owned()),
            Refusal::NoUniqueMatch(reason) => reason.map(|r| format!("no unique match: {r:?}")),
            Refusal::NothingPermitted => None,
            Refusal::NotApplicable(NotApplicable::NoAnswer) => {
                Some("not applicable: the provider has no answer".to_owned())
            }
            Refusal::NotApplicable(_) => Some("not applicable: not a care leaver".to_owned()),
            Refusal::Upstream(err) => Some(err.note().to_owned()),
        }
    }
}

/// The outcome of a request, not yet logged.
pub(super) enum Answered {
    Released(Disclosure),
    Refused(Refusal),
}

pub(super) async fn answer(asked: &Asked<'_>, facts: &Facts, verdict: &Verdict) -> Answered {
    match outcome(asked, facts, verdict).await {
        Ok((answer, special)) => {
            let mut released = verdict.released.clone();
            // A special category is named released only when the answer's code revealed it
            // and it was permitted; otherwise it is named nowhere.
            if let Some(special) = special
                && verdict.concealed_released.contains(&special)
            {
                released.push(special.to_owned());
            }
            Answered::Released(Disclosure {
                exchange: asked.exchange.name().to_owned(),
                request_id: crate::request_id::current().map(|id| id.to_string()),
                subject: "matched".into(),
                released,
                withheld: verdict.withheld.clone(),
                answer,
                break_glass: verdict.break_glass_used,
            })
        }
        Err(refusal) => Answered::Refused(refusal),
    }
}

type Minimised = (Map<String, serde_json::Value>, Option<&'static str>);

async fn outcome(
    asked: &Asked<'_>,
    facts: &Facts,
    verdict: &Verdict,
) -> Result<Minimised, Refusal> {
    let (person, source) = match facts {
        Facts::Unread { .. } => return Err(Refusal::NoAgreement),
        Facts::Unmatched { reason, .. } => return Err(Refusal::NoUniqueMatch(*reason)),
        Facts::Read { person, source, .. } => (person, source),
    };
    if verdict.released.is_empty() {
        return Err(Refusal::NothingPermitted);
    }
    let permitted = verdict.permitted();
    let full: Answer = match source {
        Source::Local(Ok(answer)) => answer.clone(),
        Source::Local(Err(why)) => return Err(Refusal::NotApplicable(*why)),
        Source::Upstream(provider) => {
            if !upstream::releasable(asked.exchange, &permitted) {
                // Nothing it could answer may leave: not asked, nothing of its released.
                Answer {
                    fields: Map::new(),
                    special: None,
                }
            } else {
                let request_id = crate::request_id::current().map(|id| id.to_string());
                let body = upstream::request_body(provider, person, &permitted, request_id);
                let call = upstream::Call {
                    body: &body,
                    // A question about a record changes nothing at the provider.
                    idempotent: true,
                };
                match provider.call(call).await {
                    Ok(upstream::Answered::Answer(answer)) => answer,
                    Ok(upstream::Answered::NoAnswer) => {
                        return Err(Refusal::NotApplicable(NotApplicable::NoAnswer));
                    }
                    Err(err) => return Err(Refusal::Upstream(err)),
                }
            }
        }
    };
    let special = full.special;
    Ok((asked.exchange.minimise(full, &permitted), special))
}
