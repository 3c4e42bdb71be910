//! Unique Learner Number (Learning Records Service).
//!
//! Ten digits. With d0..d8 the first nine, s = Σ d_i × (10 − i); r = s mod 11.
//! r = 0 makes the number invalid (no check digit exists); otherwise the
//! tenth digit is 10 − r.
//!
//! Error detection: every weight (10..=2) is coprime to the prime 11, so
//! changing one of the first nine digits always changes r; the map
//! r -> 10 − r is one-to-one, so the stored check digit no longer matches
//! (or r becomes 0). Changing the check digit alone is caught directly. So
//! every single-digit substitution is detected.

use super::macros::id_newtype;
use super::{
    IdError, IdKind, Spaces, expect_digits, expect_len, mod11_weighted_sum, nine_digits, normalise,
};

const KIND: IdKind = IdKind::Uln;

/// A ULN whose check digit is valid.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uln(String);

id_newtype!(Uln, KIND);

/// The check digit for nine ASCII digits, or None when r = 0.
fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let r = mod11_weighted_sum(first_nine) % 11;
    // r is 1..=10 here, so 10 - r is a single digit 0..=9.
    (r != 0).then(|| b'0' + u8::try_from(10 - r).unwrap_or_default())
}

impl Uln {
    /// Parse a ULN. Whitespace is removed.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(KIND, raw, Spaces::Strip)?;
        expect_len(KIND, &s, 10, "10")?;
        let b = s.as_bytes();
        expect_digits(KIND, b, 1)?;
        let (first_nine, check) = b.split_at(9);
        match check_digit(first_nine) {
            None => Err(IdError::Rule {
                kind: KIND,
                rule: "weighted sum of the first nine digits is divisible by 11",
            }),
            Some(c) if check.first() == Some(&c) => Ok(Uln(s)),
            Some(_) => Err(IdError::CheckCharacter { kind: KIND }),
        }
    }

    /// The ULN whose first nine digits are `base` (zero-padded), or None if
    /// `base` has more than nine digits or no check digit exists for it.
    pub fn from_base(base: u32) -> Option<Uln> {
        let nine = nine_digits(base)?;
        let c = check_digit(nine.as_bytes())?;
        Some(Uln(format!("{nine}{}", char::from(c))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples() {
        // 1×10 = 10; r = 10; check = 0.
        assert!(Uln::parse("1000000000").is_ok());
        // 9×(10+9+...+2) = 486; r = 2; check = 8.
        assert!(Uln::parse("9999999998").is_ok());
        assert_eq!(
            Uln::parse("9999999999"),
            Err(IdError::CheckCharacter { kind: KIND })
        );
        // 1×10 + 1×2 = 12; r = 1; check = 9.
        assert!(Uln::parse("1000000019").is_ok());
    }

    #[test]
    fn remainder_zero_is_invalid() {
        // 000000000: s = 0, r = 0.
        assert!(Uln::from_base(0).is_none());
        assert!(matches!(
            Uln::parse("0000000000"),
            Err(IdError::Rule { .. })
        ));
        // 200000001: s = 2×10 + 1×2 = 22, r = 0.
        assert!(Uln::from_base(200_000_001).is_none());
    }

    #[test]
    fn from_base_round_trips() {
        let uln = Uln::from_base(123_456_789).unwrap();
        assert_eq!(Uln::parse(uln.as_str()).unwrap(), uln);
        assert!(Uln::from_base(1_000_000_000).is_none());
    }

    #[test]
    fn rejects_non_digits_and_wrong_length() {
        assert!(matches!(
            Uln::parse("10000000O0"),
            Err(IdError::Character { position: 9, .. })
        ));
        assert!(matches!(
            Uln::parse("100000000"),
            Err(IdError::Length { .. })
        ));
    }
}
