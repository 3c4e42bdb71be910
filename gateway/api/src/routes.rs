//! The route table: one list of operations (method, path template, handler) from which the
//! router is built, and which the tests compare with the OpenAPI document both ways.

use axum::extract::Extension;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router, middleware};
use gateway_exchange::Exchange;
use serde_json::{Value, json};

use crate::caller::{Caller, authenticate};
use crate::problem::{Problem, every_error_is_a_problem};
use crate::{AppState, consents, disclose, openapi, ops, oversight, request_id, transfers};

/// One operation of the API.
struct Route {
    method: Method,
    /// The path template, as in the OpenAPI document (`/v1/subjects/{id}/consents`).
    path: &'static str,
    endpoint: MethodRouter<AppState>,
}

fn get_route<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Route {
    Route {
        method: Method::GET,
        path,
        endpoint: get(handler),
    }
}

fn post_route<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Route {
    Route {
        method: Method::POST,
        path,
        endpoint: post(handler),
    }
}

/// Operations without a token: health, readiness and the API description (still behind
/// mutual TLS, like everything).
fn open_routes() -> Vec<Route> {
    vec![
        get_route("/healthz", ops::healthz),
        get_route("/readyz", ops::readyz),
        get_route("/openapi.json", openapi::serve),
    ]
}

/// Operations of partners and staff: behind `caller::authenticate`.
fn partner_routes() -> Vec<Route> {
    vec![
        get_route("/v1/whoami", whoami),
        // An exchange's route is its declaration's.
        post_route(
            Exchange::EetStatus.declaration().route,
            disclose::eet_status,
        ),
        post_route(
            Exchange::BenefitRegistration.declaration().route,
            disclose::benefit_registration,
        ),
        post_route(
            Exchange::CareLeaverStatus.declaration().route,
            disclose::care_leaver_status,
        ),
        post_route("/v1/subjects/{id}/consents", consents::add_consent),
        post_route("/v1/consents/{id}/withdraw", consents::withdraw_consent),
        post_route("/v1/subjects/{id}/objections", consents::add_objection),
        post_route("/v1/objections/{id}/withdraw", consents::withdraw_objection),
        post_route("/v1/subjects/{id}/competence", consents::add_competence),
        get_route(
            "/v1/subjects/{id}/disclosures",
            oversight::subject_disclosures,
        ),
        post_route("/v1/transfers", transfers::inbound::receive_transfer),
        post_route(
            "/v1/transfers/outbound",
            transfers::outbound::start_transfer,
        ),
        get_route("/v1/transfers/{id}", transfers::status::transfer_status),
        get_route(
            "/v1/transfers/{id}/record",
            transfers::status::received_record,
        ),
        get_route("/v1/alerts", oversight::alerts),
        post_route("/v1/alerts/{id}/review", oversight::review_alert),
        get_route("/v1/log/tree-head", oversight::tree_head),
        get_route("/v1/log/entries/{index}/proof", oversight::inclusion_proof),
        get_route("/v1/log/consistency", oversight::consistency),
    ]
}

/// Every operation the router answers: (method, path template, needs a token).
pub fn route_table() -> Vec<(Method, &'static str, bool)> {
    let open = open_routes().into_iter().map(|r| (r.method, r.path, false));
    let partner = partner_routes()
        .into_iter()
        .map(|r| (r.method, r.path, true));
    open.chain(partner).collect()
}

fn add(router: Router<AppState>, routes: Vec<Route>) -> Router<AppState> {
    routes.into_iter().fold(router, |router, route| {
        router.route(route.path, route.endpoint)
    })
}

/// Every route of the gateway, with its middleware.
pub fn router(state: AppState) -> Router {
    let v1 = add(Router::new(), partner_routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    let routes = add(Router::new(), open_routes())
        .merge(v1)
        .fallback(|| async { Problem::not_found() });
    crate::limits::around(routes, state.http)
        // Inside the request id's scope, so the problems it makes carry the id as `instance`.
        .layer(middleware::from_fn(every_error_is_a_problem))
        .layer(middleware::from_fn(request_id::assign))
        .with_state(state)
}

#[utoipa::path(
    get, path = "/v1/whoami", tag = "partners",
    summary = "How the gateway sees the caller: partner, officer, role, purpose",
    responses((status = 200, description = "The caller", body = crate::schemas::WhoAmI)),
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
