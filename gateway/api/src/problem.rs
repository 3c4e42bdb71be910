//! RFC 9457 problem details: every error the API returns.
//!
//! `type` is a stable URI per error code, `code` repeats it as a short token for clients
//! that switch on it, and `instance` is the request id (also in the `x-request-id` header
//! and on every log line of that request). `detail` never contains personal data, tokens or
//! identifiers from the request.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
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

    pub fn unavailable(detail: &str) -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The gateway cannot serve requests right now",
        )
        .with_detail(detail)
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
