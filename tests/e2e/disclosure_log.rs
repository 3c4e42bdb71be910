//! The disclosure log end to end: entries made by real exchange requests, then checked the
//! way an auditor, a requester holding a receipt, or an attacker with database access would
//! meet them.
//!
//! - Tampering: an attacker takes off the append-only triggers and changes, re-hashes,
//!   deletes, swaps or forges rows; `audit::verify_store` (and the exported file) fails and
//!   names the tampered index. An untouched log verifies, every entry covered by a head.
//! - Proofs: inclusion and consistency proofs from the API check out against roots computed
//!   here from the stored entry bytes; tree heads and receipts verify with the public key;
//!   a receipt's entry holds the SHA-256 of the exact `disclosure` bytes that were sent.
//! - A log that cannot be written: `503 log-unavailable` and nothing released.
//! - Two gateway nodes on one PostgreSQL database: one gap-free log, consistent heads.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gateway_api::server::{ServerSettings, start};
use gateway_client::{ClientIdentity, Response};
use gateway_disclosure::audit::{VerifyError, export, verify_export, verify_store};
use gateway_disclosure::{ConsistencyProof, InclusionProof, IndexedEntry, Receipt, sha256_hex};
use gateway_domain::YoungPerson;
use gateway_edge::{CrlExpiry, TlsSettings};
use gateway_store::Store;
use gateway_tests::scenario::{Partners, YOT_OFFICER};
use gateway_tests::{
    AUDIENCE, Backend, TestApp, TestDatabase, TestPki, on_both_backends, policy_dir, spawn_app,
};
use gateway_translog::{
    Hash, LogReport, SignedTreeHead, TreeHeadVerifier, leaf_hash, root_from_leaves,
    verify_consistency, verify_inclusion,
};
use http::Method;
use serde_json::{Value, json};

use crate::assert_problem;

on_both_backends!(
    an_untampered_log_verifies_and_covers_every_entry,
    a_changed_entry_is_found_at_its_index,
    a_changed_entry_with_a_recomputed_leaf_hash_is_found,
    a_deleted_entry_is_found_at_its_index,
    swapped_entries_are_found_at_the_first_of_them,
    a_forged_append_is_found_at_its_index,
    an_entry_refiled_under_another_subject_is_found_at_its_index,
    a_live_log_verifies_and_exports_while_it_grows,
    proofs_heads_and_receipts_check_out_against_independent_roots,
    a_log_that_cannot_be_written_releases_nothing,
);

pub(crate) const EET: &str = "/v1/exchanges/eet-status";

/// Requests made before tampering, and the entry tampered with.
const REQUESTS: u64 = 12;
const TAMPERED: u64 = 5;

/// A gateway with the scenario's partners and a small cohort.
pub(crate) struct Scene {
    pub(crate) app: TestApp,
    pub(crate) partners: Partners,
    pub(crate) people: Vec<YoungPerson>,
}

pub(crate) async fn scene(backend: Backend) -> Scene {
    let app = spawn_app(backend).await;
    let partners = app.scenario_partners().await;
    let people = app.load_cohort(7, 40).await;
    Scene {
        app,
        partners,
        people,
    }
}

pub(crate) fn by_ccis_id(person: &YoungPerson) -> Value {
    json!({ "subject": { "identifier": { "ccis_id": person.ccis_id.as_str() } } })
}

impl Scene {
    /// The YOT asks whether `person` is in education, employment or training.
    pub(crate) async fn ask(&self, person: &YoungPerson) -> Response {
        self.app
            .call(
                &self.partners.yot,
                YOT_OFFICER,
                Method::POST,
                EET,
                Some(&by_ccis_id(person)),
            )
            .await
    }

    /// `n` YOT requests one after another, so each is a batch of its own with its own
    /// signed tree head. Every one of them is logged.
    pub(crate) async fn ask_many(&self, n: u64) -> Vec<Response> {
        let mut responses = Vec::new();
        for i in 0..n {
            let person = &self.people[usize::try_from(i).unwrap() % self.people.len()];
            let response = self.ask(person).await;
            assert!(
                [200, 403, 404].contains(&response.status.as_u16()),
                "a logged decision, not {}: {:?}",
                response.status,
                response.body
            );
            responses.push(response);
        }
        responses
    }

    async fn get(&self, path: &str) -> Response {
        self.app
            .call(&self.partners.yot, YOT_OFFICER, Method::GET, path, None)
            .await
    }

