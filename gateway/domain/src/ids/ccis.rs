//! NCCIS YoungPersonsID.
//!
//! Thirteen digits: the three-digit NCCIS DatabaseID of the CCIS that owns
//! the record, then a ten-digit id local to that database. The pair is what
//! makes the id unique nationally; the local part alone is not.

use super::macros::id_newtype;
use super::{IdError, IdKind, Spaces, expect_digits, expect_len, normalise};

const KIND: IdKind = IdKind::CcisId;

/// A CCIS YoungPersonsID of valid format.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CcisId(String);

id_newtype!(CcisId, KIND);

impl CcisId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(KIND, raw, Spaces::Strip)?;
        expect_len(KIND, &s, 13, "13")?;
        expect_digits(KIND, s.as_bytes(), 1)?;
        Ok(CcisId(s))
    }

    /// Build from a DatabaseID (0..=999) and a local id (0..=9_999_999_999).
    pub fn from_parts(database_id: u16, local_id: u64) -> Option<CcisId> {
        (database_id <= 999 && local_id <= 9_999_999_999)
            .then(|| CcisId(format!("{database_id:03}{local_id:010}")))
    }

    /// The three-digit NCCIS DatabaseID.
    pub fn database_id(&self) -> &str {
        self.0.get(..3).unwrap_or_default()
    }

    /// The ten-digit id local to that database.
    pub fn local_id(&self) -> &str {
        self.0.get(3..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let id = CcisId::parse("8860000012345").unwrap();
        assert_eq!(id.database_id(), "886");
        assert_eq!(id.local_id(), "0000012345");
        assert_eq!(CcisId::from_parts(886, 12345).unwrap(), id);
        assert!(CcisId::from_parts(1000, 1).is_none());
        assert!(CcisId::from_parts(1, 10_000_000_000).is_none());
        assert!(CcisId::parse("886000001234").is_err());
        assert!(CcisId::parse("886000001234X").is_err());
    }
}
