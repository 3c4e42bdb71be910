//! Rows of the subject tables (young people, consents, objections, competence assessments,
//! break-glass alerts) as both backends return them, their conversion into model types, and
//! the helpers both backends' writes share.
//!
//! As in [`crate::rows`], one row type decodes from either database: ids are read as text
//! (PostgreSQL selects `id::text AS id`), JSON arrays as `Json<Vec<String>>`.

use std::collections::HashSet;

use gateway_domain::{CcisId, YoungPerson};
use sqlx::types::Json;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::StoreError;
use crate::model::PartnerId;
use crate::subjects::{
    Alert, AlertStatus, CompetenceAssessment, Consent, ConsentMethod, ConsentRecipient, GivenBy,
    Objection, UpsertCounts,
};

/// The consent columns after the id; the id expression differs per backend (`id` in SQLite,
/// `id::text AS id` in PostgreSQL). A literal, so statements built with `concat!` stay static.
macro_rules! consent_columns {
    ($id:literal) => {
        concat!(
            $id,
            ", subject, given_by, method, given_at, purposes, recipient_agency_kind, \
             recipient_partner, categories, valid_from, valid_until, recorded_by, recorded_at, \
             withdrawn_at, withdrawn_by"
        )
    };
}
pub(crate) use consent_columns;

macro_rules! objection_columns {
    ($id:literal) => {
        concat!(
            $id,
            ", subject, raised_by, raised_at, recorded_by, recorded_at, withdrawn_at, \
             withdrawn_by"
        )
    };
}
pub(crate) use objection_columns;

macro_rules! competence_columns {
    ($id:literal) => {
        concat!(
            $id,
            ", subject, competent, assessed_on, assessed_by, recorded_at"
        )
    };
}
pub(crate) use competence_columns;

macro_rules! alert_columns {
    ($id:literal) => {
        concat!(
            $id,
            ", partner, officer, role, exchange, subject_pseudonym, justification, opened_at, \
             window_ends_at, uses, refused, status, reviewed_by, reviewed_at, review_note"
        )
    };
}
pub(crate) use alert_columns;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("unreadable {what}"))
}

fn parse_uuid(s: &str, what: &str) -> Result<Uuid, StoreError> {
    s.parse().map_err(|_| corrupt(what))
}

fn parse_subject(s: &str) -> Result<CcisId, StoreError> {
    CcisId::parse(s).map_err(|_| corrupt("subject CCIS id"))
}

fn parse_given_by(s: &str) -> Result<GivenBy, StoreError> {
    GivenBy::parse(s).ok_or_else(|| corrupt("given-by"))
}

/// The stored name of an alert status.
pub(crate) fn alert_status_str(status: AlertStatus) -> &'static str {
    match status {
        AlertStatus::Open => "open",
        AlertStatus::Reviewed => "reviewed",
    }
}

fn parse_alert_status(s: &str) -> Result<AlertStatus, StoreError> {
    match s {
        "open" => Ok(AlertStatus::Open),
        "reviewed" => Ok(AlertStatus::Reviewed),
        _ => Err(corrupt("alert status")),
    }
}

/// A recipient as its two columns: (agency kind, partner id), exactly one set.
pub(crate) fn recipient_columns(
    recipient: &ConsentRecipient,
) -> (Option<&'static str>, Option<&str>) {
    match recipient {
        ConsentRecipient::AgencyKind(kind) => (Some(kind.as_str()), None),
        ConsentRecipient::Partner(partner) => (None, Some(partner.as_str())),
    }
}

