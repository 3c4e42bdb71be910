//! Durable append rate of the disclosure log (one at a time, and with concurrent writers
//! sharing commits), and the rate of `audit verify`, on SQLite and PostgreSQL.
//!
//! A load client, not a criterion bench: throughput with a growing database is not a
//! per-iteration time. Run:
//!
//! ```sh
//! cargo bench -p gateway-disclosure --bench log_rate
//! ```
//!
//! PostgreSQL: `GATEWAY_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres);
//! a fresh database is created and dropped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use gateway_disclosure::{DisclosureLog, Event, LogEntry, LogKeys, LogSettings, Outcome};
use gateway_store::Store;
use sqlx::Connection;
use time::OffsetDateTime;

fn entry(i: usize) -> LogEntry {
    let mut e = LogEntry::new(
        OffsetDateTime::now_utc(),
        Event::Disclosure,
        Outcome::PartialPermit,
    );
    e.partner = Some("kent-yot".into());
    e.officer = Some(format!("officer-{}", i % 50));
    e.role = Some("yot_officer".into());
    e.purpose = Some("case_management".into());
    e.exchange = Some("eet-status".into());
    e.subject = Some(format!("ps1:{:064x}", i % 10_000));
    e.released = vec![
        "identity".into(),
        "activity".into(),
        "ete_suitability".into(),
    ];
    e.withheld = vec!["send".into()];
    e.policies = vec![
        "permit-statutory-basis".into(),
        "forbid-consent-required".into(),
    ];
    e.policy_set = Some("9f".repeat(32));
    e.agreement = Some("DSA-886-YOT-2026".into());
    e.lawful_basis = Some("public_task".into());
    e.request_sha256 = Some("ab".repeat(32));
    e.response_sha256 = Some("cd".repeat(32));
    e
}

async fn open(store: Arc<dyn Store>, keys: &std::path::Path) -> DisclosureLog {
    // `gateway keys init` for the benchmark's empty log.
    gateway_disclosure::pinning::init(store.as_ref(), keys)
        .await
        .unwrap();
    let k = LogKeys::load(keys).unwrap();
    DisclosureLog::open(store, k.signer, k.pseudonymiser, LogSettings::default())
        .await
        .unwrap()
}

async fn sequential(log: &DisclosureLog, n: usize) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        log.append(entry(i)).await.unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn concurrent(log: &DisclosureLog, writers: usize, each: usize) -> f64 {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..each {
                log.append(entry(w * each + i)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (writers * each) as f64 / start.elapsed().as_secs_f64()
}

async fn run(name: &str, store: Arc<dyn Store>, keys: &std::path::Path) {
    let log = open(store.clone(), keys).await;
    let seq = sequential(&log, 500).await;
    let c16 = concurrent(&log, 16, 250).await;
    let c64 = concurrent(&log, 64, 250).await;
    let c256 = concurrent(&log, 256, 100).await;
    let k = LogKeys::load(keys).unwrap();
    let verifier = k.signer.verifier();
    let start = Instant::now();
    let report = gateway_disclosure::audit::verify_store(store.as_ref(), &verifier)
        .await
        .unwrap();
    let verify = report.entries as f64 / start.elapsed().as_secs_f64();
    println!(
        "| {name} | {seq:.0} | {c16:.0} | {c64:.0} | {c256:.0} | {verify:.0} ({} entries, {} heads) |",
        report.entries, report.heads_checked
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!(
        "| backend | 1 writer (entries/s) | 16 writers | 64 writers | 256 writers | audit verify (entries/s) |"
    );
    println!("|---|---|---|---|---|---|");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("log.db").display());
    let store = gateway_store::connect(&url).await.unwrap();
    run("SQLite (synchronous=FULL)", store, &dir.path().join("keys")).await;

    let admin_url = std::env::var("GATEWAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("gwbench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let store = gateway_store::connect(&format!("{base}/{name}"))
        .await
        .unwrap();
    run(
        "PostgreSQL (synchronous_commit=on)",
        store.clone(),
        &dir.path().join("keys-pg"),
    )
    .await;
    drop(store);
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
}
