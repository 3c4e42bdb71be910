//! `GET /v1/transfers/{id}`: where a transfer stands, on either side. No personal data: ids,
//! LA codes, categories, counts, times, the log index and the signed acknowledgement.
//!
//! The exporter's own staff see its outbound transfers; on the importer, its own staff and
//! the sending authority see the inbound one. Anyone else gets 404, as for an unknown id.

use axum::Json;
use axum::extract::{Extension, Path, State};
use gateway_disclosure::SignedDocument;
use gateway_exchange::TransferEnvelope;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::caller::Caller;
use crate::error::ApiError;

/// A transfer's state as one side sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransferStatus {
    pub transfer_id: Uuid,
    /// `outbound` on the exporter, `inbound` on the importer.
    pub direction: String,
    /// `queued`, `acknowledged` or `refused` (outbound); `received` (inbound).
    pub state: String,
    pub from_la: String,
    pub to_la: String,
    pub released: Vec<String>,
    pub withheld: Vec<String>,
    /// This side's disclosure log entry for the transfer.
    pub log_index: Option<u64>,
    /// Delivery attempts so far (outbound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schema(value_type = Option<String>)]
    pub next_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub created_at: OffsetDateTime,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<OffsetDateTime>,
    /// The importer's signed acknowledgement (outbound, once acknowledged).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub acknowledgement: Option<SignedDocument>,
}

#[utoipa::path(
    get,
    path = "/v1/transfers/{id}",
    tag = "transfers",
    summary = "Where a transfer stands (either side)",
    params(("id" = Uuid, Path, description = "The transfer id")),
    responses(
        (status = 200, description = "The transfer's state", body = TransferStatus),
        (status = 404, description = "not-found (also when the caller may not see it)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (transfer store)", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn transfer_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<TransferStatus>, ApiError> {
    status(&state, &caller, &id).await.map(Json)
}

async fn status(state: &AppState, caller: &Caller, id: &str) -> Result<TransferStatus, ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    let unavailable =
        |err: gateway_store::StoreError| ApiError::store(err, "transfer store unavailable");
    let home = state.is_home_staff(&caller.partner);
    if home
        && let Some(t) = state
            .store
            .outbound_transfer(id)
            .await
            .map_err(unavailable)?
    {
        return Ok(TransferStatus {
            transfer_id: t.id,
            direction: "outbound".into(),
            state: t.state.as_str().into(),
            from_la: state.disclosure.home_la_code.clone(),
            to_la: t.destination_la.to_string(),
            released: t.released,
            withheld: t.withheld,
            log_index: t.log_index,
            attempts: Some(t.attempts),
            last_error: t.last_error,
            next_attempt_at: (t.state == gateway_store::OutboundState::Queued)
                .then_some(t.next_attempt_at),
            created_at: t.created_at,
            finished_at: t.finished_at,
            acknowledgement: t.ack.and_then(|a| serde_json::from_str(&a).ok()),
        });
    }
    let inbound = state
        .store
        .inbound_transfer(id)
        .await
        .map_err(unavailable)?;
    match inbound {
        Some(t) if home || t.source == caller.partner.id => {
            let envelope: TransferEnvelope = serde_json::from_str(&t.payload)
                .map_err(|err| ApiError::internal(err, "stored transfer unreadable"))?;
            Ok(TransferStatus {
                transfer_id: t.id,
                direction: "inbound".into(),
                state: "received".into(),
                from_la: t.source_la.to_string(),
                to_la: envelope.to_la.to_string(),
                released: envelope.released,
                withheld: envelope.withheld,
                log_index: t.log_index,
                attempts: None,
                last_error: None,
                next_attempt_at: None,
                created_at: t.received_at,
                finished_at: None,
                acknowledgement: None,
            })
        }
        _ => Err(ApiError::NotFound),
    }
}

/// A received transfer's record, for the receiving authority's own advisers to take into
/// their CCIS: exactly what arrived, with the categories released and withheld.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceivedRecord {
    pub transfer_id: Uuid,
    pub from_la: String,
    pub released: Vec<String>,
    pub withheld: Vec<String>,
    /// Only fields of released categories; an absent field of a withheld category is not
    /// "none".
    #[schema(value_type = Object)]
    pub record: gateway_exchange::TransferRecord,
}

#[utoipa::path(
    get,
    path = "/v1/transfers/{id}/record",
    tag = "transfers",
    summary = "The record a transfer brought (the receiving authority's advisers)",
    params(("id" = Uuid, Path, description = "The transfer id")),
    responses(
        (status = 200, description = "The record as received", body = ReceivedRecord),
        (status = 403, description = "role-not-permitted", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "not-found", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "unavailable (transfer store)", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn received_record(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<ReceivedRecord>, ApiError> {
    record(&state, &caller, &id).await.map(Json)
}

async fn record(state: &AppState, caller: &Caller, id: &str) -> Result<ReceivedRecord, ApiError> {
    crate::consents::require_adviser(state, caller)?;
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    let inbound = state
        .store
        .inbound_transfer(id)
        .await
        .map_err(|err| ApiError::store(err, "transfer store unavailable"))?
        .ok_or(ApiError::NotFound)?;
    let envelope: TransferEnvelope = serde_json::from_str(&inbound.payload)
        .map_err(|err| ApiError::internal(err, "received transfer unreadable"))?;
    Ok(ReceivedRecord {
        transfer_id: inbound.id,
        from_la: inbound.source_la.to_string(),
        released: envelope.released,
        withheld: envelope.withheld,
        record: envelope.record,
    })
}
