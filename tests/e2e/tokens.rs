//! Every request needs a token from the partner's own issuer, for this gateway, in date,
//! used once, and bound to the client certificate it arrives on.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::time::Duration;

use gateway_store::AgencyKind;
use gateway_tests::raw::RawTls;
use gateway_tests::{Backend, TestApp, TestPartner, now, on_both_backends, spawn_app};
use http::Method;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::assert_problem;

on_both_backends!(
    missing_token_is_401,
    wrong_issuer_is_401,
    wrong_audience_is_401,
    expired_token_is_401,
    not_yet_valid_token_is_401,
    alg_none_is_401,
    hs256_signed_with_the_public_key_is_401,
    token_signed_by_another_partner_is_401,
    replayed_jti_is_401,
    token_bound_to_another_certificate_is_401,
    oversized_or_unsafe_claims_are_401_and_nothing_is_logged,
    a_token_larger_than_the_header_limit_is_refused_before_it_is_read,
    a_crit_header_is_401,
    a_case_ref_that_is_not_a_case_reference_is_401,
    two_authorization_headers_are_400,
    a_used_token_is_refused_again_after_the_replay_purge_has_run,
);

async fn setup(backend: Backend) -> (TestApp, TestPartner) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    (app, yot)
}

async fn expect_401(app: &TestApp, partner: &TestPartner, token: Option<&str>, code: &str) {
    let mut conn = app.connect(partner).await;
    let response = conn.get("/v1/whoami", token).await.unwrap();
    assert_problem(&response, 401, code);
    assert!(response.headers.contains_key("www-authenticate"));
}

async fn missing_token_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    expect_401(&app, &yot, None, "token-missing").await;
    app.stop().await;
}

async fn wrong_issuer_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let mut claims = yot.token_request().claims();
    claims["iss"] = "https://idp.someone-else.example".into();
    expect_401(&app, &yot, Some(&yot.sign(&claims)), "token-invalid").await;
    app.stop().await;
}

async fn wrong_audience_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let mut claims = yot.token_request().claims();
    claims["aud"] = "urn:ccis-gateway:another-authority".into();
    expect_401(&app, &yot, Some(&yot.sign(&claims)), "token-invalid").await;
    app.stop().await;
}

async fn expired_token_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let mut request = yot.token_request();
    request.issued_at = now() - 600;
    request.lifetime_secs = 300; // expired five minutes ago, well beyond the 5 s leeway
    expect_401(
        &app,
        &yot,
        Some(&yot.sign(&request.claims())),
        "token-expired",
    )
    .await;
    app.stop().await;
}

async fn not_yet_valid_token_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let mut claims = yot.token_request().claims();
    claims["nbf"] = (now() + 600).into();
    expect_401(&app, &yot, Some(&yot.sign(&claims)), "token-not-yet-valid").await;
    app.stop().await;
}

async fn alg_none_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(yot.token_request().claims().to_string());
    let unsigned = format!("{header}.{claims}.");
    expect_401(&app, &yot, Some(&unsigned), "token-invalid").await;
    app.stop().await;
}

async fn hs256_signed_with_the_public_key_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    // The classic key-confusion attack: HMAC keyed with the partner's *public* key.
    let key = EncodingKey::from_secret(yot.token_key.public_pem.as_bytes());
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &yot.token_request().claims(),
        &key,
    )
    .unwrap();
    expect_401(&app, &yot, Some(&forged), "token-invalid").await;
    app.stop().await;
}

async fn token_signed_by_another_partner_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let jcp = app
        .register("jcp-maidstone", AgencyKind::JobcentrePlus)
        .await;
    // JCP's key, YOT's issuer and certificate binding: the signature does not verify.
    let claims = yot.token_request().claims();
    expect_401(&app, &yot, Some(&jcp.sign(&claims)), "token-invalid").await;
    app.stop().await;
}

async fn replayed_jti_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let token = yot.token();
    let mut conn = app.connect(&yot).await;
    assert_eq!(
        conn.get("/v1/whoami", Some(&token)).await.unwrap().status,
        200
    );
    expect_401(&app, &yot, Some(&token), "token-replayed").await;
    app.stop().await;
}

