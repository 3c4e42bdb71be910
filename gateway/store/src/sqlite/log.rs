//! [`LogStore`] for [`SqliteStore`]: appends take SQLite's write lock up front
//! (`BEGIN IMMEDIATE`), so the next index read inside the transaction is still the next one
//! at commit, whichever process or pool appends.

use async_trait::async_trait;
use sqlx::Sqlite;

use crate::StoreError;
use crate::disclosure_log::*;
use crate::rows_log::{
    HeadParams, LogRowRecord, TreeHeadRecord, catch_up_hashes, check_batch, check_known,
    from_bound, head_columns, leaf_hashes, limit_bound, log_columns, next_index, to_i64,
};
use crate::tx::{Tx, within};

use super::SqliteStore;

/// The index the next entry takes: the log is gap-free from 0.
async fn next_log_index(tx: &mut Tx<'_, Sqlite>) -> Result<u64, StoreError> {
    let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM disclosure_log")
        .fetch_one(&mut **tx)
        .await?;
    next_index(next)
}

impl SqliteStore {
    /// The body of [`LogStore::append_log`], inside a transaction the caller commits.
    async fn append_in(
        tx: &mut Tx<'_, Sqlite>,
        sealer: &dyn LogSealer,
    ) -> Result<(SealedBatch, Vec<[u8; 32]>), StoreError> {
        let next = next_log_index(tx).await?;
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
        // One prepared statement (cached on the connection), run per row.
        for row in &rows {
            sqlx::query(
                "INSERT INTO disclosure_log (idx, entry, leaf_hash, subject) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(row.idx)
            .bind(row.entry)
            .bind(row.leaf_hash)
            .bind(row.subject)
            .execute(&mut **tx)
            .await?;
        }
        insert_head(&head, &mut **tx).await?;
        Ok((batch, catch_up))
    }
}

async fn insert_head<'e>(
    head: &HeadParams<'_>,
    executor: impl sqlx::SqliteExecutor<'e>,
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
impl LogStore for SqliteStore {
    async fn append_log(
        &self,
        sealer: &dyn LogSealer,
    ) -> Result<(SealedBatch, Vec<[u8; 32]>), StoreError> {
        // Always the FULL pool: the batch is fsynced before this returns. IMMEDIATE takes the
        // write lock now (waiting up to the busy timeout), not at the first INSERT, so no
        // other writer can append between reading the next index and committing. The whole
        // append is bounded; a connection whose COMMIT or ROLLBACK failed is closed (tx.rs).
        within(self.timeouts.append(), "disclosure log append", async {
            let mut conn = self.write_connection().await?;
            let mut tx = super::begin_immediate(&mut conn).await?;
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
