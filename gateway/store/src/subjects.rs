//! The young people the gateway answers about, and what they (or their parents) have said:
//! consents, withdrawals, objections, Gillick-competence assessments; and the break-glass
//! alerts the data protection officer reviews.
//!
//! The store keeps these facts as recorded. Which of them count on a given day (the consent
//! owner by age and competence, validity periods, withdrawals) is decided by the gateway's
//! facts module and the Cedar policies, not here.

use async_trait::async_trait;
use gateway_domain::{CcisId, YoungPerson};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::StoreError;
use crate::model::{AgencyKind, PartnerId};

/// What an upsert of many records did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    /// Stored already, byte for byte: not written again (a re-run import changes nothing).
    pub unchanged: u64,
}

/// Who gave a consent or raised an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GivenBy {
    YoungPerson,
    ParentCarer,
}

impl GivenBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GivenBy::YoungPerson => "young_person",
            GivenBy::ParentCarer => "parent_carer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "young_person" => Some(GivenBy::YoungPerson),
            "parent_carer" => Some(GivenBy::ParentCarer),
            _ => None,
        }
    }
}

/// How a consent was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    Written,
    Verbal,
    Electronic,
}

impl ConsentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::Written => "written",
            ConsentMethod::Verbal => "verbal",
            ConsentMethod::Electronic => "electronic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "written" => Some(ConsentMethod::Written),
            "verbal" => Some(ConsentMethod::Verbal),
            "electronic" => Some(ConsentMethod::Electronic),
            _ => None,
        }
    }
}

/// Whom a consent lets receive data: every partner of a kind, or one named partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentRecipient {
    AgencyKind(AgencyKind),
    Partner(PartnerId),
}

/// A consent to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    pub subject: CcisId,
    pub given_by: GivenBy,
    pub method: ConsentMethod,
    /// When the consent was given (may be before it is recorded).
    pub given_at: OffsetDateTime,
    pub purposes: Vec<String>,
    pub recipient: ConsentRecipient,
    /// Data category names (policies/categories.json).
    pub categories: Vec<String>,
    pub valid_from: Date,
    /// Inclusive; `None` = until withdrawn.
    pub valid_until: Option<Date>,
    /// The adviser who recorded it (token `sub`).
    pub recorded_by: String,
}

/// A recorded consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub id: Uuid,
    pub subject: CcisId,
    pub given_by: GivenBy,
    pub method: ConsentMethod,
    #[serde(with = "time::serde::rfc3339")]
    pub given_at: OffsetDateTime,
    pub purposes: Vec<String>,
    pub recipient: ConsentRecipient,
    pub categories: Vec<String>,
    #[serde(with = "gateway_domain::dates::iso")]
    pub valid_from: Date,
    #[serde(with = "gateway_domain::dates::iso::option")]
    pub valid_until: Option<Date>,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdrawn_by: Option<String>,
}

/// An objection (ESA 2008 s.14(4)) to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObjection {
    pub subject: CcisId,
    pub raised_by: GivenBy,
    pub raised_at: OffsetDateTime,
    pub recorded_by: String,
}

/// A recorded objection. In force until withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Objection {
    pub id: Uuid,
    pub subject: CcisId,
    pub raised_by: GivenBy,
    #[serde(with = "time::serde::rfc3339")]
    pub raised_at: OffsetDateTime,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdrawn_by: Option<String>,
}

/// A Gillick-competence assessment to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompetenceAssessment {
    pub subject: CcisId,
    pub competent: bool,
    pub assessed_on: Date,
    pub assessed_by: String,
}

/// A recorded assessment. The latest (by `assessed_on`, then `recorded_at`) governs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompetenceAssessment {
    pub id: Uuid,
    pub subject: CcisId,
    pub competent: bool,
    #[serde(with = "gateway_domain::dates::iso")]
    pub assessed_on: Date,
    pub assessed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A break-glass (Children Act 1989 s.47) access to raise for the data protection officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub partner: PartnerId,
    pub officer: String,
    pub role: String,
    pub exchange: String,
    /// The subject's pseudonymous id (the disclosure log's keyed hash), never the CCIS id.
    pub subject_pseudonym: String,
    pub justification: String,
    pub opened_at: OffsetDateTime,
    /// End of the break-glass window this alert opens.
    pub window_ends_at: OffsetDateTime,
    /// A claim the policy refused: the DPO is told, but no window opens (it is never the
    /// alert `latest_alert_for` finds).
    pub refused: bool,
}

/// Open until the data protection officer reviews it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    Reviewed,
}

