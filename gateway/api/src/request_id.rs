//! A request id on every request, every response and every log line.
//!
//! The gateway always makes its own id (a partner-supplied one could be anything, including
//! personal data) and returns it in `x-request-id`; problem bodies carry it as `instance`.
//!
//! The request span names the route *template* (`/v1/subjects/{id}/consents`), never the
//! path or query sent: those carry CCIS ids, UPNs and whatever else a caller puts there. A
//! request that matched no route is `unmatched`; a method outside HTTP's standard set is
//! `other`, since a method token can be anything too.

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

pub async fn assign(request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = standard_method(request.method()),
        route,
    );
    let task_id = id.clone();
    CURRENT
        .scope(
            task_id,
            async move {
                let started = std::time::Instant::now();
                let mut response = next.run(request).await;
                tracing::info!(
                    status = response.status().as_u16(),
                    micros = started.elapsed().as_micros() as u64,
                    "request finished"
                );
                if let Ok(value) = HeaderValue::from_str(&id) {
                    response.headers_mut().insert("x-request-id", value);
                }
                response
            }
            .instrument(span),
        )
        .await
}

/// The route of a request that matched none.
pub const UNMATCHED: &str = "unmatched";

/// The method's name when it is one of HTTP's standard methods, else `other`.
fn standard_method(method: &Method) -> &str {
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
    ];
    let name = method.as_str();
    if STANDARD.contains(&name) {
        name
    } else {
        "other"
    }
}
