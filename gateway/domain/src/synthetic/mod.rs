//! Deterministic synthetic cohorts for tests, demos and load generation.
//!
//! Guarantees: the same `(seed, n, today, lead_la)` always yields the same
//! people, in the same order, on every platform; every identifier is valid
//! (it is built by the checked constructors); CCIS ids, UPNs, ULNs and NINOs
//! are unique within a cohort of up to 500,000 (NHS numbers come from the
//! 999 test range and run out beyond that, after which they are omitted);
//! records keep the record-level NCCIS rules listed in `domain.md` (date order,
//! NEETStartDate iff NEET, 620⇒140, 630⇒120, 650⇒180, 720⇒130, no 180 for
//! males, 20+ only with SEND, T ⇒ a different, known LA).
//!
//! Not every record belongs in an NCCIS return: the cohort includes 13-14 year
//! olds (CCIS tracks them; the return counts ages 15-24 by academic age), and
//! the "no 440 under 18" rule is judged by the adapters at the activity's start
//! date, which a generated 440 may precede the 18th birthday of. Filter with
//! `gateway_adapters::nccis::check` before exporting a return.
//!
//! A cohort ends early, rather than repeating a CCIS id, after
//! 9,999,999,999 people.
//!
//! Not guaranteed: resemblance to any real person. Names and postcodes are
//! common ones, so a synthetic record can coincide with a real name or a
//! real postcode; NHS numbers use the 999 range that is never issued.

mod activity;
mod full;
mod ids;
mod names;
mod person;
mod prng;

use time::Date;

pub use full::{EVERY_VALUE_RECORDS, every_element};

use crate::ids::LaCode;
use crate::record::YoungPerson;
use person::{Household, PersonFactory};
use prng::SplitMix64;

/// Roughly one birth in 65 in England is a multiple birth; twins are the
/// case that matters for matching (same surname, DOB and address).
const TWIN_PER_MILLE: u32 = 15;

/// `n` synthetic young people whose lead LA is `lead_la`, as of `today`.
pub fn cohort(
    seed: u64,
    n: usize,
    today: Date,
    lead_la: LaCode,
) -> impl Iterator<Item = YoungPerson> {
    Cohort {
        factory: PersonFactory::new(today, lead_la),
        rng: SplitMix64::new(seed),
        remaining: n,
        next_index: 0,
        pending_twin: None,
    }
}

struct Cohort {
    factory: PersonFactory,
    rng: SplitMix64,
    remaining: usize,
    next_index: u64,
    pending_twin: Option<Household>,
}

impl Iterator for Cohort {
    type Item = YoungPerson;

    fn next(&mut self) -> Option<YoungPerson> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let index = self.next_index;
        self.next_index += 1;
        let household = self.pending_twin.take();
        let is_second_twin = household.is_some();
        let Some((person, shared)) = self.factory.person(&mut self.rng, index, household) else {
            // Out of CCIS local ids: end the cohort rather than repeat an id.
            self.remaining = 0;
            return None;
        };
        if !is_second_twin && self.remaining > 0 && self.rng.chance(TWIN_PER_MILLE) {
            self.pending_twin = Some(shared);
        }
        Some(person)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

#[cfg(test)]
mod tests;
