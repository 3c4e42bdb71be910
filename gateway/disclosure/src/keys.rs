//! The log's two secrets, as files: the Ed25519 key that signs tree heads and the HMAC key
//! behind subject pseudonyms. Created only by `gateway keys init` for an empty log
//! ([`crate::pinning::init`]), never at start: a key that is missing (a secrets volume that
//! did not mount) must stop the gateway, not be silently replaced. Mode 0600, never
//! committed; every node of a deployment points at the same files. The public key is
//! written beside the private one for auditors (`gateway audit verify --public-key`);
//! `gateway keys rotate` keeps retired public keys beside it (`retired-*.pub.pem`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use gateway_translog::TreeHeadSigner;

use crate::pseudonym::{KEY_LEN, Pseudonymiser};

/// File names inside the key directory.
pub const SIGNING_KEY_FILE: &str = "log-signing.key.pem";
pub const PUBLIC_KEY_FILE: &str = "log-signing.pub.pem";
pub const PSEUDONYM_KEY_FILE: &str = "subject-pseudonym.key";

/// Why a key file could not be used. Never contains key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a usable Ed25519 PKCS#8 key")]
    BadSigningKey { path: PathBuf },
    #[error(
        "no log key at {path}: run `gateway keys init` for a new, empty log, or restore this \
         deployment's key files"
    )]
    Missing { path: PathBuf },
    #[error("{path} is not 64 hex digits")]
    BadPseudonymKey { path: PathBuf },
    #[error("a pseudonym key must be at least 32 bytes")]
    TooShort,
    #[error("could not generate a key")]
    Generate,
}

/// The log's keys, loaded.
#[derive(Debug)]
pub struct LogKeys {
    pub signer: TreeHeadSigner,
    /// The same Ed25519 key, for signing documents (consent receipts).
    pub documents: DocumentSigner,
    pub pseudonymiser: Pseudonymiser,
}

/// Signs JSON documents with the log's Ed25519 key, so one public key verifies tree heads
/// and receipts alike.
pub struct DocumentSigner {
    key: ring::signature::Ed25519KeyPair,
    key_id: String,
}

impl std::fmt::Debug for DocumentSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A document and its detached signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedDocument {
    /// The signed bytes: a JSON document, as a string.
    pub payload: String,
    /// `Ed25519`.
    pub algorithm: String,
    /// SHA-256 of the signer's SubjectPublicKeyInfo (hex), as in the tree heads.
    pub key_id: String,
    /// Ed25519 over the UTF-8 bytes of `payload`, standard base64.
    pub signature: String,
}

impl DocumentSigner {
    fn from_pkcs8(der: &[u8], key_id: String) -> Result<Self, ()> {
        let key =
            ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|_| ())?;
        Ok(DocumentSigner { key, key_id })
    }

    /// Signs the JSON serialisation of `document`.
    pub fn sign<T: serde::Serialize>(
        &self,
        document: &T,
    ) -> Result<SignedDocument, serde_json::Error> {
        use base64::Engine;
        let payload = serde_json::to_string(document)?;
        let signature = self.key.sign(payload.as_bytes());
        Ok(SignedDocument {
            payload,
            algorithm: "Ed25519".into(),
            key_id: self.key_id.clone(),
            signature: base64::engine::general_purpose::STANDARD.encode(signature.as_ref()),
        })
    }
}

/// Checks a signed document against a public key (raw 32 bytes).
pub fn verify_document(document: &SignedDocument, public_key: &[u8]) -> bool {
    use base64::Engine;
    let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(&document.signature)
    else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public_key)
        .verify(document.payload.as_bytes(), &signature)
        .is_ok()
}

impl LogKeys {
    /// Loads the keys from `dir`; a missing file is an error, never a new key. Writes nothing.
    pub fn load(dir: &Path) -> Result<Self, KeyFileError> {
        let signing_path = dir.join(SIGNING_KEY_FILE);
        let pem = read_existing(&signing_path)?;
        let signer =
            TreeHeadSigner::from_pkcs8_pem(&pem).map_err(|_| KeyFileError::BadSigningKey {
                path: signing_path.clone(),
            })?;
        let pseudonymiser = load_pseudonymiser(dir)?;
        let documents = gateway_translog::sth::private_key_der(&pem)
            .ok()
            .and_then(|der| DocumentSigner::from_pkcs8(&der, signer.key_id().to_hex()).ok())
            .ok_or_else(|| KeyFileError::BadSigningKey {
                path: signing_path.clone(),
            })?;
        Ok(LogKeys {
            signer,
            documents,
            pseudonymiser,
        })
    }

