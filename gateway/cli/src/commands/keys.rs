//! `gateway keys`: the one place log keys are created (`init`, for an empty log) or replaced
//! (`rotate`). Both print what they did; neither prints key material.

use std::path::PathBuf;

use anyhow::Context;

use super::open_store;
use crate::cli::{KeysArg, KeysCommand};
use crate::config::GatewayConfig;

fn keys_dir(config: &GatewayConfig, keys: &KeysArg) -> PathBuf {
    keys.keys_dir
        .clone()
        .unwrap_or_else(|| config.keys_dir.clone())
}

pub async fn run(config: &GatewayConfig, cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::Init { keys } => {
            let dir = keys_dir(config, &keys);
            let store = open_store(config).await?;
            let done = init(store.as_ref(), &dir).await?;
            println!(
                "log keys {} in {} (signing key id {}){}",
                if done.created { "created" } else { "present" },
                dir.display(),
                done.key_id,
                if done.pinned {
                    "; pinned in the database"
                } else {
                    "; already pinned"
                }
            );
            Ok(())
        }
        KeysCommand::Rotate { keys } => {
            let dir = keys_dir(config, &keys);
            let store = open_store(config).await?;
            let rotated = gateway_disclosure::rotation::rotate(store, &dir, config.log_settings())
                .await
                .context("key rotation")?;
            println!(
                "log signing key rotated at index {}: {} -> {}; the retired public key is {}",
                rotated.index,
                rotated.previous_key_id,
                rotated.next_key_id,
                rotated.retired_public_key.display()
            );
            Ok(())
        }
    }
}

/// `keys init`, as `gateway demo` and the development mode of `serve` also run it (it creates
/// keys only for an empty log).
pub async fn init(
    store: &dyn gateway_store::Store,
    dir: &std::path::Path,
) -> anyhow::Result<gateway_disclosure::Initialised> {
    let done = gateway_disclosure::pinning::init(store, dir).await?;
    if done.created {
        tracing::warn!(dir = %dir.display(), key_id = %done.key_id, "created the log keys for an empty log");
    }
    Ok(done)
}
