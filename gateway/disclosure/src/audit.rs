//! Whole-log verification: from the database, or from an exported file with nothing but the
//! log's public key.
//!
//! On top of the Merkle audit of `gateway-translog` (every entry hashes to its stored leaf,
//! every signed head's root is rebuilt from the entries), this checks two things that only
//! the gateway's entry format makes checkable:
//! - every entry names its own index, so an entry moved to another position is found at
//!   that position even if its leaf hash was moved with it;
//! - every entry is covered by a signed head. The gateway commits a head with every batch,
//!   so an entry no head covers was not written by the gateway (a forged append);
//! - every head is signed by the key that was the log's signing key at its size: the chain
//!   of keys is read from the log's rotation entries ([`crate::rotation::KeyChain`]), must
//!   contain the key the auditor trusts, and each rotation must be committed to by a head
//!   signed with the key it retires.

use std::io::{BufRead, Write};

use gateway_store::Store;
use gateway_translog::{
    AuditError, Hash, LogAuditor, LogReport, SignedTreeHead, TreeHeadVerifier, leaf_hash,
};
use serde::{Deserialize, Serialize};

use crate::entry::{Event, IndexedEntry, KEY_ROTATION_SUBJECT, KeyRotation};
use crate::log::signed_head;
use crate::rotation::{ChainError, KeyChain};

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("entry {index} names index {named}: it was moved")]
    Moved { index: u64, named: u64 },
    #[error("entry {index} is not a valid log entry")]
    Unreadable { index: u64 },
    #[error("entries from {index} on are not covered by any signed tree head (forged or inserted)")]
    Uncovered { index: u64 },
    #[error("entry {index} is filed under another subject than the one it names")]
    SubjectMismatch { index: u64 },
    #[error(transparent)]
    KeyChain(#[from] ChainError),
    #[error("cannot read the log: {0}")]
    Read(String),
}

impl VerifyError {
    /// The first index the failure points at, where there is one.
    pub fn first_bad_index(&self) -> Option<u64> {
        match self {
            VerifyError::Moved { index, .. }
            | VerifyError::Unreadable { index }
            | VerifyError::Uncovered { index }
            | VerifyError::SubjectMismatch { index } => Some(*index),
            VerifyError::Audit(AuditError::LeafMismatch { index })
            | VerifyError::Audit(AuditError::Missing { index })
            | VerifyError::Audit(AuditError::OutOfOrder { index, .. }) => Some(*index),
            VerifyError::Audit(AuditError::HeadMismatch {
                first_bad_index, ..
            })
            | VerifyError::Audit(AuditError::Truncated {
                first_bad_index, ..
            }) => Some(*first_bad_index),
            VerifyError::KeyChain(e) => e.index(),
            VerifyError::Audit(_) | VerifyError::Read(_) => None,
        }
    }
}

/// The rotation an entry records, if it is a rotation entry whose bytes match its leaf hash
/// (the Merkle audit decides whether the log vouches for it).
fn rotation_in(bytes: &[u8], leaf: &Hash) -> Option<(u64, KeyRotation)> {
    if leaf_hash(bytes) != *leaf {
        return None;
    }
    let entry = IndexedEntry::from_bytes(bytes).ok()?;
    match (entry.entry.event, entry.entry.key_rotation) {
        (Event::KeyRotation, Some(rotation)) => Some((entry.index, rotation)),
        _ => None,
    }
}

/// Streams entries through the audit.
struct Checker<'v> {
    auditor: LogAuditor<'v>,
    chain: &'v KeyChain,
    /// `(size, key id)` of every head handed to the audit.
    heads: Vec<(u64, [u8; 32])>,
    /// Rotation entries met in the stream, to compare with the chain's.
    rotations: Vec<(u64, KeyRotation)>,
}