/// A timestamp as the store keeps it: UTC, whole microseconds (the precision both databases
/// keep), so what an insert returns equals what a later read returns on either backend.
pub(crate) fn stored_time(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

const SQLITE_TIME: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// A timestamp as SQLite stores it: [`stored_time`] as fixed-width text, so that text order
/// is time order. (sqlx's own encoding is RFC 3339 with trailing fraction zeros trimmed and a
/// `Z` suffix, whose text order is not time order: "12:00:00Z" sorts after "12:00:00.5Z".)
/// sqlx reads it back as RFC 3339.
pub(crate) fn sqlite_time(t: OffsetDateTime) -> Result<String, StoreError> {
    let t = stored_time(t);
    if !(0..=9999).contains(&t.year()) {
        return Err(StoreError::Corrupt(
            "a time outside the years 0 to 9999 cannot be stored".into(),
        ));
    }
    t.format(SQLITE_TIME)
        .map_err(|_| StoreError::Corrupt("a time could not be formatted for storage".into()))
}

/// The serialisation a record is stored as, and compared by.
pub(crate) fn record_json(record: &YoungPerson) -> Result<String, StoreError> {
    serde_json::to_string(record)
        .map_err(|_| StoreError::Corrupt("a young person record could not be serialised".into()))
}

/// A stored record. The serde error is not passed on: it may quote the stored value.
pub(crate) fn parse_record(json: &str) -> Result<YoungPerson, StoreError> {
    serde_json::from_str(json).map_err(|_| corrupt("young person record"))
}

/// Records per upsert statement.
const BATCH: usize = 1000;

/// Up to [`BATCH`] records of an upsert, serialised, with distinct CCIS ids.
#[derive(Debug, Default)]
pub(crate) struct UpsertBatch {
    pub ids: Vec<String>,
    pub records: Vec<String>,
}

impl UpsertBatch {
    pub fn len(&self) -> u64 {
        self.ids.len() as u64
    }

    /// Adds what writing this batch did to `counts`: `existing` of its ids were stored before
    /// the write, and the write inserted or changed `written` rows (an unchanged row is not
    /// written, so it is not counted).
    pub fn tally(&self, counts: &mut UpsertCounts, existing: i64, written: u64) {
        let existing = u64::try_from(existing).unwrap_or(0).min(self.len());
        let inserted = self.len() - existing;
        let updated = written.saturating_sub(inserted).min(existing);
        counts.inserted += inserted;
        counts.updated += updated;
        counts.unchanged += existing - updated;
    }
}

/// Splits records into [`UpsertBatch`]es. A CCIS id repeated within a batch starts a new
/// batch, so a batch can be judged against what was stored before it, one statement never
/// touches a row twice (PostgreSQL refuses that), and applying the batches in order gives
/// what applying the records one by one would: the last wins.
pub(crate) fn upsert_batches(
    records: &[YoungPerson],
) -> impl Iterator<Item = Result<UpsertBatch, StoreError>> + '_ {
    let mut rest = records;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut seen = HashSet::new();
        let mut batch = UpsertBatch::default();
        for record in rest.iter().take(BATCH) {
            if !seen.insert(record.ccis_id.as_str()) {
                break;
            }
            match record_json(record) {
                Ok(json) => {
                    batch.ids.push(record.ccis_id.as_str().to_owned());
                    batch.records.push(json);
                }
                Err(err) => {
                    rest = &[];
                    return Some(Err(err));
                }
            }
        }
        rest = rest.get(batch.ids.len()..).unwrap_or_default();
        Some(Ok(batch))
    })
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConsentRow {
    id: String,
    subject: String,
    given_by: String,
    method: String,
    given_at: OffsetDateTime,
    purposes: Json<Vec<String>>,
    recipient_agency_kind: Option<String>,
    recipient_partner: Option<String>,
    categories: Json<Vec<String>>,
    valid_from: Date,
    valid_until: Option<Date>,
    recorded_by: String,
    recorded_at: OffsetDateTime,
    withdrawn_at: Option<OffsetDateTime>,
    withdrawn_by: Option<String>,
}

