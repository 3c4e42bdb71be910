//! Matching quality on corrupted duplicates of a synthetic cohort.
//!
//! ```sh
//! cargo run --release -p gateway-matching --example quality
//! MATCHING_QUALITY_PEOPLE=1000000 MATCHING_QUALITY_TRIALS=20000 \
//!   cargo run --release -p gateway-matching --example quality
//! ```
//!
//! The cohort is `gateway_domain::synthetic::cohort` (seed 2026, today
//! 2025-03-15), every person indexed, with more names: the synthetic lists
//! hold about 60 given and 40 family names, a real register thousands, and
//! with so few nearly every corrupted request would be exactly some other
//! person. So half the people keep their list given name and 40% their
//! family name; the others get a name built from syllables (about 15,000
//! of each kind, drawn with skewed, Zipf-like frequencies so that the
//! frequency weights have common and rare names to weigh). A household
//! (family name, DOB and postcode, so twins) keeps one family name. For each kind below, the generator
//! picks people at random and writes the request a partner's system would
//! send, with exactly that error (a person for whom the kind cannot apply,
//! e.g. no name of five to nine letters, is skipped and another drawn):
//!
//! | kind | request |
//! |---|---|
//! | `exact` | the record as it is (control) |
//! | `names_swapped` | given and family names exchanged; DOB and postcode as recorded |
//! | `typo_in_each_name` | one edit (insert, delete, substitute, transpose) in each name; DOB and postcode as recorded |
//! | `two_edits_long_name` | two edits in a name of 5-9 letters (the other chosen at random if both are); the rest as recorded |
//! | `one_edit_short_name` | one edit in a name under 4 letters (result of 2+ letters); the rest as recorded |
//! | `dob_digit` | one digit of the day or month changed (a valid date, not the transposition); names and postcode as recorded |
//! | `dob_transposed` | day and month exchanged within the year; names and postcode as recorded |
//! | `postcode_other_district` | names and DOB as recorded, postcode in another district of the same area |
//!
//! and the people who must **not** be matched: each is a relative of an
//! indexed person who is not in the index themselves, asked for exactly
//! as recorded elsewhere:
//!
//! | kind | request |
//! |---|---|
//! | `twin` | same family name, DOB and postcode; another given name of the cohort |
//! | `sibling` | same family name and postcode; another given name; born 1-6 years apart |
//! | `namesake_other_dob` | same names and postcode; another DOB that is no single slip of the person's (not one digit, not the transposition) |
//! | `namesake_other_area` | same names and DOB; a postcode in another area |
//!
//! The cohort draws its names from short lists, so a corrupted request
//! sometimes holds exactly the names of another real person born on the
//! requested date or a single slip of it (the transposition, one digit of
//! the day or month): a namesake born on the mistyped date, a sibling's
//! name that a cousin nearby bears. The right answer to such a request is
//! unknowable, so it is skipped, counted as **coincident**, and another
//! drawn.
//!
//! An answer is **right** when it is the person the request was made
//! from, **wrong** when it is anyone else (for the must-not-match kinds,
//! any answer at all), and **none** otherwise. Recall = right / trials
//! over the error kinds; precision = right / (right + wrong) over
//! everything.
//!
//! Nothing here was tuned on a public record-linkage data set.

// An example, not library code: a failure to set up is a panic.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Instant;

use gateway_domain::{LaCode, Postcode, YoungPerson, synthetic};
use gateway_matching::{
    IndexEntry, MatchMethod, MatchOutcome, MatchRequest, SubjectIndex, comparison_form,
};
use time::macros::date;
use time::{Date, Month};

/// SplitMix64: small, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    NamesSwapped,
    TypoInEachName,
    TwoEditsLongName,
    OneEditShortName,
    DobDigit,
    DobTransposed,
    PostcodeOtherDistrict,
    Twin,
    Sibling,
    NamesakeOtherDob,
    NamesakeOtherArea,
}

