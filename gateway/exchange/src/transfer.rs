//! The record a cross-border transfer carries, field by field in data categories, and the
//! envelope it travels in between two authorities' gateways.
//!
//! The exporter builds [`TransferRecord::minimised`] from its record and the categories its
//! policy permitted; every field, activity and characteristic belongs to exactly one
//! category, and one that reveals special-category data (activity 640 illness and 650
//! pregnancy; characteristics 150, 180, 210; ethnicity) belongs to that category instead of
//! its ordinary one. With an objection in force only `identity` is permitted, so only name,
//! address and date of birth leave (ESA 2008 s.14(4)).
//!
//! The importer parses the envelope with unknown fields refused and every identifier and
//! code validated by its domain type, so a delivery it stores is a well-formed record of
//! only those categories. Absent fields of a withheld category are not "none": the envelope
//! says which categories were withheld.

use gateway_domain::{
    Activity, ActivityCode, Address, BenefitRegistration, CareLeaverStatus, CcisId, Characteristic,
    EstablishmentNumber, Gender, LaCode, LevelOfNeed, NhsNumber, Nino, SenProvision, Ukprn, Uln,
    Upn, YoungPerson,
};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// The transfer envelope: `POST /v1/transfers` on the importing gateway. Its bytes are
/// fixed when the transfer is queued and sent unchanged on every attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferEnvelope {
    /// Chosen by the exporter; the importer stores a transfer id once.
    pub transfer_id: Uuid,
    /// The exporting authority (LA code).
    pub from_la: LaCode,
    /// The importing authority (LA code); becomes the exporter's TransferredToLACode.
    pub to_la: LaCode,
    /// Categories whose fields are in `record`.
    pub released: Vec<String>,
    /// Categories of the transfer withheld by the exporter's policy.
    pub withheld: Vec<String>,
    pub record: TransferRecord,
}

/// The minimised record. Every field is optional: it is present only if its category was
/// released and the exporter holds a value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRecord {
    // identity
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(
        default,
        with = "gateway_domain::dates::iso::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_of_birth: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    // identifiers
    /// The exporter's YoungPersonsID, so the two authorities can refer to the same record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ccis_id: Option<CcisId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<Upn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uln: Option<Uln>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nino: Option<Nino>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<NhsNumber>,
    // demographics
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub la_at_year_11: Option<LaCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub educated_la: Option<LaCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub establishment_number: Option<EstablishmentNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ukprn: Option<Ukprn>,
    // ethnic_origin (special category)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    // activity, activity_history, health, pregnancy: each entry by its own category
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<Activity>,
    // registration
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefit_registration: Option<BenefitRegistration>,
    // care_status
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care: Option<CareLeaverStatus>,
    // send
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<SenProvision>,
    // characteristics, and the special categories for 150, 180, 210
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub characteristics: Vec<Characteristic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yot_supervised: Option<bool>,
    // level_of_need
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_of_need: Option<LevelOfNeed>,
}

/// The category of an activity entry: the code's special category if it reveals one, else
/// `activity` for the current entry and `activity_history` for the others.
pub fn activity_category(code: ActivityCode, current: bool) -> &'static str {
    match code {
        ActivityCode::Illness => "health",
        ActivityCode::Pregnancy => "pregnancy",
        _ if current => "activity",
        _ => "activity_history",
    }
}

/// The category of a characteristic (IC01): the special ones are their own category.
pub fn characteristic_category(c: Characteristic) -> &'static str {
    match c {
        Characteristic::SubstanceMisuse => "substance_misuse",
        Characteristic::Pregnant => "pregnancy",
        Characteristic::MentalHealth => "mental_health",
        _ => "characteristics",
    }
}

impl TransferRecord {
    /// The record with only the fields whose category is in `permitted`.
    pub fn minimised(person: &YoungPerson, permitted: &[&str]) -> TransferRecord {
        let has = |category: &str| permitted.contains(&category);
        let current = person.current_activity();
        let activities = person
            .activities
            .iter()
            .filter(|a| has(activity_category(a.code, current == Some(*a))))
            .cloned()
            .collect();
        let characteristics = person
            .characteristics
            .iter()
            .copied()
            .filter(|c| has(characteristic_category(*c)))
            .collect();
        TransferRecord {
            given_name: has("identity").then(|| person.given_name.clone()),
            middle_name: person.middle_name.clone().filter(|_| has("identity")),
            family_name: has("identity").then(|| person.family_name.clone()),
            date_of_birth: has("identity").then_some(person.date_of_birth),
            address: has("identity").then(|| person.address.clone()),
            source_ccis_id: has("identifiers").then(|| person.ccis_id.clone()),
            upn: person.upn.clone().filter(|_| has("identifiers")),
            uln: person.uln.clone().filter(|_| has("identifiers")),
            nino: person.nino.clone().filter(|_| has("identifiers")),
            nhs_number: person.nhs_number.clone().filter(|_| has("identifiers")),
            gender: has("demographics").then_some(person.gender),
            la_at_year_11: person.la_at_year_11.clone().filter(|_| has("demographics")),
            educated_la: person.educated_la.clone().filter(|_| has("demographics")),
            establishment_number: person
                .establishment_number
                .clone()
                .filter(|_| has("demographics")),
            ukprn: person.ukprn.clone().filter(|_| has("demographics")),
            ethnicity: person.ethnicity.clone().filter(|_| has("ethnic_origin")),
            activities,
            benefit_registration: person
                .benefit_registration
                .clone()
                .filter(|_| has("registration")),
            care: person.care.clone().filter(|_| has("care_status")),
            send: has("send").then_some(person.send),
            characteristics,
            yot_supervised: has("characteristics").then_some(person.yot_supervised),
            level_of_need: person.level_of_need.filter(|_| has("level_of_need")),
        }
    }

