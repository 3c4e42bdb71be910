//! What a user of the gateway would check, one scenario per test.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use gateway_domain::{CcisId, LaCode, Nino, Postcode, SubjectRef, Uln, Upn};
use gateway_matching::{
    IndexEntry, IndexError, MatchConfig, MatchMethod, MatchOutcome, MatchRequest, NoMatchReason,
    SubjectIndex,
};
use time::Date;
use time::macros::date;

fn pc(s: &str) -> Postcode {
    Postcode::parse(s).unwrap()
}

fn id(n: u64) -> CcisId {
    CcisId::from_parts(886, n).unwrap()
}

fn upn(serial: u16) -> Upn {
    Upn::from_parts(&LaCode::parse("886").unwrap(), 2000, 9, serial).unwrap()
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
        postcode: postcode.map(pc),
    }
}

/// A handful of unrelated people, so no test runs against an empty index.
fn index_with(people: Vec<IndexEntry>) -> SubjectIndex {
    let mut index = SubjectIndex::new();
    let background = [
        ("Olivia", "Taylor", date!(2008 - 01 - 15), "ME15 6AB"),
        ("George", "Patel", date!(2009 - 11 - 02), "CT1 2AA"),
        ("Amelia", "Brown", date!(2007 - 05 - 30), "TN23 1XY"),
        ("Noah", "Khan", date!(2010 - 09 - 09), "HR1 4JP"),
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
        postcode: postcode.map(pc),
    })
}

fn unique(outcome: &MatchOutcome) -> Option<u64> {
    outcome.key().map(|k| k.local_id().parse::<u64>().unwrap())
}

fn no_match(outcome: &MatchOutcome) -> NoMatchReason {
    outcome
        .reason()
        .unwrap_or_else(|| panic!("expected no unique match, got {outcome:?}"))
}

// ---- identifiers -------------------------------------------------------

#[test]
fn upn_typed_in_lower_case_with_spaces_finds_the_person() {
    let mut p = person(1, "Jack", "Smith", date!(2008 - 07 - 03), Some("ME14 1AB"));
    p.upn = Some(upn(1));
    let index = index_with(vec![p]);
    let typed = upn(1).as_str().to_ascii_lowercase();
    let typed = format!(" {} {} ", &typed[..4], &typed[4..]);
    let request = MatchRequest::Identifier(SubjectRef::Upn(Upn::parse(&typed).unwrap()));
    let outcome = index.find(&request);
    assert_eq!(unique(&outcome), Some(1));
    assert!(matches!(
        outcome,
        MatchOutcome::Unique {
            method: MatchMethod::Identifier(gateway_domain::IdKind::Upn),
            ..
        }
    ));
}

#[test]
fn every_identifier_kind_finds_its_holder() {
    let mut p = person(7, "Ava", "Jones", date!(2007 - 02 - 11), None);
    p.upn = Some(upn(7));
    p.uln = Some(Uln::parse("1000000019").unwrap());
    p.nino = Some(Nino::parse("AB123456C").unwrap());
    let index = index_with(vec![p]);
    for r in [
        SubjectRef::Upn(upn(7)),
        SubjectRef::Uln(Uln::parse("1000000019").unwrap()),
        SubjectRef::Nino(Nino::parse("ab 12 34 56 c").unwrap()),
        SubjectRef::CcisId(id(7)),
    ] {
        assert_eq!(unique(&index.find(&MatchRequest::Identifier(r))), Some(7));
    }
    // The same NINO without its suffix letter is a different value.
    let bare = SubjectRef::Nino(Nino::parse("AB123456").unwrap());
    assert_eq!(
        no_match(&index.find_identifier(&bare)),
        NoMatchReason::NoCandidate
    );
}

