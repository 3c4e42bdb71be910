//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/openapi.json` (behind mutual TLS like everything else, but without a token, so a
//! partner's developer can read it before their first token works).
//!
//! Each handler's annotation lists what that operation itself answers. The answers every
//! operation of a kind shares are added here, in one place, by [`SharedResponses`]: the
//! authentication middleware's (400, 401, 403, 503) on every operation with the
//! `partner_token` requirement, the JSON body's (413, 415, 422) on every operation with a
//! request body, the path and query parameters' (400) on every operation with parameters,
//! and 500 on all. The tests hold the document to the router's route table both ways.

use axum::Json;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::{consents, disclose, ops, oversight, routes};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "partner_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(
                        "JWT (ES256, EdDSA or RS256; cnf.x5t#S256 bound to the client certificate)",
                    )
                    .build(),
            ),
        );
    }
}

/// The content type of every error answer.
const PROBLEM_JSON: &str = "application/problem+json";

/// Adds the responses operations share (see the module documentation).
struct SharedResponses;

impl SharedResponses {
    const AUTHENTICATED: [(&'static str, &'static str); 4] = [
        (
            "400",
            "invalid-request: a malformed request (e.g. its Authorization header)",
        ),
        (
            "401",
            "token refused: missing, invalid, expired, not bound to this certificate, or replayed",
        ),
        (
            "403",
            "partner-not-authorised: the certificate is not an active partner's",
        ),
        (
            "503",
            "unavailable: the partner registry or the token replay store cannot be reached; retry after Retry-After",
        ),
    ];
    const WITH_BODY: [(&'static str, &'static str); 3] = [
        ("413", "body-too-large"),
        (
            "415",
            "unsupported-media-type: the body must be application/json",
        ),
        (
            "422",
            "invalid-body: not valid JSON for this operation (unknown fields refused; values never echoed)",
        ),
    ];
    const WITH_PARAMETERS: (&'static str, &'static str) = (
        "400",
        "invalid-request: a path or query parameter is not valid (never echoed)",
    );
    /// Every operation, whatever it does (the edge's limits stand in front of all).
    const ALWAYS: [(&'static str, &'static str); 4] = [
        ("500", "internal"),
        (
            "431",
            "headers-too-large: the request head is over the limit (8 KB by default); the connection closes",
        ),
        (
            "403",
            "certificate-not-accepted: the connection's certificate was revoked since the handshake; the connection closes",
        ),
        (
            "503",
            "timeout: the request was not answered within the request timeout; retry after Retry-After",
        ),
    ];
    /// Operations with a body: the request timeout while the body is still arriving.
    const BODY_TIMEOUT: (&'static str, &'static str) = (
        "408",
        "request-timeout: the body did not arrive within the request timeout; the connection closes",
    );

    fn add_to(operation: &mut Operation) {
        let authenticated = operation
            .security
            .as_ref()
            .is_some_and(|requirements| !requirements.is_empty());
        let mut shared = Self::ALWAYS.to_vec();
        if authenticated {
            shared.extend(Self::AUTHENTICATED);
        }
        if operation.request_body.is_some() {
            shared.extend(Self::WITH_BODY);
            shared.push(Self::BODY_TIMEOUT);
        }
        if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
            shared.push(Self::WITH_PARAMETERS);
        }
        for (status, description) in shared {
            add_problem(operation, status, description);
        }
    }
}

