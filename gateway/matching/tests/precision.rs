//! Precision over a synthetic cohort: a request made from one person's
//! record with one slip (a typo in a name, day and month exchanged, odd
//! case, spacing or accents), with or without the postcode, must return
//! that person or nobody, never somebody else.
//!
//! Run with `-- --nocapture` to see the recall table.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use gateway_domain::{CcisId, LaCode, Postcode, YoungPerson, synthetic};
use gateway_matching::{IndexEntry, MatchOutcome, MatchRequest, SubjectIndex};
use proptest::prelude::*;
use time::macros::date;
use time::{Date, Month};

/// Cohort size and trial count; `MATCHING_PRECISION_PEOPLE` and `MATCHING_PRECISION_TRIALS`
/// raise them for a long manual run, e.g. one million of each in release mode:
/// `MATCHING_PRECISION_PEOPLE=1000000 MATCHING_PRECISION_TRIALS=1000000 cargo test -p gateway-matching --release --test precision`
fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Cohort {
    people: Vec<YoungPerson>,
    index: SubjectIndex,
}

fn cohort() -> &'static Cohort {
    static COHORT_CELL: OnceLock<Cohort> = OnceLock::new();
    COHORT_CELL.get_or_init(|| build(20_250_315, env_or("MATCHING_PRECISION_PEOPLE", 30_000)))
}

fn build(seed: u64, n: usize) -> Cohort {
    let people: Vec<YoungPerson> = synthetic::cohort(
        seed,
        n,
        date!(2025 - 03 - 15),
        LaCode::parse("886").unwrap(),
    )
    .collect();
    let mut index = SubjectIndex::new();
    index.reserve(people.len());
    for p in &people {
        index.insert(IndexEntry::from(p)).unwrap();
    }
    Cohort { people, index }
}

/// SplitMix64: a small deterministic generator for the trials.
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
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, per_cent: u64) -> bool {
        self.next() % 100 < per_cent
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slip {
    None,
    FamilyTypo,
    GivenTypo,
    DobSwap,
    Format,
}

const SLIPS: [Slip; 5] = [
    Slip::None,
    Slip::FamilyTypo,
    Slip::GivenTypo,
    Slip::DobSwap,
    Slip::Format,
];

/// One insertion, deletion, substitution or adjacent transposition.
fn typo(name: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = name.chars().collect();
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
            if c[at] == c[at + 1] {
                c[at] = if c[at] == 'z' { 'y' } else { 'z' };
            } else {
                c.swap(at, at + 1);
            }
        }
        _ => {
            let at = rng.below(c.len());
            let old = c[at].to_lowercase().next().unwrap_or(c[at]);
            let mut new = letter(rng);
            while new == old {
                new = letter(rng);
            }
            c[at] = new;
        }
    }
    c.into_iter().collect()
}

/// Random case, hyphens as spaces or nothing, apostrophes dropped, accents
/// removed, stray spaces.
fn reformat(name: &str, rng: &mut Rng) -> String {
    let hyphen = if rng.chance(50) { " " } else { "" };
    let mut out = String::from(if rng.chance(30) { "  " } else { "" });
    for ch in name.chars() {
        let plain = match ch {
            'ë' | 'é' => 'e',
            'â' => 'a',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            'á' => 'a',
            'ó' => 'o',
            'Ł' => 'L',
            'Ú' | 'Ü' => 'U',
            _ => ch,
        };
        match plain {
            '-' => out.push_str(hyphen),
            '\'' => {}
            _ if rng.chance(50) => out.extend(plain.to_uppercase()),
            _ => out.extend(plain.to_lowercase()),
        }
    }
    if rng.chance(30) {
        out.push(' ');
    }
    out
}

fn swapped(d: Date) -> Option<Date> {
    if d.day() == u8::from(d.month()) {
        return None;
    }
    let m = Month::try_from(d.day()).ok()?;
    Date::from_calendar_date(d.year(), m, u8::from(d.month())).ok()
}

struct Trial {
    slip: Slip,
    request: MatchRequest,
}

/// A request for `p` with `slip`; `None` when the slip does not apply (no
/// valid swapped date).
fn request_for(p: &YoungPerson, slip: Slip, with_postcode: bool, rng: &mut Rng) -> Option<Trial> {
    let mut given = p.given_name.clone();
    let mut family = p.family_name.clone();
    let mut dob = p.date_of_birth;
    match slip {
        Slip::None => {}
        Slip::FamilyTypo => family = typo(&family, rng),
        Slip::GivenTypo => given = typo(&given, rng),
        Slip::DobSwap => dob = swapped(dob)?,
        Slip::Format => {
            given = reformat(&given, rng);
            family = reformat(&family, rng);
        }
    }
    let postcode = if with_postcode {
        // As a partner would type it.
        p.address
            .postcode()
            .and_then(|pc| Postcode::parse(&pc.to_string().to_lowercase()).ok())
    } else {
        None
    };
    Some(Trial {
        slip,
        request: MatchRequest::Demographics {
            given_name: given,
            family_name: family,
            date_of_birth: dob,
            postcode,
        },
    })
}

