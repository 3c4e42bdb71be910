//! Every request needs a token from the partner's own issuer, for this gateway, in date,
//! used once, and bound to the client certificate it arrives on.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gateway_store::AgencyKind;
use gateway_tests::{Backend, TestApp, TestPartner, now, on_both_backends, spawn_app};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

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
