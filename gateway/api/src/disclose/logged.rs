//! Stage 6, the log: the break-glass alert and the disclosure-log entry, durable before
//! anything leaves. The entry records what was decided and why, under the subject's
//! pseudonym (also without an agreement, when the index knows the person).

use gateway_disclosure::{Event, Outcome, Receipt, sha256_hex};
use gateway_store::{NewAlert, Undo};
use uuid::Uuid;

use super::answer::{Answered, Refusal};
use super::decision::Verdict;
use super::facts::Facts;
use super::request::Asked;
use super::subject::Located;
use crate::AppState;
use crate::caller::Caller;
use crate::error::ApiError;

/// What the log holds, and what may now leave.
pub(super) struct Logged {
    pub receipt: Receipt,
    /// The disclosure's exact bytes (their hash is in the entry), or why nothing leaves.
    pub outcome: Result<Vec<u8>, Refusal>,
}

pub(super) async fn log(
    state: &AppState,
    caller: &Caller,
    asked: &Asked<'_>,
    located: &Located,
    facts: &Facts,
    verdict: &Verdict,
    answered: Answered,
) -> Result<Logged, ApiError> {
    let claimed = facts.break_glass().facts.invoked;
    let mut entry = caller.log_entry(asked.now, Event::Disclosure, Outcome::Deny);
    entry.case_reference = asked
        .request
        .case_reference
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .or_else(|| caller.case_reference.clone());
    entry.exchange = Some(asked.exchange.name().to_owned());
    entry.subject = located.pseudonym.clone();
    entry.policies = verdict.decision.determining_policies();
    entry.policy_set = Some(verdict.decision.policy_set_hash.clone());
    entry.agreement = asked.relied.as_ref().map(|a| a.reference.clone());
    entry.lawful_basis = asked
        .relied
        .as_ref()
        .map(|a| a.lawful_basis.as_str().to_owned());
    entry.request_sha256 = Some(sha256_hex(asked.body));

    let mut alert = None;
    let outcome = match answered {
        Answered::Released(disclosure) => {
            let bytes = serde_json::to_vec(&disclosure)
                .map_err(|e| ApiError::internal(e, "answer not serialisable"))?;
            entry.outcome = if disclosure.break_glass {
                Outcome::BreakGlass
            } else if disclosure.withheld.is_empty() {
                Outcome::Permit
            } else {
                Outcome::PartialPermit
            };
            entry.released = disclosure.released;
            entry.withheld = disclosure.withheld;
            entry.consents = verdict.consents.clone();
            entry.response_sha256 = Some(sha256_hex(&bytes));
            entry.note = if disclosure.break_glass {
                // The alert is raised before the entry, so the entry can name it.
                let id = raise_alert(state, caller, asked, located, facts, false).await?;
                alert = Some(id);
                Some(format!("break-glass alert {}", id.0))
            } else if claimed {
                Some("break-glass claimed, not needed or not valid".to_owned())
            } else {
                None
            };
            Ok(bytes)
        }
        Answered::Refused(refusal) => {
            if matches!(refusal, Refusal::NoUniqueMatch(_)) {
                entry.outcome = Outcome::NoUniqueMatch;
            }
            entry.withheld = asked.categories.clone();
            let note = refusal.note();
            entry.note = if claimed {
                // A refused emergency claim is a signal for the DPO: an alert that opens no
                // window.
                let id = raise_alert(state, caller, asked, located, facts, true).await?;
                alert = Some(id);
                let refused = format!("break-glass refused, alert {}", id.0);
                Some(note.map_or_else(|| refused.clone(), |n| format!("{refused}; {n}")))
            } else {
                note
            };
            Err(refusal)
        }
    };
    match state.log.append(entry).await {
        Ok(receipt) => Ok(Logged { receipt, outcome }),
        Err(err) => {
            if let Some(alert) = alert {
                undo_alert(state, alert).await;
            }
            Err(ApiError::log(err))
        }
    }
}

/// An alert raised or used for this request: (id, whether this request opened it).
#[derive(Debug, Clone, Copy)]
struct AlertUse(Uuid, bool);

async fn raise_alert(
    state: &AppState,
    caller: &Caller,
    asked: &Asked<'_>,
    located: &Located,
    facts: &Facts,
    refused: bool,
) -> Result<AlertUse, ApiError> {
    if !refused && let Some(open) = &facts.break_glass().open_alert {
        state
            .store
            .count_alert_use(open.id)
            .await
            .map_err(|e| ApiError::store(e, "alert store unavailable"))?;
        return Ok(AlertUse(open.id, false));
    }
    let claim = asked.request.break_glass.as_ref();
    let alert = state
        .store
        .add_alert(&NewAlert {
            partner: caller.partner.id.clone(),
            officer: caller.officer.clone(),
            role: caller.role.clone(),
            exchange: asked.exchange.name().to_owned(),
            subject_pseudonym: located.pseudonym.clone().unwrap_or_default(),
            justification: claim.map(|c| c.justification.clone()).unwrap_or_default(),
            opened_at: asked.now,
            window_ends_at: if refused {
                asked.now
            } else {
                asked.now + state.disclosure.break_glass_window
            },
            refused,
        })
        .await
        .map_err(|e| ApiError::store(e, "alert store unavailable"))?;
    Ok(AlertUse(alert.id, true))
}

/// The log refused the entry: an alert for a release that never happened must not stay.
async fn undo_alert(state: &AppState, alert: AlertUse) {
    let AlertUse(id, opened) = alert;
    let undone = if opened {
        state.store.undo(Undo::Alert(id)).await
    } else {
        state.store.undo(Undo::AlertUse(id)).await
    };
    if let Err(err) = undone {
        tracing::error!(error = %err, "alert of an unlogged release could not be undone");
    }
}
