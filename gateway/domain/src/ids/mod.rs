//! Validated identifier newtypes.
//!
//! Guarantees:
//! - a value of any type here has passed its format rule and, where the
//!   scheme has one, its check character; there is no unchecked constructor;
//! - values are stored in one normal form (trimmed, ASCII upper case, internal
//!   whitespace removed where the scheme's printed form uses spaces), so two
//!   equal identifiers compare equal whatever way they were typed;
//! - `Debug` prints `Type(<redacted>)` and [`IdError`] names the rule that
//!   failed but never echoes the input, because identifiers must not reach
//!   application logs. Deserialisation errors do not echo the input either.
//!
//! Not guaranteed: that an identifier was ever issued to anyone. A check
//! character catches typing errors, not fabrication.

mod ccis;
mod macros;
mod nhs;
mod nino;
mod org;
mod postcode;
mod uln;
mod upn;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use ccis::CcisId;
pub use nhs::NhsNumber;
pub use nino::Nino;
pub use org::{DfeNumber, EstablishmentNumber, LaCode, Ukprn};
pub use postcode::{PlaceholderPostcode, Postcode};
pub use uln::Uln;
pub use upn::Upn;

/// Which identifier scheme an error or reference is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    Upn,
    Uln,
    NhsNumber,
    Nino,
    Postcode,
    LaCode,
    Ukprn,
    CcisId,
    EstablishmentNumber,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Upn => "UPN",
            IdKind::Uln => "ULN",
            IdKind::NhsNumber => "NHS number",
            IdKind::Nino => "National Insurance number",
            IdKind::Postcode => "postcode",
            IdKind::LaCode => "LA code",
            IdKind::Ukprn => "UKPRN",
            IdKind::CcisId => "CCIS YoungPersonsID",
            IdKind::EstablishmentNumber => "establishment number",
        })
    }
}

/// Why an identifier was rejected. Says which rule failed, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    #[error("{kind} is empty")]
    Empty { kind: IdKind },
    #[error("{kind} input is too long to be an identifier")]
    TooLong { kind: IdKind },
    #[error("{kind} must be {expected} characters long, found {found}")]
    Length {
        kind: IdKind,
        expected: &'static str,
        found: usize,
    },
    /// `position` is 1-based, counted in the normalised value.
    #[error("{kind}: character {position} must be {expected}")]
    Character {
        kind: IdKind,
        position: usize,
        expected: &'static str,
    },
    #[error("{kind}: {rule}")]
    Rule { kind: IdKind, rule: &'static str },
    #[error("{kind}: check character does not match")]
    CheckCharacter { kind: IdKind },
}

/// Raw inputs longer than this are rejected before any work is done, so a
/// hostile megabyte-long "UPN" costs nothing. The longest printed form of any
/// scheme here (an NHS number with spaces, 12 chars) is far below it.
const MAX_RAW_LEN: usize = 64;

/// Whether a scheme's printed form may contain spaces that we drop.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spaces {
    Strip,
    Reject,
}

/// Trim, upper-case (ASCII only: `ß`.to_uppercase() is "SS" and would change
/// the length) and optionally remove internal whitespace. Any non-ASCII
/// character is rejected here, so later rules can index bytes safely.
fn normalise(kind: IdKind, raw: &str, spaces: Spaces) -> Result<String, IdError> {
    if raw.len() > MAX_RAW_LEN {
        return Err(IdError::TooLong { kind });
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(IdError::Empty { kind });
    }
    let mut out = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if c.is_whitespace() {
            match spaces {
                Spaces::Strip => continue,
                Spaces::Reject => {
                    return Err(IdError::Character {
                        kind,
                        position: out.len() + 1,
                        expected: "a digit (no spaces)",
                    });
                }
            }
        }
        if !c.is_ascii_alphanumeric() {
            return Err(IdError::Character {
                kind,
                position: out.len() + 1,
                expected: "an ASCII letter or digit",
            });
        }
        out.push(c.to_ascii_uppercase());
    }
    Ok(out)
}

/// Check the exact length of a normalised value.
fn expect_len(kind: IdKind, s: &str, len: usize, expected: &'static str) -> Result<(), IdError> {
    if s.len() == len {
        Ok(())
    } else {
        Err(IdError::Length {
            kind,
            expected,
            found: s.len(),
        })
    }
}

/// Require every byte in `bytes` (starting at 1-based `first_position`) to be a digit.
fn expect_digits(kind: IdKind, bytes: &[u8], first_position: usize) -> Result<(), IdError> {
    match bytes.iter().position(|b| !b.is_ascii_digit()) {
        None => Ok(()),
        Some(i) => Err(IdError::Character {
            kind,
            position: first_position + i,
            expected: "a digit",
        }),
    }
}

/// Weighted digit sum used by the mod-11 schemes (ULN, NHS number): the
/// first nine digits weighted 10, 9, ..., 2.
fn mod11_weighted_sum(digits: &[u8]) -> u32 {
    digits
        .iter()
        .take(9)
        .zip((2..=10u32).rev())
        .map(|(d, w)| u32::from(d.saturating_sub(b'0')) * w)
        .sum()
}

/// The nine digits of `base` (0..=999_999_999) as ASCII, zero-padded.
fn nine_digits(base: u32) -> Option<String> {
    (base <= 999_999_999).then(|| format!("{base:09}"))
}

/// How a request names a young person.
///
/// Serialised externally tagged, e.g. `{"upn": "H801200001001"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectRef {
    Upn(Upn),
    Uln(Uln),
    CcisId(CcisId),
    Nino(Nino),
}

impl SubjectRef {
    pub fn kind(&self) -> IdKind {
        match self {
            SubjectRef::Upn(_) => IdKind::Upn,
            SubjectRef::Uln(_) => IdKind::Uln,
            SubjectRef::CcisId(_) => IdKind::CcisId,
            SubjectRef::Nino(_) => IdKind::Nino,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            SubjectRef::Upn(v) => v.as_str(),
            SubjectRef::Uln(v) => v.as_str(),
            SubjectRef::CcisId(v) => v.as_str(),
            SubjectRef::Nino(v) => v.as_str(),
        }
    }
}

impl From<Upn> for SubjectRef {
    fn from(v: Upn) -> Self {
        SubjectRef::Upn(v)
    }
}
impl From<Uln> for SubjectRef {
    fn from(v: Uln) -> Self {
        SubjectRef::Uln(v)
    }
}
impl From<CcisId> for SubjectRef {
    fn from(v: CcisId) -> Self {
        SubjectRef::CcisId(v)
    }
}
impl From<Nino> for SubjectRef {
    fn from(v: Nino) -> Self {
        SubjectRef::Nino(v)
    }
}
