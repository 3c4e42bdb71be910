//! The kinds of error partners' records really hold, one test each: what
//! the matcher accepts (and only with the rest of the evidence strong and
//! no close competitor), and the twins, siblings and namesakes it refuses.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use gateway_domain::{CcisId, Postcode};
use gateway_matching::{
    IndexEntry, MatchMethod, MatchOutcome, MatchPath, MatchRequest, NoMatchReason, SubjectIndex,
};
use time::Date;
use time::macros::date;

fn id(n: u64) -> CcisId {
    CcisId::from_parts(886, n).unwrap()
}

fn person(n: u64, given: &str, family: &str, dob: Date, postcode: Option<&str>) -> IndexEntry {
    IndexEntry {
        key: id(n),
        upn: None,
        uln: None,
        ccis_id: Some(id(n)),
        nino: None,
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        date_of_birth: dob,
        postcode: postcode.map(|p| Postcode::parse(p).unwrap()),
    }
}

/// Unrelated people elsewhere, so that no test runs against a nearly empty
/// index; among them two people each named Harry, Sophia, Olive and Mai
/// (names that are one or two letters from a subject's), so those are real
/// names of the index.
fn index_with(people: Vec<IndexEntry>) -> SubjectIndex {
    let mut index = SubjectIndex::new();
    let background = [
        ("Olivia", "Taylor", date!(2008 - 01 - 15), "ME15 6AB"),
        ("George", "Patel", date!(2009 - 11 - 02), "CT1 2AA"),
        ("Amelia", "Brown", date!(2007 - 05 - 30), "TN23 1XY"),
        ("Noah", "Khan", date!(2010 - 09 - 09), "HR1 4JP"),
        ("Harry", "Evans", date!(2006 - 02 - 01), "WR1 1AA"),
        ("Harry", "Hall", date!(2011 - 03 - 04), "WR5 2BB"),
        ("Sophia", "Wood", date!(2006 - 06 - 01), "NW1 1AA"),
        ("Sophia", "Ali", date!(2007 - 07 - 02), "NW1 2AA"),
        ("Mai", "Nowak", date!(2008 - 08 - 03), "N1 1AA"),
        ("Mai", "Begum", date!(2009 - 09 - 04), "N1 2AA"),
    ];
    for (i, (g, f, d, p)) in background.into_iter().enumerate() {
        index
            .insert(person(9000 + i as u64, g, f, d, Some(p)))
            .unwrap();
    }
    for p in people {
        index.insert(p).unwrap();
    }
    index
}

fn ask(
    index: &SubjectIndex,
    given: &str,
    family: &str,
    dob: Date,
    postcode: Option<&str>,
) -> MatchOutcome {
    index.find(&MatchRequest::Demographics {
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        date_of_birth: dob,
        postcode: postcode.map(|p| Postcode::parse(p).unwrap()),
    })
}

fn unique(outcome: &MatchOutcome) -> Option<u64> {
    outcome.key().map(|k| k.local_id().parse::<u64>().unwrap())
}

fn path(outcome: &MatchOutcome) -> Option<MatchPath> {
    match outcome {
        MatchOutcome::Unique {
            method: MatchMethod::Demographic { path, .. },
            ..
        } => Some(*path),
        _ => None,
    }
}

const DOB: Date = date!(2008 - 07 - 03);

fn jessica() -> SubjectIndex {
    index_with(vec![person(
        1,
        "Jessica",
        "Robinson",
        DOB,
        Some("ME14 1AB"),
    )])
}

// ---- accepted error kinds ------------------------------------------------

#[test]
fn given_and_family_names_swapped() {
    let index = jessica();
    let outcome = ask(&index, "Robinson", "Jessica", DOB, Some("ME14 1AB"));
    assert_eq!(unique(&outcome), Some(1));
    assert_eq!(path(&outcome), Some(MatchPath::NamesSwapped));
    // Without a postcode, still enough.
    assert_eq!(
        unique(&ask(&index, "robinson", "jessica", DOB, None)),
        Some(1)
    );
    // Not with a second error (a move, a transposed date, a typo), nor
    // with a postcode in another area.
    for (g, f, dob, pc) in [
        ("Robinson", "Jessica", DOB, Some("ME16 4XY")),
        ("Robinson", "Jessica", date!(2008 - 03 - 07), None),
        ("Robinsen", "Jessica", DOB, Some("ME14 1AB")),
        ("Robinson", "Jessica", DOB, Some("HR1 1AA")),
    ] {
        assert!(!ask(&index, g, f, dob, pc).is_unique(), "{g} {f} {dob}");
    }
}

