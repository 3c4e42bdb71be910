//! The demo's data: a synthetic cohort, the partners, their agreements.

use std::sync::Arc;

use gateway_domain::synthetic::cohort;
use gateway_domain::{LaCode, YoungPerson};
use gateway_pki::dev::DevPki;
use gateway_store::{LawfulBasis, NewAgreement, Store};
use time::{Date, OffsetDateTime};

use super::DEMO_LA;
use crate::commands::partners::register_dev_partners;

#[derive(Debug)]
pub struct Loaded {
    pub people: Vec<YoungPerson>,
    pub today: Date,
}

/// Generates the cohort for today (ages and currency are relative to the day the demo
/// runs) and stores it.
pub async fn load_cohort(
    store: &Arc<dyn Store>,
    seed: u64,
    people: usize,
) -> anyhow::Result<Loaded> {
    let today = OffsetDateTime::now_utc().date();
    let la = LaCode::parse(DEMO_LA).map_err(|e| anyhow::anyhow!("{e}"))?;
    let people: Vec<YoungPerson> = cohort(seed, people, today, la).collect();
    for chunk in people.chunks(5_000) {
        store.upsert_young_people(chunk).await?;
    }
    Ok(Loaded { people, today })
}

/// A demo agreement: partner, reference, exchange, purposes, categories, lawful basis.
type DemoAgreement = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    LawfulBasis,
);

/// One agreement per partner, naming its exchange, purposes and categories.
pub const AGREEMENTS: &[DemoAgreement] = &[
    (
        "kent-yot",
        "DSA-886-YOT-2026",
        "eet-status",
        &["case_management", "kpi_return", "court_report"],
        &["identity", "activity", "ete_suitability", "send"],
        LawfulBasis::PublicTask,
    ),
    (
        "jcp-maidstone",
        "DSA-886-JCP-2026",
        "benefit-registration",
        &["benefit_entitlement"],
        &["identity", "registration", "activity"],
        LawfulBasis::LegalObligation,
    ),
    (
        "kent-leaving-care",
        "DSA-886-LC-2026",
        "care-leaver-status",
        &["pathway_planning"],
        &["identity", "care_status", "activity"],
        LawfulBasis::PublicTask,
    ),
    (
        "medway-la",
        "DSA-886-887-XB-2026",
        "transfer",
        &["cross_border_transfer"],
        &[
            "identity",
            "identifiers",
            "demographics",
            "activity",
            "activity_history",
            "ete_suitability",
            "registration",
            "care_status",
            "send",
            "characteristics",
            "level_of_need",
        ],
        LawfulBasis::LegalObligation,
    ),
];

pub async fn register(store: &Arc<dyn Store>, pki: &DevPki) -> anyhow::Result<()> {
    register_dev_partners(store, pki).await?;
    let today = OffsetDateTime::now_utc().date();
    let year_ago = today.replace_year(today.year() - 1).unwrap_or(today);
    let review = today.replace_year(today.year() + 1).unwrap_or(today);
    for (partner, reference, exchange, purposes, categories, basis) in AGREEMENTS {
        store
            .add_agreement(&NewAgreement {
                reference: (*reference).into(),
                title: format!("Data sharing agreement: Kent CC and {partner}"),
                parties: vec![(*partner).into()],
                exchanges: vec![(*exchange).into()],
                purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
                data_categories: categories.iter().map(|c| (*c).to_owned()).collect(),
                lawful_basis: *basis,
                starts_on: year_ago,
                review_on: review,
                ends_on: None,
            })
            .await?;
    }
    Ok(())
}
