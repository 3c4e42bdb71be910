//! Whole-log verification: from the database, or from an exported file with nothing but the
//! log's public key.
//!
//! On top of the Merkle audit of `gateway-translog` (every entry hashes to its stored leaf,
//! every signed head's root is rebuilt from the entries), this checks two things that only
//! the gateway's entry format makes checkable:
//! - every entry names its own index, so an entry moved to another position is found at
//!   that position even if its leaf hash was moved with it;
//! - every entry is covered by a signed head. The gateway commits a head with every batch,
//!   so an entry no head covers was not written by the gateway (a forged append).

use std::io::{BufRead, Write};

use gateway_store::Store;
use gateway_translog::{AuditError, Hash, LogAuditor, LogReport, SignedTreeHead, TreeHeadVerifier};
use serde::{Deserialize, Serialize};

use crate::entry::IndexedEntry;
use crate::log::signed_head;

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
            VerifyError::Audit(_) | VerifyError::Read(_) => None,
        }
    }
}

/// Streams entries through the audit.
struct Checker<'v> {
    auditor: LogAuditor<'v>,
}

impl<'v> Checker<'v> {
    fn new(heads: Vec<SignedTreeHead>, verifier: &'v TreeHeadVerifier) -> Self {
        Checker {
            auditor: LogAuditor::new(heads, verifier),
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
    fn finish(
        self,
        later_heads: &[SignedTreeHead],
        verifier: &TreeHeadVerifier,
    ) -> Result<LogReport, VerifyError> {
        let mut report = self.auditor.finish()?;
        let covered = report.latest_head.as_ref().map_or(0, |h| h.head.tree_size);
        if report.entries > covered {
            let vouching = later_heads.iter().find(|h| {
                h.head.tree_size == report.entries
                    && h.head.root_hash == report.root
                    && verifier.verify(h).is_ok()
            });
            match vouching {
                Some(head) => report.latest_head = Some(head.clone()),
                None => return Err(VerifyError::Uncovered { index: covered }),
            }
        }
        Ok(report)
    }
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
    let mut checker = Checker::new(heads, verifier);
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
    checker.finish(&later, verifier)
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
    let mut checker = Checker::new(heads, verifier);
    for (index, entry, leaf) in entries {
        checker.push(index, entry.as_bytes(), &leaf, None)?;
    }
    checker.finish(&[], verifier)
}
