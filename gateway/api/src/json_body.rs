//! JSON request bodies: unknown fields refused (every request type is `deny_unknown_fields`),
//! errors as problem+json that never echo a value from the body.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// A parsed JSON body, with the raw bytes kept for the request hash in the disclosure log.
#[derive(Debug)]
pub struct JsonBody<T> {
    pub value: T,
    pub bytes: Bytes,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or_default().trim();
                mime.eq_ignore_ascii_case("application/json")
            });
        if !json {
            return Err(Problem::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| crate::limits::body_too_large())?;
        let value = gateway_adapters::parse_json(&bytes).map_err(|err| {
            Problem::for_status(StatusCode::UNPROCESSABLE_ENTITY).with_detail(err.to_string())
        })?;
        Ok(JsonBody { value, bytes })
    }
}
