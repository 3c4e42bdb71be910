//! The store path when the database misbehaves, end to end: a node partitioned from
//! PostgreSQL inside the log append, a table lock held by someone else, a full disk under
//! SQLite. Each time the gateway answers `503 log-unavailable` with `Retry-After` (nothing
//! released) within its deadline, `/readyz` says so, and it serves again, without a
//! restart, as soon as the cause is gone.
//!
//! Recovery times are printed (`--nocapture`): the closing note quotes them.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_api::server::{RunningServer, start};
use gateway_client::Response;
use gateway_disclosure::audit::verify_store;
use gateway_domain::YoungPerson;
use gateway_store::StoreTimeouts;
use gateway_tests::proxy::Proxy;
use gateway_tests::scenario::{Partners, YOT_OFFICER};
use gateway_tests::{
    AppOptions, Backend, TestApp, TestDatabase, TestPki, policy_dir, settings_for, spawn_app,
    spawn_on,
};
use gateway_translog::TreeHeadVerifier;
use http::Method;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::assert_problem;

const EET: &str = "/v1/exchanges/eet-status";

fn by_ccis_id(person: &YoungPerson) -> Value {
    json!({ "subject": { "identifier": { "ccis_id": person.ccis_id.as_str() } } })
}

fn log_verifier(pki: &TestPki) -> TreeHeadVerifier {
    let pem = std::fs::read_to_string(pki.dir().join("log-keys/log-signing.pub.pem")).unwrap();
    TreeHeadVerifier::from_public_key_pem(&pem).unwrap()
}

/// A logged decision (released or refused), not a failure.
fn logged(response: &Response) -> bool {
    [200, 403, 404].contains(&response.status.as_u16())
}

/// `503 log-unavailable`, with a `Retry-After` a client can act on.
fn assert_log_unavailable(response: &Response) {
    assert_problem(response, 503, "log-unavailable");
    let retry: u64 = response
        .headers
        .get(http::header::RETRY_AFTER)
        .expect("a 503 says when to retry")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After {retry}");
}

/// The YOT asks about `person` on the gateway at `addr`.
async fn ask_at(
    app: &TestApp,
    partners: &Partners,
    addr: SocketAddr,
    person: &YoungPerson,
) -> Response {
    let identity = app.pki.identity(Some(&partners.yot.cert));
    let mut conn = identity.connect(addr, "localhost").await.unwrap();
    conn.send(
        Method::POST,
        EET,
        Some(&partners.yot.token_as(YOT_OFFICER)),
        Some(&by_ccis_id(person)),
    )
    .await
    .unwrap()
}

async fn readyz(app: &TestApp, partners: &Partners, addr: SocketAddr) -> Response {
    let identity = app.pki.identity(Some(&partners.yot.cert));
    let mut conn = identity.connect(addr, "localhost").await.unwrap();
    conn.get("/readyz", None).await.unwrap()
}

/// The URL of the same database reached through `proxy`.
fn through(url: &str, proxy: &Proxy) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (auth, tail) = rest.split_once('@').unwrap();
    let (_, path) = tail.split_once('/').unwrap();
    format!("{scheme}://{auth}@{}/{path}", proxy.addr)
}

fn server_of(url: &str) -> SocketAddr {
    let after = url.split_once('@').unwrap().1;
    let host_port = after.split('/').next().unwrap();
    host_port.parse().unwrap()
}

/// Node A's gateway beside `app` (node B), on the same database through `proxy`.
async fn node_through(app: &TestApp, proxy: &Proxy) -> RunningServer {
    let store =
        gateway_store::connect_with(&through(&app.db.url, proxy), &StoreTimeouts::default())
            .await
            .unwrap();
    let settings = settings_for(&app.pki, AppOptions::default(), &policy_dir());
    start(settings, store).await.unwrap()
}

