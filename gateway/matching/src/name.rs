//! Names in comparison form, and how two names agree.
//!
//! Normalisation (in this order):
//! 1. apostrophes of every kind (`'`, `’`, `‘`, `` ` ``, `´`, `ʼ`, `ʻ`, `′`)
//!    are dropped without splitting a word, so "O'Neil" is "oneil";
//! 2. Unicode NFKD, then combining marks are dropped, so "Zoë" is "zoe" and
//!    full-width or ligature forms become plain letters;
//! 3. lower case (full Unicode lower-casing);
//! 4. the few Latin letters that have no decomposition are folded by a small
//!    table (ł→l, ø→o, đ/ð→d, þ→th, ß→ss, æ→ae, œ→oe, ı→i, ħ→h);
//! 5. any other character that is not a letter or digit (space, hyphen,
//!    dash, period, comma, ...) ends a word.
//!
//! A name is then its sequence of words ("tokens"). Two names are **equal**
//! when their words run together are equal ("Smith-Jones", "smith jones" and
//! "SmithJones" are one name). Hyphen awareness comes from the words: a name
//! whose words are all among the other's words ("Jones" and "Smith-Jones",
//! "Jones Smith" and "Smith-Jones") is a **partial** agreement, never an
//! equal one. A **typo** is an optimal-string-alignment (restricted
//! Damerau-Levenshtein) distance within the tolerance for the shorter name's
//! length: one insertion, deletion, substitution or adjacent transposition
//! from four letters, two from ten. Two weaker levels exist for the match
//! paths that need the other three fields exact (see `demographic.rs`):
//! **two edits** in a name of five to nine letters ("Jessica"/"Jesicca"),
//! and **one edit** in a name under four letters ("Mia"/"Mi"). Edit distance
//! rather than Jaro-Winkler because its limit is a count a reviewer can
//! check by hand ("two slips") and it treats a slip at the start of a name
//! like one at the end (Jaro-Winkler rewards shared prefixes, which lets
//! "Jayden"/"Jaylen"-style different names score as near-equal).
//!
//! Not done: nicknames (Bill/William), transliteration between scripts,
//! phonetic codes. Each of those widens what "the same name" means, and a
//! wider meaning costs precision. Nicknames in particular need a list: the
//! only public one found (a US genealogy list) carries no licence we could
//! confirm and pairs names that British twins are given (William/Liam), so
//! it is not used.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::config::TypoTolerance;

/// Raw input longer than this (in bytes) is refused before any work.
pub(crate) const MAX_RAW_BYTES: usize = 256;
/// A normalised name longer than this (in characters) is refused. The
/// longest names in real registers are well under it; the bound keeps edit
/// distance on the stack and cheap.
pub(crate) const MAX_CHARS: usize = 64;

/// Why a name cannot be used for matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameProblem {
    /// No letters or digits at all.
    Empty,
    /// Longer than [`MAX_RAW_BYTES`] or [`MAX_CHARS`].
    TooLong,
}

/// A name in comparison form.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct NormName {
    /// The letters and digits of every word, in order, with no separators.
    chars: Box<[char]>,
    /// Exclusive end (in `chars`) of each word; the last equals `chars.len()`.
    ends: Box<[u8]>,
}

/// Redacted: a name is personal data.
impl std::fmt::Debug for NormName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NormName(<redacted>)")
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{00B4}' | '\u{02BC}' | '\u{02BB}' | '\u{2032}'
    )
}

/// Letters that NFKD leaves alone but a person typing on an English
/// keyboard writes as plain ASCII. Input is already lower case.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'ł' => "l",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ı' => "i",
        'ħ' => "h",
        _ => return None,
    })
}

