//! What the gateway trusts in its own database, end to end: rows written behind its back
//! are never signed over, and its keys are the ones the log was written with.
//!
//! - A second writer's batch (another node, a CLI command beside the gateway), committed with
//!   its head, is taken in by the catch-up: the gateway keeps serving, the log verifies.
//! - A forged row at the next index, inserted while the gateway runs: the next exchanges get
//!   `503 log-unavailable` (nothing released), `/readyz` fails, `audit verify` keeps naming
//!   the index, and a restart refuses to start naming it.
//! - Deleted heads, and an entry edited together with its leaf hash with the heads above it
//!   deleted: the start is refused naming the first index no head vouches for; `audit
//!   verify` fails there too.
//! - A missing, foreign or wrong signing or pseudonym key: the start is refused with one
//!   sentence, nothing is created, and the right key starts it again.
//! - A key rotation: the log records it under the old key, `audit verify` follows the chain
//!   from either key, receipts from before the rotation still verify.
//! - PostgreSQL backup and restore as the README says (pg_dump of the running gateway,
//!   pg_restore into an empty database): `audit verify` passes on the copy and a gateway
//!   with the same keys serves from it.

use std::path::PathBuf;
use std::sync::Arc;

use gateway_api::server::{RunningServer, ServerSettings, StartError, start};
use gateway_client::Response;
use gateway_disclosure::audit::{VerifyError, export, verify_export, verify_store};
use gateway_disclosure::keys::{PSEUDONYM_KEY_FILE, PUBLIC_KEY_FILE, SIGNING_KEY_FILE};
use gateway_disclosure::{
    Event, IndexedEntry, KeyFileError, LogError, PinError, Receipt, Untrusted,
};
use gateway_domain::YoungPerson;
use gateway_store::Store;
use gateway_tests::scenario::Partners;
use gateway_tests::{
    AppOptions, Backend, TestApp, TestDatabase, TestPki, on_both_backends, policy_dir, settings_for,
};
use gateway_translog::{LogReport, TreeHeadSigner, TreeHeadVerifier, leaf_hash};

use crate::assert_problem;
use crate::disclosure_log::{Raw, Scene, log_verifier, scene};

on_both_backends!(
    another_writers_signed_batch_is_caught_up,
    a_forged_row_at_the_next_index_is_never_signed_over,
    deleted_heads_stop_the_start,
    an_entry_rewritten_with_its_leaf_hash_and_heads_deleted_stops_the_start,
    missing_foreign_and_wrong_keys_refuse_to_start,
    a_rotation_is_followed_by_audit_verify_and_old_receipts_still_verify,
);

const REQUESTS: u64 = 8;
const TAMPERED: u64 = 5;

/// A deployment whose gateway is stopped: its PKI (and key folder), database and store.
struct Stopped {
    pki: TestPki,
    db: TestDatabase,
    store: Arc<dyn Store>,
    partners: Partners,
    people: Vec<YoungPerson>,
}

impl Stopped {
    async fn from(scene: Scene) -> Self {
        let Scene {
            app,
            partners,
            people,
        } = scene;
        let TestApp {
            server,
            store,
            pki,
            db,
            ..
        } = app;
        server.shutdown().await.unwrap();
        Stopped {
            pki,
            db,
            store,
            partners,
            people,
        }
    }

    fn settings(&self) -> ServerSettings {
        settings_for(&self.pki, AppOptions::default(), &policy_dir())
    }

    fn keys_dir(&self) -> PathBuf {
        self.settings().keys_dir
    }

    async fn start(&self) -> Result<RunningServer, StartError> {
        start(self.settings(), self.store.clone()).await
    }

    /// Starts it again, which must succeed.
    async fn restart(self) -> Scene {
        let server = self.start().await.unwrap();
        Scene {
            app: TestApp {
                addr: server.local_addr,
                server,
                store: self.store,
                pki: self.pki,
                db: self.db,
            },
            partners: self.partners,
            people: self.people,
        }
    }

