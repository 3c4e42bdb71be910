//! `POST /v1/transfers/outbound`: the authority's own staff send a young person's record to a
//! neighbouring authority. Decides, minimises and queues; the worker logs and delivers.

use axum::extract::{Extension, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gateway_disclosure::{Event, Outcome, sha256_hex};
use gateway_domain::{CohortStatus, LaCode, YoungPerson};
use gateway_exchange::{TransferEnvelope, TransferRecord, agreement_facts, person_facts};
use gateway_matching::MatchRequest;
use gateway_store::{
    AgencyKind, NewOutboundTransfer, OutboundState, Partner, PartnerId, PartnerStatus,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::caller::Caller;
use crate::consents::require_adviser;
use crate::disclose::decision::{Question, decide};
use crate::disclose::{find_subject, recorded_for};
use crate::error::ApiError;
use crate::json_body::JsonBody;

/// The purpose every transfer is decided and logged under (the agreement must name it).
pub const TRANSFER_PURPOSE: &str = "cross_border_transfer";
/// The Cedar action and `categories.json` exchange of a transfer.
pub const TRANSFER_EXCHANGE: &str = "transfer";

/// A request to transfer a young person's record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Who moves: as for the exchanges, an identifier or demographics.
    #[schema(value_type = Object, example = json!({"identifier": {"ccis_id": "8860000012345"}}))]
    pub subject: MatchRequest,
    /// The receiving authority's partner id in this gateway's registry.
    #[schema(value_type = String, example = "medway-la")]
    pub to: String,
}

/// The answer to a transfer request: queued, with what will leave.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransferQueued {
    pub transfer_id: Uuid,
    pub state: String,
    pub to_la: String,
    /// Categories whose fields the transfer carries.
    pub released: Vec<String>,
    /// Categories of the whole record that policy withheld.
    pub withheld: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/v1/transfers/outbound",
    tag = "transfers",
    summary = "Send a young person's record to a neighbouring authority's gateway",
    request_body = TransferRequest,
    responses(
        (status = 202, description = "Decided and queued; the log entry is appended before the first delivery attempt", body = TransferQueued),
        (status = 403, description = "role-not-permitted, or not-permitted (no agreement, nothing may leave)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no-unique-match", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "already-transferred, or transfer-in-progress", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid-body, or unknown-destination", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "log-unavailable, or unavailable (record or transfer store): nothing queued", body = crate::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("partner_token" = []))
)]
pub async fn start_transfer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: JsonBody<TransferRequest>,
) -> Result<Response, ApiError> {
    start(&state, &caller, &body).await
}

/// The destination: an active local authority of the registry with an LA code, and a peer
/// gateway configured for it.
async fn destination(state: &AppState, to: &str) -> Result<(Partner, LaCode), ApiError> {
    let id = PartnerId::parse(to).map_err(|_| ApiError::UnknownDestination)?;
    let partner = state
        .store
        .partner(&id)
        .await
        .map_err(|e| ApiError::store(e, "partner registry unavailable"))?
        .ok_or(ApiError::UnknownDestination)?;
    let la = partner
        .la_code
        .as_deref()
        .and_then(|code| LaCode::parse(code).ok());
    match la {
        Some(la)
            if partner.agency_kind == AgencyKind::LocalAuthority
                && partner.status == PartnerStatus::Active
                && !state.is_home_staff(&partner)
                && state.transfers.peer(&partner.id).is_some() =>
        {
            Ok((partner, la))
        }
        _ => Err(ApiError::UnknownDestination),
    }
}

async fn start(
    state: &AppState,
    caller: &Caller,
    body: &JsonBody<TransferRequest>,
) -> Result<Response, ApiError> {
    require_adviser(state, caller)?;
    let request = &body.value;
    let (partner, to_la) = destination(state, &request.to).await?;
    let now = OffsetDateTime::now_utc();

    let (outcome, person) = find_subject(state, &request.subject).await?;
    let Some(person) = person else {
        let mut entry = caller.log_entry(now, Event::Transfer, Outcome::NoUniqueMatch);
        entry.exchange = Some(TRANSFER_EXCHANGE.into());
        entry.request_sha256 = Some(sha256_hex(&body.bytes));
        entry.note = outcome.reason().map(|r| format!("no unique match: {r:?}"));
        log_or_503(state, entry).await?;
        return Err(ApiError::NoUniqueMatch);
    };
    refuse_if_moving(state, &person).await?;

    let decision = decide_transfer(state, caller, &partner, &person).await?;
    let pseudonym = state.log.pseudonym(person.ccis_id.as_str());
    let mut entry = caller.log_entry(now, Event::Transfer, decision.outcome());
    entry.partner = Some(partner.id.to_string());
    entry.purpose = Some(TRANSFER_PURPOSE.into());
    entry.exchange = Some(TRANSFER_EXCHANGE.into());
    entry.subject = Some(pseudonym);
    entry.withheld = decision.withheld.clone();
    entry.policies = decision.policies.clone();
    entry.policy_set = Some(decision.policy_set.clone());
    entry.consents = decision.consents.clone();
    entry.agreement = decision.agreement.clone();
    entry.lawful_basis = decision.lawful_basis.clone();
    entry.request_sha256 = Some(sha256_hex(&body.bytes));
    if decision.released.is_empty() {
        entry.note = Some(decision.note.clone());
        log_or_503(state, entry).await?;
        return Err(ApiError::NotPermitted);
    }

    let transfer_id = Uuid::new_v4();
    let permitted: Vec<&str> = decision.released.iter().map(String::as_str).collect();
    let envelope = TransferEnvelope {
        transfer_id,
        from_la: LaCode::parse(&state.disclosure.home_la_code)
            .map_err(|e| ApiError::internal(e, "authority LA code is not valid"))?,
        to_la: to_la.clone(),
        released: decision.released.clone(),
        withheld: decision.withheld.clone(),
        record: TransferRecord::minimised(&person, &permitted),
    };
    let payload = serde_json::to_string(&envelope)
        .map_err(|e| ApiError::internal(e, "transfer not serialisable"))?;
    let payload_sha256 = sha256_hex(payload.as_bytes());
    entry.released = decision.released.clone();
    entry.response_sha256 = Some(payload_sha256.clone());
    entry.transfer_id = Some(transfer_id.to_string());
    entry.note = Some(format!("transfer to LA {to_la}"));
    let log_entry = serde_json::to_string(&entry)
        .map_err(|e| ApiError::internal(e, "log entry not serialisable"))?;
    state
        .store
        .queue_outbound_transfer(&NewOutboundTransfer {
            id: transfer_id,
            subject: person.ccis_id.clone(),
            destination: partner.id.clone(),
            destination_la: to_la.clone(),
            payload,
            payload_sha256,
            released: decision.released.clone(),
            withheld: decision.withheld.clone(),
            requested_by: caller.officer.clone(),
            log_entry,
            created_at: now,
        })
        .await
        .map_err(|e| ApiError::store(e, "transfer outbox unavailable"))?;
    state.transfers.crash().at("exporter.after_queue").await;
    // The worker appends the stored log entry before the first delivery attempt. Only the
    // worker does (it holds the row's lease), so the entry is appended once even when the
    // worker and this request would otherwise race.
    state.transfers.wake.notify_one();
    let queued = TransferQueued {
        transfer_id,
        state: OutboundState::Queued.as_str().into(),
        to_la: to_la.to_string(),
        released: decision.released,
        withheld: decision.withheld,
    };
    let location = format!("/v1/transfers/{transfer_id}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(queued),
    )
        .into_response())
}