    async fn get_ok<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.get(path).await;
        assert_eq!(response.status, 200, "{path}: {:?}", response.body);
        serde_json::from_slice(&response.body).unwrap()
    }
}

/// The log's public key, as an auditor gets it.
pub(crate) fn log_verifier(pki: &TestPki) -> TreeHeadVerifier {
    let pem = std::fs::read_to_string(pki.dir().join("log-keys/log-signing.pub.pem")).unwrap();
    TreeHeadVerifier::from_public_key_pem(&pem).unwrap()
}

/// The exact bytes of the `disclosure` member of a 200 answer, as sent: the body is
/// `{"disclosure":<bytes>,"receipt":<receipt>}`.
fn disclosure_bytes(body: &[u8]) -> &[u8] {
    let prefix = br#"{"disclosure":"#;
    let marker = br#","receipt":"#;
    assert!(
        body.starts_with(prefix),
        "{}",
        String::from_utf8_lossy(body)
    );
    let at = body
        .windows(marker.len())
        .rposition(|w| w == marker)
        .expect("the answer carries a receipt");
    &body[prefix.len()..at]
}

/// Checks a 200 answer's receipt: it verifies on its own, its leaf is the hash of the stored
/// entry at its index, and that entry holds the SHA-256 of the `disclosure` bytes sent.
async fn check_receipt(
    store: &dyn Store,
    verifier: &TreeHeadVerifier,
    response: &Response,
) -> Receipt {
    assert_eq!(response.status, 200);
    let disclosure = disclosure_bytes(&response.body);
    let body = response.json();
    assert_eq!(
        serde_json::from_slice::<Value>(disclosure).unwrap(),
        body["disclosure"],
        "the extracted bytes are the disclosure member"
    );
    let receipt: Receipt = serde_json::from_value(body["receipt"].clone()).unwrap();
    receipt.verify(verifier).unwrap();
    assert_eq!(
        receipt.proof_url,
        format!("/v1/log/entries/{}/proof", receipt.log_index)
    );
    let row = store
        .log_entries(receipt.log_index, 1)
        .await
        .unwrap()
        .pop()
        .expect("the receipt's entry is stored");
    assert_eq!(row.index, receipt.log_index);
    assert_eq!(leaf_hash(&row.entry), receipt.leaf_hash);
    assert_eq!(Hash(row.leaf_hash), receipt.leaf_hash);
    let entry = IndexedEntry::from_bytes(&row.entry).unwrap();
    assert_eq!(entry.index, receipt.log_index);
    assert_eq!(
        entry.entry.response_sha256.as_deref(),
        Some(sha256_hex(disclosure).as_str()),
        "the entry commits to the exact bytes sent"
    );
    assert_eq!(
        entry.entry.request_id.as_deref(),
        body["disclosure"]["request_id"].as_str()
    );
    assert_eq!(entry.entry.partner.as_deref(), Some("kent-yot"));
    receipt
}

