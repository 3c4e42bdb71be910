//! What a requester keeps: proof that its answer was logged, and what the log committed to.

use gateway_translog::{Hash, SignedTreeHead};
use serde::{Deserialize, Serialize};

/// A disclosure receipt, returned with every answer that was logged.
///
/// With it a requester can later prove what it was given and when: `leaf_hash` is the hash of
/// the log entry (which holds the SHA-256 of the answer it received), `inclusion_proof` leads
/// from that leaf to `signed_tree_head.head.root_hash`, and the head is signed by the
/// gateway's log key. Later heads can be checked against this one with a consistency proof
/// (`GET /v1/log/consistency`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub log_index: u64,
    pub leaf_hash: Hash,
    pub signed_tree_head: SignedTreeHead,
    /// RFC 9162 inclusion proof of `log_index` in the tree of `signed_tree_head`.
    pub inclusion_proof: Vec<Hash>,
    /// Where a proof against a later tree head can be fetched.
    pub proof_url: String,
}

impl Receipt {
    /// Checks the receipt on its own: signature, and inclusion of the leaf in the signed root.
    pub fn verify(
        &self,
        verifier: &gateway_translog::TreeHeadVerifier,
    ) -> Result<(), ReceiptError> {
        verifier
            .verify(&self.signed_tree_head)
            .map_err(|_| ReceiptError::BadSignature)?;
        gateway_translog::verify_inclusion(
            &self.leaf_hash,
            self.log_index,
            self.signed_tree_head.head.tree_size,
            &self.inclusion_proof,
            &self.signed_tree_head.head.root_hash,
        )
        .map_err(|_| ReceiptError::NotIncluded)
    }
}

/// Why a receipt does not check out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("the tree head is not signed by this log's key")]
    BadSignature,
    #[error("the inclusion proof does not lead to the signed root")]
    NotIncluded,
}
