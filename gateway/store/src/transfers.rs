//! Cross-border transfers: the exporter's durable outbox and the importer's inbox.
//!
//! Guarantees:
//! - an outbound transfer is stored, with the exact bytes to send, before anything is sent;
//! - a worker claims due rows with a lease, so two nodes on one database never send the same
//!   transfer at the same time (an expired lease lets another node take over);
//! - the acknowledgement and the change to the young person's record (CohortStatus `T`,
//!   TransferredToLACode) are written in one transaction: there is no state in which one is
//!   stored without the other;
//! - an inbound transfer id is stored once, however many times it is delivered.
//!
//! Not guaranteed here: that the bytes are a valid record or that policy allowed them; the
//! gateway decides that before queueing (exporter) or storing (importer).

use async_trait::async_trait;
use gateway_domain::{CcisId, LaCode};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::model::PartnerId;

/// Where an outbound transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboundState {
    /// Stored; being sent (or waiting for its next attempt).
    Queued,
    /// The importer acknowledged it; the record is marked transferred.
    Acknowledged,
    /// The importer refused it for good (a 4xx other than a transient one); not retried.
    Refused,
}

impl OutboundState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboundState::Queued => "queued",
            OutboundState::Acknowledged => "acknowledged",
            OutboundState::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(OutboundState::Queued),
            "acknowledged" => Some(OutboundState::Acknowledged),
            "refused" => Some(OutboundState::Refused),
            _ => None,
        }
    }
}

/// A transfer to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboundTransfer {
    pub id: Uuid,
    pub subject: CcisId,
    pub destination: PartnerId,
    pub destination_la: LaCode,
    /// The request body, sent byte for byte on every attempt.
    pub payload: String,
    pub payload_sha256: String,
    pub released: Vec<String>,
    pub withheld: Vec<String>,
    /// The officer who asked for it.
    pub requested_by: String,
    /// The disclosure log entry to append before the first attempt (JSON, no index).
    pub log_entry: String,
    pub created_at: OffsetDateTime,
}

/// A stored outbound transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundTransfer {
    pub id: Uuid,
    pub subject: CcisId,
    pub destination: PartnerId,
    pub destination_la: LaCode,
    pub payload: String,
    pub payload_sha256: String,
    pub released: Vec<String>,
    pub withheld: Vec<String>,
    pub requested_by: String,
    pub log_entry: String,
    pub state: OutboundState,
    pub log_index: Option<u64>,
    pub attempts: u64,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    /// The importer's signed acknowledgement (JSON), once acknowledged.
    pub ack: Option<String>,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

/// A delivery received from another authority's gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInboundTransfer {
    pub id: Uuid,
    pub source: PartnerId,
    pub source_la: LaCode,
    pub payload: String,
    pub payload_sha256: String,
    pub received_at: OffsetDateTime,
}

/// A stored inbound transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundTransfer {
    pub id: Uuid,
    pub source: PartnerId,
    pub source_la: LaCode,
    pub payload: String,
    pub payload_sha256: String,
    pub received_at: OffsetDateTime,
    pub log_index: Option<u64>,
}

/// What storing a delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// The first delivery of this transfer id.
    New(InboundTransfer),
    /// Stored before (a retry); nothing was written. The caller compares the payload hash.
    Existing(InboundTransfer),
}

#[async_trait]
pub trait TransferStore {
    async fn queue_outbound_transfer(
        &self,
        transfer: &NewOutboundTransfer,
    ) -> Result<OutboundTransfer, StoreError>;

    async fn outbound_transfer(&self, id: Uuid) -> Result<Option<OutboundTransfer>, StoreError>;

    /// Every outbound transfer of one young person, oldest first.
    async fn outbound_transfers_for(
        &self,
        subject: &CcisId,
    ) -> Result<Vec<OutboundTransfer>, StoreError>;

    /// Claims up to `limit` queued transfers whose next attempt is due at `now` and that no
    /// worker holds, leasing each until `lease_until`.
    async fn claim_due_outbound_transfers(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<OutboundTransfer>, StoreError>;

    /// Records the exporter's log entry for the transfer (set once; a second call with
    /// another index is refused as a conflict).
    async fn set_outbound_log_index(&self, id: Uuid, index: u64) -> Result<(), StoreError>;

    /// An attempt failed: counts it, keeps the reason and the time of the next attempt, and
    /// releases the lease; `refused` ends the transfer for good.
    async fn outbound_attempt_failed(
        &self,
        id: Uuid,
        reason: &str,
        next_attempt_at: OffsetDateTime,
        refused: bool,
    ) -> Result<(), StoreError>;

    /// The importer acknowledged: in one transaction, stores the acknowledgement and marks
    /// the young person's record CohortStatus `T` with TransferredToLACode = the destination.
    /// Returns false if the transfer was no longer queued (another worker finished it).
    async fn complete_outbound_transfer(
        &self,
        id: Uuid,
        ack: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Stores a delivery unless its id is stored already.
    async fn receive_inbound_transfer(
        &self,
        transfer: &NewInboundTransfer,
    ) -> Result<Received, StoreError>;

    async fn inbound_transfer(&self, id: Uuid) -> Result<Option<InboundTransfer>, StoreError>;

    /// Records the importer's log entry for the receipt (set once).
    async fn set_inbound_log_index(&self, id: Uuid, index: u64) -> Result<(), StoreError>;
}
