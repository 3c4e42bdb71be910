//! The second gateway of the demo: Medway Council (LA 887), Kent's neighbour, which receives
//! a cross-border transfer. It has its own CA, database and log keys under `DIR/medway`,
//! and knows Kent's gateway as a partner (a client certificate from Medway's CA and a token
//! key), with a transfer agreement.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use gateway_api::server::{RunningServer, start};
use gateway_api::transfers::PeerSettings;
use gateway_pki::dev::{partner_san_uri, write_private, write_public};
use gateway_pki::{CertificateAuthority, ClientCertSpec, TokenKeyAlgorithm, TokenSigningKey};
use gateway_store::{
    AgencyKind, LawfulBasis, NewAgreement, NewPartner, PartnerId, Store, TokenAlgorithm,
};
use time::OffsetDateTime;

pub const MEDWAY_LA: &str = "887";
/// Kent's gateway in Medway's registry.
const KENT_GATEWAY: &str = "kent-gateway";
const KENT_ISSUER: &str = "urn:ccis-gateway:idp:kent-gateway";

/// The running Medway gateway and what Kent needs to send to it.
pub struct Medway {
    pub server: RunningServer,
    pub store: Arc<dyn Store>,
    pub peer: PeerSettings,
}

/// Makes Medway's folder afresh and starts its gateway on loopback.
pub async fn start_medway(dir: &Path, policy_dir: Option<&Path>) -> anyhow::Result<Medway> {
    let dir = dir.join("medway");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ca = CertificateAuthority::generate("Medway Council Dev CA", 30)?;
    let server_cert = ca.issue_server(&["localhost", "127.0.0.1"], 30)?;
    let kent = ca.issue_client(&ClientCertSpec::new(
        "Kent County Council gateway",
        Some(&partner_san_uri(KENT_GATEWAY)),
        30,
    ))?;
    let token_key = TokenSigningKey::generate(TokenKeyAlgorithm::Es256)?;
    let now = OffsetDateTime::now_utc();
    let empty_crl = ca.crl(&[], 1, now, now + time::Duration::days(30))?;
    write_public(&dir.join("ca.pem"), ca.cert_pem())?;
    write_public(&dir.join("crl.pem"), &empty_crl)?;
    write_public(&dir.join("server.pem"), &server_cert.cert_pem)?;
    write_private(&dir.join("server.key.pem"), &server_cert.key_pem)?;
    write_public(&dir.join("kent-gateway.pem"), &kent.cert_pem)?;
    write_private(&dir.join("kent-gateway.key.pem"), &kent.key_pem)?;
    write_private(
        &dir.join("kent-gateway.token.key.pem"),
        &token_key.private_pem,
    )?;

    let store = gateway_store::connect(&format!("sqlite://{}", dir.join("gateway.db").display()))
        .await
        .context("cannot create Medway's database")?;
    store
        .add_partner(&NewPartner {
            id: PartnerId::parse(KENT_GATEWAY)?,
            display_name: "Kent County Council (gateway)".into(),
            agency_kind: AgencyKind::LocalAuthority,
            la_code: Some(super::DEMO_LA.into()),
            cert_san_uri: Some(partner_san_uri(KENT_GATEWAY)),
            cert_subject: None,
            cert_fingerprints: vec![],
            token_issuer: KENT_ISSUER.into(),
            token_algorithm: TokenAlgorithm::Es256,
            token_keys: token_key.public_pem.clone(),
        })
        .await?;
    let today = OffsetDateTime::now_utc().date();
    store
        .add_agreement(&NewAgreement {
            reference: "DSA-887-886-XB-2026".into(),
            title: "Cross-border transfers: Medway Council and Kent CC".into(),
            parties: vec![KENT_GATEWAY.into()],
            exchanges: vec!["transfer".into()],
            purposes: vec!["cross_border_transfer".into()],
            data_categories: super::setup::AGREEMENTS
                .iter()
                .find(|a| a.2 == "transfer")
                .map(|a| a.4.iter().map(|c| (*c).to_owned()).collect())
                .unwrap_or_default(),
            lawful_basis: LawfulBasis::LegalObligation,
            starts_on: today - time::Duration::days(365),
            review_on: today + time::Duration::days(365),
            ends_on: None,
        })
        .await?;

    let keys_dir = dir.join("keys");
    let settings = super::loopback_settings(
        super::DemoTls {
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key.pem"),
            ca: dir.join("ca.pem"),
            crl: dir.join("crl.pem"),
        },
        policy_dir,
        &keys_dir,
        MEDWAY_LA,
    );
    crate::commands::keys::init(store.as_ref(), &keys_dir).await?;
    let server = start(settings, store.clone()).await?;
    let peer = PeerSettings {
        partner: PartnerId::parse("medway-la")?,
        address: server.local_addr.to_string(),
        server_name: "localhost".into(),
        server_ca: dir.join("ca.pem"),
        client_cert: dir.join("kent-gateway.pem"),
        client_key: dir.join("kent-gateway.key.pem"),
        token_key: dir.join("kent-gateway.token.key.pem"),
        token_issuer: KENT_ISSUER.into(),
        token_algorithm: "ES256".into(),
        token_audience: super::partner::AUDIENCE.into(),
        receipt_key: keys_dir.join(gateway_disclosure::keys::PUBLIC_KEY_FILE),
    };
    Ok(Medway {
        server,
        store,
        peer,
    })
}

