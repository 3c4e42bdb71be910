//! Keys pinned to the log: the one explicit step that creates them (`gateway keys init`), and
//! the check every start makes that the key files are the ones this log was written with.
//!
//! - The **signing key** is pinned by the tree heads: `init` signs the empty tree's head, so
//!   from the first moment the newest head names the key that must sign the next one; a
//!   starting writer refuses any other ([`crate::trust::check_log`]).
//! - The **pseudonym key** leaves no trace in the heads, so `init` stores a check value
//!   (HMAC of a fixed label, [`Pseudonymiser::check_value`]) in `log_key_pins`; a key that
//!   does not reproduce it is refused. Without this, a missing pseudonym key replaced by a
//!   new one would quietly split every young person's history: a subject access report
//!   would find only the entries written after the swap.

use std::path::Path;

use gateway_store::{Store, StoreError, StoredTreeHead};
use gateway_translog::{TreeHead, empty_root};

use crate::keys::{KeyFileError, LogKeys, PSEUDONYM_KEY_FILE, SIGNING_KEY_FILE};
use crate::log::now_ms;
use crate::pseudonym::Pseudonymiser;
use crate::trust::Untrusted;

/// The `log_key_pins` row holding the pseudonym key's check value.
pub const PSEUDONYM_PIN: &str = "pseudonym-check";

/// Why the keys do not fit the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error(
        "the log's keys were never pinned in this database: run `gateway keys init` (it \
         creates keys only for an empty log, and pins the keys an existing log was signed with)"
    )]
    NotInitialised,
    #[error(
        "the subject pseudonym key does not match the check value stored with the log: the \
         key file is damaged, replaced or another deployment's; restore this deployment's key"
    )]
    WrongPseudonymKey,
}

/// Why `keys init` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "the log already holds entries, tree heads or pinned keys, so `gateway keys init` will \
         not create keys for it: restore this deployment's key files in {dir}"
    )]
    NotEmpty { dir: String },
    #[error(transparent)]
    Keys(#[from] KeyFileError),
    #[error(transparent)]
    Pin(#[from] PinError),
    #[error(transparent)]
    Untrusted(#[from] Untrusted),
    #[error("the database: {0}")]
    Store(#[from] StoreError),
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialised {
    /// Key files were created (the log was empty).
    pub created: bool,
    /// The pseudonym check value was written now (not already there).
    pub pinned: bool,
    /// The signing key's id (hex).
    pub key_id: String,
}

/// `gateway keys init`: creates the key files in `dir` only if the log is empty (no entry,
/// head or pin), then pins them: the pseudonym check value, and a signed head of the empty
/// tree. On a log that already has entries it only pins keys that are already the log's
/// (the newest head signed by this signing key), for a log written before pins existed.
/// Running it again on an initialised log changes nothing.
pub async fn init(store: &dyn Store, dir: &Path) -> Result<Initialised, InitError> {
    let newest = store.latest_tree_head().await?;
    let size = store.log_size().await?;
    let pin = store.log_key_pin(PSEUDONYM_PIN).await?;
    let empty = newest.is_none() && size == 0 && pin.is_none();
    let missing = !dir.join(SIGNING_KEY_FILE).exists() || !dir.join(PSEUDONYM_KEY_FILE).exists();
    if missing {
        if !empty {
            return Err(InitError::NotEmpty {
                dir: dir.display().to_string(),
            });
        }
        LogKeys::create_missing(dir)?;
    }
    let keys = LogKeys::load(dir)?;
    let key_id = keys.signer.key_id();
    match &newest {
        // Entries and no head at all: nothing vouches for them, nothing is pinned.
        None if size > 0 => return Err(Untrusted::Uncovered { index: 0 }.into()),
        Some(head) if head.key_id != key_id.0 => {
            return Err(Untrusted::ForeignKey {
                tree_size: head.tree_size,
            }
            .into());
        }
        _ => {}
    }
    let pinned = match pin {
        Some(value) if value == keys.pseudonymiser.check_value() => false,
        Some(_) => return Err(PinError::WrongPseudonymKey.into()),
        None => {
            store
                .add_log_key_pin(PSEUDONYM_PIN, &keys.pseudonymiser.check_value())
                .await?;
            true
        }
    };
    if newest.is_none() {
        let head = keys.signer.sign(&TreeHead {
            tree_size: 0,
            root_hash: empty_root(),
            timestamp_ms: now_ms(),
        });
        store
            .add_tree_head(&StoredTreeHead {
                tree_size: 0,
                timestamp_ms: head.head.timestamp_ms,
                root_hash: head.head.root_hash.0,
                key_id: head.key_id.0,
                signature: head.signature,
            })
            .await?;
    }
    keys.write_public_key(dir)?;
    Ok(Initialised {
        created: missing,
        pinned,
        key_id: key_id.to_hex(),
    })
}

/// Checks the pseudonym key against the stored check value.
pub async fn check_pseudonym_key(
    store: &dyn Store,
    pseudonymiser: &Pseudonymiser,
) -> Result<(), crate::LogError> {
    match store.log_key_pin(PSEUDONYM_PIN).await? {
        None => Err(PinError::NotInitialised.into()),
        Some(value) if value == pseudonymiser.check_value() => Ok(()),
        Some(_) => Err(PinError::WrongPseudonymKey.into()),
    }
}
