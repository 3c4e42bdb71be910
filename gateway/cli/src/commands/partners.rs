use std::sync::Arc;

use anyhow::Context;
use gateway_pki::dev::DevPki;
use gateway_store::{NewPartner, PartnerId, PartnerStatus, Store};

use crate::cli::{PartnerAddArgs, PartnersCommand};

pub async fn run(
    store: &Arc<dyn Store>,
    keys_dir: &std::path::Path,
    cmd: PartnersCommand,
) -> anyhow::Result<()> {
    match cmd {
        PartnersCommand::Add(args) => {
            let keys = std::fs::read_to_string(&args.keys)
                .with_context(|| format!("cannot read {}", args.keys.display()))?;
            let partner = new_partner(*args, keys)?;
            let added = store.add_partner(&partner).await?;
            println!("registered partner {} ({})", added.id, added.agency_kind);
            Ok(())
        }
        PartnersCommand::List { json } => {
            let partners = store.partners().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&partners)?);
                return Ok(());
            }
            println!(
                "{:<20} {:<10} {:<22} {:<4} {:<45} NAME",
                "ID", "STATUS", "KIND", "LA", "CERTIFICATE IDENTITY"
            );
            for p in partners {
                let identity = p
                    .cert_san_uri
                    .clone()
                    .or(p.cert_subject.clone())
                    .unwrap_or_default();
                println!(
                    "{:<20} {:<10} {:<22} {:<4} {:<45} {}",
                    p.id,
                    p.status,
                    p.agency_kind,
                    p.la_code.as_deref().unwrap_or("-"),
                    identity,
                    p.display_name
                );
            }
            Ok(())
        }
        PartnersCommand::Suspend { id } => {
            set_status(store, keys_dir, &id, PartnerStatus::Suspended).await
        }
        PartnersCommand::Activate { id } => {
            set_status(store, keys_dir, &id, PartnerStatus::Active).await
        }
    }
}

fn new_partner(args: PartnerAddArgs, keys: String) -> anyhow::Result<NewPartner> {
    let partner = NewPartner {
        id: PartnerId::parse(&args.id)?,
        display_name: args.name,
        agency_kind: args.kind.parse()?,
        la_code: args.la_code,
        cert_san_uri: args.san_uri,
        cert_subject: args.cert_subject,
        cert_fingerprints: args
            .fingerprints
            .iter()
            .map(|f| f.replace(':', "").to_ascii_lowercase())
            .collect(),
        token_issuer: args.issuer,
        token_algorithm: args.alg.parse()?,
        token_keys: keys,
    };
    // Refuse keys the gateway could not use, now rather than at the partner's first call.
    gateway_auth::IssuerKeys::parse(
        &partner.token_issuer,
        partner.token_algorithm.as_str(),
        &partner.token_keys,
    )
    .context("token keys")?;
    if let Some(la) = &partner.la_code {
        anyhow::ensure!(
            la.len() == 3 && la.bytes().all(|b| b.is_ascii_digit()),
            "an LA code is three digits"
        );
    }
    for f in &partner.cert_fingerprints {
        anyhow::ensure!(
            f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()),
            "a fingerprint is 64 hex digits (SHA-256)"
        );
    }
    Ok(partner)
}

/// Changes a partner's status and records the change in the disclosure log (this process
/// appends alongside any running gateway: the log's lock and catch-up make that safe).
async fn set_status(
    store: &Arc<dyn Store>,
    keys_dir: &std::path::Path,
    id: &str,
    status: PartnerStatus,
) -> anyhow::Result<()> {
    let id = PartnerId::parse(id)?;
    anyhow::ensure!(
        store.partner(&id).await?.is_some(),
        "no partner with id {id}"
    );
    let keys = gateway_disclosure::LogKeys::load(keys_dir)?;
    let log = gateway_disclosure::DisclosureLog::open(
        store.clone(),
        keys.signer,
        keys.pseudonymiser,
        gateway_disclosure::LogSettings::default(),
    )
    .await?;
    let mut entry = gateway_disclosure::LogEntry::new(
        time::OffsetDateTime::now_utc(),
        gateway_disclosure::Event::PartnerStatusChange,
        gateway_disclosure::Outcome::Recorded,
    );
    entry.partner = Some(id.to_string());
    entry.officer = std::env::var("USER").ok().map(|u| format!("operator:{u}"));
    entry.note = Some(format!("partner {status}"));
    // Logged first: a suspension that is not in the log must not happen.
    let receipt = log.append(entry).await?;
    anyhow::ensure!(
        store.set_partner_status(&id, status).await?,
        "no partner with id {id}"
    );
    tracing::warn!(partner = %id, status = %status, "partner status changed");
    println!(
        "partner {id} is now {status} (disclosure log entry {})",
        receipt.log_index
    );
    Ok(())
}

/// Registers the dev PKI's demo partners (used by zero-config `serve` on an empty registry).
pub async fn register_dev_partners(store: &Arc<dyn Store>, pki: &DevPki) -> anyhow::Result<()> {
    for p in &pki.partners {
        let keys_path = pki.partner_dir(&p.id).join("token.pub.pem");
        let keys = std::fs::read_to_string(&keys_path)
            .with_context(|| format!("cannot read {}", keys_path.display()))?;
        store
            .add_partner(&NewPartner {
                id: PartnerId::parse(&p.id)?,
                display_name: p.display_name.clone(),
                agency_kind: p.agency_kind.parse()?,
                la_code: p.la_code.clone(),
                cert_san_uri: Some(p.san_uri.clone()),
                cert_subject: None,
                cert_fingerprints: vec![p.fingerprint.clone()],
                token_issuer: p.token_issuer.clone(),
                token_algorithm: p.token_algorithm.parse()?,
                token_keys: keys,
            })
            .await?;
    }
    Ok(())
}
