//! Cross-border transfer between two real gateways: Kent (886) exports, Medway (887)
//! imports, over mutual TLS through a TCP proxy the test can cut. Each side is killed at each
//! step of the transfer and restarted on its database; in every case the end is the same:
//! exactly one received record on the importer, the exporter's record CohortStatus T with
//! TransferredToLACode 887, a signed acknowledgement that verifies, and exactly one log entry
//! for the transfer on each side, the two naming the same bytes.

use std::time::Duration;

use gateway_api::crash::{CrashMode, CrashPoint};
use gateway_api::server::ServerSettings;
use gateway_api::transfers::{PeerSettings, TransferAck, TransferSettings};
use gateway_client::Response;
use gateway_disclosure::audit::verify_store;
use gateway_disclosure::{IndexedEntry, SignedDocument, verify_document};
use gateway_domain::{CohortStatus, YoungPerson};
use gateway_store::{AgencyKind, GivenBy, LawfulBasis, NewObjection, OutboundState, PartnerId};
use gateway_tests::proxy::Proxy;
use gateway_tests::scenario::Officer;
use gateway_tests::{
    AUDIENCE, AppOptions, Backend, TestApp, TestDatabase, TestPartner, TestPki, on_both_backends,
    policy_dir, settings_for, spawn_on,
};
use http::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const ADVISER: Officer<'static> = Officer {
    id: "adviser-7",
    role: "adviser",
    purpose: "cross_border_transfer",
};

const TRANSFER_CATEGORIES: &[&str] = &[
    "identity",
    "identifiers",
    "demographics",
    "ethnic_origin",
    "activity",
    "activity_history",
    "ete_suitability",
    "registration",
    "care_status",
    "send",
    "characteristics",
    "level_of_need",
    "health",
    "pregnancy",
    "substance_misuse",
    "mental_health",
    "sexual_health",
];

struct Pair {
    exporter: TestApp,
    importer: TestApp,
    exporter_settings: ServerSettings,
    importer_settings: ServerSettings,
    proxy: Proxy,
    adviser: TestPartner,
    /// The exporter's gateway as the importer's registry knows it.
    kent_gateway: TestPartner,
    person: YoungPerson,
    _files: tempfile::TempDir,
}

fn transfer_settings(peers: Vec<PeerSettings>, crash: CrashPoint) -> TransferSettings {
    TransferSettings {
        peers,
        attempt_timeout: Duration::from_secs(2),
        first_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(800),
        poll: Duration::from_millis(100),
        lease: Duration::from_secs(2),
        crash,
    }
}

async fn pair(backend: Backend, exporter_crash: CrashPoint, importer_crash: CrashPoint) -> Pair {
    // Medway: its own PKI, database and log keys.
    let importer_pki = TestPki::new();
    let importer_db = TestDatabase::create(backend, importer_pki.dir()).await;
    let mut importer_settings = settings_for(&importer_pki, AppOptions::default(), &policy_dir());
    importer_settings.disclosure.home_la_code = "887".into();
    importer_settings.transfers = transfer_settings(vec![], importer_crash);
    let importer = spawn_on(importer_pki, importer_db, importer_settings.clone())
        .await
        .unwrap();
    importer_settings.transfers.crash = CrashPoint::default();
    let kent_gateway = importer
        .register_la("kent-gateway", AgencyKind::LocalAuthority, Some("886"))
        .await;
    importer
        .agree(
            "kent-gateway",
            "transfer",
            &["cross_border_transfer"],
            TRANSFER_CATEGORIES,
            LawfulBasis::PublicTask,
        )
        .await;
    let proxy = Proxy::start(importer.addr).await;

    // Kent's files for calling Medway: a certificate from Medway's CA, its token key, and
    // Medway's log key for the acknowledgements.
    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let peer = PeerSettings {
        partner: PartnerId::parse("medway").unwrap(),
        address: proxy.addr.to_string(),
        server_name: "localhost".into(),
        server_ca: importer.pki.path("ca.pem"),
        client_cert: write("kent-gateway.pem", &kent_gateway.cert.cert_pem),
        client_key: write("kent-gateway.key.pem", &kent_gateway.cert.key_pem),
        token_key: write(
            "kent-gateway.token.pem",
            &kent_gateway.token_key.private_pem,
        ),
        token_issuer: kent_gateway.issuer.clone(),
        token_algorithm: "ES256".into(),
        token_audience: AUDIENCE.into(),
        receipt_key: importer.pki.dir().join("log-keys/log-signing.pub.pem"),
    };

    // Kent.
    let exporter_pki = TestPki::new();
    let exporter_db = TestDatabase::create(backend, exporter_pki.dir()).await;
    let mut exporter_settings = settings_for(&exporter_pki, AppOptions::default(), &policy_dir());
    exporter_settings.transfers = transfer_settings(vec![peer.clone()], exporter_crash);
    let exporter = spawn_on(exporter_pki, exporter_db, exporter_settings.clone())
        .await
        .unwrap();
    exporter_settings.transfers = transfer_settings(vec![peer], CrashPoint::default());
    exporter
        .register_la("medway", AgencyKind::LocalAuthority, Some("887"))
        .await;
    exporter
        .agree(
            "medway",
            "transfer",
            &["cross_border_transfer"],
            TRANSFER_CATEGORIES,
            LawfulBasis::PublicTask,
        )
        .await;
    let adviser = exporter
        .register_la("kent-ccis", AgencyKind::LocalAuthority, Some("886"))
        .await;
    let people = exporter.load_cohort(41, 60).await;
    let person = people
        .iter()
        .find(|p| p.cohort_status.is_in_cohort() && p.upn.is_some())
        .unwrap()
        .clone();
    Pair {
        exporter,
        importer,
        exporter_settings,
        importer_settings,
        proxy,
        adviser,
        kent_gateway,
        person,
        _files: files,
    }
}