impl TryFrom<ConsentRow> for Consent {
    type Error = StoreError;
    fn try_from(r: ConsentRow) -> Result<Self, StoreError> {
        let recipient = match (r.recipient_agency_kind, r.recipient_partner) {
            (Some(kind), None) => ConsentRecipient::AgencyKind(
                kind.parse().map_err(|_| corrupt("consent recipient"))?,
            ),
            (None, Some(partner)) => ConsentRecipient::Partner(
                PartnerId::parse(&partner).map_err(|_| corrupt("consent recipient"))?,
            ),
            _ => return Err(corrupt("consent recipient")),
        };
        Ok(Consent {
            id: parse_uuid(&r.id, "consent id")?,
            subject: parse_subject(&r.subject)?,
            given_by: parse_given_by(&r.given_by)?,
            method: ConsentMethod::parse(&r.method).ok_or_else(|| corrupt("consent method"))?,
            given_at: r.given_at,
            purposes: r.purposes.0,
            recipient,
            categories: r.categories.0,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
            withdrawn_at: r.withdrawn_at,
            withdrawn_by: r.withdrawn_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ObjectionRow {
    id: String,
    subject: String,
    raised_by: String,
    raised_at: OffsetDateTime,
    recorded_by: String,
    recorded_at: OffsetDateTime,
    withdrawn_at: Option<OffsetDateTime>,
    withdrawn_by: Option<String>,
}

impl TryFrom<ObjectionRow> for Objection {
    type Error = StoreError;
    fn try_from(r: ObjectionRow) -> Result<Self, StoreError> {
        Ok(Objection {
            id: parse_uuid(&r.id, "objection id")?,
            subject: parse_subject(&r.subject)?,
            raised_by: parse_given_by(&r.raised_by)?,
            raised_at: r.raised_at,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
            withdrawn_at: r.withdrawn_at,
            withdrawn_by: r.withdrawn_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CompetenceRow {
    id: String,
    subject: String,
    competent: bool,
    assessed_on: Date,
    assessed_by: String,
    recorded_at: OffsetDateTime,
}

impl TryFrom<CompetenceRow> for CompetenceAssessment {
    type Error = StoreError;
    fn try_from(r: CompetenceRow) -> Result<Self, StoreError> {
        Ok(CompetenceAssessment {
            id: parse_uuid(&r.id, "competence assessment id")?,
            subject: parse_subject(&r.subject)?,
            competent: r.competent,
            assessed_on: r.assessed_on,
            assessed_by: r.assessed_by,
            recorded_at: r.recorded_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AlertRow {
    id: String,
    partner: String,
    officer: String,
    role: String,
    exchange: String,
    subject_pseudonym: String,
    justification: String,
    opened_at: OffsetDateTime,
    window_ends_at: OffsetDateTime,
    uses: i64,
    refused: bool,
    status: String,
    reviewed_by: Option<String>,
    reviewed_at: Option<OffsetDateTime>,
    review_note: Option<String>,
}

impl TryFrom<AlertRow> for Alert {
    type Error = StoreError;
    fn try_from(r: AlertRow) -> Result<Self, StoreError> {
        Ok(Alert {
            id: parse_uuid(&r.id, "alert id")?,
            partner: PartnerId::parse(&r.partner).map_err(|_| corrupt("alert partner"))?,
            officer: r.officer,
            role: r.role,
            exchange: r.exchange,
            subject_pseudonym: r.subject_pseudonym,
            justification: r.justification,
            opened_at: r.opened_at,
            window_ends_at: r.window_ends_at,
            uses: r.uses,
            refused: r.refused,
            status: parse_alert_status(&r.status)?,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            review_note: r.review_note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sqlite_time_sorts_as_text() {
        let times = [
            datetime!(2026-01-01 12:00:00 UTC),
            datetime!(2026-01-01 12:00:00.45 UTC),
            datetime!(2026-01-01 12:00:00.5 UTC),
            datetime!(2026-01-01 12:00:00.500001 UTC),
            datetime!(2026-01-01 13:00:00.1 +02:00),
            datetime!(2026-01-01 12:00:01 UTC),
        ];
        let texts: Vec<String> = times.iter().map(|t| sqlite_time(*t).unwrap()).collect();
        assert_eq!(texts[0], "2026-01-01T12:00:00.000000Z");
        assert_eq!(texts[4], "2026-01-01T11:00:00.100000Z");
        let mut sorted = texts.clone();
        sorted.sort();
        let mut by_time = times.to_vec();
        by_time.sort();
        let expected: Vec<String> = by_time.iter().map(|t| sqlite_time(*t).unwrap()).collect();
        assert_eq!(sorted, expected);
        for (text, time) in texts.iter().zip(times) {
            let back = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .unwrap();
            assert_eq!(back, stored_time(time));
        }
    }

    #[test]
    fn batches_split_at_repeated_ids_and_tally() {
        let people: Vec<YoungPerson> = gateway_domain::synthetic::cohort(
            7,
            3,
            time::macros::date!(2026 - 01 - 01),
            gateway_domain::LaCode::parse("886").unwrap(),
        )
        .collect();
        let input = vec![
            people[0].clone(),
            people[1].clone(),
            people[0].clone(),
            people[2].clone(),
        ];
        let batches: Vec<UpsertBatch> = upsert_batches(&input).map(|b| b.unwrap()).collect();
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].len(), 2);
        assert_eq!(batches[1].len(), 2);
        assert!(upsert_batches(&[]).next().is_none());

        let mut counts = UpsertCounts::default();
        // Three ids, one stored before, which changed; two new.
        let batch = UpsertBatch {
            ids: vec!["a".into(), "b".into(), "c".into()],
            records: vec![String::new(); 3],
        };
        batch.tally(&mut counts, 1, 3);
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 2,
                updated: 1,
                unchanged: 0
            }
        );
        batch.tally(&mut counts, 3, 0);
        assert_eq!(counts.unchanged, 3);
    }
}