async fn token_bound_to_another_certificate_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    // A token minted for the partner's other (also valid) certificate, presented on this one.
    let second_cert = app.pki.client_cert("kent-yot");
    let mut request = yot.token_request();
    request.cert_thumbprint = second_cert.thumbprint();
    expect_401(
        &app,
        &yot,
        Some(&yot.sign(&request.claims())),
        "token-not-bound",
    )
    .await;
    app.stop().await;
}

/// An exchange request: with a valid token it is answered and logged (here: nobody matches).
fn exchange_body() -> Value {
    json!({ "subject": { "identifier": { "upn": "H801200001001" } } })
}

async fn exchange(app: &TestApp, partner: &TestPartner, token: &str) -> gateway_client::Response {
    let mut conn = app.connect(partner).await;
    conn.send(
        Method::POST,
        "/v1/exchanges/eet-status",
        Some(token),
        Some(&exchange_body()),
    )
    .await
    .unwrap()
}

async fn oversized_or_unsafe_claims_are_401_and_nothing_is_logged(backend: Backend) {
    let (app, yot) = setup(backend).await;
    // The control: a valid token's exchange is logged, so a refused one could have been.
    let before = app.store.log_size().await.unwrap();
    // (A role eet-status accepts: a refused role is answered before anything is logged.)
    let mut control = yot.token_request().claims();
    control["role"] = "yot_officer".into();
    let answered = exchange(&app, &yot, &yot.sign(&control)).await;
    assert_ne!(answered.status.as_u16(), 401, "{:?}", answered.body);
    let logged = app.store.log_size().await.unwrap();
    assert_eq!(logged, before + 1, "a valid exchange is logged");

    let long = "a".repeat(gateway_auth::MAX_CLAIM_CHARS + 1);
    let huge = "b".repeat(64 * 1024 / 2);
    let cases: [(&str, &str); 9] = [
        ("sub", &long),
        ("role", &long),
        ("purpose", &long),
        ("case_ref", &long),
        ("jti", &long),
        ("sub", ""),
        ("sub", "j.smith\n2026-12-02 forged log line"),
        ("purpose", "case management"),
        ("role", &huge),
    ];
    for (claim, value) in cases {
        let mut claims = yot.token_request().claims();
        claims[claim] = value.into();
        let token = yot.sign(&claims);
        let response = exchange(&app, &yot, &token).await;
        let status = response.status.as_u16();
        if value.len() < 8 * 1024 {
            assert_problem(&response, 401, "token-claims-invalid");
        } else {
            // Too large for a request head at all.
            assert_eq!(status, 431, "{claim}");
        }
    }
    assert_eq!(
        app.store.log_size().await.unwrap(),
        logged,
        "no refused token reached the log"
    );

    // The bound itself is allowed.
    let mut claims = yot.token_request().claims();
    claims["sub"] = "c".repeat(gateway_auth::MAX_CLAIM_CHARS).into();
    let mut conn = app.connect(&yot).await;
    let at_bound = conn
        .get("/v1/whoami", Some(&yot.sign(&claims)))
        .await
        .unwrap();
    assert_eq!(at_bound.status, 200);
    assert_eq!(at_bound.json()["officer"].as_str().unwrap().len(), 128);
    app.stop().await;
}

async fn a_token_larger_than_the_header_limit_is_refused_before_it_is_read(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let mut claims = yot.token_request().claims();
    claims["purpose"] = "p".repeat(300 * 1024).into();
    let logged = app.store.log_size().await.unwrap();
    let mut conn = app.connect(&yot).await;
    // The gateway answers 431 and closes after the first 8 KB; a client still writing the
    // rest of a 300 KB head may see the connection cut instead of the answer. Either way
    // the head was refused unread.
    match conn.get("/v1/whoami", Some(&yot.sign(&claims))).await {
        Ok(response) => assert_eq!(response.status.as_u16(), 431),
        Err(err) => assert!(
            err.to_string().contains("connection"),
            "not a cut connection: {err}"
        ),
    }
    assert_eq!(app.store.log_size().await.unwrap(), logged);
    // And the gateway serves the partner as before.
    let mut conn = app.connect(&yot).await;
    let whoami = conn.get("/v1/whoami", Some(&yot.token())).await.unwrap();
    assert_eq!(whoami.status, 200);
    app.stop().await;
}

