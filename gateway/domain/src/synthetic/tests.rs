use std::collections::HashSet;

use time::macros::date;

use super::*;
use crate::codes::{ActivityCode as A, Characteristic as C, CohortStatus, Gender};
use crate::currency::CurrencyWindows;
use crate::ids::{CcisId, NhsNumber, Nino, Postcode, Uln, Upn};

const TODAY: Date = date!(2025 - 03 - 15);

fn la() -> LaCode {
    LaCode::parse("886").unwrap()
}

fn people(seed: u64, n: usize) -> Vec<YoungPerson> {
    cohort(seed, n, TODAY, la()).collect()
}

#[test]
fn same_seed_same_cohort() {
    assert_eq!(people(42, 500), people(42, 500));
    assert_ne!(people(42, 50), people(43, 50));
    // A prefix of a larger cohort is the smaller cohort.
    assert_eq!(people(42, 100)[..], people(42, 500)[..100]);
}

#[test]
fn ten_thousand_people_with_valid_unique_ids() {
    let all = people(7, 10_000);
    assert_eq!(all.len(), 10_000);
    let mut ccis = HashSet::new();
    let mut upns = HashSet::new();
    let mut ulns = HashSet::new();
    let mut ninos = HashSet::new();
    for p in &all {
        assert_eq!(CcisId::parse(p.ccis_id.as_str()).unwrap(), p.ccis_id);
        assert!(ccis.insert(p.ccis_id.clone()));
        if let Some(v) = &p.upn {
            assert_eq!(&Upn::parse(v.as_str()).unwrap(), v);
            assert!(upns.insert(v.clone()));
        }
        if let Some(v) = &p.uln {
            assert_eq!(&Uln::parse(v.as_str()).unwrap(), v);
            assert!(ulns.insert(v.clone()), "ULN must be unique");
        }
        if let Some(v) = &p.nino {
            assert_eq!(&Nino::parse(v.as_str()).unwrap(), v);
            assert!(ninos.insert(v.clone()));
        }
        if let Some(v) = &p.nhs_number {
            assert_eq!(&NhsNumber::parse(v.as_str()).unwrap(), v);
            assert!(v.as_str().starts_with("999"));
        }
        let pc = p.address.postcode().unwrap();
        assert_eq!(&Postcode::parse(pc.as_str()).unwrap(), pc);
    }
}

#[test]
fn records_follow_nccis_checker_rules() {
    for p in people(11, 10_000) {
        let age = p.age_on(TODAY).unwrap();
        assert!((13..=24).contains(&age), "age {age}");
        if age >= 20 {
            assert!(p.send.has_send(), "20+ only with SEND");
        }
        if p.nino.is_some() {
            assert!(age >= 16);
        }
        if p.cohort_status == CohortStatus::Transferred {
            let to = p.transferred_to_la.as_ref().unwrap();
            assert_ne!(to, &p.lead_la);
            assert!(!to.is_unknown());
        }
        if p.gender == Gender::Male {
            assert!(!p.has_characteristic(C::Pregnant));
        }
        assert!(p.address.lines().len() <= 4);
        for a in &p.activities {
            assert!(a.date_ascertained <= a.date_verified);
            assert!(a.start_date <= a.date_verified);
            assert!(a.date_verified <= TODAY);
            assert_eq!(a.neet_start_date.is_some(), a.code.is_neet());
            if let Some(neet_start) = a.neet_start_date {
                assert!(neet_start <= a.start_date);
            }
            if (16..=17).contains(&age) {
                assert_ne!(a.code, A::DwpTrainingAndSupport);
            }
            let implied = match a.code {
                A::YoungCarer => Some(C::Carer),
                A::TeenageParent => Some(C::ParentCaringForOwnChild),
                A::Pregnancy => Some(C::Pregnant),
                A::RefugeeAsylumSeeker => Some(C::RefugeeAsylumSeeker),
                _ => None,
            };
            if let Some(c) = implied {
                assert!(p.has_characteristic(c), "{:?} implies {c:?}", a.code);
            }
        }
        assert_eq!(p.yot_supervised, p.has_characteristic(C::SupervisedByYot));
        assert_eq!(p.care.is_some(), p.has_characteristic(C::CareLeaver));
        if p.benefit_registration.is_some() {
            assert!((16..=17).contains(&age));
            assert_eq!(p.current_activity().unwrap().code, A::SeekingEet);
        }
    }
}

#[test]
fn realistic_mix() {
    let all = people(3, 10_000);
    let windows = CurrencyWindows::default();
    let post16: Vec<_> = all
        .iter()
        .filter(|p| (16..=18).contains(&p.age_on(TODAY).unwrap()))
        .collect();
    let neet = post16
        .iter()
        .filter(|p| p.current_activity().unwrap().code.is_neet())
        .count();
    let rate = neet * 1000 / post16.len();
    assert!(
        (40..=100).contains(&rate),
        "NEET per mille at 16-18: {rate}"
    );
    let pre16_school = all
        .iter()
        .filter(|p| p.age_on(TODAY).unwrap() < 16)
        .all(|p| p.current_activity().unwrap().code.group() == crate::codes::ActivityGroup::Pre16);
    assert!(pre16_school);
    let count = |f: &dyn Fn(&YoungPerson) -> bool| all.iter().filter(|p| f(p)).count();
    let lapsed = count(&|p| !p.current_currency(&windows, TODAY).unwrap().is_current());
    assert!((300..=1200).contains(&lapsed), "lapsed {lapsed}");
    assert!(
        count(&|p| p.current_activity().unwrap().code.group()
            == crate::codes::ActivityGroup::NotKnown)
            > 100
    );
    assert!(count(&|p| p.care.is_some()) > 20);
    assert!(count(&|p| p.benefit_registration.is_some()) > 5);
    assert!(count(&|p| p.age_on(TODAY).unwrap() >= 20) > 100);
    assert!(count(&|p| p.has_characteristic(C::MentalHealth)) > 100);
    assert!(count(&|p| p.family_name.contains('-') || !p.family_name.is_ascii()) > 100);
}

#[test]
fn twins_share_surname_dob_and_postcode() {
    let all = people(5, 10_000);
    let twins = all
        .windows(2)
        .filter(|w| {
            w[0].family_name == w[1].family_name
                && w[0].date_of_birth == w[1].date_of_birth
                && w[0].address.postcode() == w[1].address.postcode()
        })
        .count();
    assert!((50..=300).contains(&twins), "twin pairs {twins}");
}

#[test]
fn empty_and_tiny_cohorts() {
    assert_eq!(cohort(1, 0, TODAY, la()).count(), 0);
    assert_eq!(cohort(1, 1, TODAY, la()).count(), 1);
    assert_eq!(cohort(1, 3, TODAY, la()).size_hint(), (3, Some(3)));
}
