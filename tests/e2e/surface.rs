//! The API's surface, as a partner's developer (or an attacker) meets it: for real requests
//! to every operation of the router's route table, the status answered is one the OpenAPI
//! document lists for that operation; every error is problem+json, axum's own rejections
//! included (bad path and query parameters, an unknown method, an unknown route), and no
//! error repeats the value sent; every JSON object answered has exactly the fields of the
//! schema the document gives for it (`gateway-api`'s `schemas.rs` for other crates' types).
//! (The body limit's 413 is tested in `edge_limits.rs` on a raw connection.)

use std::collections::BTreeSet;

use gateway_client::Response;
use gateway_domain::YoungPerson;
use gateway_tests::scenario::{
    ADVISER, DPO, Officer, PERSONAL_ADVISER, Partners, WORK_COACH, YOT_OFFICER,
};
use gateway_tests::{Backend, TestApp, TestPartner, on_both_backends, spawn_app};
use http::Method;
use serde_json::{Value, json};

on_both_backends!(every_answer_is_documented_and_every_error_is_a_problem_without_echo);

/// Sent where a value goes; must never come back. Letters of no code list, digits of no id.
const PROBE: &str = "Quillfeather0123";
/// A path segment that is no valid UTF-8 once percent-decoded, with the probe around it.
const BAD_SEGMENT: &str = "Quillfeather0123%FF%FEQuillfeather0123";

/// The statuses the document lists for an operation.
fn documented(doc: &Value, method: &Method, template: &str) -> Vec<u16> {
    let operation = &doc["paths"][template][method.as_str().to_lowercase()];
    operation["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {template} is not in the document"))
        .keys()
        .map(|status| status.parse().unwrap())
        .collect()
}

/// Checks one answer: documented for its operation, and if an error, a problem that does
/// not repeat the probe. Returns the status.
fn check(doc: &Value, method: &Method, template: &str, what: &str, response: &Response) -> u16 {
    let status = response.status.as_u16();
    let listed = documented(doc, method, template);
    assert!(
        listed.contains(&status),
        "{method} {template} ({what}) answered {status}, the document lists {listed:?}: {}",
        String::from_utf8_lossy(&response.body)
    );
    if status >= 400 {
        assert_problem_without_probe(response, &format!("{method} {template} ({what})"));
    } else if response.body.starts_with(b"{") && template != "/openapi.json" {
        // An answer's fields are exactly those its documented schema names.
        let declared = declared_properties(doc, method, template, status).unwrap_or_else(|| {
            panic!("{method} {template} {status} is documented as a bare object")
        });
        let answered: BTreeSet<String> = response
            .json()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(answered, declared, "{method} {template} {status} ({what})");
    }
    status
}

/// The property names of the schema the document gives for this answer (following `$ref`),
/// or `None` when it declares a bare object.
fn declared_properties(
    doc: &Value,
    method: &Method,
    template: &str,
    status: u16,
) -> Option<BTreeSet<String>> {
    let operation = &doc["paths"][template][method.as_str().to_lowercase()];
    let mut schema =
        &operation["responses"][status.to_string()]["content"]["application/json"]["schema"];
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        schema = &doc["components"]["schemas"][name];
    }
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
}

