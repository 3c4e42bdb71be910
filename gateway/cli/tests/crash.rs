//! The `gateway` binary killed with SIGKILL in the middle of a load, three times over: every
//! answer a partner received was logged durably first, so after each crash every receipt's
//! entry is in the database at its index with its leaf hash, `gateway audit verify` passes,
//! and after a restart the log carries on from where it stopped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gateway_auth::mint::{TokenRequest, sign};
use gateway_client::{ClientIdentity, Response};
use gateway_disclosure::{IndexedEntry, Receipt, sha256_hex};
use gateway_domain::{LaCode, YoungPerson};
use gateway_pki::dev::DevPki;
use gateway_translog::{Hash, TreeHeadVerifier, leaf_hash};
use http::Method;
use serde_json::{Value, json};

const GATEWAY: &str = env!("CARGO_BIN_EXE_gateway");
const AUDIENCE: &str = "urn:ccis-gateway:crash-test";
const SEED: u64 = 2026;
const PEOPLE: usize = 1_000;
const EET: &str = "/v1/exchanges/eet-status";
const WORKERS: usize = 8;
const ROUNDS: usize = 3;
const ANSWERS: usize = 60;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The binary, with no `GATEWAY_*` setting inherited from the environment.
fn gateway() -> Command {
    let mut command = Command::new(GATEWAY);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GATEWAY_") {
            command.env_remove(name);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A configuration for `gateway serve` on the demo's database, PKI and keys.
fn write_config(tmp: &Path, demo: &Path, policies: &Path) -> (PathBuf, DevPki) {
    let database_url = format!("sqlite://{}", demo.join("gateway.db").display());
    let certs = demo.join("certs");
    let keys = demo.join("keys");
    let config = tmp.join("gateway.toml");
    let pki = DevPki::open(&certs).unwrap();
    std::fs::write(
        &config,
        format!(
            r#"
listen = "127.0.0.1:8443"
database_url = {database_url:?}
dev_pki = {certs:?}
policy_dir = {policies:?}
keys_dir = {keys:?}

[tls]
server_cert = {server_cert:?}
server_key = {server_key:?}
client_ca_bundle = {ca:?}
crls = [{crl:?}]

[tokens]
audience = "{AUDIENCE}"

[log]
max_batch = 64
"#,
            server_cert = pki.server_cert(),
            server_key = pki.server_key(),
            ca = pki.ca_cert(),
            crl = pki.crl(),
        ),
    )
    .unwrap();
    (config, pki)
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A running `gateway serve`; killed (SIGKILL) when dropped, so a failing test leaves
/// nothing behind.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    fn start(config: &Path, addr: SocketAddr, log: PathBuf) -> Server {
        let stderr = std::fs::File::create(&log).unwrap();
        let child = gateway()
            .arg("--config")
            .arg(config)
            .args(["--log-format", "text", "serve", "--listen"])
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut server = Server { child, addr, log };
        server.wait_until_listening();
        server
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("gateway serve exited with {status}:\n{}", self.log_text());
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "gateway serve did not listen:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The YOT, as its case management system would call.
#[derive(Clone)]
struct Yot {
    identity: ClientIdentity,
    token_key: String,
    algorithm: String,
    issuer: String,
    thumbprint: [u8; 32],
}

impl Yot {
    fn load(pki: &DevPki) -> Yot {
        let partner = pki.partner("kent-yot").unwrap();
        let dir = pki.partner_dir("kent-yot");
        Yot {
            identity: ClientIdentity::from_files(
                &pki.ca_cert(),
                &dir.join("client.pem"),
                &dir.join("client.key.pem"),
            )
            .unwrap(),
            token_key: std::fs::read_to_string(dir.join("token.key.pem")).unwrap(),
            algorithm: partner.token_algorithm.clone(),
            issuer: partner.token_issuer.clone(),
            thumbprint: hex::decode(&partner.fingerprint)
                .unwrap()
                .try_into()
                .unwrap(),
        }
    }

    fn token(&self) -> String {
        let claims = TokenRequest {
            issuer: self.issuer.clone(),
            audience: AUDIENCE.into(),
            officer: "yot-officer-17".into(),
            role: "yot_officer".into(),
            purpose: "case_management".into(),
            case_reference: None,
            cert_thumbprint: self.thumbprint,
            issued_at: time::OffsetDateTime::now_utc().unix_timestamp(),
            lifetime_secs: 300,
        }
        .claims();
        sign(&claims, &self.token_key, &self.algorithm).unwrap()
    }

    async fn ask(&self, addr: SocketAddr, person: &YoungPerson) -> Result<Response, String> {
        let body = json!({ "subject": { "identifier": { "ccis_id": person.ccis_id.as_str() } } });
        let mut connection = self
            .identity
            .connect(addr, "localhost")
            .await
            .map_err(|e| e.to_string())?;
        connection
            .send(Method::POST, EET, Some(&self.token()), Some(&body))
            .await
            .map_err(|e| e.to_string())
    }
}

/// What a partner keeps from an answer: its receipt and the hash of what it was given.
struct Kept {
    receipt: Receipt,
    disclosure_sha256: String,
}

fn keep(response: &Response, verifier: &TreeHeadVerifier) -> Kept {
    let body: &[u8] = &response.body;
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
    let value: Value = serde_json::from_slice(body).unwrap();
    let receipt: Receipt = serde_json::from_value(value["receipt"].clone()).unwrap();
    receipt.verify(verifier).unwrap();
    Kept {
        receipt,
        disclosure_sha256: sha256_hex(&body[prefix.len()..at]),
    }
}

/// Every kept receipt's entry is in the database at its index, with its leaf hash, and
/// commits to the answer that was received.
async fn assert_logged(database_url: &str, kept: &[Kept]) -> u64 {
    let store = gateway_store::connect(database_url).await.unwrap();
    for k in kept {
        let index = k.receipt.log_index;
        let row = store
            .log_entries(index, 1)
            .await
            .unwrap()
            .pop()
            .filter(|row| row.index == index)
            .unwrap_or_else(|| panic!("entry {index}, receipted before the crash, is gone"));
        assert_eq!(Hash(row.leaf_hash), k.receipt.leaf_hash, "entry {index}");
        assert_eq!(leaf_hash(&row.entry), k.receipt.leaf_hash, "entry {index}");
        let entry = IndexedEntry::from_bytes(&row.entry).unwrap();
        assert_eq!(
            entry.entry.response_sha256.as_deref(),
            Some(k.disclosure_sha256.as_str()),
            "entry {index} commits to the answer received"
        );
    }
    store.log_size().await.unwrap()
}

fn audit_verify(database_url: &str, keys: &Path) -> String {
    let output = run(gateway()
        .args(["--log-format", "text", "--database-url", database_url])
        .args(["audit", "verify", "--keys-dir"])
        .arg(keys));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Several partners' systems asking at once, each keeping its receipts, until the gateway
/// has answered [`ANSWERS`] of them; then SIGKILL, with requests in flight.
async fn load_then_kill(
    server: &mut Server,
    yot: &Yot,
    people: &Arc<Vec<YoungPerson>>,
    verifier: &TreeHeadVerifier,
) -> Vec<Kept> {
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let (yot, people, stop, answered, in_flight, verifier) = (
            yot.clone(),
            people.clone(),
            stop.clone(),
            answered.clone(),
            in_flight.clone(),
            verifier.clone(),
        );
        let addr = server.addr;
        workers.spawn(async move {
            let mut kept = Vec::new();
            let mut failed = 0usize;
            let mut i = worker;
            while !stop.load(Ordering::SeqCst) {
                let person = &people[(i * 7) % people.len()];
                i += WORKERS;
                in_flight.fetch_add(1, Ordering::SeqCst);
                let outcome = yot.ask(addr, person).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                match outcome {
                    Ok(response) if response.status == 200 => {
                        kept.push(keep(&response, &verifier));
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(response) => assert!(
                        [403, 404].contains(&response.status.as_u16()),
                        "a logged decision, not {}: {:?}",
                        response.status,
                        response.body
                    ),
                    // The gateway is gone: connection refused or reset.
                    Err(_) => {
                        failed += 1;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            (kept, failed)
        });
    }

    let deadline = Instant::now() + Duration::from_secs(15);
    while answered.load(Ordering::SeqCst) < ANSWERS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let in_flight_at_kill = in_flight.load(Ordering::SeqCst);
    server.kill();
    let answered_at_kill = answered.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    let mut kept = Vec::new();
    let mut failed = 0;
    while let Some(done) = workers.join_next().await {
        let (k, f) = done.unwrap();
        kept.extend(k);
        failed += f;
    }
    assert!(
        kept.len() >= ANSWERS,
        "the load got going before the kill: {} answers",
        kept.len()
    );
    eprintln!(
        "killed with {in_flight_at_kill} requests in flight, {answered_at_kill} answered; \
         {failed} failed after the kill"
    );
    kept
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_gateway_loses_no_receipted_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let policies = repo().join("policies");

    // The demo leaves a database with a cohort, the partners and their agreements, a dev PKI
    // and the log keys.
    run(gateway()
        .arg("demo")
        .arg("--dir")
        .arg(&demo)
        .arg("--policy-dir")
        .arg(&policies)
        .args(["--seed", &SEED.to_string(), "--people", &PEOPLE.to_string()]));
    let database_url = format!("sqlite://{}", demo.join("gateway.db").display());
    let keys = demo.join("keys");
    let (config, pki) = write_config(tmp.path(), &demo, &policies);
    let verifier = TreeHeadVerifier::from_public_key_pem(
        &std::fs::read_to_string(keys.join("log-signing.pub.pem")).unwrap(),
    )
    .unwrap();
    let before_load = audit_verify(&database_url, &keys);
    assert!(before_load.contains("log verified"), "{before_load}");

    let today = time::OffsetDateTime::now_utc().date();
    let people: Arc<Vec<YoungPerson>> = Arc::new(
        gateway_domain::synthetic::cohort(SEED, PEOPLE, today, LaCode::parse("886").unwrap())
            .collect(),
    );
    let yot = Yot::load(&pki);

    // Three rounds of: start, load, SIGKILL in the middle of it, check.
    let mut kept: Vec<Kept> = Vec::new();
    let mut size = assert_logged(&database_url, &[]).await;
    for round in 1..=ROUNDS {
        let mut server = Server::start(
            &config,
            free_port(),
            tmp.path().join(format!("serve-{round}.log")),
        );
        if round > 1 {
            assert_eq!(
                assert_logged(&database_url, &kept).await,
                size,
                "the restart neither lost nor added entries"
            );
        }
        let answers = load_then_kill(&mut server, &yot, &people, &verifier).await;
        assert!(
            answers.iter().all(|k| k.receipt.log_index >= size),
            "new entries, none reused"
        );
        kept.extend(answers);
        let mut indexes: Vec<u64> = kept.iter().map(|k| k.receipt.log_index).collect();
        indexes.sort_unstable();
        indexes.dedup();
        assert_eq!(indexes.len(), kept.len(), "no two answers share an index");

        // After the crash: every receipted entry is there, and the log verifies.
        size = assert_logged(&database_url, &kept).await;
        let report = audit_verify(&database_url, &keys);
        assert!(report.contains("log verified"), "{report}");
        eprintln!(
            "round {round}: {} receipts kept, all logged; {size} entries after the crash",
            kept.len()
        );
    }
    let size_after_crash = size;
    let mut server = Server::start(&config, free_port(), tmp.path().join("serve-last.log"));
    assert_eq!(assert_logged(&database_url, &kept).await, size_after_crash);

    // It carries on from where it stopped.
    let mut after = Vec::new();
    for person in people.iter().skip(1).step_by(97).take(5) {
        let response = yot.ask(server.addr, person).await.unwrap();
        assert!(
            [200, 403, 404].contains(&response.status.as_u16()),
            "{}: {:?}",
            response.status,
            response.body
        );
        if response.status == 200 {
            after.push(keep(&response, &verifier));
        }
    }
    assert!(!after.is_empty(), "the restarted gateway answers");
    for k in &after {
        assert!(
            k.receipt.log_index >= size_after_crash,
            "a new entry, not one reused: {}",
            k.receipt.log_index
        );
    }
    let final_size = assert_logged(&database_url, &after).await;
    assert_eq!(final_size, size_after_crash + 5, "one entry per request");
    assert_logged(&database_url, &kept).await;
    let report = audit_verify(&database_url, &keys);
    assert!(report.contains("log verified"), "{report}");
    assert!(
        report.contains(&format!("log verified: {final_size} entries")),
        "{report}"
    );
    eprintln!("{}", report.lines().next().unwrap_or_default());
    server.kill();
}

/// `gateway import` into the database of a running gateway, then SIGHUP: the young people
/// the import brought are matched without a restart (and not before the signal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_makes_imported_records_matchable() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let policies = repo().join("policies");
    run(gateway()
        .arg("demo")
        .arg("--dir")
        .arg(&demo)
        .arg("--policy-dir")
        .arg(&policies)
        .args(["--seed", "11", "--people", "200"]));
    let database_url = format!("sqlite://{}", demo.join("gateway.db").display());
    let (config, pki) = write_config(tmp.path(), &demo, &policies);
    let server = Server::start(&config, free_port(), tmp.path().join("serve.log"));

    // A return from the authority's CCIS with other young people in it.
    let file = tmp.path().join("return.xml");
    run(gateway()
        .args(["synth", "nccis", "--count", "40", "--seed", "77", "--out"])
        .arg(&file));
    let reader = gateway_adapters::nccis::NccisReader::new(
        std::io::BufReader::new(std::fs::File::open(&file).unwrap()),
        gateway_adapters::Limits::default(),
    )
    .unwrap();
    let arrived: Vec<YoungPerson> = reader.filter_map(Result::ok).collect();
    let demo_people: Vec<YoungPerson> = gateway_domain::synthetic::cohort(
        11,
        200,
        time::OffsetDateTime::now_utc().date(),
        LaCode::parse("886").unwrap(),
    )
    .collect();
    let newcomer = arrived
        .iter()
        .find(|p| {
            p.upn.is_some()
                && p.age_on(time::OffsetDateTime::now_utc().date())
                    .is_some_and(|age| age >= 10)
                && !demo_people.iter().any(|d| d.upn == p.upn)
        })
        .expect("the return has someone the demo cohort does not")
        .clone();
    run(gateway()
        .arg("--database-url")
        .arg(&database_url)
        .args(["import", "nccis"])
        .arg(&file));

    let yot = Yot::load(&pki);
    let addr = server.addr;
    let ask = |yot: Yot, person: YoungPerson| async move {
        let upn = person.upn.as_ref().unwrap().as_str().to_owned();
        let body = json!({ "subject": { "identifier": { "upn": upn } } });
        let mut connection = yot.identity.connect(addr, "localhost").await.unwrap();
        connection
            .send(Method::POST, EET, Some(&yot.token()), Some(&body))
            .await
            .unwrap()
            .status
    };
    let before = ask(yot.clone(), newcomer.clone()).await;
    assert_eq!(before, 404, "not matched before the signal");

    let signalled = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = ask(yot.clone(), newcomer.clone()).await;
        if status != 404 {
            assert_eq!(status, 200, "matched and answered after SIGHUP");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still not matched 20 s after SIGHUP:\n{}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