#[test]
fn unknown_identifier_matches_nobody() {
    let mut p = person(1, "Jack", "Smith", date!(2008 - 07 - 03), None);
    p.upn = Some(upn(1));
    let index = index_with(vec![p]);
    let outcome = index.find_identifier(&SubjectRef::Upn(upn(2)));
    assert_eq!(no_match(&outcome), NoMatchReason::NoCandidate);
    let outcome = index.find_identifier(&SubjectRef::CcisId(id(424_242)));
    assert_eq!(no_match(&outcome), NoMatchReason::NoCandidate);
}

#[test]
fn identifier_held_by_two_people_is_ambiguous_never_a_pick() {
    let mut a = person(1, "Jack", "Smith", date!(2008 - 07 - 03), None);
    let mut b = person(2, "Ryan", "Evans", date!(2006 - 01 - 20), None);
    a.uln = Some(Uln::parse("1000000019").unwrap());
    b.uln = a.uln.clone();
    let mut index = index_with(vec![a, b]);
    let r = SubjectRef::Uln(Uln::parse("1000000019").unwrap());
    assert_eq!(
        no_match(&index.find_identifier(&r)),
        NoMatchReason::Ambiguous
    );
    // Fixing the data error at source makes the identifier usable again.
    let mut b = person(2, "Ryan", "Evans", date!(2006 - 01 - 20), None);
    b.uln = None;
    index.update(b).unwrap();
    assert_eq!(unique(&index.find_identifier(&r)), Some(1));
}

// ---- demographics --------------------------------------------------------

#[test]
fn exact_demographics_find_the_person() {
    let index = index_with(vec![person(
        1,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 1AB"),
    )]);
    let outcome = ask(
        &index,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 1AB"),
    );
    assert_eq!(unique(&outcome), Some(1));
    assert!(matches!(
        outcome,
        MatchOutcome::Unique {
            method: MatchMethod::Demographic { score: 46, .. },
            ..
        }
    ));
    // Without a postcode the names and date of birth are enough.
    let outcome = ask(&index, "Jack", "Smith", date!(2008 - 07 - 03), None);
    assert_eq!(unique(&outcome), Some(1));
}

#[test]
fn one_letter_typo_in_family_name_still_matches() {
    let index = index_with(vec![person(
        1,
        "Jessica",
        "Robinson",
        date!(2008 - 07 - 03),
        Some("ME14 1AB"),
    )]);
    for typo in ["Robinsn", "Robisnon", "Robinsen", "Robinsoon"] {
        let outcome = ask(
            &index,
            "Jessica",
            typo,
            date!(2008 - 07 - 03),
            Some("ME14 1AB"),
        );
        assert_eq!(unique(&outcome), Some(1), "{typo}");
        let outcome = ask(&index, "Jessica", typo, date!(2008 - 07 - 03), None);
        assert_eq!(unique(&outcome), Some(1), "{typo} without postcode");
    }
    // Two slips in a short name are not a typo.
    let outcome = ask(&index, "Jessica", "Robnsn", date!(2008 - 07 - 03), None);
    assert_eq!(no_match(&outcome), NoMatchReason::BelowThreshold);
}

#[test]
fn accents_case_hyphens_apostrophes_and_spaces_do_not_matter() {
    let index = index_with(vec![person(
        1,
        "Zoë",
        "O'Neil-Smith",
        date!(2009 - 02 - 14),
        Some("N1 9GU"),
    )]);
    for (given, family) in [
        ("zoe", "oneil smith"),
        ("ZOE", "O NEIL-SMITH"),
        ("Zoe", "O’Neil Smith"),
        ("  zoë ", "oneilsmith"),
    ] {
        let outcome = ask(&index, given, family, date!(2009 - 02 - 14), None);
        assert_eq!(unique(&outcome), Some(1), "{given} {family}");
    }
    // One part of a double-barrelled name is close, not exact: with an
    // exact given name, date of birth and postcode it is still enough.
    let outcome = ask(
        &index,
        "Zoe",
        "Smith",
        date!(2009 - 02 - 14),
        Some("N1 9GU"),
    );
    assert_eq!(unique(&outcome), Some(1));
}

