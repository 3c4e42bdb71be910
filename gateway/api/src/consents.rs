//! The authority's own advisers record what a young person (or parent) says: consent,
//! withdrawal, objection, and Gillick-competence assessments. Only the home authority's
//! staff (a `local_authority` partner with this gateway's LA code) in an adviser role may.
//!
//! Every change is written to the disclosure log (event `consent_change`,
//! `objection_change`, `competence_assessment`) before the answer; every consent recorded
//! returns a consent receipt signed with the log's key. A change is in force only with its
//! log entry: when the append fails the change is taken back ([`Undo`]) and the caller gets
//! `503 log-unavailable`, so a retry records it once.

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gateway_disclosure::{Event, Outcome, SignedDocument, sha256_hex};
use gateway_domain::CcisId;
use gateway_store::{
    AgencyKind, CompetenceAssessment, Consent, ConsentMethod, ConsentRecipient, GivenBy,
    NewCompetenceAssessment, NewConsent, NewObjection, Objection, PartnerId, Undo,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::problem::Problem;

/// Who may record: the home authority's advisers.
pub(crate) fn require_adviser(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    if state.is_home_staff(&caller.partner) && state.disclosure.adviser_roles.contains(&caller.role)
    {
        Ok(())
    } else {
        Err(ApiError::RoleNotPermitted {
            title: "This operation is for the authority's own advisers",
        })
    }
}

async fn known_subject(state: &AppState, raw: &str) -> Result<CcisId, ApiError> {
    let id = CcisId::parse(raw).map_err(|_| ApiError::InvalidSubjectId)?;
    match state.store.young_person(&id).await {
        Ok(Some(_)) => Ok(id),
        Ok(None) => Err(ApiError::SubjectNotFound),
        Err(err) => Err(ApiError::store(err, "record store unavailable")),
    }
}

fn store_failed(err: impl std::fmt::Display) -> ApiError {
    ApiError::store(err, "consent store unavailable")
}

fn unknown_category(state: &AppState, categories: &[String]) -> Result<(), ApiError> {
    if categories.is_empty()
        || categories
            .iter()
            .any(|c| state.policy.category(c).is_none())
    {
        return Err(ApiError::UnknownCategory {
            known: state.policy.known_categories().join(", "),
        });
    }
    Ok(())
}

/// A change just made, to be logged.
struct Change<'a> {
    event: Event,
    subject: &'a CcisId,
    note: String,
    request: &'a [u8],
    consents: Vec<String>,
    /// How to take it back if the log cannot record it (`None`: nothing changed, e.g. a
    /// second withdrawal).
    undo: Option<Undo>,
}

/// Logs a change; the caller answers only after this returns Ok. When the append fails the
/// change is taken back first, so nothing is in force that the log does not show.
async fn log_change(
    state: &AppState,
    caller: &Caller,
    change: Change<'_>,
) -> Result<gateway_disclosure::Receipt, ApiError> {
    let mut entry = caller.log_entry(OffsetDateTime::now_utc(), change.event, Outcome::Recorded);
    entry.subject = Some(state.log.pseudonym(change.subject.as_str()));
    entry.consents = change.consents;
    entry.request_sha256 = Some(sha256_hex(change.request));
    entry.note = Some(change.note);
    match state.log.append(entry).await {
        Ok(receipt) => Ok(receipt),
        Err(err) => {
            tracing::error!(error = %err, "disclosure log append failed; change taken back");
            if let Some(undo) = change.undo
                && let Err(err) = state.store.undo(undo).await
            {
                tracing::error!(error = %err, "a change without a log entry could not be taken back");
            }
            Err(ApiError::LogUnavailable {
                title: "The change could not be recorded in the disclosure log, so it was not made",
            })
        }
    }
}

/// Whether `at` is the withdrawal time stored (to the microsecond): this call withdrew it.
fn withdrawn_now(withdrawn_at: Option<OffsetDateTime>, at: OffsetDateTime) -> bool {
    withdrawn_at
        .is_some_and(|t| t.unix_timestamp_nanos() / 1000 == at.unix_timestamp_nanos() / 1000)
}

/// Whom a consent is for: an agency kind, or one partner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RecipientBody {
    /// `youth_offending_team`, `jobcentre_plus`, `social_services`, `local_authority`.
    AgencyKind(String),
    /// A registered partner id.
    Partner(String),
}

/// A consent as the adviser records it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsentBody {
    /// `young_person` or `parent_carer`.
    #[schema(value_type = String)]
    pub given_by: GivenBy,
    /// `written`, `verbal` or `electronic`.
    #[schema(value_type = String)]
    pub method: ConsentMethod,
    /// When it was given (RFC 3339); defaults to now.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub given_at: Option<OffsetDateTime>,
    /// The purposes it covers (as officers state them in their tokens).
    pub purposes: Vec<String>,
    pub recipient: RecipientBody,
    /// Data categories it covers.
    pub categories: Vec<String>,
    /// First day it counts (default: today).
    #[serde(default, with = "gateway_domain::dates::iso::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_from: Option<Date>,
    /// Last day it counts (inclusive); none = until withdrawn.
    #[serde(default, with = "gateway_domain::dates::iso::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<Date>,
}

