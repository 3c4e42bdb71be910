//! Two gateways for transfer tests and benchmarks: Kent (886) exports, Medway (887)
//! imports, over mutual TLS through a [`Proxy`] the test can cut. Each side can be killed and
//! restarted on its database; [`Pair::assert_settled`] checks what a data protection officer
//! on either side would check once a transfer is over.

use std::time::Duration;

use gateway_api::crash::CrashPoint;
use gateway_api::server::ServerSettings;
use gateway_api::transfers::{PeerSettings, TransferAck, TransferSettings};
use gateway_client::Response;
use gateway_disclosure::audit::verify_store;
use gateway_disclosure::{IndexedEntry, SignedDocument, verify_document};
use gateway_domain::{CohortStatus, YoungPerson};
use gateway_store::{AgencyKind, LawfulBasis, OutboundState, PartnerId};
use http::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::proxy::Proxy;
use crate::scenario::Officer;
use crate::{
    AUDIENCE, AppOptions, Backend, TestApp, TestDatabase, TestPartner, TestPki, policy_dir,
    settings_for, spawn_on,
};

pub const ADVISER: Officer<'static> = Officer {
    id: "adviser-7",
    role: "adviser",
    purpose: "cross_border_transfer",
};

pub const TRANSFER_CATEGORIES: &[&str] = &[
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

pub struct Pair {
    pub exporter: TestApp,
    pub importer: TestApp,
    pub exporter_settings: ServerSettings,
    pub importer_settings: ServerSettings,
    pub proxy: Proxy,
    pub adviser: TestPartner,
    /// The exporter's gateway as the importer's registry knows it.
    pub kent_gateway: TestPartner,
    pub person: YoungPerson,
    /// The rest of the exporter's cohort.
    pub people: Vec<YoungPerson>,
    _files: tempfile::TempDir,
}

pub fn transfer_settings(peers: Vec<PeerSettings>, crash: CrashPoint) -> TransferSettings {
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

pub async fn pair(
    backend: Backend,
    exporter_crash: CrashPoint,
    importer_crash: CrashPoint,
) -> Pair {
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
    let people = exporter.load_cohort(41, 300).await;
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
        people,
        _files: files,
    }
}

impl Pair {
    pub async fn start_transfer(&self) -> Response {
        self.start_transfer_of(&self.person).await
    }

    /// Asks the exporter to send `person`'s record to Medway.
    pub async fn start_transfer_of(&self, person: &YoungPerson) -> Response {
        let mut conn = self.exporter.connect(&self.adviser).await;
        conn.send(
            Method::POST,
            "/v1/transfers/outbound",
            Some(&self.adviser.token_as(ADVISER)),
            Some(&json!({
                "subject": {"identifier": {"ccis_id": person.ccis_id.as_str()}},
                "to": "medway",
            })),
        )
        .await
        .unwrap()
    }

    pub async fn status_on_exporter(&self, id: Uuid) -> Value {
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
    pub async fn transfer_id(&self) -> Uuid {
        let rows = self
            .exporter
            .store
            .outbound_transfers_for(&self.person.ccis_id)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "exactly one outbound transfer");
        rows[0].id
    }

    pub async fn wait_acknowledged(&self, id: Uuid) {
        for _ in 0..300 {
            let transfer = self.exporter.store.outbound_transfer(id).await.unwrap();
            if transfer.is_some_and(|t| t.state == OutboundState::Acknowledged) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("transfer not acknowledged within 30 s");
    }

    pub async fn kill_exporter(self) -> Pair {
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

    pub async fn kill_importer(self) -> Pair {
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
    pub async fn assert_settled(&self, id: Uuid) {
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

    pub async fn stop(self) {
        self.exporter.stop().await;
        self.importer.stop().await;
    }
}

pub async fn transfer_entries(
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

pub fn record_of(payload: &str) -> Value {
    serde_json::from_str::<Value>(payload).unwrap()["record"].clone()
}