fn is_wrong(outcome: &MatchOutcome, subject: &CcisId) -> bool {
    outcome.key().is_some_and(|k| k != subject)
}

#[derive(Default)]
struct Tally {
    trials: usize,
    right: usize,
    wrong: usize,
    reasons: BTreeMap<String, usize>,
}

type Tallies = BTreeMap<(Slip, bool), Tally>;

/// Run `trials` single-slip requests against `c`, print the recall table
/// and return the tallies with a description of every wrong match.
fn run_trials(c: &Cohort, seed: u64, trials: usize) -> (Tallies, Vec<String>) {
    let mut rng = Rng(seed);
    let mut tallies = Tallies::new();
    let mut wrong_examples = Vec::new();
    let mut done = 0;
    while done < trials {
        let p = &c.people[rng.below(c.people.len())];
        let slip = SLIPS[rng.below(SLIPS.len())];
        let with_postcode = rng.chance(70);
        let Some(trial) = request_for(p, slip, with_postcode, &mut rng) else {
            continue;
        };
        done += 1;
        let outcome = c.index.find(&trial.request);
        let t = tallies.entry((trial.slip, with_postcode)).or_default();
        t.trials += 1;
        if outcome.key() == Some(&p.ccis_id) {
            t.right += 1;
        } else if is_wrong(&outcome, &p.ccis_id) {
            t.wrong += 1;
            let given = match &trial.request {
                MatchRequest::Demographics { given_name, .. } => given_name.as_str(),
                MatchRequest::Identifier(_) => "",
            };
            let other = c.people.iter().find(|q| outcome.key() == Some(&q.ccis_id));
            wrong_examples.push(format!(
                "{:?}: request given name {given:?} for {} {}, answered {:?}",
                trial.slip,
                p.given_name,
                p.family_name,
                other.map(|q| (&q.given_name, &q.family_name))
            ));
        } else if let Some(r) = outcome.reason() {
            *t.reasons.entry(format!("{r:?}")).or_default() += 1;
        }
    }

    println!("cohort {}, {trials} trials", c.people.len());
    println!("slip        postcode  trials  recall   wrong  no-match reasons");
    let (mut all, mut right, mut wrong) = (0, 0, 0);
    for ((slip, pc), t) in &tallies {
        println!(
            "{:<11} {:<9} {:>7}  {:>6.2}%  {:>5}  {:?}",
            format!("{slip:?}"),
            if *pc { "given" } else { "omitted" },
            t.trials,
            100.0 * t.right as f64 / t.trials as f64,
            t.wrong,
            t.reasons
        );
        all += t.trials;
        right += t.right;
        wrong += t.wrong;
    }
    println!(
        "overall recall {:.2}% ({right}/{all}), wrong matches {wrong}",
        100.0 * right as f64 / all as f64
    );
    (tallies, wrong_examples)
}

#[test]
fn single_slips_never_return_another_person() {
    let trials = env_or("MATCHING_PRECISION_TRIALS", 30_000);
    let (tallies, wrong) = run_trials(cohort(), 0x5EED, trials);
    assert!(wrong.is_empty(), "wrong matches: {wrong:#?}");

    // Recall floors, well below what the run shows, so that a change that
    // makes the matcher useless (always "no") is caught too.
    let recall = |slip: Slip, pc: bool| {
        let t = &tallies[&(slip, pc)];
        t.right as f64 / t.trials as f64
    };
    assert!(recall(Slip::None, true) > 0.99);
    assert!(recall(Slip::None, false) > 0.90);
    assert!(recall(Slip::Format, true) > 0.99);
    assert!(recall(Slip::FamilyTypo, true) > 0.85);
    assert!(recall(Slip::GivenTypo, true) > 0.75);
    assert!(recall(Slip::DobSwap, true) > 0.95);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// The same property, explored by proptest: any person, any slip, any
    /// random choices within the slip.
    #[test]
    fn a_slip_returns_the_person_or_nobody(
        who in 0..30_000usize,
        slip in 0..SLIPS.len(),
        with_postcode: bool,
        seed: u64,
    ) {
        let c = cohort();
        let p = &c.people[who % c.people.len()];
        let mut rng = Rng(seed);
        if let Some(trial) = request_for(p, SLIPS[slip], with_postcode, &mut rng) {
            let outcome = c.index.find(&trial.request);
            prop_assert!(!is_wrong(&outcome, &p.ccis_id), "{:?} -> {:?}", trial.slip, outcome);
        }
    }

    /// Whatever is typed, nothing panics.
    #[test]
    fn arbitrary_input_never_panics(
        given in ".{0,80}",
        family in "\\PC{0,300}",
        day in 0u32..40_000,
        postcode in proptest::option::of("[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}"),
    ) {
        let c = cohort();
        let dob = Date::from_julian_day(2_440_000 + day as i32).unwrap();
        let request = MatchRequest::Demographics {
            given_name: given,
            family_name: family,
            date_of_birth: dob,
            postcode: postcode.and_then(|p| Postcode::parse(&p).ok()),
        };
        let _ = c.index.find(&request);
    }
}
