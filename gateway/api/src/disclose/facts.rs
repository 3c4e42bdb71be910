//! Stage 3, the facts: what the policy needs to know about the person and the claim.
//!
//! Two ways in, and the type says which: [`gather`] reads the record, consents, objections,
//! competence and the break-glass window from the store; [`without_agreement`] takes no
//! store at all, so a partner without an agreement in force covering the exchange causes no
//! per-person read and cannot tell a known person from an unknown one by timing.

use std::sync::Arc;

use gateway_domain::YoungPerson;
use gateway_exchange::{Answer, Exchange, NotApplicable, PersonFacts, Recorded, person_facts};
use gateway_matching::NoMatchReason;
use gateway_policy::BreakGlassFacts;
use gateway_store::{Alert, AlertStatus};

use super::request::Asked;
use super::subject::Located;
use super::{BreakGlassRequest, StatutoryBasis};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::upstream::Provider;
use crate::{AppState, DisclosureSettings};

/// A break-glass claim as the policy sees it, and the open window it rides on.
pub(super) struct BreakGlass {
    pub facts: BreakGlassFacts,
    /// An open alert whose window this request falls in.
    pub open_alert: Option<Alert>,
}

/// Where the answer will come from.
pub(super) enum Source {
    /// Built from the local record now (pure), so the special category its code reveals is
    /// known before the decision.
    Local(Result<Answer, NotApplicable>),
    /// An upstream provider, asked after the decision (if anything it answers may leave).
    Upstream(Arc<Provider>),
}

pub(super) enum Facts {
    /// No agreement in force covering the exchange: nothing about the person was read.
    Unread { break_glass: BreakGlass },
    /// An agreement, but the request names nobody uniquely (or the record is gone).
    Unmatched {
        break_glass: BreakGlass,
        reason: Option<NoMatchReason>,
    },
    /// One person, with everything the policy and the answer need.
    Read {
        person: Box<YoungPerson>,
        facts: PersonFacts,
        source: Source,
        break_glass: BreakGlass,
    },
}

impl Facts {
    pub fn person_facts(&self) -> Option<&PersonFacts> {
        match self {
            Facts::Read { facts, .. } => Some(facts),
            _ => None,
        }
    }

    pub fn break_glass(&self) -> &BreakGlass {
        match self {
            Facts::Unread { break_glass }
            | Facts::Unmatched { break_glass, .. }
            | Facts::Read { break_glass, .. } => break_glass,
        }
    }

    pub fn break_glass_facts(&self) -> BreakGlassFacts {
        self.break_glass().facts.clone()
    }

    /// Special categories to decide but never to name as withheld: the one the local
    /// answer's code reveals, or for a provider every one its code could reveal.
    pub fn concealed_categories(&self, exchange: Exchange) -> Vec<&'static str> {
        match self {
            Facts::Read {
                source: Source::Local(Ok(answer)),
                ..
            } => answer.special.into_iter().collect(),
            Facts::Read {
                source: Source::Upstream(_),
                ..
            } => exchange.special_categories(),
            _ => Vec::new(),
        }
    }
}

/// The claim's own facts (no window looked up).
fn claim(claim: Option<&BreakGlassRequest>, settings: &DisclosureSettings) -> BreakGlassFacts {
    let Some(claim) = claim else {
        return BreakGlassFacts::default();
    };
    BreakGlassFacts {
        invoked: true,
        justification_given: claim.statutory_basis == StatutoryBasis::ChildrenAct1989S47
            && claim.justification.trim().chars().count() >= settings.break_glass_min_justification,
        // No window to be outside of until a person is looked up; without an agreement
        // everything is refused regardless.
        within_window: true,
    }
}

/// No agreement in force covering the exchange: takes no store, so reads nothing.
pub(super) fn without_agreement(asked: &Asked<'_>, settings: &DisclosureSettings) -> Facts {
    Facts::Unread {
        break_glass: BreakGlass {
            facts: claim(asked.request.break_glass.as_ref(), settings),
            open_alert: None,
        },
    }
}

/// With an agreement: the record, what has been recorded about it, and the break-glass
/// window.
pub(super) async fn gather(
    state: &AppState,
    caller: &Caller,
    asked: &Asked<'_>,
    located: &Located,
) -> Result<Facts, ApiError> {
    let mut break_glass = BreakGlass {
        facts: claim(asked.request.break_glass.as_ref(), &state.disclosure),
        open_alert: None,
    };
    let person = match located.key() {
        Some(id) => state
            .store
            .young_person(id)
            .await
            .map_err(|e| ApiError::store(e, "record store unavailable"))?,
        None => None,
    };
    let (Some(person), Some(pseudonym)) = (person, located.pseudonym.as_deref()) else {
        return Ok(Facts::Unmatched {
            break_glass,
            reason: located.outcome.reason(),
        });
    };
    let recorded = recorded_for(state, &person).await?;
    let facts = person_facts(
        &person,
        &recorded,
        &caller.partner,
        &caller.purpose,
        asked.today,
    );
    if break_glass.facts.invoked {
        window(state, caller, pseudonym, asked, &mut break_glass).await?;
    }
    let source = match state.upstream.provider(asked.exchange) {
        Some(provider) => Source::Upstream(provider.clone()),
        None => Source::Local(asked.exchange.full_answer(
            &person,
            &state.disclosure.currency,
            asked.today,
        )),
    };
    Ok(Facts::Read {
        person: Box::new(person),
        facts,
        source,
        break_glass,
    })
}

/// The time box: the first override for a young person opens a window; later overrides by
/// the same officer ride on it until it ends. After that, no new window until the data
/// protection officer has reviewed the last one.
async fn window(
    state: &AppState,
    caller: &Caller,
    pseudonym: &str,
    asked: &Asked<'_>,
    break_glass: &mut BreakGlass,
) -> Result<(), ApiError> {
    let latest = state
        .store
        .latest_alert_for(&caller.partner.id, &caller.officer, pseudonym)
        .await
        .map_err(|e| ApiError::store(e, "alert store unavailable"))?;
    if let Some(alert) = latest
        && alert.status == AlertStatus::Open
    {
        if asked.now < alert.window_ends_at {
            break_glass.open_alert = Some(alert);
        } else {
            break_glass.facts.within_window = false;
        }
    }
    Ok(())
}

/// The consents, objections and competence assessments recorded for a young person.
pub(crate) async fn recorded_for(
    state: &AppState,
    person: &YoungPerson,
) -> Result<Recorded, ApiError> {
    let store = &state.store;
    let id = &person.ccis_id;
    let (consents, objections, competence) = tokio::try_join!(
        store.consents_for(id),
        store.objections_for(id),
        store.competence_assessments_for(id),
    )
    .map_err(|e| ApiError::store(e, "consent store unavailable"))?;
    Ok(Recorded {
        consents,
        objections,
        competence,
    })
}