impl Pair {
    async fn start_transfer(&self) -> Response {
        let mut conn = self.exporter.connect(&self.adviser).await;
        conn.send(
            Method::POST,
            "/v1/transfers/outbound",
            Some(&self.adviser.token_as(ADVISER)),
            Some(&json!({
                "subject": {"identifier": {"ccis_id": self.person.ccis_id.as_str()}},
                "to": "medway",
            })),
        )
        .await
        .unwrap()
    }

    async fn status_on_exporter(&self, id: Uuid) -> Value {
        let mut conn = self.exporter.connect(&self.adviser).await;
        let response = conn
            .get(
                &format!("/v1/transfers/{id}"),
                Some(&self.adviser.token_as(ADVISER)),
            )
            .await
            .unwrap();
        assert_eq!(response.status, 200, "{:?}", response.body);
        response.json()
    }

    /// The one outbound transfer of the test's young person (found in the outbox, for a
    /// start whose answer was lost in a crash).
    async fn transfer_id(&self) -> Uuid {
        let rows = self
            .exporter
            .store
            .outbound_transfers_for(&self.person.ccis_id)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "exactly one outbound transfer");
        rows[0].id
    }

    async fn wait_acknowledged(&self, id: Uuid) {
        for _ in 0..300 {
            let transfer = self.exporter.store.outbound_transfer(id).await.unwrap();
            if transfer.is_some_and(|t| t.state == OutboundState::Acknowledged) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("transfer not acknowledged within 30 s");
    }

    async fn kill_exporter(self) -> Pair {
        let Pair {
            exporter,
            exporter_settings,
            ..
        } = self;
        let exporter = exporter.kill_and_restart(exporter_settings.clone()).await;
        Pair {
            exporter,
            exporter_settings,
            ..self
        }
    }

    async fn kill_importer(self) -> Pair {
        let Pair {
            importer,
            importer_settings,
            ..
        } = self;
        let importer = importer.kill_and_restart(importer_settings.clone()).await;
        self.proxy.retarget(importer.addr);
        Pair {
            importer,
            importer_settings,
            ..self
        }
    }

    /// Everything a data protection officer on either side would check once it is over.
    async fn assert_settled(&self, id: Uuid) {
        let exporter_store = self.exporter.store.as_ref();
        let importer_store = self.importer.store.as_ref();
        let outbound = exporter_store.outbound_transfer(id).await.unwrap().unwrap();
        assert_eq!(outbound.state, OutboundState::Acknowledged);

        // The exporter's record moved on: CohortStatus T, TransferredToLACode 887.
        let record = exporter_store
            .young_person(&self.person.ccis_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.cohort_status, CohortStatus::Transferred);
        assert_eq!(
            record.transferred_to_la.as_ref().map(|la| la.as_str()),
            Some("887")
        );

        // Exactly one record on the importer, holding exactly the bytes sent.
        let inbound = importer_store.inbound_transfer(id).await.unwrap().unwrap();
        assert_eq!(inbound.payload, outbound.payload);
        assert_eq!(inbound.payload_sha256, outbound.payload_sha256);
        assert_eq!(inbound.source.as_str(), "kent-gateway");

        // The acknowledgement verifies with only Medway's public key, and is for these bytes.
        let document: SignedDocument =
            serde_json::from_str(outbound.ack.as_deref().unwrap()).unwrap();
        let medway_key = self
            .importer
            .server
            .state()
            .log
            .verifier()
            .public_key_bytes();
        assert!(verify_document(&document, &medway_key));
        let ack: TransferAck = serde_json::from_str(&document.payload).unwrap();
        assert_eq!(ack.transfer_id, id);
        assert_eq!(ack.payload_sha256, outbound.payload_sha256);
        assert_eq!(Some(ack.log_index), inbound.log_index);

        // One log entry per side for the transfer, naming the same bytes.
        let exporter_subject = self
            .exporter
            .server
            .state()
            .log
            .pseudonym(self.person.ccis_id.as_str());
        let exporter_entries = transfer_entries(exporter_store, &exporter_subject, id).await;
        assert_eq!(exporter_entries.len(), 1, "one exporter entry");
        // The importer files it under the sender's YoungPersonsID when that was released,
        // else under the transfer (pseudonymised either way).
        let source = match record_of(&inbound.payload)["source_ccis_id"].as_str() {
            Some(id) => id.to_owned(),
            None => format!("transfer:{id}"),
        };
        let importer_subject = self.importer.server.state().log.pseudonym(&source);
        let importer_entries = transfer_entries(importer_store, &importer_subject, id).await;
        assert_eq!(importer_entries.len(), 1, "one importer entry");
        let sent = &exporter_entries[0].entry;
        let received = &importer_entries[0].entry;
        assert_eq!(
            sent.response_sha256.as_deref(),
            Some(outbound.payload_sha256.as_str())
        );
        assert_eq!(
            received.request_sha256.as_deref(),
            Some(outbound.payload_sha256.as_str())
        );
        assert_eq!(sent.released, received.released);
        assert_eq!(Some(exporter_entries[0].index), outbound.log_index);
        assert_eq!(Some(importer_entries[0].index), inbound.log_index);

        // Both logs verify end to end.
        verify_store(exporter_store, self.exporter.server.state().log.verifier())
            .await
            .unwrap();
        verify_store(importer_store, self.importer.server.state().log.verifier())
            .await
            .unwrap();

        // Both sides show it.
        let status = self.status_on_exporter(id).await;
        assert_eq!(status["state"], "acknowledged");
        assert_eq!(status["direction"], "outbound");
        let mut conn = self.importer.connect(&self.kent_gateway).await;
        let seen = conn
            .get(
                &format!("/v1/transfers/{id}"),
                Some(&self.kent_gateway.token()),
            )
            .await
            .unwrap();
        assert_eq!(seen.status, 200);
        assert_eq!(seen.json()["direction"], "inbound");
        assert_eq!(seen.json()["state"], "received");
    }

    async fn stop(self) {
        self.exporter.stop().await;
        self.importer.stop().await;
    }
}

