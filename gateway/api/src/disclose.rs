//! The one path every exchange takes:
//! subject → facts → policy (one decision per category) → minimise → log (durable) → answer.
//!
//! What a requester can learn is fixed here:
//! - a partner without an agreement in force covering the exchange gets `403 not-permitted`
//!   whether or not the person is known (matching still runs, so the timing and the log
//!   entry are the same shape either way);
//! - with an agreement, a request that names nobody uniquely gets `404 no-unique-match`,
//!   whatever the reason (no candidate, ambiguous, too little detail);
//! - otherwise `200` with exactly the permitted categories' fields, the list of categories
//!   released and withheld (never why), and a disclosure receipt;
//! - nothing leaves until its log entry is durable; if the log cannot be written the answer
//!   is `503 log-unavailable` and nothing is released.

use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gateway_disclosure::{Event, Outcome, sha256_hex};
use gateway_domain::{CcisId, YoungPerson};
use gateway_exchange::{
    Exchange, NotApplicable, PersonFacts, Recorded, agreement_facts, person_facts,
};
use gateway_matching::{MatchOutcome, MatchRequest};
use gateway_policy::{BreakGlassFacts, ConsentFacts, DecisionRequest, PartnerInfo, SubjectFacts};
use gateway_store::{Alert, AlertStatus, NewAlert};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::AppState;
use crate::caller::Caller;
use crate::json_body::JsonBody;
use crate::problem::{Problem, internal};
use crate::upstream;

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

/// `POST /v1/exchanges/{exchange}` for one exchange.
pub async fn run(
    state: AppState,
    caller: Caller,
    exchange: Exchange,
    body: JsonBody<ExchangeRequest>,
) -> Response {
    match run_inner(&state, &caller, exchange, body).await {
        Ok(response) | Err(response) => response,
    }
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
                (status = 403, description = "not-permitted: no agreement covers this, or nothing may be released (the same for an unknown person)", body = crate::problem::Problem, content_type = "application/problem+json"),
                (status = 404, description = "no-unique-match", body = crate::problem::Problem, content_type = "application/problem+json"),
                (status = 422, description = "invalid-body", body = crate::problem::Problem, content_type = "application/problem+json"),
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
        ) -> Response {
            run(state, caller, $exchange, body).await
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

fn not_permitted() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "not-permitted",
        "Nothing may be disclosed to this partner for this request",
    )
}

fn no_unique_match() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "no-unique-match",
        "The request does not identify exactly one young person",
    )
}

fn log_unavailable() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "log-unavailable",
        "The disclosure could not be recorded, so nothing was released",
    )
}

/// What happened to a break-glass claim before the decision.
struct BreakGlass {
    facts: BreakGlassFacts,
    /// An open alert whose window this request falls in.
    open_alert: Option<Alert>,
}

async fn break_glass(
    state: &AppState,
    caller: &Caller,
    claim: Option<&BreakGlassRequest>,
    pseudonym: Option<&str>,
    now: OffsetDateTime,
) -> Result<BreakGlass, Response> {
    let Some(claim) = claim else {
        return Ok(BreakGlass {
            facts: BreakGlassFacts::default(),
            open_alert: None,
        });
    };
    let justification_given = claim.statutory_basis == StatutoryBasis::ChildrenAct1989S47
        && claim.justification.trim().chars().count()
            >= state.disclosure.break_glass_min_justification;
    // The time box: the first override for a young person opens a window; later overrides
    // by the same officer ride on it until it ends. After that, no new window until the
    // data protection officer has reviewed the last one.
    let (within_window, open_alert) = match pseudonym {
        None => (true, None),
        Some(pseudonym) => {
            let latest = state
                .store
                .latest_alert_for(&caller.partner.id, &caller.officer, pseudonym)
                .await
                .map_err(|e| internal(e, "alert store unavailable"))?;
            match latest {
                Some(alert) if alert.status == AlertStatus::Open => {
                    if now < alert.window_ends_at {
                        (true, Some(alert))
                    } else {
                        (false, None)
                    }
                }
                _ => (true, None),
            }
        }
    };
    Ok(BreakGlass {
        facts: BreakGlassFacts {
            invoked: true,
            justification_given,
            within_window,
        },
        open_alert,
    })
}

