//! Liveness and readiness, for the engineers who run the gateway.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::problem::Problem;

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive", body = crate::schemas::Health)))]
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// The gateway can do its job: the database answers and accepts writes (the disclosure log
/// lives there), the log writer keeps up (no request has waited longer than the stall bound
/// without a commit: a lock held elsewhere or a hung connection fails this even while the
/// probe's own write gets through), and a validated policy set is loaded (it always is once
/// serving: the gateway refuses to start without one; its hash is reported so operators can
/// tell which version every node runs).
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready: database, log writable, log writer, policy set hash", body = crate::schemas::Readiness),
    (status = 503, description = "Not ready", body = Problem, content_type = "application/problem+json"),
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let database = state.store.ping().await;
    let writable = match &database {
        Ok(()) => state.store.probe_write(&state.node).await,
        Err(_) => Ok(()),
    };
    let stalled = state.log.stalled_for();
    let untrusted = state.log.untrusted();
    let checks = json!({
        "database": if database.is_ok() { "ok" } else { "unreachable" },
        "log_writable": if database.is_ok() && writable.is_ok() { "ok" } else { "failing" },
        "log_writer": match (&untrusted, stalled) {
            (Some(_), _) => "stopped",
            (None, None) => "ok",
            (None, Some(_)) => "stalled",
        },
        "policy": state.policy.policy_set_hash(),
    });
    if let Some(why) = untrusted {
        tracing::error!(
            first_bad_index = why.first_bad_index(),
            "readiness check failed: the disclosure log writer stopped on a stored log it cannot vouch for"
        );
        return Problem::unavailable(
            "the disclosure log writer stopped: the stored log does not verify",
        )
        .into_response();
    }
    match (database, writable, stalled) {
        (Ok(()), Ok(()), None) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": checks })),
        )
            .into_response(),
        (Err(err), _, _) | (_, Err(err), _) => {
            tracing::error!(error = %err, "readiness check failed");
            Problem::unavailable("database unreachable or not accepting writes").into_response()
        }
        (Ok(()), Ok(()), Some(waited)) => {
            tracing::error!(
                waited_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                "readiness check failed: requests wait for the disclosure log and nothing commits"
            );
            Problem::unavailable("the disclosure log writer is not committing").into_response()
        }
    }
}
