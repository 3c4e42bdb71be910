//! Cross-border transfer between two real gateways: Kent (886) exports, Medway (887)
//! imports, over mutual TLS through a TCP proxy the test can cut. Each side is killed at each
//! step of the transfer and restarted on its database; in every case the end is the same:
//! exactly one received record on the importer, the exporter's record CohortStatus T with
//! TransferredToLACode 887, a signed acknowledgement that verifies, and exactly one log entry
//! for the transfer on each side, the two naming the same bytes.

use std::time::Duration;

use gateway_api::crash::{CrashMode, CrashPoint};
use gateway_domain::CohortStatus;
use gateway_store::{AgencyKind, GivenBy, NewObjection, OutboundState, PartnerId, PartnerStatus};
use gateway_tests::transfer_pair::{ADVISER, pair, record_of};
use gateway_tests::{Backend, on_both_backends};
use http::Method;
use serde_json::json;
use uuid::Uuid;

async fn transfer_arrives_once_with_a_signed_acknowledgement(backend: Backend) {
    let pair = pair(backend, CrashPoint::default(), CrashPoint::default()).await;
    let response = pair.start_transfer().await;
    assert_eq!(response.status, 202, "{:?}", response.body);
    let body = response.json();
    let id: Uuid = body["transfer_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(body["to_la"], "887");
    pair.wait_acknowledged(id).await;
    pair.assert_settled(id).await;

    // The record travelled with its identifiers, and no special category without consent.
    let inbound = pair
        .importer
        .store
        .inbound_transfer(id)
        .await
        .unwrap()
        .unwrap();
    let record = record_of(&inbound.payload);
    assert_eq!(record["upn"], pair.person.upn.as_ref().unwrap().as_str());
    assert_eq!(record["family_name"], pair.person.family_name.as_str());
    let released: Vec<String> = serde_json::from_value(body["released"].clone()).unwrap();
    for special in ["health", "pregnancy", "mental_health", "substance_misuse"] {
        assert!(!released.iter().any(|c| c == special), "{special} released");
    }

    // Medway's own adviser takes the record in; the sending authority cannot read it back.
    let medway_staff = pair
        .importer
        .register_la("medway-ccis", AgencyKind::LocalAuthority, Some("887"))
        .await;
    let path = format!("/v1/transfers/{id}/record");
    let mut conn = pair.importer.connect(&medway_staff).await;
    let received = conn
        .get(&path, Some(&medway_staff.token_as(ADVISER)))
        .await
        .unwrap();
    assert_eq!(received.status, 200, "{:?}", received.body);
    assert_eq!(received.json()["record"], record);
    assert_eq!(received.json()["from_la"], "886");
    let mut conn = pair.importer.connect(&pair.kent_gateway).await;
    let refused = conn
        .get(&path, Some(&pair.kent_gateway.token()))
        .await
        .unwrap();
    crate::assert_problem(&refused, 403, "role-not-permitted");

    // Asking again is refused: the record has gone.
    let again = pair.start_transfer().await;
    crate::assert_problem(&again, 409, "already-transferred");
    pair.stop().await;
}

async fn objection_limits_the_transfer_to_name_address_and_date_of_birth(backend: Backend) {
    let pair = pair(backend, CrashPoint::default(), CrashPoint::default()).await;
    let today = time::OffsetDateTime::now_utc().date();
    let raised_by = if pair.person.is_16_or_over_on(today) {
        GivenBy::YoungPerson
    } else {
        GivenBy::ParentCarer
    };
    pair.exporter
        .store
        .add_objection(&NewObjection {
            subject: pair.person.ccis_id.clone(),
            raised_by,
            raised_at: time::OffsetDateTime::now_utc(),
            recorded_by: "adviser-7".into(),
        })
        .await
        .unwrap();
    let response = pair.start_transfer().await;
    assert_eq!(response.status, 202, "{:?}", response.body);
    let id: Uuid = response.json()["transfer_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(response.json()["released"], json!(["identity"]));
    pair.wait_acknowledged(id).await;
    pair.assert_settled(id).await;
    let inbound = pair
        .importer
        .store
        .inbound_transfer(id)
        .await
        .unwrap()
        .unwrap();
    let record = record_of(&inbound.payload);
    for key in record.as_object().unwrap().keys() {
        assert!(
            [
                "given_name",
                "middle_name",
                "family_name",
                "date_of_birth",
                "address"
            ]
            .contains(&key.as_str()),
            "{key} crossed the border despite the objection"
        );
    }
    pair.stop().await;
}

async fn a_network_cut_delays_the_transfer_and_loses_nothing(backend: Backend) {
    let pair = pair(backend, CrashPoint::default(), CrashPoint::default()).await;
    pair.proxy.cut();
    let response = pair.start_transfer().await;
    assert_eq!(response.status, 202, "{:?}", response.body);
    let id = pair.transfer_id().await;
    // Retried with backoff while the network is down; nothing arrives, nothing changes.
    for _ in 0..100 {
        let t = pair
            .exporter
            .store
            .outbound_transfer(id)
            .await
            .unwrap()
            .unwrap();
        if t.attempts >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = pair.status_on_exporter(id).await;
    assert_eq!(status["state"], "queued");
    assert!(status["attempts"].as_u64().unwrap() >= 3, "{status}");
    assert!(status["last_error"].is_string(), "{status}");
    assert!(
        !status
            .to_string()
            .contains(pair.person.family_name.as_str()),
        "no personal data in the status"
    );
    assert!(
        pair.importer
            .store
            .inbound_transfer(id)
            .await
            .unwrap()
            .is_none()
    );
    let record = pair
        .exporter
        .store
        .young_person(&pair.person.ccis_id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(record.cohort_status, CohortStatus::Transferred);
    pair.proxy.restore();
    pair.wait_acknowledged(id).await;
    pair.assert_settled(id).await;
    pair.stop().await;
}

async fn a_transfer_the_importer_refuses_ends_refused_and_the_record_stays(backend: Backend) {
    let pair = pair(backend, CrashPoint::default(), CrashPoint::default()).await;
    // Medway has suspended Kent's gateway: every delivery gets 403, which no retry mends.
    pair.importer
        .store
        .set_partner_status(
            &PartnerId::parse("kent-gateway").unwrap(),
            PartnerStatus::Suspended,
        )
        .await
        .unwrap();
    let response = pair.start_transfer().await;
    assert_eq!(response.status, 202, "{:?}", response.body);
    let id = pair.transfer_id().await;
    let mut refused = None;
    for _ in 0..100 {
        let t = pair
            .exporter
            .store
            .outbound_transfer(id)
            .await
            .unwrap()
            .unwrap();
        if t.state != OutboundState::Queued {
            refused = Some(t);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refused = refused.expect("the transfer ended");
    assert_eq!(refused.state, OutboundState::Refused);
    assert_eq!(refused.attempts, 1, "a refusal is not retried");
    assert_eq!(
        refused.last_error.as_deref(),
        Some("importer answered 403 partner-not-authorised")
    );
    assert!(refused.ack.is_none());
    let status = pair.status_on_exporter(id).await;
    assert_eq!(status["state"], "refused");
    // The record was not marked transferred, and nothing arrived.
    let record = pair
        .exporter
        .store
        .young_person(&pair.person.ccis_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.cohort_status, pair.person.cohort_status);
    assert_eq!(record.transferred_to_la, None);
    assert!(
        pair.importer
            .store
            .inbound_transfer(id)
            .await
            .unwrap()
            .is_none()
    );
    // Staff may try again once the neighbours have sorted it out.
    pair.importer
        .store
        .set_partner_status(
            &PartnerId::parse("kent-gateway").unwrap(),
            PartnerStatus::Active,
        )
        .await
        .unwrap();
    let again = pair.start_transfer().await;
    assert_eq!(again.status, 202, "{:?}", again.body);
    let id: Uuid = again.json()["transfer_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    pair.wait_acknowledged(id).await;
    pair.stop().await;
}

async fn only_the_authoritys_advisers_send_and_only_to_a_configured_neighbour(backend: Backend) {
    let pair = pair(backend, CrashPoint::default(), CrashPoint::default()).await;
    let body = |to: &str| {
        json!({
            "subject": {"identifier": {"ccis_id": pair.person.ccis_id.as_str()}},
            "to": to,
        })
    };
    // A partner agency is not the authority's staff.
    let yot = pair
        .exporter
        .register_la("kent-yot", AgencyKind::YouthOffendingTeam, Some("886"))
        .await;
    let mut conn = pair.exporter.connect(&yot).await;
    let response = conn
        .send(
            Method::POST,
            "/v1/transfers/outbound",
            Some(&yot.token()),
            Some(&body("medway")),
        )
        .await
        .unwrap();
    crate::assert_problem(&response, 403, "role-not-permitted");
    // Not a neighbouring authority with a peer gateway: refused before any decision.
    for to in ["kent-yot", "kent-ccis", "nobody", "NOT AN ID"] {
        let mut conn = pair.exporter.connect(&pair.adviser).await;
        let response = conn
            .send(
                Method::POST,
                "/v1/transfers/outbound",
                Some(&pair.adviser.token_as(ADVISER)),
                Some(&body(to)),
            )
            .await
            .unwrap();
        crate::assert_problem(&response, 422, "unknown-destination");
    }
    assert!(
        pair.exporter
            .store
            .outbound_transfers_for(&pair.person.ccis_id)
            .await
            .unwrap()
            .is_empty(),
        "nothing was queued"
    );
    pair.stop().await;
}

on_both_backends!(
    transfer_arrives_once_with_a_signed_acknowledgement,
    objection_limits_the_transfer_to_name_address_and_date_of_birth,
    a_network_cut_delays_the_transfer_and_loses_nothing,
    a_transfer_the_importer_refuses_ends_refused_and_the_record_stays,
    only_the_authoritys_advisers_send_and_only_to_a_configured_neighbour,
);

/// Which side dies.
#[derive(Clone, Copy)]
enum Side {
    Exporter,
    Importer,
}

/// Kills `side` when it reaches `point`, restarts it, and checks the transfer still ends
/// exactly once on each side.
async fn killed_at(point: &str, side: Side) {
    let crash = CrashPoint::armed(point, CrashMode::Halt);
    let (exporter_crash, importer_crash) = match side {
        Side::Exporter => (crash.clone(), CrashPoint::default()),
        Side::Importer => (CrashPoint::default(), crash.clone()),
    };
    let pair = pair(Backend::Sqlite, exporter_crash, importer_crash).await;
    // The start itself may be what dies: its answer is not awaited.
    let start = {
        let mut conn = pair.exporter.connect(&pair.adviser).await;
        let token = pair.adviser.token_as(ADVISER);
        let body = json!({
            "subject": {"identifier": {"ccis_id": pair.person.ccis_id.as_str()}},
            "to": "medway",
        });
        tokio::spawn(async move {
            let _ = conn
                .send(
                    Method::POST,
                    "/v1/transfers/outbound",
                    Some(&token),
                    Some(&body),
                )
                .await;
        })
    };
    for _ in 0..300 {
        if crash.was_reached() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(crash.was_reached(), "crash point {point} never reached");
    let pair = match side {
        Side::Exporter => pair.kill_exporter().await,
        Side::Importer => pair.kill_importer().await,
    };
    start.abort();
    let id = pair.transfer_id().await;
    pair.wait_acknowledged(id).await;
    pair.assert_settled(id).await;
    pair.stop().await;
}

mod killed {
    use super::{Side, killed_at};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exporter_after_queueing_before_logging() {
        killed_at("exporter.after_queue", Side::Exporter).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exporter_after_logging_before_recording_the_index() {
        killed_at("exporter.after_log", Side::Exporter).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exporter_after_the_importer_answered() {
        killed_at("exporter.after_send", Side::Exporter).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exporter_before_storing_the_acknowledgement() {
        killed_at("exporter.before_complete", Side::Exporter).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn importer_after_storing_before_logging() {
        killed_at("importer.after_store", Side::Importer).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn importer_after_logging_before_recording_the_index() {
        killed_at("importer.after_log", Side::Importer).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn importer_before_answering() {
        killed_at("importer.before_ack", Side::Importer).await;
    }
}
