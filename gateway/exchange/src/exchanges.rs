//! The exchanges: what each one answers, field by field, and the data category each field
//! belongs to. Minimisation is then one rule for all of them: a field leaves only if its
//! category was permitted, and a field no table names never leaves (fail closed).
//!
//! Adding an exchange: a variant here with its answer builder and field table, an action in
//! `policies/schema.cedarschema`, its categories in `policies/categories.json`, its lines
//! in `policies/exchanges.cedar`, and a route.

use gateway_adapters::jcp::RegistrationConfirmation;
use gateway_adapters::ssda903::care_leaver_return;
use gateway_adapters::yot::EetStatusAnswer;
use gateway_domain::{CurrencyWindows, YoungPerson};
use serde_json::{Map, Value};
use time::Date;

/// The exchanges answered from the local record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// YOT: is this young person in suitable education, employment or training?
    EetStatus,
    /// Jobcentre Plus: has this 16/17 year old registered with the LA?
    BenefitRegistration,
    /// Leaving-care team: what is this care leaver doing?
    CareLeaverStatus,
}

/// Why an exchange has no answer for a matched person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotApplicable {
    #[error("the young person is not recorded as a care leaver")]
    NotACareLeaver,
    #[error("the answer could not be built")]
    Unshapeable,
    /// An upstream provider answered that it has no answer for this young person.
    #[error("the provider has no answer for the young person")]
    NoAnswer,
}

impl Exchange {
    pub const ALL: &'static [Exchange] = &[
        Exchange::EetStatus,
        Exchange::BenefitRegistration,
        Exchange::CareLeaverStatus,
    ];

    /// The Cedar action id and the path segment.
    pub fn name(self) -> &'static str {
        match self {
            Exchange::EetStatus => "eet-status",
            Exchange::BenefitRegistration => "benefit-registration",
            Exchange::CareLeaverStatus => "care-leaver-status",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Exchange::ALL.iter().copied().find(|e| e.name() == name)
    }

    /// Which category each answer field belongs to.
    pub fn field_categories(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Exchange::EetStatus => &[
                ("activity_code", "activity"),
                ("activity_group", "activity"),
                ("date_verified", "activity"),
                ("currency", "activity"),
                ("ete", "ete_suitability"),
                ("send", "send"),
            ],
            Exchange::BenefitRegistration => &[
                ("registered", "registration"),
                ("registration_date", "registration"),
                ("current_activity", "activity"),
            ],
            Exchange::CareLeaverStatus => &[
                ("in_touch", "care_status"),
                ("activ", "activity"),
                ("currency", "activity"),
            ],
        }
    }

    /// The whole answer for `person`, before minimisation.
    pub fn full_answer(
        self,
        person: &YoungPerson,
        windows: &CurrencyWindows,
        today: Date,
    ) -> Result<Map<String, Value>, NotApplicable> {
        let value = match self {
            Exchange::EetStatus => {
                serde_json::to_value(EetStatusAnswer::from_record(person, windows, today, true))
            }
            Exchange::BenefitRegistration => serde_json::to_value(
                RegistrationConfirmation::from_record(person, windows, today),
            ),
            Exchange::CareLeaverStatus => serde_json::to_value(
                care_leaver_return(person, windows, today)
                    .map_err(|_| NotApplicable::NotACareLeaver)?,
            ),
        };
        match value {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(NotApplicable::Unshapeable),
        }
    }

    /// The fields that carry the activity code itself (as NCCIS or SSDA903 code).
    pub(crate) fn code_fields(self) -> &'static [&'static str] {
        match self {
            Exchange::EetStatus => &["activity_code"],
            Exchange::BenefitRegistration => &["current_activity"],
            Exchange::CareLeaverStatus => &["activ"],
        }
    }

    /// The special category (UK GDPR Art. 9) the reported activity code itself reveals:
    /// 640 illness → `health`, 650 pregnancy → `pregnancy`; for SSDA903, G4 → `health` and
    /// G6 (pregnancy or parenting) → `pregnancy`. The code field then belongs to that
    /// category instead of `activity`, so it leaves only if the policy permits that category
    /// (explicit consent, and an exchange that carries it). The activity group does not
    /// reveal it and stays under `activity`.
    pub fn special_category(
        self,
        person: &YoungPerson,
        windows: &CurrencyWindows,
        today: Date,
    ) -> Option<&'static str> {
        let code = person
            .current_currency(windows, today)
            .and_then(|c| c.reported_code())?;
        match self {
            Exchange::EetStatus | Exchange::BenefitRegistration => nccis_special(code),
            Exchange::CareLeaverStatus => {
                gateway_adapters::ssda903::activ_for(code).and_then(activ_special)
            }
        }
    }

    /// Every special category an answer of this exchange can reveal through its code field
    /// (see [`Exchange::special_category`]).
    pub const SPECIAL_CATEGORIES: &'static [&'static str] = &["health", "pregnancy"];

    /// Keeps the fields whose category is permitted; drops everything else. `special` is
    /// what [`Exchange::special_category`] said about this answer.
    pub fn minimise(
        self,
        full: Map<String, Value>,
        permitted: &[&str],
        special: Option<&str>,
    ) -> Map<String, Value> {
        let table = self.field_categories();
        let code_fields = self.code_fields();
        full.into_iter()
            .filter(|(field, _)| {
                let category = match special {
                    Some(special) if code_fields.contains(&field.as_str()) => Some(special),
                    _ => table.iter().find(|(f, _)| f == field).map(|(_, c)| *c),
                };
                category.is_some_and(|c| permitted.contains(&c))
            })
            .collect()
    }
}

