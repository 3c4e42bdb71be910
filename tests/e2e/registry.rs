//! A valid certificate is not enough: the partner must be registered and active. And a slow
//! client must not hold up anyone else.

use std::time::Duration;

use gateway_store::{AgencyKind, PartnerId, PartnerStatus};
use gateway_tests::{AppOptions, Backend, on_both_backends, spawn_app, spawn_app_with};
use tokio::io::AsyncReadExt;

use crate::assert_problem;

on_both_backends!(
    unknown_partner_gets_403,
    suspended_partner_gets_403_until_activated,
    unpinned_certificate_of_a_pinned_partner_gets_403,
    silent_clients_do_not_stall_others,
);

async fn unknown_partner_gets_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let stranger = app.issue_partner("not-registered");
    let response = app.whoami(&stranger.cert, &stranger.token()).await.unwrap();
    assert_problem(&response, 403, "partner-not-authorised");
    app.stop().await;
}

async fn suspended_partner_gets_403_until_activated(backend: Backend) {
    let app = spawn_app(backend).await;
    let jcp = app
        .register("jcp-maidstone", AgencyKind::JobcentrePlus)
        .await;
    let id = PartnerId::parse("jcp-maidstone").unwrap();
    let mut conn = app.connect(&jcp).await;
    assert_eq!(
        conn.get("/v1/whoami", Some(&jcp.token()))
            .await
            .unwrap()
            .status,
        200
    );

    assert!(
        app.store
            .set_partner_status(&id, PartnerStatus::Suspended)
            .await
            .unwrap()
    );
    // On the same live connection: suspension takes effect at the next request.
    let refused = conn.get("/v1/whoami", Some(&jcp.token())).await.unwrap();
    assert_problem(&refused, 403, "partner-not-authorised");
    // Unknown and suspended look the same from outside.
    let stranger = app.issue_partner("not-registered");
    let unknown = app.whoami(&stranger.cert, &stranger.token()).await.unwrap();
    assert_eq!(refused.json()["title"], unknown.json()["title"]);

    assert!(
        app.store
            .set_partner_status(&id, PartnerStatus::Active)
            .await
            .unwrap()
    );
    assert_eq!(
        conn.get("/v1/whoami", Some(&jcp.token()))
            .await
            .unwrap()
            .status,
        200
    );
    app.stop().await;
}

async fn unpinned_certificate_of_a_pinned_partner_gets_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let pinned = app.issue_partner("medway-la");
    app.store
        .add_partner(&gateway_store::NewPartner {
            id: PartnerId::parse("medway-la").unwrap(),
            display_name: "Medway".into(),
            agency_kind: AgencyKind::LocalAuthority,
            la_code: Some("887".into()),
            cert_san_uri: Some(gateway_tests::TestPki::san_uri("medway-la")),
            cert_subject: None,
            cert_fingerprints: vec![hex(&pinned.cert.thumbprint())],
            token_issuer: pinned.issuer.clone(),
            token_algorithm: gateway_store::TokenAlgorithm::Es256,
            token_keys: pinned.token_key.public_pem.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        app.whoami(&pinned.cert, &pinned.token())
            .await
            .unwrap()
            .status,
        200
    );
    // Another certificate with the same identity, from the same trusted CA, not pinned.
    let other = app.pki.client_cert("medway-la");
    let mut request = pinned.token_request();
    request.cert_thumbprint = other.thumbprint();
    let response = app
        .whoami(&other, &pinned.sign(&request.claims()))
        .await
        .unwrap();
    assert_problem(&response, 403, "partner-not-authorised");
    app.stop().await;
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn silent_clients_do_not_stall_others(backend: Backend) {
    let timeout = Duration::from_secs(3);
    let app = spawn_app_with(
        backend,
        AppOptions {
            handshake_timeout: timeout,
            ..AppOptions::default()
        },
    )
    .await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    // Twenty clients connect and never say a word.
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(tokio::net::TcpStream::connect(app.addr).await.unwrap());
    }
    // A real partner is served while they are all still pending: if handshakes were done
    // one at a time in the accept loop, this would wait 20 × 3 s.
    let served = tokio::time::timeout(timeout, app.whoami(&yot.cert, &yot.token())).await;
    assert_eq!(
        served
            .expect("served while silent clients wait")
            .unwrap()
            .status,
        200
    );
    // And each silent client is cut off once its handshake times out.
    for mut stream in silent {
        let mut buf = [0u8; 1];
        let closed = tokio::time::timeout(timeout * 3, stream.read(&mut buf)).await;
        assert!(
            matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
            "silent connection closed by the gateway"
        );
    }
    app.stop().await;
}
