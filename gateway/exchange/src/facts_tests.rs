#![allow(clippy::unwrap_used)]

use super::*;
use gateway_domain::synthetic::cohort;
use gateway_domain::{CcisId, LaCode};
use gateway_store::{PartnerId, PartnerStatus, TokenAlgorithm};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const AT: OffsetDateTime = datetime!(2026-01-10 09:00 UTC);

fn partner(kind: AgencyKind, id: &str) -> Partner {
    Partner {
        id: PartnerId::parse(id).unwrap(),
        display_name: id.into(),
        agency_kind: kind,
        la_code: None,
        status: PartnerStatus::Active,
        cert_san_uri: None,
        cert_subject: None,
        cert_fingerprints: vec![],
        token_issuer: "urn:test".into(),
        token_algorithm: TokenAlgorithm::Es256,
        token_keys: String::new(),
        created_at: AT,
        updated_at: AT,
    }
}

fn person_born(dob: Date) -> YoungPerson {
    let mut p = cohort(3, 1, date!(2026 - 01 - 10), LaCode::parse("886").unwrap())
        .next()
        .unwrap();
    p.date_of_birth = dob;
    p
}

fn consent(subject: &CcisId, by: GivenBy, categories: &[&str]) -> Consent {
    Consent {
        id: Uuid::new_v4(),
        subject: subject.clone(),
        given_by: by,
        method: gateway_store::ConsentMethod::Written,
        given_at: AT,
        purposes: vec!["case_management".into()],
        recipient: ConsentRecipient::AgencyKind(AgencyKind::YouthOffendingTeam),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        valid_from: date!(2025 - 01 - 01),
        valid_until: None,
        recorded_by: "adviser".into(),
        recorded_at: AT,
        withdrawn_at: None,
        withdrawn_by: None,
    }
}

fn objection(subject: &CcisId, by: GivenBy) -> Objection {
    Objection {
        id: Uuid::new_v4(),
        subject: subject.clone(),
        raised_by: by,
        raised_at: AT,
        recorded_by: "adviser".into(),
        recorded_at: AT,
        withdrawn_at: None,
        withdrawn_by: None,
    }
}

fn competence(subject: &CcisId, competent: bool, on: Date) -> CompetenceAssessment {
    CompetenceAssessment {
        id: Uuid::new_v4(),
        subject: subject.clone(),
        competent,
        assessed_on: on,
        assessed_by: "adviser".into(),
        recorded_at: AT,
    }
}

#[test]
fn consent_owner_changes_on_the_16th_birthday_with_nothing_recorded() {
    let yot = partner(AgencyKind::YouthOffendingTeam, "kent-yot");
    let p = person_born(date!(2010 - 03 - 15));
    let recorded = Recorded {
        consents: vec![consent(&p.ccis_id, GivenBy::ParentCarer, &["send"])],
        ..Recorded::default()
    };
    let eve = person_facts(
        &p,
        &recorded,
        &yot,
        "case_management",
        date!(2026 - 03 - 14),
    );
    assert_eq!(eve.subject.age, 15);
    assert_eq!(eve.consent_owner, GivenBy::ParentCarer);
    assert!(eve.consent.parent.contains("send"));
    let birthday = person_facts(
        &p,
        &recorded,
        &yot,
        "case_management",
        date!(2026 - 03 - 15),
    );
    assert_eq!(birthday.subject.age, 16);
    assert_eq!(birthday.consent_owner, GivenBy::YoungPerson);
    // The parent's consent is still reported (as the parent's); consent.cedar no longer counts it.
    assert!(birthday.consent.young_person.is_empty());
    assert!(birthday.consents_relied_on(&["send"]).is_empty());
    assert_eq!(eve.consents_relied_on(&["send"]).len(), 1);
}

#[test]
fn leap_day_birthday_turns_16_on_1_march() {
    let yot = partner(AgencyKind::YouthOffendingTeam, "kent-yot");
    let p = person_born(date!(2008 - 02 - 29));
    let r = Recorded::default();
    assert_eq!(
        person_facts(&p, &r, &yot, "x", date!(2024 - 02 - 28))
            .subject
            .age,
        15
    );
    assert_eq!(
        person_facts(&p, &r, &yot, "x", date!(2024 - 02 - 29))
            .subject
            .age,
        16
    );
    assert_eq!(
        person_facts(&p, &r, &yot, "x", date!(2025 - 02 - 28))
            .subject
            .age,
        16
    );
    assert_eq!(
        person_facts(&p, &r, &yot, "x", date!(2025 - 03 - 01))
            .subject
            .age,
        17
    );
}