/// The database as an attacker with access to it sees it: no gateway in between.
pub(crate) enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    pub(crate) async fn open(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Raw::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .unwrap(),
            )
        } else {
            Raw::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .unwrap(),
            )
        }
    }

    pub(crate) async fn exec(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        match self {
            Raw::Sqlite(pool) => Ok(sqlx::raw_sql(sql).execute(pool).await?.rows_affected()),
            Raw::Postgres(pool) => Ok(sqlx::raw_sql(sql).execute(pool).await?.rows_affected()),
        }
    }

    /// Takes off the append-only triggers (migration 0004), as an attacker would first.
    pub(crate) async fn remove_protection(&self) {
        // The protection is real until then.
        let refused = self
            .exec("UPDATE disclosure_log SET subject = 'x' WHERE idx = 0")
            .await;
        assert!(refused.is_err(), "the log table refused the change");
        let sql = match self {
            Raw::Sqlite(_) => {
                "DROP TRIGGER disclosure_log_no_update; DROP TRIGGER disclosure_log_no_delete;"
            }
            Raw::Postgres(_) => "ALTER TABLE disclosure_log DISABLE TRIGGER USER",
        };
        self.exec(sql).await.unwrap();
    }

    /// Takes off the tree heads' append-only triggers too (to delete heads).
    pub(crate) async fn remove_head_protection(&self) {
        let sql = match self {
            Raw::Sqlite(_) => {
                "DROP TRIGGER tree_heads_no_update; DROP TRIGGER tree_heads_no_delete;"
            }
            Raw::Postgres(_) => "ALTER TABLE tree_heads DISABLE TRIGGER USER",
        };
        self.exec(sql).await.unwrap();
    }

    /// Deletes every head larger than `size`; how many went.
    pub(crate) async fn delete_heads_above(&self, size: u64) -> u64 {
        const SQL: &str = "DELETE FROM tree_heads WHERE tree_size > $1";
        let size = i64::try_from(size).unwrap();
        match self {
            Raw::Sqlite(pool) => sqlx::query(SQL)
                .bind(size)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            Raw::Postgres(pool) => sqlx::query(SQL)
                .bind(size)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
        .unwrap()
    }

    pub(crate) async fn row(&self, idx: u64) -> (String, Vec<u8>) {
        const SQL: &str = "SELECT entry, leaf_hash FROM disclosure_log WHERE idx = $1";
        let idx = i64::try_from(idx).unwrap();
        match self {
            Raw::Sqlite(pool) => sqlx::query_as(SQL).bind(idx).fetch_one(pool).await,
            Raw::Postgres(pool) => sqlx::query_as(SQL).bind(idx).fetch_one(pool).await,
        }
        .unwrap()
    }

    pub(crate) async fn set_row(&self, idx: u64, entry: &str, leaf: &[u8]) {
        const SQL: &str = "UPDATE disclosure_log SET entry = $1, leaf_hash = $2 WHERE idx = $3";
        let idx = i64::try_from(idx).unwrap();
        let done = match self {
            Raw::Sqlite(pool) => sqlx::query(SQL)
                .bind(entry)
                .bind(leaf)
                .bind(idx)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            Raw::Postgres(pool) => sqlx::query(SQL)
                .bind(entry)
                .bind(leaf)
                .bind(idx)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        };
        assert_eq!(done.unwrap(), 1);
    }

    async fn set_subject(&self, idx: u64, subject: &str) {
        const SQL: &str = "UPDATE disclosure_log SET subject = $1 WHERE idx = $2";
        let idx = i64::try_from(idx).unwrap();
        let done = match self {
            Raw::Sqlite(pool) => sqlx::query(SQL)
                .bind(subject)
                .bind(idx)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            Raw::Postgres(pool) => sqlx::query(SQL)
                .bind(subject)
                .bind(idx)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        };
        assert_eq!(done.unwrap(), 1);
    }

    async fn delete_row(&self, idx: u64) {
        const SQL: &str = "DELETE FROM disclosure_log WHERE idx = $1";
        let idx = i64::try_from(idx).unwrap();
        let done = match self {
            Raw::Sqlite(pool) => sqlx::query(SQL)
                .bind(idx)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            Raw::Postgres(pool) => sqlx::query(SQL)
                .bind(idx)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        };
        assert_eq!(done.unwrap(), 1);
    }

    pub(crate) async fn insert_row(
        &self,
        idx: u64,
        entry: &str,
        leaf: &[u8],
        subject: Option<&str>,
    ) {
        const SQL: &str =
            "INSERT INTO disclosure_log (idx, entry, leaf_hash, subject) VALUES ($1, $2, $3, $4)";
        let idx = i64::try_from(idx).unwrap();
        match self {
            Raw::Sqlite(pool) => sqlx::query(SQL)
                .bind(idx)
                .bind(entry)
                .bind(leaf)
                .bind(subject)
                .execute(pool)
                .await
                .map(drop),
            Raw::Postgres(pool) => sqlx::query(SQL)
                .bind(idx)
                .bind(entry)
                .bind(leaf)
                .bind(subject)
                .execute(pool)
                .await
                .map(drop),
        }
        .unwrap();
    }

    /// Makes every INSERT into the log fail, as a full disk or a lost database would.
    async fn fail_log_inserts(&self) {
        let sql = match self {
            Raw::Sqlite(_) => {
                "CREATE TRIGGER test_log_insert_fails BEFORE INSERT ON disclosure_log \
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;"
            }
            Raw::Postgres(_) => {
                "CREATE FUNCTION test_log_insert_fails() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'disk full'; END; $$; \
                 CREATE TRIGGER test_log_insert_fails BEFORE INSERT ON disclosure_log \
                 FOR EACH ROW EXECUTE FUNCTION test_log_insert_fails();"
            }
        };
        self.exec(sql).await.unwrap();
    }

    async fn allow_log_inserts(&self) {
        let sql = match self {
            Raw::Sqlite(_) => "DROP TRIGGER test_log_insert_fails;",
            Raw::Postgres(_) => {
                "DROP TRIGGER test_log_insert_fails ON disclosure_log; \
                 DROP FUNCTION test_log_insert_fails();"
            }
        };
        self.exec(sql).await.unwrap();
    }

    pub(crate) async fn close(self) {
        match self {
            Raw::Sqlite(pool) => pool.close().await,
            Raw::Postgres(pool) => pool.close().await,
        }
    }
}

