//! Cross-border transfers between two authorities' gateways (ESA 2008 s.13(2); the exporting
//! authority is responsible, seed 002 §G.2).
//!
//! The exporter's side ([`outbound`]): the authority's own staff ask for a transfer; policy
//! decides what may leave (an objection limits it to name, address and date of birth); the
//! minimised record, the exact request bytes and the disclosure log entry are stored in a
//! durable outbox before anything is sent; a worker ([`worker`]), holding the row's lease,
//! appends the entry to the log and then delivers the bytes to the importer's gateway over
//! mutual TLS, retrying with backoff, and on the importer's signed acknowledgement marks the
//! record CohortStatus `T` with TransferredToLACode in the same transaction that stores the
//! acknowledgement.
//!
//! The importer's side ([`inbound`]): `POST /v1/transfers` from a neighbouring authority's
//! gateway with an agreement in force; the delivery is validated, stored once per transfer
//! id, logged, and acknowledged with a document signed by the importer's log key. A repeated
//! delivery gets the same acknowledgement and changes nothing.
//!
//! Why this is exactly once on each side: the transfer id is chosen once and stored before
//! the first attempt; the importer's insert is keyed on it; the exporter's completion is
//! conditional on the row still being queued; and each side's log entry is found again by
//! transfer id before one is appended, so a crash between appending and recording the index
//! does not append twice.

pub mod inbound;
pub mod outbound;
mod peer;
pub mod status;
pub(crate) mod worker;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use gateway_disclosure::{Event, IndexedEntry, LogEntry};
use gateway_store::{PartnerId, Store};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use utoipa::ToSchema;
use uuid::Uuid;

pub use peer::{Peer, PeerError};

use crate::crash::CrashPoint;

/// A neighbouring authority's gateway this gateway sends transfers to.
#[derive(Debug, Clone)]
pub struct PeerSettings {
    /// The destination's id in this gateway's partner registry (a `local_authority` partner
    /// with its LA code): policy decides about that partner.
    pub partner: PartnerId,
    /// `host:port` of its gateway.
    pub address: String,
    /// The DNS name its server certificate carries.
    pub server_name: String,
    /// The CA bundle its server certificate chains to.
    pub server_ca: PathBuf,
    /// This gateway's client certificate and key, as the peer's partner registry knows them.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// This gateway's token signing key (PKCS#8 PEM) registered with the peer, with the
    /// issuer and algorithm registered there and the peer's token audience.
    pub token_key: PathBuf,
    pub token_issuer: String,
    pub token_algorithm: String,
    pub token_audience: String,
    /// The peer's log public key (PEM): its acknowledgements are signed with it.
    pub receipt_key: PathBuf,
}

/// How transfers run in this deployment.
#[derive(Debug, Clone)]
pub struct TransferSettings {
    pub peers: Vec<PeerSettings>,
    /// One delivery attempt: connect, TLS, request and response.
    pub attempt_timeout: Duration,
    /// The wait before the first retry; doubled after each failure up to `max_backoff`.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// How often the worker looks for due transfers when nothing wakes it.
    pub poll: Duration,
    /// How long a claimed transfer is held by one worker before another node may take it.
    pub lease: Duration,
    /// A crash point for tests (see [`crate::crash`]).
    pub crash: CrashPoint,
}

impl Default for TransferSettings {
    fn default() -> Self {
        TransferSettings {
            peers: Vec::new(),
            attempt_timeout: Duration::from_secs(10),
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            crash: CrashPoint::default(),
        }
    }
}

/// The transfer machinery a running gateway holds.
#[derive(Debug)]
pub struct Transfers {
    pub settings: TransferSettings,
    peers: HashMap<PartnerId, Peer>,
    /// Wakes the worker when a transfer is queued.
    pub(crate) wake: Notify,
}

impl Transfers {
    /// Loads every peer's certificates and keys; a peer that cannot be loaded stops start-up.
    pub fn load(settings: TransferSettings) -> Result<Self, PeerError> {
        let mut peers = HashMap::new();
        for peer in &settings.peers {
            peers.insert(peer.partner.clone(), Peer::load(peer)?);
        }
        Ok(Transfers {
            settings,
            peers,
            wake: Notify::new(),
        })
    }

    pub fn peer(&self, partner: &PartnerId) -> Option<&Peer> {
        self.peers.get(partner)
    }

    pub(crate) fn crash(&self) -> &CrashPoint {
        &self.settings.crash
    }
}

/// What the importer signs when it has stored a transfer: the exporter keeps it as proof
/// that the record arrived, and only then marks its own record transferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferAck {
    pub transfer_id: Uuid,
    pub from_la: String,
    pub to_la: String,
    /// SHA-256 (hex) of the request body the importer stored.
    pub payload_sha256: String,
    /// When the importer first stored it (RFC 3339).
    pub received_at: String,
    /// The importer's disclosure log entry for the receipt.
    pub log_index: u64,
}

/// The body of the importer's answer to `POST /v1/transfers`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AckResponse {
    /// A [`TransferAck`], signed with the importer's log key (Ed25519).
    #[schema(value_type = Object)]
    pub acknowledgement: gateway_disclosure::SignedDocument,
}

/// Finds the log entry recording `transfer_id` among the subject's entries: the step that
/// makes "append, then record the index" safe to repeat after a crash in between.
pub(crate) async fn logged_index(
    store: &dyn Store,
    subject: &str,
    transfer_id: Uuid,
) -> Result<Option<u64>, gateway_store::StoreError> {
    let wanted = transfer_id.to_string();
    let rows = store.log_entries_for_subject(subject).await?;
    Ok(rows.iter().find_map(|row| {
        let indexed = IndexedEntry::from_bytes(&row.entry).ok()?;
        (indexed.index == row.index
            && indexed.entry.event == Event::Transfer
            && indexed.entry.subject.as_deref() == Some(subject)
            && indexed.entry.transfer_id.as_deref() == Some(wanted.as_str()))
        .then_some(row.index)
    }))
}

/// Appends `entry` unless an entry for the transfer is in the log already; the index either
/// way.
pub(crate) async fn append_once(
    state: &crate::AppState,
    entry: LogEntry,
    transfer_id: Uuid,
) -> Result<u64, TransferLogError> {
    let subject = entry.subject.clone().ok_or(TransferLogError::NoSubject)?;
    if let Some(index) = logged_index(state.store.as_ref(), &subject, transfer_id)
        .await
        .map_err(|_| TransferLogError::Unavailable)?
    {
        return Ok(index);
    }
    let receipt = state
        .log
        .append(entry)
        .await
        .map_err(|_| TransferLogError::Unavailable)?;
    Ok(receipt.log_index)
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum TransferLogError {
    #[error("the disclosure log is unavailable")]
    Unavailable,
    #[error("a transfer log entry must name its subject")]
    NoSubject,
}