    /// The start is refused; the refusal.
    async fn refused(&self) -> StartError {
        match self.start().await {
            Ok(server) => {
                server.abort();
                panic!("the gateway started")
            }
            Err(err) => err,
        }
    }

    async fn raw(&self) -> Raw {
        Raw::open(&self.db.url).await
    }

    async fn finish(self) {
        drop(self.store);
        self.db.drop_database().await;
    }
}

/// `audit verify` from the database and from an export with the key in `verifier`.
async fn verify(store: &dyn Store, verifier: &TreeHeadVerifier) -> Result<LogReport, VerifyError> {
    let from_store = verify_store(store, verifier).await;
    let mut file = Vec::new();
    export(store, &mut file).await.unwrap();
    let offline = verify_export(file.as_slice(), verifier);
    assert_eq!(
        from_store
            .as_ref()
            .map(|r| r.root)
            .map_err(|e| e.first_bad_index()),
        offline
            .as_ref()
            .map(|r| r.root)
            .map_err(|e| e.first_bad_index()),
        "the export says what the database says"
    );
    from_store
}

/// `audit verify` fails naming `index`.
async fn assert_verify_fails_at(store: &dyn Store, verifier: &TreeHeadVerifier, index: u64) {
    let err = verify(store, verifier)
        .await
        .expect_err("audit verify fails");
    assert_eq!(err.first_bad_index(), Some(index), "{err}");
}

/// The start was refused because the log does not verify, naming `index`.
fn assert_untrusted_at(err: &StartError, index: u64) {
    match err {
        StartError::Log(LogError::Untrusted(why)) => {
            assert_eq!(why.first_bad_index(), Some(index), "{why}");
        }
        other => panic!("refused for another reason: {other}"),
    }
    let message = err.to_string();
    assert!(
        message.contains(&format!("index {index}")),
        "the message names the index: {message}"
    );
}

/// A well-formed entry at `index`, copied from the last one with another officer, with its
/// correct leaf hash: all a forger without the signing key can make.
async fn forge_next(raw: &Raw, index: u64) {
    let (last, _) = raw.row(index - 1).await;
    let mut forged = IndexedEntry::from_bytes(last.as_bytes()).unwrap();
    forged.index = index;
    forged.entry.officer = Some("someone-else".into());
    let bytes = forged.to_bytes().unwrap();
    raw.insert_row(
        index,
        std::str::from_utf8(&bytes).unwrap(),
        leaf_hash(&bytes).as_bytes(),
        forged.entry.subject.as_deref(),
    )
    .await;
}

async fn readyz(scene: &Scene) -> Response {
    let identity = scene.app.pki.identity(Some(&scene.partners.yot.cert));
    let mut conn = identity.connect(scene.app.addr, "localhost").await.unwrap();
    conn.get("/readyz", None).await.unwrap()
}

/// What a legitimate second writer (another node, or `gateway partners suspend` beside a
/// running gateway) appends, with its head, is taken in by the gateway's catch-up.
async fn another_writers_signed_batch_is_caught_up(backend: Backend) {
    let scene = scene(backend).await;
    scene.ask_many(3).await;
    let keys = gateway_disclosure::LogKeys::load(&scene.app.pki.dir().join("log-keys")).unwrap();
    let other = gateway_disclosure::DisclosureLog::open(
        scene.app.store.clone(),
        keys.signer,
        keys.pseudonymiser,
        gateway_disclosure::LogSettings::default(),
    )
    .await
    .unwrap();
    let entry = gateway_disclosure::LogEntry::new(
        time::OffsetDateTime::now_utc(),
        Event::PartnerStatusChange,
        gateway_disclosure::Outcome::Recorded,
    );
    let receipt = other.append(entry).await.unwrap();
    assert_eq!(receipt.log_index, 3);
    let after = scene.ask_many(3).await;
    assert!(after.iter().any(|r| r.status.as_u16() == 200));
    let report = verify(scene.app.store.as_ref(), &log_verifier(&scene.app.pki))
        .await
        .unwrap();
    assert_eq!(report.entries, 7);
    scene.app.stop().await;
}

