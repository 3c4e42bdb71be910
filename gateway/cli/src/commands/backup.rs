//! `gateway backup --out FILE`: a consistent copy of a running SQLite gateway's database.
//!
//! Copying the database file with `cp` is not a backup: with write-ahead logging, committed
//! pages may live only in `gateway.db-wal` until a checkpoint, and a copy taken mid-write
//! can be torn. `VACUUM INTO` reads the whole database in one transaction, so the copy is
//! the database as of one moment, complete in one file, while the gateway keeps appending.

use std::path::Path;

use anyhow::{Context, ensure};

use super::open_store;
use crate::config::GatewayConfig;

pub async fn run(config: &GatewayConfig, out: &Path) -> anyhow::Result<()> {
    ensure!(
        !out.exists(),
        "{} already exists; a backup never overwrites a file",
        out.display()
    );
    let store = open_store(config).await?;
    let started = std::time::Instant::now();
    store
        .backup_to(out)
        .await
        .with_context(|| format!("backup to {} failed", out.display()))?;
    let size = std::fs::metadata(out)
        .with_context(|| format!("the backup {} was not written", out.display()))?
        .len();
    println!(
        "backup written: {} ({size} bytes, {:.2} s); check it with \
         `gateway --database-url sqlite://{} audit verify`",
        out.display(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}
