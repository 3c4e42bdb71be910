//! A request id on every request, every response and every log line.
//!
//! The gateway always makes its own id (a partner-supplied one could be anything, including
//! personal data) and returns it in `x-request-id`; problem bodies carry it as `instance`.

use axum::extract::Request;
use axum::http::HeaderValue;
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
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
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