/// The special category an NCCIS activity code reveals.
pub(crate) fn nccis_special(code: gateway_domain::ActivityCode) -> Option<&'static str> {
    use gateway_domain::ActivityCode;
    match code {
        ActivityCode::Illness => Some("health"),
        ActivityCode::Pregnancy => Some("pregnancy"),
        _ => None,
    }
}

/// The special category an SSDA903 ACTIV code reveals.
pub(crate) fn activ_special(activ: gateway_domain::Ssda903Activity) -> Option<&'static str> {
    use gateway_domain::Ssda903Activity;
    match activ {
        Ssda903Activity::NeetIllnessOrDisability => Some("health"),
        Ssda903Activity::NeetPregnancyOrParenting => Some("pregnancy"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use gateway_domain::LaCode;
    use gateway_domain::synthetic::cohort;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn people() -> Vec<YoungPerson> {
        cohort(7, 400, TODAY, LaCode::parse("886").unwrap()).collect()
    }

    #[test]
    fn every_answer_field_has_a_category() {
        // A field added to an adapter's answer without a category here would be silently
        // dropped; this makes the omission visible instead.
        for &exchange in Exchange::ALL {
            for person in people() {
                let Ok(full) = exchange.full_answer(&person, &CurrencyWindows::default(), TODAY)
                else {
                    continue;
                };
                for field in full.keys() {
                    assert!(
                        exchange.field_categories().iter().any(|(f, _)| f == field),
                        "{} field {field} has no category",
                        exchange.name()
                    );
                }
            }
        }
    }

    #[test]
    fn minimise_keeps_only_permitted_categories() {
        let person = people()
            .into_iter()
            .find(|p| p.current_activity().is_some())
            .unwrap();
        let full = Exchange::EetStatus
            .full_answer(&person, &CurrencyWindows::default(), TODAY)
            .unwrap();
        let only_activity =
            Exchange::EetStatus.minimise(full.clone(), &["identity", "activity"], None);
        let mut keys: Vec<&str> = only_activity.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "activity_code",
                "activity_group",
                "currency",
                "date_verified"
            ]
        );
        assert!(
            Exchange::EetStatus
                .minimise(full.clone(), &["identity"], None)
                .is_empty()
        );
        let with_send =
            Exchange::EetStatus.minimise(full, &["activity", "send", "ete_suitability"], None);
        assert!(with_send.contains_key("send") && with_send.contains_key("ete"));
    }

    #[test]
    fn an_illness_or_pregnancy_code_leaves_only_with_its_own_category() {
        use gateway_domain::{Activity, ActivityCode};
        let windows = CurrencyWindows::default();
        for (code, category) in [
            (ActivityCode::Pregnancy, "pregnancy"),
            (ActivityCode::Illness, "health"),
        ] {
            let mut person = people().into_iter().next().unwrap();
            let verified = TODAY - time::Duration::days(10);
            person.activities = vec![Activity::new(code, verified, verified, verified)];
            for &exchange in &[Exchange::EetStatus, Exchange::BenefitRegistration] {
                let special = exchange.special_category(&person, &windows, TODAY);
                assert_eq!(special, Some(category));
                let full = exchange.full_answer(&person, &windows, TODAY).unwrap();
                let answer = exchange.minimise(
                    full.clone(),
                    &["identity", "activity", "registration"],
                    special,
                );
                let code_field = exchange.code_fields()[0];
                assert!(
                    !answer.contains_key(code_field),
                    "{code:?} leaked to {}",
                    exchange.name()
                );
                let with_consent = exchange.minimise(full, &["activity", category], special);
                assert!(with_consent.contains_key(code_field));
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for &e in Exchange::ALL {
            assert_eq!(Exchange::from_name(e.name()), Some(e));
        }
        assert_eq!(Exchange::from_name("transfer"), None);
    }
}