/// A gateway that logged [`REQUESTS`] YOT requests and was then stopped; its database is
/// kept for tampering.
struct Stopped {
    store: Arc<dyn Store>,
    db: TestDatabase,
    verifier: TreeHeadVerifier,
    raw: Raw,
    // Holds the SQLite file and the log keys.
    _pki: TestPki,
}

async fn logged_then_stopped(backend: Backend) -> Stopped {
    let scene = scene(backend).await;
    scene.ask_many(REQUESTS).await;
    let TestApp {
        server,
        store,
        pki,
        db,
        ..
    } = scene.app;
    server.shutdown().await.unwrap();
    let raw = Raw::open(&db.url).await;
    Stopped {
        store,
        verifier: log_verifier(&pki),
        raw,
        db,
        _pki: pki,
    }
}

impl Stopped {
    async fn verify(&self) -> Result<LogReport, VerifyError> {
        verify_store(self.store.as_ref(), &self.verifier).await
    }

    /// The same check on an exported file, with nothing but the public key.
    async fn verify_exported(&self) -> Result<LogReport, VerifyError> {
        let mut file = Vec::new();
        export(self.store.as_ref(), &mut file).await?;
        verify_export(file.as_slice(), &self.verifier)
    }

    /// Verification fails, from the database and from an export, at an index `at` accepts.
    async fn assert_fails(&self, at: impl Fn(u64) -> bool, what: &str) -> u64 {
        let err = self.verify().await.expect_err(what);
        let index = err
            .first_bad_index()
            .unwrap_or_else(|| panic!("{what}: no index named: {err}"));
        assert!(at(index), "{what}: wrong index {index}: {err}");
        let offline = self.verify_exported().await.expect_err(what);
        assert_eq!(
            offline.first_bad_index(),
            Some(index),
            "{what}: the export names the same index: {offline}"
        );
        index
    }

    async fn finish(self) {
        self.raw.close().await;
        drop(self.store);
        self.db.drop_database().await;
    }
}

async fn an_untampered_log_verifies_and_covers_every_entry(backend: Backend) {
    let log = logged_then_stopped(backend).await;
    let report = log.verify().await.unwrap();
    assert_eq!(report.entries, REQUESTS, "one entry per request");
    assert_eq!(report.uncovered_entries(), 0, "every entry is covered");
    let head = report.latest_head.as_ref().unwrap();
    assert_eq!(head.head.tree_size, REQUESTS);
    assert!(
        report.heads_checked >= usize::try_from(REQUESTS).unwrap(),
        "a head per batch: {}",
        report.heads_checked
    );
    let offline = log.verify_exported().await.unwrap();
    assert_eq!(offline.entries, report.entries);
    assert_eq!(offline.root, report.root);
    assert_eq!(offline.latest_head, report.latest_head);
    // Every entry is what the gateway wrote: its own index, a YOT decision.
    let rows = log.store.log_entries(0, 1_000).await.unwrap();
    for (i, row) in rows.iter().enumerate() {
        let entry = IndexedEntry::from_bytes(&row.entry).unwrap();
        assert_eq!(entry.index, u64::try_from(i).unwrap());
        assert_eq!(entry.entry.exchange.as_deref(), Some("eet-status"));
        assert_eq!(entry.entry.partner.as_deref(), Some("kent-yot"));
    }
    log.finish().await;
}

async fn a_changed_entry_is_found_at_its_index(backend: Backend) {
    let log = logged_then_stopped(backend).await;
    log.raw.remove_protection().await;
    let (entry, leaf) = log.raw.row(TAMPERED).await;
    assert!(entry.contains("kent-yot"), "{entry}");
    let changed = entry.replace("kent-yot", "kent-xxx");
    serde_json::from_str::<Value>(&changed).unwrap();
    log.raw.set_row(TAMPERED, &changed, &leaf).await;
    log.assert_fails(|i| i == TAMPERED, "a changed entry").await;
    log.finish().await;
}