impl NormName {
    /// Normalise a raw name as described in the module documentation.
    pub(crate) fn parse(raw: &str) -> Result<NormName, NameProblem> {
        if raw.len() > MAX_RAW_BYTES {
            return Err(NameProblem::TooLong);
        }
        let mut chars: Vec<char> = Vec::with_capacity(raw.len());
        let mut ends: Vec<u8> = Vec::new();
        let mut in_word = false;
        let mut push = |c: char, chars: &mut Vec<char>, ends: &mut Vec<u8>| {
            if c.is_alphanumeric() {
                chars.push(c);
                in_word = true;
            } else if in_word {
                // chars.len() <= MAX_CHARS + 3 < 256 whenever we get here.
                ends.push(u8::try_from(chars.len()).unwrap_or(u8::MAX));
                in_word = false;
            }
        };
        for c in raw.chars().filter(|c| !is_apostrophe(*c)).nfkd() {
            if is_combining_mark(c) {
                continue;
            }
            for lower in c.to_lowercase() {
                if is_combining_mark(lower) {
                    continue;
                }
                match fold(lower) {
                    Some(s) => s.chars().for_each(|f| push(f, &mut chars, &mut ends)),
                    None => push(lower, &mut chars, &mut ends),
                }
            }
            if chars.len() > MAX_CHARS {
                return Err(NameProblem::TooLong);
            }
        }
        if chars.is_empty() {
            return Err(NameProblem::Empty);
        }
        if ends.last().map(|&e| usize::from(e)) != Some(chars.len()) {
            ends.push(u8::try_from(chars.len()).unwrap_or(u8::MAX));
        }
        Ok(NormName {
            chars: chars.into_boxed_slice(),
            ends: ends.into_boxed_slice(),
        })
    }

    /// The words run together: the form in which two names are equal.
    pub(crate) fn joined(&self) -> String {
        self.chars.iter().collect()
    }

    /// The words separated by single spaces.
    pub(crate) fn spaced(&self) -> String {
        let mut out = String::with_capacity(self.chars.len() + self.ends.len());
        for (i, w) in self.words().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.extend(w.iter());
        }
        out
    }

    fn words(&self) -> impl Iterator<Item = &[char]> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&e| {
            let end = usize::from(e);
            let w = self.chars.get(start..end).unwrap_or_default();
            start = end;
            w
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.chars.len()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.chars.len() * std::mem::size_of::<char>() + self.ends.len()
    }
}

/// Which name a comparison is about: a given name's parts are not
/// interchangeable ("Mary" is a fair short form of "Mary-Jane", "Jane" less
/// so), a double-barrelled family name's parts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    Given,
    Family,
}

/// How two names agree, from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NameAgreement {
    Disagree,
    /// Two edits apart, the shorter name five to nine letters long
    /// ([`TypoTolerance::two_edits_path_from`]): a match only when the
    /// other three fields agree exactly; otherwise only a competitor.
    TwoEdits,
    /// Nearly close: one edit apart with the shorter name a single letter
    /// ("J"/"Jo"), or a given name whose words are among the other's but
    /// not from the first ("Joe"/"Billy-Joe"). Never enough for a match;
    /// enough to be a competitor, so that a request halfway between two
    /// people is never given to either.
    Weak,
    /// One edit apart, the shorter name two or three letters ("Mia"/"Mi",
    /// "Joe"/"José"): too short for the typo tolerance, a match only when
    /// the other three fields agree exactly.
    ShortTypo,
    /// Within the typo tolerance.
    Typo,
    /// One name's words are all among the other's: any words for a family
    /// name ("Jones"/"Smith-Jones", reordered words); for a given name only
    /// when the first words agree ("Mary"/"Mary-Jane").
    Partial,
    /// Equal in comparison form.
    Exact,
}

/// Compare two names that are already known not to be equal (the caller
/// compares interned keys first, which is cheaper).
pub(crate) fn compare_unequal(
    a: &NormName,
    b: &NormName,
    kind: NameKind,
    typo: &TypoTolerance,
) -> NameAgreement {
    // Two one-word names that are not equal cannot share words.
    let multi_word = a.ends.len() > 1 || b.ends.len() > 1;
    let mut weak = false;
    if multi_word && (words_within(a, b) || words_within(b, a)) {
        let first_words_agree = a.words().next() == b.words().next();
        if kind == NameKind::Family || first_words_agree {
            return NameAgreement::Partial;
        }
        weak = true;
    }
    let shorter = a.len().min(b.len());
    let allowed = typo.allowed_edits(shorter);
    let distance = osa_distance_within(&a.chars, &b.chars, 2);
    match distance {
        Some(d) if d <= allowed => NameAgreement::Typo,
        Some(1) if shorter >= 2 => NameAgreement::ShortTypo,
        Some(1) => NameAgreement::Weak,
        Some(2) if shorter >= typo.two_edits_path_from => NameAgreement::TwoEdits,
        _ if weak => NameAgreement::Weak,
        _ => NameAgreement::Disagree,
    }
}

