//! For the data protection officer and for anyone holding a receipt: break-glass alerts,
//! "who saw my record", signed tree heads and proofs.
//!
//! Alerts and subject disclosures need the DPO role of the home authority. Tree heads and
//! proofs are open to every authenticated partner: they reveal only hashes, and a partner
//! needs them to check its receipts.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use gateway_disclosure::{
    ConsistencyProof, Event, InclusionProof, IndexedEntry, LogEntry, LogError, Outcome,
};
use gateway_domain::CcisId;
use gateway_store::{Alert, AlertStatus};
use gateway_translog::SignedTreeHead;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json_body::JsonBody;
use crate::problem::Problem;

fn require_dpo(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    if state.is_home_staff(&caller.partner) && caller.role == state.disclosure.dpo_role {
        Ok(())
    } else {
        Err(ApiError::RoleNotPermitted {
            title: "This operation is for the authority's data protection officer",
        })
    }
}

fn log_problem(err: LogError) -> Problem {
    match err {
        LogError::Proof(e) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-proof-request",
            "The log cannot prove this: an index or size is beyond the log",
        )
        .with_detail(e.to_string()),
        LogError::Empty => Problem::new(
            StatusCode::NOT_FOUND,
            "log-empty",
            "The log has no signed tree head yet",
        ),
        other => {
            tracing::error!(error = %other, "disclosure log unavailable");
            Problem::unavailable("disclosure log unavailable")
        }
    }
}

/// A break-glass alert as `/v1/alerts` answers it: the schema of `gateway_store::Alert`'s
/// JSON, which lives in the store crate (no OpenAPI there). A test holds the two together.
#[derive(Debug, ToSchema)]
#[schema(as = Alert)]
pub struct AlertView {
    #[schema(value_type = Uuid)]
    pub id: String,
    /// The partner whose officer claimed the override.
    pub partner: String,
    pub officer: String,
    pub role: String,
    pub exchange: String,
    /// The young person's pseudonym in the disclosure log (never an identifier).
    pub subject_pseudonym: String,
    pub justification: String,
    /// RFC 3339.
    pub opened_at: String,
    /// RFC 3339: requests under the override are accepted until then.
    pub window_ends_at: String,
    /// Requests made under this alert's window (1 when opened).
    pub uses: i64,
    /// A claim the policy refused: nothing was released and no window opened.
    pub refused: bool,
    /// `open` or `reviewed`.
    pub status: String,
    pub reviewed_by: Option<String>,
    /// RFC 3339.
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// `open` or `reviewed`; all when absent.
    #[param(value_type = Option<String>)]
    pub status: Option<AlertStatus>,
}

#[utoipa::path(
    get, path = "/v1/alerts", tag = "oversight",
    summary = "Break-glass alerts, newest first (data protection officer)",
    params(AlertQuery),
    responses(
        (status = 200, description = "Alerts, newest first", body = [AlertView]),
        (status = 403, description = "role-not-permitted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (alert store)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn alerts(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<AlertQuery>,
) -> Result<Json<Vec<Alert>>, Problem> {
    require_dpo(&state, &caller)?;
    state
        .store
        .alerts(query.status)
        .await
        .map(Json)
        .map_err(|err| ApiError::store(err, "alert store unavailable").into())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// The DPO's conclusion (kept with the alert).
    pub note: String,
}

#[utoipa::path(
    post, path = "/v1/alerts/{id}/review", tag = "oversight",
    summary = "Mark a break-glass alert reviewed (data protection officer)",
    params(("id" = Uuid, Path, description = "Alert id")),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "Reviewed (a second review returns the first)", body = AlertView),
        (status = 403, description = "role-not-permitted", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not-found", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (alert store or disclosure log)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn review_alert(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<Uuid>,
    body: JsonBody<ReviewBody>,
) -> Result<Json<Alert>, Problem> {
    require_dpo(&state, &caller)?;
    let now = OffsetDateTime::now_utc();
    let alert = state
        .store
        .review_alert(id, &caller.officer, &body.value.note, now)
        .await
        .map_err(|err| ApiError::store(err, "alert store unavailable"))?
        .ok_or_else(Problem::not_found)?;
    let mut entry = caller.log_entry(now, Event::AlertReview, Outcome::Recorded);
    entry.subject = Some(alert.subject_pseudonym.clone());
    entry.note = Some(format!("break-glass alert {} reviewed", alert.id));
    state.log.append(entry).await.map_err(log_problem)?;
    Ok(Json(alert))
}

