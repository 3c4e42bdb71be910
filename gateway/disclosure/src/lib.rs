//! The disclosure log: every decision recorded, durably, before the answer leaves.
//!
//! - [`entry`]: what an entry holds (pseudonymous subject, categories, policies, basis,
//!   body hashes) and its canonical bytes;
//! - [`log`]: [`DisclosureLog`], the writer with group commit, the Merkle tree, signed tree
//!   heads, receipts and proofs;
//! - [`audit`]: whole-log verification from the store or from an exported file;
//! - [`keys`], [`pseudonym`]: the signing key and the pseudonym key, as files;
//! - [`pinning`]: `gateway keys init` and the start check that the keys are the log's;
//! - [`trust`]: what the writer accepts from the database before signing over it;
//! - [`rotation`]: `gateway keys rotate`, and the key chain `audit verify` follows.
//!
//! The mathematics (RFC 9162 hashing, proofs, signatures) is `gateway-translog`; the SQL is
//! `gateway-store`.

pub mod audit;
pub mod entry;
pub mod keys;
pub mod log;
pub mod pinning;
pub mod pseudonym;
pub mod receipt;
pub mod rotation;
pub mod trust;

pub use entry::{Event, IndexedEntry, KeyRotation, LogEntry, Outcome, sha256_hex};
pub use keys::{DocumentSigner, KeyFileError, LogKeys, SignedDocument, verify_document};
pub use log::{ConsistencyProof, DisclosureLog, InclusionProof, LogError, LogSettings};
pub use pinning::{InitError, Initialised, PinError};
pub use pseudonym::Pseudonymiser;
pub use receipt::{Receipt, ReceiptError};
pub use trust::Untrusted;
