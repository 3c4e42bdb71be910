use std::time::Duration;

use anyhow::Context;
use gateway_api::server::{ServerSettings, start};
use gateway_pki::dev::DevPki;

use super::{open_store, partners::register_dev_partners};
use crate::cli::ServeArgs;
use crate::config::GatewayConfig;

pub async fn run(mut config: GatewayConfig, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(dir) = args.policy_dir {
        config.policy_dir = Some(dir);
    }
    let dev_pki = match &config.dev_pki {
        Some(dir) => {
            let (pki, created) = DevPki::open_or_create(dir).context("dev PKI")?;
            if created {
                tracing::warn!(dir = %dir.display(), "created a development PKI (not for production)");
            }
            Some(pki)
        }
        None => None,
    };
    let store = open_store(&config).await?;
    if dev_pki.is_some() {
        // Development mode only: the explicit `keys init` step, which creates keys only for
        // an empty log (on any other log it refuses exactly as the start would).
        super::keys::init(store.as_ref(), &config.keys_dir).await?;
    }
    if let Some(pki) = &dev_pki
        && store.partners().await?.is_empty()
    {
        register_dev_partners(&store, pki).await?;
        tracing::warn!(
            partners = pki.partners.len(),
            "registered the dev PKI's demo partners in an empty registry (development mode)"
        );
    }
    let settings = ServerSettings {
        listen: config.listen,
        tls: config.tls_settings()?,
        http: config.http_limits(),
        tokens: config.token_policy(),
        reload_poll: Duration::from_secs(config.tls.reload_poll_secs.max(1)),
        policy_dir: config.policy_dir.clone(),
        keys_dir: config.keys_dir.clone(),
        disclosure: config.disclosure_settings(),
        log: config.log_settings(),
        transfers: config.transfer_settings()?,
        upstream: config.upstream_settings(),
    };
    let mut server = start(settings, store.clone()).await?;
    // `gateway import` writes records this process has not indexed; SIGHUP picks them up.
    server.reload_subjects_on_hangup();
    let trigger = server.take_shutdown_trigger();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        if let Some(trigger) = trigger {
            let _ = trigger.send(());
        }
    });
    let served = server.wait().await;
    // After the last request: SQLite moves every committed page from its WAL into the main
    // file, so the file alone is the whole database (a copy of it is a backup).
    match store.checkpoint().await {
        Ok(()) => tracing::info!("database checkpointed"),
        Err(err) => tracing::error!(error = %err, "database checkpoint at shutdown failed"),
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