async fn a_forged_row_at_the_next_index_is_never_signed_over(backend: Backend) {
    let scene = scene(backend).await;
    scene.ask_many(REQUESTS).await;
    let verifier = log_verifier(&scene.app.pki);
    let raw = Raw::open(&scene.app.db.url).await;
    // Inserted while the gateway runs, as another node's append would appear.
    forge_next(&raw, REQUESTS).await;
    assert_verify_fails_at(scene.app.store.as_ref(), &verifier, REQUESTS).await;

    // The writer meets the row in its catch-up and stops: nothing released, then or later.
    for person in scene.people.iter().take(3) {
        let response = scene.ask(person).await;
        assert_problem(&response, 503, "log-unavailable");
        assert!(response.headers.contains_key(http::header::RETRY_AFTER));
    }
    let ready = readyz(&scene).await;
    assert_eq!(ready.status.as_u16(), 503, "{:?}", ready.body);
    assert_eq!(
        scene.app.store.log_size().await.unwrap(),
        REQUESTS + 1,
        "nothing was appended after the forged row"
    );
    assert_verify_fails_at(scene.app.store.as_ref(), &verifier, REQUESTS).await;
    raw.close().await;

    // A restart refuses, naming the index; the log still fails verification there.
    let stopped = Stopped::from(scene).await;
    let err = stopped.refused().await;
    assert_untrusted_at(&err, REQUESTS);
    assert_verify_fails_at(stopped.store.as_ref(), &verifier, REQUESTS).await;
    stopped.finish().await;
}

async fn deleted_heads_stop_the_start(backend: Backend) {
    let scene = scene(backend).await;
    scene.ask_many(REQUESTS).await;
    let verifier = log_verifier(&scene.app.pki);
    let stopped = Stopped::from(scene).await;
    let raw = stopped.raw().await;
    raw.remove_head_protection().await;
    // Every head above 3 entries: the entries after them are vouched for by nothing.
    assert!(raw.delete_heads_above(3).await >= REQUESTS - 3);
    assert_verify_fails_at(stopped.store.as_ref(), &verifier, 3).await;
    assert_untrusted_at(&stopped.refused().await, 3);
    // Every head: nothing is vouched for.
    raw.exec("DELETE FROM tree_heads").await.unwrap();
    assert_verify_fails_at(stopped.store.as_ref(), &verifier, 0).await;
    assert_untrusted_at(&stopped.refused().await, 0);
    raw.close().await;
    stopped.finish().await;
}

async fn an_entry_rewritten_with_its_leaf_hash_and_heads_deleted_stops_the_start(backend: Backend) {
    let scene = scene(backend).await;
    scene.ask_many(REQUESTS).await;
    let verifier = log_verifier(&scene.app.pki);
    let stopped = Stopped::from(scene).await;
    let raw = stopped.raw().await;
    raw.remove_protection().await;
    raw.remove_head_protection().await;
    let (entry, _) = raw.row(TAMPERED).await;
    let changed = entry.replace("kent-yot", "kent-xxx");
    assert_ne!(changed, entry);
    raw.set_row(TAMPERED, &changed, leaf_hash(changed.as_bytes()).as_bytes())
        .await;
    // The heads that would show the change go too.
    raw.delete_heads_above(TAMPERED).await;
    assert_verify_fails_at(stopped.store.as_ref(), &verifier, TAMPERED).await;
    assert_untrusted_at(&stopped.refused().await, TAMPERED);
    raw.close().await;
    stopped.finish().await;
}

/// Moves a key file away; returns a closure-free restore path.
fn move_away(dir: &std::path::Path, file: &str) -> PathBuf {
    let kept = dir.join(format!("{file}.kept"));
    std::fs::rename(dir.join(file), &kept).unwrap();
    kept
}

