//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/openapi.json` (behind mutual TLS like everything else, but without a token, so a
//! partner's developer can read it before their first token works).

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        ops::healthz, ops::readyz, routes::whoami,
        disclose::eet_status, disclose::benefit_registration, disclose::care_leaver_status,
        consents::add_consent, consents::withdraw_consent, consents::add_objection,
        consents::withdraw_objection, consents::add_competence,
        oversight::alerts, oversight::review_alert, oversight::subject_disclosures,
        oversight::tree_head, oversight::inclusion_proof, oversight::consistency,
        crate::transfers::outbound::start_transfer, crate::transfers::inbound::receive_transfer,
        crate::transfers::status::transfer_status, crate::transfers::status::received_record,
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&Security),
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
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
