//! Replacing the log's signing key (`gateway keys rotate`), and the chain of keys an audit
//! follows across replacements.
//!
//! A rotation is one log entry ([`Event::KeyRotation`], filed under
//! [`KEY_ROTATION_SUBJECT`]) naming the old and the new public key, appended by the old key's
//! writer, so the head that commits to it is signed with the **old** key; then a head of the
//! same size signed with the **new** key. From then on only the new key signs. So with the
//! rotation at index `r`:
//!
//! - the old key signs heads of sizes up to `r + 1`, the new one from `r + 1` on;
//! - the announcement of the new key is vouched for by the key it retires (someone who
//!   forges a rotation entry cannot produce the old key's head over it);
//! - an auditor holding any one of the keys (the first, or the current from the key folder)
//!   can check the whole log: the chain is read from the log, and every key in it is
//!   accepted only for its own range of sizes.
//!
//! The gateway must be stopped on every node while the key is rotated: a node still running
//! with the old key would sign heads outside the old key's range, which `audit verify`
//! refuses, and its writer stops when it meets the new key's head.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use gateway_store::{Store, StoreError, StoredTreeHead};
use gateway_translog::{
    HeadVerifier, SignedTreeHead, SthError, TreeHead, TreeHeadSigner, TreeHeadVerifier,
};
use time::OffsetDateTime;

use crate::entry::{Event, KEY_ROTATION_SUBJECT, KeyRotation, LogEntry, Outcome};
use crate::keys::{
    KeyFileError, LogKeys, PUBLIC_KEY_FILE, SIGNING_KEY_FILE, io, read_signing_key,
    write_new_signing_key,
};
use crate::log::{DisclosureLog, LogError, LogSettings, now_ms};

/// The new private key while a rotation is under way: written before the database is
/// touched, renamed over the signing key after, so a rotation interrupted at any point can be
/// finished by running the command again.
pub const NEXT_KEY_FILE: &str = "log-signing.key.pem.next";

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The index of the rotation entry.
    pub index: u64,
    pub previous_key_id: String,
    pub next_key_id: String,
    /// Where the retired public key was kept (receipts signed before the rotation verify
    /// with it).
    pub retired_public_key: std::path::PathBuf,
}

