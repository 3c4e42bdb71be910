//! What the log writer accepts from the database before it signs anything over it.
//!
//! The database is shared (other nodes append to it) and reachable by people who are not the
//! gateway (a DBA, a restored backup, an attacker with the file). A head the writer signs
//! commits it to every entry below, so it must never extend its tree with a row it has not
//! verified. Every legitimate batch, on any node, commits its rows together with a head of
//! exactly the new size signed with the deployment's key; so the writer takes rows only up to
//! a size where such a head exists, verifies under its own key, and has the root those rows
//! rebuild. Anything else (a row beyond the newest head, a head that does not verify, a head
//! whose root the rows do not rebuild, a head beyond the rows) stops it, naming the first
//! index it cannot vouch for.
//!
//! What the writer does not check here: that an entry's bytes still hash to its stored leaf
//! hash (it signs over leaf hashes, so an entry edited without its leaf hash is never
//! vouched for; `gateway audit verify` names it), and heads signed by a retired key before
//! a rotation (the newest head, under the current key, commits to every entry below it;
//! `audit verify` follows the key chain).

use gateway_store::StoredTreeHead;
use gateway_translog::{Frontier, Hash, MerkleTree, TreeHeadVerifier};

use crate::log::signed_head;

/// Why the stored log cannot be trusted (or extended). Holds indexes and sizes only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    #[error(
        "entries from index {index} on are not covered by a signed tree head this gateway \
         can verify (written behind its back, or their heads were deleted)"
    )]
    Uncovered { index: u64 },
    #[error(
        "the signed tree head for size {tree_size} does not verify under the log's signing \
         key ({reason}); entries from index {index} on are not trusted"
    )]
    BadHead {
        tree_size: u64,
        index: u64,
        reason: String,
    },
    #[error(
        "the stored entries do not rebuild the root of the signed tree head for size \
         {tree_size}; entries from index {index} on are not trusted"
    )]
    Mismatch { tree_size: u64, index: u64 },
    #[error(
        "the log is truncated: a signed tree head covers {tree_size} entries but only \
         {entries} are stored; entries from index {index} on are missing"
    )]
    Truncated {
        tree_size: u64,
        entries: u64,
        index: u64,
    },
    #[error(
        "the log signing key is not the key that signed the newest tree head (size \
         {tree_size}): the key file is missing, damaged, replaced or another deployment's; \
         restore this deployment's key"
    )]
    ForeignKey { tree_size: u64 },
    #[error(
        "the log has no signed tree head: run `gateway keys init` for a new log (an \
         initialised log always has one; if it had, its heads were deleted)"
    )]
    NoHead,
}

impl Untrusted {
    /// The first index the gateway cannot vouch for, where there is one.
    pub fn first_bad_index(&self) -> Option<u64> {
        match self {
            Untrusted::Uncovered { index }
            | Untrusted::BadHead { index, .. }
            | Untrusted::Mismatch { index, .. }
            | Untrusted::Truncated { index, .. } => Some(*index),
            Untrusted::ForeignKey { .. } | Untrusted::NoHead => None,
        }
    }
}

/// Checks one head under the writer's key and against the root its size has.
fn check_head(
    head: &StoredTreeHead,
    root: Hash,
    verified: u64,
    verifier: &TreeHeadVerifier,
) -> Result<(), Untrusted> {
    if let Err(err) = verifier.verify(&signed_head(head)) {
        return Err(Untrusted::BadHead {
            tree_size: head.tree_size,
            index: verified,
            reason: err.to_string(),
        });
    }
    if root.0 != head.root_hash {
        return Err(Untrusted::Mismatch {
            tree_size: head.tree_size,
            index: verified,
        });
    }
    Ok(())
}

/// The frontier of `frontier` extended by `leaves` (the rows right after it), if the stored
/// `heads` vouch for them: every head with a size in `frontier.len() + 1 ..= end` must verify
/// under `verifier` and match, and one must be of exactly the new size. Heads outside that
/// range are ignored (callers pass what they read; a concurrent append may add more).
pub fn extend(
    frontier: &Frontier,
    leaves: &[[u8; 32]],
    heads: &[StoredTreeHead],
    verifier: &TreeHeadVerifier,
) -> Result<Frontier, Untrusted> {
    let start = frontier.len();
    let end = start + leaves.len() as u64;
    let mut extended = frontier.clone();
    let mut verified = start;
    let mut pending = leaves.iter();
    let mut in_range: Vec<&StoredTreeHead> = heads
        .iter()
        .filter(|h| h.tree_size > start && h.tree_size <= end)
        .collect();
    in_range.sort_by_key(|h| (h.tree_size, h.timestamp_ms));
    for head in in_range {
        while extended.len() < head.tree_size {
            match pending.next() {
                Some(leaf) => {
                    extended.append(Hash(*leaf));
                }
                None => break,
            }
        }
        check_head(head, extended.root(), verified, verifier)?;
        verified = head.tree_size;
    }
    if verified < end {
        return Err(Untrusted::Uncovered { index: verified });
    }
    Ok(extended)
}

