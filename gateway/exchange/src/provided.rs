//! Answers given by a partner's own service (an upstream provider) rather than built from the
//! local record. They go through the same minimisation as local answers; before that, this
//! module checks them against the same typed answer the local builder produces.
//!
//! Guarantees: a provided answer that is accepted has exactly the shape and code lists of a
//! local answer (so partners cannot tell, and a provider cannot smuggle free text into a
//! coded field); fields no table names are dropped unread (they could never leave anyway);
//! the special category the answer's own code reveals is reported, so the code field
//! follows that category's decision exactly as for a local answer.
//!
//! Not guaranteed: that the provider's answer is true. It is the provider's to give.

use gateway_adapters::jcp::RegistrationConfirmation;
use gateway_adapters::ssda903::CareLeaverReturn;
use gateway_adapters::yot::EetStatusAnswer;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::exchanges::{Exchange, activ_special, nccis_special};

/// A provider's answer, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvidedAnswer {
    /// The answer in the gateway's own serialisation, before minimisation.
    pub answer: Map<String, Value>,
    /// The special category its code field reveals (`health`, `pregnancy`), if any.
    pub special: Option<&'static str>,
}

/// Why a provider's answer was refused. Carries no value from the answer: it may be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the provider's answer is not a valid answer of this exchange")]
pub struct BadAnswer;

impl Exchange {
    /// Checks a provider's answer to this exchange (see the module docs).
    pub fn provided_answer(self, raw: Map<String, Value>) -> Result<ProvidedAnswer, BadAnswer> {
        let table = self.field_categories();
        let known: Map<String, Value> = raw
            .into_iter()
            .filter(|(field, _)| table.iter().any(|(f, _)| f == field))
            .collect();
        let known = Value::Object(known);
        match self {
            Exchange::EetStatus => {
                let typed: EetStatusAnswer = typed(known)?;
                let special = typed.activity_code.and_then(nccis_special);
                canonical(&typed, special)
            }
            Exchange::BenefitRegistration => {
                let typed: RegistrationConfirmation = typed(known)?;
                let special = typed.current_activity.and_then(nccis_special);
                canonical(&typed, special)
            }
            Exchange::CareLeaverStatus => {
                let typed: CareLeaverReturn = typed(known)?;
                let special = typed.activ.and_then(activ_special);
                canonical(&typed, special)
            }
        }
    }
}

fn typed<T: DeserializeOwned>(value: Value) -> Result<T, BadAnswer> {
    // The serde error is dropped on purpose: its text can quote the provider's values.
    serde_json::from_value(value).map_err(|_| BadAnswer)
}

fn canonical<T: Serialize>(
    typed: &T,
    special: Option<&'static str>,
) -> Result<ProvidedAnswer, BadAnswer> {
    match serde_json::to_value(typed) {
        Ok(Value::Object(answer)) => Ok(ProvidedAnswer { answer, special }),
        _ => Err(BadAnswer),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn unknown_fields_are_dropped_and_known_ones_kept() {
        let raw = object(json!({
            "in_touch": "REFU", "activ": "F2", "currency": "current",
            "given_name": "Someone", "case_notes": "free text",
        }));
        let got = Exchange::CareLeaverStatus.provided_answer(raw).unwrap();
        assert_eq!(
            Value::Object(got.answer),
            json!({ "in_touch": "REFU", "activ": "F2", "currency": "current" })
        );
        assert_eq!(got.special, None);
    }

    #[test]
    fn the_code_field_reveals_its_special_category() {
        let g6 = object(json!({ "in_touch": "YES", "activ": "G6", "currency": "current" }));
        let got = Exchange::CareLeaverStatus.provided_answer(g6).unwrap();
        assert_eq!(got.special, Some("pregnancy"));
        let ill = object(json!({
            "activity_code": 640, "activity_group": "neet_inactive",
            "date_verified": "2026-01-05", "currency": "current", "ete": "not_in_ete",
        }));
        let got = Exchange::EetStatus.provided_answer(ill).unwrap();
        assert_eq!(got.special, Some("health"));
    }

    #[test]
    fn values_outside_the_code_lists_or_missing_fields_are_refused() {
        for raw in [
            json!({ "in_touch": "MAYBE", "activ": "F2", "currency": "current" }),
            json!({ "in_touch": "YES", "activ": "Z9", "currency": "current" }),
            json!({ "in_touch": "YES", "activ": 4, "currency": "current" }),
            json!({ "activ": "F2", "currency": "current" }),
        ] {
            assert_eq!(
                Exchange::CareLeaverStatus.provided_answer(object(raw)),
                Err(BadAnswer)
            );
        }
        // JCP's invariant holds for provided answers too: Y needs a date.
        let raw = object(
            json!({ "registered": "Y", "registration_date": null, "current_activity": 619 }),
        );
        assert_eq!(
            Exchange::BenefitRegistration.provided_answer(raw),
            Err(BadAnswer)
        );
    }
}
