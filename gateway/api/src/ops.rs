//! Liveness and readiness, for the engineers who run the gateway.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::problem::Problem;

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive", body = Object)))]
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// The gateway can do its job: the database answers and accepts writes (the disclosure log
/// lives there), and a validated policy set is loaded (it always is once serving: the
/// gateway refuses to start without one; its hash is reported so operators can tell which
/// version every node runs).
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready: database, log writable, policy set hash", body = Object),
    (status = 503, description = "Not ready", body = Problem, content_type = "application/problem+json"),
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let database = state.store.ping().await;
    let writable = match &database {
        Ok(()) => state.store.probe_write(&state.node).await,
        Err(_) => Ok(()),
    };
    let checks = json!({
        "database": if database.is_ok() { "ok" } else { "unreachable" },
        "log_writable": if database.is_ok() && writable.is_ok() { "ok" } else { "failing" },
        "policy": state.policy.policy_set_hash(),
    });
    match (database, writable) {
        (Ok(()), Ok(())) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": checks })),
        )
            .into_response(),
        (Err(err), _) | (_, Err(err)) => {
            tracing::error!(error = %err, "readiness check failed");
            Problem::unavailable("database unreachable or not accepting writes").into_response()
        }
    }
}
