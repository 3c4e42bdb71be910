//! The disclosure log's Merkle tree: RFC 9162 (Certificate Transparency
//! v2) hashing, an append-only tree that can prove inclusion and consistency
//! for any of its past sizes, Ed25519-signed tree heads, and an audit that
//! checks stored entries against the signed heads.
//!
//! Every disclosure the gateway makes is appended to the log before the
//! answer leaves; the log periodically signs a tree head. A signed head
//! commits the log to every entry it covers: an entry cannot later be
//! changed, removed, reordered or inserted before it without some signed
//! head failing to verify ([`audit`]), and anyone holding a head can check a
//! receipt's inclusion proof or a later head's consistency proof with
//! [`verify`] alone.
//!
//! This crate is pure: no storage, no clock, no async. The store persists
//! entries, leaf hashes and signed heads and hands them to this crate; the
//! timestamp of a head is the caller's.
//!
//! Modules:
//! - [`hash`] holds `leaf_hash`, `node_hash`, `empty_root`, and [`Hash`];
//! - [`tree`] holds [`MerkleTree`] (every level kept; proofs for any past size)
//!   and [`Frontier`] (right edge only);
//! - [`verify`] holds RFC 9162 §2.1.3.2 / §2.1.4.2 verifiers and the naive `MTH`;
//! - [`sth`] holds [`TreeHead`], [`SignedTreeHead`], signer and verifier, PEM;
//! - [`audit`] holds [`verify_log`] / [`LogAuditor`], naming the first bad index.
//!
//! No public function panics on any input; malformed proofs, indices, sizes,
//! keys and PEM text are errors.

pub mod audit;
pub mod hash;
pub mod sth;
pub mod tree;
pub mod verify;

pub use audit::{AuditError, LogAuditor, LogReport, verify_log};
pub use hash::{Hash, empty_root, leaf_hash, node_hash};
pub use sth::{HeadVerifier, SignedTreeHead, SthError, TreeHead, TreeHeadSigner, TreeHeadVerifier};
pub use tree::{Frontier, MerkleTree, TreeError};
pub use verify::{ProofError, root_from_leaves, verify_consistency, verify_inclusion};
