//! `gateway demo`: the whole product in one run, on the embedded database.
//!
//! Creates (under `--dir`, `./demo` by default) a dev PKI, a SQLite database, the log keys
//! and a log file; loads a deterministic synthetic cohort; registers the demo partners and
//! their data sharing agreements; starts the gateway on loopback; and plays each partner
//! over real mutual TLS. It prints what each partner asked and received, verifies the
//! disclosure log and prints its signed tree head. The folder stays for inspection with the
//! other commands (`--database-url sqlite://demo/gateway.db`).
//!
//! The printed summary names young people only by a letter: even synthetic data is shown
//! the way real data would be handled.

mod medway;
mod partner;
mod scenarios;
mod setup;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use gateway_api::server::{ServerSettings, start};
use gateway_edge::{CrlExpiry, TlsSettings};
use gateway_pki::dev::DevPki;

use crate::cli::DemoArgs;

pub const DEMO_LA: &str = "886";

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let dir = args.dir.clone();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // A fresh database and log every run; the PKI is kept (it is slow to make and holds
    // nothing of the run).
    for stale in ["gateway.db", "gateway.db-wal", "gateway.db-shm"] {
        let path = dir.join(stale);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    let keys_dir = dir.join("keys");
    let certs_dir = dir.join("certs");
    let (pki, _) = DevPki::open_or_create(&certs_dir).context("dev PKI")?;
    let database_url = format!("sqlite://{}", dir.join("gateway.db").display());
    let store = gateway_store::connect(&database_url)
        .await
        .context("cannot create the demo database")?;

    println!("CCIS data-sharing gateway: demo");
    println!("  folder     {}", dir.display());
    let loaded = setup::load_cohort(&store, args.seed, args.people).await?;
    println!(
        "  cohort     {} synthetic young people (seed {}), LA {DEMO_LA}",
        loaded.people.len(),
        args.seed
    );
    setup::register(&store, &pki).await?;
    println!(
        "  partners   {} registered, each with a data sharing agreement",
        pki.partners.len()
    );

    let medway = medway::start_medway(&dir, args.policy_dir.as_deref()).await?;
    println!(
        "  neighbour  Medway (LA {}) gateway listening on {}",
        medway::MEDWAY_LA,
        medway.server.local_addr
    );
    let mut settings = loopback_settings(
        DemoTls {
            server_cert: pki.server_cert(),
            server_key: pki.server_key(),
            ca: pki.ca_cert(),
            crl: pki.crl(),
        },
        args.policy_dir.as_deref(),
        &keys_dir,
        DEMO_LA,
    );
    settings.transfers.peers = vec![medway.peer.clone()];
    // The demo's database is new: `keys init` makes (or pins) the keys for its empty log.
    crate::commands::keys::init(store.as_ref(), &keys_dir).await?;
    let server = start(settings, store.clone()).await?;
    println!(
        "  gateway    listening on {} (mutual TLS)",
        server.local_addr
    );
    println!();

    let outcome = scenarios::play(server.local_addr, &pki, &loaded, &keys_dir).await;
    let transfer = match &outcome {
        Ok(_) => medway::play_transfer(server.local_addr, &medway, &pki, &loaded).await,
        Err(_) => Ok(0),
    };
    server.shutdown().await?;
    medway.server.shutdown().await?;
    let played = outcome? + transfer?;

    // The log, checked from the database with nothing but the public key.
    let public = std::fs::read_to_string(keys_dir.join(gateway_disclosure::keys::PUBLIC_KEY_FILE))?;
    let verifier = gateway_translog::TreeHeadVerifier::from_public_key_pem(&public)
        .map_err(|e| anyhow::anyhow!("log public key: {e}"))?;
    let report = gateway_disclosure::audit::verify_store(store.as_ref(), &verifier)
        .await
        .map_err(|e| anyhow::anyhow!("disclosure log does NOT verify: {e}"))?;
    println!("Disclosure log");
    println!(
        "  verified   {} entries, {} signed tree heads, every entry covered",
        report.entries, report.heads_checked
    );
    if let Some(head) = &report.latest_head {
        println!(
            "  tree head  size {}  root {}  signed {}",
            head.head.tree_size,
            head.head.root_hash,
            time::OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(head.head.timestamp_ms) * 1_000_000
            )
            .map(|t| t.to_string())
            .unwrap_or_default()
        );
        println!("  key id     {}", head.key_id);
        println!(
            "  signature  {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &head.signature)
        );
    }
    println!();
    println!(
        "{played} requests played in {:.1} s. Inspect with:",
        started.elapsed().as_secs_f64()
    );
    let url = format!("sqlite://{}", dir.join("gateway.db").display());
    println!(
        "  gateway --database-url {url} audit verify --keys-dir {}",
        keys_dir.display()
    );
    println!("  gateway --database-url {url} partners list");
    println!("  less {}", dir.join("gateway.log").display());
    Ok(())
}

/// The TLS files of one demo gateway.
pub struct DemoTls {
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub ca: PathBuf,
    pub crl: PathBuf,
}

/// A demo gateway on a free loopback port: the dev audience, the authority `la_code`, the
/// policy directory given (or the built-in set), every other setting at its default.
pub fn loopback_settings(
    tls: DemoTls,
    policy_dir: Option<&std::path::Path>,
    keys_dir: &std::path::Path,
    la_code: &str,
) -> ServerSettings {
    ServerSettings {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: TlsSettings {
            server_cert: tls.server_cert,
            server_key: tls.server_key,
            client_ca_bundle: tls.ca,
            crls: vec![tls.crl],
            crl_expiry: CrlExpiry::Reject,
            first_byte_timeout: TlsSettings::DEFAULT_FIRST_BYTE_TIMEOUT,
            handshake_timeout: Duration::from_secs(10),
            max_concurrent_handshakes: 256,
            max_handshakes_per_source: TlsSettings::DEFAULT_MAX_HANDSHAKES_PER_SOURCE,
        },
        http: gateway_edge::HttpLimits::default(),
        tokens: gateway_auth::TokenPolicy {
            audience: partner::AUDIENCE.into(),
            leeway_secs: 30,
            max_lifetime_secs: 3600,
        },
        reload_poll: Duration::from_secs(3600),
        policy_dir: policy_dir.map(std::path::Path::to_owned),
        keys_dir: keys_dir.to_owned(),
        disclosure: gateway_api::DisclosureSettings {
            home_la_code: la_code.into(),
            ..gateway_api::DisclosureSettings::default()
        },
        log: gateway_disclosure::LogSettings::default(),
        transfers: gateway_api::transfers::TransferSettings::default(),
        upstream: gateway_api::upstream::UpstreamSettings::default(),
    }
}

/// The folder's log file, for `logging::init`.
pub fn log_file(args: &DemoArgs) -> PathBuf {
    args.dir.join("gateway.log")
}