async fn a_changed_entry_with_a_recomputed_leaf_hash_is_found(backend: Backend) {
    let log = logged_then_stopped(backend).await;
    log.raw.remove_protection().await;
    let (entry, _) = log.raw.row(TAMPERED).await;
    let changed = entry.replace("kent-yot", "kent-xxx");
    log.raw
        .set_row(TAMPERED, &changed, leaf_hash(changed.as_bytes()).as_bytes())
        .await;
    log.assert_fails(|i| i <= TAMPERED, "a changed and re-hashed entry")
        .await;
    log.finish().await;
}

async fn a_deleted_entry_is_found_at_its_index(backend: Backend) {
    let log = logged_then_stopped(backend).await;
    log.raw.remove_protection().await;
    log.raw.delete_row(TAMPERED).await;
    log.assert_fails(|i| i == TAMPERED, "a deleted entry").await;
    log.finish().await;
}

async fn swapped_entries_are_found_at_the_first_of_them(backend: Backend) {
    let log = logged_then_stopped(backend).await;
    log.raw.remove_protection().await;
    let (first, first_leaf) = log.raw.row(TAMPERED).await;
    let (second, second_leaf) = log.raw.row(TAMPERED + 1).await;
    log.raw.set_row(TAMPERED, &second, &second_leaf).await;
    log.raw.set_row(TAMPERED + 1, &first, &first_leaf).await;
    log.assert_fails(|i| i == TAMPERED, "swapped entries").await;
    log.finish().await;
}

async fn a_forged_append_is_found_at_its_index(backend: Backend) {
    let log = logged_then_stopped(backend).await;
    // Appending needs no trigger removed: the forger writes a well-formed entry naming the
    // next index, with its correct leaf hash, but cannot sign a head for it.
    let (last, _) = log.raw.row(REQUESTS - 1).await;
    let mut forged = IndexedEntry::from_bytes(last.as_bytes()).unwrap();
    forged.index = REQUESTS;
    forged.entry.officer = Some("someone-else".into());
    let bytes = forged.to_bytes().unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    log.raw
        .insert_row(
            REQUESTS,
            &text,
            leaf_hash(&bytes).as_bytes(),
            forged.entry.subject.as_deref(),
        )
        .await;
    log.assert_fails(|i| i == REQUESTS, "a forged append").await;
    log.finish().await;
}

async fn proofs_heads_and_receipts_check_out_against_independent_roots(backend: Backend) {
    const N: u64 = 13;
    let scene = scene(backend).await;
    let responses = scene.ask_many(N).await;
    let verifier = log_verifier(&scene.app.pki);
    let store = scene.app.store.clone();

    // The leaves, computed here from the stored bytes.
    let rows = store.log_entries(0, 1_000).await.unwrap();
    assert_eq!(rows.len(), usize::try_from(N).unwrap());
    let leaves: Vec<Hash> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            assert_eq!(row.index, u64::try_from(i).unwrap());
            let leaf = leaf_hash(&row.entry);
            assert_eq!(Hash(row.leaf_hash), leaf);
            leaf
        })
        .collect();
    let root = |size: u64| root_from_leaves(&leaves[..usize::try_from(size).unwrap()]);

    // Every answer's receipt.
    let mut answered = 0;
    for response in responses.iter().filter(|r| r.status == 200) {
        let receipt = check_receipt(store.as_ref(), &verifier, response).await;
        assert_eq!(
            receipt.signed_tree_head.head.root_hash,
            root(receipt.signed_tree_head.head.tree_size)
        );
        answered += 1;
    }
    assert!(answered >= 10, "most requests answered: {answered}");

    // The latest signed head.
    let head: SignedTreeHead = scene.get_ok("/v1/log/tree-head").await;
    verifier.verify(&head).unwrap();
    assert_eq!(head.head.tree_size, N);
    assert_eq!(head.head.root_hash, root(N));
    let mut forged = head.clone();
    forged.head.tree_size -= 1;
    assert!(verifier.verify(&forged).is_err(), "a changed head fails");

    // Inclusion proofs, for several sizes, against the roots computed here.
    for size in [1u64, 2, 3, 4, 5, 7, 8, 9, 12, 13] {
        let mut indexes = vec![0, size / 2, size - 1];
        indexes.dedup();
        for index in indexes {
            let proof: InclusionProof = scene
                .get_ok(&format!("/v1/log/entries/{index}/proof?tree_size={size}"))
                .await;
            assert_eq!(proof.log_index, index);
            assert_eq!(proof.tree_size, size);
            let leaf = leaves[usize::try_from(index).unwrap()];
            assert_eq!(proof.leaf_hash, leaf);
            verify_inclusion(&leaf, index, size, &proof.audit_path, &root(size))
                .unwrap_or_else(|e| panic!("inclusion of {index} in {size}: {e}"));
            if size > 1 {
                let other = leaves[usize::try_from((index + 1) % size).unwrap()];
                assert!(
                    verify_inclusion(&other, index, size, &proof.audit_path, &root(size)).is_err(),
                    "the proof proves only its own leaf"
                );
            }
        }
    }
    // Without a size: the latest signed head's.
    let proof: InclusionProof = scene.get_ok("/v1/log/entries/3/proof").await;
    assert_eq!(proof.tree_size, N);
    verify_inclusion(&leaves[3], 3, N, &proof.audit_path, &head.head.root_hash).unwrap();
    for beyond in [
        format!("/v1/log/entries/{N}/proof?tree_size={N}"),
        format!("/v1/log/entries/2/proof?tree_size={}", N + 1),
    ] {
        assert_problem(&scene.get(&beyond).await, 422, "invalid-proof-request");
    }

    // Consistency proofs between sizes, against the roots computed here.
    for (from, to) in [
        (1u64, 13u64),
        (1, 2),
        (2, 3),
        (3, 9),
        (4, 8),
        (5, 13),
        (7, 12),
        (13, 13),
    ] {
        let proof: ConsistencyProof = scene
            .get_ok(&format!("/v1/log/consistency?from={from}&to={to}"))
            .await;
        assert_eq!((proof.from, proof.to), (from, to));
        verify_consistency(from, to, &root(from), &root(to), &proof.proof)
            .unwrap_or_else(|e| panic!("consistency {from}..{to}: {e}"));
        if from < to {
            assert!(
                verify_consistency(from, to, &root(from), &root(to - 1), &proof.proof).is_err(),
                "the proof does not fit another root"
            );
        }
    }
    assert_problem(
        &scene
            .get(&format!("/v1/log/consistency?from=5&to={}", N + 1))
            .await,
        422,
        "invalid-proof-request",
    );
    scene.app.stop().await;
}

