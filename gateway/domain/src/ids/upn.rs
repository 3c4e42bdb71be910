//! Unique Pupil Number (DfE).
//!
//! Layout (1-based): 1 check letter; 2-4 LA code; 5-8 establishment number;
//! 9-10 last two digits of the year of allocation; 11-13 serial. Position 13
//! is a letter in a *temporary* UPN.
//!
//! Check letter (DfE "UPN check letter" rule): sum value(char i) × i for
//! i = 2..=13, where a digit is its numeric value and a letter at position 13
//! is its 0-based index in `ABCDEFGHJKLMNPQRTUVWXYZ`; the check letter is that
//! alphabet's entry at (sum mod 23). The alphabet omits I, O and S, which are
//! easily confused with 1, 0 and 5. Verified against the DfE worked example
//! H801200001001 (see tests).
//!
//! Error detection: 23 is prime and every weight (2..=13) is below it, so a
//! single change to a digit at positions 2-13, a letter-for-letter change at
//! position 13, or any change to the check letter is always detected. A
//! digit-for-letter swap at position 13 is NOT always detected: digit d and
//! the letter with index d (0↔A, 1↔B, ..., 9↔K) carry the same value, so
//! e.g. ...001 and ...00B share a check letter. That is a property of the
//! DfE scheme, not of this code.

use super::macros::id_newtype;
use super::{IdError, IdKind, LaCode, Spaces, expect_digits, expect_len, normalise};

const KIND: IdKind = IdKind::Upn;
const ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A Unique Pupil Number with a valid check letter.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upn(String);

id_newtype!(Upn, KIND);

fn alphabet_index(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&l| l == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check letter for the twelve characters at positions 2..=13, or None
/// if they are not of the UPN form.
pub(crate) fn check_letter(body: &[u8]) -> Option<u8> {
    if body.len() != 12 {
        return None;
    }
    let mut sum = 0u32;
    for (weight, (i, &c)) in (2u32..).zip(body.iter().enumerate()) {
        let value = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else if i == 11 {
            alphabet_index(c)?
        } else {
            return None;
        };
        sum += value * weight;
    }
    ALPHABET.get(usize::try_from(sum % 23).ok()?).copied()
}

impl Upn {
    /// Parse a UPN. Whitespace is removed and letters are upper-cased.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(KIND, raw, Spaces::Strip)?;
        expect_len(KIND, &s, 13, "13")?;
        let b = s.as_bytes();
        let (first, body) = b.split_at(1);
        if !first.iter().all(|c| ALPHABET.contains(c)) {
            return Err(IdError::Character {
                kind: KIND,
                position: 1,
                expected: "a check letter (A-Z except I, O, S)",
            });
        }
        expect_digits(KIND, body.get(..11).unwrap_or_default(), 2)?;
        let last = body.get(11).copied().unwrap_or_default();
        if !(last.is_ascii_digit() || ALPHABET.contains(&last)) {
            return Err(IdError::Character {
                kind: KIND,
                position: 13,
                expected: "a digit, or a letter other than I, O, S",
            });
        }
        if check_letter(body) != first.first().copied() {
            return Err(IdError::CheckCharacter { kind: KIND });
        }
        Ok(Upn(s))
    }

    /// Build a permanent UPN from its parts, computing the check letter.
    /// `None` if a part is out of range (estab > 9999, year > 99, serial > 999).
    /// Meant for deterministic synthetic data and tests.
    pub fn from_parts(la: &LaCode, estab: u16, year: u8, serial: u16) -> Option<Upn> {
        if estab > 9999 || year > 99 || serial > 999 {
            return None;
        }
        let body = format!("{}{estab:04}{year:02}{serial:03}", la.as_str());
        let check = check_letter(body.as_bytes())?;
        Some(Upn(format!("{}{body}", char::from(check))))
    }

    /// A temporary UPN has a letter at position 13 (issued when a pupil's
    /// permanent UPN is not yet known).
    pub fn is_temporary(&self) -> bool {
        self.0
            .as_bytes()
            .get(12)
            .is_some_and(u8::is_ascii_alphabetic)
    }

    /// The LA code embedded at positions 2-4 (the allocating authority, not
    /// necessarily where the pupil is now).
    pub fn la_code(&self) -> LaCode {
        LaCode::from_valid_digits(self.0.get(1..4).unwrap_or_default())
    }

    /// The establishment number at positions 5-8.
    pub fn establishment(&self) -> &str {
        self.0.get(4..8).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dfe_worked_example_is_valid() {
        // 8×2 + 0×3 + 1×4 + 2×5 + 0×6 + 0×7 + 0×8 + 0×9 + 1×10 + 0×11 + 0×12 + 1×13
        // = 53; 53 mod 23 = 7; ALPHABET[7] = 'H'.
        let upn = Upn::parse("H801200001001").unwrap();
        assert_eq!(upn.as_str(), "H801200001001");
        assert!(!upn.is_temporary());
        assert_eq!(upn.la_code().as_str(), "801");
        assert_eq!(upn.establishment(), "2000");
    }

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(
            Upn::parse(" h801 2000 01001 ").unwrap().as_str(),
            "H801200001001"
        );
    }

    #[test]
    fn rejects_wrong_check_letter_and_bad_letters() {
        assert_eq!(
            Upn::parse("A801200001001"),
            Err(IdError::CheckCharacter { kind: KIND })
        );
        assert!(matches!(
            Upn::parse("I801200001001"),
            Err(IdError::Character { position: 1, .. })
        ));
        assert!(matches!(
            Upn::parse("H80120000100O"),
            Err(IdError::Character { position: 13, .. })
        ));
        assert!(matches!(
            Upn::parse("H80120000100"),
            Err(IdError::Length { .. })
        ));
    }

    #[test]
    fn temporary_upn_uses_letter_index() {
        // Body 80120000100B: letter B has index 1, same value as digit 1.
        let upn = Upn::parse("H80120000100B").unwrap();
        assert!(upn.is_temporary());
        // Letter Z (index 22) at position 13: 40 + 22×13 = 326; 326 mod 23 = 4 -> 'E'.
        assert!(Upn::parse("E80120000100Z").is_ok());
    }

    #[test]
    fn from_parts_builds_valid_upn() {
        let la = LaCode::parse("801").unwrap();
        let upn = Upn::from_parts(&la, 2000, 1, 1).unwrap();
        assert_eq!(upn.as_str(), "H801200001001");
        assert!(Upn::from_parts(&la, 10_000, 1, 1).is_none());
        assert!(Upn::from_parts(&la, 1, 100, 1).is_none());
        assert!(Upn::from_parts(&la, 1, 1, 1000).is_none());
    }

    #[test]
    fn debug_is_redacted() {
        let upn = Upn::parse("H801200001001").unwrap();
        assert_eq!(format!("{upn:?}"), "Upn(<redacted>)");
    }
}
