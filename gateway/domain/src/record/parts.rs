//! The parts of a record that are structured values of their own.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::codes::InTouch;
use crate::ids::{LaCode, Postcode};

/// The most address lines a record holds (NCCIS AddressLine1-4).
pub const MAX_ADDRESS_LINES: usize = 4;

/// Why an address could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an address has at most {MAX_ADDRESS_LINES} lines, found {0}")]
    TooManyLines(usize),
}

/// A postal address. Blank lines are dropped and at most four remain.
/// `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "AddressFields")]
pub struct Address {
    lines: Vec<String>,
    town: Option<String>,
    county: Option<String>,
    postcode: Option<Postcode>,
}

/// The unchecked wire form of [`Address`].
#[derive(Deserialize)]
struct AddressFields {
    #[serde(default)]
    lines: Vec<String>,
    #[serde(default)]
    town: Option<String>,
    #[serde(default)]
    county: Option<String>,
    #[serde(default)]
    postcode: Option<Postcode>,
}

impl TryFrom<AddressFields> for Address {
    type Error = AddressError;
    fn try_from(f: AddressFields) -> Result<Self, Self::Error> {
        Address::new(f.lines, f.town, f.county, f.postcode)
    }
}

impl Address {
    pub fn new(
        lines: Vec<String>,
        town: Option<String>,
        county: Option<String>,
        postcode: Option<Postcode>,
    ) -> Result<Self, AddressError> {
        let lines: Vec<String> = lines
            .into_iter()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > MAX_ADDRESS_LINES {
            return Err(AddressError::TooManyLines(lines.len()));
        }
        let non_blank =
            |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(Address {
            lines,
            town: non_blank(town),
            county: non_blank(county),
            postcode,
        })
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    pub fn town(&self) -> Option<&str> {
        self.town.as_deref()
    }

    pub fn county(&self) -> Option<&str> {
        self.county.as_deref()
    }

    pub fn postcode(&self) -> Option<&Postcode> {
        self.postcode.as_ref()
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Address(<redacted>)")
    }
}

/// Registration with the LA for employment and training, the JSA/IS/ESA
/// condition for a 16/17 year old (JSA Regs 1996 reg.62).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitRegistration {
    #[serde(with = "crate::dates::iso")]
    pub registered_on: Date,
}

/// What the leaving-care team needs beyond the activity: SSDA903 in-touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareLeaverStatus {
    pub in_touch: InTouch,
    /// When in-touch status was last established.
    #[serde(default, with = "crate::dates::iso::option")]
    pub contact_date: Option<Date>,
    /// The LA that looked after the young person, if not the lead LA.
    #[serde(default)]
    pub responsible_la: Option<LaCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_limits_and_trims() {
        let five = vec!["a".into(), "b".into(), "c".into(), "d".into(), "e".into()];
        assert_eq!(
            Address::new(five, None, None, None),
            Err(AddressError::TooManyLines(5))
        );
        let a = Address::new(
            vec![" 1 High St ".into(), "".into(), "  ".into()],
            Some(" ".into()),
            Some("Kent".into()),
            Postcode::parse("ME14 1XQ").ok(),
        )
        .unwrap();
        assert_eq!(a.lines(), ["1 High St"]);
        assert_eq!(a.town(), None);
        assert_eq!(a.county(), Some("Kent"));
        assert_eq!(format!("{a:?}"), "Address(<redacted>)");
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), a);
        assert!(serde_json::from_str::<Address>(r#"{"lines":["a","b","c","d","e"]}"#).is_err());
    }
}