async fn a_log_that_cannot_be_written_releases_nothing(backend: Backend) {
    let scene = scene(backend).await;
    let store = scene.app.store.clone();
    let verifier = log_verifier(&scene.app.pki);
    let person = &scene.people[0];
    let first = scene.ask(person).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    check_receipt(store.as_ref(), &verifier, &first).await;
    let answer = first.json()["disclosure"]["answer"].clone();
    assert!(
        !answer.as_object().unwrap().is_empty(),
        "the answer holds data: {answer}"
    );

    let raw = Raw::open(&scene.app.db.url).await;
    raw.fail_log_inserts().await;
    let size = store.log_size().await.unwrap();
    let head = store.latest_tree_head().await.unwrap();

    let refused = scene.ask(person).await;
    assert_problem(&refused, 503, "log-unavailable");
    let body = refused.json();
    let members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for member in &members {
        assert!(
            ["type", "title", "status", "code", "detail", "instance"].contains(member),
            "only problem members: {body}"
        );
    }
    let text = String::from_utf8_lossy(&refused.body);
    for field in [
        "disclosure",
        "answer",
        "receipt",
        "released",
        "withheld",
        "activity_code",
        "activity_group",
        "date_verified",
        "currency",
    ] {
        assert!(!text.contains(&format!("\"{field}\"")), "{field} in {text}");
    }
    for field in answer.as_object().unwrap().keys() {
        assert!(!text.contains(&format!("\"{field}\"")), "{field} in {text}");
    }
    for value in answer.as_object().unwrap().values() {
        if let Some(value) = value.as_str() {
            assert!(
                !text.contains(&format!("\"{value}\"")),
                "an answer value in {text}"
            );
        }
    }
    // A decision that would have been a refusal is not logged either, so it cannot be given.
    let stranger = scene
        .app
        .call(
            &scene.partners.stranger,
            YOT_OFFICER,
            Method::POST,
            EET,
            Some(&by_ccis_id(person)),
        )
        .await;
    assert_problem(&stranger, 503, "log-unavailable");
    assert_eq!(store.log_size().await.unwrap(), size, "nothing was logged");
    assert_eq!(
        store.latest_tree_head().await.unwrap(),
        head,
        "no head signed"
    );

    raw.allow_log_inserts().await;
    let again = scene.ask(person).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    let receipt = check_receipt(store.as_ref(), &verifier, &again).await;
    assert_eq!(receipt.log_index, size, "the next index, no gap");
    let report = verify_store(store.as_ref(), &verifier).await.unwrap();
    assert_eq!(report.entries, size + 1);
    assert_eq!(report.uncovered_entries(), 0);
    raw.close().await;
    scene.app.stop().await;
}

