//! Stage 7, the response: the one place a status is chosen. A release is `200` with the
//! logged bytes; every refusal maps to one problem.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::answer::Refusal;
use super::logged::Logged;
use crate::error::ApiError;

pub(super) fn respond(logged: Logged) -> Result<Response, ApiError> {
    let disclosure = logged.outcome.map_err(refusal)?;
    let receipt = serde_json::to_vec(&logged.receipt)
        .map_err(|e| ApiError::internal(e, "receipt not serialisable"))?;
    // Assembled from the exact bytes whose hash is in the log entry.
    let mut body = Vec::with_capacity(disclosure.len() + receipt.len() + 32);
    body.extend_from_slice(b"{\"disclosure\":");
    body.extend_from_slice(&disclosure);
    body.extend_from_slice(b",\"receipt\":");
    body.extend_from_slice(&receipt);
    body.push(b'}');
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// What a requester is told when nothing leaves. A person who is not applicable to the
/// exchange gets the same answer as nobody at all.
fn refusal(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NoAgreement | Refusal::NothingPermitted => ApiError::NotPermitted,
        Refusal::NoUniqueMatch(_) | Refusal::NotApplicable(_) => ApiError::NoUniqueMatch,
        Refusal::Upstream(err) => ApiError::Upstream(err),
    }
}