async fn transfer_entries(
    store: &dyn gateway_store::Store,
    subject: &str,
    id: Uuid,
) -> Vec<IndexedEntry> {
    store
        .log_entries_for_subject(subject)
        .await
        .unwrap()
        .iter()
        .map(|row| IndexedEntry::from_bytes(&row.entry).unwrap())
        .filter(|e| e.entry.transfer_id.as_deref() == Some(id.to_string().as_str()))
        .collect()
}

fn record_of(payload: &str) -> Value {
    serde_json::from_str::<Value>(payload).unwrap()["record"].clone()
}

async fn transfer_arrives_once_with_a_signed_acknowledgement(backend: Backend) {
    let pair = pair(backend, CrashPoint::default(), CrashPoint::default()).await;
    let response = pair.start_transfer().await;
    assert_eq!(response.status, 202, "{:?}", response.body);
    let body = response.json();
    let id: Uuid = body["transfer_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(body["to_la"], "887");
    assert!(
        body["log_index"].is_u64(),
        "logged before the answer: {body}"
    );
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

on_both_backends!(
    transfer_arrives_once_with_a_signed_acknowledgement,
    objection_limits_the_transfer_to_name_address_and_date_of_birth,
    a_network_cut_delays_the_transfer_and_loses_nothing,
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