const KINDS: [Kind; 12] = [
    Kind::Exact,
    Kind::NamesSwapped,
    Kind::TypoInEachName,
    Kind::TwoEditsLongName,
    Kind::OneEditShortName,
    Kind::DobDigit,
    Kind::DobTransposed,
    Kind::PostcodeOtherDistrict,
    Kind::Twin,
    Kind::Sibling,
    Kind::NamesakeOtherDob,
    Kind::NamesakeOtherArea,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Exact => "exact",
            Kind::NamesSwapped => "names_swapped",
            Kind::TypoInEachName => "typo_in_each_name",
            Kind::TwoEditsLongName => "two_edits_long_name",
            Kind::OneEditShortName => "one_edit_short_name",
            Kind::DobDigit => "dob_digit",
            Kind::DobTransposed => "dob_transposed",
            Kind::PostcodeOtherDistrict => "postcode_other_district",
            Kind::Twin => "twin (must not match)",
            Kind::Sibling => "sibling (must not match)",
            Kind::NamesakeOtherDob => "namesake_other_dob (must not)",
            Kind::NamesakeOtherArea => "namesake_other_area (must not)",
        }
    }

    fn must_not_match(self) -> bool {
        matches!(
            self,
            Kind::Twin | Kind::Sibling | Kind::NamesakeOtherDob | Kind::NamesakeOtherArea
        )
    }
}

/// Optimal string alignment distance (small names only).
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

/// Edit distance between two names in the matcher's comparison form.
fn distance(a: &str, b: &str) -> Option<usize> {
    let a: Vec<char> = comparison_form(a)?.chars().collect();
    let b: Vec<char> = comparison_form(b)?.chars().collect();
    Some(osa(&a, &b))
}

fn form_len(name: &str) -> usize {
    comparison_form(name).map_or(0, |f| f.chars().count())
}

/// One random edit of a name's letters (on its comparison form, as a
/// partner's keyboard would make it).
fn one_edit(name: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = comparison_form(name).unwrap_or_default().chars().collect();
    let letter = |rng: &mut Rng| char::from(b'a' + rng.below(26) as u8);
    match rng.below(4) {
        0 if c.len() > 1 => {
            c.remove(rng.below(c.len()));
        }
        1 => {
            let at = rng.below(c.len() + 1);
            c.insert(at, letter(rng));
        }
        2 if c.len() > 1 => {
            let at = rng.below(c.len() - 1);
            c.swap(at, at + 1);
        }
        _ => {
            let at = rng.below(c.len());
            c[at] = letter(rng);
        }
    }
    c.into_iter().collect()
}

