//! Proof verification, written straight from RFC 9162 §2.1.3.2 (inclusion)
//! and §2.1.4.2 (consistency), independent of [`crate::tree::MerkleTree`].
//!
//! Anyone holding a signed tree head can use these functions alone to check
//! that a disclosure receipt's entry is in the log, or that a later head
//! extends an earlier one. Nothing here trusts the party that produced the
//! proof.
//!
//! What is guaranteed: a proof verifies only if it is the exact RFC 9162
//! proof for the given leaf/index/size (or sizes) and roots, assuming
//! SHA-256 is collision resistant; a wrong index, size, root, any changed
//! bit, or a missing or extra proof element is rejected. Malformed input
//! (index beyond size, sizes out of order, proofs of any length) is an error,
//! never a panic, and work is bounded by the proof length.
//!
//! Take the tree size and root from the same signed tree head. The RFC
//! algorithms bind the size only through the root: a proof never verifies
//! against the root of a size it was not made for, but the same proof can
//! verify for two sizes paired with one root when the tree shapes along the
//! path agree (leaf 0 of sizes 3 and 4, or consistency 1->7 and 1->8). That
//! is harmless when size and root come from one signature, as in RFC 9162.
//!
//! Conventions outside RFC 9162's `0 < m < n` for consistency: `m == n`
//! needs an empty proof and equal roots; `m == 0` needs an empty proof and
//! `old_root` equal to the empty-tree hash (stricter than implementations
//! that ignore the old root in that case).
//!
//! [`root_from_leaves`] is the deliberately naive `MTH` of RFC 6962 §2.1,
//! kept as the independent recomputation for tests and audits of small logs.

use crate::hash::{Hash, empty_root, node_hash};

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree size.
    #[error("leaf index {index} is not below tree size {tree_size}")]
    IndexOutOfRange {
        /// The leaf index given.
        index: u64,
        /// The tree size given.
        tree_size: u64,
    },
    /// The old tree is larger than the new tree.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder {
        /// The earlier tree size given.
        old_size: u64,
        /// The later tree size given.
        new_size: u64,
    },
    /// The proof has too few or too many hashes for these sizes.
    #[error("the proof has the wrong number of hashes for these tree sizes")]
    WrongProofLength,
    /// The root recomputed from the leaf and the proof is not the root given.
    #[error("the recomputed root does not match the tree head")]
    RootMismatch,
    /// The proof does not lead to the old root (consistency).
    #[error("the recomputed old root does not match the old tree head")]
    OldRootMismatch,
    /// The proof does not lead to the new root (consistency).
    #[error("the recomputed new root does not match the new tree head")]
    NewRootMismatch,
}

/// Verifies that `leaf_hash` is the leaf at `index` in the tree of size
/// `tree_size` whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)?;
    if computed == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// The root that an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1-4),
/// or an error when the proof cannot be a proof for this index and size.
pub fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    // 1. leaf_index must be below tree_size.
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    // 2-3. fn = leaf_index, sn = tree_size - 1, r = hash.
    let mut fnode = index;
    let mut snode = tree_size - 1;
    let mut r = *leaf_hash;
    // 4. For each p in the inclusion path:
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongProofLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // 5. sn must be 0 (the caller compares r with the root).
    if snode != 0 {
        return Err(ProofError::WrongProofLength);
    }
    Ok(r)
}

/// Verifies that the tree of size `new_size` with root `new_root` extends
/// the tree of size `old_size` with root `old_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder { old_size, new_size });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if old_size == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength);
        }
        return if *old_root == empty_root() {
            Ok(())
        } else {
            Err(ProofError::OldRootMismatch)
        };
    }
    // Now 0 < first < second.
    // 1. An empty consistency path fails.
    let Some((head, tail)) = proof.split_first() else {
        return Err(ProofError::WrongProofLength);
    };
    // 2. If first is an exact power of 2, prepend first_hash to the path.
    let (seed, rest) = if old_size.is_power_of_two() {
        (*old_root, proof)
    } else {
        (*head, tail)
    };
    // 3. fn = first - 1, sn = second - 1.
    let mut fnode = old_size - 1;
    let mut snode = new_size - 1;
    // 4. While LSB(fn) is set, right-shift fn and sn.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // 5. fr = sr = the first value of the path.
    let mut fr = seed;
    let mut sr = seed;
    // 6. For each subsequent value c:
    for c in rest {
        if snode == 0 {
            return Err(ProofError::WrongProofLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // 7. sn must be 0, fr must be first_hash and sr second_hash.
    if snode != 0 {
        return Err(ProofError::WrongProofLength);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// `MTH(D[n])` from RFC 6962 §2.1, computed naively and recursively: the
/// empty-tree hash for no leaves, the leaf itself for one, otherwise the node
/// hash of the two halves split at the largest power of two below `n`.
///
/// This is `O(n)` hashes and recursion depth `O(log n)`; it exists to check
/// the incremental tree against the definition, not to be fast.
pub fn root_from_leaves(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [one] => *one,
        _ => {
            // Written out again rather than shared with the tree, so the two
            // cannot agree on a wrong split.
            let n = leaves.len();
            let mut k = 1usize;
            while k.saturating_mul(2) < n {
                k *= 2;
            }
            let (left, right) = leaves.split_at(k);
            node_hash(&root_from_leaves(left), &root_from_leaves(right))
        }
    }
}
