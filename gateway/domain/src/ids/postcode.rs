//! UK postcode.
//!
//! Rule (upper-cased, spaces removed):
//! `^([A-Z][A-HJ-Y]?[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$`.
//! The inward code is always the last three characters (`[0-9][A-Z]{2}`), so
//! the outward code is everything before it; the matcher below checks the
//! outward part against the four shapes the regex allows. A property test
//! checks agreement with the regex itself.
//!
//! Guarantees the format only; it does not know whether a postcode exists.

use super::macros::id_newtype;
use super::{IdError, IdKind, Spaces, normalise};

const KIND: IdKind = IdKind::Postcode;

/// A UK postcode of valid format, stored without spaces.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

id_newtype!(Postcode, KIND);

/// `[A-HJ-Y]`: the optional second letter of the area (never I or Z).
fn area_second(c: u8) -> bool {
    c.is_ascii_uppercase() && c != b'I' && c != b'Z'
}

/// Whether `outward` has one of the shapes `A9`, `A99`, `A9A`, `AA9`,
/// `AA99`, `AA9A` allowed by `[A-Z][A-HJ-Y]?[0-9][A-Z0-9]?`.
fn valid_outward(outward: &[u8]) -> bool {
    let alnum = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    match outward {
        [a, d] => a.is_ascii_uppercase() && d.is_ascii_digit(),
        [a, x, y] => {
            a.is_ascii_uppercase()
                && ((area_second(*x) && y.is_ascii_digit()) || (x.is_ascii_digit() && alnum(y)))
        }
        [a, b, d, x] => a.is_ascii_uppercase() && area_second(*b) && d.is_ascii_digit() && alnum(x),
        _ => false,
    }
}

fn valid_inward(inward: &[u8]) -> bool {
    matches!(inward, [d, x, y] if d.is_ascii_digit() && x.is_ascii_uppercase() && y.is_ascii_uppercase())
}

impl Postcode {
    /// Parse a postcode; spaces anywhere are ignored, letters are upper-cased.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(KIND, raw, Spaces::Strip)?;
        let b = s.as_bytes();
        if !(5..=7).contains(&b.len()) {
            return Err(IdError::Length {
                kind: KIND,
                expected: "5 to 7 (without spaces)",
                found: b.len(),
            });
        }
        if b == b"GIR0AA" {
            return Ok(Postcode(s));
        }
        let (outward, inward) = b.split_at(b.len() - 3);
        if !valid_inward(inward) {
            return Err(IdError::Rule {
                kind: KIND,
                rule: "inward code must be a digit followed by two letters",
            });
        }
        if !valid_outward(outward) {
            return Err(IdError::Rule {
                kind: KIND,
                rule: "outward code is not of a valid shape",
            });
        }
        Ok(Postcode(s))
    }

    /// The outward code (area and district), e.g. `SW1A`.
    pub fn outward(&self) -> &str {
        self.0
            .get(..self.0.len().saturating_sub(3))
            .unwrap_or_default()
    }

    /// The inward code (sector digit and unit), e.g. `1AA`.
    pub fn inward(&self) -> &str {
        self.0
            .get(self.0.len().saturating_sub(3)..)
            .unwrap_or_default()
    }

    /// The postcode sector, e.g. `SW1A 1`: a coarse blocking key for
    /// matching (a few thousand addresses) that still tolerates a mistyped
    /// unit.
    pub fn sector(&self) -> String {
        format!(
            "{} {}",
            self.outward(),
            self.inward().get(..1).unwrap_or_default()
        )
    }

    /// The printed form: outward code, one space, inward code.
    pub fn formatted(&self) -> String {
        format!("{} {}", self.outward(), self.inward())
    }
}

/// A placeholder postcode of the `ZZ99` family (`ZZ99 9ZZ` "no fixed
/// abode / not known", `ZZ99 3CZ` "England, not otherwise specified", ...).
///
/// CCIS suppliers write one when the address is unknown, and NCCIS accepts
/// it (checker rules 32 and 43 pass). It is not a [`Postcode`]: it names no
/// place, so the record keeps it only to write it back, and nothing ever
/// matches or blocks on it (the subject index reads
/// [`crate::Address::postcode`], which never holds a placeholder).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlaceholderPostcode(String);

id_newtype!(PlaceholderPostcode, KIND);

impl PlaceholderPostcode {
    /// Parse `ZZ99` + an inward code (digit, two letters); spaces ignored,
    /// letters upper-cased.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(KIND, raw, Spaces::Strip)?;
        let b = s.as_bytes();
        match b {
            [b'Z', b'Z', b'9', b'9', inward @ ..] if valid_inward(inward) => {
                Ok(PlaceholderPostcode(s))
            }
            _ => Err(IdError::Rule {
                kind: KIND,
                rule: "a placeholder postcode is ZZ99 followed by a digit and two letters",
            }),
        }
    }

    /// The printed form, `ZZ99 9ZZ`.
    pub fn formatted(&self) -> String {
        let (outward, inward) = self.0.split_at(self.0.len().min(4));
        format!("{outward} {inward}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_not_postcodes() {
        for raw in ["ZZ99 9ZZ", "zz993cz", " ZZ99 3WZ "] {
            assert!(Postcode::parse(raw).is_err(), "{raw}");
            let p = PlaceholderPostcode::parse(raw).unwrap();
            assert!(p.formatted().starts_with("ZZ99 "));
        }
        assert_eq!(
            PlaceholderPostcode::parse("zz99 9zz").unwrap().formatted(),
            "ZZ99 9ZZ"
        );
        assert!(PlaceholderPostcode::parse("ZZ98 9ZZ").is_err());
        assert!(PlaceholderPostcode::parse("ME14 1XQ").is_err());
        assert!(PlaceholderPostcode::parse("ZZ99").is_err());
    }

    #[test]
    fn shapes_and_helpers() {
        for (raw, formatted) in [
            ("sw1a 1aa", "SW1A 1AA"),
            ("W1A0AX", "W1A 0AX"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W10 6TH", "W10 6TH"),
            ("GIR 0AA", "GIR 0AA"),
        ] {
            let p = Postcode::parse(raw).unwrap();
            assert_eq!(p.formatted(), formatted);
        }
        let p = Postcode::parse("ME14 1XQ").unwrap();
        assert_eq!(p.outward(), "ME14");
        assert_eq!(p.inward(), "1XQ");
        assert_eq!(p.sector(), "ME14 1");
        assert_eq!(p.as_str(), "ME141XQ");
    }

    #[test]
    fn rejects_bad_shapes() {
        for raw in [
            "",
            "SW1A",
            "1A1AA",
            "IZ1 1AA",
            "SW1A 1A1",
            "SWAA 1AA",
            "AZ1 1AA",
            "SW1AB 1AA",
        ] {
            assert!(Postcode::parse(raw).is_err(), "{raw} should be rejected");
        }
    }
}
