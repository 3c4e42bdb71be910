//! The multi-node backend: PostgreSQL, shared by every gateway node.

use std::str::FromStr;

mod log;
mod subjects;
mod transfers;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres};

use crate::model::*;
use crate::rows::{AgreementRow, PartnerRow, now, partner_columns};

/// The UUID id is read as text so one row type serves both backends.
macro_rules! agreement_columns {
    () => {
        "id::text AS id, reference, title, parties, exchanges, purposes, data_categories, \
         lawful_basis, starts_on, review_on, ends_on, created_at"
    };
}
use crate::tx::{Tx, TxConnection};
use crate::{Backend, Store, StoreError, StoreTimeouts};

/// PostgreSQL store. Several gateway processes may share one database: migrations take
/// PostgreSQL's advisory lock, and every write is a single statement or transaction.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    /// PostgreSQL's default `synchronous_commit = on`: a commit is flushed before it returns.
    pool: PgPool,
    /// `synchronous_commit = off`, for token-use records only (see
    /// [`Store::record_token_use`]): WAL-logged and crash-safe for the database, but the
    /// last few hundred milliseconds of them may be lost if the server machine fails.
    relaxed: PgPool,
    timeouts: StoreTimeouts,
}

impl PostgresStore {
    /// Connects to the database a `postgres://` URL names and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &StoreTimeouts::default()).await
    }

    /// [`PostgresStore::connect`] with these timeouts. Every session of both pools starts
    /// with `idle_in_transaction_session_timeout` and the server-side TCP keepalives (sent
    /// as libpq-style startup `options`, so they hold even through a pooler that resets
    /// sessions); sqlx has no client-side keepalive option, so the client side is bounded
    /// by the acquire timeout and the append timeout instead.
    pub async fn connect_with(url: &str, timeouts: &StoreTimeouts) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?.options(timeouts.postgres_session_options());
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(timeouts.acquire())
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../../migrations/postgres")
            .run(&pool)
            .await?;
        let relaxed = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(timeouts.acquire())
            .connect_with(options.options([("synchronous_commit", "off")]))
            .await?;
        Ok(PostgresStore {
            pool,
            relaxed,
            timeouts: *timeouts,
        })
    }

    /// A connection for one write transaction (see `tx.rs`: closed unless it ends cleanly).
    pub(crate) async fn write_connection(&self) -> Result<TxConnection<Postgres>, StoreError> {
        TxConnection::acquire(&self.pool).await
    }

    /// Begins the log append's transaction with its own bounds: `lock_timeout` and
    /// `statement_timeout` set locally (they end with the transaction, so the pool's other
    /// work keeps the server's defaults).
    pub(crate) async fn begin_append<'c>(
        &self,
        conn: &'c mut TxConnection<Postgres>,
    ) -> Result<Tx<'c, Postgres>, StoreError> {
        // READ COMMITTED whatever the server's default, so reads after the lock see the
        // latest commits (under REPEATABLE READ the snapshot would predate the lock).
        let mut tx = conn.begin("BEGIN ISOLATION LEVEL READ COMMITTED").await?;
        let (lock, statement) = self.timeouts.postgres_append_limits();
        // set_config(.., true) is SET LOCAL with bound values.
        sqlx::query(
            "SELECT set_config('lock_timeout', $1, true), \
             set_config('statement_timeout', $2, true)",
        )
        .bind(lock)
        .bind(statement)
        .execute(&mut *tx)
        .await?;
        Ok(tx)
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
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
        let row: Option<PartnerRow> = sqlx::query_as(concat!(
            "SELECT ",
            partner_columns!(),
            " FROM partners \
             WHERE cert_san_uri = ANY($1) OR cert_subject = $2 \
             ORDER BY cert_san_uri IS NULL LIMIT 1"
        ))
        .bind(san_uris)
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
        .bind(id)
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
        let row: AgreementRow = sqlx::query_as(concat!(
            "SELECT ",
            agreement_columns!(),
            " FROM agreements WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        row.try_into()
    }

    async fn agreements(&self) -> Result<Vec<Agreement>, StoreError> {
        let rows: Vec<AgreementRow> = sqlx::query_as(concat!(
            "SELECT ",
            agreement_columns!(),
            " FROM agreements ORDER BY reference"
        ))
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
        // Every commit is in the server's WAL and the server owns checkpoints.
        Ok(())
    }

    async fn backup_to(&self, _out: &std::path::Path) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "file backup of PostgreSQL (use pg_dump or a base backup)",
        ))
    }
}
