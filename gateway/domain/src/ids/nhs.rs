//! NHS number (England and Wales).
//!
//! Ten digits. The first nine are weighted 10..=2; check = 11 − (sum mod 11),
//! where 11 becomes 0 and 10 means the number is invalid (never issued).
//!
//! Error detection: weights are coprime to the prime 11, so a change to one
//! of the first nine digits always changes (sum mod 11); the map from
//! remainder to check digit is one-to-one on the remainders that yield a
//! digit, so every single-digit substitution is detected.

use super::macros::id_newtype;
use super::{
    IdError, IdKind, Spaces, expect_digits, expect_len, mod11_weighted_sum, nine_digits, normalise,
};

const KIND: IdKind = IdKind::NhsNumber;

/// An NHS number whose check digit is valid.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(String);

id_newtype!(NhsNumber, KIND);

/// The check digit for nine ASCII digits, or None when it would be 10.
fn check_digit(first_nine: &[u8]) -> Option<u8> {
    match 11 - mod11_weighted_sum(first_nine) % 11 {
        11 => Some(b'0'),
        10 => None,
        c => Some(b'0' + u8::try_from(c).ok()?),
    }
}

impl NhsNumber {
    /// Parse an NHS number. Whitespace (as in the printed "943 476 5919") is removed.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(KIND, raw, Spaces::Strip)?;
        expect_len(KIND, &s, 10, "10")?;
        let b = s.as_bytes();
        expect_digits(KIND, b, 1)?;
        let (first_nine, check) = b.split_at(9);
        match check_digit(first_nine) {
            None => Err(IdError::Rule {
                kind: KIND,
                rule: "check digit would be 10",
            }),
            Some(c) if check.first() == Some(&c) => Ok(NhsNumber(s)),
            Some(_) => Err(IdError::CheckCharacter { kind: KIND }),
        }
    }

    /// The NHS number whose first nine digits are `base` (zero-padded), or
    /// None if `base` has more than nine digits or its check would be 10.
    /// Synthetic data should use the 999 range, which NHS England reserves
    /// for test numbers.
    pub fn from_base(base: u32) -> Option<NhsNumber> {
        let nine = nine_digits(base)?;
        let c = check_digit(nine.as_bytes())?;
        Some(NhsNumber(format!("{nine}{}", char::from(c))))
    }

    /// The usual printed form, 3-3-4 digits separated by spaces.
    pub fn formatted(&self) -> String {
        let s = &self.0;
        format!(
            "{} {} {}",
            s.get(..3).unwrap_or_default(),
            s.get(3..6).unwrap_or_default(),
            s.get(6..).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example() {
        // 9×10 + 4×9 + 3×8 + 4×7 + 7×6 + 6×5 + 5×4 + 9×3 + 1×2 = 299;
        // 299 mod 11 = 2; 11 − 2 = 9.
        let n = NhsNumber::parse("943 476 5919").unwrap();
        assert_eq!(n.as_str(), "9434765919");
        assert_eq!(n.formatted(), "943 476 5919");
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(IdError::CheckCharacter { kind: KIND })
        );
    }

    #[test]
    fn eleven_becomes_zero_and_ten_is_invalid() {
        // 000000000 -> sum 0 -> 11 -> 0.
        assert!(NhsNumber::parse("0000000000").is_ok());
        // 000000006: sum 12, 12 mod 11 = 1, 11 − 1 = 10 -> invalid.
        assert!(NhsNumber::from_base(6).is_none());
        assert!(matches!(
            NhsNumber::parse("0000000060"),
            Err(IdError::Rule { .. })
        ));
    }

    #[test]
    fn from_base_round_trips() {
        let n = NhsNumber::from_base(999_000_001).unwrap();
        assert_eq!(NhsNumber::parse(n.as_str()).unwrap(), n);
        assert!(NhsNumber::from_base(1_000_000_000).is_none());
    }
}
