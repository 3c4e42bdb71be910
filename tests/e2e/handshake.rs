//! Only a valid, unrevoked client certificate from the partner CA gets past the handshake.

use gateway_pki::ClientCertSpec;
use gateway_store::AgencyKind;
use gateway_tests::{Backend, on_both_backends, spawn_app};
use time::{Duration, OffsetDateTime};

use crate::assert_refused_by_tls;

on_both_backends!(
    valid_partner_gets_200,
    no_client_certificate_is_refused,
    certificate_from_another_ca_is_refused,
    expired_certificate_is_refused,
    revoked_certificate_is_refused,
    revoked_certificate_is_refused_on_a_connection_opened_before_the_revocation,
    certificate_without_client_auth_usage_is_refused,
    health_and_readiness_answer,
);

async fn valid_partner_gets_200(backend: Backend) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    let response = app.whoami(&yot.cert, &yot.token()).await.unwrap();
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["partner"], "kent-yot");
    assert_eq!(body["agency_kind"], "youth_offending_team");
    assert_eq!(body["officer"], "officer-of-kent-yot");
    assert_eq!(body["role"], "case_worker");
    assert_eq!(body["purpose"], "ete-support");
    assert!(response.headers.contains_key("x-request-id"));
    app.stop().await;
}

async fn no_client_certificate_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    let anonymous = app.pki.identity(None);
    let outcome = match app.connect_as(&anonymous).await {
        Ok(mut conn) => conn.get("/v1/whoami", Some(&yot.token())).await,
        Err(err) => Err(err),
    };
    let reason = assert_refused_by_tls(outcome);
    assert!(reason.contains("CertificateRequired"), "{reason}");
    app.stop().await;
}

async fn certificate_from_another_ca_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    // Same SAN URI as the registered partner, but issued by a CA the gateway does not trust.
    let forged = app
        .pki
        .other_ca
        .issue_client(&gateway_tests::TestPki::client_spec("kent-yot"))
        .unwrap();
    let reason = assert_refused_by_tls(app.whoami(&forged, &yot.token()).await);
    assert!(reason.contains("UnknownCA"), "{reason}");
    app.stop().await;
}

async fn expired_certificate_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    let mut spec = gateway_tests::TestPki::client_spec("kent-yot");
    spec.not_before = OffsetDateTime::now_utc() - Duration::days(30);
    spec.not_after = OffsetDateTime::now_utc() - Duration::days(1);
    let expired = app.pki.ca.issue_client(&spec).unwrap();
    let reason = assert_refused_by_tls(app.whoami(&expired, &yot.token()).await);
    assert!(reason.contains("CertificateExpired"), "{reason}");
    app.stop().await;
}

async fn revoked_certificate_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    assert_eq!(
        app.whoami(&yot.cert, &yot.token()).await.unwrap().status,
        200
    );
    app.pki.revoke(&yot.cert);
    assert!(
        app.server.tls.reload(false).await.unwrap(),
        "the CRL changed"
    );
    let reason = assert_refused_by_tls(app.whoami(&yot.cert, &yot.token()).await);
    assert!(reason.contains("CertificateRevoked"), "{reason}");
    app.stop().await;
}

async fn revoked_certificate_is_refused_on_a_connection_opened_before_the_revocation(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    let jcp = app
        .register("jcp-maidstone", AgencyKind::JobcentrePlus)
        .await;
    let mut revoked_live = app.connect(&yot).await;
    let mut other_live = app.connect(&jcp).await;
    for (conn, partner) in [(&mut revoked_live, &yot), (&mut other_live, &jcp)] {
        let before = conn
            .get("/v1/whoami", Some(&partner.token()))
            .await
            .unwrap();
        assert_eq!(before.status, 200);
    }

    app.pki.revoke(&yot.cert);
    assert!(
        app.server.tls.reload(false).await.unwrap(),
        "the CRL changed"
    );

    // The same keep-alive connection, opened and used before the CRL changed.
    assert!(revoked_live.is_open());
    let after = revoked_live
        .get("/v1/whoami", Some(&yot.token()))
        .await
        .unwrap();
    crate::assert_problem(&after, 403, "certificate-not-accepted");
    assert_eq!(
        after
            .headers
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close")
    );
    // Nor does anything else get through on it, not even an unauthenticated probe.
    assert!(revoked_live.get("/healthz", None).await.is_err());
    // The other partner's live connection is untouched.
    let other = other_live
        .get("/v1/whoami", Some(&jcp.token()))
        .await
        .unwrap();
    assert_eq!(other.status, 200);
    app.stop().await;
}

async fn certificate_without_client_auth_usage_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    let spec = ClientCertSpec {
        client_auth: false,
        ..gateway_tests::TestPki::client_spec("kent-yot")
    };
    let server_only = app.pki.ca.issue_client(&spec).unwrap();
    let mut token = yot.token_request();
    token.cert_thumbprint = server_only.thumbprint();
    let token = yot.sign(&token.claims());
    let reason = assert_refused_by_tls(app.whoami(&server_only, &token).await);
    assert!(reason.contains("UnsupportedCertificate"), "{reason}");
    app.stop().await;
}

async fn health_and_readiness_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    let mut conn = app.connect(&yot).await;
    let health = conn.get("/healthz", None).await.unwrap();
    assert_eq!(health.status, 200);
    let ready = conn.get("/readyz", None).await.unwrap();
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["checks"]["database"], "ok");
    assert_eq!(ready.json()["checks"]["log_writable"], "ok");
    let policy_hash = ready.json()["checks"]["policy"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(policy_hash.len(), 64, "the policy set hash is reported");
    let missing = conn.get("/v1/nothing-here", None).await.unwrap();
    crate::assert_problem(&missing, 404, "not-found");
    app.stop().await;
}