async fn a_crit_header_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let key = EncodingKey::from_ec_pem(yot.token_key.private_pem.as_bytes()).unwrap();
    let sign = |header: &Header| {
        jsonwebtoken::encode(header, &yot.token_request().claims(), &key).unwrap()
    };
    // The control: the same key and claims without `crit` are accepted.
    let plain = Header::new(Algorithm::ES256);
    let mut conn = app.connect(&yot).await;
    assert_eq!(
        conn.get("/v1/whoami", Some(&sign(&plain)))
            .await
            .unwrap()
            .status,
        200
    );
    // RFC 7515 §4.1.11: an extension the gateway does not implement must be refused.
    let mut critical = Header::new(Algorithm::ES256);
    critical.crit = Some(vec!["urn:example:must-understand".into()]);
    expect_401(&app, &yot, Some(&sign(&critical)), "token-invalid").await;
    app.stop().await;
}

async fn a_case_ref_that_is_not_a_case_reference_is_401(backend: Backend) {
    let (app, yot) = setup(backend).await;
    // Allowed by the claim character set, refused by the case-reference rule of the body.
    for case_ref in [
        "H801200001001",
        "AB123456C",
        "YOT.2025.001",
        "x".repeat(33).as_str(),
    ] {
        let mut request = yot.token_request();
        request.case_reference = Some(case_ref.to_owned());
        let token = yot.sign(&request.claims());
        expect_401(&app, &yot, Some(&token), "token-claims-invalid").await;
    }
    let before = app.store.log_size().await.unwrap();
    let mut request = yot.token_request();
    request.case_reference = Some("H801200001001".into());
    let response = exchange(&app, &yot, &yot.sign(&request.claims())).await;
    assert_problem(&response, 401, "token-claims-invalid");
    assert_eq!(app.store.log_size().await.unwrap(), before, "no UPN logged");
    // A real case reference is accepted.
    let mut request = yot.token_request();
    request.case_reference = Some("YOT/2025-001".into());
    let mut conn = app.connect(&yot).await;
    let ok = conn
        .get("/v1/whoami", Some(&yot.sign(&request.claims())))
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    app.stop().await;
}

async fn two_authorization_headers_are_400(backend: Backend) {
    let (app, yot) = setup(backend).await;
    let mut raw = RawTls::connect(&app.pki, &yot.cert, app.addr).await;
    let request = format!(
        "GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {}\r\nAuthorization: Bearer {}\r\n\r\n",
        yot.token(),
        yot.token()
    );
    raw.send(request.as_bytes()).await.unwrap();
    let response = raw.response(Duration::from_secs(3)).await.unwrap();
    assert_eq!(response.status, 400);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(response.json()["code"], "authorization-ambiguous");
    // Each header alone would have been accepted: the refusal is for the pair.
    raw.send(
        format!(
            "GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\r\n",
            yot.token()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(
        raw.response(Duration::from_secs(3)).await.unwrap().status,
        200
    );
    app.stop().await;
}

async fn a_used_token_is_refused_again_after_the_replay_purge_has_run(backend: Backend) {
    let (app, yot) = setup(backend).await;
    // Expires in one second; the gateway's leeway (5 s) still accepts it a while after.
    let mut request = yot.token_request();
    request.lifetime_secs = 1;
    let token = yot.sign(&request.claims());
    let mut conn = app.connect(&yot).await;
    assert_eq!(
        conn.get("/v1/whoami", Some(&token)).await.unwrap().status,
        200
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(now() > request.issued_at + 1, "past exp, inside the leeway");
    app.server.purge_token_uses().await.unwrap();
    expect_401(&app, &yot, Some(&token), "token-replayed").await;
    app.stop().await;
}