/// A break-glass alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: Uuid,
    pub partner: PartnerId,
    pub officer: String,
    pub role: String,
    pub exchange: String,
    pub subject_pseudonym: String,
    pub justification: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub window_ends_at: OffsetDateTime,
    /// Requests made under this alert's window (1 when opened).
    pub uses: i64,
    /// A refused claim (nothing released, no window).
    pub refused: bool,
    pub status: AlertStatus,
    pub reviewed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
    pub review_note: Option<String>,
}

/// Young people's records, consent, objection, competence, break-glass alerts.
/// A change taken back because its disclosure-log entry could not be written: a change is in
/// force only if the log says so (see ARCHITECTURE.md, "atomic records").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undo {
    /// Delete a consent just added.
    Consent(Uuid),
    /// Clear a withdrawal just made (only the caller knows it made it).
    ConsentWithdrawal(Uuid),
    Objection(Uuid),
    ObjectionWithdrawal(Uuid),
    CompetenceAssessment(Uuid),
    /// Delete a break-glass alert just opened.
    Alert(Uuid),
    /// Take back one use counted against an alert.
    AlertUse(Uuid),
}

#[async_trait]
pub trait SubjectStore: Send + Sync {
    /// Inserts or replaces records by CCIS id, in one transaction. A record identical to the
    /// stored one (same serialised JSON) is counted unchanged and not written.
    async fn upsert_young_people(
        &self,
        records: &[YoungPerson],
    ) -> Result<UpsertCounts, StoreError>;
    async fn young_person(&self, id: &CcisId) -> Result<Option<YoungPerson>, StoreError>;
    /// The stored records among `ids` (in no particular order; unknown ids are skipped).
    async fn young_people_by_id(&self, ids: &[CcisId]) -> Result<Vec<YoungPerson>, StoreError>;
    /// Every record, ordered by CCIS id (the matching index is built from it at start).
    async fn young_people(&self) -> Result<Vec<YoungPerson>, StoreError>;
    async fn count_young_people(&self) -> Result<u64, StoreError>;

    async fn add_consent(&self, consent: &NewConsent) -> Result<Consent, StoreError>;
    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError>;
    /// Every consent about the subject, withdrawn ones included, oldest first.
    async fn consents_for(&self, subject: &CcisId) -> Result<Vec<Consent>, StoreError>;
    /// Marks a consent withdrawn. `None` if there is no such consent; a consent already
    /// withdrawn is returned unchanged (withdrawal is idempotent, the first time stands).
    async fn withdraw_consent(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        by: &str,
    ) -> Result<Option<Consent>, StoreError>;

    async fn add_objection(&self, objection: &NewObjection) -> Result<Objection, StoreError>;
    /// Every objection about the subject, withdrawn ones included, oldest first.
    async fn objections_for(&self, subject: &CcisId) -> Result<Vec<Objection>, StoreError>;
    /// Same contract as [`SubjectStore::withdraw_consent`].
    async fn withdraw_objection(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        by: &str,
    ) -> Result<Option<Objection>, StoreError>;

    async fn add_competence_assessment(
        &self,
        assessment: &NewCompetenceAssessment,
    ) -> Result<CompetenceAssessment, StoreError>;
    /// Every assessment about the subject, oldest first (by `assessed_on`, then `recorded_at`).
    async fn competence_assessments_for(
        &self,
        subject: &CcisId,
    ) -> Result<Vec<CompetenceAssessment>, StoreError>;

    async fn add_alert(&self, alert: &NewAlert) -> Result<Alert, StoreError>;
    /// The newest alert for this partner, officer and subject pseudonym that opened a
    /// window (refused claims are not), if any.
    async fn latest_alert_for(
        &self,
        partner: &PartnerId,
        officer: &str,
        subject_pseudonym: &str,
    ) -> Result<Option<Alert>, StoreError>;
    /// Counts one more request under an alert's window.
    async fn count_alert_use(&self, id: Uuid) -> Result<(), StoreError>;
    /// Alerts, newest first; only those with this status when given.
    async fn alerts(&self, status: Option<AlertStatus>) -> Result<Vec<Alert>, StoreError>;
    /// Marks an alert reviewed. `None` if there is no such alert; an alert already reviewed
    /// is returned unchanged.
    async fn review_alert(
        &self,
        id: Uuid,
        reviewer: &str,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Alert>, StoreError>;
    /// Takes back a change whose log entry failed. An unknown id changes nothing.
    async fn undo(&self, undo: Undo) -> Result<(), StoreError>;
}