#[utoipa::path(
    get, path = "/v1/log/tree-head", tag = "log",
    summary = "The latest signed tree head (Ed25519 over RFC 6962 v1 tree_hash bytes)",
    responses(
        (status = 200, description = "Signed tree head", body = crate::schemas::SignedTreeHeadView),
        (status = 404, description = "log-empty: no signed tree head yet", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (disclosure log)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn tree_head(State(state): State<AppState>) -> Result<Json<SignedTreeHead>, Problem> {
    state.log.tree_head().await.map(Json).map_err(log_problem)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProofQuery {
    /// The tree size to prove against (default: the latest signed head's).
    pub tree_size: Option<u64>,
}

#[utoipa::path(
    get, path = "/v1/log/entries/{index}/proof", tag = "log",
    summary = "RFC 9162 inclusion proof for one entry",
    params(("index" = u64, Path, description = "Log index"), ProofQuery),
    responses(
        (status = 200, description = "Inclusion proof", body = crate::schemas::InclusionProofView),
        (status = 404, description = "log-empty: no signed tree head yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid-proof-request", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (disclosure log)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn inclusion_proof(
    State(state): State<AppState>,
    Path(index): Path<u64>,
    Query(query): Query<ProofQuery>,
) -> Result<Json<InclusionProof>, Problem> {
    state
        .log
        .inclusion_proof(index, query.tree_size)
        .await
        .map(Json)
        .map_err(log_problem)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

#[utoipa::path(
    get, path = "/v1/log/consistency", tag = "log",
    summary = "RFC 9162 consistency proof between two tree sizes",
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "Consistency proof", body = crate::schemas::ConsistencyProofView),
        (status = 404, description = "log-empty: no signed tree head yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid-proof-request", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (disclosure log)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn consistency(
    State(state): State<AppState>,
    Query(query): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, Problem> {
    state
        .log
        .consistency_proof(query.from, query.to)
        .await
        .map(Json)
        .map_err(log_problem)
}

/// One entry of a subject access report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectDisclosure {
    pub log_index: u64,
    #[schema(value_type = Object)]
    pub entry: LogEntry,
}

#[utoipa::path(
    get, path = "/v1/subjects/{id}/disclosures", tag = "oversight",
    summary = "Every log entry about one young person: who, when, which exchange, which categories, on what basis (data protection officer)",
    params(("id" = String, Path, description = "CCIS YoungPersonsID")),
    responses(
        (status = 200, description = "Entries in log order", body = [SubjectDisclosure]),
        (status = 403, description = "role-not-permitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid-subject-id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (disclosure log)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn subject_disclosures(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Vec<SubjectDisclosure>>, Problem> {
    require_dpo(&state, &caller)?;
    let id = CcisId::parse(&id).map_err(|_| ApiError::InvalidSubjectId)?;
    let pseudonym = state.log.pseudonym(id.as_str());
    let rows = state
        .store
        .log_entries_for_subject(&pseudonym)
        .await
        .map_err(|err| ApiError::store(err, "disclosure log unavailable"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let indexed = IndexedEntry::from_bytes(&row.entry).map_err(|_| {
            tracing::error!(index = row.index, "unreadable log entry");
            Problem::internal()
        })?;
        // The lookup column is outside the hash: trust only what the entry itself says
        // (`audit verify` reports a row filed under the wrong subject).
        if indexed.index != row.index || indexed.entry.subject.as_deref() != Some(&pseudonym) {
            tracing::error!(index = row.index, "log entry filed under another subject");
            continue;
        }
        out.push(SubjectDisclosure {
            log_index: indexed.index,
            entry: indexed.entry,
        });
    }
    Ok(Json(out))
}
