//! Whole-log verification: do the stored entries still say what the signed
//! tree heads committed to, and if not, where do they stop doing so?
//!
//! The audit reads the stored entries in index order, and for each one
//! recomputes the leaf hash from the entry bytes, checks it against the
//! stored leaf hash and checks the index is the next one. It rebuilds the
//! tree as it goes (only the right edge, `O(log n)` memory, so a log of any
//! length can be audited in one pass) and, whenever the tree reaches the size
//! of a stored signed tree head, checks the head's signature and that the
//! rebuilt root equals the signed root. Heads are taken in order of size
//! whatever order they are passed in.
//!
//! The first failure in log order is reported (an entry-level failure at
//! index `i` before a head of size `> i`; a head before the entries it does
//! not cover), with one deliberate delay explained under "conflicting heads".
//!
//! # What can be located, and what "first bad index" means
//!
//! - **A changed entry whose stored leaf hash was not updated** is located
//!   exactly: [`AuditError::LeafMismatch`] names its index.
//! - **A gap in the indices** (a deleted row) is located exactly:
//!   [`AuditError::Missing`] names the first absent index. An index that goes
//!   backwards or repeats is [`AuditError::OutOfOrder`].
//! - **Anything rewritten consistently** (entry and leaf hash changed
//!   together, two entries swapped, a forged entry inserted and the rest
//!   renumbered, a row deleted and the rest renumbered) leaves every row
//!   self-consistent. The only evidence is a signed root that no longer
//!   matches, and a root is one hash: it cannot say which of the leaves under
//!   it changed. So the audit reports the range it can prove:
//!   [`AuditError::HeadMismatch`] `{ tree_size, first_bad_index }` where
//!   `first_bad_index` is the tree size of the largest head that *did* match
//!   (0 if none did). Every entry below `first_bad_index` is proven to be
//!   what a validly signed head committed to (SHA-256 collision resistance
//!   assumed), and the stored sequence departs from what the failing head
//!   committed to at some index in `first_bad_index .. tree_size`. It is the
//!   smallest index that may be bad, and the first index an investigator
//!   should compare against a backup or a receipt. The range is as narrow as
//!   the gap between signed heads: sign a head per batch and the range is one
//!   batch.
//! - **A truncated log** (a head covers more entries than are stored) is
//!   [`AuditError::Truncated`], with the same `first_bad_index` and the
//!   number of entries present.
//!
//! # Conflicting heads
//!
//! When a head does not match, the audit keeps reading. If a *later* (or
//! equal-sized) validly signed head does match, then the stored entries are
//! exactly what that later head committed to, and it is the earlier head
//! that disagrees with the log's own later statement: two signed, mutually
//! inconsistent views (signer bug or key misuse), not tampered storage. That
//! is [`AuditError::ConflictingHead`]. Only when no later head vouches for
//! the entries is the mismatch reported as [`AuditError::HeadMismatch`].
//!
//! # What the audit cannot detect
//!
//! - Entries after the largest signed head ([`LogReport::uncovered_entries`])
//!   are checked for index order and leaf hashes only; no signature covers
//!   them yet.
//! - Deleting the newest heads together with the entries only they covered
//!   leaves a shorter, valid-looking log. Only someone holding a newer head
//!   (an auditor's copy, a witness, a disclosure receipt) can tell; pass
//!   those heads in too.
//! - Which key may sign which head is the [`HeadVerifier`]'s business: one
//!   key, or a chain of keys across rotations (`gateway-disclosure` builds it
//!   from the log's own rotation entries).

use crate::hash::{Hash, leaf_hash};
use crate::sth::{HeadVerifier, SignedTreeHead, SthError};
use crate::tree::Frontier;

