//! SubjectStore for SqliteStore: placeholder until implemented.

use async_trait::async_trait;
use gateway_domain::{CcisId, YoungPerson};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::PartnerId;
use crate::subjects::*;

use crate::StoreError;

use super::SqliteStore;

#[async_trait]
impl SubjectStore for SqliteStore {
    async fn upsert_young_people(&self, records: &[YoungPerson]) -> Result<UpsertCounts, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn young_person(&self, id: &CcisId) -> Result<Option<YoungPerson>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn young_people(&self) -> Result<Vec<YoungPerson>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn count_young_people(&self) -> Result<u64, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn add_consent(&self, consent: &NewConsent) -> Result<Consent, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn consents_for(&self, subject: &CcisId) -> Result<Vec<Consent>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn withdraw_consent( &self, id: Uuid, at: OffsetDateTime, by: &str, ) -> Result<Option<Consent>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn add_objection(&self, objection: &NewObjection) -> Result<Objection, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn objections_for(&self, subject: &CcisId) -> Result<Vec<Objection>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn withdraw_objection( &self, id: Uuid, at: OffsetDateTime, by: &str, ) -> Result<Option<Objection>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn add_competence_assessment( &self, assessment: &NewCompetenceAssessment, ) -> Result<CompetenceAssessment, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn competence_assessments_for( &self, subject: &CcisId, ) -> Result<Vec<CompetenceAssessment>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn add_alert(&self, alert: &NewAlert) -> Result<Alert, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn latest_alert_for( &self, partner: &PartnerId, officer: &str, subject_pseudonym: &str, ) -> Result<Option<Alert>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn count_alert_use(&self, id: Uuid) -> Result<(), StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn alerts(&self, status: Option<AlertStatus>) -> Result<Vec<Alert>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn review_alert( &self, id: Uuid, reviewer: &str, note: &str, at: OffsetDateTime, ) -> Result<Option<Alert>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
}