#[test]
fn one_typo_in_each_name_with_dob_and_postcode_exact() {
    let index = jessica();
    let outcome = ask(&index, "Jesica", "Robinsen", DOB, Some("ME14 1AB"));
    assert_eq!(unique(&outcome), Some(1));
    assert_eq!(path(&outcome), Some(MatchPath::TyposInBothNames));
    // The postcode must be given and exact, and the DOB exact.
    for (dob, pc) in [
        (DOB, None),
        (DOB, Some("ME14 1AZ")),
        (date!(2008 - 03 - 07), Some("ME14 1AB")),
    ] {
        assert!(!ask(&index, "Jesica", "Robinsen", dob, pc).is_unique());
    }
}

#[test]
fn two_edits_in_a_long_name_with_the_other_three_exact() {
    let index = jessica();
    // Given name of seven letters: one letter dropped, one doubled.
    let outcome = ask(&index, "Jesicca", "Robinson", DOB, Some("ME14 1AB"));
    assert_eq!(unique(&outcome), Some(1));
    assert_eq!(path(&outcome), Some(MatchPath::TwoEditsInLongName));
    // Family name of eight letters.
    let outcome = ask(&index, "Jessica", "Rbinsn", DOB, Some("ME14 1AB"));
    assert_eq!(path(&outcome), Some(MatchPath::TwoEditsInLongName));
    // Only with the other three exact.
    assert!(!ask(&index, "Jesicca", "Robinson", DOB, None).is_unique());
    assert!(!ask(&index, "Jesicca", "Robinson", DOB, Some("ME14 1AZ")).is_unique());
    assert!(!ask(&index, "Jesicca", "Robinsen", DOB, Some("ME14 1AB")).is_unique());
    // Three edits are another name.
    assert!(!ask(&index, "Jseicca", "Robinson", DOB, Some("ME14 1AB")).is_unique());
}

#[test]
fn one_edit_in_a_short_name_with_the_other_three_exact() {
    let index = index_with(vec![person(1, "Mia", "Kowalski", DOB, Some("DA1 3RT"))]);
    let outcome = ask(&index, "Mi", "Kowalski", DOB, Some("DA1 3RT"));
    assert_eq!(unique(&outcome), Some(1));
    assert_eq!(path(&outcome), Some(MatchPath::OneEditInShortName));
    assert_eq!(
        unique(&ask(&index, "Mja", "Kowalski", DOB, Some("DA1 3RT"))),
        Some(1)
    );
    assert!(!ask(&index, "Mi", "Kowalski", DOB, None).is_unique());
    assert!(
        !ask(
            &index,
            "Mi",
            "Kowalski",
            date!(2008 - 03 - 07),
            Some("DA1 3RT")
        )
        .is_unique()
    );
    // "Mai" is a real name here (two people bear it): not a slip for Mia.
    assert!(!ask(&index, "Mai", "Kowalski", DOB, Some("DA1 3RT")).is_unique());
}

#[test]
fn dob_with_one_digit_changed_with_names_and_postcode_exact() {
    let index = jessica();
    for typed in [
        date!(2008 - 07 - 08), // day 03 -> 08
        date!(2008 - 07 - 13), // day 03 -> 13
        date!(2008 - 08 - 03), // month 07 -> 08
    ] {
        let outcome = ask(&index, "Jessica", "Robinson", typed, Some("ME14 1AB"));
        assert_eq!(unique(&outcome), Some(1), "{typed}");
        assert_eq!(path(&outcome), Some(MatchPath::DobDigitChanged));
        // Names and postcode must confirm it.
        assert!(!ask(&index, "Jessica", "Robinson", typed, None).is_unique());
        assert!(!ask(&index, "Jessica", "Robinsen", typed, Some("ME14 1AB")).is_unique());
    }
    // Day and month transposed within the year (the standard path).
    let outcome = ask(&index, "Jessica", "Robinson", date!(2008 - 03 - 07), None);
    assert_eq!(path(&outcome), Some(MatchPath::Standard));
    // Two digits, or another year, are another date.
    for typed in [
        date!(2008 - 07 - 14),
        date!(2009 - 07 - 03),
        date!(2018 - 07 - 03),
    ] {
        assert!(!ask(&index, "Jessica", "Robinson", typed, Some("ME14 1AB")).is_unique());
    }
}

#[test]
fn postcode_in_another_district_of_the_same_area() {
    let index = jessica();
    let outcome = ask(&index, "Jessica", "Robinson", DOB, Some("ME16 4XY"));
    assert_eq!(unique(&outcome), Some(1));
    assert_eq!(path(&outcome), Some(MatchPath::Standard));
    // Another area contradicts.
    let outcome = ask(&index, "Jessica", "Robinson", DOB, Some("CT1 1AA"));
    assert_eq!(outcome.reason(), Some(NoMatchReason::BelowThreshold));
}

