//! The append-only Merkle tree of RFC 9162 §2.1, in memory.
//!
//! [`MerkleTree`] keeps every complete subtree it has ever formed: level 0
//! holds the leaf hashes, level `k` holds the hash of every aligned block of
//! `2^k` leaves. A tree of `n` leaves therefore stores fewer than `2n` hashes
//! (1,000,000 entries ≈ 64 MB), and an append costs one leaf push plus one
//! node hash per trailing one bit of the old size (amortised one hash).
//!
//! Any subtree that appears in the RFC 6962 `MTH` recursion of a prefix of
//! the log is either one stored block or the right edge of a historical size,
//! which is folded from at most `log2(n)` stored blocks. So `root_at`,
//! `inclusion_proof` and `consistency_proof` cost `O(log n)` hashes for the
//! current size and at most `O(log n)` more for the one right edge a
//! historical size needs.
//!
//! [`Frontier`] is the other shape: only the `log2(n)` complete subtrees on
//! the right edge, enough to append and give the current root but not to
//! answer for earlier sizes. The audit uses it so that checking a log of any
//! length needs `O(log n)` memory.
//!
//! What is guaranteed: historical roots are exact (the tree of the first
//! `size` leaves, never a padded tree); proofs are the RFC 6962 `PATH` and
//! `PROOF` lists, bottom-up, and verify with [`crate::verify`] and with any
//! other RFC 6962 / RFC 9162 verifier; no method panics on any index or size
//! (out-of-range requests are a [`TreeError`]).
//!
//! What is not: persistence (the storage layer keeps leaf hashes and rebuilds
//! with [`MerkleTree::from_leaf_hashes`]), or any check that the leaf hashes
//! you append are the hashes of real entries; that is the audit's job.

use crate::hash::{Hash, empty_root, node_hash};

/// A request for a size or index the tree cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The tree size asked for is larger than the tree.
    #[error("tree size {tree_size} is larger than the tree ({len} leaves)")]
    SizeBeyondTree {
        /// The size asked for.
        tree_size: u64,
        /// The number of leaves the tree holds.
        len: u64,
    },
    /// The leaf index is not inside the tree size asked for.
    #[error("leaf index {index} is not below tree size {tree_size}")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree size it was asked for in.
        tree_size: u64,
    },
    /// A consistency proof was asked from a larger to a smaller tree.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder {
        /// The earlier tree size.
        old_size: u64,
        /// The later tree size.
        new_size: u64,
    },
}

/// The largest power of two strictly less than `n`; `n` must be at least 2.
///
/// This is the split point `k` of RFC 6962 §2.1 (`k < n <= 2k`).
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    let bits = u64::BITS - (n.saturating_sub(1)).leading_zeros();
    1u64 << bits.saturating_sub(1)
}

/// An append-only RFC 9162 Merkle tree that can answer for every earlier size.
#[derive(Clone, Default)]
pub struct MerkleTree {
    /// `levels[k][i]` is the hash of leaves `i*2^k .. (i+1)*2^k`.
    /// Invariant: `levels[k].len() == len >> k` for every stored level, and
    /// `levels[0]` always exists.
    levels: Vec<Vec<Hash>>,
}

