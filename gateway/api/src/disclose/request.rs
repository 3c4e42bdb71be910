//! Stage 1, the request: who may ask, which of the exchange's categories are asked for, and
//! the agreement with the partner. Nothing here is about the person.

use gateway_exchange::{Exchange, agreement_facts};
use gateway_policy::AgreementFacts;
use gateway_store::Agreement;
use time::{Date, OffsetDateTime};

use super::ExchangeRequest;
use super::decision::Question;
use super::facts::Facts;
use crate::AppState;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json_body::JsonBody;

/// A request the caller may make, with the agreement it rests on.
pub(super) struct Asked<'a> {
    pub exchange: Exchange,
    pub request: &'a ExchangeRequest,
    /// The body as received, for the log entry's request hash.
    pub body: &'a [u8],
    /// The exchange's categories asked for, in the exchange's order.
    pub categories: Vec<String>,
    pub agreement: AgreementFacts,
    /// The agreement the disclosure relies on, if any.
    pub relied: Option<Agreement>,
    pub now: OffsetDateTime,
    pub today: Date,
}

impl Asked<'_> {
    /// An agreement in force that covers the exchange: without one nothing about the
    /// person is read (see `facts::without_agreement`).
    pub fn agreement_usable(&self) -> bool {
        self.agreement.present && self.agreement.in_force && self.agreement.covers_exchange
    }

    /// The question for the policy, with the facts gathered.
    pub fn question<'q>(&'q self, caller: &'q Caller, facts: &'q Facts) -> Question<'q> {
        Question {
            partner: &caller.partner,
            exchange: self.exchange.name(),
            categories: &self.categories,
            concealed: facts.concealed_categories(self.exchange),
            purpose: &caller.purpose,
            role: &caller.role,
            agreement: &self.agreement,
            usable: self.agreement_usable(),
            person: facts.person_facts(),
            break_glass: facts.break_glass_facts(),
        }
    }
}

pub(super) async fn asked<'a>(
    state: &AppState,
    caller: &Caller,
    exchange: Exchange,
    body: &'a JsonBody<ExchangeRequest>,
) -> Result<Asked<'a>, ApiError> {
    let declaration = exchange.declaration();
    if !exchange.accepts_role(&caller.role) {
        return Err(ApiError::RoleNotPermitted {
            title: "The token's role may not use this exchange",
        });
    }
    let request = &body.value;
    let categories: Vec<String> = match &request.categories {
        None => declaration
            .categories
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
        Some(asked) => {
            if asked.is_empty()
                || asked
                    .iter()
                    .any(|c| !declaration.categories.contains(&c.as_str()))
            {
                return Err(ApiError::UnknownCategory {
                    known: declaration.categories.join(", "),
                });
            }
            // In the exchange's order, each once.
            declaration
                .categories
                .iter()
                .filter(|c| asked.iter().any(|a| a == *c))
                .map(|c| (*c).to_owned())
                .collect()
        }
    };
    let today = state.today();
    let agreements = state
        .store
        .agreements()
        .await
        .map_err(|e| ApiError::store(e, "agreement registry unavailable"))?;
    let (agreement, relied) = agreement_facts(
        &caller.partner,
        &agreements,
        declaration.name,
        &caller.purpose,
        today,
    );
    let relied = relied.cloned();
    Ok(Asked {
        exchange,
        request,
        body: &body.bytes,
        categories,
        agreement,
        relied,
        now: OffsetDateTime::now_utc(),
        today,
    })
}
