//! The outbox worker: delivers queued transfers until the importer acknowledges them.
//!
//! One attempt: claim (a lease, so another node leaves the row alone) → make sure the log
//! entry is in → send the stored bytes → on a signed acknowledgement that matches, complete
//! (acknowledgement and CohortStatus `T` in one transaction). A transport failure, timeout,
//! 5xx, 401 or 429 is retried with exponential backoff and jitter, without limit: the
//! exporting authority stays responsible until the record has arrived. Any other 4xx means
//! the importer will never take these bytes, so the transfer ends `refused` for staff to see.

use std::time::Duration;

use bytes::Bytes;
use gateway_disclosure::{LogEntry, SignedDocument};
use gateway_store::OutboundTransfer;
use time::OffsetDateTime;

use super::{AckResponse, TransferLogError, append_once};
use crate::AppState;

/// Runs until the server stops.
pub(crate) async fn run(state: AppState) {
    let transfers = state.transfers.clone();
    loop {
        let now = OffsetDateTime::now_utc();
        let lease_until = now + transfers.settings.lease;
        match state
            .store
            .claim_due_outbound_transfers(now, lease_until, 16)
            .await
        {
            Ok(due) => {
                // Deliveries of one claim run side by side, so one slow peer does not hold
                // up the others. The set is dropped (its tasks aborted) with this task.
                let mut deliveries = tokio::task::JoinSet::new();
                for transfer in due {
                    let state = state.clone();
                    deliveries.spawn(async move { attempt(&state, &transfer).await });
                }
                while deliveries.join_next().await.is_some() {}
            }
            Err(err) => tracing::warn!(error = %err, "transfer outbox unavailable"),
        }
        tokio::select! {
            () = transfers.wake.notified() => {}
            () = tokio::time::sleep(transfers.settings.poll) => {}
        }
    }
}

/// Appends the transfer's stored log entry unless it is in the log already, and records
/// where it is. Called only by the worker holding the row's lease.
async fn ensure_logged(
    state: &AppState,
    transfer: &OutboundTransfer,
) -> Result<u64, TransferLogError> {
    if let Some(index) = transfer.log_index {
        return Ok(index);
    }
    let entry: LogEntry =
        serde_json::from_str(&transfer.log_entry).map_err(|_| TransferLogError::Unavailable)?;
    let index = append_once(state, entry, transfer.id).await?;
    state.transfers.crash().at("exporter.after_log").await;
    state
        .store
        .set_outbound_log_index(transfer.id, index)
        .await
        .map_err(|_| TransferLogError::Unavailable)?;
    Ok(index)
}

enum Failure {
    Retry(String),
    Refused(String),
}

async fn attempt(state: &AppState, transfer: &OutboundTransfer) {
    let result = deliver(state, transfer).await;
    let failure = match result {
        Ok(ack) => {
            state.transfers.crash().at("exporter.before_complete").await;
            match state
                .store
                .complete_outbound_transfer(transfer.id, &ack, OffsetDateTime::now_utc())
                .await
            {
                Ok(_) => {
                    tracing::info!(transfer = %transfer.id, "transfer acknowledged");
                    return;
                }
                Err(err) => Failure::Retry(format!("storing the acknowledgement: {err}")),
            }
        }
        Err(failure) => failure,
    };
    let (reason, refused) = match failure {
        Failure::Retry(reason) => (reason, false),
        Failure::Refused(reason) => (reason, true),
    };
    let next = OffsetDateTime::now_utc() + backoff(state, transfer.attempts);
    tracing::warn!(transfer = %transfer.id, attempts = transfer.attempts + 1, refused, reason = %reason, "transfer attempt failed");
    if let Err(err) = state
        .store
        .outbound_attempt_failed(transfer.id, &reason, next, refused)
        .await
    {
        tracing::warn!(error = %err, "recording a failed transfer attempt");
    }
}

/// One delivery; the acknowledgement document (JSON) to store on success.
async fn deliver(state: &AppState, transfer: &OutboundTransfer) -> Result<String, Failure> {
    ensure_logged(state, transfer)
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?;
    let Some(peer) = state.transfers.peer(&transfer.destination) else {
        return Err(Failure::Retry(
            "no peer gateway is configured for the destination".into(),
        ));
    };
    let response = peer
        .deliver(
            Bytes::from(transfer.payload.clone()),
            &transfer.requested_by,
            state.transfers.settings.attempt_timeout,
        )
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?;
    state.transfers.crash().at("exporter.after_send").await;
    let status = response.status;
    if !status.is_success() {
        let code = response
            .json()
            .get("code")
            .and_then(|c| c.as_str())
            .map(str::to_owned)
            .unwrap_or_default();
        let reason = format!("importer answered {} {code}", status.as_u16());
        let transient = status.is_server_error()
            || status == http::StatusCode::UNAUTHORIZED
            || status == http::StatusCode::REQUEST_TIMEOUT
            || status == http::StatusCode::TOO_MANY_REQUESTS;
        return Err(if transient {
            Failure::Retry(reason)
        } else {
            Failure::Refused(reason)
        });
    }
    let body: AckResponse = serde_json::from_slice(&response.body)
        .map_err(|_| Failure::Retry("the acknowledgement is not readable".into()))?;
    let document: SignedDocument = body.acknowledgement;
    let ack = peer
        .verified_ack(&document)
        .ok_or_else(|| Failure::Retry("the acknowledgement signature does not verify".into()))?;
    if ack.transfer_id != transfer.id
        || ack.payload_sha256 != transfer.payload_sha256
        || ack.to_la != transfer.destination_la.as_str()
    {
        return Err(Failure::Retry(
            "the acknowledgement is for other bytes or another transfer".into(),
        ));
    }
    serde_json::to_string(&document)
        .map_err(|_| Failure::Retry("the acknowledgement could not be stored".into()))
}

/// `first · 2^attempts`, capped, with ±20% jitter so many queued transfers do not retry in
/// step after an outage.
fn backoff(state: &AppState, attempts: u64) -> Duration {
    let settings = &state.transfers.settings;
    let exp = u32::try_from(attempts.min(20)).unwrap_or(20);
    let base = settings
        .first_backoff
        .saturating_mul(2u32.saturating_pow(exp))
        .min(settings.max_backoff);
    let mut byte = [0u8; 1];
    let jitter = match ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut byte) {
        Ok(()) => 0.8 + 0.4 * f64::from(byte[0]) / 255.0,
        Err(_) => 1.0,
    };
    base.mul_f64(jitter)
}