impl std::fmt::Debug for MerkleTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerkleTree")
            .field("len", &self.len())
            .field("root", &self.root())
            .finish()
    }
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        MerkleTree {
            levels: vec![Vec::new()],
        }
    }

    /// Rebuilds a tree from stored leaf hashes, in index order.
    pub fn from_leaf_hashes<I: IntoIterator<Item = Hash>>(leaves: I) -> Self {
        let leaves = leaves.into_iter();
        let mut tree = MerkleTree::new();
        let (lower, _) = leaves.size_hint();
        if let Some(level0) = tree.levels.first_mut() {
            level0.reserve(lower);
        }
        for leaf in leaves {
            tree.append(leaf);
        }
        tree
    }

    /// Appends a leaf hash and returns its index.
    pub fn append(&mut self, leaf: Hash) -> u64 {
        let index = self.len();
        let mut carry = leaf;
        let mut level = 0usize;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                break;
            };
            row.push(carry);
            let n = row.len();
            if n % 2 == 1 {
                break;
            }
            let (Some(left), Some(right)) = (row.get(n - 2), row.get(n - 1)) else {
                break;
            };
            carry = node_hash(left, right);
            level += 1;
        }
        index
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// True when the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The leaf hash at `index`, if the tree has one.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        let i = usize::try_from(index).ok()?;
        self.levels.first()?.get(i).copied()
    }

    /// The root of the whole tree (the empty-tree hash when it has no leaves).
    pub fn root(&self) -> Hash {
        self.subtree(0, self.len())
    }

    /// The root of the tree made of the first `tree_size` leaves.
    pub fn root_at(&self, tree_size: u64) -> Result<Hash, TreeError> {
        self.check_size(tree_size)?;
        Ok(self.subtree(0, tree_size))
    }

    /// The RFC 9162 inclusion proof (`PATH`) of leaf `index` in the tree of
    /// size `tree_size`, ordered from the leaf's sibling up to the root's child.
    pub fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(tree_size)?;
        if index >= tree_size {
            return Err(TreeError::IndexOutOfRange { index, tree_size });
        }
        // Walk the MTH recursion from the root down; each step records the
        // sibling subtree, so the list is reversed at the end.
        let mut proof = Vec::new();
        let (mut start, mut size, mut m) = (0u64, tree_size, index);
        while size > 1 {
            let k = split_point(size);
            if m < k {
                proof.push(self.subtree(start + k, size - k));
                size = k;
            } else {
                proof.push(self.subtree(start, k));
                start += k;
                m -= k;
                size -= k;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    /// The RFC 9162 consistency proof (`PROOF(m, D[n])`) between the trees of
    /// sizes `old_size` and `new_size`.
    ///
    /// For `old_size == 0` or `old_size == new_size` the proof is empty (RFC
    /// 9162 defines proofs only for `0 < m < n`; these are the conventional
    /// trivial cases, and [`crate::verify::verify_consistency`] accepts them).
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(TreeError::SizesOutOfOrder { old_size, new_size });
        }
        if old_size == 0 || old_size == new_size {
            return Ok(Vec::new());
        }
        // SUBPROOF(m, D[start..start+size], complete), walked top-down.
        let mut proof = Vec::new();
        let (mut start, mut size, mut m, mut complete) = (0u64, new_size, old_size, true);
        loop {
            if m == size {
                if !complete {
                    proof.push(self.subtree(start, size));
                }
                break;
            }
            // Here 0 < m < size, so size >= 2.
            let k = split_point(size);
            if m <= k {
                proof.push(self.subtree(start + k, size - k));
                size = k;
            } else {
                proof.push(self.subtree(start, k));
                start += k;
                m -= k;
                size -= k;
                complete = false;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    fn check_size(&self, tree_size: u64) -> Result<(), TreeError> {
        let len = self.len();
        if tree_size > len {
            return Err(TreeError::SizeBeyondTree { tree_size, len });
        }
        Ok(())
    }

    /// `MTH(D[start .. start+size])` for a range that appears in the MTH
    /// recursion of some prefix of the log: `start` is a multiple of the
    /// smallest power of two `>= size`, and `start + size <= len`.
    ///
    /// The MTH of such a range is the right fold of the complete blocks given
    /// by the binary digits of `size`, largest (leftmost) first, and every one
    /// of those blocks is stored.
    fn subtree(&self, start: u64, size: u64) -> Hash {
        let mut acc: Option<Hash> = None;
        let mut rest = size;
        while rest != 0 {
            let low = rest & rest.wrapping_neg();
            let block_start = start + (rest - low);
            let level = low.trailing_zeros() as usize;
            let block = self
                .levels
                .get(level)
                .and_then(|row| row.get(usize::try_from(block_start >> level).ok()?))
                .copied();
            // Unreachable for the ranges the public methods ask for (they
            // check the size first); an empty-root placeholder keeps this
            // free of panics all the same, and would never verify.
            let block = block.unwrap_or_else(empty_root);
            acc = Some(match acc {
                None => block,
                Some(right) => node_hash(&block, &right),
            });
            rest -= low;
        }
        acc.unwrap_or_else(empty_root)
    }
}

impl Extend<Hash> for MerkleTree {
    fn extend<I: IntoIterator<Item = Hash>>(&mut self, iter: I) {
        for leaf in iter {
            self.append(leaf);
        }
    }
}

impl FromIterator<Hash> for MerkleTree {
    fn from_iter<I: IntoIterator<Item = Hash>>(iter: I) -> Self {
        MerkleTree::from_leaf_hashes(iter)
    }
}

/// The right edge of a tree: enough to append and compute the current root
/// in `O(log n)` memory, nothing about earlier sizes.
#[derive(Clone, Default)]
pub struct Frontier {
    size: u64,
    /// Complete subtrees for the one bits of `size`, largest first.
    nodes: Vec<Hash>,
}

impl std::fmt::Debug for Frontier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frontier")
            .field("len", &self.size)
            .field("root", &self.root())
            .finish()
    }
}

