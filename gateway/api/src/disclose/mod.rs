//! The one path every exchange takes, as typed stages, each a function of the previous
//! stage's output:
//!
//! ```text
//! request::asked      role, categories, agreement facts            → Asked
//! subject::locate     the in-memory subject index only             → Located
//! facts::gather       record, consents, objections, competence,
//!                     break-glass window (store reads)             → Facts
//!   or facts::without_agreement (no agreement in force covering
//!                     the exchange: takes no store, reads nothing) → Facts
//! decision::decide    one Cedar decision per category (shared with
//!                     outbound transfers)                          → Verdict
//! answer::answer      local or upstream answer, minimised; the
//!                     outcome a requester will see                 → Answered
//! logged::log         break-glass alert, log entry, durable        → Logged
//! response::respond   200 with the logged bytes, or the refusal    → Response
//! ```
//!
//! What a requester can learn is fixed here:
//! - a partner without an agreement in force covering the exchange gets `403 not-permitted`
//!   whether or not the person is known, after the same work either way: the index lookup
//!   (in memory, so the log entry can name the pseudonym) and nothing read from the store;
//! - with an agreement, a request that names nobody uniquely gets `404 no-unique-match`,
//!   whatever the reason (no candidate, ambiguous, too little detail);
//! - otherwise `200` with exactly the permitted categories' fields, the list of categories
//!   released and withheld (never why; never a special category that was not released),
//!   and a disclosure receipt;
//! - nothing leaves until its log entry is durable; if the log cannot be written the answer
//!   is `503 log-unavailable` and nothing is released.

mod answer;
pub(crate) mod decision;
mod facts;
mod logged;
mod request;
mod response;
mod subject;

use axum::extract::{Extension, State};
use axum::response::Response;
use gateway_exchange::Exchange;
use gateway_matching::MatchRequest;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::AppState;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json_body::JsonBody;

pub(crate) use facts::recorded_for;
pub(crate) use subject::find_subject;

/// `POST /v1/exchanges/{exchange}`: the stages in order.
pub async fn run(
    state: &AppState,
    caller: &Caller,
    exchange: Exchange,
    body: &JsonBody<ExchangeRequest>,
) -> Result<Response, ApiError> {
    let asked = request::asked(state, caller, exchange, body).await?;
    let located = subject::locate(state, &asked)?;
    let facts = if asked.agreement_usable() {
        facts::gather(state, caller, &asked, &located).await?
    } else {
        facts::without_agreement(&asked, &state.disclosure)
    };
    let verdict = decision::decide(&state.policy, &asked.question(caller, &facts))?;
    let answered = answer::answer(&asked, &facts, &verdict).await;
    let logged = logged::log(state, caller, &asked, &located, &facts, &verdict, answered).await?;
    response::respond(logged)
}

/// A request to an exchange.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    /// Who the request is about: `{"identifier": {"upn"|"uln"|"ccis_id"|"nino": "..."}}` or
    /// `{"demographics": {"given_name", "family_name", "date_of_birth", "postcode"?}}`.
    #[schema(value_type = Object, example = json!({"identifier": {"upn": "A123456789012"}}))]
    pub subject: MatchRequest,
    /// Narrow the request to some of the exchange's categories (default: all of them).
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    /// The partner's own case reference (not a personal identifier); overrides the token's.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub case_reference: Option<gateway_adapters::yot::CaseReference>,
    /// Safeguarding override (Children Act 1989 s.47).
    #[serde(default)]
    pub break_glass: Option<BreakGlassRequest>,
}

/// A break-glass claim.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRequest {
    /// Why the override is needed, in words (kept for the data protection officer's review).
    pub justification: String,
    /// The statutory basis; only `children_act_1989_s47` is recognised.
    pub statutory_basis: StatutoryBasis,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
pub enum StatutoryBasis {
    #[serde(rename = "children_act_1989_s47")]
    ChildrenAct1989S47,
}

/// The disclosed part of an answer (its bytes are hashed into the log entry).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Disclosure {
    pub exchange: String,
    pub request_id: Option<String>,
    /// `matched`: the request named exactly one young person.
    pub subject: String,
    /// Categories whose fields are in `answer`.
    pub released: Vec<String>,
    /// Categories asked for and not released.
    pub withheld: Vec<String>,
    /// The answer, minimised to the released categories.
    #[schema(value_type = Object)]
    pub answer: Map<String, Value>,
    /// True when released under a safeguarding override.
    pub break_glass: bool,
}

macro_rules! exchange_handler {
    ($name:ident, $exchange:expr, $path:literal, $summary:literal) => {
        #[utoipa::path(
            post,
            path = $path,
            tag = "exchanges",
            summary = $summary,
            request_body = ExchangeRequest,
            responses(
                (status = 200, description = "The minimised answer and its disclosure receipt", body = ExchangeResponse),
                (status = 401, description = "Token refused", body = crate::problem::Problem, content_type = "application/problem+json"),
                (status = 403, description = "not-permitted: no agreement covers this, or nothing may be released (the same for an unknown person); role-not-permitted: the token's role may not use this exchange", body = crate::problem::Problem, content_type = "application/problem+json"),
                (status = 404, description = "no-unique-match", body = crate::problem::Problem, content_type = "application/problem+json"),
                (status = 422, description = "invalid-body, or unknown-category", body = crate::problem::Problem, content_type = "application/problem+json"),
                (status = 502, description = "upstream-failed: the exchange's upstream provider failed; nothing was released", body = crate::problem::Problem, content_type = "application/problem+json"),
                (status = 503, description = "log-unavailable or upstream-unavailable: nothing was released", body = crate::problem::Problem, content_type = "application/problem+json"),
                (status = 504, description = "upstream-timeout: the exchange's upstream provider did not answer in time; nothing was released", body = crate::problem::Problem, content_type = "application/problem+json"),
            ),
            security(("partner_token" = []))
        )]
        pub async fn $name(
            State(state): State<AppState>,
            Extension(caller): Extension<Caller>,
            body: JsonBody<ExchangeRequest>,
        ) -> Result<Response, ApiError> {
            run(&state, &caller, $exchange, &body).await
        }
    };
}

exchange_handler!(
    eet_status,
    Exchange::EetStatus,
    "/v1/exchanges/eet-status",
    "YOT: is this young person in education, employment or training?"
);
exchange_handler!(
    benefit_registration,
    Exchange::BenefitRegistration,
    "/v1/exchanges/benefit-registration",
    "Jobcentre Plus: has this 16/17 year old registered with the authority?"
);
exchange_handler!(
    care_leaver_status,
    Exchange::CareLeaverStatus,
    "/v1/exchanges/care-leaver-status",
    "Leaving care: what is this care leaver doing (SSDA903 ACTIV, IN_TOUCH)?"
);

/// The body of a 200 answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExchangeResponse {
    pub disclosure: Disclosure,
    #[schema(value_type = Object)]
    pub receipt: gateway_disclosure::Receipt,
}
