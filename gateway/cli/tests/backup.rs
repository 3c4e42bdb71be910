//! Backups of a running SQLite gateway, with the real binary: `gateway backup --out FILE`
//! under load gives a copy that `gateway audit verify` accepts and that a gateway serves
//! from; and a clean shutdown (SIGTERM) leaves every committed entry in the main database
//! file, so the file alone (without `-wal`) is the whole log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gateway_auth::mint::{TokenRequest, sign};
use gateway_client::{ClientIdentity, Response};
use gateway_disclosure::Receipt;
use gateway_domain::{LaCode, YoungPerson};
use gateway_pki::dev::DevPki;
use gateway_translog::{Hash, TreeHeadVerifier};
use http::Method;
use serde_json::{Value, json};

const GATEWAY: &str = env!("CARGO_BIN_EXE_gateway");
const AUDIENCE: &str = "urn:ccis-gateway:backup-test";
const SEED: u64 = 2026;
const PEOPLE: usize = 1_000;
const EET: &str = "/v1/exchanges/eet-status";

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

/// A demo database, PKI and keys under `tmp/demo`, and a `gateway serve` configuration.
struct Demo {
    dir: PathBuf,
    config: PathBuf,
    pki: DevPki,
}

impl Demo {
    fn create(tmp: &Path) -> Demo {
        let dir = tmp.join("demo");
        let policies = repo().join("policies");
        run(gateway()
            .arg("demo")
            .arg("--dir")
            .arg(&dir)
            .arg("--policy-dir")
            .arg(&policies)
            .args(["--seed", &SEED.to_string(), "--people", &PEOPLE.to_string()]));
        let certs = dir.join("certs");
        let pki = DevPki::open(&certs).unwrap();
        let config = tmp.join("gateway.toml");
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
                database_url = Demo::url_of(&dir.join("gateway.db")),
                keys = dir.join("keys"),
                server_cert = pki.server_cert(),
                server_key = pki.server_key(),
                ca = pki.ca_cert(),
                crl = pki.crl(),
            ),
        )
        .unwrap();
        Demo { dir, config, pki }
    }

    fn url_of(file: &Path) -> String {
        format!("sqlite://{}", file.display())
    }

    fn database(&self) -> PathBuf {
        self.dir.join("gateway.db")
    }

    fn keys(&self) -> PathBuf {
        self.dir.join("keys")
    }

    fn verifier(&self) -> TreeHeadVerifier {
        TreeHeadVerifier::from_public_key_pem(
            &std::fs::read_to_string(self.keys().join("log-signing.pub.pem")).unwrap(),
        )
        .unwrap()
    }

    /// `gateway audit verify` on the database file `db`: its output.
    fn audit_verify(&self, db: &Path) -> String {
        let output = run(gateway()
            .args(["--log-format", "text", "--database-url", &Demo::url_of(db)])
            .args(["audit", "verify", "--keys-dir"])
            .arg(self.keys()));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
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
    fn start(config: &Path, database: Option<&Path>, log: PathBuf) -> Server {
        let addr = free_port();
        let stderr = std::fs::File::create(&log).unwrap();
        let mut command = gateway();
        command.arg("--config").arg(config);
        if let Some(db) = database {
            command.args(["--database-url", &Demo::url_of(db)]);
        }
        let child = command
            .args(["--log-format", "text", "serve", "--listen"])
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut server = Server { child, addr, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("gateway serve exited with {status}:\n{}", server.log_text());
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "{}", server.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, as systemd or Kubernetes stop a service, and waits for a clean exit.
    fn terminate(&mut self) {
        run(Command::new("kill").args(["-TERM", &self.child.id().to_string()]));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit {status}:\n{}", self.log_text());
                return;
            }
            assert!(Instant::now() < deadline, "no exit:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
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
    people: Arc<Vec<YoungPerson>>,
}

impl Yot {
    fn load(pki: &DevPki) -> Yot {
        let partner = pki.partner("kent-yot").unwrap();
        let dir = pki.partner_dir("kent-yot");
        let today = time::OffsetDateTime::now_utc().date();
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
            people: Arc::new(
                gateway_domain::synthetic::cohort(
                    SEED,
                    PEOPLE,
                    today,
                    LaCode::parse("886").unwrap(),
                )
                .collect(),
            ),
        }
    }

    fn token(&self) -> String {
        let claims = TokenRequest {
            issuer: self.issuer.clone(),
            audience: AUDIENCE.into(),
            officer: "yot-officer-3".into(),
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

    async fn ask(&self, addr: SocketAddr, i: usize) -> Response {
        let person = &self.people[(i * 7) % self.people.len()];
        let body = json!({ "subject": { "identifier": { "ccis_id": person.ccis_id.as_str() } } });
        let mut connection = self.identity.connect(addr, "localhost").await.unwrap();
        connection
            .send(Method::POST, EET, Some(&self.token()), Some(&body))
            .await
            .unwrap()
    }

    /// A released answer's receipt, checked against the log's key.
    async fn receipt(&self, addr: SocketAddr, i: usize, verifier: &TreeHeadVerifier) -> Receipt {
        let response = self.ask(addr, i).await;
        assert_eq!(response.status, 200, "{:?}", response.body);
        let value: Value = serde_json::from_slice(&response.body).unwrap();
        let receipt: Receipt = serde_json::from_value(value["receipt"].clone()).unwrap();
        receipt.verify(verifier).unwrap();
        receipt
    }
}

/// Each receipt's entry is in the database file `db` at its index with its leaf hash.
async fn assert_holds(db: &Path, receipts: &[Receipt]) -> u64 {
    let store = gateway_store::connect(&Demo::url_of(db)).await.unwrap();
    for receipt in receipts {
        let row = store
            .log_entries(receipt.log_index, 1)
            .await
            .unwrap()
            .pop()
            .unwrap_or_else(|| panic!("entry {} is missing", receipt.log_index));
        assert_eq!(row.index, receipt.log_index);
        assert_eq!(
            Hash(row.leaf_hash),
            receipt.leaf_hash,
            "entry {}",
            row.index
        );
    }
    store.log_size().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_a_running_gateway_under_load_restores_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = Demo::create(tmp.path());
    let verifier = demo.verifier();
    let yot = Yot::load(&demo.pki);
    let mut server = Server::start(&demo.config, None, tmp.path().join("serve.log"));

    // Load from four partners' systems while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let (yot, stop, addr, verifier) =
            (yot.clone(), stop.clone(), server.addr, verifier.clone());
        load.spawn(async move {
            let mut receipts = Vec::new();
            let mut i = worker;
            while !stop.load(Ordering::SeqCst) {
                receipts.push(yot.receipt(addr, i, &verifier).await);
                i += 4;
            }
            receipts
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let backup = tmp.path().join("backup").join("gateway-backup.db");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    let output = run(gateway()
        .arg("--config")
        .arg(&demo.config)
        .args(["--log-format", "text", "backup", "--out"])
        .arg(&backup));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("backup written"), "{said}");
    // A second backup to the same file is refused rather than overwriting it.
    let again = gateway()
        .arg("--config")
        .arg(&demo.config)
        .args(["backup", "--out"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!again.status.success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    let mut receipts = Vec::new();
    while let Some(done) = load.join_next().await {
        receipts.extend(done.unwrap());
    }
    server.terminate();
    assert!(
        receipts.len() >= 8,
        "the load ran: {} answers",
        receipts.len()
    );

    // Restore: the backup file becomes a gateway's database.
    let restored = tmp.path().join("restored").join("gateway.db");
    std::fs::create_dir_all(restored.parent().unwrap()).unwrap();
    std::fs::copy(&backup, &restored).unwrap();
    let verified = demo.audit_verify(&restored);
    assert!(verified.contains("log verified"), "{verified}");

    // The copy is one moment of the log: every receipt up to its size is in it, unchanged.
    let copied: Vec<Receipt> = {
        let store = gateway_store::connect(&Demo::url_of(&restored))
            .await
            .unwrap();
        let size = store.log_size().await.unwrap();
        receipts
            .iter()
            .filter(|r| r.log_index < size)
            .cloned()
            .collect()
    };
    assert!(
        !copied.is_empty(),
        "the backup holds entries made under load"
    );
    assert!(
        copied.len() < receipts.len(),
        "the load went on after the backup"
    );
    let size = assert_holds(&restored, &copied).await;

    // A gateway serves from the restored copy and carries its log on.
    let mut from_copy = Server::start(
        &demo.config,
        Some(&restored),
        tmp.path().join("serve-restored.log"),
    );
    let next = yot.receipt(from_copy.addr, 1, &verifier).await;
    assert_eq!(
        next.log_index, size,
        "the restored log carries on at its end"
    );
    from_copy.terminate();
    let verified = demo.audit_verify(&restored);
    assert!(verified.contains("log verified"), "{verified}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_shutdown_leaves_no_committed_entry_only_in_the_wal() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = Demo::create(tmp.path());
    let verifier = demo.verifier();
    let yot = Yot::load(&demo.pki);
    let mut server = Server::start(&demo.config, None, tmp.path().join("serve.log"));
    let mut receipts = Vec::new();
    for i in 0..25 {
        receipts.push(yot.receipt(server.addr, i, &verifier).await);
    }
    server.terminate();
    assert!(
        server.log_text().contains("database checkpointed"),
        "{}",
        server.log_text()
    );

    // Only the main file is copied: no -wal, no -shm.
    let wal = PathBuf::from(format!("{}-wal", demo.database().display()));
    let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_bytes, 0, "the WAL was checkpointed and emptied");
    let alone = tmp.path().join("alone").join("gateway.db");
    std::fs::create_dir_all(alone.parent().unwrap()).unwrap();
    std::fs::copy(demo.database(), &alone).unwrap();
    let verified = demo.audit_verify(&alone);
    assert!(verified.contains("log verified"), "{verified}");
    let size = assert_holds(&alone, &receipts).await;
    assert_eq!(
        size,
        receipts.last().unwrap().log_index + 1,
        "the file alone holds the last entry"
    );
}
