//! Time bounds on the store path: how long anything that touches the database may wait.
//!
//! A database that stops answering (a partition, a full disk, a lock held by someone else)
//! must turn into a quick, clear error, never a request that waits for the whole outage or a
//! node that keeps every other node waiting. Each bound below is enforced by the database
//! itself where it can be (PostgreSQL settings, SQLite's busy handler), and by the gateway
//! around the whole log append, so a connection that stops answering mid-transaction is
//! abandoned and closed (see `tx.rs`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Timeouts for both backends, in milliseconds (seconds for TCP keepalives, as PostgreSQL
/// counts them). Defaults are safe for production; see ARCHITECTURE.md for why these values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreTimeouts {
    /// Longest wait for a pooled connection (both backends).
    pub acquire_timeout_ms: u64,
    /// SQLite: longest wait for the write lock (`busy_timeout`), per statement.
    pub sqlite_busy_timeout_ms: u64,
    /// PostgreSQL, inside the log append (`SET LOCAL lock_timeout`): longest wait for the
    /// log's advisory lock or a table lock.
    pub lock_timeout_ms: u64,
    /// PostgreSQL, inside the log append (`SET LOCAL statement_timeout`).
    pub statement_timeout_ms: u64,
    /// PostgreSQL, every session (`idle_in_transaction_session_timeout`): the server ends a
    /// session that sits inside a transaction this long without sending anything, which
    /// releases its locks, the log's advisory lock included, when its node has vanished.
    pub idle_in_transaction_timeout_ms: u64,
    /// PostgreSQL server-side TCP keepalives (`tcp_keepalives_idle`, `_interval`, `_count`)
    /// and `tcp_user_timeout`: how soon the server notices a peer that is gone without a
    /// word while a statement runs or a result is being sent.
    pub tcp_keepalive_idle_secs: u64,
    pub tcp_keepalive_interval_secs: u64,
    pub tcp_keepalive_count: u32,
    pub tcp_user_timeout_ms: u64,
    /// Both backends: the whole log append (connection, lock, statements, commit), measured
    /// by the gateway. Past it the transaction is abandoned and its connection closed, not
    /// reused: a database that stopped answering cannot hold the log writer for longer.
    pub append_timeout_ms: u64,
}

impl Default for StoreTimeouts {
    fn default() -> Self {
        StoreTimeouts {
            acquire_timeout_ms: 5_000,
            sqlite_busy_timeout_ms: 5_000,
            lock_timeout_ms: 5_000,
            statement_timeout_ms: 5_000,
            idle_in_transaction_timeout_ms: 5_000,
            tcp_keepalive_idle_secs: 10,
            tcp_keepalive_interval_secs: 5,
            tcp_keepalive_count: 3,
            tcp_user_timeout_ms: 20_000,
            append_timeout_ms: 10_000,
        }
    }
}

/// At least one millisecond: PostgreSQL reads 0 as "no timeout", which is never what a
/// configuration meant.
fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms.max(1))
}

impl StoreTimeouts {
    pub fn acquire(&self) -> Duration {
        millis(self.acquire_timeout_ms)
    }

    pub fn sqlite_busy(&self) -> Duration {
        millis(self.sqlite_busy_timeout_ms)
    }

    pub fn append(&self) -> Duration {
        millis(self.append_timeout_ms)
    }

    /// Session settings sent at connection start (libpq's `options`, `-c name=value`).
    pub(crate) fn postgres_session_options(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "idle_in_transaction_session_timeout",
                format!("{}ms", self.idle_in_transaction_timeout_ms.max(1)),
            ),
            (
                "tcp_keepalives_idle",
                self.tcp_keepalive_idle_secs.max(1).to_string(),
            ),
            (
                "tcp_keepalives_interval",
                self.tcp_keepalive_interval_secs.max(1).to_string(),
            ),
            (
                "tcp_keepalives_count",
                self.tcp_keepalive_count.max(1).to_string(),
            ),
            (
                "tcp_user_timeout",
                format!("{}ms", self.tcp_user_timeout_ms.max(1)),
            ),
        ]
    }

    /// `lock_timeout` and `statement_timeout` for one transaction, as `set_config` values.
    pub(crate) fn postgres_append_limits(&self) -> (String, String) {
        (
            format!("{}ms", self.lock_timeout_ms.max(1)),
            format!("{}ms", self.statement_timeout_ms.max(1)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_never_means_unbounded() {
        let zero = StoreTimeouts {
            acquire_timeout_ms: 0,
            sqlite_busy_timeout_ms: 0,
            lock_timeout_ms: 0,
            statement_timeout_ms: 0,
            idle_in_transaction_timeout_ms: 0,
            tcp_keepalive_idle_secs: 0,
            tcp_keepalive_interval_secs: 0,
            tcp_keepalive_count: 0,
            tcp_user_timeout_ms: 0,
            append_timeout_ms: 0,
        };
        assert_eq!(zero.append(), Duration::from_millis(1));
        assert_eq!(zero.sqlite_busy(), Duration::from_millis(1));
        assert_eq!(zero.postgres_append_limits(), ("1ms".into(), "1ms".into()));
        for (name, value) in zero.postgres_session_options() {
            assert_ne!(value.trim_end_matches("ms"), "0", "{name}");
        }
    }

    #[test]
    fn a_partial_configuration_keeps_the_other_defaults() {
        let parsed: StoreTimeouts = serde_json::from_str(r#"{"lock_timeout_ms": 750}"#).unwrap();
        assert_eq!(parsed.lock_timeout_ms, 750);
        assert_eq!(
            parsed.idle_in_transaction_timeout_ms,
            StoreTimeouts::default().idle_in_transaction_timeout_ms
        );
        assert!(serde_json::from_str::<StoreTimeouts>(r#"{"lock_timeout": 1}"#).is_err());
    }
}
