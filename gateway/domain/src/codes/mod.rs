//! Closed code lists from NCCIS, SSDA903 and CCIS practice.
//!
//! Guarantees: each enum holds exactly the codes listed in the specification;
//! parsing an unknown code is an error ([`CodeError`]), never a silent
//! "other"; serde uses the wire code (a number for numeric lists, the text
//! code otherwise), so JSON and partner formats share one spelling.

mod activity;
mod care;
mod characteristic;
mod guarantee;
pub mod la_list;
mod macros;
mod person;

pub use activity::{ActivityCode, ActivityGroup};
pub use care::{InTouch, Ssda903Activity};
pub use characteristic::Characteristic;
pub use guarantee::{GuaranteeStatus, IntendedDestination};
pub use person::{CohortStatus, Gender, LevelOfNeed, SenProvision};

/// An unrecognised code.
///
/// A numeric code is echoed (it is a code, not personal data). A text value
/// is not: a malformed partner file can put anything in a code field,
/// including a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    #[error("{list}: unknown code {code}")]
    UnknownNumber { list: &'static str, code: u16 },
    #[error("{list}: unrecognised code")]
    UnknownText { list: &'static str },
}