#[test]
fn competence_makes_an_under_16_the_owner_and_the_latest_assessment_governs() {
    let yot = partner(AgencyKind::YouthOffendingTeam, "kent-yot");
    let p = person_born(date!(2012 - 06 - 01));
    let mut recorded = Recorded {
        competence: vec![competence(&p.ccis_id, true, date!(2025 - 05 - 01))],
        ..Recorded::default()
    };
    let today = date!(2026 - 01 - 10);
    let f = person_facts(&p, &recorded, &yot, "case_management", today);
    assert!(f.subject.gillick_competent);
    assert_eq!(f.consent_owner, GivenBy::YoungPerson);
    recorded
        .competence
        .push(competence(&p.ccis_id, false, date!(2025 - 11 - 01)));
    let f = person_facts(&p, &recorded, &yot, "case_management", today);
    assert!(!f.subject.gillick_competent);
    assert_eq!(f.consent_owner, GivenBy::ParentCarer);
}

#[test]
fn a_parents_objection_stops_governing_at_16_the_young_persons_always_counts() {
    let yot = partner(AgencyKind::YouthOffendingTeam, "kent-yot");
    let p = person_born(date!(2010 - 03 - 15));
    let parent = Recorded {
        objections: vec![objection(&p.ccis_id, GivenBy::ParentCarer)],
        ..Recorded::default()
    };
    assert!(
        person_facts(&p, &parent, &yot, "x", date!(2026 - 03 - 14))
            .subject
            .objection
    );
    assert!(
        !person_facts(&p, &parent, &yot, "x", date!(2026 - 03 - 15))
            .subject
            .objection
    );
    let own = Recorded {
        objections: vec![objection(&p.ccis_id, GivenBy::YoungPerson)],
        ..Recorded::default()
    };
    assert!(
        person_facts(&p, &own, &yot, "x", date!(2026 - 03 - 14))
            .subject
            .objection
    );
    assert!(
        person_facts(&p, &own, &yot, "x", date!(2026 - 03 - 15))
            .subject
            .objection
    );
    let mut withdrawn = own.clone();
    withdrawn.objections[0].withdrawn_at = Some(AT + Duration::days(1));
    assert!(
        !person_facts(&p, &withdrawn, &yot, "x", date!(2026 - 03 - 15))
            .subject
            .objection
    );
}

#[test]
fn a_parents_objection_stands_for_a_gillick_competent_under_16() {
    let yot = partner(AgencyKind::YouthOffendingTeam, "kent-yot");
    let p = person_born(date!(2011 - 09 - 01));
    let recorded = Recorded {
        objections: vec![objection(&p.ccis_id, GivenBy::ParentCarer)],
        competence: vec![competence(&p.ccis_id, true, date!(2025 - 05 - 01))],
        ..Recorded::default()
    };
    let f = person_facts(&p, &recorded, &yot, "x", date!(2026 - 01 - 10));
    // Competence makes the 14-year-old the one who consents...
    assert!(f.subject.gillick_competent);
    assert_eq!(f.consent_owner, GivenBy::YoungPerson);
    // ...but does not cancel the parent's refusal.
    assert!(f.subject.objection);
    // From the 16th birthday it no longer governs.
    let f = person_facts(&p, &recorded, &yot, "x", date!(2027 - 09 - 01));
    assert!(!f.subject.objection);
}

#[test]
fn a_consent_counts_only_for_its_recipient_purpose_and_period_until_withdrawn() {
    let yot = partner(AgencyKind::YouthOffendingTeam, "kent-yot");
    let other_yot = partner(AgencyKind::YouthOffendingTeam, "medway-yot");
    let jcp = partner(AgencyKind::JobcentrePlus, "jcp-maidstone");
    let p = person_born(date!(2008 - 01 - 01));
    let today = date!(2026 - 01 - 10);
    let mut c = consent(&p.ccis_id, GivenBy::YoungPerson, &["send"]);
    assert!(consent_applies(&c, &yot, "case_management", today));
    assert!(consent_applies(&c, &other_yot, "case_management", today));
    assert!(!consent_applies(&c, &jcp, "case_management", today));
    assert!(!consent_applies(&c, &yot, "court_report", today));
    c.recipient = ConsentRecipient::Partner(yot.id.clone());
    assert!(consent_applies(&c, &yot, "case_management", today));
    assert!(!consent_applies(&c, &other_yot, "case_management", today));
    c.valid_until = Some(date!(2026 - 01 - 09));
    assert!(!consent_applies(&c, &yot, "case_management", today));
    c.valid_until = Some(today);
    assert!(
        consent_applies(&c, &yot, "case_management", today),
        "valid_until is inclusive"
    );
    c.valid_from = date!(2026 - 01 - 11);
    assert!(!consent_applies(&c, &yot, "case_management", today));
    c.valid_from = today;
    c.withdrawn_at = Some(AT);
    assert!(!consent_applies(&c, &yot, "case_management", today));
}
