//! Revoking a partner takes effect without a restart, and does not disturb anyone else.

use std::time::Duration;

use gateway_store::AgencyKind;
use gateway_tests::{Backend, on_both_backends, spawn_app};

use crate::assert_refused_by_tls;

on_both_backends!(crl_reload_revokes_a_partner_while_another_live_connection_keeps_working);

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
