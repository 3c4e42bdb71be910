//! End-to-end tests: the real gateway server on loopback, real mutual TLS with certificates
//! made at test time, and every scenario on both SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disclosure_leaks;
mod disclosure_log;
mod edge_limits;
mod exchanges;
mod handshake;
mod log_store;
mod log_trust;
mod registry;
mod reload;
mod startup;
mod store;
mod store_resilience;
mod subject_store;
mod surface;
mod tokens;
mod transfer_store;
mod transfers;
mod upstream;

use gateway_client::{ClientError, Response};

/// Asserts a problem+json response with this status and code.
pub fn assert_problem(response: &Response, status: u16, code: &str) {
    assert_eq!(
        response.status.as_u16(),
        status,
        "body: {:?}",
        response.body
    );
    assert_eq!(response.content_type(), Some("application/problem+json"));
    let body = response.json();
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["status"], status);
    assert!(
        body["type"].as_str().unwrap().ends_with(code),
        "type names the code: {body}"
    );
    assert!(
        body["instance"].as_str().unwrap().starts_with("urn:uuid:"),
        "instance is the request id: {body}"
    );
}

/// Asserts that the TLS layer refused the connection: no HTTP response at all.
pub fn assert_refused_by_tls(outcome: Result<Response, ClientError>) -> String {
    match outcome {
        Err(ClientError::Tls(reason)) => reason,
        Err(other) => panic!("expected a TLS refusal, got {other:?}"),
        Ok(response) => panic!("expected a TLS refusal, got HTTP {}", response.status),
    }
}
