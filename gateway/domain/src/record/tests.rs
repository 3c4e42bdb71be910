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
