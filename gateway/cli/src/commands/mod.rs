//! One module per command group.

mod agreements;
mod audit;
mod backup;
mod certs;
mod demo;
mod export;
mod import;
pub(crate) mod keys;
pub(crate) mod partners;
mod serve;
mod token;

use std::sync::Arc;

use anyhow::Context;
use gateway_store::Store;

use crate::cli::{Cli, Command, ExportCommand, ImportCommand, PolicyCommand, SynthCommand};
use crate::config::{GatewayConfig, prepare_database_dir};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = GatewayConfig::load(&cli)?;
    match cli.command {
        Command::Serve(args) => serve::run(config, args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Certs(cmd) => certs::run(cmd),
        Command::Partners(cmd) => {
            partners::run(&open_store(&config).await?, &config.keys_dir, cmd).await
        }
        Command::Agreements(cmd) => agreements::run(&open_store(&config).await?, cmd).await,
        Command::Migrate => {
            let store = open_store(&config).await?;
            println!("database is migrated ({:?})", store.backend());
            Ok(())
        }
        Command::Token(cmd) => token::run(&config, cmd),
        Command::Policy(PolicyCommand::Test { dir }) => {
            policy_test(&gateway_policy::PolicySource::configured(
                dir.as_deref().or(config.policy_dir.as_deref()),
            ))
        }
        Command::Audit(cmd) => audit::run(&config, cmd).await,
        Command::Keys(cmd) => keys::run(&config, cmd).await,
        Command::Import(ImportCommand::Nccis(args)) => {
            import::nccis(open_store(&config).await?, args).await
        }
        Command::Export(ExportCommand::Nccis(args)) => {
            export::nccis(open_store(&config).await?, &config, args).await
        }
        Command::Synth(SynthCommand::Nccis(args)) => export::synth(&config, args),
        Command::Backup(args) => backup::run(&config, &args.out).await,
    }
}

/// Opens (and migrates) the configured database.
pub async fn open_store(config: &GatewayConfig) -> anyhow::Result<Arc<dyn Store>> {
    prepare_database_dir(&config.database_url)?;
    gateway_store::connect_with(&config.database_url, &config.store)
        .await
        .context("cannot open the database")
}

/// Validates the policy set and runs its own cases (the errors name the directory).
fn policy_test(source: &gateway_policy::PolicySource) -> anyhow::Result<()> {
    let report = gateway_policy::run_source_cases(source)?;
    println!("{source}");
    println!("{}", report.to_string().trim_end());
    anyhow::ensure!(report.is_success(), "policy cases failed");
    Ok(())
}

pub use demo::log_file as demo_log_file;
