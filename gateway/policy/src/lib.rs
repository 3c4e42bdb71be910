//! Policy decisions for the CCIS data-sharing gateway.
//!
//! A Cedar policy set (namespace `Gateway`, in `policies/`) decides, per data category, what a
//! partner agency may receive about a young person in a given exchange: the law, the data
//! sharing agreement, and the young person's (or parent's) consent or objection. Permits name
//! the lawful grounds; forbids cut back, and a forbid always wins.
//!
//! - [`PolicyEngine::built_in`] is the shipped policy set (`policies/`, built into the
//!   crate, so the binary needs no files beside it); [`PolicyEngine::load`] reads and
//!   strictly validates a policy directory instead; [`PolicySource`] says which.
//! - [`PolicyEngine::decide`] answers a [`DecisionRequest`] with a [`Decision`]: one
//!   [`CategoryDecision`] per category, naming the policies (`@id`s) that determined it, and
//!   the [`PolicyEngine::policy_set_hash`] for the disclosure log.
//! - [`run_source_cases`] runs a set's table-driven cases (`policies/tests/`, built in too)
//!   as `gateway policy test` does, with coverage and mutation checks, and returns a
//!   printable [`CaseReport`].
//!
//! What this crate does not do: compute the facts (which consents are valid, whose objection
//! counts, whether a break-glass is inside its window). The caller does that and this crate
//! trusts it.

mod cases;
mod catalog;
mod decision;
mod engine;
mod error;
mod load;
mod request;
mod source;

pub use cases::{
    Case, CaseFile, CaseReport, CaseResult, Mismatch, Outcome, read_case_files, run_cases,
    run_source_cases,
};
pub use catalog::{Catalog, CategoryInfo, ExchangeInfo};
pub use decision::{CategoryDecision, Decision};
pub use engine::{NAMESPACE, PolicyEngine};
pub use error::PolicyError;
pub use request::{
    AgreementFacts, BreakGlassFacts, ConsentFacts, DecisionRequest, LawfulBasis, PartnerInfo,
    SubjectFacts,
};
pub use source::{CATEGORIES_FILE, PolicySource, SCHEMA_FILE};
