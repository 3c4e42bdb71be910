//! Revoking a partner takes effect without a restart, and does not disturb anyone else.

use std::time::Duration;

use gateway_edge::CrlExpiry;
use gateway_store::AgencyKind;
use gateway_tests::{AppOptions, Backend, on_both_backends, spawn_app, spawn_app_with};

use crate::assert_refused_by_tls;

async fn crl_reload_revokes_a_partner_while_another_live_connection_keeps_working(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    let jcp = app
        .register("jcp-maidstone", AgencyKind::JobcentrePlus)
        .await;

    let mut jcp_live = app.connect(&jcp).await;
    assert_eq!(
        jcp_live
            .get("/v1/whoami", Some(&jcp.token()))
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        app.whoami(&yot.cert, &yot.token()).await.unwrap().status,
        200
    );

    // The CA publishes a new CRL revoking the YOT's certificate; the gateway notices the
    // file change by itself (no signal, no restart).
    app.pki.revoke(&yot.cert);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let reason = loop {
        match app.whoami(&yot.cert, &yot.token()).await {
            Err(gateway_client::ClientError::Tls(reason)) => break reason,
            Ok(r) if r.status == 200 && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => {
                let _ = assert_refused_by_tls(other);
                unreachable!()
            }
        }
    };
    assert!(reason.contains("CertificateRevoked"), "{reason}");

    // JCP's connection, made before the reload, is still open and still served.
    assert!(jcp_live.is_open());
    assert_eq!(
        jcp_live
            .get("/v1/whoami", Some(&jcp.token()))
            .await
            .unwrap()
            .status,
        200
    );
    // And JCP can still make new connections.
    assert_eq!(
        app.whoami(&jcp.cert, &jcp.token()).await.unwrap().status,
        200
    );
    app.stop().await;
}

on_both_backends!(
    crl_reload_revokes_a_partner_while_another_live_connection_keeps_working,
    a_stale_crl_fails_closed_by_default,
    a_stale_crl_is_tolerated_when_configured_to_warn,
    sighup_reloads_at_once,
);

/// `crl_expiry = "reject"`: once the CRL's nextUpdate has passed, nobody from that CA gets
/// in until a fresh CRL is published (a stale CRL may be missing revocations).
async fn a_stale_crl_fails_closed_by_default(backend: Backend) {
    let app = spawn_app(backend).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    assert_eq!(
        app.whoami(&yot.cert, &yot.token()).await.unwrap().status,
        200
    );
    app.pki.publish_stale_crl();
    assert!(app.server.tls.reload(false).await.unwrap());
    let reason = assert_refused_by_tls(app.whoami(&yot.cert, &yot.token()).await);
    // rustls reports an expired revocation list (like an unknown revocation status) with
    // the UnknownCA alert.
    assert!(reason.contains("UnknownCA"), "{reason}");
    // A fresh CRL lets the partner back in, without a restart.
    app.pki.revoke(&app.pki.client_cert("someone-else"));
    assert!(app.server.tls.reload(false).await.unwrap());
    assert_eq!(
        app.whoami(&yot.cert, &yot.token()).await.unwrap().status,
        200
    );
    app.stop().await;
}

/// `crl_expiry = "warn"`: the operator chose availability; the stale CRL is still used.
async fn a_stale_crl_is_tolerated_when_configured_to_warn(backend: Backend) {
    let options = AppOptions {
        crl_expiry: CrlExpiry::Warn,
        ..AppOptions::default()
    };
    let app = spawn_app_with(backend, options).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    app.pki.publish_stale_crl();
    assert!(app.server.tls.reload(false).await.unwrap());
    assert_eq!(
        app.whoami(&yot.cert, &yot.token()).await.unwrap().status,
        200
    );
    app.stop().await;
}

/// With file polling effectively off, SIGHUP alone makes a new CRL take effect.
async fn sighup_reloads_at_once(backend: Backend) {
    let options = AppOptions {
        reload_poll: Duration::from_secs(3600),
        ..AppOptions::default()
    };
    let app = spawn_app_with(backend, options).await;
    let yot = app
        .register("kent-yot", AgencyKind::YouthOffendingTeam)
        .await;
    assert_eq!(
        app.whoami(&yot.cert, &yot.token()).await.unwrap().status,
        200
    );
    app.pki.revoke(&yot.cert);
    // With hourly polling, only a SIGHUP can make the new CRL take effect within this test.
    // (Another test in this process may send one too; that is a SIGHUP all the same.)
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match app.whoami(&yot.cert, &yot.token()).await {
            Err(gateway_client::ClientError::Tls(reason)) => {
                assert!(reason.contains("CertificateRevoked"), "{reason}");
                break;
            }
            Ok(r) if r.status == 200 && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => panic!("SIGHUP did not reload the CRL: {other:?}"),
        }
    }
    app.stop().await;
}
