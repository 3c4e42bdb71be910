//! [`LogStore`] for [`PostgresStore`]: appends serialise on a transaction-scoped advisory
//! lock, so every node sharing the database draws indexes from one gap-free sequence.

use async_trait::async_trait;
use sqlx::Postgres;

use crate::StoreError;
use crate::disclosure_log::*;
use crate::rows_log::{
    HeadParams, LogRowRecord, TreeHeadRecord, catch_up_hashes, check_batch, check_known,
    from_bound, head_columns, leaf_hashes, limit_bound, log_columns, next_index, to_i64,
};
use crate::tx::{Tx, within};

use super::PostgresStore;

/// The advisory lock every append takes ("CCIS-LOG" in ASCII). Held until the transaction
/// ends, so it is released only after the batch has committed (or rolled back).
const LOG_APPEND_LOCK: i64 = 0x4343_4953_2d4c_4f47;

impl PostgresStore {
    /// The body of [`LogStore::append_log`], inside a transaction the caller commits.
    async fn append_in(
        tx: &mut Tx<'_, Postgres>,
        sealer: &dyn LogSealer,
    ) -> Result<(SealedBatch, Vec<[u8; 32]>), StoreError> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOG_APPEND_LOCK)
            .execute(&mut **tx)
            .await?;
        // READ COMMITTED (set at BEGIN): this statement's snapshot is taken after the lock
        // was granted, so it sees the previous holder's committed rows.
        let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM disclosure_log")
            .fetch_one(&mut **tx)
            .await?;
        let next = next_index(next)?;
        let known = sealer.known_size();
        check_known(known, next)?;
        let catch_up = if known < next {
            let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                "SELECT idx, leaf_hash FROM disclosure_log \
                 WHERE idx >= $1 AND idx < $2 ORDER BY idx",
            )
            .bind(to_i64(known, "log index")?)
            .bind(to_i64(next, "log index")?)
            .fetch_all(&mut **tx)
            .await?;
            catch_up_hashes(known, next, rows)?
        } else {
            Vec::new()
        };

        // The heads other nodes committed with those rows: the sealer trusts the rows only
        // if a valid head of exactly their size commits to them.
        let heads = if known < next {
            let rows: Vec<TreeHeadRecord> = sqlx::query_as(concat!(
                "SELECT ",
                head_columns!(),
                " FROM tree_heads WHERE tree_size > $1 AND tree_size <= $2 \
                 ORDER BY tree_size, timestamp_ms"
            ))
            .bind(to_i64(known, "log index")?)
            .bind(to_i64(next, "log index")?)
            .fetch_all(&mut **tx)
            .await?;
            rows.into_iter()
                .map(StoredTreeHead::try_from)
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };

        let batch = sealer
            .seal(next, &catch_up, &heads)
            .map_err(StoreError::Sealer)?;
        let (rows, head) = check_batch(next, &batch)?;
        if !rows.is_empty() {
            // One statement for the whole batch.
            let idx: Vec<i64> = rows.iter().map(|r| r.idx).collect();
            let entry: Vec<&str> = rows.iter().map(|r| r.entry).collect();
            let leaf_hash: Vec<&[u8]> = rows.iter().map(|r| r.leaf_hash).collect();
            let subject: Vec<Option<&str>> = rows.iter().map(|r| r.subject).collect();
            sqlx::query(
                "INSERT INTO disclosure_log (idx, entry, leaf_hash, subject) \
                 SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bytea[], $4::text[])",
            )
            .bind(idx)
            .bind(entry)
            .bind(leaf_hash)
            .bind(subject)
            .execute(&mut **tx)
            .await?;
        }
        insert_head(&head, &mut **tx).await?;
        Ok((batch, catch_up))
    }
}

async fn insert_head<'e>(
    head: &HeadParams<'_>,
    executor: impl sqlx::PgExecutor<'e>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tree_heads (tree_size, timestamp_ms, root_hash, key_id, signature) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(head.tree_size)
    .bind(head.timestamp_ms)
    .bind(head.root_hash)
    .bind(head.key_id)
    .bind(head.signature)
    .execute(executor)
    .await?;
    Ok(())
}

