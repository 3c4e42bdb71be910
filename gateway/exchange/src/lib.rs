//! What sits between a matched young person and the policy, and between the policy and the
//! answer: the facts of a request ([`facts`]) and the minimised shape of each exchange's
//! answer ([`exchanges`]). Pure: no I/O, no clock (every "today" is an argument).

pub mod exchanges;
pub mod facts;
pub mod provided;
pub mod transfer;

pub use exchanges::{Exchange, NotApplicable};
pub use facts::{PersonFacts, Recorded, agreement_facts, person_facts};
pub use provided::{BadAnswer, ProvidedAnswer};
pub use transfer::{TransferEnvelope, TransferRecord};