#[test]
fn a_placeholder_postcode_is_no_evidence() {
    // ZZ99 postcodes cannot be typed today (the format refuses them); the
    // index ignores them whatever the reader lets through: see the unit
    // test `placeholder_postcodes_are_no_postcode`. A record without a
    // postcode is matched on the other fields, never on the absence.
    let index = index_with(vec![person(1, "Jessica", "Robinson", DOB, None)]);
    assert_eq!(
        unique(&ask(&index, "Jessica", "Robinson", DOB, Some("ME14 1AB"))),
        Some(1)
    );
    assert!(!ask(&index, "Jesica", "Robinsen", DOB, Some("ME14 1AB")).is_unique());
}

// ---- refused patterns ----------------------------------------------------

#[test]
fn twins_are_refused_when_only_one_is_indexed() {
    // Harvey is in the CCIS; his twin Harry is not. "Harry" is two edits
    // from Harvey, but it is a real name (two other people bear it).
    let index = index_with(vec![person(1, "Harvey", "Wright", DOB, Some("DA1 3RT"))]);
    for given in ["Harry", "Amelia", "Oliver"] {
        let outcome = ask(&index, given, "Wright", DOB, Some("DA1 3RT"));
        assert!(!outcome.is_unique(), "{given}");
    }
    // Sophie's twin Sophia, one letter away, is no typo either.
    let index = index_with(vec![person(1, "Sophie", "Green", DOB, Some("W10 5QP"))]);
    assert!(!ask(&index, "Sophia", "Green", DOB, Some("W10 5QP")).is_unique());
    assert!(!ask(&index, "Sophia", "Green", DOB, None).is_unique());
    // A slip that is nobody's name still finds her.
    assert_eq!(
        unique(&ask(&index, "Sophei", "Green", DOB, Some("W10 5QP"))),
        Some(1)
    );
}

#[test]
fn twins_both_indexed_resolve_only_on_the_given_name() {
    let index = index_with(vec![
        person(1, "Harvey", "Wright", DOB, Some("DA1 3RT")),
        person(2, "Harry", "Wright", DOB, Some("DA1 3RT")),
    ]);
    assert_eq!(
        unique(&ask(&index, "Harry", "Wright", DOB, Some("DA1 3RT"))),
        Some(2)
    );
    assert_eq!(
        unique(&ask(&index, "Harvey", "Wright", DOB, Some("DA1 3RT"))),
        Some(1)
    );
    // Names swapped for one twin is still that twin, never the other.
    assert_eq!(
        unique(&ask(&index, "Wright", "Harry", DOB, Some("DA1 3RT"))),
        Some(2)
    );
    // A garbled given name between them picks neither.
    assert!(!ask(&index, "Harvy", "Wright", DOB, Some("DA1 3RT")).is_unique());
}

#[test]
fn siblings_are_refused() {
    // Same family name and address, another birthday and given name.
    let index = index_with(vec![person(1, "Oliver", "Wright", DOB, Some("DA1 3RT"))]);
    for (given, dob) in [
        ("Amelia", date!(2010 - 02 - 11)),
        ("Oliver", date!(2010 - 02 - 11)),
        ("Olivia", date!(2008 - 07 - 14)),
        ("Olivia", date!(2008 - 07 - 04)),
    ] {
        let outcome = ask(&index, given, "Wright", dob, Some("DA1 3RT"));
        assert!(!outcome.is_unique(), "{given} {dob}");
    }
}

#[test]
fn namesakes_are_refused() {
    let index = jessica();
    // Same names and postcode, another date of birth (not one slip away).
    for dob in [
        date!(2008 - 11 - 21),
        date!(2007 - 07 - 03),
        date!(2008 - 01 - 30),
    ] {
        assert!(!ask(&index, "Jessica", "Robinson", dob, Some("ME14 1AB")).is_unique());
        assert!(!ask(&index, "Jessica", "Robinson", dob, None).is_unique());
    }
    // Same names and date of birth, another town.
    assert!(!ask(&index, "Jessica", "Robinson", DOB, Some("HR1 1AA")).is_unique());
    // Two namesakes born the same day, in two districts of one area: the
    // postcode of neither settles nothing; each one's own does.
    let index = index_with(vec![
        person(1, "Jessica", "Robinson", DOB, Some("ME14 1AB")),
        person(2, "Jessica", "Robinson", DOB, Some("ME16 4XY")),
    ]);
    assert_eq!(
        ask(&index, "Jessica", "Robinson", DOB, Some("ME15 2AA")).reason(),
        Some(NoMatchReason::Ambiguous)
    );
    assert_eq!(
        unique(&ask(&index, "Jessica", "Robinson", DOB, Some("ME16 4XY"))),
        Some(2)
    );
}