#[test]
fn day_and_month_swapped_in_date_of_birth_matches() {
    let index = index_with(vec![person(
        1,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 1AB"),
    )]);
    // 03/07 written as 07/03.
    let outcome = ask(
        &index,
        "Jack",
        "Smith",
        date!(2008 - 03 - 07),
        Some("ME14 1AB"),
    );
    assert_eq!(unique(&outcome), Some(1));
    let outcome = ask(&index, "Jack", "Smith", date!(2008 - 03 - 07), None);
    assert_eq!(unique(&outcome), Some(1));
    // A swap and a name typo together need the postcode to confirm them.
    let outcome = ask(&index, "Jack", "Smiht", date!(2008 - 03 - 07), None);
    assert_eq!(no_match(&outcome), NoMatchReason::BelowThreshold);
    let outcome = ask(
        &index,
        "Jack",
        "Smiht",
        date!(2008 - 03 - 07),
        Some("ME14 1AB"),
    );
    assert_eq!(unique(&outcome), Some(1));
}

#[test]
fn a_different_birth_year_never_matches() {
    let index = index_with(vec![person(
        1,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 1AB"),
    )]);
    for dob in [
        date!(2007 - 07 - 03),
        date!(2009 - 07 - 03),
        date!(2009 - 03 - 07),
    ] {
        let outcome = ask(&index, "Jack", "Smith", dob, Some("ME14 1AB"));
        assert!(!outcome.is_unique(), "{dob}");
    }
    // Nor does another day in the same year two digits away (one digit
    // away is a slip the names and postcode can confirm: see
    // `error_kinds.rs`).
    let outcome = ask(
        &index,
        "Jack",
        "Smith",
        date!(2008 - 07 - 25),
        Some("ME14 1AB"),
    );
    assert!(!outcome.is_unique());
    let outcome = ask(&index, "Jack", "Smith", date!(2008 - 07 - 04), None);
    assert!(!outcome.is_unique());
}

#[test]
fn twins_resolve_only_on_a_given_name_that_picks_one() {
    let dob = date!(2009 - 04 - 21);
    let index = index_with(vec![
        person(1, "Oliver", "Wright", dob, Some("DA1 3RT")),
        person(2, "Amelia", "Wright", dob, Some("DA1 3RT")),
    ]);
    assert_eq!(
        unique(&ask(&index, "Oliver", "Wright", dob, Some("DA1 3RT"))),
        Some(1)
    );
    assert_eq!(
        unique(&ask(&index, "Amelia", "Wright", dob, Some("DA1 3RT"))),
        Some(2)
    );
    assert_eq!(unique(&ask(&index, "amelia", "wright", dob, None)), Some(2));
    // A typo that still points at one twin.
    assert_eq!(
        unique(&ask(&index, "Olivr", "Wright", dob, Some("DA1 3RT"))),
        Some(1)
    );
    // A wrong or garbled given name picks neither.
    for given in ["Thomas", "Ameliver", "Xqzt", "Oli", "A"] {
        let outcome = ask(&index, given, "Wright", dob, Some("DA1 3RT"));
        assert!(!outcome.is_unique(), "{given} must not pick a twin");
    }
}

#[test]
fn twins_whose_names_differ_by_one_letter_never_resolve_on_that_letter() {
    let dob = date!(2010 - 10 - 05);
    let index = index_with(vec![
        person(1, "Sophie", "Green", dob, Some("W10 5QP")),
        person(2, "Sophia", "Green", dob, Some("W10 5QP")),
    ]);
    for given in ["Sophie", "Sophia"] {
        let outcome = ask(&index, given, "Green", dob, Some("W10 5QP"));
        assert_eq!(no_match(&outcome), NoMatchReason::Ambiguous, "{given}");
    }
    assert!(!ask(&index, "Sofia", "Green", dob, Some("W10 5QP")).is_unique());
}