/// Whether every word of `small` (as a multiset) is a word of `big`. Words
/// of one character (initials) never count: "J" is not evidence of "Jack".
fn words_within(small: &NormName, big: &NormName) -> bool {
    if small.ends.len() > big.ends.len() {
        return false;
    }
    let mut used = [false; MAX_CHARS + 1];
    small.words().all(|w| {
        w.len() >= 2
            && big.words().enumerate().any(|(i, bw)| {
                let free = used.get(i).is_some_and(|u| !u);
                if free && bw == w {
                    if let Some(u) = used.get_mut(i) {
                        *u = true;
                    }
                    true
                } else {
                    false
                }
            })
    })
}

/// Optimal string alignment distance of `a` and `b`, if it is at most `k`.
/// Both are at most [`MAX_CHARS`] long (so every cell fits a `u8`); rows
/// live on the stack, and the computation stops as soon as a whole row
/// exceeds `k`.
fn osa_distance_within(a: &[char], b: &[char], k: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > k || a.len() > MAX_CHARS || b.len() > MAX_CHARS {
        return None;
    }
    const W: usize = MAX_CHARS + 1;
    let k = u8::try_from(k).unwrap_or(u8::MAX);
    let mut prev2 = [0u8; W];
    let mut prev = [0u8; W];
    let mut cur = [0u8; W];
    for (j, slot) in (0u8..).zip(prev.iter_mut().take(b.len() + 1)) {
        *slot = j;
    }
    for (i, row_start) in (1..=a.len()).zip(1u8..) {
        cur[0] = row_start;
        let mut row_min = row_start;
        for j in 1..=b.len() {
            let ai = a[i - 1];
            let bj = b[j - 1];
            let cost = u8::from(ai != bj);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && ai == b[j - 2] && a[i - 2] == bj {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= k).then_some(usize::from(d))
}

/// The comparison form of a name, words run together (`"Zoë O'Neil-Smith"`
/// gives `"zoeoneilsmith"`), or `None` if it has no letters or digits or is
/// too long to be a name. Two names this function maps to the same string
/// are the same name to the matcher.
pub fn comparison_form(raw: &str) -> Option<String> {
    NormName::parse(raw).ok().map(|n| n.joined())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> NormName {
        NormName::parse(s).unwrap()
    }

    fn cmp_as(kind: NameKind, a: &str, b: &str) -> NameAgreement {
        let (a, b) = (n(a), n(b));
        if a.joined() == b.joined() {
            NameAgreement::Exact
        } else {
            compare_unequal(&a, &b, kind, &TypoTolerance::default())
        }
    }

    fn cmp(a: &str, b: &str) -> NameAgreement {
        cmp_as(NameKind::Family, a, b)
    }

    #[test]
    fn normalises_accents_case_and_punctuation() {
        assert_eq!(n("Zoë O'Neil-Smith").spaced(), "zoe oneil smith");
        assert_eq!(n("  ZOE   o’neil smith ").joined(), "zoeoneilsmith");
        assert_eq!(n("Łukasz").joined(), "lukasz");
        assert_eq!(n("Núñez").joined(), "nunez");
        assert_eq!(n("Müller").joined(), "muller");
        assert_eq!(n("Strauß").joined(), "strauss");
        assert_eq!(n("Siân").joined(), "sian");
        assert_eq!(n("O´Brien").spaced(), "obrien");
        assert_eq!(n("Ｓｍｉｔｈ").joined(), "smith");
        assert_eq!(n("St. John").spaced(), "st john");
        assert_eq!(comparison_form("Da Silva"), comparison_form("da-silva"));
    }

    #[test]
    fn refuses_empty_and_overlong() {
        assert_eq!(NormName::parse(""), Err(NameProblem::Empty));
        assert_eq!(NormName::parse(" - ' . "), Err(NameProblem::Empty));
        assert_eq!(
            NormName::parse(&"a".repeat(MAX_CHARS + 1)),
            Err(NameProblem::TooLong)
        );
        assert_eq!(
            NormName::parse(&"a-".repeat(200)),
            Err(NameProblem::TooLong)
        );
        assert!(NormName::parse(&"a".repeat(MAX_CHARS)).is_ok());
        assert_eq!(comparison_form("!!!"), None);
    }

    #[test]
    fn agreement_levels() {
        assert_eq!(cmp("Smith-Jones", "smith jones"), NameAgreement::Exact);
        assert_eq!(cmp("Smith-Jones", "Jones"), NameAgreement::Partial);
        assert_eq!(cmp("Jones Smith", "Smith-Jones"), NameAgreement::Partial);
        assert_eq!(cmp("Smith", "Smiht"), NameAgreement::Typo);
        assert_eq!(cmp("Smith", "Smyth"), NameAgreement::Typo);
        assert_eq!(cmp("Smith", "Smit"), NameAgreement::Typo);
        assert_eq!(cmp("Smith", "Smithe"), NameAgreement::Typo);
        // Two edits in a name of five to nine letters is its own, weaker level.
        assert_eq!(cmp("Smith", "Smythe"), NameAgreement::TwoEdits);
        assert_eq!(cmp("Jessica", "Jesicca"), NameAgreement::TwoEdits);
        assert_eq!(cmp("Ella", "Ellie"), NameAgreement::Disagree);
        // Short names get no typo tolerance: "Mia" and "Mai" are two names,
        // though near enough to make each other's bearer a competitor.
        assert_eq!(cmp("Mia", "Mai"), NameAgreement::ShortTypo);
        assert_eq!(cmp("Ali", "Al"), NameAgreement::ShortTypo);
        assert_eq!(cmp("Joe", "José"), NameAgreement::ShortTypo);
        assert_eq!(cmp("J", "Jo"), NameAgreement::Weak);
        assert_eq!(cmp("Ali", "Amy"), NameAgreement::Disagree);
        // A given name's later words are a weaker sign than its first.
        assert_eq!(
            cmp_as(NameKind::Given, "Mary", "Mary-Jane"),
            NameAgreement::Partial
        );
        assert_eq!(
            cmp_as(NameKind::Given, "Joe", "Billy-Joe"),
            NameAgreement::Weak
        );
        assert_eq!(
            cmp_as(NameKind::Family, "Jones", "Smith-Jones"),
            NameAgreement::Partial
        );
        // Initials are not evidence.
        assert_eq!(cmp("J", "Jack"), NameAgreement::Disagree);
        assert_eq!(cmp("Mary J", "Mary-Jane"), NameAgreement::Disagree);
        // Long names tolerate two edits.
        assert_eq!(cmp("Oluwaseun", "Oluwasuen"), NameAgreement::Typo);
        assert_eq!(cmp("Fitzgerald", "Fitsgeralt"), NameAgreement::Typo);
        // Two edits with the shorter name nine letters: the weaker level.
        assert_eq!(cmp("Fitzgerald", "Fitsgerld"), NameAgreement::TwoEdits);
        assert_eq!(cmp("Fitzgerald", "Fitsgrld"), NameAgreement::Disagree);
        assert_eq!(cmp("Thompson", "Tomsen"), NameAgreement::Disagree);
        assert_eq!(cmp("Thompson", "Tomson"), NameAgreement::TwoEdits);
    }

    #[test]
    fn osa_distance_bounds() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(osa_distance_within(&c("abcd"), &c("abdc"), 1), Some(1));
        assert_eq!(osa_distance_within(&c("abcd"), &c("badc"), 1), None);
        assert_eq!(osa_distance_within(&c("abcd"), &c("badc"), 2), Some(2));
        assert_eq!(osa_distance_within(&c(""), &c("a"), 1), Some(1));
        assert_eq!(osa_distance_within(&c(""), &c("ab"), 1), None);
        assert_eq!(osa_distance_within(&c("same"), &c("same"), 2), Some(0));
        let long = c(&"x".repeat(MAX_CHARS + 1));
        assert_eq!(osa_distance_within(&long, &long, 1), None);
    }
}