/// What was wrong with the log, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The entry's bytes do not hash to its stored leaf hash.
    #[error("entry {index} was changed: its bytes do not hash to its stored leaf hash")]
    LeafMismatch {
        /// The entry's index.
        index: u64,
    },
    /// The index is absent: the next stored entry has a later index.
    #[error("entry {index} is missing")]
    Missing {
        /// The first absent index.
        index: u64,
    },
    /// An entry arrived with an index at or below one already seen.
    #[error("entry {index} is out of order: expected index {expected}")]
    OutOfOrder {
        /// The index the entry carries.
        index: u64,
        /// The index that should have come next.
        expected: u64,
    },
    /// A stored signed tree head is not signed by the log's key.
    #[error("the signed tree head for size {tree_size} is not valid: {source}")]
    BadHeadSignature {
        /// The size the head claims.
        tree_size: u64,
        /// Why its signature was rejected.
        #[source]
        source: SthError,
    },
    /// The rebuilt tree of `tree_size` entries does not have the signed root.
    #[error(
        "the entries differ from what the signed head for size {tree_size} committed to: \
         entries below {first_bad_index} are verified, the change is at an index in \
         {first_bad_index}..{tree_size}"
    )]
    HeadMismatch {
        /// The size of the first head that does not match.
        tree_size: u64,
        /// The size of the largest head that matched (0 if none): every entry
        /// below it is verified; the departure is at or after it.
        first_bad_index: u64,
    },
    /// A signed head covers more entries than the log holds.
    #[error(
        "the log is truncated: the signed head for size {tree_size} covers more than the \
         {entries} stored entries; entries below {first_bad_index} are verified"
    )]
    Truncated {
        /// The size the head claims.
        tree_size: u64,
        /// The number of entries stored.
        entries: u64,
        /// The size of the largest head that matched (0 if none).
        first_bad_index: u64,
    },
    /// A validly signed head disagrees with a later (or equal-sized) validly
    /// signed head that does match the stored entries.
    #[error(
        "the signed head for size {tree_size} conflicts with the signed head for size \
         {vouched_by}, which matches the stored entries"
    )]
    ConflictingHead {
        /// The size of the head that does not match.
        tree_size: u64,
        /// The size of the head that matches the stored entries.
        vouched_by: u64,
    },
}

/// The result of a successful audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogReport {
    /// Number of entries checked.
    pub entries: u64,
    /// Number of signed tree heads whose signature and root were checked.
    pub heads_checked: usize,
    /// The verified head with the largest tree size (the latest timestamp
    /// among heads of that size), if any head was given.
    pub latest_head: Option<SignedTreeHead>,
    /// The root of the tree of all `entries` entries.
    pub root: Hash,
}

impl LogReport {
    /// Entries after the latest verified head: well-formed, but not yet
    /// covered by any signature.
    pub fn uncovered_entries(&self) -> u64 {
        let covered = self.latest_head.as_ref().map_or(0, |h| h.head.tree_size);
        self.entries.saturating_sub(covered)
    }
}

/// Verifies a whole log in one call.
///
/// `entries` yields `(index, entry_bytes, stored_leaf_hash)` in index order;
/// `heads` are the stored signed tree heads in any order.
pub fn verify_log<I, B>(
    entries: I,
    heads: &[SignedTreeHead],
    verifier: &dyn HeadVerifier,
) -> Result<LogReport, AuditError>
where
    I: IntoIterator<Item = (u64, B, Hash)>,
    B: AsRef<[u8]>,
{
    let mut auditor = LogAuditor::new(heads.iter().cloned(), verifier);
    for (index, bytes, stored) in entries {
        auditor.push(index, bytes.as_ref(), &stored)?;
    }
    auditor.finish()
}

/// The same audit, fed one entry at a time, for callers that read entries
/// from an async stream or in pages.
///
/// After the first error every later call returns that error again.
#[derive(Debug)]
pub struct LogAuditor<'v> {
    verifier: &'v dyn HeadVerifier,
    /// Sorted by tree size (stable: equal sizes keep their given order).
    heads: Vec<SignedTreeHead>,
    next_head: usize,
    frontier: Frontier,
    heads_checked: usize,
    /// Largest head that matched.
    latest_good: Option<SignedTreeHead>,
    /// First head that did not match: `(tree_size, first_bad_index)`.
    pending_mismatch: Option<(u64, u64)>,
    failed: Option<AuditError>,
}

impl<'v> LogAuditor<'v> {
    /// Starts an audit against these heads and this key.
    pub fn new<H: IntoIterator<Item = SignedTreeHead>>(
        heads: H,
        verifier: &'v dyn HeadVerifier,
    ) -> Self {
        let mut heads: Vec<SignedTreeHead> = heads.into_iter().collect();
        heads.sort_by_key(|h| h.head.tree_size);
        LogAuditor {
            verifier,
            heads,
            next_head: 0,
            frontier: Frontier::new(),
            heads_checked: 0,
            latest_good: None,
            pending_mismatch: None,
            failed: None,
        }
    }

