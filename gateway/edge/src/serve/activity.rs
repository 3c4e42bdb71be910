//! What a connection is doing, for its timeouts: requests in flight, when it went idle, when
//! the first byte of the next request head arrived.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

use super::HttpLimits;

/// Shared by a connection's I/O (bytes arriving), its service (requests starting and
/// ending) and its watchdog (deciding when to close).
#[derive(Debug)]
pub(crate) struct Activity {
    opened: Instant,
    /// Whether a byte arriving between requests starts a request head (HTTP/1.1). On h2 it
    /// may be a control frame (a PING, a window update), so only streams count there.
    heads_from_bytes: bool,
    state: Mutex<State>,
    /// Woken when the deadlines may have moved (a request ended, a head began).
    pub(crate) changed: Notify,
}

#[derive(Debug)]
struct State {
    in_flight: usize,
    /// When the last request ended (or the connection opened).
    idle_since: Instant,
    /// First byte received while no request was in flight: a head is on its way.
    head_started: Option<Instant>,
}

/// What the watchdog should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Nothing yet; look again at this instant (or when `changed` is woken).
    Wait(Instant),
    /// A request head began but is still incomplete after `header_read_timeout`.
    HeaderTimeout,
    /// No request and no byte for `keep_alive_timeout`.
    Idle,
    /// Open for `max_connection_age`.
    Aged,
}

impl Activity {
    pub(crate) fn new(now: Instant, heads_from_bytes: bool) -> Arc<Self> {
        Arc::new(Activity {
            opened: now,
            heads_from_bytes,
            state: Mutex::new(State {
                in_flight: 0,
                idle_since: now,
                head_started: None,
            }),
            changed: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn bytes_arrived(&self) {
        if !self.heads_from_bytes {
            return;
        }
        let mut state = self.lock();
        if state.in_flight == 0 && state.head_started.is_none() {
            state.head_started = Some(Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    /// A request's head is complete and its handler runs until the guard is dropped.
    pub(crate) fn request_started(self: &Arc<Self>) -> Busy {
        let mut state = self.lock();
        state.in_flight += 1;
        state.head_started = None;
        Busy {
            activity: self.clone(),
        }
    }

    pub(crate) fn due(&self, now: Instant, limits: &HttpLimits) -> Due {
        let aged_at = self.opened + limits.max_connection_age;
        if now >= aged_at {
            return Due::Aged;
        }
        let state = self.lock();
        if state.in_flight > 0 {
            return Due::Wait(aged_at);
        }
        match state.head_started {
            Some(started) => {
                let limit = started + limits.header_read_timeout;
                if now >= limit {
                    Due::HeaderTimeout
                } else {
                    Due::Wait(limit.min(aged_at))
                }
            }
            None => {
                let limit = state.idle_since + limits.keep_alive_timeout;
                if now >= limit {
                    Due::Idle
                } else {
                    Due::Wait(limit.min(aged_at))
                }
            }
        }
    }
}

/// A request in flight; dropping it (response produced, or the handler cancelled) starts
/// the idle clock when it was the last one.
#[derive(Debug)]
pub(crate) struct Busy {
    activity: Arc<Activity>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = self.activity.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.idle_since = Instant::now();
            state.head_started = None;
        }
        drop(state);
        self.activity.changed.notify_one();
    }
}

/// The connection's I/O, reporting arriving bytes to its [`Activity`].
#[derive(Debug)]
pub(crate) struct Watched<IO> {
    pub(crate) inner: IO,
    pub(crate) activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_arrived();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits() -> HttpLimits {
        HttpLimits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(30),
            max_connection_age: Duration::from_secs(3600),
            ..HttpLimits::default()
        }
    }

    #[test]
    fn an_idle_connection_is_due_after_the_keep_alive_timeout() {
        let start = Instant::now();
        let activity = Activity::new(start, true);
        let limits = limits();
        assert_eq!(
            activity.due(start, &limits),
            Due::Wait(start + limits.keep_alive_timeout)
        );
        assert_eq!(
            activity.due(start + limits.keep_alive_timeout, &limits),
            Due::Idle
        );
    }

    #[test]
    fn a_started_head_is_due_after_the_header_timeout_and_a_request_in_flight_never_is() {
        let start = Instant::now();
        let activity = Activity::new(start, true);
        let limits = limits();
        activity.bytes_arrived();
        let later = Instant::now() + limits.header_read_timeout;
        assert_eq!(activity.due(later, &limits), Due::HeaderTimeout);
        let busy = activity.request_started();
        let much_later = later + limits.keep_alive_timeout;
        assert!(matches!(activity.due(much_later, &limits), Due::Wait(_)));
        drop(busy);
        // The idle clock restarted when the request ended.
        assert!(matches!(
            activity.due(Instant::now(), &limits),
            Due::Wait(_)
        ));
        assert_eq!(
            activity.due(start + limits.max_connection_age, &limits),
            Due::Aged
        );
    }

    #[test]
    fn on_h2_arriving_bytes_are_not_a_head_and_idleness_still_counts() {
        let start = Instant::now();
        let activity = Activity::new(start, false);
        let limits = limits();
        activity.bytes_arrived();
        assert_eq!(
            activity.due(start + limits.keep_alive_timeout, &limits),
            Due::Idle
        );
    }
}
