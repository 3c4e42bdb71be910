//! `POST /v1/transfers`: a neighbouring authority's gateway delivers a young person's record.
//!
//! Accepted only from an active `local_authority` partner with an agreement in force covering
//! transfers, naming itself as the sender and this authority as the receiver, carrying only
//! the categories it says it released, every identifier and code valid. The delivery is
//! stored once per transfer id; a repeat with the same bytes gets the same signed
//! acknowledgement, a repeat with other bytes is refused (409).

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gateway_disclosure::{Event, Outcome, sha256_hex};
use gateway_exchange::{TransferEnvelope, agreement_facts};
use gateway_store::{AgencyKind, InboundTransfer, NewInboundTransfer, Received};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::outbound::{TRANSFER_EXCHANGE, TRANSFER_PURPOSE};
use super::{AckResponse, TransferAck, append_once};
use crate::AppState;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json_body::JsonBody;

#[utoipa::path(
    post,
    path = "/v1/transfers",
    tag = "transfers",
    summary = "Receive a young person's record from a neighbouring authority's gateway",
    request_body(content = Object, description = "A transfer envelope: transfer_id, from_la, to_la, released, withheld, record"),
    responses(
        (status = 201, description = "Stored and logged; the signed acknowledgement", body = AckResponse),
        (status = 200, description = "Stored before (a repeated delivery); the same acknowledgement", body = AckResponse),
        (status = 403, description = "not-permitted: not a neighbouring authority with a transfer agreement", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "transfer-id-reused: this id was delivered with other bytes", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid-body or invalid-transfer", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "log-unavailable", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn receive_transfer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: JsonBody<TransferEnvelope>,
) -> Result<Response, ApiError> {
    receive(&state, &caller, &body).await
}

async fn receive(
    state: &AppState,
    caller: &Caller,
    body: &JsonBody<TransferEnvelope>,
) -> Result<Response, ApiError> {
    let envelope = &body.value;
    let agreements = state
        .store
        .agreements()
        .await
        .map_err(|e| ApiError::store(e, "agreement registry unavailable"))?;
    let (agreement, relied) = agreement_facts(
        &caller.partner,
        &agreements,
        TRANSFER_EXCHANGE,
        TRANSFER_PURPOSE,
        state.today(),
    );
    let sender_la = caller.partner.la_code.as_deref();
    if caller.partner.agency_kind != AgencyKind::LocalAuthority
        || sender_la.is_none()
        || state.is_home_staff(&caller.partner)
        || !(agreement.present && agreement.in_force && agreement.covers_exchange)
    {
        return Err(ApiError::TransferNotPermitted);
    }
    let invalid = |detail: &'static str| ApiError::InvalidTransfer { detail };
    if sender_la != Some(envelope.from_la.as_str()) {
        return Err(invalid("from_la is not the sending partner's LA code"));
    }
    if envelope.to_la.as_str() != state.disclosure.home_la_code {
        return Err(invalid("to_la is not this authority"));
    }
    if envelope
        .released
        .iter()
        .any(|c| envelope.withheld.contains(c))
    {
        return Err(invalid("a category is both released and withheld"));
    }
    let present = envelope.record.categories_present();
    if present
        .iter()
        .any(|c| !envelope.released.iter().any(|r| r == c))
    {
        return Err(invalid(
            "the record holds a category not listed as released",
        ));
    }

    let payload_sha256 = sha256_hex(&body.bytes);
    let payload =
        String::from_utf8(body.bytes.to_vec()).map_err(|_| invalid("the body is not UTF-8"))?;
    let received = state
        .store
        .receive_inbound_transfer(&NewInboundTransfer {
            id: envelope.transfer_id,
            source: caller.partner.id.clone(),
            source_la: envelope.from_la.clone(),
            payload,
            payload_sha256: payload_sha256.clone(),
            received_at: OffsetDateTime::now_utc(),
        })
        .await
        .map_err(|e| ApiError::store(e, "transfer inbox unavailable"))?;
    let (stored, status) = match received {
        Received::New(stored) => (stored, StatusCode::CREATED),
        Received::Existing(stored) if stored.payload_sha256 == payload_sha256 => {
            (stored, StatusCode::OK)
        }
        Received::Existing(_) => return Err(ApiError::TransferIdReused),
    };
    state.transfers.crash().at("importer.after_store").await;

    let log_index = match stored.log_index {
        Some(index) => index,
        None => {
            let mut entry =
                caller.log_entry(stored.received_at, Event::Transfer, Outcome::Recorded);
            entry.purpose = Some(TRANSFER_PURPOSE.into());
            entry.exchange = Some(TRANSFER_EXCHANGE.into());
            entry.subject = Some(inbound_subject(state, envelope));
            entry.released = envelope.released.clone();
            entry.withheld = envelope.withheld.clone();
            entry.agreement = relied.map(|a| a.reference.clone());
            entry.lawful_basis = relied.map(|a| a.lawful_basis.as_str().to_owned());
            entry.request_sha256 = Some(payload_sha256.clone());
            entry.transfer_id = Some(stored.id.to_string());
            entry.note = Some(format!("transfer received from LA {}", envelope.from_la));
            let index = append_once(state, entry, stored.id).await.map_err(|err| {
                tracing::error!(error = %err, "disclosure log append failed");
                ApiError::LogUnavailable {
                    title: "The transfer could not be recorded; send it again",
                }
            })?;
            state.transfers.crash().at("importer.after_log").await;
            state
                .store
                .set_inbound_log_index(stored.id, index)
                .await
                .map_err(|e| ApiError::store(e, "transfer inbox unavailable"))?;
            index
        }
    };
    let ack = acknowledgement(&stored, envelope, log_index)
        .map_err(|e| ApiError::internal(e, "time not formattable"))?;
    let document = state
        .documents
        .sign(&ack)
        .map_err(|e| ApiError::internal(e, "acknowledgement not serialisable"))?;
    state.transfers.crash().at("importer.before_ack").await;
    Ok((
        status,
        axum::Json(AckResponse {
            acknowledgement: document,
        }),
    )
        .into_response())
}

/// Who the importer's log entry is about: the sender's YoungPersonsID when it was released
/// (pseudonymised like every subject), else the transfer itself. The importer holds no CCIS
/// id of its own for the young person until its CCIS takes the record in.
fn inbound_subject(state: &AppState, envelope: &TransferEnvelope) -> String {
    match &envelope.record.source_ccis_id {
        Some(id) => state.log.pseudonym(id.as_str()),
        None => state
            .log
            .pseudonym(&format!("transfer:{}", envelope.transfer_id)),
    }
}

fn acknowledgement(
    stored: &InboundTransfer,
    envelope: &TransferEnvelope,
    log_index: u64,
) -> Result<TransferAck, time::error::Format> {
    Ok(TransferAck {
        transfer_id: stored.id,
        from_la: envelope.from_la.to_string(),
        to_la: envelope.to_la.to_string(),
        payload_sha256: stored.payload_sha256.clone(),
        received_at: stored.received_at.format(&Rfc3339)?,
        log_index,
    })
}
