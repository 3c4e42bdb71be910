//! Youth Offending Team (YOT) EET status: the request a YOT sends and the
//! answer the gateway returns (Crime and Disorder Act 1998 s.115; YJB KPI on
//! suitable education, training or employment).
//!
//! Both are JSON with `deny_unknown_fields`; parse with
//! [`EetStatusRequest::from_json`] / [`EetStatusAnswer::from_json`] for
//! bounded input and errors that never echo values.
//!
//! # "Suitable ETE"
//!
//! The YJB measures whether a child is in *suitable* education, training or
//! employment, historically in terms of hours appropriate to age (figures
//! of 25 hours a week of school-age education and 16 hours above school age
//! are commonly cited, but could not be verified from a primary source
//! here). CCIS records no hours, so this module defines suitability from
//! the current, non-lapsed activity code ([`ete_suitability`]):
//!
//! - **suitable**: 110 (on a school roll), any full-time code of the
//!   education, employment and training groups (2xx, 3xx, 4xx) and 530
//!   re-engagement provision (which DfE counts as participating);
//! - **part_time_only**: 250 part-time education, 360 part-time employment,
//!   550 working not for reward with part-time study;
//! - **not_in_ete**: NEET codes (540-680 except 550), 130 custodial sentence
//!   and 140 not on a school roll (pre-16), 260 gap year, 710 custody and 720
//!   refugee/asylum seeker;
//! - **not_known**: no activity, a lapsed activity, 150 and 8xx, and 120
//!   elective home education (whose suitability is the LA's judgement,
//!   which CCIS does not record).
//!
//! The SEND flag is in the answer only when the caller says consent allows
//! it ([`EetStatusAnswer::from_record`]'s `include_send`).

use std::fmt;

use gateway_domain::{
    ActivityCode, ActivityGroup, Currency, CurrencyWindows, Postcode, SubjectRef, YoungPerson,
    dates,
};
use serde::{Deserialize, Serialize};
use time::Date;

use crate::json::{JsonError, from_slice};

/// Who the request is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Subject {
    /// `{"identifier": {"upn": "..."}}` (or `uln`, `ccis_id`, `nino`).
    Identifier(SubjectRef),
    /// `{"demographics": {...}}` for subject matching.
    Demographics(Demographics),
}

/// Demographic details for matching. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demographics {
    pub given_name: String,
    pub family_name: String,
    #[serde(with = "dates::iso")]
    pub date_of_birth: Date,
    #[serde(default)]
    pub postcode: Option<Postcode>,
}

impl fmt::Debug for Demographics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Demographics(<redacted>)")
    }
}

/// Why the YOT asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YotPurpose {
    /// Case management: assessment, planning and review of a supervised child.
    CaseManagement,
    /// The YJB key performance indicator return on suitable ETE.
    KpiReturn,
    /// A pre-sentence or other report to court.
    CourtReport,
}

/// The YOT's case reference: 1-32 characters from `A-Z a-z 0-9 / - _`.
/// It must not be a personal identifier; a value that parses as a NINO, NHS
/// number, UPN or ULN is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseReference(String);

impl TryFrom<String> for CaseReference {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let ok = (1..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_'));
        if !ok {
            return Err("case_reference must be 1-32 characters of A-Z, a-z, 0-9, '/', '-', '_'");
        }
        let looks_like_id = gateway_domain::Nino::parse(&s).is_ok()
            || gateway_domain::NhsNumber::parse(&s).is_ok()
            || gateway_domain::Upn::parse(&s).is_ok()
            || gateway_domain::Uln::parse(&s).is_ok();
        if looks_like_id {
            return Err("case_reference must not be a personal identifier");
        }
        Ok(CaseReference(s))
    }
}

impl From<CaseReference> for String {
    fn from(c: CaseReference) -> String {
        c.0
    }
}

impl CaseReference {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// "Is this young person in education, employment or training?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EetStatusRequest {
    pub subject: Subject,
    pub purpose: YotPurpose,
    pub case_reference: CaseReference,
}

impl EetStatusRequest {
    pub fn from_json(bytes: &[u8]) -> Result<Self, JsonError> {
        from_slice(bytes)
    }
}

/// Currency of the activity behind the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrencyState {
    Current,
    Lapsed,
    /// No activity recorded.
    None,
}

/// Whether the young person is in suitable ETE (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EteSuitability {
    Suitable,
    PartTimeOnly,
    NotInEte,
    NotKnown,
}

/// Suitability for a current (not lapsed) activity code.
pub fn ete_suitability(code: ActivityCode) -> EteSuitability {
    use ActivityCode as A;
    match code {
        A::PartTimeEducation | A::PartTimeEmployment | A::WorkingNotForRewardWithStudy => {
            EteSuitability::PartTimeOnly
        }
        A::RegisteredAtSchool => EteSuitability::Suitable,
        A::EducatedAtHome | A::NotKnownPre16 => EteSuitability::NotKnown,
        A::CustodialSentence | A::NotRegisteredAtSchool | A::GapYear => EteSuitability::NotInEte,
        c => match c.group() {
            ActivityGroup::Education
            | ActivityGroup::Employment
            | ActivityGroup::Training
            | ActivityGroup::ReEngagement => EteSuitability::Suitable,
            ActivityGroup::NeetActive | ActivityGroup::NeetInactive | ActivityGroup::Other => {
                EteSuitability::NotInEte
            }
            ActivityGroup::Pre16 | ActivityGroup::NotKnown => EteSuitability::NotKnown,
        },
    }
}