/// Who a request is about: the matcher's outcome and, for a unique match, the stored record.
/// The index lock is held for the lookup only.
pub(crate) async fn find_subject(
    state: &AppState,
    subject: &MatchRequest,
) -> Result<(MatchOutcome, Option<YoungPerson>), Response> {
    let outcome = state
        .subjects
        .read()
        .map(|index| index.find(subject))
        .map_err(|_| internal("poisoned", "subject index unavailable"))?;
    let person = match outcome.key() {
        Some(id) => state
            .store
            .young_person(id)
            .await
            .map_err(|e| internal(e, "record store unavailable"))?,
        None => None,
    };
    Ok((outcome, person))
}

/// The consents, objections and competence assessments recorded for a young person.
pub(crate) async fn recorded_for(state: &AppState, id: &CcisId) -> Result<Recorded, Response> {
    let store = &state.store;
    let (consents, objections, competence) = tokio::try_join!(
        store.consents_for(id),
        store.objections_for(id),
        store.competence_assessments_for(id),
    )
    .map_err(|e| internal(e, "consent store unavailable"))?;
    Ok(Recorded {
        consents,
        objections,
        competence,
    })
}

async fn run_inner(
    state: &AppState,
    caller: &Caller,
    exchange: Exchange,
    body: JsonBody<ExchangeRequest>,
) -> Result<Response, Response> {
    let now = OffsetDateTime::now_utc();
    let today = state.today();
    let request = &body.value;
    let name = exchange.name();
    let all_categories = state
        .policy
        .exchange_categories(name)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let categories = match &request.categories {
        None => all_categories,
        Some(asked) => {
            if asked.is_empty() || asked.iter().any(|c| !all_categories.contains(c)) {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown-category",
                    "A requested category is not one this exchange answers",
                )
                .with_detail(format!("{name} answers: {}", all_categories.join(", ")))
                .into_response());
            }
            asked.clone()
        }
    };

    let agreements = state
        .store
        .agreements()
        .await
        .map_err(|e| internal(e, "agreement registry unavailable"))?;
    let (agreement, relied_agreement) =
        agreement_facts(&caller.partner, &agreements, name, &caller.purpose, today);
    let agreement_usable = agreement.present && agreement.in_force && agreement.covers_exchange;

    let (outcome, person) = find_subject(state, &request.subject).await?;
    let pseudonym = person
        .as_ref()
        .map(|p| state.log.pseudonym(p.ccis_id.as_str()));

    // Facts.
    let facts: Option<PersonFacts> = match &person {
        Some(p) => {
            let recorded = recorded_for(state, &p.ccis_id).await?;
            Some(person_facts(
                p,
                &recorded,
                &caller.partner,
                &caller.purpose,
                today,
            ))
        }
        None => None,
    };
    // An illness or pregnancy code is itself special-category data: its category is decided
    // too, and the code field follows that decision (see `Exchange::special_category`).
    // For an exchange answered upstream the provider's answer, not the local record, holds
    // the code: every special category it could reveal is decided up front, and those the
    // answer turns out not to reveal are dropped again once it is known.
    let provider = state.upstream.provider(exchange).cloned();
    let mut special = match provider {
        Some(_) => None,
        None => person
            .as_ref()
            .and_then(|p| exchange.special_category(p, &state.disclosure.currency, today)),
    };
    let mut categories = categories;
    if let Some(special) = special
        && !categories.iter().any(|c| c == special)
    {
        categories.push(special.to_owned());
    }
    let mut speculative: Vec<&str> = Vec::new();
    if provider.is_some() && person.is_some() {
        for &s in Exchange::SPECIAL_CATEGORIES {
            if !categories.iter().any(|c| c == s) {
                categories.push(s.to_owned());
                speculative.push(s);
            }
        }
    }
    let bg = break_glass(
        state,
        caller,
        request.break_glass.as_ref(),
        pseudonym.as_deref(),
        now,
    )
    .await?;

    // Policy: one decision per category.
    let decision_request = DecisionRequest {
        partner: PartnerInfo {
            id: caller.partner.id.to_string(),
            agency_kind: caller.partner.agency_kind.as_str().to_owned(),
            la_code: caller.partner.la_code.clone(),
        },
        exchange: name.to_owned(),
        categories: categories.clone(),
        purpose: caller.purpose.clone(),
        role: caller.role.clone(),
        agreement: agreement.clone(),
        subject: facts
            .as_ref()
            .map_or_else(SubjectFacts::default, |f| f.subject.clone()),
        consent: facts
            .as_ref()
            .map_or_else(ConsentFacts::default, |f| f.consent.clone()),
        break_glass: bg.facts.clone(),
    };
    let mut decision = state
        .policy
        .decide(&decision_request)
        .map_err(|e| internal(e, "policy decision failed"))?;

    // Upstream: the provider is asked only for a matched person under a usable agreement
    // when a category its answer carries is permitted; no identifiers leave otherwise.
    let mut provided = None;
    let mut upstream_failure = None;
    if let (Some(provider), Some(p)) = (&provider, &person) {
        let permitted_now = decision.permitted_categories();
        if agreement_usable && upstream::releasable(exchange, &permitted_now) {
            let request_id = crate::request_id::current().map(|id| id.to_string());
            let body = upstream::request_body(provider, p, &permitted_now, request_id);
            let call = upstream::Call {
                body: &body,
                // A question about a record changes nothing at the provider.
                idempotent: true,
            };
            match provider.call(call).await {
                Ok(answered) => provided = Some(answered),
                Err(err) => upstream_failure = Some(err),
            }
        }
    }
    if provider.is_some() {
        special = match &provided {
            Some(upstream::Answered::Answer(answer)) => answer.special,
            _ => None,
        };
        let unused = |c: &str| speculative.contains(&c) && Some(c) != special;
        decision.categories.retain(|d| !unused(&d.category));
        categories.retain(|c| !unused(c));
    }
    let mut permitted: Vec<&str> = decision.permitted_categories();
    let withheld: Vec<&str> = decision.withheld_categories();

    // The answer, minimised; and the status a requester sees.
    let full = match (&provider, provided) {
        (None, _) => person
            .as_ref()
            .map(|p| exchange.full_answer(p, &state.disclosure.currency, today)),
        (Some(_), Some(upstream::Answered::Answer(answer))) => Some(Ok(answer.answer)),
        (Some(_), Some(upstream::Answered::NoAnswer)) => Some(Err(NotApplicable::NoAnswer)),
        // Not called (nothing it could answer may be released) or failed: nothing of its.
        (Some(_), None) => person.as_ref().map(|_| Ok(Map::new())),
    };
    let mut note = None;
    let status = if !agreement_usable {
        permitted.clear();
        note = Some("no agreement covers this exchange".to_owned());
        StatusCode::FORBIDDEN
    } else if person.is_none() {
        note = outcome.reason().map(|r| format!("no unique match: {r:?}"));
        StatusCode::NOT_FOUND
    } else if permitted.is_empty() {
        StatusCode::FORBIDDEN
    } else if let Some(Err(why)) = &full {
        permitted.clear();
        note = Some(match why {
            NotApplicable::NoAnswer => "not applicable: the provider has no answer".to_owned(),
            _ => "not applicable: not a care leaver".to_owned(),
        });
        StatusCode::NOT_FOUND
    } else if let Some(err) = upstream_failure {
        permitted.clear();
        note = Some(err.note().to_owned());
        err.status()
    } else {
        StatusCode::OK
    };
    let released: Vec<String> = permitted.iter().map(|c| (*c).to_owned()).collect();
    let mut withheld_all: Vec<String> = withheld.iter().map(|c| (*c).to_owned()).collect();
    if status != StatusCode::OK {
        withheld_all = categories.clone();
    }
    let break_glass_used = status == StatusCode::OK
        && bg.facts.invoked
        && decision.categories.iter().any(|c| {
            c.permitted
                && c.determining_policies
                    .iter()
                    .any(|p| p == "permit-break-glass")
        });

    // The alert is raised before the log entry, so the entry can name it.
    if break_glass_used {
        let alert = match &bg.open_alert {
            Some(alert) => {
                state
                    .store
                    .count_alert_use(alert.id)
                    .await
                    .map_err(|e| internal(e, "alert store unavailable"))?;
                alert.id
            }
            None => {
                let claim = request.break_glass.as_ref();
                state
                    .store
                    .add_alert(&NewAlert {
                        partner: caller.partner.id.clone(),
                        officer: caller.officer.clone(),
                        role: caller.role.clone(),
                        exchange: name.to_owned(),
                        subject_pseudonym: pseudonym.clone().unwrap_or_default(),
                        justification: claim.map(|c| c.justification.clone()).unwrap_or_default(),
                        opened_at: now,
                        window_ends_at: now + state.disclosure.break_glass_window,
                    })
                    .await
                    .map_err(|e| internal(e, "alert store unavailable"))?
                    .id
            }
        };
        note = Some(format!("break-glass alert {alert}"));
    } else if bg.facts.invoked && status != StatusCode::OK {
        note = Some(note.map_or_else(
            || "break-glass refused".to_owned(),
            |n| format!("break-glass refused; {n}"),
        ));
    } else if bg.facts.invoked {
        note = Some("break-glass claimed, not needed or not valid".to_owned());
    }

    let disclosure_bytes = if status == StatusCode::OK {
        let answer = match full {
            Some(Ok(full)) => exchange.minimise(full, &permitted, special),
            _ => Map::new(),
        };
        let disclosure = Disclosure {
            exchange: name.to_owned(),
            request_id: crate::request_id::current().map(|id| id.to_string()),
            subject: "matched".into(),
            released: released.clone(),
            withheld: withheld_all.clone(),
            answer,
            break_glass: break_glass_used,
        };
        Some(serde_json::to_vec(&disclosure).map_err(|e| internal(e, "answer not serialisable"))?)
    } else {
        None
    };

    // The log entry, durable before anything leaves.
    let outcome_kind = match status {
        StatusCode::OK if break_glass_used => Outcome::BreakGlass,
        StatusCode::OK if withheld_all.is_empty() => Outcome::Permit,
        StatusCode::OK => Outcome::PartialPermit,
        StatusCode::NOT_FOUND if person.is_none() => Outcome::NoUniqueMatch,
        _ => Outcome::Deny,
    };
    let policies = decision.determining_policies();
    let needing_consent: Vec<&str> = permitted
        .iter()
        .copied()
        .filter(|c| state.policy.category(c).is_some_and(|i| i.requires_consent))
        .collect();
    let mut entry = caller.log_entry(now, Event::Disclosure, outcome_kind);
    entry.case_reference = request
        .case_reference
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .or_else(|| caller.case_reference.clone());
    entry.exchange = Some(name.to_owned());
    entry.subject = pseudonym;
    entry.released = if status == StatusCode::OK {
        released.clone()
    } else {
        Vec::new()
    };
    entry.withheld = withheld_all;
    entry.policies = policies;
    entry.policy_set = Some(decision.policy_set_hash.clone());
    entry.consents = facts
        .as_ref()
        .map(|f| f.consents_relied_on(&needing_consent))
        .unwrap_or_default();
    entry.agreement = relied_agreement.map(|a| a.reference.clone());
    entry.lawful_basis = relied_agreement.map(|a| a.lawful_basis.as_str().to_owned());
    entry.request_sha256 = Some(sha256_hex(&body.bytes));
    entry.response_sha256 = disclosure_bytes.as_deref().map(sha256_hex);
    entry.note = note;
    let receipt = match state.log.append(entry).await {
        Ok(receipt) => receipt,
        Err(err) => {
            tracing::error!(error = %err, exchange = name, "disclosure log append failed; nothing released");
            return Err(log_unavailable().into_response());
        }
    };

    let Some(disclosure_bytes) = disclosure_bytes else {
        if let Some(err) = upstream_failure {
            return Err(err.into_response());
        }
        return Err(match status {
            StatusCode::NOT_FOUND => no_unique_match(),
            _ => not_permitted(),
        }
        .into_response());
    };
    let receipt_bytes =
        serde_json::to_vec(&receipt).map_err(|e| internal(e, "receipt not serialisable"))?;
    // Assembled from the exact bytes whose hash is in the log entry.
    let mut body = Vec::with_capacity(disclosure_bytes.len() + receipt_bytes.len() + 32);
    body.extend_from_slice(b"{\"disclosure\":");
    body.extend_from_slice(&disclosure_bytes);
    body.extend_from_slice(b",\"receipt\":");
    body.extend_from_slice(&receipt_bytes);
    body.push(b'}');
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
