//! Storage for the gateway: one [`Store`] trait, one implementation per backend.
//!
//! SQLite is the embedded default (one file under the data directory, write-ahead logging);
//! PostgreSQL serves several gateway nodes sharing one database. Each backend has its own
//! migrations (`migrations/sqlite`, `migrations/postgres`), applied by [`connect`] at start.
//!
//! All SQL lives in this crate. Callers see model types and [`StoreError`]; error messages
//! never contain the values stored (names, identifiers, keys), only what went wrong.

pub mod disclosure_log;
mod error;
pub mod model;
mod postgres;
mod rows;
mod rows_log;
mod rows_subjects;
mod rows_transfers;
mod settings;
mod sqlite;
pub mod subjects;
pub mod transfers;
mod tx;

use std::sync::Arc;

use async_trait::async_trait;

pub use disclosure_log::{LogRow, LogSealer, LogStore, SealedBatch, StoredTreeHead};
pub use error::StoreError;
pub use model::{
    AgencyKind, Agreement, LawfulBasis, NewAgreement, NewPartner, Partner, PartnerId,
    PartnerStatus, TokenAlgorithm, TokenUse,
};
pub use postgres::PostgresStore;
pub use settings::StoreTimeouts;
pub use sqlite::SqliteStore;
pub use subjects::{
    Alert, AlertStatus, CompetenceAssessment, Consent, ConsentMethod, ConsentRecipient, GivenBy,
    NewAlert, NewCompetenceAssessment, NewConsent, NewObjection, Objection, SubjectStore, Undo,
    UpsertCounts,
};
pub use transfers::{
    InboundTransfer, NewInboundTransfer, NewOutboundTransfer, OutboundState, OutboundTransfer,
    Received, TransferStore,
};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Everything the gateway keeps, behind one interface with a SQLite and a PostgreSQL
/// implementation. Both pass the same test suite.
#[async_trait]
pub trait Store:
    SubjectStore + LogStore + TransferStore + Send + Sync + std::fmt::Debug + 'static
{
    fn backend(&self) -> Backend;

    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Writes (upserts) this node's row in `readiness_probe`: proves the database accepts
    /// writes, not just reads (a full disk or a read-only replica fails here).
    async fn probe_write(&self, node: &str) -> Result<(), StoreError>;

    async fn add_partner(&self, partner: &NewPartner) -> Result<Partner, StoreError>;
    async fn partner(&self, id: &PartnerId) -> Result<Option<Partner>, StoreError>;
    async fn partners(&self) -> Result<Vec<Partner>, StoreError>;
    /// The partner whose registered certificate identity is one of the certificate's SAN URIs,
    /// or else its subject. Status is not checked here: the caller decides what a suspended
    /// partner gets.
    async fn partner_by_certificate(
        &self,
        san_uris: &[String],
        subject: &str,
    ) -> Result<Option<Partner>, StoreError>;
    /// Returns false when no such partner exists.
    async fn set_partner_status(
        &self,
        id: &PartnerId,
        status: PartnerStatus,
    ) -> Result<bool, StoreError>;

    async fn add_agreement(&self, agreement: &NewAgreement) -> Result<Agreement, StoreError>;
    async fn agreements(&self) -> Result<Vec<Agreement>, StoreError>;

    /// Records that a token id was used; a second use of the same (issuer, jti) is a replay.
    /// `expires_at` (unix seconds) says when the record may be purged: after that the token
    /// is refused as expired anyway.
    ///
    /// Written without waiting for an fsync (SQLite `synchronous = NORMAL`, PostgreSQL
    /// `synchronous_commit = off`): the record survives a gateway crash, and a power cut can
    /// lose only the last moment's. That is enough because a token is also bound to its
    /// client certificate, so replaying one needs the partner's private key as well; it takes
    /// an fsync off every request. Disclosure-log writes never take this path.
    async fn record_token_use(
        &self,
        issuer: &str,
        jti: &str,
        expires_at: i64,
    ) -> Result<TokenUse, StoreError>;
    /// Removes token-use records that expired before `now` (unix seconds).
    async fn purge_token_uses(&self, now: i64) -> Result<u64, StoreError>;

    /// Called when the gateway stops cleanly. SQLite copies every committed page from its
    /// write-ahead log into the main file and empties the log (`wal_checkpoint(TRUNCATE)`),
    /// so the database file alone holds everything; PostgreSQL has nothing to do.
    async fn checkpoint(&self) -> Result<(), StoreError>;

    /// Writes a consistent copy of the live database to a new file `out` (SQLite
    /// `VACUUM INTO`: one read transaction, so writers carry on and the copy is a snapshot
    /// of one moment). PostgreSQL answers [`StoreError::Unsupported`]: back it up with
    /// `pg_dump` or a base backup (README, Operations).
    async fn backup_to(&self, out: &std::path::Path) -> Result<(), StoreError>;
}

/// Opens the database a URL names (`sqlite://PATH` or `postgres://...`), creating a SQLite
/// file if needed, and applies the backend's migrations. Default timeouts.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    connect_with(url, &StoreTimeouts::default()).await
}

/// [`connect`] with these timeouts.
pub async fn connect_with(
    url: &str,
    timeouts: &StoreTimeouts,
) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect_with(url, timeouts).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PostgresStore::connect_with(url, timeouts).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
