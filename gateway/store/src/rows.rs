//! Rows as both backends return them, and their conversion into model types.
//!
//! Column types are chosen so one row type decodes from either database: JSON arrays as
//! `Json<Vec<String>>` (TEXT in SQLite, JSONB in PostgreSQL), times as `OffsetDateTime`.

use sqlx::types::Json;
use time::{Date, OffsetDateTime};

use crate::StoreError;
use crate::model::{Agreement, Partner, PartnerId};

/// The partner columns, as a literal so statements built with `concat!` stay static SQL.
macro_rules! partner_columns {
    () => {
        "id, display_name, agency_kind, la_code, status, cert_san_uri, cert_subject, \
         cert_fingerprints, token_issuer, token_algorithm, token_keys, created_at, updated_at"
    };
}
pub(crate) use partner_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct PartnerRow {
    id: String,
    display_name: String,
    agency_kind: String,
    la_code: Option<String>,
    status: String,
    cert_san_uri: Option<String>,
    cert_subject: Option<String>,
    cert_fingerprints: Json<Vec<String>>,
    token_issuer: String,
    token_algorithm: String,
    token_keys: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("unreadable {what}"))
}

impl TryFrom<PartnerRow> for Partner {
    type Error = StoreError;
    fn try_from(r: PartnerRow) -> Result<Self, StoreError> {
        Ok(Partner {
            id: PartnerId::parse(&r.id).map_err(|_| corrupt("partner id"))?,
            display_name: r.display_name,
            agency_kind: r.agency_kind.parse().map_err(|_| corrupt("agency kind"))?,
            la_code: r.la_code,
            status: r.status.parse().map_err(|_| corrupt("partner status"))?,
            cert_san_uri: r.cert_san_uri,
            cert_subject: r.cert_subject,
            cert_fingerprints: r.cert_fingerprints.0,
            token_issuer: r.token_issuer,
            token_algorithm: r
                .token_algorithm
                .parse()
                .map_err(|_| corrupt("token algorithm"))?,
            token_keys: r.token_keys,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AgreementRow {
    id: String,
    reference: String,
    title: String,
    parties: Json<Vec<String>>,
    exchanges: Json<Vec<String>>,
    purposes: Json<Vec<String>>,
    data_categories: Json<Vec<String>>,
    lawful_basis: String,
    starts_on: Date,
    review_on: Date,
    ends_on: Option<Date>,
    created_at: OffsetDateTime,
}

impl TryFrom<AgreementRow> for Agreement {
    type Error = StoreError;
    fn try_from(r: AgreementRow) -> Result<Self, StoreError> {
        Ok(Agreement {
            id: r.id.parse().map_err(|_| corrupt("agreement id"))?,
            reference: r.reference,
            title: r.title,
            parties: r.parties.0,
            exchanges: r.exchanges.0,
            purposes: r.purposes.0,
            data_categories: r.data_categories.0,
            lawful_basis: r
                .lawful_basis
                .parse()
                .map_err(|_| corrupt("lawful basis"))?,
            starts_on: r.starts_on,
            review_on: r.review_on,
            ends_on: r.ends_on,
            created_at: r.created_at,
        })
    }
}

/// Current time truncated to microseconds, the precision both databases keep, so that what
/// is returned after an insert equals what a later read returns.
pub(crate) fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}