/// A record already transferred, or with a transfer under way, is not sent again: the
/// receiving side must end with exactly one record.
async fn refuse_if_moving(state: &AppState, person: &YoungPerson) -> Result<(), ApiError> {
    if person.cohort_status == CohortStatus::Transferred {
        return Err(ApiError::AlreadyTransferred);
    }
    let earlier = state
        .store
        .outbound_transfers_for(&person.ccis_id)
        .await
        .map_err(|e| ApiError::store(e, "transfer outbox unavailable"))?;
    // Acknowledged before, even if a later import had changed the record's status.
    if earlier
        .iter()
        .any(|t| t.state == OutboundState::Acknowledged)
    {
        return Err(ApiError::AlreadyTransferred);
    }
    if let Some(open) = earlier.iter().find(|t| t.state == OutboundState::Queued) {
        return Err(ApiError::TransferInProgress { transfer: open.id });
    }
    Ok(())
}

/// What policy allows to leave for the destination.
struct TransferDecision {
    released: Vec<String>,
    withheld: Vec<String>,
    policies: Vec<String>,
    policy_set: String,
    consents: Vec<String>,
    agreement: Option<String>,
    lawful_basis: Option<String>,
    note: String,
}

impl TransferDecision {
    fn outcome(&self) -> Outcome {
        if self.released.is_empty() {
            Outcome::Deny
        } else if self.withheld.is_empty() {
            Outcome::Permit
        } else {
            Outcome::PartialPermit
        }
    }
}

/// The shared decision (`disclose::decision::decide`) for the whole record, with the
/// destination as the principal. Every category of a transfer is named released or withheld
/// (the importer must never read "absent" as "none"), so none is concealed.
async fn decide_transfer(
    state: &AppState,
    caller: &Caller,
    partner: &Partner,
    person: &YoungPerson,
) -> Result<TransferDecision, ApiError> {
    let today = state.today();
    let categories = state
        .policy
        .exchange_categories(TRANSFER_EXCHANGE)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let agreements = state
        .store
        .agreements()
        .await
        .map_err(|e| ApiError::store(e, "agreement registry unavailable"))?;
    let (agreement, relied) = agreement_facts(
        partner,
        &agreements,
        TRANSFER_EXCHANGE,
        TRANSFER_PURPOSE,
        today,
    );
    let usable = agreement.present && agreement.in_force && agreement.covers_exchange;
    let recorded = recorded_for(state, person).await?;
    let facts = person_facts(person, &recorded, partner, TRANSFER_PURPOSE, today);
    let verdict = decide(
        &state.policy,
        &Question {
            partner,
            exchange: TRANSFER_EXCHANGE,
            categories: &categories,
            concealed: Vec::new(),
            purpose: TRANSFER_PURPOSE,
            role: &caller.role,
            agreement: &agreement,
            usable,
            person: Some(&facts),
            break_glass: Default::default(),
        },
    )?;
    let mut released = verdict.released;
    released.sort();
    let mut withheld = verdict.withheld;
    withheld.sort();
    let note = if !usable {
        "no agreement covers a transfer to this authority"
    } else if facts.subject.objection {
        "objection limits the transfer"
    } else {
        "nothing may leave"
    };
    Ok(TransferDecision {
        consents: verdict.consents,
        released,
        withheld,
        policies: verdict.decision.determining_policies(),
        policy_set: verdict.decision.policy_set_hash.clone(),
        agreement: relied.map(|a| a.reference.clone()),
        lawful_basis: relied.map(|a| a.lawful_basis.as_str().to_owned()),
        note: note.into(),
    })
}

async fn log_or_503(state: &AppState, entry: gateway_disclosure::LogEntry) -> Result<(), ApiError> {
    state
        .log
        .append(entry)
        .await
        .map(|_| ())
        .map_err(ApiError::log)
}