    /// Creates whichever of the two key files is missing in `dir` (never overwrites one).
    /// Only [`crate::pinning::init`] calls this, after checking the log is empty.
    pub(crate) fn create_missing(dir: &Path) -> Result<(), KeyFileError> {
        fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
        let signing_path = dir.join(SIGNING_KEY_FILE);
        if !signing_path.exists() {
            write_new_signing_key(&signing_path)?;
        }
        let pseudonym_path = dir.join(PSEUDONYM_KEY_FILE);
        if !pseudonym_path.exists() {
            let mut key = [0u8; KEY_LEN];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key)
                .map_err(|_| KeyFileError::Generate)?;
            write_private(&pseudonym_path, hex::encode(key).as_bytes())?;
        }
        Ok(())
    }

    /// Writes the public key beside the private one when it is absent or another key's
    /// (`keys init`, `keys rotate`), for auditors.
    pub(crate) fn write_public_key(&self, dir: &Path) -> Result<(), KeyFileError> {
        let public_path = dir.join(PUBLIC_KEY_FILE);
        let public = self.signer.public_key_pem();
        if fs::read_to_string(&public_path).ok().as_deref() != Some(public.as_str()) {
            fs::write(&public_path, public).map_err(|source| io(&public_path, source))?;
        }
        Ok(())
    }
}

/// Loads only the pseudonym key from `dir` (a subject access report needs nothing else, and
/// writes nothing).
pub fn load_pseudonymiser(dir: &Path) -> Result<Pseudonymiser, KeyFileError> {
    let path = dir.join(PSEUDONYM_KEY_FILE);
    let text = read_existing(&path)?;
    let key = hex::decode(text.trim())
        .ok()
        .filter(|k| k.len() == KEY_LEN)
        .ok_or(KeyFileError::BadPseudonymKey { path })?;
    Pseudonymiser::new(&key)
}

/// Writes a fresh Ed25519 private key to `path` (which must not exist) and returns its signer.
pub(crate) fn write_new_signing_key(path: &Path) -> Result<TreeHeadSigner, KeyFileError> {
    let der = TreeHeadSigner::generate_pkcs8().map_err(|_| KeyFileError::Generate)?;
    write_private(
        path,
        gateway_translog::sth::private_key_pem(&der).as_bytes(),
    )?;
    TreeHeadSigner::from_pkcs8(&der).map_err(|_| KeyFileError::Generate)
}

/// Reads a signing key file that must already exist.
pub(crate) fn read_signing_key(path: &Path) -> Result<TreeHeadSigner, KeyFileError> {
    let pem = read_existing(path)?;
    TreeHeadSigner::from_pkcs8_pem(&pem).map_err(|_| KeyFileError::BadSigningKey {
        path: path.to_owned(),
    })
}

fn read_existing(path: &Path) -> Result<String, KeyFileError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(KeyFileError::Missing {
            path: path.to_owned(),
        }),
        Err(source) => Err(io(path, source)),
    }
}

pub(crate) fn io(path: &Path, source: std::io::Error) -> KeyFileError {
    KeyFileError::Io {
        path: path.to_owned(),
        source,
    }
}

pub(crate) fn write_private(path: &Path, contents: &[u8]) -> Result<(), KeyFileError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|source| io(path, source))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|source| io(path, source))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_created_once_and_reloaded_the_same() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            LogKeys::load(dir.path()),
            Err(KeyFileError::Missing { .. })
        ));
        LogKeys::create_missing(dir.path()).unwrap();
        let first = LogKeys::load(dir.path()).unwrap();
        LogKeys::create_missing(dir.path()).unwrap();
        let second = LogKeys::load(dir.path()).unwrap();
        assert_eq!(first.signer.key_id(), second.signer.key_id());
        assert_eq!(
            first.pseudonymiser.pseudonym("8860000000001"),
            second.pseudonymiser.pseudonym("8860000000001")
        );
        first.write_public_key(dir.path()).unwrap();
        let public = fs::read_to_string(dir.path().join(PUBLIC_KEY_FILE)).unwrap();
        assert_eq!(public, first.signer.public_key_pem());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(SIGNING_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "private key readable by others");
        }
    }

    #[test]
    fn documents_are_signed_with_the_log_key() {
        let dir = tempfile::tempdir().unwrap();
        LogKeys::create_missing(dir.path()).unwrap();
        let keys = LogKeys::load(dir.path()).unwrap();
        let signed = keys
            .documents
            .sign(&serde_json::json!({"consent": "c1"}))
            .unwrap();
        let public = keys.signer.public_key_bytes();
        assert!(verify_document(&signed, &public));
        assert_eq!(signed.key_id, keys.signer.key_id().to_hex());
        let mut forged = signed.clone();
        forged.payload = forged.payload.replace("c1", "c2");
        assert!(!verify_document(&forged, &public));
    }

    #[test]
    fn a_damaged_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(PSEUDONYM_KEY_FILE), "not hex").unwrap();
        LogKeys::create_missing(dir.path()).unwrap();
        assert!(matches!(
            LogKeys::load(dir.path()),
            Err(KeyFileError::BadPseudonymKey { .. })
        ));
    }
}