#[test]
fn the_unindexed_twin_is_not_answered_with_the_indexed_one() {
    // Only Oliver is in the CCIS (his sister lives elsewhere).
    let dob = date!(2009 - 04 - 21);
    let index = index_with(vec![person(1, "Oliver", "Wright", dob, Some("DA1 3RT"))]);
    let outcome = ask(&index, "Amelia", "Wright", dob, Some("DA1 3RT"));
    assert_eq!(no_match(&outcome), NoMatchReason::BelowThreshold);
}

#[test]
fn a_request_halfway_between_two_people_goes_to_neither() {
    // "Joe" is one letter from José (too short a name to call that a
    // typo) and one word of Billy-Joe (not the first word of a given
    // name): neither may be chosen over the other.
    let dob = date!(2010 - 01 - 20);
    let index = index_with(vec![
        person(1, "José", "Patel", dob, None),
        person(2, "Billy-Joe", "Patel", dob, None),
    ]);
    assert!(!ask(&index, "Joe", "Patel", dob, None).is_unique());
    // "Maia" is one edit from Mia and from Maja.
    let index = index_with(vec![
        person(1, "Mia", "Jones", dob, None),
        person(2, "Maja", "Jones", dob, None),
    ]);
    assert_eq!(
        no_match(&ask(&index, "Maia", "Jones", dob, None)),
        NoMatchReason::Ambiguous
    );
    // Without the near neighbour the same request is a typo for Maja.
    let index = index_with(vec![person(2, "Maja", "Jones", dob, None)]);
    assert_eq!(unique(&ask(&index, "Maia", "Jones", dob, None)), Some(2));
}

#[test]
fn same_name_and_dob_in_two_places_needs_the_postcode() {
    let dob = date!(2008 - 07 - 03);
    let index = index_with(vec![
        person(1, "Jack", "Smith", dob, Some("ME14 1AB")),
        person(2, "Jack", "Smith", dob, Some("CT2 7NZ")),
    ]);
    let outcome = ask(&index, "Jack", "Smith", dob, None);
    assert_eq!(no_match(&outcome), NoMatchReason::Ambiguous);
    assert_eq!(
        unique(&ask(&index, "Jack", "Smith", dob, Some("ME14 1AB"))),
        Some(1)
    );
    assert_eq!(
        unique(&ask(&index, "Jack", "Smith", dob, Some("ct2 7nz"))),
        Some(2)
    );
    // A postcode in the same sector as one of them, and in another town
    // from the other, still tells them apart.
    let outcome = ask(&index, "Jack", "Smith", dob, Some("ME14 1ZZ"));
    assert_eq!(unique(&outcome), Some(1));
    let outcome = ask(&index, "Jack", "Smith", dob, Some("HR1 1AA"));
    assert!(!outcome.is_unique());
}

#[test]
fn two_people_with_identical_demographics_are_ambiguous() {
    let dob = date!(2008 - 07 - 03);
    let mut index = index_with(vec![
        person(1, "Jack", "Smith", dob, Some("ME14 1AB")),
        person(2, "Jack", "Smith", dob, Some("ME14 1AB")),
    ]);
    let outcome = ask(&index, "Jack", "Smith", dob, Some("ME14 1AB"));
    assert_eq!(no_match(&outcome), NoMatchReason::Ambiguous);
    // Once the duplicate is removed, the remaining record is unique.
    assert!(index.remove(&id(2)));
    assert_eq!(
        unique(&ask(&index, "Jack", "Smith", dob, Some("ME14 1AB"))),
        Some(1)
    );
}

#[test]
fn a_namesake_born_a_day_later_nearby_blocks_a_match() {
    // The request could be Jack 1 after a move within the district, or
    // Jack 2 with a mistyped birthday: the matcher must not guess.
    let index = index_with(vec![
        person(1, "Jack", "Smith", date!(2008 - 07 - 03), Some("ME14 1AB")),
        person(2, "Jack", "Smith", date!(2008 - 07 - 04), Some("ME14 2XY")),
    ]);
    let outcome = ask(
        &index,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 2XY"),
    );
    assert_eq!(no_match(&outcome), NoMatchReason::Ambiguous);
    // At Jack 1's own address the request is clearly his.
    let outcome = ask(
        &index,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 1AB"),
    );
    assert_eq!(unique(&outcome), Some(1));
}

