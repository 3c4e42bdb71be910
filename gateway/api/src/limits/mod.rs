//! The request-level limits of the edge, as axum layers around every route (inside the
//! request id, so their problems carry it):
//! - a request head over `max_header_bytes` gets `431 headers-too-large` as a problem and
//!   the connection is closed (hyper itself refuses, with a bare 431, only heads over four
//!   times that, so that this answer can be a problem like every other);
//! - a connection whose certificate the current TLS configuration no longer accepts
//!   (revoked since the handshake) gets `403 certificate-not-accepted` and is closed;
//! - a body announced larger than `max_body_bytes` gets `413 body-too-large` before any of
//!   it is read; a streamed one is cut off at the limit, and the JSON extractor answers the
//!   same 413;
//! - a request not answered within `request_timeout` gets `408 request-timeout` if it was
//!   still waiting for the client's body, otherwise `503 timeout` (with `Retry-After`);
//! - an early answer (a refused token, a 413, a 404 before the body was read) never leaves
//!   the connection out of step: the rest of the body is drained (bounded by the limit and
//!   [`DRAIN_TIMEOUT`]) so the connection stays usable, or else the answer carries
//!   `Connection: close` and the connection is closed after it.
//!
//! The connection-level limits (handshakes, header size and timeouts, keep-alive, age) are
//! in `gateway-edge`.

mod upload;

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use gateway_edge::{ClientPeer, HttpLimits};

use crate::problem::Problem;
use upload::Upload;

/// Longest wait for the rest of a body after an early answer; a client that is slower than
/// this gets `Connection: close` instead.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// `routes` with the request-level limits around every route and the fallback.
pub(crate) fn around<S>(routes: Router<S>, limits: HttpLimits) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    routes
        .layer(middleware::from_fn_with_state(limits, time_limit))
        .layer(middleware::from_fn_with_state(limits, bounded_body))
        .layer(middleware::from_fn(refuse_untrusted_peer))
        .layer(middleware::from_fn_with_state(limits, bounded_head))
}

/// Refuses a request head larger than `max_header_bytes`, counted as on the wire.
async fn bounded_head(State(limits): State<HttpLimits>, request: Request, next: Next) -> Response {
    if head_bytes(&request) <= limits.max_header_bytes {
        return next.run(request).await;
    }
    let problem = Problem::for_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).into_response();
    let peer = request.extensions().get::<ClientPeer>();
    close_after(problem, request.version(), peer)
}

/// The size of the request line and headers as HTTP/1.1 writes them.
fn head_bytes(request: &Request) -> usize {
    let target = request
        .uri()
        .path_and_query()
        .map_or(1, |target| target.as_str().len());
    // "METHOD target HTTP/1.1\r\n", then "name: value\r\n" per header, then "\r\n".
    let line = request.method().as_str().len() + 1 + target + 11;
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + 2 + value.len() + 2)
        .sum();
    line + headers + 2
}

/// The 413 of every body that is too large, announced or streamed.
pub(crate) fn body_too_large() -> Problem {
    Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE)
}

async fn refuse_untrusted_peer(request: Request, next: Next) -> Response {
    let Some(peer) = request.extensions().get::<ClientPeer>().cloned() else {
        return next.run(request).await;
    };
    let Err(reason) = peer.still_trusted() else {
        return next.run(request).await;
    };
    tracing::warn!(
        remote = %peer.remote,
        cert_fingerprint = %peer.identity.fingerprint_hex(),
        reason = %reason,
        "refused a request on a connection whose certificate is no longer accepted"
    );
    let problem = Problem::new(
        StatusCode::FORBIDDEN,
        "certificate-not-accepted",
        "The client certificate is no longer accepted by this gateway",
    );
    close_after(problem.into_response(), request.version(), Some(&peer))
}

async fn bounded_body(State(limits): State<HttpLimits>, request: Request, next: Next) -> Response {
    let version = request.version();
    let peer = request.extensions().get::<ClientPeer>().cloned();
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|len| len > limits.max_body_bytes as u64) {
        // Not a byte of it is read: the connection cannot carry another request.
        return close_after(body_too_large().into_response(), version, peer.as_ref());
    }
    let awaits_continue = request
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let (mut parts, body) = request.into_parts();
    let (upload, reader) = Upload::new(body, limits.max_body_bytes);
    parts.extensions.insert(upload.clone());
    let response = next.run(Request::from_parts(parts, reader)).await;
    if upload.finished() {
        return response;
    }
    // An early answer. A client waiting for `100 Continue` has not sent its body and
    // should not (RFC 9110 §10.1.1); a timed-out or broken upload is not worth waiting for.
    let drainable =
        !awaits_continue && !upload.failed() && response.status() != StatusCode::REQUEST_TIMEOUT;
    if drainable
        && tokio::time::timeout(DRAIN_TIMEOUT, upload.drain())
            .await
            .unwrap_or(false)
    {
        return response;
    }
    close_after(response, version, peer.as_ref())
}

async fn time_limit(State(limits): State<HttpLimits>, request: Request, next: Next) -> Response {
    let upload = request.extensions().get::<Upload>().cloned();
    match tokio::time::timeout(limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) if upload.as_ref().is_some_and(Upload::waiting_for_client) => Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "request-timeout",
            "The request did not arrive in time",
        )
        .into_response(),
        Err(_) => {
            tracing::warn!("request not answered within the request timeout");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "The gateway could not answer in time",
            )
            .into_response()
        }
    }
}

/// Marks `response` as the connection's last: `Connection: close` on HTTP/1.x, and the
/// connection is closed once it is written (h2: GOAWAY).
fn close_after(mut response: Response, version: Version, peer: Option<&ClientPeer>) -> Response {
    if version < Version::HTTP_2 {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let Some(peer) = peer {
        peer.close_connection();
    }
    response
}
