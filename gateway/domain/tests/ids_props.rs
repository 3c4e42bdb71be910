//! Property tests for the identifier newtypes.
//!
//! What the check-character schemes guarantee (see each module's docs):
//! - ULN and NHS number (mod 11, weights 10..2 coprime to 11): every
//!   single-character substitution is detected;
//! - UPN (mod 23, weights 2..13 below the prime 23): every substitution is
//!   detected EXCEPT, at position 13, a digit d swapped with the letter whose
//!   index is d (0↔A ... 9↔K): both carry value d, so the check letter is
//!   unchanged. The tests assert detection where guaranteed and assert that
//!   exact gap is accepted, so a change of algorithm would be noticed.
//! - NINO and postcode have no check character; they are tested for
//!   agreement with the specification's regular expressions instead.

use gateway_domain::ids::{
    CcisId, IdError, LaCode, NhsNumber, Nino, Postcode, SubjectRef, Ukprn, Uln, Upn,
};
use proptest::prelude::*;

const UPN_ALPHABET: &str = "ABCDEFGHJKLMNPQRTUVWXYZ";

fn upn_strategy() -> impl Strategy<Value = Upn> {
    (0u16..=999, 0u16..=9999, 0u8..=99, 0u16..=999)
        .prop_filter_map("valid parts", |(la, e, y, s)| {
            Upn::from_parts(&LaCode::from_number(la)?, e, y, s)
        })
}

fn uln_strategy() -> impl Strategy<Value = Uln> {
    (0u32..=999_999_999).prop_filter_map("has check digit", Uln::from_base)
}

fn nhs_strategy() -> impl Strategy<Value = NhsNumber> {
    (0u32..=999_999_999).prop_filter_map("has check digit", NhsNumber::from_base)
}

fn substitute(s: &str, pos: usize, c: char) -> String {
    s.chars()
        .enumerate()
        .map(|(i, x)| if i == pos { c } else { x })
        .collect()
}

fn round_trips<T>(v: &T)
where
    T: std::fmt::Display
        + std::str::FromStr
        + PartialEq
        + std::fmt::Debug
        + serde::Serialize
        + serde::de::DeserializeOwned,
    <T as std::str::FromStr>::Err: std::fmt::Debug,
{
    let shown = v.to_string();
    assert_eq!(&shown.parse::<T>().expect("Display output parses"), v);
    let json = serde_json::to_string(v).expect("serialises");
    assert_eq!(json, format!("\"{shown}\""));
    assert_eq!(&serde_json::from_str::<T>(&json).expect("deserialises"), v);
    assert!(!format!("{v:?}").contains(&shown));
}

proptest! {
    #[test]
    fn generated_ids_round_trip(upn in upn_strategy(), uln in uln_strategy(), nhs in nhs_strategy(),
                                db in 0u16..=999, local in 0u64..=9_999_999_999) {
        round_trips(&upn);
        round_trips(&uln);
        round_trips(&nhs);
        round_trips(&CcisId::from_parts(db, local).unwrap());
        let subject = SubjectRef::from(upn.clone());
        let json = serde_json::to_string(&subject).unwrap();
        prop_assert_eq!(serde_json::from_str::<SubjectRef>(&json).unwrap(), subject);
        // Lower case and spaces are normalised away.
        let spaced: String = upn.as_str().to_lowercase().chars().flat_map(|c| [c, ' ']).collect();
        prop_assert_eq!(Upn::parse(&spaced).unwrap(), upn);
    }

    #[test]
    fn uln_single_substitution_rejected(uln in uln_strategy(), pos in 0usize..10, c in "[0-9A-Z]") {
        let c = c.chars().next().unwrap();
        prop_assume!(uln.as_str().chars().nth(pos) != Some(c));
        prop_assert!(Uln::parse(&substitute(uln.as_str(), pos, c)).is_err());
    }

    #[test]
    fn nhs_single_substitution_rejected(nhs in nhs_strategy(), pos in 0usize..10, c in "[0-9A-Z]") {
        let c = c.chars().next().unwrap();
        prop_assume!(nhs.as_str().chars().nth(pos) != Some(c));
        prop_assert!(NhsNumber::parse(&substitute(nhs.as_str(), pos, c)).is_err());
    }

    #[test]
    fn upn_single_substitution_rejected_except_documented_gap(
        upn in upn_strategy(), pos in 0usize..13, c in "[0-9A-Z]"
    ) {
        let c = c.chars().next().unwrap();
        let original = upn.as_str().chars().nth(pos).unwrap();
        prop_assume!(original != c);
        let changed = substitute(upn.as_str(), pos, c);
        let same_value_swap = pos == 12 && original.is_ascii_digit()
            && UPN_ALPHABET.chars().nth(original.to_digit(10).unwrap() as usize) == Some(c);
        if same_value_swap {
            let temp = Upn::parse(&changed).unwrap();
            prop_assert!(temp.is_temporary());
        } else {
            prop_assert!(Upn::parse(&changed).is_err(), "{} accepted", changed);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
        let _ = Upn::parse(&s);
        let _ = Uln::parse(&s);
        let _ = NhsNumber::parse(&s);
        let _ = Nino::parse(&s);
        let _ = Postcode::parse(&s);
        let _ = LaCode::parse(&s);
        let _ = Ukprn::parse(&s);
        let _ = CcisId::parse(&s);
        let _ = serde_json::from_str::<Upn>(&s);
    }

    #[test]
    fn errors_never_echo_the_input(s in "[0-9A-Z]{8,13}") {
        for err in [Upn::parse(&s).err(), Uln::parse(&s).err(), NhsNumber::parse(&s).err(),
                    Nino::parse(&s).err(), Postcode::parse(&s).err(), CcisId::parse(&s).err()]
            .into_iter()
            .flatten()
        {
            prop_assert!(!err.to_string().contains(&s));
        }
    }

    #[test]
    fn nino_agrees_with_spec_regex(s in "[A-Z]{2}[0-9]{6}[A-F]?|[A-Z0-9]{7,10}") {
        let re = regex::Regex::new(r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?$").unwrap();
        let forbidden = ["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"].iter().any(|p| s.starts_with(p));
        prop_assert_eq!(Nino::parse(&s).is_ok(), re.is_match(&s) && !forbidden);
    }

    #[test]
    fn postcode_agrees_with_spec_regex(s in "[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|[A-Z0-9]{4,8}") {
        let re = regex::Regex::new(r"^([A-Z][A-HJ-Y]?[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$").unwrap();
        let parsed = Postcode::parse(&s);
        prop_assert_eq!(parsed.is_ok(), re.is_match(&s));
        if let Ok(p) = parsed {
            prop_assert_eq!(p.formatted().replace(' ', ""), s.clone());
            prop_assert_eq!(p.inward().len(), 3);
            prop_assert!(p.sector().starts_with(p.outward()));
        }
    }
}

#[test]
fn json_number_is_rejected_without_echo() {
    let err = serde_json::from_str::<NhsNumber>("9434765919").unwrap_err();
    assert!(!err.to_string().contains("9434765919"), "{err}");
    let err = serde_json::from_str::<Uln>("\"1000000018\"").unwrap_err();
    assert!(!err.to_string().contains("1000000018"), "{err}");
}

#[test]
fn error_names_the_rule() {
    assert_eq!(
        Uln::parse("1000000018").unwrap_err().to_string(),
        "ULN: check character does not match"
    );
    assert!(matches!(Upn::parse(""), Err(IdError::Empty { .. })));
    assert!(matches!(
        Upn::parse(&"1".repeat(1000)),
        Err(IdError::TooLong { .. })
    ));
}