impl<'v> Checker<'v> {
    fn new(heads: Vec<SignedTreeHead>, chain: &'v KeyChain) -> Self {
        let sizes = heads
            .iter()
            .map(|h| (h.head.tree_size, h.key_id.0))
            .collect();
        Checker {
            auditor: LogAuditor::new(heads, chain),
            chain,
            heads: sizes,
            rotations: Vec::new(),
        }
    }

    /// Checks one entry; `filed_under` is the subject column it is stored (and looked up)
    /// under, when the source has one.
    fn push(
        &mut self,
        index: u64,
        bytes: &[u8],
        leaf: &Hash,
        filed_under: Option<Option<&str>>,
    ) -> Result<(), VerifyError> {
        if let Some(rotation) = rotation_in(bytes, leaf) {
            self.rotations.push(rotation);
        }
        // The Merkle check first: a changed entry is reported as changed, not as unreadable.
        self.auditor.push(index, bytes, leaf)?;
        let entry =
            IndexedEntry::from_bytes(bytes).map_err(|_| VerifyError::Unreadable { index })?;
        if entry.index != index {
            return Err(VerifyError::Moved {
                index,
                named: entry.index,
            });
        }
        // The subject column is outside the hash; a changed one would hide the entry from
        // (or plant it in) a subject access report.
        if let Some(filed_under) = filed_under
            && filed_under != entry.entry.subject.as_deref()
        {
            return Err(VerifyError::SubjectMismatch { index });
        }
        Ok(())
    }

    /// Ends the audit. `later_heads` are heads read after the entries (a live log gains
    /// entries and their heads while it is read): entries beyond the heads read first are
    /// accepted when a later head of exactly their size signs the root they rebuild.
    fn finish(self, later_heads: &[SignedTreeHead]) -> Result<LogReport, VerifyError> {
        let chain = self.chain;
        let mut heads = self.heads;
        let rotations = self.rotations;
        let mut report = self.auditor.finish()?;
        let covered = report.latest_head.as_ref().map_or(0, |h| h.head.tree_size);
        if report.entries > covered {
            let vouching = later_heads.iter().find(|h| {
                h.head.tree_size == report.entries
                    && h.head.root_hash == report.root
                    && gateway_translog::HeadVerifier::verify_head(chain, h).is_ok()
            });
            match vouching {
                Some(head) => {
                    heads.push((head.head.tree_size, head.key_id.0));
                    report.latest_head = Some(head.clone());
                }
                None => return Err(VerifyError::Uncovered { index: covered }),
            }
        }
        if let Some(index) = first_difference(chain.rotations(), &rotations) {
            return Err(ChainError::Hidden { index }.into());
        }
        chain.check_rotations_signed(&heads)?;
        Ok(report)
    }
}

/// The first index where two lists of rotations differ.
fn first_difference(a: &[(u64, KeyRotation)], b: &[(u64, KeyRotation)]) -> Option<u64> {
    let n = a.len().max(b.len());
    (0..n).find_map(|i| match (a.get(i), b.get(i)) {
        (Some(x), Some(y)) if x == y => None,
        (Some((index, _)), _) | (None, Some((index, _))) => Some(*index),
        (None, None) => None,
    })
}

/// The log's key chain from its rotation entries, found by their subject column.
async fn key_chain(store: &dyn Store, anchor: &TreeHeadVerifier) -> Result<KeyChain, VerifyError> {
    let rows = store
        .log_entries_for_subject(KEY_ROTATION_SUBJECT)
        .await
        .map_err(|e| VerifyError::Read(e.to_string()))?;
    let rotations = rows
        .iter()
        .filter_map(|row| rotation_in(&row.entry, &Hash(row.leaf_hash)))
        .collect();
    Ok(KeyChain::new(anchor, rotations)?)
}

