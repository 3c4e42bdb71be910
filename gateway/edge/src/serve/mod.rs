//! Serving HTTP on verified TLS connections, with a time limit on every stage of a
//! connection's life.
//!
//! Each connection is served by hyper (HTTP/1.1, or h2 when ALPN chose it) and watched by
//! its own task, which closes it when:
//! - the head of a request has begun but is not complete within `header_read_timeout`
//!   (slowloris): closed at once (HTTP/1.1; on h2, where bytes between requests may be
//!   control frames, the h2 stack's own limits and the idle timeout apply);
//! - no request is in flight and no byte has arrived for `keep_alive_timeout`: closed
//!   gracefully (hyper closes an idle connection at once);
//! - it has been open for `max_connection_age`: the request in flight finishes, then it
//!   closes;
//! - the application asks ([`ClientPeer::close_connection`]) or the server shuts down.
//!
//! A connection that has begun closing and still has not finished a request's time limit
//! later is dropped. Request heads are limited to `max_header_bytes` by the application's
//! layer (a problem+json 431); hyper itself stops reading at four times that (a bare 431).
//! That layer, the request body limit and the request timeout read the same [`HttpLimits`].

mod activity;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::trust::{NoLongerTrusted, PeerTrust};
use crate::{PeerIdentity, TlsConnection, TlsListener};
use activity::{Activity, Busy, Due, Watched};

/// The limits of the HTTP layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// From the first byte of a request head to its end.
    pub header_read_timeout: Duration,
    /// An open connection with no request in flight and nothing arriving.
    pub keep_alive_timeout: Duration,
    /// After this long a connection finishes its request in flight and closes, so no
    /// connection lives for ever (its certificate is re-checked per request regardless).
    pub max_connection_age: Duration,
    /// Request line and headers together: beyond it 431 (a problem from the application;
    /// hyper's own bare 431 beyond four times this, at least 8192).
    pub max_header_bytes: usize,
    /// Request body, whether announced by `Content-Length` or streamed (413 beyond it).
    pub max_body_bytes: usize,
    /// A request's whole handling, body upload included.
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(30),
            max_connection_age: Duration::from_secs(3600),
            max_header_bytes: 8 * 1024,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// hyper's smallest read buffer; a smaller header limit could not be enforced.
const MIN_HEADER_BYTES: usize = 8192;

/// Most concurrent h2 streams per connection.
const MAX_H2_STREAMS: u32 = 64;

/// Time a closing connection gets, beyond its request's time limit, to write its answer.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The connection a request arrived on, as handlers see it (a request extension).
#[derive(Debug, Clone)]
pub struct ClientPeer {
    pub remote: SocketAddr,
    pub identity: Arc<PeerIdentity>,
    trust: Arc<PeerTrust>,
    close: Arc<Notify>,
}

impl ClientPeer {
    /// Whether the current TLS configuration still accepts this connection's certificate
    /// (a CRL loaded since the handshake may revoke it).
    pub fn still_trusted(&self) -> Result<(), NoLongerTrusted> {
        self.trust.check()
    }

    /// Closes the connection once the response in progress is written (HTTP/1.1: no
    /// further request is read; h2: GOAWAY).
    pub fn close_connection(&self) {
        self.close.notify_one();
    }
}

/// Serves every connection `listener` yields with `service` until `shutdown` resolves, then
/// lets each connection finish its request in flight (up to the request timeout) and
/// returns.
pub async fn serve<S, B>(
    mut listener: TlsListener,
    service: S,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()>,
) where
    S: tower::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Some(conn) => {
                    connections.spawn(serve_connection(
                        conn,
                        service.clone(),
                        limits,
                        stopping.clone(),
                    ));
                }
                None => break,
            },
            Some(_) = connections.join_next() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(limits.request_timeout + CLOSE_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open at shutdown were dropped"
        );
        connections.shutdown().await;
    }
}

/// A hyper connection of either protocol, seen by the watchdog.
trait Served: Future<Output = hyper::Result<()>> {
    fn shut_down(self: Pin<&mut Self>);
}