#[async_trait]
impl LogStore for PostgresStore {
    async fn append_log(
        &self,
        sealer: &dyn LogSealer,
    ) -> Result<(SealedBatch, Vec<[u8; 32]>), StoreError> {
        // Always the synchronous_commit = on pool: the batch is flushed before this returns.
        // Bounded as a whole, and per statement and lock wait by the server (begin_append);
        // a connection whose COMMIT or ROLLBACK failed is closed (tx.rs).
        within(self.timeouts.append(), "disclosure log append", async {
            let mut conn = self.write_connection().await?;
            let mut tx = self.begin_append(&mut conn).await?;
            let result = Self::append_in(&mut tx, sealer).await;
            tx.finish(result).await
        })
        .await
    }

    async fn add_tree_head(&self, head: &StoredTreeHead) -> Result<(), StoreError> {
        insert_head(&HeadParams::new(head)?, &self.pool).await
    }

    async fn log_size(&self) -> Result<u64, StoreError> {
        // Gap-free from 0, so the size is the next index (read from the primary key, not a
        // count of every row).
        let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM disclosure_log")
            .fetch_one(&self.pool)
            .await?;
        next_index(next)
    }

    async fn log_leaf_hashes(&self, from: u64, limit: u64) -> Result<Vec<[u8; 32]>, StoreError> {
        let Some(start) = from_bound(from) else {
            return Ok(Vec::new());
        };
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT idx, leaf_hash FROM disclosure_log WHERE idx >= $1 ORDER BY idx LIMIT $2",
        )
        .bind(start)
        .bind(limit_bound(limit))
        .fetch_all(&self.pool)
        .await?;
        leaf_hashes(from, rows)
    }

    async fn log_entries(&self, from: u64, limit: u64) -> Result<Vec<LogRow>, StoreError> {
        let Some(start) = from_bound(from) else {
            return Ok(Vec::new());
        };
        let rows: Vec<LogRowRecord> = sqlx::query_as(concat!(
            "SELECT ",
            log_columns!(),
            " FROM disclosure_log WHERE idx >= $1 ORDER BY idx LIMIT $2"
        ))
        .bind(start)
        .bind(limit_bound(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LogRow::try_from).collect()
    }

    async fn log_entries_for_subject(&self, subject: &str) -> Result<Vec<LogRow>, StoreError> {
        let rows: Vec<LogRowRecord> = sqlx::query_as(concat!(
            "SELECT ",
            log_columns!(),
            " FROM disclosure_log WHERE subject = $1 ORDER BY idx"
        ))
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LogRow::try_from).collect()
    }

    async fn latest_tree_head(&self) -> Result<Option<StoredTreeHead>, StoreError> {
        let row: Option<TreeHeadRecord> = sqlx::query_as(concat!(
            "SELECT ",
            head_columns!(),
            " FROM tree_heads ORDER BY tree_size DESC, timestamp_ms DESC LIMIT 1"
        ))
        .fetch_optional(&self.pool)
        .await?;
        row.map(StoredTreeHead::try_from).transpose()
    }

    async fn tree_heads(&self) -> Result<Vec<StoredTreeHead>, StoreError> {
        let rows: Vec<TreeHeadRecord> = sqlx::query_as(concat!(
            "SELECT ",
            head_columns!(),
            " FROM tree_heads ORDER BY tree_size, timestamp_ms"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(StoredTreeHead::try_from).collect()
    }
    async fn tree_heads_above(&self, size: u64) -> Result<Vec<StoredTreeHead>, StoreError> {
        let Some(above) = from_bound(size) else {
            return Ok(Vec::new());
        };
        let rows: Vec<TreeHeadRecord> = sqlx::query_as(concat!(
            "SELECT ",
            head_columns!(),
            " FROM tree_heads WHERE tree_size > $1 ORDER BY tree_size, timestamp_ms"
        ))
        .bind(above)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(StoredTreeHead::try_from).collect()
    }

    async fn log_key_pin(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM log_key_pins WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn add_log_key_pin(&self, name: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO log_key_pins (name, value) VALUES ($1, $2)")
            .bind(name)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