fn assert_problem_without_probe(response: &Response, what: &str) {
    assert_eq!(
        response.content_type(),
        Some("application/problem+json"),
        "{what}: {} {:?}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    let body = response.json();
    assert_eq!(body["status"], response.status.as_u16(), "{what}: {body}");
    assert!(
        body["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{what}: {body}"
    );
    assert!(
        body["instance"]
            .as_str()
            .is_some_and(|i| i.starts_with("urn:uuid:")),
        "{what}: {body}"
    );
    let text = String::from_utf8_lossy(&response.body);
    assert!(
        !text.contains("Quillfeather"),
        "{what} echoes the value sent: {text}"
    );
}

/// Who makes the real request to an operation, and with what body.
fn caller_for<'a>(partners: &'a Partners, template: &str) -> (&'a TestPartner, Officer<'static>) {
    match template {
        "/v1/exchanges/eet-status" => (&partners.yot, YOT_OFFICER),
        "/v1/exchanges/benefit-registration" => (&partners.jcp, WORK_COACH),
        "/v1/exchanges/care-leaver-status" => (&partners.leaving_care, PERSONAL_ADVISER),
        t if t.starts_with("/v1/alerts") || t.ends_with("/disclosures") => (&partners.home, DPO),
        t if t.starts_with("/v1/subjects")
            || t.starts_with("/v1/consents")
            || t.starts_with("/v1/objections")
            || t.starts_with("/v1/transfers") =>
        {
            (&partners.home, ADVISER)
        }
        _ => (&partners.yot, YOT_OFFICER),
    }
}

fn body_for(template: &str, person: &YoungPerson) -> Option<Value> {
    let subject = json!({ "identifier": { "ccis_id": person.ccis_id.as_str() } });
    let today = time::OffsetDateTime::now_utc().date();
    match template {
        t if t.starts_with("/v1/exchanges/") => Some(json!({ "subject": subject })),
        "/v1/subjects/{id}/consents" => Some(json!({
            "given_by": "young_person", "method": "written", "purposes": ["case_management"],
            "recipient": { "agency_kind": "youth_offending_team" }, "categories": ["send"],
        })),
        "/v1/subjects/{id}/objections" => Some(json!({ "raised_by": "young_person" })),
        "/v1/subjects/{id}/competence" => Some(json!({
            "competent": true,
            "assessed_on": format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day()),
        })),
        "/v1/alerts/{id}/review" => {
            Some(json!({ "note": "Reviewed with the social work manager" }))
        }
        "/v1/transfers/outbound" => Some(json!({ "subject": subject, "to": "medway-la" })),
        "/v1/transfers" => Some(json!({ "transfer_id": uuid::Uuid::new_v4() })),
        _ => None,
    }
}

/// The template with real-looking values: a CCIS id for a subject, a fresh id otherwise.
fn fill(template: &str, person: &YoungPerson) -> String {
    let id = if template.starts_with("/v1/subjects/") {
        person.ccis_id.as_str().to_owned()
    } else {
        uuid::Uuid::new_v4().to_string()
    };
    template.replace("{id}", &id).replace("{index}", "0")
}

async fn send(
    app: &TestApp,
    partner: &TestPartner,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<bytes::Bytes>,
) -> Response {
    let mut connection = app.connect(partner).await;
    connection
        .send_bytes(method, path, token, body)
        .await
        .unwrap()
}