impl Frontier {
    /// An empty frontier.
    pub fn new() -> Self {
        Frontier::default()
    }

    /// Appends a leaf hash and returns its index.
    pub fn append(&mut self, leaf: Hash) -> u64 {
        let index = self.size;
        let mut carry = leaf;
        let mut bits = self.size;
        while bits & 1 == 1 {
            match self.nodes.pop() {
                Some(left) => carry = node_hash(&left, &carry),
                None => break,
            }
            bits >>= 1;
        }
        self.nodes.push(carry);
        self.size = self.size.saturating_add(1);
        index
    }

    /// Number of leaves appended.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// True when nothing has been appended.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The root of the tree of every leaf appended so far.
    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        match nodes.next() {
            None => empty_root(),
            Some(last) => nodes.fold(*last, |right, left| node_hash(left, &right)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::verify::root_from_leaves;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        for (n, k) in [
            (2u64, 1u64),
            (3, 2),
            (4, 2),
            (5, 4),
            (8, 4),
            (9, 8),
            (1000, 512),
            (1 << 40, 1 << 39),
            ((1 << 63) + 1, 1 << 63),
            (u64::MAX, 1 << 63),
        ] {
            assert_eq!(split_point(n), k, "n = {n}");
        }
    }

    #[test]
    fn every_historical_root_matches_the_naive_mth() {
        let all = leaves(70);
        let tree = MerkleTree::from_leaf_hashes(all.iter().copied());
        let mut frontier = Frontier::new();
        assert_eq!(tree.root_at(0).unwrap(), empty_root());
        assert_eq!(frontier.root(), empty_root());
        for size in 1..=all.len() {
            frontier.append(all[size - 1]);
            let want = root_from_leaves(&all[..size]);
            assert_eq!(tree.root_at(size as u64).unwrap(), want, "size {size}");
            assert_eq!(frontier.root(), want, "frontier size {size}");
        }
        assert_eq!(tree.root(), root_from_leaves(&all));
    }

    #[test]
    fn memory_is_under_two_hashes_per_leaf() {
        let tree = MerkleTree::from_leaf_hashes(leaves(1000));
        let stored: usize = tree.levels.iter().map(Vec::len).sum();
        assert!(stored < 2000, "{stored}");
        for (k, row) in tree.levels.iter().enumerate() {
            assert_eq!(row.len() as u64, 1000 >> k);
        }
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let tree = MerkleTree::from_leaf_hashes(leaves(5));
        assert!(matches!(
            tree.root_at(6),
            Err(TreeError::SizeBeyondTree { .. })
        ));
        assert!(matches!(
            tree.inclusion_proof(5, 5),
            Err(TreeError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            tree.inclusion_proof(0, 0),
            Err(TreeError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            tree.inclusion_proof(u64::MAX, u64::MAX),
            Err(TreeError::SizeBeyondTree { .. })
        ));
        assert!(matches!(
            tree.consistency_proof(4, 3),
            Err(TreeError::SizesOutOfOrder { .. })
        ));
        assert!(matches!(
            tree.consistency_proof(1, 6),
            Err(TreeError::SizeBeyondTree { .. })
        ));
        assert!(tree.consistency_proof(0, 5).unwrap().is_empty());
        assert!(tree.consistency_proof(5, 5).unwrap().is_empty());
        assert!(tree.leaf(5).is_none());
        assert!(tree.leaf(u64::MAX).is_none());
        let empty = MerkleTree::new();
        assert_eq!(empty.root(), empty_root());
        assert!(empty.is_empty());
    }

    #[test]
    fn append_returns_the_index() {
        let mut tree = MerkleTree::new();
        let mut frontier = Frontier::new();
        for (i, leaf) in leaves(10).into_iter().enumerate() {
            assert_eq!(tree.append(leaf), i as u64);
            assert_eq!(frontier.append(leaf), i as u64);
            assert_eq!(tree.leaf(i as u64), Some(leaf));
        }
        assert_eq!(tree.len(), 10);
        assert_eq!(frontier.len(), 10);
    }
}
