//! What sits between a matched young person and the policy, and between the policy and the
//! answer: the facts of a request ([`facts`]) and each exchange's declaration: its answer,
//! the category of every field, its special-category codes and how they are concealed, and
//! the check of an upstream provider's answer ([`exchanges`]). Pure: no I/O, no clock
//! (every "today" is an argument).

pub mod exchanges;
pub mod facts;
pub mod transfer;

pub use exchanges::{
    Answer, BadAnswer, Concealment, Declaration, DeclarationMismatch, Exchange, NotApplicable,
    check_declarations,
};
pub use facts::{PersonFacts, Recorded, agreement_facts, person_facts};
pub use transfer::{TransferEnvelope, TransferRecord};