/// The settings of a second gateway node beside `pki`'s: same TLS files, same log keys.
fn node_settings(pki: &TestPki) -> ServerSettings {
    ServerSettings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: TlsSettings {
            server_cert: pki.path("server.pem"),
            server_key: pki.path("server.key.pem"),
            client_ca_bundle: pki.path("ca.pem"),
            crls: vec![pki.path("crl.pem")],
            crl_expiry: CrlExpiry::Reject,
            first_byte_timeout: TlsSettings::DEFAULT_FIRST_BYTE_TIMEOUT,
            handshake_timeout: Duration::from_secs(10),
            max_concurrent_handshakes: 256,
            max_handshakes_per_source: TlsSettings::DEFAULT_MAX_HANDSHAKES_PER_SOURCE,
        },
        http: gateway_edge::HttpLimits::default(),
        tokens: gateway_auth::TokenPolicy {
            audience: AUDIENCE.into(),
            leeway_secs: 5,
            max_lifetime_secs: 3600,
        },
        reload_poll: Duration::from_millis(100),
        policy_dir: Some(policy_dir()),
        keys_dir: pki.dir().join("log-keys"),
        disclosure: gateway_api::DisclosureSettings::default(),
        log: gateway_disclosure::LogSettings::default(),
        transfers: gateway_api::transfers::TransferSettings::default(),
        upstream: gateway_api::upstream::UpstreamSettings::default(),
    }
}