/// Verifies the whole log in the database.
pub async fn verify_store(
    store: &dyn Store,
    verifier: &TreeHeadVerifier,
) -> Result<LogReport, VerifyError> {
    const PAGE: u64 = 10_000;
    let heads = store
        .tree_heads()
        .await
        .map_err(|e| VerifyError::Read(e.to_string()))?
        .iter()
        .map(signed_head)
        .collect();
    let chain = key_chain(store, verifier).await?;
    let mut checker = Checker::new(heads, &chain);
    let mut from = 0u64;
    loop {
        let rows = store
            .log_entries(from, PAGE)
            .await
            .map_err(|e| VerifyError::Read(e.to_string()))?;
        let got = rows.len() as u64;
        for row in rows {
            checker.push(
                row.index,
                &row.entry,
                &Hash(row.leaf_hash),
                Some(row.subject.as_deref()),
            )?;
            from = row.index + 1;
        }
        if got < PAGE {
            break;
        }
    }
    // Heads committed with entries read after the first list of heads.
    let later: Vec<SignedTreeHead> = store
        .tree_heads()
        .await
        .map_err(|e| VerifyError::Read(e.to_string()))?
        .iter()
        .map(signed_head)
        .collect();
    checker.finish(&later)
}

/// One line of an exported log (JSON Lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportLine {
    /// The entry's canonical bytes, as a UTF-8 string, and its stored leaf hash.
    Entry {
        index: u64,
        leaf_hash: Hash,
        entry: String,
    },
    TreeHead(SignedTreeHead),
}

/// Writes the whole log (heads first, then entries in order) as JSON Lines.
pub async fn export(store: &dyn Store, out: &mut dyn Write) -> Result<u64, VerifyError> {
    const PAGE: u64 = 10_000;
    let io = |e: std::io::Error| VerifyError::Read(e.to_string());
    // Entries first, then the heads: on a live log every head committed with an exported
    // entry is then visible; heads beyond the last exported entry are left out.
    let mut from = 0u64;
    let mut written = 0u64;
    loop {
        let rows = store
            .log_entries(from, PAGE)
            .await
            .map_err(|e| VerifyError::Read(e.to_string()))?;
        let got = rows.len() as u64;
        for row in rows {
            let entry = String::from_utf8(row.entry)
                .map_err(|_| VerifyError::Unreadable { index: row.index })?;
            let line = serde_json::to_string(&ExportLine::Entry {
                index: row.index,
                leaf_hash: Hash(row.leaf_hash),
                entry,
            })
            .map_err(|e| VerifyError::Read(e.to_string()))?;
            writeln!(out, "{line}").map_err(io)?;
            from = row.index + 1;
            written += 1;
        }
        if got < PAGE {
            break;
        }
    }
    for head in store
        .tree_heads()
        .await
        .map_err(|e| VerifyError::Read(e.to_string()))?
        .iter()
        .filter(|h| h.tree_size <= written)
    {
        let line = serde_json::to_string(&ExportLine::TreeHead(signed_head(head)))
            .map_err(|e| VerifyError::Read(e.to_string()))?;
        writeln!(out, "{line}").map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(written)
}

/// Verifies an exported log with nothing but the public key. Heads may appear anywhere in
/// the file; entries must be in index order.
pub fn verify_export(
    input: impl BufRead,
    verifier: &TreeHeadVerifier,
) -> Result<LogReport, VerifyError> {
    let mut heads = Vec::new();
    let mut entries = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.map_err(|e| VerifyError::Read(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<ExportLine>(&line)
            .map_err(|_| VerifyError::Read(format!("line {} is not a log export line", n + 1)))?
        {
            ExportLine::TreeHead(head) => heads.push(head),
            ExportLine::Entry {
                index,
                leaf_hash,
                entry,
            } => entries.push((index, entry, leaf_hash)),
        }
    }
    let rotations = entries
        .iter()
        .filter_map(|(_, entry, leaf)| rotation_in(entry.as_bytes(), leaf))
        .collect();
    let chain = KeyChain::new(verifier, rotations)?;
    let mut checker = Checker::new(heads, &chain);
    for (index, entry, leaf) in entries {
        checker.push(index, entry.as_bytes(), &leaf, None)?;
    }
    checker.finish(&[])
}