#[test]
fn a_contradicting_postcode_outweighs_a_weak_match() {
    let index = index_with(vec![person(
        1,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 1AB"),
    )]);
    // Everything exact but the postcode, which is in another town.
    let outcome = ask(
        &index,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("HR1 1AA"),
    );
    assert_eq!(no_match(&outcome), NoMatchReason::BelowThreshold);
    // Same district: a move within the town is fine.
    let outcome = ask(
        &index,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 5XX"),
    );
    assert_eq!(unique(&outcome), Some(1));
}

#[test]
fn nobody_resembling_the_request_is_no_candidate() {
    let index = index_with(vec![]);
    let outcome = ask(&index, "Kieran", "Okafor", date!(2006 - 06 - 06), None);
    assert_eq!(no_match(&outcome), NoMatchReason::NoCandidate);
}

#[test]
fn unusable_names_are_refused_without_a_search() {
    let index = index_with(vec![person(
        1,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        None,
    )]);
    let long = "Smith".repeat(100);
    for (g, f) in [("", "Smith"), ("Jack", " - "), ("Jack", long.as_str())] {
        let outcome = ask(&index, g, f, date!(2008 - 07 - 03), None);
        assert_eq!(no_match(&outcome), NoMatchReason::InsufficientDetail);
    }
}

#[test]
fn updates_and_removals_keep_the_index_current() {
    let dob = date!(2008 - 07 - 03);
    let mut index = index_with(vec![person(1, "Jack", "Smith", dob, Some("ME14 1AB"))]);
    // A move and a corrected name.
    assert_eq!(
        index.update(person(1, "Jake", "Smith", dob, Some("CT1 1AA"))),
        Ok(())
    );
    assert_eq!(
        unique(&ask(&index, "Jake", "Smith", dob, Some("CT1 1AA"))),
        Some(1)
    );
    assert!(!ask(&index, "Jack", "Smith", dob, Some("ME14 1AB")).is_unique());
    assert_eq!(index.len(), 5);
    // insert() on an existing key replaces it.
    assert_eq!(
        index.insert(person(1, "Jake", "Smith", dob, Some("CT1 1AA"))),
        Ok(true)
    );
    assert_eq!(index.len(), 5);
    assert!(index.remove(&id(1)));
    assert!(!index.remove(&id(1)));
    assert!(!index.contains_key(&id(1)));
    assert_eq!(
        no_match(&ask(&index, "Jake", "Smith", dob, Some("CT1 1AA"))),
        NoMatchReason::NoCandidate,
    );
    assert_eq!(
        index.update(person(1, "Jake", "Smith", dob, None)),
        Err(IndexError::UnknownKey)
    );
    // The freed slot is reused correctly.
    index.insert(person(3, "Ella", "Hall", dob, None)).unwrap();
    assert_eq!(unique(&ask(&index, "Ella", "Hall", dob, None)), Some(3));
}

#[test]
fn the_store_may_use_its_own_keys() {
    let mut index: SubjectIndex<u64> = SubjectIndex::with_config(MatchConfig::default()).unwrap();
    let entry = IndexEntry {
        key: 42u64,
        upn: Some(upn(5)),
        uln: None,
        ccis_id: None,
        nino: None,
        given_name: "Freya".into(),
        family_name: "Núñez".into(),
        date_of_birth: date!(2011 - 12 - 01),
        postcode: None,
    };
    index.insert(entry).unwrap();
    let outcome = index.find_demographics("freya", "nunez", date!(2011 - 12 - 01), None);
    assert_eq!(outcome.key(), Some(&42));
    assert_eq!(
        index.find_identifier(&SubjectRef::Upn(upn(5))).key(),
        Some(&42)
    );
}

