//! SubjectStore for SqliteStore.
//!
//! Times are bound as [`sqlite_time`] text (fixed width, UTC) so that `ORDER BY` on them is
//! time order; ids are bound as text.

use std::collections::HashMap;

use async_trait::async_trait;
use gateway_domain::{CcisId, YoungPerson};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::model::PartnerId;
use crate::rows::now;
use crate::rows_subjects::{
    AlertRow, CompetenceRow, ConsentRow, ObjectionRow, alert_columns, alert_status_str,
    competence_columns, consent_columns, objection_columns, parse_record, recipient_columns,
    sqlite_time, upsert_batches,
};
use crate::subjects::*;

use super::SqliteStore;

#[async_trait]
impl SubjectStore for SqliteStore {
    async fn upsert_young_people(
        &self,
        records: &[YoungPerson],
    ) -> Result<UpsertCounts, StoreError> {
        let at = sqlite_time(now())?;
        let mut counts = UpsertCounts::default();
        // IMMEDIATE: take the write lock before reading, so no other writer can slip in
        // between this transaction's reads and writes (SQLite would then refuse the upgrade).
        let mut conn = self.write_connection().await?;
        let mut tx = super::begin_immediate(&mut conn).await?;
        for batch in upsert_batches(records) {
            let batch = batch?;
            // What is stored for the batch's ids, compared here byte for byte: only new and
            // changed records are written.
            let stored: Vec<(String, String)> = sqlx::query_as(
                "SELECT ccis_id, record FROM young_people \
                 WHERE ccis_id IN (SELECT value FROM json_each($1))",
            )
            .bind(Json(&batch.ids))
            .fetch_all(&mut *tx)
            .await?;
            let stored: HashMap<String, String> = stored.into_iter().collect();
            for (id, record) in batch.ids.iter().zip(&batch.records) {
                match stored.get(id) {
                    None => {
                        sqlx::query(
                            "INSERT INTO young_people (ccis_id, record, updated_at) \
                             VALUES ($1, $2, $3)",
                        )
                        .bind(id)
                        .bind(record)
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                        counts.inserted += 1;
                    }
                    Some(old) if old == record => counts.unchanged += 1,
                    Some(_) => {
                        sqlx::query(
                            "UPDATE young_people SET record = $1, updated_at = $2 \
                             WHERE ccis_id = $3",
                        )
                        .bind(record)
                        .bind(&at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        counts.updated += 1;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(counts)
    }

    async fn young_person(&self, id: &CcisId) -> Result<Option<YoungPerson>, StoreError> {
        let record: Option<String> =
            sqlx::query_scalar("SELECT record FROM young_people WHERE ccis_id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        record.as_deref().map(parse_record).transpose()
    }

    async fn young_people_by_id(&self, ids: &[CcisId]) -> Result<Vec<YoungPerson>, StoreError> {
        let ids: Vec<&str> = ids.iter().map(CcisId::as_str).collect();
        let records: Vec<String> = sqlx::query_scalar(
            "SELECT record FROM young_people WHERE ccis_id IN (SELECT value FROM json_each($1))",
        )
        .bind(Json(&ids))
        .fetch_all(&self.pool)
        .await?;
        records.iter().map(|r| parse_record(r)).collect()
    }

    async fn young_people(&self) -> Result<Vec<YoungPerson>, StoreError> {
        let records: Vec<String> =
            sqlx::query_scalar("SELECT record FROM young_people ORDER BY ccis_id")
                .fetch_all(&self.pool)
                .await?;
        records.iter().map(|r| parse_record(r)).collect()
    }

    async fn count_young_people(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM young_people")
            .fetch_one(&self.pool)
            .await?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt("negative count".into()))
    }

    async fn add_consent(&self, c: &NewConsent) -> Result<Consent, StoreError> {
        let (agency_kind, partner) = recipient_columns(&c.recipient);
        let row: ConsentRow = sqlx::query_as(concat!(
            "INSERT INTO consents (id, subject, given_by, method, given_at, purposes, \
             recipient_agency_kind, recipient_partner, categories, valid_from, valid_until, \
             recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ",
            consent_columns!("id")
        ))
        .bind(Uuid::new_v4().to_string())
        .bind(c.subject.as_str())
        .bind(c.given_by.as_str())
        .bind(c.method.as_str())
        .bind(sqlite_time(c.given_at)?)
        .bind(Json(&c.purposes))
        .bind(agency_kind)
        .bind(partner)
        .bind(Json(&c.categories))
        .bind(c.valid_from)
        .bind(c.valid_until)
        .bind(&c.recorded_by)
        .bind(sqlite_time(now())?)
        .fetch_one(&self.pool)
        .await?;
        row.try_into()
    }

    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError> {
        let row: Option<ConsentRow> = sqlx::query_as(concat!(
            "SELECT ",
            consent_columns!("id"),
            " FROM consents WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Consent::try_from).transpose()
    }

    async fn consents_for(&self, subject: &CcisId) -> Result<Vec<Consent>, StoreError> {
        let rows: Vec<ConsentRow> = sqlx::query_as(concat!(
            "SELECT ",
            consent_columns!("id"),
            " FROM consents WHERE subject = $1 ORDER BY given_at, recorded_at, seq"
        ))
        .bind(subject.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Consent::try_from).collect()
    }

    async fn withdraw_consent(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        by: &str,
    ) -> Result<Option<Consent>, StoreError> {
        // Only a consent not yet withdrawn is touched: the first withdrawal stands.
        sqlx::query(
            "UPDATE consents SET withdrawn_at = $1, withdrawn_by = $2 \
             WHERE id = $3 AND withdrawn_at IS NULL",
        )
        .bind(sqlite_time(at)?)
        .bind(by)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        self.consent(id).await
    }

    async fn add_objection(&self, o: &NewObjection) -> Result<Objection, StoreError> {
        let row: ObjectionRow = sqlx::query_as(concat!(
            "INSERT INTO objections (id, subject, raised_by, raised_at, recorded_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            objection_columns!("id")
        ))
        .bind(Uuid::new_v4().to_string())
        .bind(o.subject.as_str())
        .bind(o.raised_by.as_str())
        .bind(sqlite_time(o.raised_at)?)
        .bind(&o.recorded_by)
        .bind(sqlite_time(now())?)
        .fetch_one(&self.pool)
        .await?;
        row.try_into()
    }

    async fn objections_for(&self, subject: &CcisId) -> Result<Vec<Objection>, StoreError> {
        let rows: Vec<ObjectionRow> = sqlx::query_as(concat!(
            "SELECT ",
            objection_columns!("id"),
            " FROM objections WHERE subject = $1 ORDER BY raised_at, recorded_at, seq"
        ))
        .bind(subject.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Objection::try_from).collect()
    }

    async fn withdraw_objection(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        by: &str,
    ) -> Result<Option<Objection>, StoreError> {
        sqlx::query(
            "UPDATE objections SET withdrawn_at = $1, withdrawn_by = $2 \
             WHERE id = $3 AND withdrawn_at IS NULL",
        )
        .bind(sqlite_time(at)?)
        .bind(by)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        let row: Option<ObjectionRow> = sqlx::query_as(concat!(
            "SELECT ",
            objection_columns!("id"),
            " FROM objections WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Objection::try_from).transpose()
    }

    async fn add_competence_assessment(
        &self,
        a: &NewCompetenceAssessment,
    ) -> Result<CompetenceAssessment, StoreError> {
        let row: CompetenceRow = sqlx::query_as(concat!(
            "INSERT INTO competence_assessments (id, subject, competent, assessed_on, \
             assessed_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            competence_columns!("id")
        ))
        .bind(Uuid::new_v4().to_string())
        .bind(a.subject.as_str())
        .bind(a.competent)
        .bind(a.assessed_on)
        .bind(&a.assessed_by)
        .bind(sqlite_time(now())?)
        .fetch_one(&self.pool)
        .await?;
        row.try_into()
    }

    async fn competence_assessments_for(
        &self,
        subject: &CcisId,
    ) -> Result<Vec<CompetenceAssessment>, StoreError> {
        let rows: Vec<CompetenceRow> = sqlx::query_as(concat!(
            "SELECT ",
            competence_columns!("id"),
            " FROM competence_assessments WHERE subject = $1 \
             ORDER BY assessed_on, recorded_at, seq"
        ))
        .bind(subject.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(CompetenceAssessment::try_from)
            .collect()
    }

    async fn add_alert(&self, a: &NewAlert) -> Result<Alert, StoreError> {
        let row: AlertRow = sqlx::query_as(concat!(
            "INSERT INTO break_glass_alerts (id, partner, officer, role, exchange, \
             subject_pseudonym, justification, opened_at, window_ends_at, uses, status, \
             refused) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11) RETURNING ",
            alert_columns!("id")
        ))
        .bind(Uuid::new_v4().to_string())
        .bind(a.partner.as_str())
        .bind(&a.officer)
        .bind(&a.role)
        .bind(&a.exchange)
        .bind(&a.subject_pseudonym)
        .bind(&a.justification)
        .bind(sqlite_time(a.opened_at)?)
        .bind(sqlite_time(a.window_ends_at)?)
        .bind(alert_status_str(AlertStatus::Open))
        .bind(a.refused)
        .fetch_one(&self.pool)
        .await?;
        row.try_into()
    }

    async fn latest_alert_for(
        &self,
        partner: &PartnerId,
        officer: &str,
        subject_pseudonym: &str,
    ) -> Result<Option<Alert>, StoreError> {
        let row: Option<AlertRow> = sqlx::query_as(concat!(
            "SELECT ",
            alert_columns!("id"),
            " FROM break_glass_alerts \
             WHERE partner = $1 AND officer = $2 AND subject_pseudonym = $3 \
             AND refused = 0 \
             ORDER BY opened_at DESC, seq DESC LIMIT 1"
        ))
        .bind(partner.as_str())
        .bind(officer)
        .bind(subject_pseudonym)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Alert::try_from).transpose()
    }

    async fn count_alert_use(&self, id: Uuid) -> Result<(), StoreError> {
        // An unknown id counts nothing; there is nothing to count against.
        sqlx::query("UPDATE break_glass_alerts SET uses = uses + 1 WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn alerts(&self, status: Option<AlertStatus>) -> Result<Vec<Alert>, StoreError> {
        // Two statements rather than `$1 IS NULL OR status = $1`, so the filtered one can use
        // the status index.
        let rows: Vec<AlertRow> = match status {
            Some(status) => {
                sqlx::query_as(concat!(
                    "SELECT ",
                    alert_columns!("id"),
                    " FROM break_glass_alerts WHERE status = $1 \
                     ORDER BY opened_at DESC, seq DESC"
                ))
                .bind(alert_status_str(status))
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as(concat!(
                    "SELECT ",
                    alert_columns!("id"),
                    " FROM break_glass_alerts ORDER BY opened_at DESC, seq DESC"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.into_iter().map(Alert::try_from).collect()
    }

    async fn undo(&self, undo: Undo) -> Result<(), StoreError> {
        let (sql, id) = match undo {
            Undo::Consent(id) => ("DELETE FROM consents WHERE id = $1", id),
            Undo::ConsentWithdrawal(id) => (
                "UPDATE consents SET withdrawn_at = NULL, withdrawn_by = NULL WHERE id = $1",
                id,
            ),
            Undo::Objection(id) => ("DELETE FROM objections WHERE id = $1", id),
            Undo::ObjectionWithdrawal(id) => (
                "UPDATE objections SET withdrawn_at = NULL, withdrawn_by = NULL WHERE id = $1",
                id,
            ),
            Undo::CompetenceAssessment(id) => {
                ("DELETE FROM competence_assessments WHERE id = $1", id)
            }
            Undo::Alert(id) => ("DELETE FROM break_glass_alerts WHERE id = $1", id),
            Undo::AlertUse(id) => (
                "UPDATE break_glass_alerts SET uses = uses - 1 WHERE id = $1 AND uses > 1",
                id,
            ),
        };
        sqlx::query(sql)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn review_alert(
        &self,
        id: Uuid,
        reviewer: &str,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Alert>, StoreError> {
        // Only an open alert is touched: the first review stands.
        sqlx::query(
            "UPDATE break_glass_alerts \
             SET status = $1, reviewed_by = $2, review_note = $3, reviewed_at = $4 \
             WHERE id = $5 AND status = $6",
        )
        .bind(alert_status_str(AlertStatus::Reviewed))
        .bind(reviewer)
        .bind(note)
        .bind(sqlite_time(at)?)
        .bind(id.to_string())
        .bind(alert_status_str(AlertStatus::Open))
        .execute(&self.pool)
        .await?;
        let row: Option<AlertRow> = sqlx::query_as(concat!(
            "SELECT ",
            alert_columns!("id"),
            " FROM break_glass_alerts WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Alert::try_from).transpose()
    }
}
