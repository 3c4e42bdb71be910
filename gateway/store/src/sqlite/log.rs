//! LogStore for SqliteStore: placeholder until implemented.

use async_trait::async_trait;
use crate::disclosure_log::*;

use crate::StoreError;

use super::SqliteStore;

#[async_trait]
impl LogStore for SqliteStore {
    async fn append_log( &self, sealer: &dyn LogSealer, ) -> Result<(SealedBatch, Vec<[u8; 32]>), StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn add_tree_head(&self, head: &StoredTreeHead) -> Result<(), StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn log_size(&self) -> Result<u64, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn log_leaf_hashes(&self, from: u64, limit: u64) -> Result<Vec<[u8; 32]>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn log_entries(&self, from: u64, limit: u64) -> Result<Vec<LogRow>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn log_entries_for_subject(&self, subject: &str) -> Result<Vec<LogRow>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn latest_tree_head(&self) -> Result<Option<StoredTreeHead>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
    async fn tree_heads(&self) -> Result<Vec<StoredTreeHead>, StoreError> {
        Err(StoreError::Corrupt("not implemented".into()))
    }
}