    /// Number of entries accepted so far.
    pub fn entries(&self) -> u64 {
        self.frontier.len()
    }

    /// Checks the next stored entry.
    pub fn push(
        &mut self,
        index: u64,
        entry: &[u8],
        stored_leaf_hash: &Hash,
    ) -> Result<(), AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.push_inner(index, entry, stored_leaf_hash);
        self.record(result)
    }

    /// Checks the heads beyond the last entry and returns the report.
    pub fn finish(mut self) -> Result<LogReport, AuditError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        self.check_reached_heads()?;
        let entries = self.frontier.len();
        // Heads larger than the log: signature first (a forged head proves
        // nothing), then it is a truncation, unless an earlier mismatch
        // already explains the log.
        if let Some(sth) = self.heads.get(self.next_head) {
            if let Err(source) = self.verifier.verify_head(sth) {
                return Err(self.earlier_or(AuditError::BadHeadSignature {
                    tree_size: sth.head.tree_size,
                    source,
                }));
            }
            return Err(self.earlier_or(AuditError::Truncated {
                tree_size: sth.head.tree_size,
                entries,
                first_bad_index: self.verified_size(),
            }));
        }
        if let Some((tree_size, first_bad_index)) = self.pending_mismatch {
            return Err(AuditError::HeadMismatch {
                tree_size,
                first_bad_index,
            });
        }
        Ok(LogReport {
            entries,
            heads_checked: self.heads_checked,
            latest_head: self.latest_good,
            root: self.frontier.root(),
        })
    }

    fn record(&mut self, result: Result<(), AuditError>) -> Result<(), AuditError> {
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn push_inner(&mut self, index: u64, entry: &[u8], stored: &Hash) -> Result<(), AuditError> {
        // Heads of the current size (size 0 before the first entry).
        self.check_reached_heads()?;
        let expected = self.frontier.len();
        if index > expected {
            return Err(self.earlier_or(AuditError::Missing { index: expected }));
        }
        if index < expected {
            return Err(self.earlier_or(AuditError::OutOfOrder { index, expected }));
        }
        if leaf_hash(entry) != *stored {
            return Err(self.earlier_or(AuditError::LeafMismatch { index }));
        }
        self.frontier.append(*stored);
        self.check_reached_heads()
    }

    /// The pending head mismatch, which is earlier in the log than `later`.
    fn earlier_or(&self, later: AuditError) -> AuditError {
        match self.pending_mismatch {
            Some((tree_size, first_bad_index)) => AuditError::HeadMismatch {
                tree_size,
                first_bad_index,
            },
            None => later,
        }
    }

    fn verified_size(&self) -> u64 {
        self.latest_good.as_ref().map_or(0, |h| h.head.tree_size)
    }

    /// Checks every head whose size the rebuilt tree has reached.
    fn check_reached_heads(&mut self) -> Result<(), AuditError> {
        let size = self.frontier.len();
        let mut root = None;
        while let Some(sth) = self.heads.get(self.next_head) {
            if sth.head.tree_size > size {
                break;
            }
            self.next_head += 1;
            if let Err(source) = self.verifier.verify_head(sth) {
                return Err(self.earlier_or(AuditError::BadHeadSignature {
                    tree_size: sth.head.tree_size,
                    source,
                }));
            }
            self.heads_checked += 1;
            let current = *root.get_or_insert_with(|| self.frontier.root());
            if sth.head.root_hash == current {
                if let Some((tree_size, _)) = self.pending_mismatch {
                    return Err(AuditError::ConflictingHead {
                        tree_size,
                        vouched_by: sth.head.tree_size,
                    });
                }
                let replace = self.latest_good.as_ref().is_none_or(|g| {
                    (g.head.tree_size, g.head.timestamp_ms)
                        <= (sth.head.tree_size, sth.head.timestamp_ms)
                });
                if replace {
                    self.latest_good = Some(sth.clone());
                }
            } else if self.pending_mismatch.is_none() {
                let verified = self.verified_size();
                if verified >= sth.head.tree_size {
                    // An equal-sized head already matched.
                    return Err(AuditError::ConflictingHead {
                        tree_size: sth.head.tree_size,
                        vouched_by: verified,
                    });
                }
                self.pending_mismatch = Some((sth.head.tree_size, verified));
            }
        }
        Ok(())
    }
}