async fn post(identity: ClientIdentity, addr: SocketAddr, token: String, body: Value) -> Response {
    let mut connection = identity.connect(addr, "localhost").await.unwrap();
    connection
        .send(Method::POST, EET, Some(&token), Some(&body))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_database_keep_one_log() {
    const PER_NODE: usize = 50;
    let scene = scene(Backend::Postgres).await;
    let verifier = log_verifier(&scene.app.pki);
    let second_store = gateway_store::connect(&scene.app.db.url).await.unwrap();
    let second = start(node_settings(&scene.app.pki), second_store)
        .await
        .unwrap();
    let nodes = [scene.app.addr, second.local_addr];
    let identity = scene.app.pki.identity(Some(&scene.partners.yot.cert));

    let mut requests = tokio::task::JoinSet::new();
    for i in 0..2 * PER_NODE {
        requests.spawn(post(
            identity.clone(),
            nodes[i % 2],
            scene.partners.yot.token_as(YOT_OFFICER),
            by_ccis_id(&scene.people[i % scene.people.len()]),
        ));
    }
    let mut responses = Vec::new();
    while let Some(response) = requests.join_next().await {
        responses.push(response.unwrap());
    }

    let store = scene.app.store.clone();
    let mut indexes = Vec::new();
    for response in &responses {
        assert!(
            [200, 403, 404].contains(&response.status.as_u16()),
            "a logged decision, not {}: {:?}",
            response.status,
            response.body
        );
        if response.status == 200 {
            indexes.push(
                check_receipt(store.as_ref(), &verifier, response)
                    .await
                    .log_index,
            );
        }
    }
    assert!(
        indexes.len() >= PER_NODE,
        "most answered: {}",
        indexes.len()
    );
    indexes.sort_unstable();
    indexes.dedup();
    assert_eq!(
        indexes.len(),
        responses.iter().filter(|r| r.status == 200).count(),
        "no two answers share an index"
    );

    let report = verify_store(store.as_ref(), &verifier).await.unwrap();
    let total = u64::try_from(2 * PER_NODE).unwrap();
    assert_eq!(report.entries, total, "every request logged once");
    assert_eq!(report.uncovered_entries(), 0);
    let rows = store.log_entries(0, 10_000).await.unwrap();
    let stored: Vec<u64> = rows.iter().map(|r| r.index).collect();
    assert_eq!(stored, (0..total).collect::<Vec<_>>(), "gap-free from 0");
    for row in &rows {
        assert_eq!(
            IndexedEntry::from_bytes(&row.entry).unwrap().index,
            row.index
        );
    }

    // Node one's head, then more entries through node two, then node two's head.
    let get_head = |addr: SocketAddr| {
        let identity = identity.clone();
        let token = scene.partners.yot.token_as(YOT_OFFICER);
        async move {
            let mut connection = identity.connect(addr, "localhost").await.unwrap();
            let response = connection
                .get("/v1/log/tree-head", Some(&token))
                .await
                .unwrap();
            assert_eq!(response.status, 200, "{:?}", response.body);
            serde_json::from_slice::<SignedTreeHead>(&response.body).unwrap()
        }
    };
    let first_head = get_head(nodes[0]).await;
    for person in scene.people.iter().take(3) {
        let response = post(
            identity.clone(),
            nodes[1],
            scene.partners.yot.token_as(YOT_OFFICER),
            by_ccis_id(person),
        )
        .await;
        assert_eq!(response.status, 200, "{:?}", response.body);
    }
    let second_head = get_head(nodes[1]).await;
    verifier.verify(&first_head).unwrap();
    verifier.verify(&second_head).unwrap();
    assert!(first_head.head.tree_size >= total);
    assert_eq!(second_head.head.tree_size, total + 3);

    // Node one proves node two's head extends its own (it reads node two's entries to do so).
    let (from, to) = (first_head.head.tree_size, second_head.head.tree_size);
    let mut connection = identity.connect(nodes[0], "localhost").await.unwrap();
    let response = connection
        .get(
            &format!("/v1/log/consistency?from={from}&to={to}"),
            Some(&scene.partners.yot.token_as(YOT_OFFICER)),
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{:?}", response.body);
    let proof: ConsistencyProof = serde_json::from_slice(&response.body).unwrap();
    verify_consistency(
        from,
        to,
        &first_head.head.root_hash,
        &second_head.head.root_hash,
        &proof.proof,
    )
    .unwrap();
    // And proves node two's last entry against node two's head.
    let last = to - 1;
    let response = connection
        .get(
            &format!("/v1/log/entries/{last}/proof?tree_size={to}"),
            Some(&scene.partners.yot.token_as(YOT_OFFICER)),
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{:?}", response.body);
    let inclusion: InclusionProof = serde_json::from_slice(&response.body).unwrap();
    let stored_last = store.log_entries(last, 1).await.unwrap().pop().unwrap();
    assert_eq!(inclusion.leaf_hash, leaf_hash(&stored_last.entry));
    verify_inclusion(
        &inclusion.leaf_hash,
        last,
        to,
        &inclusion.audit_path,
        &second_head.head.root_hash,
    )
    .unwrap();
    drop(connection);

    let report = verify_store(store.as_ref(), &verifier).await.unwrap();
    assert_eq!(report.entries, to);
    second.shutdown().await.unwrap();
    scene.app.stop().await;
}

/// The subject column (what "who saw my record" looks up) is outside the hash: moving an
/// entry to another subject would hide it from, or plant it in, a subject access report.
async fn an_entry_refiled_under_another_subject_is_found_at_its_index(backend: Backend) {
    let log = logged_then_stopped(backend).await;
    log.raw.remove_protection().await;
    log.raw
        .set_subject(TAMPERED, &format!("ps1:{}", "0".repeat(64)))
        .await;
    let err = log.verify().await.expect_err("a refiled entry");
    assert!(
        matches!(err, VerifyError::SubjectMismatch { index } if index == TAMPERED),
        "{err}"
    );
    log.finish().await;
}

/// Auditing a running gateway: entries and their heads are committed between the audit's
/// reads, which must not look like forgery, from the database or from an export.
async fn a_live_log_verifies_and_exports_while_it_grows(backend: Backend) {
    let scene = scene(backend).await;
    scene.ask_many(2).await;
    let verifier = log_verifier(&scene.app.pki);
    let store = scene.app.store.clone();
    let audits = async {
        let mut checked = 0;
        for _ in 0..25 {
            let report = verify_store(store.as_ref(), &verifier)
                .await
                .expect("a live log verifies");
            assert_eq!(report.uncovered_entries(), 0);
            let mut file = Vec::new();
            export(store.as_ref(), &mut file).await.unwrap();
            verify_export(file.as_slice(), &verifier).expect("a live export verifies");
            checked += 1;
        }
        checked
    };
    let load = async {
        let (a, b) = tokio::join!(scene.ask_many(20), scene.ask_many(20));
        a.len() + b.len()
    };
    let (checked, asked) = tokio::join!(audits, load);
    assert_eq!((checked, asked), (25, 40));
    let report = verify_store(store.as_ref(), &verifier).await.unwrap();
    assert_eq!(report.entries, 42);
    drop(store);
    scene.app.stop().await;
}
