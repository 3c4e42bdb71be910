//! Every write transaction of both backends starts here, so a connection whose transaction
//! did not end cleanly is closed instead of going back to the pool.
//!
//! sqlx returns a connection to its pool when it is dropped, whatever state it is in. After a
//! COMMIT that failed (SQLite `SQLITE_FULL` on a full disk, a PostgreSQL connection cut
//! mid-commit) the connection may still be inside its transaction, with sqlx's own depth
//! counter out of step; handed to the next caller it answers "attempted to call begin_with
//! at non-zero transaction depth" until the process restarts. Here a [`TxConnection`] is
//! marked reusable only by a COMMIT or ROLLBACK that succeeded; in every other case (a
//! failed end, an early return, a future dropped by a timeout) it is closed on drop
//! (`PoolConnection::close_on_drop`) and the pool opens a fresh one when needed.

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Connection, Database, Pool, SqlSafeStr, SqlStr, Transaction};

use crate::StoreError;

/// A pooled connection checked out for one transaction.
pub(crate) struct TxConnection<DB: Database> {
    conn: PoolConnection<DB>,
    reusable: bool,
}

impl<DB: Database> TxConnection<DB> {
    pub(crate) async fn acquire(pool: &Pool<DB>) -> Result<Self, StoreError> {
        Ok(TxConnection {
            conn: pool.acquire().await?,
            reusable: false,
        })
    }

    /// Starts the transaction with `statement` (`BEGIN IMMEDIATE`, `BEGIN ISOLATION LEVEL
    /// ...`).
    pub(crate) async fn begin(
        &mut self,
        statement: &'static str,
    ) -> Result<Tx<'_, DB>, StoreError> {
        self.reusable = false;
        let TxConnection { conn, reusable } = self;
        // Converted first: the future then holds an owned `SqlStr`, not a `&'static str`
        // generic, which keeps it provably `Send` for the `async_trait` callers.
        let statement: SqlStr = statement.into_sql_str();
        let tx = (**conn).begin_with(statement).await?;
        Ok(Tx { tx, reusable })
    }
}

impl<DB: Database> Drop for TxConnection<DB> {
    fn drop(&mut self) {
        if !self.reusable {
            self.conn.close_on_drop();
        }
    }
}

/// An open transaction on a [`TxConnection`]. Statements run on `&mut *tx`.
pub(crate) struct Tx<'c, DB: Database> {
    tx: Transaction<'c, DB>,
    reusable: &'c mut bool,
}

impl<DB: Database> Tx<'_, DB> {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        *self.reusable = true;
        Ok(())
    }

    pub(crate) async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        *self.reusable = true;
        Ok(())
    }

    /// Commits `result`'s transaction if it is `Ok`, rolls back if not. A rollback that fails
    /// is logged (the connection is closed anyway); the body's error is what the caller gets.
    pub(crate) async fn finish<T>(self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match result {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(err) => {
                if let Err(rollback) = self.rollback().await {
                    tracing::warn!(error = %rollback, "rollback failed; the connection is closed");
                }
                Err(err)
            }
        }
    }
}

impl<DB: Database> Deref for Tx<'_, DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<DB: Database> DerefMut for Tx<'_, DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Runs `work` under `limit`; past it the work is dropped (its connection closed, see the
/// module docs) and the caller gets [`StoreError::Timeout`].
pub(crate) async fn within<T>(
    limit: std::time::Duration,
    what: &'static str,
    work: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(limit, work)
        .await
        .unwrap_or(Err(StoreError::Timeout(what)))
}
