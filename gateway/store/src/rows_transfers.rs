//! Rows of the transfer tables as both backends return them (times are Unix milliseconds on
//! both, so one row type and one set of statements' shapes serve both), and the record change
//! an acknowledged transfer makes.

use gateway_domain::{CcisId, CohortStatus, LaCode, YoungPerson};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::model::PartnerId;
use crate::rows_subjects::{parse_record, record_json};
use crate::transfers::{InboundTransfer, OutboundState, OutboundTransfer};

/// The outbound columns, in [`OutboundRow`] order.
macro_rules! outbound_columns {
    () => {
        "id, subject, destination, destination_la, payload, payload_sha256, released, withheld, \
         requested_by, log_entry, state, log_index, attempts, next_attempt_ms, last_error, ack, created_ms, \
         finished_ms"
    };
}
pub(crate) use outbound_columns;

macro_rules! inbound_columns {
    () => {
        "id, source, source_la, payload, payload_sha256, received_ms, log_index"
    };
}
pub(crate) use inbound_columns;

pub(crate) fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn from_millis(ms: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| corrupt("transfer time"))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("unreadable {what}"))
}

fn index(v: Option<i64>) -> Result<Option<u64>, StoreError> {
    v.map(|i| u64::try_from(i).map_err(|_| corrupt("transfer log index")))
        .transpose()
}

pub(crate) fn db_index(index: u64) -> Result<i64, StoreError> {
    i64::try_from(index).map_err(|_| StoreError::Corrupt("log index out of range".into()))
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboundRow {
    pub(crate) id: String,
    subject: String,
    destination: String,
    destination_la: String,
    payload: String,
    payload_sha256: String,
    released: Json<Vec<String>>,
    withheld: Json<Vec<String>>,
    requested_by: String,
    log_entry: String,
    state: String,
    log_index: Option<i64>,
    attempts: i64,
    next_attempt_ms: i64,
    last_error: Option<String>,
    ack: Option<String>,
    created_ms: i64,
    finished_ms: Option<i64>,
}

impl TryFrom<OutboundRow> for OutboundTransfer {
    type Error = StoreError;
    fn try_from(r: OutboundRow) -> Result<Self, StoreError> {
        Ok(OutboundTransfer {
            id: r.id.parse().map_err(|_| corrupt("transfer id"))?,
            subject: CcisId::parse(&r.subject).map_err(|_| corrupt("transfer subject"))?,
            destination: PartnerId::parse(&r.destination)
                .map_err(|_| corrupt("transfer destination"))?,
            destination_la: LaCode::parse(&r.destination_la)
                .map_err(|_| corrupt("transfer destination LA"))?,
            payload: r.payload,
            payload_sha256: r.payload_sha256,
            released: r.released.0,
            withheld: r.withheld.0,
            requested_by: r.requested_by,
            log_entry: r.log_entry,
            state: OutboundState::parse(&r.state).ok_or_else(|| corrupt("transfer state"))?,
            log_index: index(r.log_index)?,
            attempts: u64::try_from(r.attempts).unwrap_or(0),
            next_attempt_at: from_millis(r.next_attempt_ms)?,
            last_error: r.last_error,
            ack: r.ack,
            created_at: from_millis(r.created_ms)?,
            finished_at: r.finished_ms.map(from_millis).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct InboundRow {
    id: String,
    source: String,
    source_la: String,
    payload: String,
    payload_sha256: String,
    received_ms: i64,
    log_index: Option<i64>,
}

impl TryFrom<InboundRow> for InboundTransfer {
    type Error = StoreError;
    fn try_from(r: InboundRow) -> Result<Self, StoreError> {
        Ok(InboundTransfer {
            id: r.id.parse().map_err(|_| corrupt("transfer id"))?,
            source: PartnerId::parse(&r.source).map_err(|_| corrupt("transfer source"))?,
            source_la: LaCode::parse(&r.source_la).map_err(|_| corrupt("transfer source LA"))?,
            payload: r.payload,
            payload_sha256: r.payload_sha256,
            received_at: from_millis(r.received_ms)?,
            log_index: index(r.log_index)?,
        })
    }
}

pub(crate) fn uuid_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// The stored record after a transfer to `destination` is acknowledged: CohortStatus `T`
/// with TransferredToLACode (the NCCIS checker rule that pairs them), everything else as it
/// was. Serialised as an upsert would, so a later identical import counts as unchanged.
pub(crate) fn mark_transferred(stored: &str, destination: &LaCode) -> Result<String, StoreError> {
    let mut record: YoungPerson = parse_record(stored)?;
    record.cohort_status = CohortStatus::Transferred;
    record.transferred_to_la = Some(destination.clone());
    record_json(&record)
}