/// Kent's adviser sends young person G's record to Medway; the demo waits for Medway's
/// signed acknowledgement and shows the transfer as each side sees it. Returns the number of
/// requests made.
pub async fn play_transfer(
    kent: std::net::SocketAddr,
    medway: &Medway,
    pki: &gateway_pki::dev::DevPki,
    loaded: &super::setup::Loaded,
) -> anyhow::Result<usize> {
    use super::partner::{DemoPartner, Officer};
    use http::Method;
    let adviser = Officer {
        id: "kent-adviser-3",
        role: "adviser",
        purpose: "cross_border_transfer",
    };
    let person = loaded
        .people
        .iter()
        .rev()
        .find(|p| p.cohort_status.is_in_cohort() && p.upn.is_some())
        .context("the cohort has nobody to transfer")?;
    println!(
        "Kent's adviser: young person G has moved to Medway; send the record (ESA 2008 s.13(2))"
    );
    let kent_ccis = DemoPartner::load(pki, "kent-ccis")?;
    let started = std::time::Instant::now();
    let body = serde_json::json!({
        "subject": {"identifier": {"ccis_id": person.ccis_id.as_str()}},
        "to": "medway-la",
    });
    let queued = kent_ccis
        .call(
            kent,
            adviser,
            Method::POST,
            "/v1/transfers/outbound",
            Some(&body),
        )
        .await?;
    anyhow::ensure!(
        queued.status == 202,
        "the transfer was not queued: {}",
        queued.status
    );
    let queued = queued.json();
    let id = queued["transfer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    println!("  -> 202 queued, transfer {id}");
    println!("     released  {}", queued["released"]);
    println!("     withheld  {}", queued["withheld"]);
    let path = format!("/v1/transfers/{id}");
    let mut calls = 1;
    let status = loop {
        let status = kent_ccis
            .call(kent, adviser, Method::GET, &path, None)
            .await?;
        calls += 1;
        let status = status.json();
        if status["state"] != "queued" || started.elapsed() > Duration::from_secs(30) {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    anyhow::ensure!(
        status["state"] == "acknowledged",
        "the transfer did not complete: {}",
        status["state"]
    );
    println!(
        "  -> Medway acknowledged in {:.0} ms after {} attempt(s); Kent's record is now CohortStatus T, TransferredToLACode 887",
        started.elapsed().as_secs_f64() * 1000.0,
        status["attempts"]
    );
    println!(
        "     Kent log entry {}, Medway log entry {} (signed acknowledgement, key {})",
        status["log_index"],
        serde_json::from_str::<serde_json::Value>(
            status["acknowledgement"]["payload"]
                .as_str()
                .unwrap_or("{}")
        )
        .map(|ack| ack["log_index"].clone())
        .unwrap_or_default(),
        status["acknowledgement"]["key_id"]
            .as_str()
            .map(|k| k.get(..16).unwrap_or(k))
            .unwrap_or_default()
    );
    let record = medway
        .store
        .inbound_transfer(id.parse()?)
        .await?
        .context("Medway has no record of the transfer")?;
    println!(
        "     Medway holds one received record ({} bytes, as sent)",
        record.payload.len()
    );
    println!();
    Ok(calls)
}
