//! Crash points: named places where the gateway can be made to die on purpose, so tests can
//! show that a transfer survives a crash at each step. Off unless configured (`GATEWAY_CRASH_AT`
//! for the binary); a point that is not armed costs one comparison.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How an armed point ends the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrashMode {
    /// `std::process::abort()`: what `kill -9` does, for the real binary.
    Abort,
    /// Stop the task for good (it never resumes): for in-process tests, which then drop the
    /// server as if the process had died and start a new one on the same database.
    Halt,
}

/// The one armed crash point, if any.
#[derive(Debug, Clone, Default)]
pub struct CrashPoint {
    armed: Option<(String, CrashMode)>,
    reached: Arc<AtomicBool>,
}

impl CrashPoint {
    pub fn armed(name: impl Into<String>, mode: CrashMode) -> Self {
        CrashPoint {
            armed: Some((name.into(), mode)),
            reached: Arc::default(),
        }
    }

    /// Whether the armed point has been reached (a test waits for this before "killing").
    pub fn was_reached(&self) -> bool {
        self.reached.load(Ordering::SeqCst)
    }

    /// Dies here if `name` is the armed point.
    pub async fn at(&self, name: &str) {
        let Some((armed, mode)) = &self.armed else {
            return;
        };
        if armed != name {
            return;
        }
        tracing::warn!(point = name, "crash point reached");
        self.reached.store(true, Ordering::SeqCst);
        match mode {
            CrashMode::Abort => std::process::abort(),
            CrashMode::Halt => std::future::pending::<()>().await,
        }
    }
}
