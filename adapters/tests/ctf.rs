//! CTF reading: the subset is kept, everything else skipped, and bad
//! pupils are rejected with their position while the rest are read.

// Helpers outside #[test] functions unwrap too: this is test code.
#![allow(clippy::unwrap_used)]

use gateway_adapters::ctf::{CtfReader, DocumentQualifier, Receiving};
use gateway_adapters::{CheckerRule, FatalKind, Limits, ReadError};
use gateway_domain::{CcisId, Characteristic, CohortStatus, LaCode, SenProvision};

#[test]
fn school_style_ctf_is_read_to_the_subset() {
    let xml = include_bytes!("fixtures/ctf_school_style.xml");
    let mut reader = CtfReader::new(&xml[..], Limits::default()).unwrap();
    let h = reader.header().clone();
    assert_eq!(h.document_qualifier, DocumentQualifier::Full);
    assert_eq!(h.dest.estab.as_str(), "MMM");
    assert_eq!(h.source.academic_year, Some(2024));
    let items: Vec<_> = (&mut reader).collect();
    assert_eq!(items.len(), 4);

    let first = items[0].as_ref().unwrap();
    assert_eq!(first.surname, "Ng");
    assert_eq!(first.middle_names.as_deref(), Some("Wei"));
    assert_eq!(first.current_sen(), SenProvision::EhcPlan);
    assert_eq!(first.address.town(), Some("Ashford"));
    assert_eq!(first.schools.len(), 2);
    let receiving_la = LaCode::parse("887").unwrap();
    let record = first.to_record(Receiving {
        ccis_id: CcisId::parse("8870000000001").unwrap(),
        lead_la: receiving_la.clone(),
        cohort_status: CohortStatus::Primary,
    });
    assert!(record.has_characteristic(Characteristic::LookedAfter));
    assert_eq!(
        record.establishment_number.as_ref().unwrap().as_str(),
        "4321"
    );
    assert_eq!(
        record.educated_la, None,
        "the current school is in the receiving LA"
    );
    assert!(record.activities.is_empty());

    let dup = items[1].as_ref().unwrap_err().as_reject().unwrap();
    assert_eq!((dup.record_index, dup.rule), (1, CheckerRule::DuplicateUpn));
    let missing = items[2].as_ref().unwrap_err().as_reject().unwrap();
    assert_eq!(
        (missing.record_index, missing.rule, missing.field),
        (2, CheckerRule::MissingField, "Surname")
    );
    assert!(items[3].is_ok());
    // Phones, contacts, attendance, assessments, FSM, UCI, languages, ...
    assert!(
        reader.skipped_elements() >= 10,
        "{}",
        reader.skipped_elements()
    );
}

#[test]
fn ctf_errors_are_positioned_and_do_not_echo() {
    let xml = String::from_utf8(include_bytes!("fixtures/ctf_school_style.xml").to_vec()).unwrap();
    let broken = xml.replacen("<Surname>Okafor</Surname>", "<Surname>Okafor</Surnam>", 1);
    let items: Vec<_> = CtfReader::new(broken.as_bytes(), Limits::default())
        .unwrap()
        .collect();
    assert_eq!(items.len(), 4);
    let Err(ReadError::Fatal(f)) = &items[3] else {
        panic!("{:?}", items[3])
    };
    assert!(matches!(f.kind, FatalKind::Xml { .. }));
    assert_eq!(f.record_index, Some(3));
    let bad_upn = xml.replacen("<UPN>H801200001001</UPN>", "<UPN>A801200001001</UPN>", 1);
    let items: Vec<_> = CtfReader::new(bad_upn.as_bytes(), Limits::default())
        .unwrap()
        .collect();
    let r = items[0].as_ref().unwrap_err().as_reject().unwrap();
    assert_eq!(r.rule, CheckerRule::InvalidIdentifier);
    assert!(!r.to_string().contains("A801200001001") && !r.to_string().contains("Ng"));
    let no_header = "<CTfile><CTFpupilData/></CTfile>";
    assert!(matches!(
        CtfReader::new(no_header.as_bytes(), Limits::default())
            .unwrap_err()
            .kind,
        FatalKind::Header { .. }
    ));
}
