//! The route table.

use axum::extract::Extension;
use axum::routing::get;
use axum::{Json, Router, middleware};
use serde_json::{Value, json};

use crate::caller::{Caller, authenticate};
use crate::problem::Problem;
use crate::{AppState, ops, request_id};

/// Every route of the gateway, with its middleware.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/v1/whoami", get(whoami))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .merge(v1)
        .fallback(|| async { Problem::not_found() })
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
        .layer(middleware::from_fn(request_id::assign))
        .with_state(state)
}

/// Tells a partner's developer how the gateway sees their call: which partner, officer,
/// role and purpose. Useful for checking a new integration end to end.
async fn whoami(Extension(caller): Extension<Caller>) -> Json<Value> {
    Json(json!({
        "partner": caller.partner.id,
        "display_name": caller.partner.display_name,
        "agency_kind": caller.partner.agency_kind,
        "officer": caller.officer,
        "role": caller.role,
        "purpose": caller.purpose,
    }))
}
