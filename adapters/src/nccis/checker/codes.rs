//! The code lists and activity sets the rules test against, keyed by MI year
//! (April-March, chosen from PeriodEnd). Values are compared as the text the
//! file holds (trimmed), never parsed as integers: `0230` is not `230`.
//!
//! Two editions are known (nccis-checker.md §0.2): the 2015 XSD's lists, and
//! from 2019-20 the rule set's (720 withdrawn, characteristic 200 added,
//! SENSupportFlag required, the 2019 LA reorganisation). A later MI year uses
//! the latest edition known until its own is added here.

use std::collections::BTreeSet;

use gateway_domain::LaCode;
use gateway_domain::codes::la_list;
use time::Date;

/// The first MI year of the 2019-20 rule set.
const EDITION_2019: i32 = 2019;

pub(crate) const GENDER: &[&str] = &["F", "M", "U", "W"];
pub(crate) const YES_NO: &[&str] = &["Y", "N"];
pub(crate) const COHORT_STATUS: &[&str] = &["P", "G", "A", "T", "E", "M", "D", "L"];
pub(crate) const LEVEL_OF_NEED: &[&str] = &["1", "2", "3"];
pub(crate) const ETHNICITY: &[&str] = &[
    "WBRI", "WIRI", "WROM", "WOTH", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
    "BCRB", "BAFR", "BOTH", "CHNE", "OARA", "OOTH", "REFU", "NOBT",
];
const CHARACTERISTICS_2015: &[&str] = &[
    "110", "120", "130", "140", "150", "160", "170", "180", "190",
];
const CHARACTERISTICS_2019: &[&str] = &[
    "110", "120", "130", "140", "150", "160", "170", "180", "190", "200",
];
pub(crate) const INTENDED_DESTINATION: &[&str] =
    &["111", "121", "211", "311", "321", "411", "511", "611"];
pub(crate) const GUARANTEE_Y11: &[&str] = &[
    "110", "120", "122", "123", "124", "140", "150", "151", "153", "154", "159",
];
pub(crate) const GUARANTEE_Y12: &[&str] = &[
    "110", "114", "115", "120", "122", "123", "124", "140", "150", "151", "153", "154", "159",
];

/// ACT_COMP: compulsory-age activities.
pub(crate) const ACT_COMP: &[u16] = &[110, 120, 130, 140, 150];
/// ACT_NEET.
pub(crate) const ACT_NEET: &[u16] = &[540, 610, 615, 616, 619, 620, 630, 640, 650, 660, 670, 680];
/// Not known: no DueToLapseDate needed (243).
pub(crate) const ACT_NOT_KNOWN: &[u16] = &[810, 820, 830];
/// ACT_NEEDS_END: education and training (259).
pub(crate) const ACT_NEEDS_END: &[u16] = &[
    110, 120, 130, 140, 150, 210, 220, 230, 240, 250, 260, 270, 280, 290, 410, 430, 440, 450, 460,
];
/// ACT_NEEDS_REVIEW (262).
pub(crate) const ACT_NEEDS_REVIEW: &[u16] = &[260, 290, 350, 616, 710];
/// Every activity code of the 2015 XSD.
const ACT_2015: &[u16] = &[
    110, 120, 130, 140, 150, 210, 220, 230, 240, 250, 260, 270, 280, 290, 310, 320, 330, 340, 350,
    360, 380, 381, 410, 430, 440, 450, 460, 530, 540, 550, 610, 615, 616, 619, 620, 630, 640, 650,
    660, 670, 680, 710, 720, 810, 820, 830,
];
/// Withdrawn from 2019-20 (refugees are recorded like everyone else).
const ACT_WITHDRAWN_2019: u16 = 720;

/// The MI year (April-March) holding `period_end`, as its starting year.
pub fn mi_year(period_end: Date) -> i32 {
    if u8::from(period_end.month()) >= 4 {
        period_end.year()
    } else {
        period_end.year() - 1
    }
}

/// The lists in force for one MI year.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub mi_year: i32,
    /// LA_ENG, indexed by code number.
    english: Box<[bool; 1000]>,
}

impl RuleSet {
    /// The lists for the MI year holding `period_end`.
    pub fn for_period_end(period_end: Date) -> RuleSet {
        Self::for_mi_year(mi_year(period_end))
    }

    pub fn for_mi_year(mi_year: i32) -> RuleSet {
        let set: BTreeSet<LaCode> = la_list::english_las(mi_year);
        let mut english = Box::new([false; 1000]);
        for la in set {
            if let Some(slot) = english.get_mut(usize::from(la.number())) {
                *slot = true;
            }
        }
        RuleSet { mi_year, english }
    }

    fn is_2019_edition(&self) -> bool {
        self.mi_year >= EDITION_2019
    }

    /// ACT_VALID for the year.
    pub(crate) fn activity_valid(&self, code: u16) -> bool {
        ACT_2015.contains(&code) && !(self.is_2019_edition() && code == ACT_WITHDRAWN_2019)
    }

    /// CHAR_VALID for the year.
    pub(crate) fn characteristics(&self) -> &'static [&'static str] {
        if self.is_2019_edition() {
            CHARACTERISTICS_2019
        } else {
            CHARACTERISTICS_2015
        }
    }

    /// Whether SENSupportFlag is part of the year's requirement (303, 304).
    pub(crate) fn has_sen_support_flag(&self) -> bool {
        self.is_2019_edition()
    }

    /// LA_ENG.
    pub(crate) fn is_english(&self, la: Option<u16>) -> bool {
        la.and_then(|n| self.english.get(usize::from(n)).copied())
            .unwrap_or(false)
    }

    /// LA_ENG ∪ LA_SPECIAL (000-004).
    pub(crate) fn is_recognised(&self, la: Option<u16>) -> bool {
        la.is_some_and(|n| n <= la_list::SPECIAL_MAX) || self.is_english(la)
    }
}

/// An LA code as written: one to three decimal digits (`4` is `004`);
/// anything else is no LA code.
pub(crate) fn la_number(s: &str) -> Option<u16> {
    (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A three-digit code (activity): exactly three decimal digits.
pub(crate) fn code3(s: &str) -> Option<u16> {
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Whether `s` is one of `list`, letters in any case.
pub(crate) fn one_of(list: &[&str], s: &str) -> bool {
    list.iter().any(|c| c.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn lists_follow_the_mi_year() {
        assert_eq!(mi_year(date!(2019 - 03 - 31)), 2018);
        assert_eq!(mi_year(date!(2019 - 04 - 30)), 2019);
        let old = RuleSet::for_period_end(date!(2016 - 03 - 31));
        let new = RuleSet::for_period_end(date!(2025 - 03 - 31));
        assert!(old.activity_valid(720) && !new.activity_valid(720));
        assert_eq!(ACT_2015.len(), 46);
        assert!(new.is_english(Some(838)) && !new.is_english(Some(835)));
        assert!(old.is_english(Some(835)) && !old.is_english(Some(838)));
        assert!(new.is_recognised(Some(4)) && !new.is_english(Some(4)));
        assert_eq!(la_number("4"), Some(4));
        assert_eq!(la_number("0886"), None);
        assert_eq!(code3("0230"), None);
    }
}
