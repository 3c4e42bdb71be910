//! Round trips over synthetic cohorts and proptest-perturbed variants:
//! canonical → NCCIS XML → canonical and canonical → CTF → canonical.

// Helpers outside #[test] functions unwrap too: this is test code.
#![allow(clippy::unwrap_used)]

use gateway_adapters::ctf::{self, CtfHeader, CtfPupil, CtfReader, CtfWriter, Receiving};
use gateway_adapters::nccis::{
    self, CheckerConfig, FileHeader, NccisReader, NccisWriter, WriterOptions,
};
use gateway_adapters::{Limits, WriteError};
use gateway_domain::{
    Address, Characteristic, LaCode, LevelOfNeed, Postcode, YoungPerson, synthetic::cohort,
};
use proptest::prelude::*;
use time::Date;
use time::macros::{date, datetime};

const PERIOD_END: Date = date!(2025 - 03 - 31);

fn la() -> LaCode {
    LaCode::parse("886").unwrap()
}

fn header() -> FileHeader {
    FileHeader::single(886, la(), date!(2025 - 04 - 02), PERIOD_END)
}

/// Free text that exercises escaping: XML metacharacters, entity-like
/// text, non-ASCII, leading and trailing spaces.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{1,24}",
        "[A-Za-z <>&'\"éßŁ\u{00a0}\u{1F600}\\-]{1,24}",
        Just("&amp;&lt;]]>&#65;".to_owned()),
        Just(" O'Neil ".to_owned()),
    ]
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

#[derive(Debug, Clone)]
enum Edit {
    Given(String),
    Family(String),
    Middle(Option<String>),
    Address(Vec<String>, Option<String>, Option<String>, bool),
    DropUln,
    DropUpn,
    NoEthnicity,
    Level(Option<u8>),
    Characteristic(u16),
    Review(i64),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        text().prop_map(Edit::Given),
        text().prop_map(Edit::Family),
        proptest::option::of(text()).prop_map(Edit::Middle),
        (
            proptest::collection::vec(text(), 0..=4),
            proptest::option::of(text()),
            proptest::option::of(text()),
            any::<bool>()
        )
            .prop_map(|(l, t, c, p)| Edit::Address(l, t, c, p)),
        Just(Edit::DropUln),
        Just(Edit::DropUpn),
        Just(Edit::NoEthnicity),
        proptest::option::of(1u8..=3).prop_map(Edit::Level),
        prop::sample::select(vec![110u16, 150, 160, 170, 190, 200, 210])
            .prop_map(Edit::Characteristic),
        (0i64..200).prop_map(Edit::Review),
    ]
}

fn apply(p: &mut YoungPerson, e: &Edit) {
    match e {
        Edit::Given(s) => p.given_name = s.clone(),
        Edit::Family(s) => p.family_name = s.clone(),
        Edit::Middle(s) => p.middle_name = s.clone(),
        Edit::Address(lines, town, county, keep_postcode) => {
            let postcode = keep_postcode
                .then(|| p.address.postcode().cloned())
                .flatten()
                .or_else(|| Postcode::parse("GIR 0AA").ok().filter(|_| !keep_postcode));
            p.address =
                Address::new(lines.clone(), town.clone(), county.clone(), postcode).unwrap();
        }
        Edit::DropUln => p.uln = None,
        Edit::DropUpn => p.upn = None,
        Edit::NoEthnicity => p.ethnicity = None,
        Edit::Level(l) => p.level_of_need = l.and_then(|l| LevelOfNeed::try_from(l).ok()),
        Edit::Characteristic(c) => {
            let c = Characteristic::try_from(*c).unwrap();
            if !p.characteristics.contains(&c) {
                p.characteristics.push(c);
            }
        }
        Edit::Review(days) => {
            if let Some(a) = p.activities.first_mut() {
                a.review_date = a.date_verified.checked_add(time::Duration::days(*days));
            }
        }
    }
}

fn perturbed(seed: u64, n: usize, edits: &[(usize, Edit)]) -> Vec<YoungPerson> {
    let mut people: Vec<YoungPerson> = cohort(seed, n, PERIOD_END, la()).collect();
    for (i, e) in edits {
        let k = i % people.len();
        apply(&mut people[k], e);
    }
    people
}

fn nccis_round_trip(people: &[YoungPerson]) -> usize {
    let h = header();
    let limits = Limits::default();
    let mut w = NccisWriter::new(Vec::new(), h.clone(), WriterOptions::default()).unwrap();
    let mut expected = Vec::new();
    for p in people {
        let valid = nccis::check(p, &h, &CheckerConfig::default(), &limits).is_ok();
        match w.write(p) {
            Ok(()) => {
                assert!(valid, "writer accepted a record check() refuses");
                expected.push(nccis::carried(p));
            }
            // Refused: invalid on its own, or a duplicate ULN/id.
            Err(WriteError::Rejected(r)) => {
                assert!(
                    !valid || r.rules().all(|x| x.code().starts_with("NCCIS-90")),
                    "{r}"
                )
            }
            Err(e) => panic!("{e}"),
        }
    }
    let bytes = w.finish().unwrap();
    let back: Vec<YoungPerson> = NccisReader::new(&bytes[..], limits)
        .unwrap()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(back.len(), expected.len());
    for (got, want) in back.iter().zip(&expected) {
        assert!(got == want, "round trip changed a record");
    }
    expected.len()
}

fn receiving(p: &YoungPerson) -> Receiving {
    Receiving {
        ccis_id: p.ccis_id.clone(),
        lead_la: p.lead_la.clone(),
        cohort_status: p.cohort_status,
    }
}

fn ctf_round_trip(people: &[YoungPerson]) {
    let header = CtfHeader::transfer(
        la(),
        LaCode::parse("887").unwrap(),
        datetime!(2025-04-02 09:30:00),
    );
    let mut w = CtfWriter::new(Vec::new(), &header, Limits::default()).unwrap();
    let mut expected = Vec::new();
    for p in people {
        let pupil = CtfPupil::from_record(p);
        w.write(&pupil).unwrap_or_else(|e| panic!("{e}"));
        expected.push((pupil, p));
    }
    let bytes = w.finish().unwrap();
    let reader = CtfReader::new(&bytes[..], Limits::default()).unwrap();
    assert_eq!(reader.header(), &header);
    let back: Vec<CtfPupil> = reader
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(back.len(), expected.len());
    for (got, (pupil, p)) in back.iter().zip(&expected) {
        assert!(got == pupil, "CTF round trip changed a pupil");
        assert!(
            got.to_record(receiving(p)) == ctf::carried(p),
            "CTF → canonical lost a carried field"
        );
    }
}

#[test]
fn synthetic_cohorts_round_trip() {
    for seed in [1, 2, 3] {
        let people: Vec<YoungPerson> = cohort(seed, 500, PERIOD_END, la()).collect();
        let written = nccis_round_trip(&people);
        assert!(written > 250, "only {written} of 500 valid");
        ctf_round_trip(&people);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn perturbed_nccis_round_trip(seed in any::<u64>(), n in 1usize..24, edits in proptest::collection::vec((any::<usize>(), edit()), 0..40)) {
        let people = perturbed(seed, n, &edits);
        nccis_round_trip(&people);
    }

    #[test]
    fn perturbed_ctf_round_trip(seed in any::<u64>(), n in 1usize..24, edits in proptest::collection::vec((any::<usize>(), edit()), 0..40)) {
        let people = perturbed(seed, n, &edits);
        ctf_round_trip(&people);
    }
}