#[test]
fn a_namesake_one_digit_away_makes_the_digit_path_ambiguous() {
    // The request could be Jessica 1 with a slip in the day, or Jessica 2
    // after a move: neither.
    let index = index_with(vec![
        person(1, "Jessica", "Robinson", DOB, Some("ME14 1AB")),
        person(
            2,
            "Jessica",
            "Robinson",
            date!(2008 - 07 - 08),
            Some("ME14 2XY"),
        ),
    ]);
    let outcome = ask(
        &index,
        "Jessica",
        "Robinson",
        date!(2008 - 07 - 08),
        Some("ME14 1AB"),
    );
    assert_eq!(outcome.reason(), Some(NoMatchReason::Ambiguous));
}

#[test]
fn two_close_candidates_are_refused() {
    // A typo in each name, equally close to twins Oliver and Olive.
    let index = index_with(vec![
        person(1, "Oliver", "Wright", DOB, Some("DA1 3RT")),
        person(2, "Olive", "Wright", DOB, Some("DA1 3RT")),
    ]);
    assert_eq!(
        ask(&index, "Olivr", "Wrigt", DOB, Some("DA1 3RT")).reason(),
        Some(NoMatchReason::Ambiguous)
    );
    // Names swapped for one of two people, the other the request as written.
    let index = index_with(vec![
        person(1, "Thomas", "James", DOB, Some("DA1 3RT")),
        person(2, "James", "Thomas", DOB, Some("DA1 3RT")),
    ]);
    assert_eq!(
        ask(&index, "James", "Thomas", DOB, None).reason(),
        Some(NoMatchReason::Ambiguous)
    );
    // Two edits from one person, one from another.
    let index = index_with(vec![
        person(1, "Jessica", "Robinson", DOB, Some("ME14 1AB")),
        person(2, "Jessicca", "Robinson", DOB, Some("ME14 1AB")),
    ]);
    assert!(!ask(&index, "Jesicca", "Robinson", DOB, Some("ME14 1AB")).is_unique());
}

#[test]
fn a_common_name_is_weaker_evidence_than_a_rare_one() {
    // Forty people called Jack Smith elsewhere, a hundred and fifty with
    // names nobody else bears, and one Zebedee Quist.
    let letters = |i: u64, base: &str| {
        let a = char::from(b'a' + (i % 26) as u8);
        let b = char::from(b'a' + (i / 26 % 26) as u8);
        format!("{base}{a}{b}")
    };
    let mut people = Vec::new();
    for i in 0..40u64 {
        let dob = date!(2005 - 01 - 01).saturating_add(time::Duration::days(i as i64 * 3));
        people.push(person(100 + i, "Jack", "Smith", dob, Some("CT2 7NZ")));
    }
    for i in 0..150u64 {
        let dob = date!(2006 - 01 - 01).saturating_add(time::Duration::days(i as i64));
        people.push(person(
            200 + i,
            &letters(i, "Xan"),
            &letters(i, "Vol"),
            dob,
            Some("TN1 1AA"),
        ));
    }
    people.push(person(1, "Jack", "Smith", DOB, None));
    people.push(person(2, "Zebedee", "Quist", DOB, None));
    let index = index_with(people);
    // Day and month swapped, no postcode: 30 points, the threshold. The
    // rare names' bonus keeps it a match; the common names' malus takes it
    // under the threshold.
    let rare = ask(&index, "Zebedee", "Quist", date!(2008 - 03 - 07), None);
    assert_eq!(unique(&rare), Some(2));
    let common = ask(&index, "Jack", "Smith", date!(2008 - 03 - 07), None);
    assert_eq!(common.reason(), Some(NoMatchReason::BelowThreshold));
    // Exact names and date are still enough for the common name.
    assert_eq!(unique(&ask(&index, "Jack", "Smith", DOB, None)), Some(1));
}

#[test]
fn a_twin_makes_the_weak_name_paths_ambiguous() {
    // For twins the family name, DOB and postcode are no evidence between
    // them; a name with two slips, or a slip in a three-letter name, is
    // too weak to choose.
    let index = index_with(vec![
        person(1, "Sophie", "Green", DOB, Some("W10 5QP")),
        person(2, "Sophia", "Green", DOB, Some("W10 5QP")),
    ]);
    assert_eq!(
        ask(&index, "Sofia", "Green", DOB, Some("W10 5QP")).reason(),
        Some(NoMatchReason::Ambiguous)
    );
    let index = index_with(vec![
        person(1, "Mia", "Kowalski", DOB, Some("DA1 3RT")),
        person(2, "Ivy", "Kowalski", DOB, Some("DA1 3RT")),
    ]);
    assert_eq!(
        ask(&index, "Mi", "Kowalski", DOB, Some("DA1 3RT")).reason(),
        Some(NoMatchReason::Ambiguous)
    );
    // Exact given names still tell them apart.
    assert_eq!(
        unique(&ask(&index, "Ivy", "Kowalski", DOB, Some("DA1 3RT"))),
        Some(2)
    );
}