/// The answer to a YOT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EetStatusAnswer {
    /// The current activity; `null` when not known (none, or lapsed).
    pub activity_code: Option<ActivityCode>,
    /// Its group; `not_known` when lapsed or none.
    pub activity_group: ActivityGroup,
    /// When the activity was last verified (also for a lapsed one: it says
    /// how stale the record is, not what the activity was).
    #[serde(with = "dates::iso::option")]
    pub date_verified: Option<Date>,
    pub currency: CurrencyState,
    pub ete: EteSuitability,
    /// SEND (SEN support or EHC plan); present only with consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<bool>,
}

impl EetStatusAnswer {
    /// The answer for `p` on `today`. `include_send` must only be true when
    /// consent for the SEND flag is in force (the policy layer decides).
    pub fn from_record(
        p: &YoungPerson,
        windows: &CurrencyWindows,
        today: Date,
        include_send: bool,
    ) -> Self {
        let state = p.current_currency(windows, today);
        let (currency_state, date_verified) = match state {
            None => (CurrencyState::None, None),
            Some(Currency::Current { date_verified, .. }) => {
                (CurrencyState::Current, Some(date_verified))
            }
            Some(Currency::Lapsed { last_verified }) => {
                (CurrencyState::Lapsed, Some(last_verified))
            }
        };
        let code = state.and_then(|c| c.reported_code());
        EetStatusAnswer {
            activity_code: code,
            activity_group: code.map_or(ActivityGroup::NotKnown, ActivityCode::group),
            date_verified,
            currency: currency_state,
            ete: code.map_or(EteSuitability::NotKnown, ete_suitability),
            send: include_send.then(|| p.send.has_send()),
        }
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, JsonError> {
        from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_domain::{Activity, LaCode, synthetic::cohort};
    use time::macros::date;

    const TODAY: Date = date!(2025 - 03 - 15);

    #[test]
    fn suitability_covers_every_code() {
        for &c in ActivityCode::ALL {
            let s = ete_suitability(c);
            if c.is_neet() && c != ActivityCode::WorkingNotForRewardWithStudy {
                assert_eq!(s, EteSuitability::NotInEte, "{c}");
            }
            if c.group() == ActivityGroup::NotKnown {
                assert_eq!(s, EteSuitability::NotKnown, "{c}");
            }
        }
        assert_eq!(
            ete_suitability(ActivityCode::Apprenticeship),
            EteSuitability::Suitable
        );
        assert_eq!(
            ete_suitability(ActivityCode::ReEngagementProvision),
            EteSuitability::Suitable
        );
        assert_eq!(
            ete_suitability(ActivityCode::PartTimeEmployment),
            EteSuitability::PartTimeOnly
        );
        assert_eq!(
            ete_suitability(ActivityCode::CustodyYoungAdultOffender),
            EteSuitability::NotInEte
        );
    }

    #[test]
    fn request_round_trip_and_refusals() {
        let json = r#"{"subject":{"identifier":{"upn":"H801200001001"}},"purpose":"case_management","case_reference":"YOT/2025-001"}"#;
        let r = EetStatusRequest::from_json(json.as_bytes()).unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
        let demo = r#"{"subject":{"demographics":{"given_name":"Amy","family_name":"Smith","date_of_birth":"2008-06-01","postcode":"ME14 1XQ"}},"purpose":"kpi_return","case_reference":"K1"}"#;
        let r = EetStatusRequest::from_json(demo.as_bytes()).unwrap();
        assert!(!format!("{r:?}").contains("Amy"));
        for bad in [
            r#"{"subject":{"identifier":{"upn":"H801200001001"}},"purpose":"case_management","case_reference":"K1","nino":"AB123456C"}"#,
            r#"{"subject":{"demographics":{"given_name":"Amy","family_name":"Smith","date_of_birth":"2008-06-01","phone":"1"}},"purpose":"kpi_return","case_reference":"K1"}"#,
            r#"{"subject":{"identifier":{"upn":"H801200001001"}},"purpose":"curiosity","case_reference":"K1"}"#,
            r#"{"subject":{"identifier":{"upn":"H801200001001"}},"purpose":"kpi_return","case_reference":"AB123456C"}"#,
            r#"{"subject":{"identifier":{"upn":"A801200001001"}},"purpose":"kpi_return","case_reference":"K1"}"#,
        ] {
            let e = EetStatusRequest::from_json(bad.as_bytes()).unwrap_err();
            let m = e.to_string();
            assert!(
                !m.contains("AB123456C")
                    && !m.contains("curiosity")
                    && !m.contains("A801200001001"),
                "{m}"
            );
        }
    }

    #[test]
    fn answer_from_record() {
        let mut p = cohort(3, 1, TODAY, LaCode::parse("886").unwrap())
            .next()
            .unwrap();
        let d = date!(2025 - 01 - 10);
        p.activities = vec![Activity::new(ActivityCode::Apprenticeship, d, d, d)];
        let w = CurrencyWindows::default();
        let a = EetStatusAnswer::from_record(&p, &w, TODAY, false);
        assert_eq!(a.ete, EteSuitability::Suitable);
        assert_eq!(a.send, None);
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains("send"));
        assert_eq!(EetStatusAnswer::from_json(json.as_bytes()).unwrap(), a);
        let lapsed = EetStatusAnswer::from_record(&p, &w, date!(2026 - 02 - 01), true);
        assert_eq!(lapsed.activity_code, None);
        assert_eq!(lapsed.activity_group, ActivityGroup::NotKnown);
        assert_eq!(lapsed.currency, CurrencyState::Lapsed);
        assert_eq!(lapsed.ete, EteSuitability::NotKnown);
        assert_eq!(lapsed.send, Some(p.send.has_send()));
    }
}
