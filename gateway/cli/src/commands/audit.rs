//! `gateway audit`: the disclosure log, checked and proved from the database (any backend,
//! `--database-url`) or from an exported file with nothing but the public key.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use gateway_disclosure::audit::{export, verify_export, verify_store};
use gateway_disclosure::keys::PUBLIC_KEY_FILE;
use gateway_disclosure::{IndexedEntry, log::signed_head};
use gateway_domain::CcisId;
use gateway_store::Store;
use gateway_translog::{Hash, MerkleTree, TreeHeadVerifier};

use super::open_store;
use crate::cli::{AuditCommand, KeysArg};
use crate::config::GatewayConfig;

fn keys_dir(config: &GatewayConfig, keys: &KeysArg) -> PathBuf {
    keys.keys_dir
        .clone()
        .unwrap_or_else(|| config.keys_dir.clone())
}

fn verifier(path: &Path) -> anyhow::Result<TreeHeadVerifier> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the public key {}", path.display()))?;
    TreeHeadVerifier::from_public_key_pem(&pem)
        .map_err(|e| anyhow::anyhow!("{} is not an Ed25519 public key: {e}", path.display()))
}

pub async fn run(config: &GatewayConfig, cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify {
            offline,
            public_key,
            keys,
        } => {
            let key_path =
                public_key.unwrap_or_else(|| keys_dir(config, &keys).join(PUBLIC_KEY_FILE));
            let verifier = verifier(&key_path)?;
            let started = std::time::Instant::now();
            let result = match offline {
                Some(file) => {
                    let reader = BufReader::new(
                        std::fs::File::open(&file)
                            .with_context(|| format!("cannot open {}", file.display()))?,
                    );
                    verify_export(reader, &verifier)
                }
                None => verify_store(open_store(config).await?.as_ref(), &verifier).await,
            };
            match result {
                Ok(report) => {
                    let secs = started.elapsed().as_secs_f64();
                    println!(
                        "log verified: {} entries, {} signed tree heads checked in {:.2} s ({:.0} entries/s)",
                        report.entries,
                        report.heads_checked,
                        secs,
                        report.entries as f64 / secs.max(1e-9)
                    );
                    if let Some(head) = report.latest_head {
                        println!("{}", serde_json::to_string_pretty(&head)?);
                    }
                    Ok(())
                }
                Err(err) => {
                    match err.first_bad_index() {
                        Some(index) => {
                            eprintln!("log does NOT verify: first bad index {index}: {err}")
                        }
                        None => eprintln!("log does NOT verify: {err}"),
                    }
                    bail!("disclosure log verification failed")
                }
            }
        }
        AuditCommand::Prove { index, keys: _ } => {
            let store = open_store(config).await?;
            let (tree, head) = load_tree(&store).await?;
            let size = head.head.tree_size;
            let proof = tree
                .inclusion_proof(index, size)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let leaf = tree.leaf(index).context("no such entry")?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "log_index": index,
                    "leaf_hash": leaf,
                    "tree_size": size,
                    "audit_path": proof,
                    "signed_tree_head": head,
                }))?
            );
            Ok(())
        }
        AuditCommand::Consistency { from, to, keys: _ } => {
            let store = open_store(config).await?;
            let (tree, _) = load_tree(&store).await?;
            let proof = tree
                .consistency_proof(from, to)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "from": from,
                    "to": to,
                    "from_root": tree.root_at(from).map_err(|e| anyhow::anyhow!("{e}"))?,
                    "to_root": tree.root_at(to).map_err(|e| anyhow::anyhow!("{e}"))?,
                    "proof": proof,
                }))?
            );
            Ok(())
        }
        AuditCommand::Export { subject, out, keys } => {
            let store = open_store(config).await?;
            match subject {
                None => {
                    let mut sink: Box<dyn Write> = match &out {
                        Some(path) => Box::new(std::io::BufWriter::new(
                            std::fs::File::create(path)
                                .with_context(|| format!("cannot create {}", path.display()))?,
                        )),
                        None => Box::new(std::io::stdout().lock()),
                    };
                    let n = export(store.as_ref(), &mut sink)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    if let Some(path) = out {
                        eprintln!("exported {n} entries to {}", path.display());
                    }
                    Ok(())
                }
                Some(id) => subject_report(&store, &keys_dir(config, &keys), &id, out).await,
            }
        }
    }
}

/// The tree rebuilt from the stored leaf hashes, and the latest signed head.
async fn load_tree(
    store: &Arc<dyn Store>,
) -> anyhow::Result<(MerkleTree, gateway_translog::SignedTreeHead)> {
    let head = store
        .latest_tree_head()
        .await?
        .context("the log has no signed tree head yet")?;
    let mut tree = MerkleTree::new();
    loop {
        let leaves = store.log_leaf_hashes(tree.len(), 50_000).await?;
        if leaves.is_empty() {
            break;
        }
        for leaf in leaves {
            tree.append(Hash(leaf));
        }
    }
    Ok((tree, signed_head(&head)))
}

/// A subject access report: who saw the record, when, which exchange, what, on what basis.
async fn subject_report(
    store: &Arc<dyn Store>,
    keys_dir: &Path,
    id: &str,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let id = CcisId::parse(id).map_err(|_| anyhow::anyhow!("not a CCIS YoungPersonsID"))?;
    // Reads the pseudonym key and checks it is the log's; creates and writes nothing (a
    // wrong key would report someone else's entries, or none).
    let pseudonymiser = gateway_disclosure::keys::load_pseudonymiser(keys_dir)?;
    gateway_disclosure::pinning::check_pseudonym_key(store.as_ref(), &pseudonymiser).await?;
    let pseudonym = pseudonymiser.pseudonym(id.as_str());
    let rows = store.log_entries_for_subject(&pseudonym).await?;
    let entries = rows
        .iter()
        .map(|r| IndexedEntry::from_bytes(&r.entry))
        .collect::<Result<Vec<_>, _>>()
        .context("an entry in the log is unreadable")?;
    // The lookup column is outside the hash: keep only entries that name this subject
    // themselves (`audit verify` reports any row filed under the wrong subject).
    let entries: Vec<IndexedEntry> = entries
        .into_iter()
        .filter(|e| e.entry.subject.as_deref() == Some(pseudonym.as_str()))
        .collect();
    let json = serde_json::to_string_pretty(&entries)?;
    match &out {
        Some(path) => std::fs::write(path, &json)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => println!("{json}"),
    }
    println!();
    println!(
        "{:<6} {:<25} {:<20} {:<22} {:<16} {:<14} {:<32} withheld",
        "index", "time", "partner", "exchange/event", "outcome", "basis", "released"
    );
    for e in &entries {
        let time = e
            .entry
            .time
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let what = e
            .entry
            .exchange
            .clone()
            .unwrap_or_else(|| format!("{:?}", e.entry.event));
        println!(
            "{:<6} {:<25} {:<20} {:<22} {:<16} {:<14} {:<32} {}",
            e.index,
            time,
            e.entry.partner.as_deref().unwrap_or("-"),
            what,
            format!("{:?}", e.entry.outcome),
            e.entry.lawful_basis.as_deref().unwrap_or("-"),
            join(&e.entry.released),
            join(&e.entry.withheld),
        );
    }
    println!("{} entries about this young person", entries.len());
    Ok(())
}

fn join(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(",")
    }
}