/// A corruption of `name` exactly `edits` edits away, if one is found.
fn edited(name: &str, edits: usize, min_len: usize, rng: &mut Rng) -> Option<String> {
    for _ in 0..50 {
        let mut out = name.to_owned();
        for _ in 0..edits {
            out = one_edit(&out, rng);
        }
        if form_len(&out) >= min_len && distance(name, &out) == Some(edits) {
            return Some(out);
        }
    }
    None
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

/// Whether `b` is a single slip of `a`: one digit of the day or month, or
/// the transposition, in the same year.
fn is_slip(a: Date, b: Date) -> bool {
    a.year() == b.year()
        && (Some(b) == swapped(a)
            || (a.month() == b.month() && one_digit_apart(a.day(), b.day()))
            || (a.day() == b.day() && one_digit_apart(u8::from(a.month()), u8::from(b.month()))))
}

fn dob_digit(d: Date, rng: &mut Rng) -> Option<Date> {
    for _ in 0..50 {
        let (mut day, mut month) = (d.day(), u8::from(d.month()));
        let digit = rng.below(10) as u8;
        match rng.below(4) {
            0 => day = digit * 10 + day % 10,
            1 => day = day / 10 * 10 + digit,
            2 => month = digit * 10 + month % 10,
            _ => month = month / 10 * 10 + digit,
        }
        let Ok(m) = Month::try_from(month) else {
            continue;
        };
        if let Ok(new) = Date::from_calendar_date(d.year(), m, day)
            && new != d
            && Some(new) != swapped(d)
        {
            return Some(new);
        }
    }
    None
}

fn area(outward: &str) -> &str {
    let n = outward.bytes().take_while(u8::is_ascii_alphabetic).count();
    &outward[..n]
}

fn random_inward(rng: &mut Rng) -> String {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    format!(
        "{}{}{}",
        rng.below(10),
        char::from(LETTERS[rng.below(LETTERS.len())]),
        char::from(LETTERS[rng.below(LETTERS.len())])
    )
}

/// SplitMix64's finaliser: a well-mixed hash of one number.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a string, for deterministic per-household choices.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// A name built from syllables, chosen by `h` with skewed frequencies (the
/// square of a uniform number picks low indices more often).
fn built_name(h: u64, endings: &[&str]) -> String {
    const ONSETS: &[&str] = &[
        "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "r",
        "s", "sh", "st", "t", "th", "v", "w",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou"];
    const MIDDLES: &[&str] = &["l", "n", "r", "s", "v", "m", "d", "t"];
    let space = (ONSETS.len() * VOWELS.len() * MIDDLES.len() * endings.len()) as u64;
    let u = (h >> 11) as f64 / (1u64 << 53) as f64;
    let mut i = ((u * u) * space as f64) as usize;
    let onset = ONSETS[i % ONSETS.len()];
    i /= ONSETS.len();
    let vowel = VOWELS[i % VOWELS.len()];
    i /= VOWELS.len();
    let middle = MIDDLES[i % MIDDLES.len()];
    i /= MIDDLES.len();
    let ending = endings[i % endings.len()];
    let mut name = format!("{onset}{vowel}{middle}{ending}");
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    name
}

/// Give part of the cohort names beyond the synthetic lists (see the
/// module documentation).
fn diversify(people: &mut [YoungPerson]) {
    const FAMILY_ENDINGS: &[&str] = &[
        "son", "ton", "ley", "wood", "well", "man", "er", "ford", "by", "ham",
    ];
    const GIVEN_ENDINGS: &[&str] = &["a", "ie", "o", "an", "en", "ine", "y", "el", "ia", "on"];
    for (i, p) in people.iter_mut().enumerate() {
        let household = format!(
            "{}|{}|{}",
            p.family_name,
            p.date_of_birth,
            p.address.postcode().map_or("", |pc| pc.as_str())
        );
        let hf = mix(fnv(&household));
        if hf % 10 >= 4 {
            p.family_name = built_name(mix(hf), FAMILY_ENDINGS);
        }
        let hg = mix(0xA11CE ^ i as u64);
        if hg.is_multiple_of(2) {
            p.given_name = built_name(mix(hg), GIVEN_ENDINGS);
        }
    }
}

struct World {
    people: Vec<YoungPerson>,
    index: SubjectIndex,
    districts: Vec<String>,
    given_names: Vec<String>,
}

/// A request for `p` with `kind`, if the kind applies to `p`.
fn request(w: &World, p: &YoungPerson, kind: Kind, rng: &mut Rng) -> Option<MatchRequest> {
    let pc = p.address.postcode()?.clone();
    let mut given = p.given_name.clone();
    let mut family = p.family_name.clone();
    let mut dob = p.date_of_birth;
    let mut postcode = pc.clone();
    let other_given = |rng: &mut Rng| loop {
        let g = &w.given_names[rng.below(w.given_names.len())];
        if comparison_form(g) != comparison_form(&p.given_name) {
            return g.clone();
        }
    };
    match kind {
        Kind::Exact => {}
        Kind::NamesSwapped => std::mem::swap(&mut given, &mut family),
        Kind::TypoInEachName => {
            given = edited(&given, 1, 1, rng)?;
            family = edited(&family, 1, 1, rng)?;
        }
        Kind::TwoEditsLongName => {
            let long = |n: &str| (5..=9).contains(&form_len(n));
            match (long(&given), long(&family)) {
                (true, true) if rng.below(2) == 0 => family = edited(&family, 2, 1, rng)?,
                (true, _) => given = edited(&given, 2, 1, rng)?,
                (false, true) => family = edited(&family, 2, 1, rng)?,
                (false, false) => return None,
            }
        }
        Kind::OneEditShortName => {
            let short = |n: &str| form_len(n) < 4;
            match (short(&given), short(&family)) {
                (true, true) if rng.below(2) == 0 => family = edited(&family, 1, 2, rng)?,
                (true, _) => given = edited(&given, 1, 2, rng)?,
                (false, true) => family = edited(&family, 1, 2, rng)?,
                (false, false) => return None,
            }
        }
        Kind::DobDigit => dob = dob_digit(dob, rng)?,
        Kind::DobTransposed => dob = swapped(dob)?,
        Kind::PostcodeOtherDistrict => {
            let same_area: Vec<&String> = w
                .districts
                .iter()
                .filter(|d| area(d) == area(pc.outward()) && d.as_str() != pc.outward())
                .collect();
            if same_area.is_empty() {
                return None;
            }
            let d = same_area[rng.below(same_area.len())];
            postcode = Postcode::parse(&format!("{d}{}", random_inward(rng))).ok()?;
        }
        Kind::Twin => given = other_given(rng),
        Kind::Sibling => {
            given = other_given(rng);
            let years = 1 + rng.below(6) as i64;
            let days = years * 365 + rng.below(200) as i64 - 100;
            let sign = if rng.below(2) == 0 { 1 } else { -1 };
            dob = dob.checked_add(time::Duration::days(sign * days))?;
        }
        Kind::NamesakeOtherDob => loop {
            let days = 1 + rng.below(2000) as i64;
            let sign = if rng.below(2) == 0 { 1 } else { -1 };
            dob = p
                .date_of_birth
                .checked_add(time::Duration::days(sign * days))?;
            if !is_slip(p.date_of_birth, dob) {
                break;
            }
        },
        Kind::NamesakeOtherArea => {
            let elsewhere: Vec<&String> = w
                .districts
                .iter()
                .filter(|d| area(d) != area(pc.outward()))
                .collect();
            let d = elsewhere.get(rng.below(elsewhere.len()))?;
            postcode = Postcode::parse(&format!("{d}{}", random_inward(rng))).ok()?;
        }
    }
    Some(MatchRequest::Demographics {
        given_name: given,
        family_name: family,
        date_of_birth: dob,
        postcode: Some(postcode),
    })
}

type Names = (Option<String>, Option<String>);

fn names(given: &str, family: &str) -> Names {
    (comparison_form(given), comparison_form(family))
}

/// Whether someone other than `p` holds exactly the names `r` asks for,
/// with a DOB equal to the requested one or a single slip of it.
fn coincides(holders: &HashMap<Names, Vec<(Date, usize)>>, p: usize, r: &MatchRequest) -> bool {
    let MatchRequest::Demographics {
        given_name,
        family_name,
        date_of_birth,
        ..
    } = r
    else {
        return false;
    };
    holders
        .get(&names(given_name, family_name))
        .is_some_and(|held| {
            held.iter().any(|&(dob, who)| {
                who != p && (dob == *date_of_birth || is_slip(*date_of_birth, dob))
            })
        })
}

#[derive(Default)]
struct Tally {
    trials: usize,
    right: usize,
    wrong: usize,
    none: usize,
    coincident: usize,
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env_or("MATCHING_QUALITY_PEOPLE", 200_000);
    let trials = env_or("MATCHING_QUALITY_TRIALS", 10_000);
    let started = Instant::now();
    let mut people: Vec<YoungPerson> = synthetic::cohort(
        2026,
        n,
        date!(2025 - 03 - 15),
        LaCode::parse("886").unwrap(),
    )
    .collect();
    diversify(&mut people);
    let mut index = SubjectIndex::new();
    index.reserve(people.len());
    for p in &people {
        index.insert(IndexEntry::from(p)).unwrap();
    }
    let mut districts: Vec<String> = people
        .iter()
        .filter_map(|p| p.address.postcode().map(|pc| pc.outward().to_owned()))
        .collect();
    districts.sort();
    districts.dedup();
    let mut given_names: Vec<String> = people.iter().map(|p| p.given_name.clone()).collect();
    given_names.sort();
    given_names.dedup();
    let mut holders: HashMap<Names, Vec<(Date, usize)>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        holders
            .entry(names(&p.given_name, &p.family_name))
            .or_default()
            .push((p.date_of_birth, i));
    }
    let by_key: HashMap<_, usize> = people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.ccis_id.clone(), i))
        .collect();
    let world = World {
        people,
        index,
        districts,
        given_names,
    };
    println!(
        "cohort {n} people (seed 2026), indexed in {:.1} s; {trials} requests per kind",
        started.elapsed().as_secs_f64()
    );

    let mut rng = Rng(0x0051_A11E);
    let mut tallies: Vec<(Kind, Tally)> = KINDS.iter().map(|&k| (k, Tally::default())).collect();
    let mut examples = Vec::new();
    for (kind, t) in &mut tallies {
        let mut attempts = 0;
        while t.trials < trials && attempts < trials * 100 {
            attempts += 1;
            let who = rng.below(world.people.len());
            let p = &world.people[who];
            let Some(r) = request(&world, p, *kind, &mut rng) else {
                continue;
            };
            if coincides(&holders, who, &r) {
                t.coincident += 1;
                continue;
            }
            t.trials += 1;
            let outcome: MatchOutcome = world.index.find(&r);
            let answered = outcome
                .key()
                .and_then(|k| by_key.get(k))
                .map(|&i| &world.people[i]);
            match answered {
                None => t.none += 1,
                Some(q) if kind.must_not_match() => {
                    t.wrong += 1;
                    let whose = if q.ccis_id == p.ccis_id {
                        "the relative's origin"
                    } else {
                        "a third person"
                    };
                    examples.push(format!("{}: {whose}, {:?}", kind.name(), outcome));
                }
                Some(q) if q.ccis_id == p.ccis_id => t.right += 1,
                Some(_) => {
                    t.wrong += 1;
                    if let MatchOutcome::Unique {
                        method: MatchMethod::Demographic { path, .. },
                        ..
                    } = outcome
                    {
                        examples.push(format!("{}: via {path:?}", kind.name()));
                    }
                }
            }
        }
    }

    println!();
    println!(
        "{:<32} {:>7} {:>7} {:>6} {:>7} {:>8} {:>9} {:>10}",
        "kind", "trials", "right", "wrong", "none", "recall", "precision", "coincident"
    );
    let (mut right, mut wrong, mut err_trials, mut err_right) = (0, 0, 0, 0);
    for (kind, t) in &tallies {
        let precision = if t.right + t.wrong == 0 {
            "-".to_owned()
        } else {
            format!("{:.4}", t.right as f64 / (t.right + t.wrong) as f64)
        };
        let recall = if kind.must_not_match() {
            "-".to_owned()
        } else {
            format!("{:.4}", t.right as f64 / t.trials.max(1) as f64)
        };
        println!(
            "{:<32} {:>7} {:>7} {:>6} {:>7} {:>8} {:>9} {:>10}",
            kind.name(),
            t.trials,
            t.right,
            t.wrong,
            t.none,
            recall,
            precision,
            t.coincident
        );
        right += t.right;
        wrong += t.wrong;
        if !kind.must_not_match() && *kind != Kind::Exact {
            err_trials += t.trials;
            err_right += t.right;
        }
    }
    println!();
    println!(
        "overall: precision {:.4} ({right} right, {wrong} wrong); recall over the error kinds {:.4} ({err_right}/{err_trials})",
        if right + wrong == 0 {
            1.0
        } else {
            right as f64 / (right + wrong) as f64
        },
        err_right as f64 / err_trials.max(1) as f64
    );
    for e in examples.iter().take(20) {
        println!("wrong: {e}");
    }
}