/// Adds a problem+json answer, or adds `description` to the answer already listed.
fn add_problem(operation: &mut Operation, status: &str, description: &str) {
    let responses = &mut operation.responses.responses;
    match responses.get_mut(status) {
        Some(RefOr::T(existing)) => {
            if !existing.description.contains(description) {
                existing.description = format!("{}; {description}", existing.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            let response = ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            responses.insert(status.to_owned(), RefOr::T(response));
        }
    }
}

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                SharedResponses::add_to(operation);
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CCIS data-sharing gateway",
        description = "Consent-gated disclosure of young people's records (CCIS) to partner agencies. \
Every call needs a client certificate (mutual TLS) and a bearer token bound to it. \
Errors are RFC 9457 application/problem+json with a stable `code`. \
Every disclosure is recorded in a tamper-evident log before the answer leaves; answers carry a receipt.",
        license(name = "Apache-2.0")
    ),
    paths(
        ops::healthz, ops::readyz, serve, routes::whoami,
        disclose::eet_status, disclose::benefit_registration, disclose::care_leaver_status,
        consents::add_consent, consents::withdraw_consent, consents::add_objection,
        consents::withdraw_objection, consents::add_competence,
        oversight::alerts, oversight::review_alert, oversight::subject_disclosures,
        oversight::tree_head, oversight::inclusion_proof, oversight::consistency,
        crate::transfers::outbound::start_transfer, crate::transfers::inbound::receive_transfer,
        crate::transfers::status::transfer_status, crate::transfers::status::received_record,
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&Security, &SharedResponses),
    tags(
        (name = "exchanges", description = "Partner questions about one young person"),
        (name = "consent", description = "Consent, objection and competence, recorded by the authority's advisers"),
        (name = "oversight", description = "For the data protection officer"),
        (name = "transfers", description = "Cross-border transfers between authorities' gateways"),
        (name = "log", description = "The disclosure log: signed tree heads and proofs"),
        (name = "operations", description = "Health and readiness"),
        (name = "partners", description = "Integration checks"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// `GET /openapi.json`.
#[utoipa::path(
    get, path = "/openapi.json", tag = "operations",
    summary = "This document (OpenAPI 3.1)",
    responses((status = 200, description = "The OpenAPI document", body = Object)),
)]
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::ApiDoc;
    use crate::routes::route_table;
    use utoipa::OpenApi;

    fn document() -> Value {
        serde_json::to_value(ApiDoc::openapi()).unwrap()
    }

    /// Every (method, path template) of the document.
    fn documented(doc: &Value) -> BTreeSet<(String, String)> {
        let mut operations = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
        operations
    }

    #[test]
    fn the_document_lists_exactly_the_routes_the_router_answers() {
        let doc = document();
        let routed: BTreeSet<(String, String)> = route_table()
            .into_iter()
            .map(|(method, path, _)| (method.to_string(), path.to_owned()))
            .collect();
        let documented = documented(&doc);
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routed, not documented: {undocumented:?}"
        );
        assert!(unrouted.is_empty(), "documented, not routed: {unrouted:?}");
        assert!(routed.len() >= 22, "{routed:?}");
    }

    #[test]
    fn every_authenticated_operation_says_so_and_lists_401() {
        let doc = document();
        for (method, path, authenticated) in route_table() {
            let operation = &doc["paths"][path][method.as_str().to_lowercase()];
            let security = operation["security"].as_array().map_or(0, Vec::len);
            let responses = operation["responses"].as_object().unwrap();
            if authenticated {
                assert_eq!(security, 1, "{method} {path} needs a token");
                for status in ["401", "403", "503"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path}: no {status}"
                    );
                }
            } else {
                assert_eq!(security, 0, "{method} {path} needs no token");
                assert!(!responses.contains_key("401"), "{method} {path}: 401");
            }
            if operation.get("requestBody").is_some() {
                for status in ["413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path}: no {status}"
                    );
                }
            }
            if operation["parameters"]
                .as_array()
                .is_some_and(|p| !p.is_empty())
            {
                assert!(responses.contains_key("400"), "{method} {path}: no 400");
            }
        }
    }

    #[test]
    fn every_error_answer_is_a_problem_and_every_success_has_a_schema() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    let code: u16 = status.parse().unwrap();
                    let content = response["content"].as_object();
                    if code >= 400 {
                        let schema = &response["content"]["application/problem+json"]["schema"];
                        assert_eq!(
                            schema["$ref"], "#/components/schemas/Problem",
                            "{method} {path} {status}: {response}"
                        );
                        assert_eq!(
                            content.map_or(0, |c| c.len()),
                            1,
                            "{method} {path} {status}"
                        );
                    } else {
                        let json = &response["content"]["application/json"]["schema"];
                        assert!(!json.is_null(), "{method} {path} {status}: {response}");
                    }
                }
            }
        }
    }

    #[test]
    fn alerts_are_declared_as_an_array_of_what_the_store_serialises() {
        let doc = document();
        let schema = &doc["paths"]["/v1/alerts"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert_eq!(schema["type"], "array", "{schema}");
        assert_eq!(
            schema["items"]["$ref"], "#/components/schemas/Alert",
            "{schema}"
        );
        let declared: BTreeSet<String> = doc["components"]["schemas"]["Alert"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let now = time::OffsetDateTime::now_utc();
        let alert = gateway_store::Alert {
            id: uuid::Uuid::new_v4(),
            partner: gateway_store::PartnerId::parse("kent-yot").unwrap(),
            officer: "o".into(),
            role: "r".into(),
            exchange: "eet-status".into(),
            subject_pseudonym: "p".into(),
            justification: "j".into(),
            opened_at: now,
            window_ends_at: now,
            uses: 1,
            refused: false,
            status: gateway_store::AlertStatus::Open,
            reviewed_by: None,
            reviewed_at: None,
            review_note: None,
        };
        let served: BTreeSet<String> = serde_json::to_value(&alert)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(declared, served);
    }
}
