//! TransferStore for SqliteStore. Writes that read first use `BEGIN IMMEDIATE`, so no other
//! writer slips in between the read and the write.

use async_trait::async_trait;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::rows_transfers::{
    InboundRow, OutboundRow, db_index, inbound_columns, mark_transferred, millis, outbound_columns,
    uuid_text,
};
use crate::transfers::*;

use super::SqliteStore;

#[async_trait]
impl TransferStore for SqliteStore {
    async fn queue_outbound_transfer(
        &self,
        t: &NewOutboundTransfer,
    ) -> Result<OutboundTransfer, StoreError> {
        let created = millis(t.created_at);
        sqlx::query(concat!(
            "INSERT INTO outbound_transfers (",
            outbound_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', NULL, 0, $11, NULL, \
             NULL, $11, NULL)"
        ))
        .bind(uuid_text(t.id))
        .bind(t.subject.as_str())
        .bind(t.destination.as_str())
        .bind(t.destination_la.as_str())
        .bind(&t.payload)
        .bind(&t.payload_sha256)
        .bind(Json(&t.released))
        .bind(Json(&t.withheld))
        .bind(&t.requested_by)
        .bind(&t.log_entry)
        .bind(created)
        .execute(&self.pool)
        .await?;
        self.outbound_transfer(t.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("queued transfer not found".into()))
    }

    async fn outbound_transfer(&self, id: Uuid) -> Result<Option<OutboundTransfer>, StoreError> {
        let row: Option<OutboundRow> = sqlx::query_as(concat!(
            "SELECT ",
            outbound_columns!(),
            " FROM outbound_transfers WHERE id = $1"
        ))
        .bind(uuid_text(id))
        .fetch_optional(&self.pool)
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn outbound_transfers_for(
        &self,
        subject: &gateway_domain::CcisId,
    ) -> Result<Vec<OutboundTransfer>, StoreError> {
        let rows: Vec<OutboundRow> = sqlx::query_as(concat!(
            "SELECT ",
            outbound_columns!(),
            " FROM outbound_transfers WHERE subject = $1 ORDER BY created_ms, id"
        ))
        .bind(subject.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn claim_due_outbound_transfers(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<OutboundTransfer>, StoreError> {
        let now = millis(now);
        // The worker asks every second on every node: look before taking the write lock,
        // which would otherwise queue behind (and hold up) the disclosure log's writer.
        let due: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM outbound_transfers WHERE state = 'queued' \
             AND next_attempt_ms <= $1 AND lease_until_ms <= $1)",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        if !due {
            return Ok(Vec::new());
        }
        let mut conn = self.write_connection().await?;
        let mut tx = super::begin_immediate(&mut conn).await?;
        let rows: Vec<OutboundRow> = sqlx::query_as(concat!(
            "SELECT ",
            outbound_columns!(),
            " FROM outbound_transfers WHERE state = 'queued' AND next_attempt_ms <= $1 \
             AND lease_until_ms <= $1 ORDER BY next_attempt_ms LIMIT $2"
        ))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            sqlx::query("UPDATE outbound_transfers SET lease_until_ms = $1 WHERE id = $2")
                .bind(millis(lease_until))
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn set_outbound_log_index(&self, id: Uuid, index: u64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE outbound_transfers SET log_index = $1 \
             WHERE id = $2 AND (log_index IS NULL OR log_index = $1)",
        )
        .bind(db_index(index)?)
        .bind(uuid_text(id))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("transfer log entry"));
        }
        Ok(())
    }

    async fn outbound_attempt_failed(
        &self,
        id: Uuid,
        reason: &str,
        next_attempt_at: OffsetDateTime,
        refused: bool,
    ) -> Result<(), StoreError> {
        let finished = refused.then(|| millis(OffsetDateTime::now_utc()));
        sqlx::query(
            "UPDATE outbound_transfers SET attempts = attempts + 1, last_error = $1, \
             next_attempt_ms = $2, lease_until_ms = 0, \
             state = CASE WHEN $3 THEN 'refused' ELSE state END, \
             finished_ms = COALESCE($4, finished_ms) \
             WHERE id = $5 AND state = 'queued'",
        )
        .bind(reason)
        .bind(millis(next_attempt_at))
        .bind(refused)
        .bind(finished)
        .bind(uuid_text(id))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn complete_outbound_transfer(
        &self,
        id: Uuid,
        ack: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write_connection().await?;
        let mut tx = super::begin_immediate(&mut conn).await?;
        let target: Option<(String, String)> = sqlx::query_as(
            "SELECT subject, destination_la FROM outbound_transfers \
             WHERE id = $1 AND state = 'queued'",
        )
        .bind(uuid_text(id))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((subject, destination_la)) = target else {
            tx.rollback().await?;
            return Ok(false);
        };
        sqlx::query(
            "UPDATE outbound_transfers SET state = 'acknowledged', ack = $1, finished_ms = $2, \
             attempts = attempts + 1, last_error = NULL, lease_until_ms = 0 WHERE id = $3",
        )
        .bind(ack)
        .bind(millis(at))
        .bind(uuid_text(id))
        .execute(&mut *tx)
        .await?;
        let destination = gateway_domain::LaCode::parse(&destination_la)
            .map_err(|_| StoreError::Corrupt("unreadable transfer destination LA".into()))?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT record FROM young_people WHERE ccis_id = $1")
                .bind(&subject)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(stored) = stored {
            sqlx::query("UPDATE young_people SET record = $1, updated_at = $2 WHERE ccis_id = $3")
                .bind(mark_transferred(&stored, &destination)?)
                .bind(crate::rows_subjects::sqlite_time(at)?)
                .bind(&subject)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn receive_inbound_transfer(
        &self,
        t: &NewInboundTransfer,
    ) -> Result<Received, StoreError> {
        let inserted = sqlx::query(concat!(
            "INSERT INTO inbound_transfers (",
            inbound_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, NULL) ON CONFLICT (id) DO NOTHING"
        ))
        .bind(uuid_text(t.id))
        .bind(t.source.as_str())
        .bind(t.source_la.as_str())
        .bind(&t.payload)
        .bind(&t.payload_sha256)
        .bind(millis(t.received_at))
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let stored = self
            .inbound_transfer(t.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("received transfer not found".into()))?;
        Ok(if inserted {
            Received::New(stored)
        } else {
            Received::Existing(stored)
        })
    }

    async fn inbound_transfer(&self, id: Uuid) -> Result<Option<InboundTransfer>, StoreError> {
        let row: Option<InboundRow> = sqlx::query_as(concat!(
            "SELECT ",
            inbound_columns!(),
            " FROM inbound_transfers WHERE id = $1"
        ))
        .bind(uuid_text(id))
        .fetch_optional(&self.pool)
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn set_inbound_log_index(&self, id: Uuid, index: u64) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE inbound_transfers SET log_index = $1 \
             WHERE id = $2 AND (log_index IS NULL OR log_index = $1)",
        )
        .bind(db_index(index)?)
        .bind(uuid_text(id))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("transfer log entry"));
        }
        Ok(())
    }
}
