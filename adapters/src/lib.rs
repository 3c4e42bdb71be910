//! Partner formats ⇄ the canonical record of the CCIS data-sharing gateway.
//!
//! Pure translation and validation: this crate reads from a
//! [`std::io::BufRead`] or a byte slice the caller gives it and writes to a
//! [`std::io::Write`] the caller gives it. It opens no files, sockets or
//! databases, reads no clock (every "today" is an argument) and spawns no
//! tasks.
//!
//! | module | format | direction |
//! |---|---|---|
//! | [`nccis`] | NCCIS XML monthly return (lead-LA cohort) | read (streaming) + write |
//! | [`ctf`] | DfE Common Transfer File, for cross-border transfers | read (streaming) + write |
//! | [`ssda903`] | SSDA903 care-leaver ACTIV / IN_TOUCH | canonical → answer |
//! | [`jcp`] | Jobcentre Plus registration answer; inbound DWP notice (ESA 2008 s.15) | JSON both ways |
//! | [`yot`] | Youth Offending Team EET status request and answer | JSON both ways |
//!
//! What every module guarantees:
//! - no panic on any input, and memory bounded by [`Limits`] (XML) or by an
//!   input size cap (JSON);
//! - a record that breaks a rule is reported ([`RecordReject`], or a typed
//!   error for JSON), never dropped silently and never completed with
//!   invented values;
//! - errors name positions, fields and rules, never the values: no name,
//!   identifier, address or date of birth from the input reaches an error
//!   message.
//!
//! What none of them does: decide whether a release is allowed (the policy
//! crate), or minimise an answer for a recipient beyond the shape of the
//! answer type (the gateway does that before calling the adapters).

pub mod ctf;
pub mod jcp;
mod json;
pub mod nccis;
mod reject;
pub mod ssda903;
mod xml;
pub mod yot;

pub use json::{JsonError, MAX_JSON_BYTES, from_slice as parse_json};
pub use reject::{
    CheckerRule, FatalError, FatalKind, Outcome, ReadError, RecordReject, Violation, WriteError,
};
pub use xml::Limits;
