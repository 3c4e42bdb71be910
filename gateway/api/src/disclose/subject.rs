//! Stage 2, the subject: who the request is about, from the in-memory subject index alone
//! (no store read), so it costs the same whether or not an agreement is in force and the
//! log entry can name the pseudonym of a known person either way.

use gateway_domain::{CcisId, YoungPerson};
use gateway_matching::{MatchOutcome, MatchRequest};

use super::request::Asked;
use crate::AppState;
use crate::error::ApiError;

/// The matcher's outcome, and the pseudonym of a uniquely matched person.
pub(super) struct Located {
    pub outcome: MatchOutcome,
    pub pseudonym: Option<String>,
}

impl Located {
    pub fn key(&self) -> Option<&CcisId> {
        self.outcome.key()
    }
}

pub(super) fn locate(state: &AppState, asked: &Asked<'_>) -> Result<Located, ApiError> {
    let outcome = lookup(state, &asked.request.subject)?;
    let pseudonym = outcome.key().map(|id| state.log.pseudonym(id.as_str()));
    Ok(Located { outcome, pseudonym })
}

/// The index lock is held for the lookup only.
fn lookup(state: &AppState, subject: &MatchRequest) -> Result<MatchOutcome, ApiError> {
    state
        .subjects
        .read()
        .map(|index| index.find(subject))
        .map_err(|_| ApiError::internal("poisoned", "subject index unavailable"))
}

/// Who a request is about: the matcher's outcome and, for a unique match, the stored record
/// (for callers that always need the record: an outbound transfer).
pub(crate) async fn find_subject(
    state: &AppState,
    subject: &MatchRequest,
) -> Result<(MatchOutcome, Option<YoungPerson>), ApiError> {
    let outcome = lookup(state, subject)?;
    let person = match outcome.key() {
        Some(id) => state
            .store
            .young_person(id)
            .await
            .map_err(|e| ApiError::store(e, "record store unavailable"))?,
        None => None,
    };
    Ok((outcome, person))
}
