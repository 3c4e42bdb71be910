//! The store keeps the index current with insert, update and remove. After
//! any sequence of those, every answer must be the answer an index built
//! afresh from the surviving entries would give.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use gateway_domain::{CcisId, LaCode, Postcode, SubjectRef, YoungPerson, synthetic};
use gateway_matching::{IndexEntry, MatchRequest, SubjectIndex};
use proptest::prelude::*;
use time::macros::date;

fn people() -> Vec<YoungPerson> {
    synthetic::cohort(5, 300, date!(2025 - 03 - 15), LaCode::parse("886").unwrap()).collect()
}

#[derive(Debug, Clone)]
enum Op {
    /// Insert (or replace with) person `i` as recorded.
    Insert(usize),
    /// Replace person `i`'s entry with a changed one: the given name and
    /// postcode of person `j`, and maybe person `j`'s date of birth and UPN.
    Change {
        i: usize,
        j: usize,
        dob: bool,
        upn: bool,
    },
    Remove(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..300usize).prop_map(Op::Insert),
        2 => (0..300usize, 0..300usize, any::<bool>(), any::<bool>())
            .prop_map(|(i, j, dob, upn)| Op::Change { i, j, dob, upn }),
        2 => (0..300usize).prop_map(Op::Remove),
    ]
}

fn changed(people: &[YoungPerson], i: usize, j: usize, dob: bool, upn: bool) -> IndexEntry {
    let mut e = IndexEntry::from(&people[i]);
    e.given_name = people[j].given_name.clone();
    e.postcode = people[j].address.postcode().cloned();
    if dob {
        e.date_of_birth = people[j].date_of_birth;
    }
    if upn {
        // Possibly a UPN another entry also holds: a data error the index
        // must report as ambiguous, and recover from when it is fixed.
        e.upn = people[j].upn.clone();
    }
    e
}

fn requests(people: &[YoungPerson]) -> Vec<MatchRequest> {
    let mut out = Vec::new();
    for p in people {
        out.push(MatchRequest::Identifier(SubjectRef::CcisId(
            p.ccis_id.clone(),
        )));
        if let Some(upn) = &p.upn {
            out.push(MatchRequest::Identifier(SubjectRef::Upn(upn.clone())));
        }
        let postcode: Option<Postcode> = p.address.postcode().cloned();
        out.push(MatchRequest::Demographics {
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            date_of_birth: p.date_of_birth,
            postcode,
        });
        out.push(MatchRequest::Demographics {
            given_name: p.given_name.clone(),
            family_name: format!("{}x", p.family_name),
            date_of_birth: p.date_of_birth,
            postcode: None,
        });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_maintained_index_answers_like_a_fresh_one(ops in proptest::collection::vec(op(), 1..250)) {
        let people = people();
        let mut live = SubjectIndex::new();
        let mut current: BTreeMap<CcisId, IndexEntry> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(i) => {
                    let e = IndexEntry::from(&people[i]);
                    let replaced = live.insert(e.clone()).unwrap();
                    prop_assert_eq!(replaced, current.insert(e.key.clone(), e).is_some());
                }
                Op::Change { i, j, dob, upn } => {
                    let e = changed(&people, i, j, dob, upn);
                    let known = current.contains_key(&e.key);
                    prop_assert_eq!(live.update(e.clone()).is_ok(), known);
                    if known {
                        current.insert(e.key.clone(), e);
                    }
                }
                Op::Remove(i) => {
                    let key = &people[i].ccis_id;
                    prop_assert_eq!(live.remove(key), current.remove(key).is_some());
                }
            }
        }
        let mut fresh = SubjectIndex::new();
        for e in current.values() {
            fresh.insert(e.clone()).unwrap();
        }
        prop_assert_eq!(live.len(), current.len());
        for r in requests(&people) {
            prop_assert_eq!(live.find(&r), fresh.find(&r));
        }
    }
}