async fn missing_foreign_and_wrong_keys_refuse_to_start(backend: Backend) {
    let scene = scene(backend).await;
    scene.ask_many(3).await;
    let stopped = Stopped::from(scene).await;
    let dir = stopped.keys_dir();
    let entries = stopped.store.log_size().await.unwrap();

    // The signing key is missing (a secrets volume that did not mount): refused, and no key
    // is made in its place.
    let kept = move_away(&dir, SIGNING_KEY_FILE);
    let err = stopped.refused().await;
    assert!(
        matches!(&err, StartError::Keys(KeyFileError::Missing { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("gateway keys init"), "{err}");
    assert!(!dir.join(SIGNING_KEY_FILE).exists(), "no key was created");

    // Another deployment's signing key.
    let other = TreeHeadSigner::generate_pkcs8().unwrap();
    std::fs::write(
        dir.join(SIGNING_KEY_FILE),
        gateway_translog::sth::private_key_pem(&other),
    )
    .unwrap();
    let err = stopped.refused().await;
    assert!(
        matches!(
            &err,
            StartError::Log(LogError::Untrusted(Untrusted::ForeignKey { .. }))
        ),
        "{err}"
    );
    assert!(err.to_string().contains("signing key"), "{err}");
    std::fs::rename(&kept, dir.join(SIGNING_KEY_FILE)).unwrap();

    // The pseudonym key is missing.
    let kept = move_away(&dir, PSEUDONYM_KEY_FILE);
    let err = stopped.refused().await;
    assert!(
        matches!(&err, StartError::Keys(KeyFileError::Missing { .. })),
        "{err}"
    );
    assert!(!dir.join(PSEUDONYM_KEY_FILE).exists(), "no key was created");

    // A wrong pseudonym key (well-formed, but not the one the log was written with).
    std::fs::write(dir.join(PSEUDONYM_KEY_FILE), "ab".repeat(32)).unwrap();
    let err = stopped.refused().await;
    assert!(
        matches!(
            &err,
            StartError::Log(LogError::Pin(PinError::WrongPseudonymKey))
        ),
        "{err}"
    );
    assert!(err.to_string().contains("pseudonym key"), "{err}");
    // `keys init` does not paper over it either.
    assert!(
        gateway_disclosure::pinning::init(stopped.store.as_ref(), &dir)
            .await
            .is_err()
    );
    std::fs::rename(&kept, dir.join(PSEUDONYM_KEY_FILE)).unwrap();

    // Nothing was written by the refused starts, and the right keys start it again.
    assert_eq!(stopped.store.log_size().await.unwrap(), entries);
    let scene = stopped.restart().await;
    let response = scene.ask(&scene.people[0]).await;
    assert!(
        [200, 403, 404].contains(&response.status.as_u16()),
        "{:?}",
        response.body
    );
    verify(scene.app.store.as_ref(), &log_verifier(&scene.app.pki))
        .await
        .unwrap();
    scene.app.stop().await;
}

/// The receipt of the first answer that carries one.
fn first_receipt(responses: &[Response]) -> Receipt {
    let body = responses
        .iter()
        .find(|r| r.status.as_u16() == 200)
        .expect("an answer with a receipt")
        .json();
    serde_json::from_value(body["receipt"].clone()).unwrap()
}

async fn a_rotation_is_followed_by_audit_verify_and_old_receipts_still_verify(backend: Backend) {
    let scene = scene(backend).await;
    let before = scene.ask_many(REQUESTS).await;
    let old_receipt = first_receipt(&before);
    let old_key = log_verifier(&scene.app.pki);
    old_receipt.verify(&old_key).unwrap();
    let stopped = Stopped::from(scene).await;
    let dir = stopped.keys_dir();

    let rotated =
        gateway_disclosure::rotation::rotate(stopped.store.clone(), &dir, stopped.settings().log)
            .await
            .unwrap();
    assert_eq!(rotated.index, REQUESTS, "the rotation is the next entry");
    assert_eq!(rotated.previous_key_id, old_key.key_id().to_hex());
    // Logged: an entry naming both keys, in the log like any other.
    let rows = stopped.store.log_entries(rotated.index, 1).await.unwrap();
    let entry = IndexedEntry::from_bytes(&rows[0].entry).unwrap();
    assert_eq!(entry.entry.event, Event::KeyRotation);
    assert!(entry.entry.key_rotation.is_some());
    let new_key = log_verifier(&stopped.pki);
    assert_ne!(new_key, old_key, "the key folder holds the new public key");
    assert_eq!(new_key.key_id().to_hex(), rotated.next_key_id);

    // The gateway starts with the new key and signs with it.
    let scene = stopped.restart().await;
    let after = scene.ask_many(4).await;
    let new_receipt = first_receipt(&after);
    new_receipt.verify(&new_key).unwrap();
    assert!(
        new_receipt.verify(&old_key).is_err(),
        "signed by the new key"
    );

    // `audit verify` follows the chain, from the new key or from the old one.
    let report = verify(scene.app.store.as_ref(), &new_key).await.unwrap();
    assert_eq!(report.entries, REQUESTS + 1 + 4);
    assert_eq!(report.uncovered_entries(), 0);
    verify(scene.app.store.as_ref(), &old_key).await.unwrap();
    // A key that is not in the chain anchors nothing.
    let stranger = TreeHeadSigner::from_pkcs8(&TreeHeadSigner::generate_pkcs8().unwrap()).unwrap();
    assert!(
        verify_store(scene.app.store.as_ref(), &stranger.verifier())
            .await
            .is_err()
    );

    // A receipt from before the rotation still verifies, with the retired public key kept
    // in the key folder, and its entry is still in the log under the new key's head.
    let retired = std::fs::read_to_string(&rotated.retired_public_key).unwrap();
    let retired = TreeHeadVerifier::from_public_key_pem(&retired).unwrap();
    assert_eq!(retired, old_key);
    old_receipt.verify(&retired).unwrap();
    let public = std::fs::read_to_string(dir.join(PUBLIC_KEY_FILE)).unwrap();
    assert_eq!(
        TreeHeadVerifier::from_public_key_pem(&public).unwrap(),
        new_key
    );
    scene.app.stop().await;
}

fn run(command: &mut std::process::Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_dump_restores_verifies_and_serves() {
    let scene = scene(Backend::Postgres).await;
    let before = scene.ask_many(REQUESTS).await;
    let receipt = first_receipt(&before);
    let verifier = log_verifier(&scene.app.pki);
    // Taken while the gateway runs: pg_dump reads one snapshot.
    let dump = scene.app.pki.dir().join("gateway.dump");
    run(std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(&scene.app.db.url));
    let Stopped {
        pki,
        db,
        store,
        partners,
        people,
    } = Stopped::from(scene).await;
    drop(store);
    db.drop_database().await;

    let restored = TestDatabase::create(Backend::Postgres, pki.dir()).await;
    run(std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&restored.url)
        .arg(&dump));
    let store = gateway_store::connect(&restored.url).await.unwrap();
    let report = verify(store.as_ref(), &verifier).await.unwrap();
    assert_eq!(report.entries, REQUESTS);
    assert_eq!(report.uncovered_entries(), 0);
    // A receipt given before the backup is in the restored log.
    let row = store.log_entries(receipt.log_index, 1).await.unwrap();
    assert_eq!(row[0].leaf_hash, receipt.leaf_hash.0);

    // The same keys start a gateway on the copy (the pins came with it), and it serves.
    let scene = Stopped {
        pki,
        db: restored,
        store,
        partners,
        people,
    }
    .restart()
    .await;
    let after = scene.ask_many(2).await;
    first_receipt(&after).verify(&verifier).unwrap();
    verify(scene.app.store.as_ref(), &verifier).await.unwrap();
    scene.app.stop().await;
}
