//! RFC 9457 problem details: every error the API returns.
//!
//! `type` is a stable URI per error code, `code` repeats it as a short token for clients
//! that switch on it, and `instance` is the request id (also in the `x-request-id` header
//! and on every log line of that request). `detail` never contains personal data, tokens or
//! identifiers from the request.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

const TYPE_BASE: &str = "https://ccis-gateway.example/problems/";

/// `Retry-After` of a 503: a stalled log or database gives up on a request within seconds
/// (the append deadline, the store timeouts), so a retry a few seconds on is the useful one.
pub const RETRY_AFTER_SECS: u32 = 5;

/// A problem response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: &'static str,
    pub status: u16,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, title: &'static str) -> Self {
        Problem {
            type_uri: format!("{TYPE_BASE}{code}"),
            title,
            status: status.as_u16(),
            code,
            detail: None,
            instance: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn not_found() -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "No such resource")
    }

    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The gateway could not complete the request",
        )
    }

    /// The problem for an error response that was not already one (axum's own rejections:
    /// bad path or query parameters, an unknown method, a body over the limit). The code
    /// says what kind of error it was; nothing of the request is repeated.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, title) = match status {
            StatusCode::BAD_REQUEST => (
                "invalid-request",
                "The request's path or query is not valid for this operation",
            ),
            StatusCode::NOT_FOUND => return Problem::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method-not-allowed",
                "This resource does not answer this method",
            ),
            StatusCode::REQUEST_TIMEOUT => ("request-timeout", "The request took too long"),
            // The same codes as `JsonBody`'s, whichever layer finds the problem.
            StatusCode::PAYLOAD_TOO_LARGE => ("body-too-large", "The request body is too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported-media-type",
                "The request body must be application/json",
            ),
            StatusCode::UNPROCESSABLE_ENTITY => (
                "invalid-body",
                "The request body is not valid for this operation",
            ),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
                ("headers-too-large", "The request headers are too large")
            }
            StatusCode::SERVICE_UNAVAILABLE => return Problem::unavailable_now(),
            StatusCode::GATEWAY_TIMEOUT => ("timeout", "The gateway could not answer in time"),
            s if s.is_server_error() => return Problem::internal(),
            s => (
                "request-refused",
                s.canonical_reason().unwrap_or("The request was refused"),
            ),
        };
        Problem::new(status, code, title)
    }

    fn unavailable_now() -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The gateway cannot serve requests right now",
        )
    }

    pub fn unavailable(detail: &str) -> Self {
        Problem::unavailable_now().with_detail(detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(mut self) -> Response {
        if self.instance.is_none() {
            self.instance = crate::request_id::current().map(|id| format!("urn:uuid:{id}"));
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // Every 503 is temporary (the log, the database, an upstream breaker): say when
            // to try again. A handler that knows better (the breaker) overwrites it.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ccis-gateway\""),
            );
        }
        response
    }
}

/// Middleware: every error response is problem+json. Handlers already answer problems;
/// this catches what answers before or around them (axum's `Path` and `Query` rejections,
/// `405` for a method a route does not have, `413` from the body limit) and replaces the
/// response with [`Problem::for_status`]. The replaced body is dropped unread: axum's
/// rejection texts quote the value sent, which may be an identifier. `Allow` is kept.
pub async fn every_error_is_a_problem(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    if !is_error || is_problem(&response) {
        return response;
    }
    let mut problem = Problem::for_status(status).into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        problem.headers_mut().insert(header::ALLOW, allow.clone());
    }
    problem
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes()
                .eq_ignore_ascii_case(b"application/problem+json")
        })
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::extract::{Path, Query};
    use axum::http::{Request, StatusCode, header};
    use axum::routing::get;
    use axum::{Router, middleware};
    use tower::ServiceExt;

    use super::every_error_is_a_problem;

    const PROBE: &str = "Quillfeather0123";

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // Deserialised to be refused.
    struct Size {
        tree_size: u64,
    }

    /// axum's own rejections behind the middleware, as in the gateway's router.
    fn app() -> Router {
        Router::new()
            .route("/proof/{index}", get(|Path(_): Path<u64>| async { "ok" }))
            .route("/query", get(|Query(_): Query<Size>| async { "ok" }))
            .layer(middleware::from_fn(every_error_is_a_problem))
    }

    async fn ask(request: Request<Body>) -> (StatusCode, Option<String>, Option<String>, String) {
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (content_type, allow) = (
            header_text(header::CONTENT_TYPE),
            header_text(header::ALLOW),
        );
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (
            status,
            content_type,
            allow,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    fn get_request(uri: &str) -> Request<Body> {
        Request::get(uri).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn axum_rejections_become_problems_without_the_value_sent() {
        let cases = [
            (
                get_request(&format!("/proof/{PROBE}")),
                400,
                "invalid-request",
            ),
            (
                get_request(&format!("/query?tree_size={PROBE}")),
                400,
                "invalid-request",
            ),
            (
                get_request(&format!("/query?{PROBE}=1")),
                400,
                "invalid-request",
            ),
            (
                Request::delete(format!("/proof/1?{PROBE}"))
                    .body(Body::empty())
                    .unwrap(),
                405,
                "method-not-allowed",
            ),
        ];
        for (request, status, code) in cases {
            let what = format!("{} {}", request.method(), request.uri());
            let (got, content_type, allow, body) = ask(request).await;
            assert_eq!(got.as_u16(), status, "{what}: {body}");
            assert_eq!(
                content_type.as_deref(),
                Some("application/problem+json"),
                "{what}"
            );
            let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(problem["code"], code, "{what}: {body}");
            assert_eq!(problem["status"], status, "{what}: {body}");
            assert!(!body.contains(PROBE), "{what} echoes the value: {body}");
            if status == 405 {
                assert!(allow.is_some_and(|a| a.contains("GET")), "{what}");
            }
        }
        // A success passes untouched.
        let (status, _, _, body) = ask(get_request("/proof/7")).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    }
}
