//! Organisation codes: local authority, provider (UKPRN), establishment.
//!
//! Only the *format* is checked. Whether an LA code or UKPRN is currently in
//! use is reference data that changes (LA reorganisations, new providers),
//! so that list is loaded elsewhere and never hard-coded here.

use super::macros::id_newtype;
use super::{IdError, IdKind, Spaces, expect_digits, expect_len, normalise};

/// A three-digit DfE local authority code. `004` means "unknown".
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaCode(String);

id_newtype!(LaCode, IdKind::LaCode);

impl LaCode {
    const UNKNOWN: &'static str = "004";

    /// Parse a three-digit LA code. Internal spaces are not accepted: an LA
    /// code is never printed with them, so one is more likely a paste error.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(IdKind::LaCode, raw, Spaces::Reject)?;
        expect_len(IdKind::LaCode, &s, 3, "3")?;
        expect_digits(IdKind::LaCode, s.as_bytes(), 1)?;
        Ok(LaCode(s))
    }

    /// The "unknown" LA code, 004.
    pub fn unknown() -> LaCode {
        LaCode(Self::UNKNOWN.to_owned())
    }

    /// True for 004, "LA unknown".
    pub fn is_unknown(&self) -> bool {
        self.0 == Self::UNKNOWN
    }

    /// The code as a number (0..=999).
    pub fn number(&self) -> u16 {
        self.0.parse().unwrap_or_default()
    }

    /// Build from `n` (0..=999), zero-padded; None if out of range.
    pub fn from_number(n: u16) -> Option<LaCode> {
        (n <= 999).then(|| LaCode(format!("{n:03}")))
    }

    /// For callers in this crate that have already checked three digits
    /// (e.g. the LA part of a valid UPN). Falls back to "unknown" rather
    /// than panicking if that promise is ever broken.
    pub(crate) fn from_valid_digits(digits: &str) -> LaCode {
        LaCode::parse(digits).unwrap_or_else(|_| LaCode::unknown())
    }
}

/// A UK Provider Reference Number: eight digits, the first being 1.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ukprn(String);

id_newtype!(Ukprn, IdKind::Ukprn);

impl Ukprn {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(IdKind::Ukprn, raw, Spaces::Strip)?;
        expect_len(IdKind::Ukprn, &s, 8, "8")?;
        expect_digits(IdKind::Ukprn, s.as_bytes(), 1)?;
        if !s.starts_with('1') {
            return Err(IdError::Character {
                kind: IdKind::Ukprn,
                position: 1,
                expected: "the digit 1",
            });
        }
        Ok(Ukprn(s))
    }
}

/// A four-digit DfE establishment number (unique within an LA; the
/// seven-digit "DfE number" is LA code + establishment number). Same digits
/// as positions 5-8 of a UPN and the CTF `Estab` element.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EstablishmentNumber(String);

id_newtype!(EstablishmentNumber, IdKind::EstablishmentNumber);

impl EstablishmentNumber {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let kind = IdKind::EstablishmentNumber;
        let s = normalise(kind, raw, Spaces::Reject)?;
        expect_len(kind, &s, 4, "4")?;
        expect_digits(kind, s.as_bytes(), 1)?;
        Ok(EstablishmentNumber(s))
    }

    /// Build from `n` (0..=9999), zero-padded; None if out of range.
    pub fn from_number(n: u16) -> Option<EstablishmentNumber> {
        (n <= 9999).then(|| EstablishmentNumber(format!("{n:04}")))
    }
}

/// The seven-digit DfE establishment number of NCCIS `Cohort/EstablishmentNumber`
/// (XSD `NumericSeven`): the LA code followed by the four-digit establishment
/// number (9999 for home-educated or no DfE number). Only the shape is
/// checked; whether the LA part is an English LA is checker rule 228.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DfeNumber(String);

id_newtype!(DfeNumber, IdKind::EstablishmentNumber);

impl DfeNumber {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let kind = IdKind::EstablishmentNumber;
        let s = normalise(kind, raw, Spaces::Reject)?;
        expect_len(kind, &s, 7, "7")?;
        expect_digits(kind, s.as_bytes(), 1)?;
        Ok(DfeNumber(s))
    }

    /// LA code + establishment number.
    pub fn from_parts(la: &LaCode, estab: &EstablishmentNumber) -> DfeNumber {
        DfeNumber(format!("{}{}", la.as_str(), estab.as_str()))
    }

    /// The LA part (first three digits).
    pub fn la(&self) -> LaCode {
        LaCode::from_valid_digits(self.0.get(..3).unwrap_or_default())
    }

    /// The establishment part (last four digits).
    pub fn establishment(&self) -> EstablishmentNumber {
        EstablishmentNumber(self.0.get(3..).unwrap_or("9999").to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dfe_number() {
        let n = DfeNumber::parse("8869999").unwrap();
        assert_eq!(n.la().as_str(), "886");
        assert_eq!(n.establishment().as_str(), "9999");
        assert!(DfeNumber::parse("886999").is_err());
        assert!(DfeNumber::parse("88699A9").is_err());
        assert_eq!(DfeNumber::from_parts(&n.la(), &n.establishment()), n);
    }

    #[test]
    fn la_code() {
        assert!(LaCode::parse("004").unwrap().is_unknown());
        assert!(!LaCode::parse(" 886 ").unwrap().is_unknown());
        assert_eq!(LaCode::parse("886").unwrap().number(), 886);
        assert_eq!(LaCode::from_number(4).unwrap(), LaCode::unknown());
        assert!(LaCode::from_number(1000).is_none());
        assert!(LaCode::parse("8 86").is_err());
        assert!(LaCode::parse("88").is_err());
        assert!(LaCode::parse("88A").is_err());
    }

    #[test]
    fn ukprn() {
        assert!(Ukprn::parse("10001234").is_ok());
        assert!(Ukprn::parse("20001234").is_err());
        assert!(Ukprn::parse("1000123").is_err());
    }

    #[test]
    fn establishment() {
        assert!(EstablishmentNumber::parse("2000").is_ok());
        assert_eq!(
            EstablishmentNumber::from_number(7).unwrap().as_str(),
            "0007"
        );
        assert!(EstablishmentNumber::parse("200").is_err());
    }
}
