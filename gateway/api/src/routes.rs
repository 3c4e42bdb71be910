//! The route table.

use axum::extract::Extension;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde_json::{Value, json};

use crate::caller::{Caller, authenticate};
use crate::problem::Problem;
use crate::{AppState, consents, disclose, openapi, ops, oversight, request_id, transfers};

/// Every route of the gateway, with its middleware.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/v1/whoami", get(whoami))
        .route("/v1/exchanges/eet-status", post(disclose::eet_status))
        .route(
            "/v1/exchanges/benefit-registration",
            post(disclose::benefit_registration),
        )
        .route(
            "/v1/exchanges/care-leaver-status",
            post(disclose::care_leaver_status),
        )
        .route("/v1/subjects/{id}/consents", post(consents::add_consent))
        .route(
            "/v1/consents/{id}/withdraw",
            post(consents::withdraw_consent),
        )
        .route(
            "/v1/subjects/{id}/objections",
            post(consents::add_objection),
        )
        .route(
            "/v1/objections/{id}/withdraw",
            post(consents::withdraw_objection),
        )
        .route(
            "/v1/subjects/{id}/competence",
            post(consents::add_competence),
        )
        .route(
            "/v1/subjects/{id}/disclosures",
            get(oversight::subject_disclosures),
        )
        .route("/v1/transfers", post(transfers::inbound::receive_transfer))
        .route(
            "/v1/transfers/outbound",
            post(transfers::outbound::start_transfer),
        )
        .route(
            "/v1/transfers/{id}",
            get(transfers::status::transfer_status),
        )
        .route(
            "/v1/transfers/{id}/record",
            get(transfers::status::received_record),
        )
        .route("/v1/alerts", get(oversight::alerts))
        .route("/v1/alerts/{id}/review", post(oversight::review_alert))
        .route("/v1/log/tree-head", get(oversight::tree_head))
        .route(
            "/v1/log/entries/{index}/proof",
            get(oversight::inclusion_proof),
        )
        .route("/v1/log/consistency", get(oversight::consistency))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    let routes = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/openapi.json", get(openapi::serve))
        .merge(v1)
        .fallback(|| async { Problem::not_found() });
    crate::limits::around(routes, state.http)
        .layer(middleware::from_fn(request_id::assign))
        .with_state(state)
}

#[utoipa::path(
    get, path = "/v1/whoami", tag = "partners",
    summary = "How the gateway sees the caller: partner, officer, role, purpose",
    responses((status = 200, description = "The caller", body = Object)),
    security(("partner_token" = []))
)]
/// Tells a partner's developer how the gateway sees their call: which partner, officer,
/// role and purpose. Useful for checking a new integration end to end.
pub(crate) async fn whoami(Extension(caller): Extension<Caller>) -> Json<Value> {
    Json(json!({
        "partner": caller.partner.id,
        "display_name": caller.partner.display_name,
        "agency_kind": caller.partner.agency_kind,
        "officer": caller.officer,
        "role": caller.role,
        "purpose": caller.purpose,
    }))
}
