//! Storage of the disclosure log: entries, their leaf hashes, and signed tree heads.
//!
//! Append-only by construction: no method here updates or deletes a log row, and on
//! PostgreSQL a trigger refuses `UPDATE`, `DELETE` and `TRUNCATE` on the log tables (SQLite
//! has the same triggers, which a person with the file can drop: the Merkle tree and the
//! signed heads are what make tampering evident, the triggers only stop accidents).
//!
//! Indexes are assigned inside the append transaction while the log is locked
//! (`pg_advisory_xact_lock` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so several nodes
//! appending concurrently produce one gap-free sequence. The caller's [`LogSealer`] is asked,
//! under that lock, to turn its pending entries into rows at the given first index and to
//! sign the tree head that includes them; rows and head commit together, durably
//! (`synchronous = FULL` / `synchronous_commit = on`), before `append_log` returns.

use async_trait::async_trait;
use serde::Serialize;

use crate::StoreError;

/// One stored entry: its index, its canonical bytes, their RFC 9162 leaf hash, and the
/// subject pseudonym it is about (indexed, for "who saw my record"; also inside `entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub index: u64,
    pub entry: Vec<u8>,
    pub leaf_hash: [u8; 32],
    pub subject: Option<String>,
}

/// A signed tree head as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredTreeHead {
    pub tree_size: u64,
    pub timestamp_ms: u64,
    pub root_hash: [u8; 32],
    pub key_id: [u8; 32],
    pub signature: Vec<u8>,
}

/// What a sealer hands back: the rows to insert and the head that covers them.
#[derive(Debug, Clone)]
pub struct SealedBatch {
    pub rows: Vec<LogRow>,
    pub head: StoredTreeHead,
}

/// The caller's side of an append, run while the log is locked.
pub trait LogSealer: Send + Sync {
    /// How many leaves the caller's tree already holds: the store reads the leaf hashes
    /// from this index up to the log's end (written by other nodes) and passes them to
    /// [`LogSealer::seal`].
    fn known_size(&self) -> u64;

    /// Builds the rows for indexes `first_index..` and signs the tree head covering them.
    /// `catch_up` holds the leaf hashes of entries `known_size()..first_index`, in order;
    /// `heads` every stored head with a size in `known_size() + 1..=first_index` (by size,
    /// then timestamp), so the sealer can refuse rows no valid head commits to.
    /// Must not change the caller's tree: the transaction may still fail to commit.
    fn seal(
        &self,
        first_index: u64,
        catch_up: &[[u8; 32]],
        heads: &[StoredTreeHead],
    ) -> Result<SealedBatch, String>;
}

/// The disclosure log's tables.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// Appends a batch (see the module docs). Returns the sealed batch that was committed and
    /// the catch-up leaves that were passed to the sealer, so the caller can update its tree.
    async fn append_log(
        &self,
        sealer: &dyn LogSealer,
    ) -> Result<(SealedBatch, Vec<[u8; 32]>), StoreError>;

    /// Stores a head signed outside an append (a periodic re-signing at the same size).
    async fn add_tree_head(&self, head: &StoredTreeHead) -> Result<(), StoreError>;

    /// Number of entries.
    async fn log_size(&self) -> Result<u64, StoreError>;

    /// Leaf hashes of entries `from..` in index order, at most `limit`.
    async fn log_leaf_hashes(&self, from: u64, limit: u64) -> Result<Vec<[u8; 32]>, StoreError>;

    /// Entries `from..` in index order, at most `limit`.
    async fn log_entries(&self, from: u64, limit: u64) -> Result<Vec<LogRow>, StoreError>;

    /// Every entry about one subject pseudonym, in index order.
    async fn log_entries_for_subject(&self, subject: &str) -> Result<Vec<LogRow>, StoreError>;

    /// The head with the largest tree size (latest timestamp among equals).
    async fn latest_tree_head(&self) -> Result<Option<StoredTreeHead>, StoreError>;

    /// Every stored head, by tree size then timestamp.
    async fn tree_heads(&self) -> Result<Vec<StoredTreeHead>, StoreError>;

    /// The stored heads larger than `size`, by tree size then timestamp.
    async fn tree_heads_above(&self, size: u64) -> Result<Vec<StoredTreeHead>, StoreError>;

    /// A value pinning the log's keys (`log_key_pins`), if written.
    async fn log_key_pin(&self, name: &str) -> Result<Option<String>, StoreError>;

    /// Writes a pin once; [`StoreError::Conflict`] if one of that name exists.
    async fn add_log_key_pin(&self, name: &str, value: &str) -> Result<(), StoreError>;
}