async fn every_answer_is_documented_and_every_error_is_a_problem_without_echo(backend: Backend) {
    let app = spawn_app(backend).await;
    let partners = app.scenario_partners().await;
    let people = app.load_cohort(0x5eed, 40).await;
    let person = &people[0];
    let doc = send(
        &app,
        &partners.yot,
        Method::GET,
        "/openapi.json",
        None,
        None,
    )
    .await
    .json();

    let routes = gateway_api::route_table();
    assert!(routes.len() >= 22);
    for (method, template, authenticated) in routes {
        let path = fill(template, person);
        let (partner, officer) = caller_for(&partners, template);
        let body = body_for(template, person).map(|b| bytes::Bytes::from(b.to_string()));

        // No token.
        let response = send(&app, partner, method.clone(), &path, None, body.clone()).await;
        let status = check(&doc, &method, template, "no token", &response);
        assert_eq!(
            status,
            if authenticated { 401 } else { 200 },
            "{method} {template}"
        );

        // The real request, by the officer who would make it.
        let token = partner.token_as(officer);
        let response = send(
            &app,
            partner,
            method.clone(),
            &path,
            Some(&token),
            body.clone(),
        )
        .await;
        check(&doc, &method, template, "real request", &response);

        if body.is_some() {
            // No body (so no content type), then a body that is not JSON, quoting the probe.
            let token = partner.token_as(officer);
            let response = send(&app, partner, method.clone(), &path, Some(&token), None).await;
            assert_eq!(check(&doc, &method, template, "no body", &response), 415);
            let token = partner.token_as(officer);
            let broken = bytes::Bytes::from(format!("{{\"note\": \"{PROBE}\""));
            let response = send(
                &app,
                partner,
                method.clone(),
                &path,
                Some(&token),
                Some(broken),
            )
            .await;
            assert_eq!(
                check(&doc, &method, template, "broken JSON", &response),
                422
            );
        }

        if template.contains('{') {
            // Each parameter replaced by a segment axum cannot decode.
            let bad = template
                .replace("{id}", BAD_SEGMENT)
                .replace("{index}", BAD_SEGMENT);
            let token = partner.token_as(officer);
            let response = send(
                &app,
                partner,
                method.clone(),
                &bad,
                Some(&token),
                body.clone(),
            )
            .await;
            let status = check(&doc, &method, template, "undecodable parameter", &response);
            assert_eq!(status, 400, "{method} {template}");
            // And a well-formed value of the wrong kind.
            let wrong = template.replace("{id}", PROBE).replace("{index}", PROBE);
            let token = partner.token_as(officer);
            let response = send(
                &app,
                partner,
                method.clone(),
                &wrong,
                Some(&token),
                body.clone(),
            )
            .await;
            let status = check(
                &doc,
                &method,
                template,
                "parameter of the wrong kind",
                &response,
            );
            assert!(
                [400, 404, 422].contains(&status),
                "{method} {template}: {status}"
            );
        }

        if method == Method::GET && template.starts_with("/v1/") {
            // An unknown query parameter, and a known one with a value of the wrong kind.
            for query in [
                format!("bogus={PROBE}"),
                format!("status={PROBE}&tree_size={PROBE}&from={PROBE}"),
            ] {
                let token = partner.token_as(officer);
                let response = send(
                    &app,
                    partner,
                    method.clone(),
                    &format!("{path}?{query}"),
                    Some(&token),
                    None,
                )
                .await;
                check(&doc, &method, template, "bad query", &response);
            }
        }

        // A method the route does not have: 405 with Allow, as a problem.
        let token = partner.token_as(officer);
        let response = send(
            &app,
            partner,
            Method::DELETE,
            &format!("{path}?q={PROBE}"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(response.status.as_u16(), 405, "DELETE {template}");
        assert_problem_without_probe(&response, &format!("DELETE {template}"));
        let allow = response
            .headers
            .get(http::header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            allow.split(',').any(|m| m.trim() == method.as_str()),
            "DELETE {template}: Allow {allow:?}"
        );
    }

    // The query rejections of the operations that take a query answer 400, not 200.
    for path in [
        format!("/v1/alerts?status={PROBE}"),
        format!("/v1/log/consistency?from={PROBE}&to=1"),
        format!("/v1/log/entries/0/proof?tree_size={PROBE}"),
    ] {
        let token = partners.home.token_as(DPO);
        let response = send(&app, &partners.home, Method::GET, &path, Some(&token), None).await;
        assert_eq!(response.status.as_u16(), 400, "{path}");
        assert_problem_without_probe(&response, &path);
    }

    // An unknown route, with and without a token.
    for token in [None, Some(partners.yot.token_as(YOT_OFFICER))] {
        let path = format!("/v1/subjects/{PROBE}/nothing-here?x={PROBE}");
        let response = send(
            &app,
            &partners.yot,
            Method::GET,
            &path,
            token.as_deref(),
            None,
        )
        .await;
        assert_eq!(response.status.as_u16(), 404, "{path}");
        assert_problem_without_probe(&response, &path);
    }
    app.stop().await;
}
