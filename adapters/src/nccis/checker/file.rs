//! Rules across the records of one file: 902 (a repeated YoungPersonsID),
//! 907 (a ULN held by another young person), 908 (the same names and DOB
//! under another YoungPersonsID, informational).
//!
//! A file is read as a stream, so a rule "raised on each" record of a group
//! is raised on every record after the first: the first was already taken.
//! Only records that are imported are remembered, so a rejected record never
//! blocks a later good one. Memory: a few words per record (identifiers as
//! numbers, names and DOB as a 64-bit hash, never the text).

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::Findings;
use super::raw::RawRecord;

#[derive(Debug, Default)]
pub(crate) struct Uniqueness {
    /// YoungPersonsIDs of records not G (902 ignores G).
    ids: HashSet<u64>,
    /// ULN → YoungPersonsID, of records not M.
    ulns: HashMap<u64, u64>,
    /// hash(names, DOB) → YoungPersonsID.
    people: HashMap<u64, u64>,
}

fn digits(s: Option<&str>) -> Option<u64> {
    s.filter(|s| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
}

fn status_is(r: &RawRecord<'_>, c: &str) -> bool {
    r.cohort_status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(c))
}

/// 908's key: names trimmed and compared without regard to case, DOB exactly.
fn person_key(r: &RawRecord<'_>) -> Option<u64> {
    let (given, family, dob) = (
        r.given_name.as_deref()?,
        r.family_name.as_deref()?,
        r.dob.as_deref()?,
    );
    let mut h = DefaultHasher::new();
    given.to_lowercase().hash(&mut h);
    family.to_lowercase().hash(&mut h);
    dob.hash(&mut h);
    Some(h.finish())
}

impl Uniqueness {
    pub(crate) fn check(&self, r: &RawRecord<'_>, f: &mut Findings) {
        let id = digits(r.ypid.as_deref());
        if let Some(id) = id
            && !status_is(r, "G")
        {
            f.raise_if(self.ids.contains(&id), 902);
        }
        if let Some(uln) = digits(r.uln.as_deref())
            && !status_is(r, "M")
        {
            f.raise_if(
                self.ulns.get(&uln).is_some_and(|other| Some(*other) != id),
                907,
            );
        }
        if let Some(key) = person_key(r) {
            f.raise_if(
                self.people
                    .get(&key)
                    .is_some_and(|other| Some(*other) != id),
                908,
            );
        }
    }

    /// Remember a record that was imported; `uln_kept` is false when its ULN
    /// was dropped (30, 907).
    pub(crate) fn accept(&mut self, r: &RawRecord<'_>, uln_kept: bool) {
        let Some(id) = digits(r.ypid.as_deref()) else {
            return;
        };
        if !status_is(r, "G") {
            self.ids.insert(id);
        }
        if uln_kept
            && !status_is(r, "M")
            && let Some(uln) = digits(r.uln.as_deref())
        {
            self.ulns.entry(uln).or_insert(id);
        }
        if let Some(key) = person_key(r) {
            self.people.entry(key).or_insert(id);
        }
    }
}
