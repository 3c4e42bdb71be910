use std::sync::Arc;

use anyhow::Context;
use gateway_store::{NewAgreement, Store};
use time::Date;
use time::macros::format_description;

use crate::cli::{AgreementAddArgs, AgreementsCommand};

pub async fn run(store: &Arc<dyn Store>, cmd: AgreementsCommand) -> anyhow::Result<()> {
    match cmd {
        AgreementsCommand::Add(args) => {
            let agreement = new_agreement(*args)?;
            let added = store.add_agreement(&agreement).await?;
            println!("recorded agreement {} ({})", added.reference, added.id);
            Ok(())
        }
        AgreementsCommand::List { json } => {
            let agreements = store.agreements().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&agreements)?);
                return Ok(());
            }
            let today = time::OffsetDateTime::now_utc().date();
            println!(
                "{:<16} {:<10} {:<17} {:<11} {:<28} TITLE",
                "REFERENCE", "IN FORCE", "BASIS", "REVIEW", "PARTIES"
            );
            for a in agreements {
                let review = if a.review_on < today {
                    format!("{} !", a.review_on)
                } else {
                    a.review_on.to_string()
                };
                println!(
                    "{:<16} {:<10} {:<17} {:<11} {:<28} {}",
                    a.reference,
                    if a.in_force_on(today) { "yes" } else { "no" },
                    a.lawful_basis,
                    review,
                    a.parties.join(","),
                    a.title
                );
            }
            Ok(())
        }
    }
}

fn date(text: &str, what: &str) -> anyhow::Result<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("{what} must be a date as YYYY-MM-DD"))
}

fn new_agreement(args: AgreementAddArgs) -> anyhow::Result<NewAgreement> {
    let agreement = NewAgreement {
        reference: args.reference,
        title: args.title,
        parties: args.parties,
        exchanges: args.exchanges,
        purposes: args.purposes,
        data_categories: args.categories,
        lawful_basis: args.basis.parse()?,
        starts_on: date(&args.starts, "--starts")?,
        review_on: date(&args.review, "--review")?,
        ends_on: args
            .ends
            .as_deref()
            .map(|d| date(d, "--ends"))
            .transpose()?,
    };
    anyhow::ensure!(
        agreement.review_on >= agreement.starts_on,
        "the review date is before the start"
    );
    if let Some(end) = agreement.ends_on {
        anyhow::ensure!(
            end >= agreement.starts_on,
            "the end date is before the start"
        );
    }
    Ok(agreement)
}
