//! Liveness and readiness, for the engineers who run the gateway.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::problem::Problem;

/// The process is up and serving HTTP.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// The gateway can do its job: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": { "database": "ok" } })),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "readiness: database unreachable");
            Problem::unavailable("database unreachable").into_response()
        }
    }
}
