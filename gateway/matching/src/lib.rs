//! Subject matching: which one young person does a request name?
//!
//! A partner names its subject by an identifier (UPN, ULN, CCIS id, NINO)
//! or by demographics (given name, family name, date of birth, optionally
//! postcode). [`SubjectIndex`] answers with one person's key, or with "no
//! unique match". A wrong match discloses one young person's record to an
//! agency asking about another, so the matcher is built for precision
//! first: when in doubt it says no.
//!
//! What it guarantees:
//! - **Identifiers** match exactly, after the normalisation their validated
//!   types already apply (case, spaces). An identifier nobody holds is
//!   [`NoMatchReason::NoCandidate`]; one that two people hold (a data
//!   error) is [`NoMatchReason::Ambiguous`], never a pick.
//! - **Demographics** give a unique answer only when the best candidate
//!   (a) agrees in one of the ways a [`MatchPath`] allows: the standard
//!   path (DOB exact or day/month exchanged, never another birth year;
//!   both names at least close, one of them exact; the postcode, if
//!   given, in the same area), or one of the paths for the errors
//!   partners' records really hold, each allowed only when every other
//!   field agrees exactly: a typo in each name; two edits in a name of
//!   five to nine letters; one edit in a name under four letters; one
//!   digit of the DOB's day or month changed; given and family names
//!   exchanged. A misspelt name that some indexed person bears
//!   ([`TypoTolerance::held_by`]) is a real name, not a slip, so an
//!   unindexed twin Sophia is not taken for Sophie (nor Lily-Mae for Lily).
//!   A twin of the candidate in the index (same family name, DOB and
//!   postcode) makes the weak name paths (two edits, a short-name edit, a
//!   typo in each name) ambiguous. (b) scores at least
//!   [`MatchConfig::threshold`] after the frequency adjustment (a rare
//!   name or district agreeing is stronger evidence than a common one,
//!   [`FrequencyWeights`]); and (c) leads every other indexed person by
//!   [`MatchConfig::margin`],
//!   including people who could never be returned themselves (a namesake
//!   born a day later, a twin whose name is one letter away, a person
//!   whose names are the request's exchanged). Judging
//!   competitors is deliberately more generous than judging the winner: a
//!   name one edit from the request counts as close for a competitor even
//!   when it is too short to count as a typo for a match, so a request
//!   halfway between two people ("Maia" between Mia and Maja) goes to
//!   neither. Point (c)
//!   holds for people outside the candidate blocks too: `demographic.rs`
//!   bounds the score of anyone not yet examined and examines more blocks
//!   (the household, namesakes born the same year, everyone born that
//!   day) until that bound is clear of the margin, or answers "ambiguous".
//! - A placeholder postcode (`ZZ99 ...`) is no postcode: never evidence.
//! - Name normalisation (accents, case, spaces, hyphens, apostrophes) is
//!   described in `name.rs`; [`comparison_form`] exposes it.
//! - The reason for "no unique match" is for the audit log only; callers
//!   must give every requester the same answer whatever the reason.
//! - No function panics on any input; names longer than a name can be are
//!   refused ([`NoMatchReason::InsufficientDetail`]) before any work, and a
//!   request never scores more than [`MatchConfig::max_candidates`]
//!   people (it answers [`NoMatchReason::TooManyCandidates`] instead).
//! - `Debug` of requests and entries prints no names, dates or identifiers.
//!
//! What it does not do: nicknames (William/Bill; see `name.rs` for why),
//! middle names, former names, phonetic codes, or any I/O. The store loads
//! the index and keeps it current.
//!
//! Quality on corrupted duplicates of a synthetic cohort, per kind of
//! error, is measured by `examples/quality.rs` (figures in BENCHMARKS.md).
//!
//! Lookups among 1,000,000 people take microseconds (see
//! `benches/lookup.rs`).

mod config;
mod demographic;
mod idcode;
mod index;
mod name;
mod types;

pub use config::{ConfigError, FrequencyWeights, MatchConfig, TypoTolerance, Weights};
pub use index::SubjectIndex;
pub use name::comparison_form;
pub use types::{
    IndexEntry, IndexError, MatchMethod, MatchOutcome, MatchPath, MatchRequest, NoMatchReason,
};
