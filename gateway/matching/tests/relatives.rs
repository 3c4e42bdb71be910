//! Twins, siblings and namesakes are never matched for one another, across
//! thousands of small generated cohorts.
//!
//! Each case builds a small synthetic cohort, picks a person, and makes a
//! relative of a random kind: a twin (same family name, DOB and postcode,
//! another given name), a sibling (same family name and postcode, another
//! given name and DOB), a namesake born another day (same names and
//! postcode, a DOB that is no single slip of the person's), or a namesake
//! elsewhere (same names and DOB, a postcode in another area). The relative
//! is in the index or not. Asking for the relative must never answer the
//! person, and asking for the person must never answer the relative.
//!
//! A twin's given name is at least three edits from the person's: a name
//! one or two slips away is, to a matcher, a typo unless other people bear
//! it, and that case (Sophie and her unindexed twin Sophia) is
//! `error_kinds.rs`'s `twins_are_refused_when_only_one_is_indexed`.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use gateway_domain::{CcisId, LaCode, Postcode, synthetic};
use gateway_matching::{IndexEntry, MatchRequest, SubjectIndex, comparison_form};
use proptest::prelude::*;
use time::macros::date;
use time::{Date, Duration, Month};

const GIVEN: &[&str] = &[
    "Oliver",
    "Amelia",
    "Noah",
    "Isla",
    "Leo",
    "Ava",
    "Harry",
    "Mia",
    "Oscar",
    "Freya",
    "Kai",
    "Niamh",
    "Tomás",
    "Zoë",
    "Muhammad",
    "Chloe",
    "Jean-Luc",
    "Mary-Jane",
    "Ali",
    "Ivy",
];

fn osa(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// Whether two given names are far apart: at least three edits in the
/// matcher's comparison form, and neither's words among the other's.
fn far_apart(a: &str, b: &str) -> bool {
    let (fa, fb) = (comparison_form(a).unwrap(), comparison_form(b).unwrap());
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter_map(comparison_form)
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    let shares = wa.iter().any(|w| wb.contains(w));
    let ca: Vec<char> = fa.chars().collect();
    let cb: Vec<char> = fb.chars().collect();
    !shares && osa(&ca, &cb) >= 3
}

fn swapped(d: Date) -> Option<Date> {
    if d.day() == u8::from(d.month()) {
        return None;
    }
    let m = Month::try_from(d.day()).ok()?;
    Date::from_calendar_date(d.year(), m, u8::from(d.month())).ok()
}

fn one_digit_apart(a: u8, b: u8) -> bool {
    (a / 10 != b / 10) != (a % 10 != b % 10)
}

/// One digit of the day or month, or day and month exchanged, same year.
fn is_slip(a: Date, b: Date) -> bool {
    a.year() == b.year()
        && (Some(b) == swapped(a)
            || (a.month() == b.month() && one_digit_apart(a.day(), b.day()))
            || (a.day() == b.day() && one_digit_apart(u8::from(a.month()), u8::from(b.month()))))
}

#[derive(Debug, Clone, Copy)]
enum Relative {
    Twin,
    Sibling,
    NamesakeOtherDob,
    NamesakeElsewhere,
}

fn relative() -> impl Strategy<Value = Relative> {
    prop_oneof![
        Just(Relative::Twin),
        Just(Relative::Sibling),
        Just(Relative::NamesakeOtherDob),
        Just(Relative::NamesakeElsewhere),
    ]
}

fn ask(index: &SubjectIndex, e: &IndexEntry) -> Option<CcisId> {
    index
        .find(&MatchRequest::Demographics {
            given_name: e.given_name.clone(),
            family_name: e.family_name.clone(),
            date_of_birth: e.date_of_birth,
            postcode: e.postcode.clone(),
        })
        .key()
        .cloned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn a_relative_is_never_matched_for_the_person(
        seed in any::<u64>(),
        size in 2usize..24,
        who in any::<usize>(),
        kind in relative(),
        name in 0..GIVEN.len(),
        days in 1i64..2_500,
        later: bool,
        indexed: bool,
        elsewhere in prop::sample::select(vec!["HR1 4JP", "WR5 2BB", "NW1 1AA", "CT2 7NZ", "TN23 1XY", "ME15 6AB"]),
    ) {
        let people: Vec<_> =
            synthetic::cohort(seed, size, date!(2025 - 03 - 15), LaCode::parse("886").unwrap())
                .collect();
        let p = IndexEntry::from(&people[who % people.len()]);
        let mut r = p.clone();
        r.key = CcisId::from_parts(886, 9_999_999).unwrap();
        r.ccis_id = Some(r.key.clone());
        r.upn = None;
        r.uln = None;
        r.nino = None;
        let shift = |d: Date| {
            d.checked_add(Duration::days(if later { days } else { -days })).unwrap()
        };
        match kind {
            Relative::Twin => r.given_name = GIVEN[name].to_owned(),
            Relative::Sibling => {
                r.given_name = GIVEN[name].to_owned();
                r.date_of_birth = shift(p.date_of_birth);
            }
            Relative::NamesakeOtherDob => r.date_of_birth = shift(p.date_of_birth),
            Relative::NamesakeElsewhere => {
                r.postcode = Some(Postcode::parse(elsewhere).unwrap());
            }
        }
        // The relative must really differ from the person in a way no
        // accepted slip explains.
        let area = |e: &IndexEntry| {
            e.postcode.as_ref().map(|pc| {
                pc.outward()
                    .chars()
                    .take_while(char::is_ascii_alphabetic)
                    .collect::<String>()
            })
        };
        let differs = match kind {
            Relative::Twin | Relative::Sibling => far_apart(&p.given_name, &r.given_name),
            Relative::NamesakeOtherDob => !is_slip(p.date_of_birth, r.date_of_birth),
            Relative::NamesakeElsewhere => p.postcode.is_some() && area(&p) != area(&r),
        };
        prop_assume!(differs);

        let mut index = SubjectIndex::new();
        for q in &people {
            index.insert(IndexEntry::from(q)).unwrap();
        }
        if indexed {
            index.insert(r.clone()).unwrap();
        }
        let for_relative = ask(&index, &r);
        prop_assert_ne!(for_relative.as_ref(), Some(&p.key), "{:?} answered with the person", kind);
        if indexed {
            let for_person = ask(&index, &p);
            prop_assert_ne!(for_person.as_ref(), Some(&r.key), "{:?} answered with the relative", kind);
        }
    }
}