/// Why a rotation did not complete.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error(transparent)]
    Keys(#[from] KeyFileError),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("the database: {0}")]
    Store(#[from] StoreError),
}

fn b64(key: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(key)
}

fn stored(sth: &SignedTreeHead) -> StoredTreeHead {
    StoredTreeHead {
        tree_size: sth.head.tree_size,
        timestamp_ms: sth.head.timestamp_ms,
        root_hash: sth.head.root_hash.0,
        key_id: sth.key_id.0,
        signature: sth.signature.clone(),
    }
}

/// `gateway keys rotate`: a new signing key, announced in the log under the old one (see the
/// module docs). Every node must be stopped. The pseudonym key is never rotated (it would
/// split every young person's history).
pub async fn rotate(
    store: Arc<dyn Store>,
    dir: &Path,
    settings: LogSettings,
) -> Result<Rotated, RotateError> {
    let keys = LogKeys::load(dir)?;
    let previous_public = keys.signer.public_key_bytes();
    let previous_pem = keys.signer.public_key_pem();
    let previous_key_id = keys.signer.key_id().to_hex();
    let next_path = dir.join(NEXT_KEY_FILE);
    let next: TreeHeadSigner = if next_path.exists() {
        read_signing_key(&next_path)?
    } else {
        write_new_signing_key(&next_path)?
    };
    let newest = store.latest_tree_head().await?.ok_or(LogError::Empty)?;
    let index = if newest.key_id == next.key_id().0 {
        // An interrupted rotation: the database part is done, only the files remain.
        newest.tree_size.saturating_sub(1)
    } else {
        // Opening checks everything a start checks: a rotation never blesses a log the
        // old key could not vouch for.
        let log =
            DisclosureLog::open(store.clone(), keys.signer, keys.pseudonymiser, settings).await?;
        let mut entry = LogEntry::new(
            OffsetDateTime::now_utc(),
            Event::KeyRotation,
            Outcome::Recorded,
        );
        entry.subject = Some(KEY_ROTATION_SUBJECT.into());
        entry.note = Some(format!(
            "log signing key {previous_key_id} replaced by {}",
            next.key_id().to_hex()
        ));
        entry.key_rotation = Some(KeyRotation {
            previous_key: b64(&previous_public),
            next_key: b64(&next.public_key_bytes()),
        });
        let receipt = log.append(entry).await?;
        let committed = receipt.signed_tree_head.head;
        let head = next.sign(&TreeHead {
            tree_size: committed.tree_size,
            root_hash: committed.root_hash,
            // Later than the old key's head of the same size, so it is the newest head.
            timestamp_ms: now_ms().max(committed.timestamp_ms + 1),
        });
        store.add_tree_head(&stored(&head)).await?;
        receipt.log_index
    };
    let retired = dir.join(format!("retired-{}.pub.pem", &previous_key_id[..16]));
    fs::write(&retired, previous_pem).map_err(|source| io(&retired, source))?;
    let signing_path = dir.join(SIGNING_KEY_FILE);
    fs::rename(&next_path, &signing_path).map_err(|source| io(&signing_path, source))?;
    let public_path = dir.join(PUBLIC_KEY_FILE);
    fs::write(&public_path, next.public_key_pem()).map_err(|source| io(&public_path, source))?;
    tracing::warn!(
        index,
        previous_key_id,
        next_key_id = %next.key_id(),
        "log signing key rotated"
    );
    Ok(Rotated {
        index,
        previous_key_id,
        next_key_id: next.key_id().to_hex(),
        retired_public_key: retired,
    })
}

/// Why the log's chain of keys does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("the key rotation at index {index} does not hold two Ed25519 public keys")]
    Malformed { index: u64 },
    #[error(
        "the key rotation at index {index} does not retire the key the one before it introduced"
    )]
    Broken { index: u64 },
    #[error("the given public key is not one of this log's signing keys")]
    UnknownAnchor,
    #[error(
        "the key rotation at index {index} is not committed to by a head signed with the key \
         it retires (a forged rotation)"
    )]
    NotSignedByPreviousKey { index: u64 },
    #[error(
        "the key rotation entries filed under the rotation subject differ from those in the \
         log (first at index {index})"
    )]
    Hidden { index: u64 },
}

impl ChainError {
    pub fn index(&self) -> Option<u64> {
        match self {
            ChainError::Malformed { index }
            | ChainError::Broken { index }
            | ChainError::NotSignedByPreviousKey { index }
            | ChainError::Hidden { index } => Some(*index),
            ChainError::UnknownAnchor => None,
        }
    }
}

/// One key and the tree sizes it may sign.
#[derive(Debug, Clone)]
struct KeyPeriod {
    verifier: TreeHeadVerifier,
    from: u64,
    until: Option<u64>,
}

/// The log's signing keys in order, each with its range of sizes, from the rotation entries.
#[derive(Debug, Clone)]
pub struct KeyChain {
    periods: Vec<KeyPeriod>,
    rotations: Vec<(u64, KeyRotation)>,
}

fn key_of(index: u64, text: &str) -> Result<TreeHeadVerifier, ChainError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .and_then(|bytes| TreeHeadVerifier::from_public_key(&bytes).ok())
        .ok_or(ChainError::Malformed { index })
}

impl KeyChain {
    /// The chain the rotation entries (index order) describe; `anchor` (the key the auditor
    /// trusts) must be one of its keys. With no rotation the anchor is the only key.
    pub fn new(
        anchor: &TreeHeadVerifier,
        rotations: Vec<(u64, KeyRotation)>,
    ) -> Result<Self, ChainError> {
        let mut periods = Vec::with_capacity(rotations.len() + 1);
        let mut current = match rotations.first() {
            None => anchor.clone(),
            Some((index, rotation)) => key_of(*index, &rotation.previous_key)?,
        };
        let mut from = 0u64;
        for (index, rotation) in &rotations {
            if key_of(*index, &rotation.previous_key)? != current {
                return Err(ChainError::Broken { index: *index });
            }
            let boundary = index + 1;
            periods.push(KeyPeriod {
                verifier: current,
                from,
                until: Some(boundary),
            });
            current = key_of(*index, &rotation.next_key)?;
            from = boundary;
        }
        periods.push(KeyPeriod {
            verifier: current,
            from,
            until: None,
        });
        if !periods.iter().any(|p| p.verifier == *anchor) {
            return Err(ChainError::UnknownAnchor);
        }
        Ok(KeyChain { periods, rotations })
    }

