//! A circuit breaker per upstream provider, as a pure state machine: the caller passes the
//! time in, so the transitions are tested without sleeping.
//!
//! - **Closed**: calls go through; `failures` consecutive failed calls open it.
//! - **Open**: calls fail at once without connecting, until `open_for` has passed.
//! - **Half-open**: one probe call goes through (others still fail fast); its success closes
//!   the breaker, its failure opens it again for another `open_for`.
//!
//! Why fail fast at all: a provider that is down would otherwise hold every request for its
//! full timeout and retries, tying up the gateway's workers and the partners' officers, and
//! would be hammered just as it tries to recover.
//!
//! It counts calls, not attempts: one call with its retries is one success or one failure.

use std::time::{Duration, Instant};

/// The breaker's state, as reported to operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

/// What the breaker says about a call about to be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: go ahead.
    Pass,
    /// Half-open: this call is the one probe; report its outcome.
    Probe,
    /// Open (or a probe is already out): fail fast; the breaker may admit a probe after
    /// this long.
    Reject { retry_after: Duration },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probe_out: bool },
}

/// One provider's breaker.
#[derive(Debug, Clone)]
pub struct Breaker {
    threshold: u32,
    open_for: Duration,
    inner: Inner,
}

impl Breaker {
    /// Opens after `threshold` consecutive failures (at least 1) for `open_for`.
    pub fn new(threshold: u32, open_for: Duration) -> Self {
        Breaker {
            threshold: threshold.max(1),
            open_for,
            inner: Inner::Closed { failures: 0 },
        }
    }

    pub fn state(&self) -> BreakerState {
        match self.inner {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks whether a call may go out at `now`.
    pub fn admit(&mut self, now: Instant) -> Admission {
        match self.inner {
            Inner::Closed { .. } => Admission::Pass,
            Inner::Open { until } if now < until => Admission::Reject {
                retry_after: until - now,
            },
            Inner::Open { .. } | Inner::HalfOpen { probe_out: false } => {
                self.inner = Inner::HalfOpen { probe_out: true };
                Admission::Probe
            }
            // Only one probe at a time: a recovering provider gets one call, not a crowd.
            Inner::HalfOpen { probe_out: true } => Admission::Reject {
                retry_after: Duration::ZERO,
            },
        }
    }

    /// The call reached the provider and it answered sensibly.
    pub fn success(&mut self) {
        self.inner = Inner::Closed { failures: 0 };
    }

    /// The call failed (connect, TLS, timeout, 5xx, malformed answer), or a probe was
    /// abandoned before it finished.
    pub fn failure(&mut self, now: Instant) {
        self.inner = match self.inner {
            Inner::Closed { failures } if failures + 1 < self.threshold => Inner::Closed {
                failures: failures + 1,
            },
            Inner::Closed { .. } | Inner::HalfOpen { .. } => Inner::Open {
                until: now + self.open_for,
            },
            // A call admitted before the breaker opened finished late: the open period
            // already running stands.
            open @ Inner::Open { .. } => open,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Duration = Duration::from_secs(30);

    fn opened(t0: Instant) -> Breaker {
        let mut b = Breaker::new(3, OPEN);
        for _ in 0..3 {
            assert_eq!(b.admit(t0), Admission::Pass);
            b.failure(t0);
        }
        b
    }

    #[test]
    fn opens_after_the_threshold_of_consecutive_failures_only() {
        let t0 = Instant::now();
        let mut b = Breaker::new(3, OPEN);
        b.failure(t0);
        b.failure(t0);
        assert_eq!(b.state(), BreakerState::Closed);
        // A success in between resets the count: failures must be consecutive.
        b.success();
        b.failure(t0);
        b.failure(t0);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.admit(t0), Admission::Pass);
        b.failure(t0);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn open_rejects_until_the_period_ends_and_says_how_long() {
        let t0 = Instant::now();
        let mut b = opened(t0);
        assert_eq!(b.admit(t0), Admission::Reject { retry_after: OPEN });
        let later = t0 + Duration::from_secs(20);
        assert_eq!(
            b.admit(later),
            Admission::Reject {
                retry_after: Duration::from_secs(10)
            }
        );
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn after_the_open_period_one_probe_goes_through_and_its_success_closes() {
        let t0 = Instant::now();
        let mut b = opened(t0);
        let t1 = t0 + OPEN;
        assert_eq!(b.admit(t1), Admission::Probe);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        // While the probe is out, everyone else still fails fast.
        assert!(matches!(b.admit(t1), Admission::Reject { .. }));
        b.success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.admit(t1), Admission::Pass);
        // Closed again means the full threshold again.
        b.failure(t1);
        b.failure(t1);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_opens_again_for_a_full_period() {
        let t0 = Instant::now();
        let mut b = opened(t0);
        let t1 = t0 + OPEN + Duration::from_secs(5);
        assert_eq!(b.admit(t1), Admission::Probe);
        b.failure(t1);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.admit(t1), Admission::Reject { retry_after: OPEN });
        assert_eq!(b.admit(t1 + OPEN), Admission::Probe);
    }

    #[test]
    fn a_late_failure_does_not_extend_an_open_period() {
        let t0 = Instant::now();
        let mut b = opened(t0);
        b.failure(t0 + Duration::from_secs(10));
        assert_eq!(b.admit(t0 + OPEN), Admission::Probe);
    }

    #[test]
    fn a_threshold_of_zero_means_one() {
        let t0 = Instant::now();
        let mut b = Breaker::new(0, OPEN);
        b.failure(t0);
        assert_eq!(b.state(), BreakerState::Open);
    }
}
