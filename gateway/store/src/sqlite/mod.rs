//! The embedded backend: one SQLite file in write-ahead-log mode.

use std::str::FromStr;

mod log;
mod subjects;
mod transfers;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::types::Json;
use sqlx::{Sqlite, SqlitePool};

use crate::model::*;
use crate::rows::{AgreementRow, PartnerRow, now, partner_columns};
use crate::tx::{Tx, TxConnection};
use crate::{Backend, Store, StoreError, StoreTimeouts};

/// SQLite store. Writers queue on SQLite's single write lock, each for at most the busy
/// timeout ([`StoreTimeouts::sqlite_busy_timeout_ms`]).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// `synchronous = FULL`: a commit is fsynced before it is acknowledged.
    pool: SqlitePool,
    /// `synchronous = NORMAL`, for token-use records only (see [`Store::record_token_use`]):
    /// committed to the WAL without waiting for an fsync; durable across a process crash,
    /// not a power cut. The next FULL commit on `pool` fsyncs the WAL, these frames included.
    relaxed: SqlitePool,
    timeouts: StoreTimeouts,
}

impl SqliteStore {
    /// Opens (creating if missing) the file a `sqlite://PATH` URL names, and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &StoreTimeouts::default()).await
    }

    /// [`SqliteStore::connect`] with these timeouts.
    pub async fn connect_with(url: &str, timeouts: &StoreTimeouts) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk (WAL fsynced) before it is acknowledged.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(timeouts.sqlite_busy());
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(timeouts.acquire())
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../../migrations/sqlite").run(&pool).await?;
        let relaxed = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(timeouts.acquire())
            .connect_with(options.synchronous(SqliteSynchronous::Normal))
            .await?;
        Ok(SqliteStore {
            pool,
            relaxed,
            timeouts: *timeouts,
        })
    }

    /// A connection for one write transaction (see `tx.rs`: closed unless it ends cleanly).
    pub(crate) async fn write_connection(&self) -> Result<TxConnection<Sqlite>, StoreError> {
        TxConnection::acquire(&self.pool).await
    }
}

/// `BEGIN IMMEDIATE`: the write lock is taken now (waiting up to the busy timeout), not at
/// the first write, so no other writer slips in between this transaction's reads and writes
/// (SQLite would then refuse the upgrade).
pub(crate) async fn begin_immediate(
    conn: &mut TxConnection<Sqlite>,
) -> Result<Tx<'_, Sqlite>, StoreError> {
    conn.begin("BEGIN IMMEDIATE").await
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn probe_write(&self, node: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO readiness_probe (node, checked_at) VALUES ($1, $2) \
             ON CONFLICT (node) DO UPDATE SET checked_at = excluded.checked_at",
        )
        .bind(node)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn add_partner(&self, p: &NewPartner) -> Result<Partner, StoreError> {
        let at = now();
        sqlx::query(concat!(
            "INSERT INTO partners (",
            partner_columns!(),
            ") \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(p.id.as_str())
        .bind(&p.display_name)
        .bind(p.agency_kind.as_str())
        .bind(&p.la_code)
        .bind(PartnerStatus::Active.as_str())
        .bind(&p.cert_san_uri)
        .bind(&p.cert_subject)
        .bind(Json(&p.cert_fingerprints))
        .bind(&p.token_issuer)
        .bind(p.token_algorithm.as_str())
        .bind(&p.token_keys)
        .bind(at)
        .bind(at)
        .execute(&self.pool)
        .await?;
        self.partner(&p.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("partner vanished after insert".into()))
    }

    async fn partner(&self, id: &PartnerId) -> Result<Option<Partner>, StoreError> {
        let row: Option<PartnerRow> = sqlx::query_as(concat!(
            "SELECT ",
            partner_columns!(),
            " FROM partners WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Partner::try_from).transpose()
    }

    async fn partners(&self) -> Result<Vec<Partner>, StoreError> {
        let rows: Vec<PartnerRow> = sqlx::query_as(concat!(
            "SELECT ",
            partner_columns!(),
            " FROM partners ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Partner::try_from).collect()
    }

    async fn partner_by_certificate(
        &self,
        san_uris: &[String],
        subject: &str,
    ) -> Result<Option<Partner>, StoreError> {
        // json_each lets one statement test every SAN URI of the certificate.
        let row: Option<PartnerRow> = sqlx::query_as(concat!(
            "SELECT ",
            partner_columns!(),
            " FROM partners \
             WHERE cert_san_uri IN (SELECT value FROM json_each($1)) OR cert_subject = $2 \
             ORDER BY cert_san_uri IS NULL LIMIT 1"
        ))
        .bind(Json(san_uris))
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Partner::try_from).transpose()
    }

    async fn set_partner_status(
        &self,
        id: &PartnerId,
        status: PartnerStatus,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE partners SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(now())
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_agreement(&self, a: &NewAgreement) -> Result<Agreement, StoreError> {
        let id = uuid::Uuid::new_v4();
        sqlx::query(
            "INSERT INTO agreements (id, reference, title, parties, exchanges, purposes, \
             data_categories, lawful_basis, starts_on, review_on, ends_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id.to_string())
        .bind(&a.reference)
        .bind(&a.title)
        .bind(Json(&a.parties))
        .bind(Json(&a.exchanges))
        .bind(Json(&a.purposes))
        .bind(Json(&a.data_categories))
        .bind(a.lawful_basis.as_str())
        .bind(a.starts_on)
        .bind(a.review_on)
        .bind(a.ends_on)
        .bind(now())
        .execute(&self.pool)
        .await?;
        let row: AgreementRow = sqlx::query_as("SELECT * FROM agreements WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await?;
        row.try_into()
    }

    async fn agreements(&self) -> Result<Vec<Agreement>, StoreError> {
        let rows: Vec<AgreementRow> = sqlx::query_as("SELECT * FROM agreements ORDER BY reference")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(Agreement::try_from).collect()
    }

    async fn record_token_use(
        &self,
        issuer: &str,
        jti: &str,
        expires_at: i64,
    ) -> Result<TokenUse, StoreError> {
        let done = sqlx::query(
            "INSERT INTO token_replay (issuer, jti, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(issuer)
        .bind(jti)
        .bind(expires_at)
        .execute(&self.relaxed)
        .await?;
        Ok(if done.rows_affected() == 1 {
            TokenUse::First
        } else {
            TokenUse::Replayed
        })
    }

    async fn purge_token_uses(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM token_replay WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn checkpoint(&self) -> Result<(), StoreError> {
        // (busy, frames in the WAL, frames copied). TRUNCATE waits (busy timeout) for
        // readers and writers to finish, copies every frame and empties the WAL file; busy
        // = 1 means it could not, and the WAL still holds committed pages.
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await?;
        if busy != 0 {
            return Err(StoreError::Timeout(
                "WAL checkpoint (the database is in use)",
            ));
        }
        Ok(())
    }

    async fn backup_to(&self, out: &std::path::Path) -> Result<(), StoreError> {
        let out = out
            .to_str()
            .ok_or(StoreError::Unsupported("a backup path that is not UTF-8"))?;
        // VACUUM INTO reads in one transaction: a consistent snapshot while writers go on
        // (WAL mode), written compacted to a new file; it refuses an existing file.
        sqlx::query("VACUUM INTO $1")
            .bind(out)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