    /// The rotations the chain was built from.
    pub fn rotations(&self) -> &[(u64, KeyRotation)] {
        &self.rotations
    }

    /// Checks that each rotation is committed to by the key it retires: among `heads` (all
    /// verified by the audit), one of size `index + 1` under the previous key.
    pub fn check_rotations_signed(&self, heads: &[(u64, [u8; 32])]) -> Result<(), ChainError> {
        for (period, (index, _)) in self.periods.iter().zip(&self.rotations) {
            let retired = period.verifier.key_id().0;
            if !heads
                .iter()
                .any(|(size, key)| *size == index + 1 && *key == retired)
            {
                return Err(ChainError::NotSignedByPreviousKey { index: *index });
            }
        }
        Ok(())
    }
}

impl HeadVerifier for KeyChain {
    fn verify_head(&self, sth: &SignedTreeHead) -> Result<(), SthError> {
        let mut known = false;
        for period in &self.periods {
            if period.verifier.key_id() != sth.key_id {
                continue;
            }
            known = true;
            let size = sth.head.tree_size;
            if size >= period.from && period.until.is_none_or(|until| size <= until) {
                return period.verifier.verify(sth);
            }
        }
        match (known, self.periods.last()) {
            (true, _) => Err(SthError::OutsideKeyPeriod {
                key_id: sth.key_id,
                tree_size: sth.head.tree_size,
            }),
            (false, Some(last)) => Err(SthError::KeyIdMismatch {
                expected: last.verifier.key_id(),
                found: sth.key_id,
            }),
            (false, None) => Err(SthError::BadSignature),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use gateway_translog::Hash;

    fn signer() -> TreeHeadSigner {
        TreeHeadSigner::from_pkcs8(&TreeHeadSigner::generate_pkcs8().unwrap()).unwrap()
    }

    fn head(s: &TreeHeadSigner, size: u64) -> SignedTreeHead {
        s.sign(&TreeHead {
            tree_size: size,
            root_hash: Hash([size as u8; 32]),
            timestamp_ms: 1,
        })
    }

    #[test]
    fn each_key_signs_only_its_own_sizes_and_any_key_of_the_chain_anchors_it() {
        let (a, b) = (signer(), signer());
        let rotation = KeyRotation {
            previous_key: b64(&a.public_key_bytes()),
            next_key: b64(&b.public_key_bytes()),
        };
        for anchor in [a.verifier(), b.verifier()] {
            let chain = KeyChain::new(&anchor, vec![(9, rotation.clone())]).unwrap();
            assert!(chain.verify_head(&head(&a, 10)).is_ok());
            assert!(chain.verify_head(&head(&b, 10)).is_ok());
            assert!(chain.verify_head(&head(&b, 30)).is_ok());
            assert!(matches!(
                chain.verify_head(&head(&a, 11)),
                Err(SthError::OutsideKeyPeriod { .. })
            ));
            assert!(matches!(
                chain.verify_head(&head(&b, 9)),
                Err(SthError::OutsideKeyPeriod { .. })
            ));
            assert!(chain.check_rotations_signed(&[(10, a.key_id().0)]).is_ok());
            assert_eq!(
                chain.check_rotations_signed(&[(10, b.key_id().0)]),
                Err(ChainError::NotSignedByPreviousKey { index: 9 })
            );
        }
        assert_eq!(
            KeyChain::new(&signer().verifier(), vec![(9, rotation.clone())]).unwrap_err(),
            ChainError::UnknownAnchor
        );
        // A second rotation that does not start from the first one's new key.
        let stray = KeyRotation {
            previous_key: b64(&a.public_key_bytes()),
            next_key: b64(&signer().public_key_bytes()),
        };
        assert_eq!(
            KeyChain::new(&a.verifier(), vec![(9, rotation), (20, stray)]).unwrap_err(),
            ChainError::Broken { index: 20 }
        );
    }
}
