use time::macros::date;

use super::*;
use crate::codes::{ActivityCode, InTouch};
use crate::ids::Postcode;

pub(crate) fn sample() -> YoungPerson {
    YoungPerson {
        ccis_id: CcisId::parse("8860000000001").unwrap(),
        upn: Some(Upn::parse("H801200001001").unwrap()),
        uln: Some(Uln::parse("1000000019").unwrap()),
        nino: Some(Nino::parse("AB123456C").unwrap()),
        nhs_number: Some(NhsNumber::parse("9434765919").unwrap()),
        given_name: "Zoë".into(),
        middle_name: Some("Anne-Marie".into()),
        family_name: "Smith-Jones".into(),
        gender: Gender::Female,
        date_of_birth: date!(2008 - 02 - 29),
        address: Address::new(
            vec!["12 Church Road".into()],
            Some("Maidstone".into()),
            Some("Kent".into()),
            Some(Postcode::parse("ME14 1XQ").unwrap()),
        )
        .unwrap(),
        lead_la: LaCode::parse("886").unwrap(),
        la_at_year_11: Some(LaCode::parse("886").unwrap()),
        cohort_status: CohortStatus::Primary,
        transferred_to_la: None,
        ethnicity: Some("WBRI".into()),
        educated_la: None,
        send: SenProvision::NoProvision,
        characteristics: vec![Characteristic::CareLeaver, Characteristic::MentalHealth],
        level_of_need: None,
        activities: vec![
            Activity::new(
                ActivityCode::SchoolSixthForm,
                date!(2024 - 09 - 01),
                date!(2024 - 09 - 10),
                date!(2024 - 09 - 10),
            ),
            Activity::new(
                ActivityCode::SeekingEet,
                date!(2025 - 01 - 06),
                date!(2025 - 01 - 06),
                date!(2025 - 01 - 20),
            ),
            Activity::new(
                ActivityCode::RegisteredAtSchool,
                date!(2019 - 09 - 01),
                date!(2019 - 09 - 01),
                date!(2023 - 09 - 01),
            ),
        ],
        benefit_registration: None,
        care: Some(CareLeaverStatus {
            in_touch: InTouch::Yes,
            contact_date: Some(date!(2025 - 01 - 20)),
            responsible_la: None,
        }),
        yot_supervised: false,
        establishment_number: None,
        ukprn: None,
        placeholder_postcode: None,
        september_guarantee: SeptemberGuarantee::default(),
        guarantee_status_indicator: None,
        youth_contract_indicator: None,
        youth_contract_start_date: None,
        previous_ypid: None,
        intended_destination: None,
        leaving_reported_in: None,
    }
}

#[test]
fn current_activity_is_latest_start_then_latest_verification() {
    let mut p = sample();
    assert_eq!(p.current_activity().unwrap().code, ActivityCode::SeekingEet);
    // Same start date, later verification wins.
    p.activities.push(Activity::new(
        ActivityCode::Apprenticeship,
        date!(2025 - 01 - 06),
        date!(2025 - 02 - 01),
        date!(2025 - 02 - 01),
    ));
    assert_eq!(
        p.current_activity().unwrap().code,
        ActivityCode::Apprenticeship
    );
    p.activities.clear();
    assert!(p.current_activity().is_none());
}

#[test]
fn sixteenth_birthday_on_leap_day() {
    let p = sample();
    assert!(!p.is_16_or_over_on(date!(2024 - 02 - 28)));
    assert!(p.is_16_or_over_on(date!(2024 - 02 - 29)));
    assert_eq!(p.age_on(date!(2025 - 02 - 28)), Some(16));
    assert_eq!(p.age_on(date!(2025 - 03 - 01)), Some(17));
    assert!(!p.is_16_or_over_on(date!(2000 - 01 - 01)));
}

#[test]
fn debug_reveals_nothing_personal() {
    let p = sample();
    let dbg = format!("{p:?}");
    for secret in [
        "Zoë",
        "Anne",
        "Smith",
        "2008",
        "Church",
        "ME14",
        "ME141XQ",
        "H801200001001",
        "1000000019",
        "AB123456C",
        "9434765919",
        "8860000000001",
        "MentalHealth",
        "210",
    ] {
        assert!(!dbg.contains(secret), "Debug leaked {secret}: {dbg}");
    }
    assert!(dbg.contains("886"));
}

