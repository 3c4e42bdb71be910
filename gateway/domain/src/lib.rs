//! The canonical domain of the CCIS data-sharing gateway.
//!
//! This crate is pure: no I/O, no clocks, no randomness from the environment.
//! Every function takes the facts it needs (including "today") as arguments,
//! so the store, the policy engine, the API and the format adapters all agree
//! on the same meaning of a record.
//!
//! What it guarantees:
//! - an identifier value ([`ids`]) that exists has passed its format and
//!   check-character rules; invalid identifiers cannot be constructed;
//! - identifiers, names, addresses and dates of birth never appear in `Debug`
//!   output or in error messages, so they cannot leak into application logs
//!   by accident (`Display` still prints identifiers: formatting one is an
//!   explicit act);
//! - code lists ([`codes`]) are closed enums: an unknown code is an error at
//!   the boundary, not a silently carried string;
//! - a lapsed activity ([`mod@currency`]) never exposes the stale activity code;
//! - no public function panics on any input.
//!
//! What it does not do: decide who may see what (the policy crate), match
//! demographics to a person (subject matching), or read and write partner
//! formats (the adapters).

pub mod codes;
pub mod currency;
pub mod dates;
pub mod ids;
pub mod record;
pub mod synthetic;

pub use codes::{
    ActivityCode, ActivityGroup, Characteristic, CodeError, CohortStatus, Gender, GuaranteeStatus,
    InTouch, IntendedDestination, LevelOfNeed, SenProvision, Ssda903Activity, la_list,
};
pub use currency::{Currency, CurrencyWindows, currency};
pub use ids::{
    CcisId, DfeNumber, EstablishmentNumber, IdError, IdKind, LaCode, NhsNumber, Nino,
    PlaceholderPostcode, Postcode, SubjectRef, Ukprn, Uln, Upn,
};
pub use record::{
    Activity, Address, BenefitRegistration, CareLeaverStatus, GuaranteeBlock, SeptemberGuarantee,
    StoredFacts, YoungPerson,
};
