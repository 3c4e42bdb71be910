//! Disclosure-log rows as both backends return them, and the checks both backends share.
//!
//! Indexes, sizes and timestamps are `u64` in the model and `BIGINT` (SQLite `INTEGER`) in
//! the database: every conversion is checked, never wrapped.

use crate::StoreError;
use crate::disclosure_log::{LogRow, SealedBatch, StoredTreeHead};

/// The `disclosure_log` columns a [`LogRowRecord`] reads.
macro_rules! log_columns {
    () => {
        "idx, entry, leaf_hash, subject"
    };
}
pub(crate) use log_columns;

/// The `tree_heads` columns a [`TreeHeadRecord`] reads.
macro_rules! head_columns {
    () => {
        "tree_size, timestamp_ms, root_hash, key_id, signature"
    };
}
pub(crate) use head_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct LogRowRecord {
    idx: i64,
    entry: String,
    leaf_hash: Vec<u8>,
    subject: Option<String>,
}

impl TryFrom<LogRowRecord> for LogRow {
    type Error = StoreError;
    fn try_from(r: LogRowRecord) -> Result<Self, StoreError> {
        Ok(LogRow {
            index: to_u64(r.idx, "log index")?,
            entry: r.entry.into_bytes(),
            leaf_hash: hash32(&r.leaf_hash, "leaf hash")?,
            subject: r.subject,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TreeHeadRecord {
    tree_size: i64,
    timestamp_ms: i64,
    root_hash: Vec<u8>,
    key_id: Vec<u8>,
    signature: Vec<u8>,
}

impl TryFrom<TreeHeadRecord> for StoredTreeHead {
    type Error = StoreError;
    fn try_from(r: TreeHeadRecord) -> Result<Self, StoreError> {
        Ok(StoredTreeHead {
            tree_size: to_u64(r.tree_size, "tree size")?,
            timestamp_ms: to_u64(r.timestamp_ms, "tree head timestamp")?,
            root_hash: hash32(&r.root_hash, "root hash")?,
            key_id: hash32(&r.key_id, "key id")?,
            signature: r.signature,
        })
    }
}

/// A tree head as bound into an `INSERT`.
pub(crate) struct HeadParams<'a> {
    pub tree_size: i64,
    pub timestamp_ms: i64,
    pub root_hash: &'a [u8],
    pub key_id: &'a [u8],
    pub signature: &'a [u8],
}

impl<'a> HeadParams<'a> {
    pub fn new(head: &'a StoredTreeHead) -> Result<Self, StoreError> {
        Ok(HeadParams {
            tree_size: to_i64(head.tree_size, "tree size")?,
            timestamp_ms: to_i64(head.timestamp_ms, "tree head timestamp")?,
            root_hash: &head.root_hash,
            key_id: &head.key_id,
            signature: &head.signature,
        })
    }
}

/// A log row as bound into an `INSERT`.
pub(crate) struct RowParams<'a> {
    pub idx: i64,
    pub entry: &'a str,
    pub leaf_hash: &'a [u8],
    pub subject: Option<&'a str>,
}

/// A 64-bit value from the database, which must not be negative.
pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}")))
}

/// A 64-bit value for the database, which must fit a signed `BIGINT`.
pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range")))
}

/// A `from` bound for a read: `None` when it lies beyond every index the database can hold,
/// so nothing is there.
pub(crate) fn from_bound(from: u64) -> Option<i64> {
    i64::try_from(from).ok()
}

/// A `LIMIT` for a read: "at most `limit`", so anything beyond `i64::MAX` means no limit.
pub(crate) fn limit_bound(limit: u64) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A hash column, which must hold exactly 32 bytes.
pub(crate) fn hash32(bytes: &[u8], what: &str) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

/// Leaf hashes read for indexes `from..`, checked to be exactly those indexes in order
/// (no gap) and 32 bytes each.
pub(crate) fn leaf_hashes(
    from: u64,
    rows: Vec<(i64, Vec<u8>)>,
) -> Result<Vec<[u8; 32]>, StoreError> {
    let mut expected = from;
    rows.into_iter()
        .map(|(idx, hash)| {
            if to_u64(idx, "log index")? != expected {
                return Err(StoreError::Corrupt("gap in the disclosure log".into()));
            }
            expected = expected
                .checked_add(1)
                .ok_or_else(|| StoreError::Corrupt("log index out of range".into()))?;
            hash32(&hash, "leaf hash")
        })
        .collect()
}

/// The catch-up leaves `known..next`, read inside the append transaction: every one of them.
pub(crate) fn catch_up_hashes(
    known: u64,
    next: u64,
    rows: Vec<(i64, Vec<u8>)>,
) -> Result<Vec<[u8; 32]>, StoreError> {
    let hashes = leaf_hashes(known, rows)?;
    if u64::try_from(hashes.len()).ok() != next.checked_sub(known) {
        return Err(StoreError::Corrupt("gap in the disclosure log".into()));
    }
    Ok(hashes)
}