#[test]
fn serde_round_trip() {
    let p = sample();
    let json = serde_json::to_string(&p).unwrap();
    let back: YoungPerson = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    assert!(json.contains("\"gender\":\"F\""));
    assert!(json.contains("\"code\":619"));
}

#[test]
fn records_stored_before_the_whole_nccis_record_still_read() {
    // A record as stored before SeptemberGuarantee, IntendedDestination,
    // Youth Contract, PreviousYPIDIdentifier, the placeholder postcode and
    // the activity's establishment fields existed.
    let mut old: serde_json::Value = serde_json::to_value(sample()).unwrap();
    let obj = old.as_object_mut().unwrap();
    for new_field in [
        "placeholder_postcode",
        "september_guarantee",
        "guarantee_status_indicator",
        "youth_contract_indicator",
        "youth_contract_start_date",
        "previous_ypid",
        "intended_destination",
        "leaving_reported_in",
    ] {
        assert!(obj.remove(new_field).is_some(), "{new_field}");
    }
    for a in obj["activities"].as_array_mut().unwrap() {
        let a = a.as_object_mut().unwrap();
        a.remove("establishment");
        a.remove("establishment_name");
        a.remove("ukprn");
    }
    let back: YoungPerson = serde_json::from_value(old).unwrap();
    assert_eq!(back, sample());
}

#[test]
fn the_whole_nccis_record_round_trips_through_json() {
    use crate::codes::{GuaranteeStatus, IntendedDestination};
    use crate::ids::{DfeNumber, PlaceholderPostcode, Ukprn};
    let mut p = sample();
    p.placeholder_postcode = Some(PlaceholderPostcode::parse("ZZ99 9ZZ").unwrap());
    p.september_guarantee.year_11 = Some(GuaranteeBlock {
        status: GuaranteeStatus::OfferMade,
        la: LaCode::parse("886").unwrap(),
    });
    p.guarantee_status_indicator = Some(true);
    p.youth_contract_indicator = Some(false);
    p.youth_contract_start_date = Some(date!(2015 - 01 - 05));
    p.previous_ypid = Some("8860000000999".into());
    p.intended_destination = Some(IntendedDestination::Undecided);
    p.gender = Gender::Withheld;
    p.activities[0].establishment = Some(DfeNumber::parse("8864001").unwrap());
    p.activities[0].establishment_name = Some("Any School".into());
    p.activities[0].ukprn = Some(Ukprn::parse("10001234").unwrap());
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<YoungPerson>(&json).unwrap(), p);
    assert!(json.contains("\"gender\":\"W\""));
}

#[test]
fn an_acknowledged_transfer_survives_a_later_return() {
    let mut stored = sample();
    let to = LaCode::parse("887").unwrap();
    stored.cohort_status = CohortStatus::Transferred;
    stored.transferred_to_la = Some(to.clone());
    // The CCIS has not caught up: it still returns the young person as current.
    let mut incoming = sample();
    incoming.nino = None;
    incoming.keep_from_stored(
        &stored,
        StoredFacts {
            acknowledged_transfer_to: Some(&to),
            ..StoredFacts::default()
        },
    );
    assert_eq!(incoming.cohort_status, CohortStatus::Transferred);
    assert_eq!(incoming.transferred_to_la, Some(to.clone()));
    assert_eq!(incoming.nino, stored.nino);
    // Without an acknowledged transfer the return's own status stands.
    let mut incoming = sample();
    incoming.keep_from_stored(&stored, StoredFacts::default());
    assert_eq!(incoming.cohort_status, CohortStatus::Primary);
}

#[test]
fn sen_support_from_another_source_is_kept_when_a_return_says_n() {
    let mut stored = sample();
    stored.send = SenProvision::SenSupport;
    let mut incoming = sample();
    incoming.send = SenProvision::NoProvision;
    incoming.keep_from_stored(&stored, StoredFacts::default());
    assert_eq!(incoming.send, SenProvision::SenSupport);
    // A return with SENSupportFlag N means no SEN support now.
    let mut incoming = sample();
    incoming.send = SenProvision::NoProvision;
    incoming.keep_from_stored(
        &stored,
        StoredFacts {
            return_has_sen_support_flag: true,
            ..StoredFacts::default()
        },
    );
    assert_eq!(incoming.send, SenProvision::NoProvision);
    // An EHC plan in the return always wins.
    let mut incoming = sample();
    incoming.send = SenProvision::EhcPlan;
    incoming.keep_from_stored(&stored, StoredFacts::default());
    assert_eq!(incoming.send, SenProvision::EhcPlan);
}