/// Node A loses its network while it holds the log's lock inside an append: PostgreSQL
/// ends A's session after `idle_in_transaction_session_timeout`, which releases the lock,
/// and node B, on a healthy link, serves again. A's own request gets 503 at its deadline,
/// and once its link is back, A serves too (its dead connection was not reused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_partitioned_inside_an_append_does_not_stop_the_other() {
    let b = spawn_app(Backend::Postgres).await;
    let partners = b.scenario_partners().await;
    let people = b.load_cohort(11, 30).await;
    let proxy = Proxy::start(server_of(&b.db.url)).await;
    let a = node_through(&b, &proxy).await;
    for addr in [a.local_addr, b.addr] {
        let warm = ask_at(&b, &partners, addr, &people[0]).await;
        assert!(logged(&warm), "{:?}", warm.body);
    }

    // The next append A sends binds the log's advisory-lock key ("CCIS-LOG" as a bigint):
    // the lock is granted by the server, and from then on nothing passes between A and it.
    proxy.hold_when_sent(b"CCIS-LOG");
    let held_request = {
        let (app_addr, person) = (a.local_addr, people[1].clone());
        let identity = b.pki.identity(Some(&partners.yot.cert));
        let token = partners.yot.token_as(YOT_OFFICER);
        tokio::spawn(async move {
            let started = Instant::now();
            let mut conn = identity.connect(app_addr, "localhost").await.unwrap();
            let response = conn
                .send(Method::POST, EET, Some(&token), Some(&by_ccis_id(&person)))
                .await
                .unwrap();
            (response, started.elapsed())
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !proxy.is_held() {
        assert!(Instant::now() < deadline, "node A never reached its append");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let partitioned = Instant::now();

    // Node B, asked again and again: how long until it answers?
    let mut failures = 0;
    let recovered = loop {
        let response = ask_at(&b, &partners, b.addr, &people[2]).await;
        if logged(&response) {
            break partitioned.elapsed();
        }
        assert_log_unavailable(&response);
        failures += 1;
        assert!(
            partitioned.elapsed() < Duration::from_secs(30),
            "node B still not serving 30 s into node A's partition"
        );
    };
    for person in &people[3..8] {
        let response = ask_at(&b, &partners, b.addr, person).await;
        assert!(
            logged(&response),
            "node B keeps serving: {:?}",
            response.body
        );
    }
    eprintln!(
        "partition: node B served again {:.2} s after node A was cut off inside its append \
         ({failures} requests answered 503 meanwhile)",
        recovered.as_secs_f64()
    );
    let bound = StoreTimeouts::default().idle_in_transaction_timeout_ms;
    assert!(
        recovered < Duration::from_millis(bound) + Duration::from_secs(10),
        "node B recovered in {recovered:?}; PostgreSQL ends A's session after {bound} ms"
    );

    let (held, waited) = held_request.await.unwrap();
    assert_log_unavailable(&held);
    assert!(
        waited < Duration::from_secs(25),
        "node A answered its stuck request at its deadline, not after {waited:?}"
    );

    // A's link comes back (its held sockets die, as after a real partition, and new ones
    // get through): A serves again without a restart.
    proxy.cut();
    proxy.restore();
    let back = Instant::now();
    let a_recovered = loop {
        let response = ask_at(&b, &partners, a.local_addr, &people[9]).await;
        if logged(&response) {
            break back.elapsed();
        }
        assert_log_unavailable(&response);
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "node A does not serve 30 s after its link came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for person in &people[10..15] {
        let response = ask_at(&b, &partners, a.local_addr, person).await;
        assert!(
            logged(&response),
            "node A keeps serving: {:?}",
            response.body
        );
    }
    eprintln!(
        "partition: node A served again {:.2} s after its link came back",
        a_recovered.as_secs_f64()
    );

    // One log, gap-free, every entry covered by a signed head.
    let report = verify_store(b.store.as_ref(), &log_verifier(&b.pki))
        .await
        .unwrap();
    assert_eq!(report.uncovered_entries(), 0);
    a.shutdown().await.unwrap();
    b.stop().await;
}

/// Someone else holds an exclusive lock on the log table: requests get `503
/// log-unavailable` with `Retry-After` at the append deadline, not when the lock goes;
/// `/readyz` fails while they wait; both recover when the lock is released.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_append_deadline_answers_503_and_readiness_follows_the_writer() {
    let pki = TestPki::new();
    let db = TestDatabase::create(Backend::Postgres, pki.dir()).await;
    let mut settings = settings_for(&pki, AppOptions::default(), &policy_dir());
    settings.log.append_deadline = Duration::from_secs(3);
    settings.log.stall_bound = Duration::from_millis(500);
    // The database's own bounds are longer than the deadline, so the deadline is what acts.
    let timeouts = StoreTimeouts {
        lock_timeout_ms: 60_000,
        statement_timeout_ms: 60_000,
        append_timeout_ms: 60_000,
        ..StoreTimeouts::default()
    };
    let store = gateway_store::connect_with(&db.url, &timeouts)
        .await
        .unwrap();
    gateway_tests::init_log_keys(store.as_ref(), &settings.keys_dir).await;
    let server = start(settings, store.clone()).await.unwrap();
    let app = TestApp {
        addr: server.local_addr,
        server,
        store,
        pki,
        db,
    };
    let partners = app.scenario_partners().await;
    let people = app.load_cohort(12, 20).await;
    let before = ask_at(&app, &partners, app.addr, &people[0]).await;
    assert!(logged(&before), "{:?}", before.body);
    assert_eq!(readyz(&app, &partners, app.addr).await.status, 200);

    let mut locker = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE disclosure_log IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();

    let app = Arc::new(app);
    let partners = Arc::new(partners);
    let waiting = {
        let (app, partners, person) = (app.clone(), partners.clone(), people[1].clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let response = ask_at(&app, &partners, app.addr, &person).await;
            (response, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let during = readyz(&app, &partners, app.addr).await;
    assert_problem(&during, 503, "unavailable");
    assert!(during.headers.contains_key(http::header::RETRY_AFTER));
    assert!(
        during.json()["detail"]
            .as_str()
            .unwrap()
            .contains("log writer"),
        "{:?}",
        during.json()
    );
    let (response, waited) = waiting.await.unwrap();
    assert_log_unavailable(&response);
    assert!(
        waited >= Duration::from_millis(2900) && waited < Duration::from_secs(20),
        "answered at the 3 s deadline, not after {waited:?}"
    );

    sqlx::raw_sql("ROLLBACK")
        .execute(&mut locker)
        .await
        .unwrap();
    locker.close().await.unwrap();
    let released = Instant::now();
    let after = loop {
        let response = ask_at(&app, &partners, app.addr, &people[2]).await;
        if logged(&response) {
            break response;
        }
        assert!(
            released.elapsed() < Duration::from_secs(20),
            "{:?}",
            response.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(logged(&after));
    let ready = loop {
        let response = readyz(&app, &partners, app.addr).await;
        if response.status == 200 || released.elapsed() > Duration::from_secs(20) {
            break response;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ready.status, 200, "{:?}", ready.body);
    assert_eq!(ready.json()["checks"]["log_writer"], "ok");
    let report = verify_store(app.store.as_ref(), &log_verifier(&app.pki))
        .await
        .unwrap();
    assert_eq!(report.uncovered_entries(), 0);
    let app = Arc::try_unwrap(app).ok().unwrap();
    app.stop().await;
}

/// A tmpfs of `bytes` mounted on `dir` for the test's life (the test runs as root, as CI
/// does); unmounted on drop.
struct SmallDisk {
    dir: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(dir: &Path, bytes: u64) -> SmallDisk {
        std::fs::create_dir_all(dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(dir)
            .status()
            .expect("the full-disk test mounts a small tmpfs: it needs `mount`");
        assert!(
            status.success(),
            "the full-disk test needs to mount a tmpfs (run as root, as CI does)"
        );
        SmallDisk {
            dir: dir.to_owned(),
        }
    }

    /// Writes a file until the disk refuses more; returns its path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            if file.write_all(&block).is_err() {
                break;
            }
        }
        // The last bytes too: a page-sized write must fail now.
        let small = [0u8; 512];
        while file.write_all(&small).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.dir)
            .status();
    }
}

/// SQLite on a disk that fills up: appends fail (503, nothing released) while it is full;
/// once space is freed every append succeeds, without a restart. Before connections whose
/// COMMIT failed were closed, a quarter of them kept failing ("attempted to call begin_with
/// at non-zero transaction depth").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_followed_by_full_recovery_without_restart() {
    let pki = TestPki::new();
    let disk = SmallDisk::mount(&pki.dir().join("disk"), 6 * 1024 * 1024);
    let db = TestDatabase::create(Backend::Sqlite, &disk.dir).await;
    let settings = settings_for(&pki, AppOptions::default(), &policy_dir());
    let app = spawn_on(pki, db, settings).await.unwrap();
    let partners = app.scenario_partners().await;
    let people = app.load_cohort(13, 30).await;
    for person in &people[..5] {
        let response = ask_at(&app, &partners, app.addr, person).await;
        assert!(logged(&response), "{:?}", response.body);
    }

    let filler = disk.fill();
    let size_before = app.store.log_size().await.unwrap();
    let mut refused = 0;
    let mut logged_while_full = 0u64;
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..400 {
        let response = ask_at(&app, &partners, app.addr, &people[i % people.len()]).await;
        let code = response.json()["code"].as_str().unwrap_or("").to_owned();
        *statuses
            .entry(format!("{} {code}", response.status.as_u16()))
            .or_default() += 1;
        if logged(&response) {
            logged_while_full += 1;
        } else {
            assert_eq!(response.status, 503, "{:?}", response.body);
            assert!(response.headers.contains_key(http::header::RETRY_AFTER));
            refused += 1;
            if refused >= 20 {
                break;
            }
        }
    }
    assert!(
        refused >= 20,
        "a full disk refuses appends: statuses {statuses:?}"
    );
    // What was answered while full was logged first; nothing else was.
    assert_eq!(
        app.store.log_size().await.unwrap(),
        size_before + logged_while_full,
        "statuses {statuses:?}"
    );

    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();
    let mut first = None;
    for i in 0..100 {
        let response = ask_at(&app, &partners, app.addr, &people[i % people.len()]).await;
        assert!(
            logged(&response),
            "append {i} after space was freed: {} {:?}",
            response.status,
            response.body
        );
        first.get_or_insert_with(|| freed.elapsed());
    }
    eprintln!(
        "full disk: statuses while full {statuses:?}; after freeing space the first append \
         succeeded after {:.3} s and all 100 in {:.2} s",
        first.unwrap().as_secs_f64(),
        freed.elapsed().as_secs_f64()
    );
    let report = verify_store(app.store.as_ref(), &log_verifier(&app.pki))
        .await
        .unwrap();
    assert_eq!(report.uncovered_entries(), 0);
    app.server.shutdown().await.unwrap();
    drop(disk);
}