/// What a consent receipt says.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsentReceiptBody {
    pub receipt_type: String,
    pub consent_id: Uuid,
    pub subject: String,
    pub given_by: String,
    pub method: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub given_at: OffsetDateTime,
    pub purposes: Vec<String>,
    #[schema(value_type = Object)]
    pub recipient: ConsentRecipient,
    pub categories: Vec<String>,
    #[serde(with = "gateway_domain::dates::iso")]
    #[schema(value_type = String, format = Date)]
    pub valid_from: Date,
    #[serde(with = "gateway_domain::dates::iso::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<Date>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    /// The disclosure-log index of the entry that recorded it.
    pub log_index: u64,
    pub issuer: String,
}

/// A recorded consent and its signed receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentCreated {
    #[schema(value_type = Object)]
    pub consent: Consent,
    #[schema(value_type = Object)]
    pub receipt: SignedDocument,
}

#[utoipa::path(
    post, path = "/v1/subjects/{id}/consents", tag = "consent",
    summary = "Record a consent (home authority advisers)",
    params(("id" = String, Path, description = "CCIS YoungPersonsID")),
    request_body = NewConsentBody,
    responses(
        (status = 201, description = "Recorded, with a signed consent receipt", body = ConsentCreated),
        (status = 403, description = "role-not-permitted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "subject-not-found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid-subject-id, invalid-body, unknown-category, invalid-period", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (record or consent store) or log-unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn add_consent(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: JsonBody<NewConsentBody>,
) -> Result<Response, ApiError> {
    require_adviser(&state, &caller)?;
    let subject = known_subject(&state, &id).await?;
    let b = &body.value;
    unknown_category(&state, &b.categories)?;
    if b.purposes.is_empty() || b.purposes.iter().any(|p| p.trim().is_empty()) {
        return Err(ApiError::InvalidBody {
            title: "A consent names at least one purpose",
        });
    }
    let now = OffsetDateTime::now_utc();
    let valid_from = b.valid_from.unwrap_or(now.date());
    if b.valid_until.is_some_and(|until| until < valid_from) {
        return Err(ApiError::InvalidPeriod);
    }
    let bad_recipient = || ApiError::InvalidRecipient;
    let recipient = match &b.recipient {
        RecipientBody::AgencyKind(kind) => {
            ConsentRecipient::AgencyKind(kind.parse::<AgencyKind>().map_err(|_| bad_recipient())?)
        }
        RecipientBody::Partner(id) => {
            ConsentRecipient::Partner(PartnerId::parse(id).map_err(|_| bad_recipient())?)
        }
    };
    let consent = state
        .store
        .add_consent(&NewConsent {
            subject: subject.clone(),
            given_by: b.given_by,
            method: b.method,
            given_at: b.given_at.unwrap_or(now),
            purposes: b.purposes.clone(),
            recipient,
            categories: b.categories.clone(),
            valid_from,
            valid_until: b.valid_until,
            recorded_by: caller.officer.clone(),
        })
        .await
        .map_err(store_failed)?;
    let logged = log_change(
        &state,
        &caller,
        Change {
            event: Event::ConsentChange,
            subject: &subject,
            note: "consent recorded".into(),
            request: &body.bytes,
            consents: vec![consent.id.to_string()],
            undo: Some(Undo::Consent(consent.id)),
        },
    )
    .await?;
    let receipt = state
        .documents
        .sign(&ConsentReceiptBody {
            receipt_type: "ccis-gateway-consent-receipt/1".into(),
            consent_id: consent.id,
            subject: consent.subject.as_str().to_owned(),
            given_by: consent.given_by.as_str().into(),
            method: consent.method.as_str().into(),
            given_at: consent.given_at,
            purposes: consent.purposes.clone(),
            recipient: consent.recipient.clone(),
            categories: consent.categories.clone(),
            valid_from: consent.valid_from,
            valid_until: consent.valid_until,
            recorded_at: consent.recorded_at,
            recorded_by: consent.recorded_by.clone(),
            log_index: logged.log_index,
            issuer: format!("urn:ccis-gateway:la:{}", state.disclosure.home_la_code),
        })
        .map_err(|e| ApiError::internal(e, "receipt not serialisable"))?;
    Ok((
        StatusCode::CREATED,
        Json(ConsentCreated { consent, receipt }),
    )
        .into_response())
}

#[utoipa::path(
    post, path = "/v1/consents/{id}/withdraw", tag = "consent",
    summary = "Withdraw a consent (takes effect for the next request)",
    params(("id" = Uuid, Path, description = "Consent id")),
    responses(
        (status = 200, description = "Withdrawn (a second withdrawal returns the first)", body = crate::schemas::ConsentView),
        (status = 403, description = "role-not-permitted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not-found", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (consent store) or log-unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<Uuid>,
) -> Result<Json<Consent>, ApiError> {
    require_adviser(&state, &caller)?;
    let at = OffsetDateTime::now_utc();
    let consent = state
        .store
        .withdraw_consent(id, at, &caller.officer)
        .await
        .map_err(store_failed)?
        .ok_or(ApiError::NotFound)?;
    log_change(
        &state,
        &caller,
        Change {
            event: Event::ConsentChange,
            subject: &consent.subject,
            note: "consent withdrawn".into(),
            request: id.to_string().as_bytes(),
            consents: vec![consent.id.to_string()],
            undo: withdrawn_now(consent.withdrawn_at, at).then_some(Undo::ConsentWithdrawal(id)),
        },
    )
    .await?;
    Ok(Json(consent))
}

/// An objection as the adviser records it (ESA 2008 s.14(4)).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObjectionBody {
    /// `young_person` or `parent_carer`.
    #[schema(value_type = String)]
    pub raised_by: GivenBy,
    /// When it was raised (RFC 3339); defaults to now.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub raised_at: Option<OffsetDateTime>,
}

#[utoipa::path(
    post, path = "/v1/subjects/{id}/objections", tag = "consent",
    summary = "Record an objection: from then on only name, address and date of birth may be shared",
    params(("id" = String, Path, description = "CCIS YoungPersonsID")),
    request_body = NewObjectionBody,
    responses(
        (status = 201, description = "Recorded", body = crate::schemas::ObjectionView),
        (status = 403, description = "role-not-permitted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "subject-not-found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid-subject-id, invalid-body", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (record or consent store) or log-unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn add_objection(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: JsonBody<NewObjectionBody>,
) -> Result<Response, ApiError> {
    require_adviser(&state, &caller)?;
    let subject = known_subject(&state, &id).await?;
    let objection = state
        .store
        .add_objection(&NewObjection {
            subject: subject.clone(),
            raised_by: body.value.raised_by,
            raised_at: body.value.raised_at.unwrap_or_else(OffsetDateTime::now_utc),
            recorded_by: caller.officer.clone(),
        })
        .await
        .map_err(store_failed)?;
    log_change(
        &state,
        &caller,
        Change {
            event: Event::ObjectionChange,
            subject: &subject,
            note: format!("objection {} recorded", objection.id),
            request: &body.bytes,
            consents: Vec::new(),
            undo: Some(Undo::Objection(objection.id)),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(objection)).into_response())
}

#[utoipa::path(
    post, path = "/v1/objections/{id}/withdraw", tag = "consent",
    summary = "Withdraw an objection",
    params(("id" = Uuid, Path, description = "Objection id")),
    responses(
        (status = 200, description = "Withdrawn", body = crate::schemas::ObjectionView),
        (status = 403, description = "role-not-permitted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not-found", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (consent store) or log-unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn withdraw_objection(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<Uuid>,
) -> Result<Json<Objection>, ApiError> {
    require_adviser(&state, &caller)?;
    let at = OffsetDateTime::now_utc();
    let objection = state
        .store
        .withdraw_objection(id, at, &caller.officer)
        .await
        .map_err(store_failed)?
        .ok_or(ApiError::NotFound)?;
    log_change(
        &state,
        &caller,
        Change {
            event: Event::ObjectionChange,
            subject: &objection.subject,
            note: format!("objection {} withdrawn", objection.id),
            request: id.to_string().as_bytes(),
            consents: Vec::new(),
            undo: withdrawn_now(objection.withdrawn_at, at)
                .then_some(Undo::ObjectionWithdrawal(id)),
        },
    )
    .await?;
    Ok(Json(objection))
}

/// A Gillick-competence assessment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompetenceBody {
    pub competent: bool,
    #[serde(with = "gateway_domain::dates::iso")]
    #[schema(value_type = String, format = Date)]
    pub assessed_on: Date,
}

#[utoipa::path(
    post, path = "/v1/subjects/{id}/competence", tag = "consent",
    summary = "Record a Gillick-competence assessment (under 16s; the latest governs)",
    params(("id" = String, Path, description = "CCIS YoungPersonsID")),
    request_body = NewCompetenceBody,
    responses(
        (status = 201, description = "Recorded", body = crate::schemas::CompetenceView),
        (status = 403, description = "role-not-permitted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "subject-not-found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid-subject-id, invalid-body", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (record or consent store) or log-unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn add_competence(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: JsonBody<NewCompetenceBody>,
) -> Result<Response, ApiError> {
    require_adviser(&state, &caller)?;
    let subject = known_subject(&state, &id).await?;
    let assessment: CompetenceAssessment = state
        .store
        .add_competence_assessment(&NewCompetenceAssessment {
            subject: subject.clone(),
            competent: body.value.competent,
            assessed_on: body.value.assessed_on,
            assessed_by: caller.officer.clone(),
        })
        .await
        .map_err(store_failed)?;
    log_change(
        &state,
        &caller,
        Change {
            event: Event::CompetenceAssessment,
            subject: &subject,
            note: format!("competence assessment {} recorded", assessment.id),
            request: &body.bytes,
            consents: Vec::new(),
            undo: Some(Undo::CompetenceAssessment(assessment.id)),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(assessment)).into_response())
}