/// Where the next entry goes, from `COALESCE(MAX(idx) + 1, 0)`.
pub(crate) fn next_index(value: i64) -> Result<u64, StoreError> {
    to_u64(value, "log size")
}

/// The caller's tree may lag the log (other nodes appended) but never lead it.
pub(crate) fn check_known(known: u64, next: u64) -> Result<(), StoreError> {
    if known > next {
        return Err(StoreError::Corrupt(
            "the caller's log tree holds more entries than the database".into(),
        ));
    }
    Ok(())
}

/// Checks a sealed batch fits at `first`: rows exactly `first..first + n` in order, entries
/// UTF-8 (they are stored as text), and a head covering them. Returns the rows as bound
/// into the `INSERT`s and the head.
pub(crate) fn check_batch(
    first: u64,
    batch: &SealedBatch,
) -> Result<(Vec<RowParams<'_>>, HeadParams<'_>), StoreError> {
    let mut rows = Vec::with_capacity(batch.rows.len());
    let mut expected = first;
    for row in &batch.rows {
        if row.index != expected {
            return Err(StoreError::Sealer(
                "sealed rows are not the indexes assigned to the batch".into(),
            ));
        }
        let entry = std::str::from_utf8(&row.entry)
            .map_err(|_| StoreError::Sealer("a sealed entry is not UTF-8".into()))?;
        rows.push(RowParams {
            idx: to_i64(row.index, "log index")?,
            entry,
            leaf_hash: &row.leaf_hash,
            subject: row.subject.as_deref(),
        });
        expected = expected
            .checked_add(1)
            .ok_or_else(|| StoreError::Sealer("log index out of range".into()))?;
    }
    if batch.head.tree_size != expected {
        return Err(StoreError::Sealer(
            "the sealed tree head does not end at the batch's last entry".into(),
        ));
    }
    Ok((rows, HeadParams::new(&batch.head)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(index: u64) -> LogRow {
        LogRow {
            index,
            entry: b"{}".to_vec(),
            leaf_hash: [7; 32],
            subject: None,
        }
    }

    fn batch(indexes: &[u64], tree_size: u64) -> SealedBatch {
        SealedBatch {
            rows: indexes.iter().copied().map(row).collect(),
            head: StoredTreeHead {
                tree_size,
                timestamp_ms: 1,
                root_hash: [1; 32],
                key_id: [2; 32],
                signature: vec![3; 64],
            },
        }
    }

    #[test]
    fn conversions_are_checked_not_wrapped() {
        assert_eq!(to_i64(i64::MAX as u64, "x").ok(), Some(i64::MAX));
        assert!(matches!(to_i64(u64::MAX, "x"), Err(StoreError::Corrupt(_))));
        assert!(matches!(to_u64(-1, "x"), Err(StoreError::Corrupt(_))));
        assert_eq!(from_bound(u64::MAX), None);
        assert_eq!(limit_bound(u64::MAX), i64::MAX);
        assert_eq!(limit_bound(5), 5);
    }

    #[test]
    fn hashes_must_be_32_bytes() {
        assert_eq!(hash32(&[9; 32], "h").ok(), Some([9; 32]));
        assert!(matches!(hash32(&[9; 31], "h"), Err(StoreError::Corrupt(_))));
        assert!(matches!(hash32(&[9; 33], "h"), Err(StoreError::Corrupt(_))));
        assert!(matches!(
            leaf_hashes(3, vec![(3, vec![0; 32]), (5, vec![0; 32])]),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(
            leaf_hashes(3, vec![(3, vec![0; 32]), (4, vec![1; 32])]).ok(),
            Some(vec![[0; 32], [1; 32]])
        );
        assert!(catch_up_hashes(3, 5, vec![(3, vec![0; 32]), (4, vec![1; 32])]).is_ok());
        assert!(matches!(
            catch_up_hashes(3, 6, vec![(3, vec![0; 32]), (4, vec![1; 32])]),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn batches_must_fit_where_they_go() {
        assert!(check_batch(4, &batch(&[4, 5], 6)).is_ok());
        assert!(check_batch(4, &batch(&[], 4)).is_ok());
        for (indexes, size) in [
            (&[5u64, 6][..], 7),
            (&[4, 6], 6),
            (&[4, 5], 5),
            (&[4, 5], 7),
        ] {
            assert!(matches!(
                check_batch(4, &batch(indexes, size)),
                Err(StoreError::Sealer(_))
            ));
        }
        let mut bad = batch(&[4], 5);
        bad.rows[0].entry = vec![0xff];
        assert!(matches!(check_batch(4, &bad), Err(StoreError::Sealer(_))));
        assert!(check_known(3, 3).is_ok());
        assert!(matches!(check_known(4, 3), Err(StoreError::Corrupt(_))));
    }
}
