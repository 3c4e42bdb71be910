//! National Insurance number.
//!
//! Rule (HMRC, as given in the specification):
//! `^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?$`.
//! Written out by hand instead of with the `regex` crate: the crate has no
//! look-ahead, the rule is five character classes, and a hand-written
//! matcher has no compile-at-startup failure path. A property test checks
//! it agrees with the regex on random near-misses.
//!
//! There is no check character, so typing errors are only caught when they
//! break the pattern.

use super::macros::id_newtype;
use super::{IdError, IdKind, Spaces, expect_digits, normalise};

const KIND: IdKind = IdKind::Nino;
const FORBIDDEN_PREFIXES: [&[u8; 2]; 7] = [b"BG", b"GB", b"NK", b"KN", b"TN", b"NT", b"ZZ"];

/// A National Insurance number of valid format.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nino(String);

id_newtype!(Nino, KIND);

/// `[A-CEGHJ-PR-TW-Z]`: not D, F, I, Q, U, V.
fn valid_first(c: u8) -> bool {
    c.is_ascii_uppercase() && !b"DFIQUV".contains(&c)
}

/// `[A-CEGHJ-NPR-TW-Z]`: additionally not O.
fn valid_second(c: u8) -> bool {
    valid_first(c) && c != b'O'
}

impl Nino {
    /// Parse a NINO. Whitespace (as in "QQ 12 34 56 C") is removed.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(KIND, raw, Spaces::Strip)?;
        let b = s.as_bytes();
        let [first, second, rest @ ..] = b else {
            return Err(length_error(b.len()));
        };
        if !(rest.len() == 6 || rest.len() == 7) {
            return Err(length_error(b.len()));
        }
        if !valid_first(*first) {
            return Err(character(1, "a letter other than D, F, I, Q, U, V"));
        }
        if !valid_second(*second) {
            return Err(character(2, "a letter other than D, F, I, O, Q, U, V"));
        }
        if FORBIDDEN_PREFIXES.iter().any(|p| p == &&[*first, *second]) {
            return Err(IdError::Rule {
                kind: KIND,
                rule: "prefix is never allocated (BG, GB, NK, KN, TN, NT, ZZ)",
            });
        }
        let (digits, suffix) = rest.split_at(6);
        expect_digits(KIND, digits, 3)?;
        if let Some(c) = suffix.first()
            && !(b'A'..=b'D').contains(c)
        {
            return Err(character(9, "a suffix letter A-D"));
        }
        Ok(Nino(s))
    }

    /// The two-letter prefix.
    pub fn prefix(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }
}

fn length_error(found: usize) -> IdError {
    IdError::Length {
        kind: KIND,
        expected: "8 or 9",
        found,
    }
}

fn character(position: usize, expected: &'static str) -> IdError {
    IdError::Character {
        kind: KIND,
        position,
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_with_and_without_suffix() {
        assert_eq!(Nino::parse("ab 12 34 56 c").unwrap().as_str(), "AB123456C");
        assert_eq!(Nino::parse("AB123456").unwrap().prefix(), "AB");
    }

    #[test]
    fn rejects_forbidden_prefixes_and_letters() {
        for p in ["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"] {
            assert!(matches!(
                Nino::parse(&format!("{p}123456A")),
                Err(IdError::Rule { .. })
            ));
        }
        assert!(Nino::parse("DA123456A").is_err());
        assert!(Nino::parse("AO123456A").is_err());
        assert!(Nino::parse("OA123456A").is_ok());
        assert!(Nino::parse("AB123456E").is_err());
        assert!(Nino::parse("AB12345A").is_err());
        assert!(Nino::parse("AB1234567").is_err());
    }
}