#[test]
fn entries_come_from_the_canonical_record() {
    let today = date!(2025 - 03 - 15);
    let people: Vec<_> =
        gateway_domain::synthetic::cohort(3, 50, today, LaCode::parse("886").unwrap()).collect();
    let mut index = SubjectIndex::new();
    for p in &people {
        index.insert(IndexEntry::from(p)).unwrap();
    }
    let p = &people[17];
    assert_eq!(
        index
            .find_identifier(&SubjectRef::CcisId(p.ccis_id.clone()))
            .key(),
        Some(&p.ccis_id)
    );
    let outcome = index.find_demographics(
        &p.given_name,
        &p.family_name,
        p.date_of_birth,
        p.address.postcode(),
    );
    assert_eq!(outcome.key(), Some(&p.ccis_id));
}

#[test]
fn requests_and_entries_do_not_print_personal_data() {
    let request = MatchRequest::Demographics {
        given_name: "Zoë".into(),
        family_name: "O'Neil".into(),
        date_of_birth: date!(2009 - 02 - 14),
        postcode: Some(pc("N1 9GU")),
    };
    let shown = format!("{request:?}");
    for secret in ["Zo", "Neil", "2009", "N1"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let entry = person(1, "Zoë", "O'Neil", date!(2009 - 02 - 14), Some("N1 9GU"));
    let shown = format!("{entry:?}");
    for secret in ["Zo", "Neil", "2009", "N1", "886"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let index = index_with(vec![entry]);
    let shown = format!("{index:?}");
    assert!(!shown.contains("Neil"));
}

#[test]
fn requests_and_outcomes_have_a_stable_wire_form() {
    let json = r#"{"demographics":{"given_name":"Jack","family_name":"Smith","date_of_birth":"2008-07-03","postcode":"ME14 1AB"}}"#;
    let request: MatchRequest = serde_json::from_str(json).unwrap();
    let index = index_with(vec![person(
        1,
        "Jack",
        "Smith",
        date!(2008 - 07 - 03),
        Some("ME14 1AB"),
    )]);
    assert_eq!(unique(&index.find(&request)), Some(1));
    let json = r#"{"identifier":{"ccis_id":"8860000000001"}}"#;
    let request: MatchRequest = serde_json::from_str(json).unwrap();
    assert_eq!(unique(&index.find(&request)), Some(1));
    let none: MatchOutcome = MatchOutcome::NoUniqueMatch {
        reason: NoMatchReason::Ambiguous,
    };
    assert_eq!(
        serde_json::to_string(&none).unwrap(),
        r#"{"no_unique_match":{"reason":"ambiguous"}}"#
    );
}

#[test]
fn an_invalid_configuration_is_refused() {
    let config = MatchConfig {
        margin: 0,
        ..MatchConfig::default()
    };
    assert!(SubjectIndex::<u64>::with_config(config).is_err());
}

#[test]
fn a_missing_required_field_is_named_without_any_value() {
    // The API answers 422 with this error's text: it must say which field
    // is missing and echo nothing the partner sent.
    for (json, field) in [
        (
            r#"{"demographics":{"given_name":"Zebedee","date_of_birth":"2008-07-03","postcode":"ME14 1AB"}}"#,
            "family_name",
        ),
        (
            r#"{"demographics":{"family_name":"Quist","date_of_birth":"2008-07-03"}}"#,
            "given_name",
        ),
        (
            r#"{"demographics":{"given_name":"Zebedee","family_name":"Quist"}}"#,
            "date_of_birth",
        ),
    ] {
        let err = serde_json::from_str::<MatchRequest>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(field), "{err}");
        for secret in ["Zebedee", "Quist", "2008", "ME14"] {
            assert!(!err.contains(secret), "{err}");
        }
    }
}