impl<I, S, B> Served for hyper::server::conn::http1::Connection<I, S>
where
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    B: Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn shut_down(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl<I, S, B, E> Served for hyper::server::conn::http2::Connection<I, S, E>
where
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    B: Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    fn shut_down(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

async fn serve_connection<S, B>(
    conn: TlsConnection,
    service: S,
    limits: HttpLimits,
    stopping: watch::Receiver<bool>,
) where
    S: tower::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let h2 = conn.stream.get_ref().1.alpn_protocol() == Some(b"h2");
    let activity = Activity::new(Instant::now(), !h2);
    let close = Arc::new(Notify::new());
    let remote = conn.remote;
    let peer = ClientPeer {
        remote,
        identity: conn.identity.clone(),
        trust: conn.trust.clone(),
        close: close.clone(),
    };
    let io = TokioIo::new(Watched {
        inner: conn.stream,
        activity: activity.clone(),
    });
    let service = PerConnection {
        inner: service,
        peer,
        activity: activity.clone(),
    };
    let outcome = if h2 {
        let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        builder
            .timer(TokioTimer::new())
            .max_header_list_size(
                u32::try_from(limits.max_header_bytes.saturating_mul(4)).unwrap_or(u32::MAX),
            )
            .max_concurrent_streams(MAX_H2_STREAMS);
        let served = builder.serve_connection(io, service);
        watch_connection(served, &activity, &close, stopping, &limits).await
    } else {
        // hyper refuses (a bare 431) only heads over four times the limit, before buffering
        // more; the API's own check answers those between with a problem+json 431.
        let header_bytes = limits
            .max_header_bytes
            .saturating_mul(4)
            .max(MIN_HEADER_BYTES);
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            // The watchdog enforces the header and idle timeouts precisely; hyper's timer
            // (which runs from the moment it waits for a head) is only a backstop.
            .header_read_timeout(limits.keep_alive_timeout + limits.header_read_timeout)
            .max_header_size(header_bytes)
            .max_buf_size(header_bytes.max(64 * 1024))
            .keep_alive(true);
        let served = builder.serve_connection(io, service);
        watch_connection(served, &activity, &close, stopping, &limits).await
    };
    match outcome {
        Ending::Finished(Ok(())) => {}
        Ending::Finished(Err(err)) => tracing::debug!(%remote, error = %err, "connection ended"),
        Ending::HeaderTimeout => {
            tracing::info!(%remote, "request head not received in time; connection closed");
        }
        Ending::Overdue => {
            tracing::info!(%remote, "closing connection did not finish in time; dropped");
        }
    }
}

enum Ending {
    Finished(hyper::Result<()>),
    HeaderTimeout,
    Overdue,
}

async fn watch_connection(
    served: impl Served,
    activity: &Activity,
    close: &Notify,
    mut stopping: watch::Receiver<bool>,
    limits: &HttpLimits,
) -> Ending {
    tokio::pin!(served);
    // Once closing has begun: the instant after which the connection is dropped.
    let mut hard_deadline: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if hard_deadline.is_some_and(|hard| now >= hard) {
            return Ending::Overdue;
        }
        let wake = match activity.due(now, limits) {
            Due::HeaderTimeout => return Ending::HeaderTimeout,
            Due::Wait(at) => at,
            Due::Idle | Due::Aged if hard_deadline.is_none() => {
                served.as_mut().shut_down();
                hard_deadline = Some(now + limits.request_timeout + CLOSE_GRACE);
                continue;
            }
            // Closing already; only the hard deadline is left.
            Due::Idle | Due::Aged => now + CLOSE_GRACE,
        };
        let wake = hard_deadline.map_or(wake, |hard| wake.min(hard));
        tokio::select! {
            finished = served.as_mut() => return Ending::Finished(finished),
            () = tokio::time::sleep_until(wake.into()) => {}
            () = activity.changed.notified() => {}
            () = close.notified(), if hard_deadline.is_none() => {
                served.as_mut().shut_down();
                hard_deadline = Some(Instant::now() + limits.request_timeout + CLOSE_GRACE);
            }
            _ = stopping.changed(), if hard_deadline.is_none() => {
                served.as_mut().shut_down();
                hard_deadline = Some(Instant::now() + limits.request_timeout + CLOSE_GRACE);
            }
        }
    }
}

/// The application's service with this connection's [`ClientPeer`] on every request, and
/// every request counted as activity.
#[derive(Clone)]
struct PerConnection<S> {
    inner: S,
    peer: ClientPeer,
    activity: Arc<Activity>,
}

impl<S, B> hyper::service::Service<Request<Incoming>> for PerConnection<S>
where
    S: tower::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<B>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<B>, Infallible>> + Send>>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        let busy: Busy = self.activity.request_started();
        request.extensions_mut().insert(self.peer.clone());
        let service = self.inner.clone();
        Box::pin(async move {
            let response = service.oneshot(request).await;
            drop(busy);
            response
        })
    }
}