/// Checks the whole stored log as a starting writer finds it: the newest head is signed by
/// `verifier`'s key and covers exactly the stored rows, and every head under that key
/// verifies and matches. Returns nothing: the tree is trusted as it is.
pub fn check_log(
    tree: &MerkleTree,
    heads: &[StoredTreeHead],
    verifier: &TreeHeadVerifier,
) -> Result<(), Untrusted> {
    let entries = tree.len();
    let Some(newest) = heads.iter().max_by_key(|h| (h.tree_size, h.timestamp_ms)) else {
        return Err(if entries > 0 {
            Untrusted::Uncovered { index: 0 }
        } else {
            Untrusted::NoHead
        });
    };
    if newest.key_id != verifier.key_id().0 {
        return Err(Untrusted::ForeignKey {
            tree_size: newest.tree_size,
        });
    }
    let mut own: Vec<&StoredTreeHead> = heads
        .iter()
        .filter(|h| h.key_id == verifier.key_id().0)
        .collect();
    own.sort_by_key(|h| (h.tree_size, h.timestamp_ms));
    let mut verified = 0u64;
    for head in own {
        if head.tree_size > entries {
            return Err(Untrusted::Truncated {
                tree_size: head.tree_size,
                entries,
                index: verified.min(entries),
            });
        }
        let root = tree
            .root_at(head.tree_size)
            .map_err(|_| Untrusted::Truncated {
                tree_size: head.tree_size,
                entries,
                index: verified,
            })?;
        check_head(head, root, verified, verifier)?;
        verified = head.tree_size;
    }
    if entries > newest.tree_size {
        return Err(Untrusted::Uncovered {
            index: newest.tree_size,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use gateway_translog::{TreeHead, TreeHeadSigner, leaf_hash};

    fn signer() -> TreeHeadSigner {
        TreeHeadSigner::from_pkcs8(&TreeHeadSigner::generate_pkcs8().unwrap()).unwrap()
    }

    fn leaves(n: u8) -> Vec<[u8; 32]> {
        (0..n).map(|i| leaf_hash(&[i]).0).collect()
    }

    fn head(signer: &TreeHeadSigner, leaves: &[[u8; 32]], ts: u64) -> StoredTreeHead {
        let mut f = Frontier::new();
        for l in leaves {
            f.append(Hash(*l));
        }
        let sth = signer.sign(&TreeHead {
            tree_size: f.len(),
            root_hash: f.root(),
            timestamp_ms: ts,
        });
        StoredTreeHead {
            tree_size: sth.head.tree_size,
            timestamp_ms: ts,
            root_hash: sth.head.root_hash.0,
            key_id: sth.key_id.0,
            signature: sth.signature,
        }
    }

    #[test]
    fn rows_are_taken_only_up_to_a_valid_head_of_their_size() {
        let s = signer();
        let all = leaves(5);
        let mut base = Frontier::new();
        base.append(Hash(all[0]));
        let heads = vec![head(&s, &all[..3], 1), head(&s, &all[..4], 2)];
        // Up to 4: covered.
        let ok = extend(&base, &all[1..4], &heads, &s.verifier()).unwrap();
        assert_eq!(ok.len(), 4);
        // A fifth row with no head of size 5: refused at index 4.
        assert_eq!(
            extend(&base, &all[1..5], &heads, &s.verifier()).unwrap_err(),
            Untrusted::Uncovered { index: 4 }
        );
        // A head by another key over the same rows: refused, naming the first index after
        // what the base already held.
        let other = signer();
        let foreign = vec![head(&other, &all[..4], 2)];
        assert!(matches!(
            extend(&base, &all[1..4], &foreign, &s.verifier()),
            Err(Untrusted::BadHead {
                tree_size: 4,
                index: 1,
                ..
            })
        ));
        // A head that does not match the rows (a row rewritten with its leaf hash).
        let mut edited = all.clone();
        edited[2] = leaf_hash(b"forged").0;
        assert_eq!(
            extend(&base, &edited[1..4], &heads, &s.verifier()).unwrap_err(),
            Untrusted::Mismatch {
                tree_size: 3,
                index: 1
            }
        );
    }

    #[test]
    fn a_starting_writer_checks_the_newest_head_and_every_head_of_its_key() {
        let s = signer();
        let all = leaves(4);
        let mut tree = MerkleTree::new();
        for l in &all {
            tree.append(Hash(*l));
        }
        let good = vec![head(&s, &[], 0), head(&s, &all[..2], 1), head(&s, &all, 2)];
        check_log(&tree, &good, &s.verifier()).unwrap();
        assert_eq!(
            check_log(&tree, &good[..2], &s.verifier()).unwrap_err(),
            Untrusted::Uncovered { index: 2 }
        );
        assert_eq!(
            check_log(&tree, &[], &s.verifier()).unwrap_err(),
            Untrusted::Uncovered { index: 0 }
        );
        assert_eq!(
            check_log(&MerkleTree::new(), &[], &s.verifier()).unwrap_err(),
            Untrusted::NoHead
        );
        let other = signer();
        assert_eq!(
            check_log(&tree, &good, &other.verifier()).unwrap_err(),
            Untrusted::ForeignKey { tree_size: 4 }
        );
        let mut short = MerkleTree::new();
        short.append(Hash(all[0]));
        short.append(Hash(all[1]));
        short.append(Hash(all[2]));
        assert_eq!(
            check_log(&short, &good, &s.verifier()).unwrap_err(),
            Untrusted::Truncated {
                tree_size: 4,
                entries: 3,
                index: 2
            }
        );
    }
}