    /// The categories this record holds a value of (a check on a delivery: nothing of a
    /// category the envelope says was withheld).
    pub fn categories_present(&self) -> Vec<&'static str> {
        let mut present = Vec::new();
        let mut add = |c: &'static str, yes: bool| {
            if yes && !present.contains(&c) {
                present.push(c);
            }
        };
        add(
            "identity",
            self.given_name.is_some()
                || self.middle_name.is_some()
                || self.family_name.is_some()
                || self.date_of_birth.is_some()
                || self.address.is_some(),
        );
        add(
            "identifiers",
            self.source_ccis_id.is_some()
                || self.upn.is_some()
                || self.uln.is_some()
                || self.nino.is_some()
                || self.nhs_number.is_some(),
        );
        add(
            "demographics",
            self.gender.is_some()
                || self.la_at_year_11.is_some()
                || self.educated_la.is_some()
                || self.establishment_number.is_some()
                || self.ukprn.is_some(),
        );
        add("ethnic_origin", self.ethnicity.is_some());
        // An entry can only be judged "current" against the exporter's whole history, which
        // the importer may not have; either ordinary category counts as present.
        for a in &self.activities {
            match activity_category(a.code, true) {
                "activity" => add("activity", true),
                special => add(special, true),
            }
        }
        add("registration", self.benefit_registration.is_some());
        add("care_status", self.care.is_some());
        add("send", self.send.is_some());
        for c in &self.characteristics {
            add(characteristic_category(*c), true);
        }
        add("characteristics", self.yot_supervised.is_some());
        add("level_of_need", self.level_of_need.is_some());
        present
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use gateway_domain::synthetic;

    fn people() -> Vec<YoungPerson> {
        let today = Date::from_calendar_date(2026, time::Month::November, 24).unwrap();
        synthetic::cohort(7, 400, today, LaCode::parse("886").unwrap()).collect()
    }

    const ALL: &[&str] = &[
        "identity",
        "identifiers",
        "demographics",
        "ethnic_origin",
        "activity",
        "activity_history",
        "ete_suitability",
        "registration",
        "care_status",
        "send",
        "characteristics",
        "level_of_need",
        "health",
        "pregnancy",
        "substance_misuse",
        "mental_health",
        "sexual_health",
    ];

    #[test]
    fn identity_only_is_name_address_and_date_of_birth() {
        for person in people() {
            let record = TransferRecord::minimised(&person, &["identity"]);
            let json = serde_json::to_value(&record).unwrap();
            let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
            for key in keys {
                assert!(
                    [
                        "given_name",
                        "middle_name",
                        "family_name",
                        "date_of_birth",
                        "address"
                    ]
                    .contains(&key.as_str()),
                    "{key} left with identity only"
                );
            }
            assert_eq!(record.categories_present(), vec!["identity"]);
        }
    }

    #[test]
    fn special_codes_need_their_own_category() {
        let mut ordinary = ALL.to_vec();
        ordinary.retain(|c| {
            ![
                "health",
                "pregnancy",
                "substance_misuse",
                "mental_health",
                "ethnic_origin",
            ]
            .contains(c)
        });
        let mut seen_special = false;
        for person in people() {
            let record = TransferRecord::minimised(&person, &ordinary);
            assert!(
                record
                    .activities
                    .iter()
                    .all(|a| !a.code.is_special_category())
            );
            assert!(
                record
                    .characteristics
                    .iter()
                    .all(|c| !c.is_special_category())
            );
            assert!(record.ethnicity.is_none());
            seen_special |= person
                .characteristics
                .iter()
                .any(|c| c.is_special_category())
                || person
                    .activities
                    .iter()
                    .any(|a| a.code.is_special_category());
            let present = record.categories_present();
            for c in present {
                assert!(ordinary.contains(&c), "{c} present though withheld");
            }
        }
        assert!(
            seen_special,
            "the cohort has special-category data to withhold"
        );
    }

    #[test]
    fn everything_permitted_keeps_the_whole_record_and_round_trips() {
        for person in people() {
            let record = TransferRecord::minimised(&person, ALL);
            assert_eq!(record.activities.len(), person.activities.len());
            assert_eq!(record.characteristics, person.characteristics);
            assert_eq!(record.upn, person.upn);
            let json = serde_json::to_string(&record).unwrap();
            let back: TransferRecord = serde_json::from_str(&json).unwrap();
            assert_eq!(back, record);
        }
    }

    #[test]
    fn unknown_fields_and_bad_codes_are_refused() {
        assert!(serde_json::from_str::<TransferRecord>(r#"{"shoe_size": 9}"#).is_err());
        assert!(serde_json::from_str::<TransferRecord>(r#"{"upn": "X1"}"#).is_err());
        assert!(serde_json::from_str::<TransferRecord>(r#"{"gender": "Q"}"#).is_err());
    }
}
