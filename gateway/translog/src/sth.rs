//! Signed tree heads (STHs): the log's signed statement "my tree of
//! `tree_size` entries has root `root_hash`", with Ed25519.
//!
//! # The signed bytes
//!
//! The signature is pure Ed25519 (RFC 8032, no pre-hash) over exactly 50
//! bytes, laid out as RFC 6962 §3.5's `TreeHeadSignature`:
//!
//! | offset | length | field            | value                                   |
//! |-------:|-------:|------------------|-----------------------------------------|
//! | 0      | 1      | `version`        | `0x00` (v1)                             |
//! | 1      | 1      | `signature_type` | `0x01` (`tree_hash`)                    |
//! | 2      | 8      | `timestamp`      | `timestamp_ms`, milliseconds since the Unix epoch, big-endian |
//! | 10     | 8      | `tree_size`      | big-endian                              |
//! | 18     | 32     | `sha256_root_hash` | the root hash's raw bytes             |
//!
//! An auditor can check a head with any Ed25519 tool and no code from this
//! project, for example with OpenSSL 3:
//!
//! ```text
//! # tbs.bin: the 50 bytes above; sig.bin: the base64-decoded "signature"
//! openssl pkeyutl -verify -pubin -inkey log-public.pem -rawin -in tbs.bin -sigfile sig.bin
//! ```
//!
//! # Key id
//!
//! `key_id` is SHA-256 of the DER `SubjectPublicKeyInfo` of the public key,
//! as RFC 6962 §3.2 defines a log id; it is the hash of the bytes inside the
//! PEM file: `openssl pkey -pubin -in log-public.pem -outform DER | sha256sum`.
//!
//! # JSON
//!
//! ```json
//! {"head":{"tree_size":8,"root_hash":"5dc9…","timestamp_ms":1767225600000},
//!  "key_id":"…64 hex…","signature":"…standard base64 of 64 bytes…"}
//! ```
//!
//! What is guaranteed: a head verifies only under the one public key whose id
//! it names, and only if none of the 50 signed bytes changed. What is not: a
//! signature says nothing about whether the root matches any stored entries
//! (that is [`crate::audit`]), nor that the timestamp is true; a log that
//! signs two different roots for one size (equivocation) is detected only by
//! someone who sees both heads.

use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

use crate::hash::{HASH_LEN, Hash};

/// Length of the signed encoding of a tree head.
pub const TREE_HEAD_SIGNED_LEN: usize = 50;

/// Length of an Ed25519 public key.
pub const ED25519_PUBLIC_KEY_LEN: usize = 32;

/// The DER prefix of an Ed25519 `SubjectPublicKeyInfo` (RFC 8410): the
/// public key's 32 bytes follow it.
pub const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The DER prefix of a PKCS#8 v1 Ed25519 private key (RFC 8410, as written
/// by `openssl genpkey -algorithm ed25519`): the 32-byte seed follows it.
const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// `version` byte of RFC 6962 §3.5 (`v1`).
const VERSION_V1: u8 = 0;

/// `signature_type` byte of RFC 6962 §3.5 (`tree_hash`).
const SIGNATURE_TYPE_TREE_HASH: u8 = 1;

/// What the log says about itself at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TreeHead {
    /// Number of entries the tree covers.
    pub tree_size: u64,
    /// `MTH` of those entries.
    pub root_hash: Hash,
    /// When the head was made, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}

impl TreeHead {
    /// The 50 bytes that are signed (see the module docs for the layout).
    pub fn signing_bytes(&self) -> [u8; TREE_HEAD_SIGNED_LEN] {
        let mut out = [0u8; TREE_HEAD_SIGNED_LEN];
        let (fixed, rest) = out.split_at_mut(2);
        fixed.copy_from_slice(&[VERSION_V1, SIGNATURE_TYPE_TREE_HASH]);
        let (timestamp, rest) = rest.split_at_mut(8);
        timestamp.copy_from_slice(&self.timestamp_ms.to_be_bytes());
        let (size, root) = rest.split_at_mut(8);
        size.copy_from_slice(&self.tree_size.to_be_bytes());
        root.copy_from_slice(self.root_hash.as_bytes());
        out
    }
}

/// A tree head with the log's signature over [`TreeHead::signing_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTreeHead {
    /// The head that was signed.
    pub head: TreeHead,
    /// SHA-256 of the signer's `SubjectPublicKeyInfo` DER.
    pub key_id: Hash,
    /// The Ed25519 signature (64 bytes); standard padded base64 in JSON.
    #[serde(with = "base64_bytes")]
    pub signature: Vec<u8>,
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// A key that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The private key is not an unencrypted PKCS#8 (v1 or v2) Ed25519 key,
    /// or its embedded public key does not match.
    #[error("not a usable PKCS#8 Ed25519 private key")]
    InvalidPkcs8,
    /// The public key is not 32 bytes / not an Ed25519 SubjectPublicKeyInfo.
    #[error("not an Ed25519 public key: {0}")]
    InvalidPublicKey(String),
    /// The PEM text has no block with the expected label, or bad base64.
    #[error("bad PEM: {0}")]
    Pem(String),
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
}

/// Why a signed tree head was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SthError {
    /// The head names a different signing key than this verifier's.
    #[error("signed by key {found}, expected key {expected}")]
    KeyIdMismatch {
        /// This verifier's key id.
        expected: Hash,
        /// The key id in the head.
        found: Hash,
    },
    /// The signature is not a valid signature of the head under the key.
    #[error("the signature does not verify")]
    BadSignature,
    /// The key is one of the log's keys, but not for a tree of this size (a key signs
    /// only the sizes between the rotations that announce and retire it).
    #[error("key {key_id} does not sign trees of size {tree_size}")]
    OutsideKeyPeriod {
        /// The key id in the head.
        key_id: Hash,
        /// The size the head claims.
        tree_size: u64,
    },
}

/// What checks a signed tree head: one key ([`TreeHeadVerifier`]), or a log's chain of
/// keys across rotations (each valid for its own range of tree sizes).
pub trait HeadVerifier: std::fmt::Debug + Send + Sync {
    /// Checks the head's signature under the key that may sign a tree of its size.
    fn verify_head(&self, sth: &SignedTreeHead) -> Result<(), SthError>;
}

impl HeadVerifier for TreeHeadVerifier {
    fn verify_head(&self, sth: &SignedTreeHead) -> Result<(), SthError> {
        self.verify(sth)
    }
}

/// Signs tree heads with the log's Ed25519 key.
pub struct TreeHeadSigner {
    key_pair: Ed25519KeyPair,
    key_id: Hash,
}

impl std::fmt::Debug for TreeHeadSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeHeadSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl TreeHeadSigner {
    /// A fresh Ed25519 private key as PKCS#8 DER (store it; never log it).
    ///
    /// The document is the 48-byte v1 form (RFC 8410 §7, what `openssl
    /// genpkey -algorithm ed25519` writes), because OpenSSL 3.0 cannot read
    /// the v2 form ring generates; an operator can then run `openssl pkey`
    /// on the key file written with [`private_key_pem`]. The conversion is
    /// checked: the v1 key must give the same public key as ring's v2 key,
    /// or the v2 document is returned unchanged.
    pub fn generate_pkcs8() -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        let v2 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyError::Rng)?;
        let v2 = v2.as_ref();
        // ring's v2 layout: the v1 fields with version 1 and a 0x51-byte
        // outer sequence, then the public key as `[1]`.
        const RING_V2_PREFIX: [u8; 16] = [
            0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        let v1 = match (v2.get(..16), v2.get(16..48)) {
            (Some(prefix), Some(seed)) if prefix == RING_V2_PREFIX => {
                let mut v1 = ED25519_PKCS8_V1_PREFIX.to_vec();
                v1.extend_from_slice(seed);
                Some(v1)
            }
            _ => None,
        };
        let same_key = |v1: &[u8]| -> Option<bool> {
            let a = Ed25519KeyPair::from_pkcs8(v2).ok()?;
            let b = Ed25519KeyPair::from_pkcs8_maybe_unchecked(v1).ok()?;
            Some(a.public_key().as_ref() == b.public_key().as_ref())
        };
        match v1 {
            Some(v1) if same_key(&v1) == Some(true) => Ok(v1),
            _ => Ok(v2.to_vec()),
        }
    }

    /// A signer from an unencrypted PKCS#8 Ed25519 private key in DER.
    ///
    /// v2 documents (ring, [`Self::generate_pkcs8`]) are checked for a public
    /// key that matches the private key; v1 documents (`openssl genpkey
    /// -algorithm ed25519`) carry no public key, which is derived.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let is_v1 = der.len() == ED25519_PKCS8_V1_PREFIX.len() + 32
            && der.starts_with(&ED25519_PKCS8_V1_PREFIX);
        let key_pair = if is_v1 {
            Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
        } else {
            Ed25519KeyPair::from_pkcs8(der)
        }
        .map_err(|_| KeyError::InvalidPkcs8)?;
        let key_id = key_id_of(public_key_array(key_pair.public_key().as_ref())?);
        Ok(TreeHeadSigner { key_pair, key_id })
    }

    /// A signer from a `-----BEGIN PRIVATE KEY-----` PEM file's text.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem::decode("PRIVATE KEY", pem)?;
        TreeHeadSigner::from_pkcs8(&der)
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key_bytes(&self) -> [u8; ED25519_PUBLIC_KEY_LEN] {
        let mut out = [0u8; ED25519_PUBLIC_KEY_LEN];
        for (o, b) in out.iter_mut().zip(self.key_pair.public_key().as_ref()) {
            *o = *b;
        }
        out
    }

    /// SHA-256 of the public key's `SubjectPublicKeyInfo` DER.
    pub fn key_id(&self) -> Hash {
        self.key_id
    }

    /// The public key as a `-----BEGIN PUBLIC KEY-----` PEM file, to hand to
    /// an auditor.
    pub fn public_key_pem(&self) -> String {
        public_key_pem(&self.public_key_bytes())
    }

    /// A verifier for this signer's heads.
    pub fn verifier(&self) -> TreeHeadVerifier {
        TreeHeadVerifier::from_key_bytes(self.public_key_bytes())
    }

    /// Signs a tree head.
    pub fn sign(&self, head: &TreeHead) -> SignedTreeHead {
        let signature = self.key_pair.sign(&head.signing_bytes());
        SignedTreeHead {
            head: *head,
            key_id: self.key_id,
            signature: signature.as_ref().to_vec(),
        }
    }
}

/// Checks signed tree heads against one Ed25519 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct TreeHeadVerifier {
    public_key: [u8; ED25519_PUBLIC_KEY_LEN],
    key_id: Hash,
}

impl std::fmt::Debug for TreeHeadVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeHeadVerifier")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl TreeHeadVerifier {
    /// A verifier from a raw 32-byte Ed25519 public key.
    ///
    /// Whether the bytes are a valid curve point is only known when a
    /// signature is checked; an invalid key verifies nothing.
    pub fn from_public_key(bytes: &[u8]) -> Result<Self, KeyError> {
        Ok(TreeHeadVerifier::from_key_bytes(public_key_array(bytes)?))
    }

    /// A verifier from an Ed25519 `SubjectPublicKeyInfo` in DER (44 bytes).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        match der.strip_prefix(&ED25519_SPKI_PREFIX[..]) {
            Some(key) if key.len() == ED25519_PUBLIC_KEY_LEN => {
                TreeHeadVerifier::from_public_key(key)
            }
            _ => Err(KeyError::InvalidPublicKey(format!(
                "expected a {}-byte Ed25519 SubjectPublicKeyInfo, got {} bytes",
                ED25519_SPKI_PREFIX.len() + ED25519_PUBLIC_KEY_LEN,
                der.len()
            ))),
        }
    }

    /// A verifier from a `-----BEGIN PUBLIC KEY-----` PEM file's text.
    pub fn from_public_key_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem::decode("PUBLIC KEY", pem)?;
        TreeHeadVerifier::from_spki_der(&der)
    }

    fn from_key_bytes(public_key: [u8; ED25519_PUBLIC_KEY_LEN]) -> Self {
        TreeHeadVerifier {
            public_key,
            key_id: key_id_of(public_key),
        }
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key_bytes(&self) -> [u8; ED25519_PUBLIC_KEY_LEN] {
        self.public_key
    }

    /// SHA-256 of the public key's `SubjectPublicKeyInfo` DER.
    pub fn key_id(&self) -> Hash {
        self.key_id
    }

    /// The public key as a `-----BEGIN PUBLIC KEY-----` PEM file.
    pub fn public_key_pem(&self) -> String {
        public_key_pem(&self.public_key)
    }

    /// Checks that the head names this key and carries a valid signature.
    pub fn verify(&self, sth: &SignedTreeHead) -> Result<(), SthError> {
        if sth.key_id != self.key_id {
            return Err(SthError::KeyIdMismatch {
                expected: self.key_id,
                found: sth.key_id,
            });
        }
        UnparsedPublicKey::new(&ED25519, &self.public_key)
            .verify(&sth.head.signing_bytes(), &sth.signature)
            .map_err(|_| SthError::BadSignature)
    }
}

fn public_key_array(bytes: &[u8]) -> Result<[u8; ED25519_PUBLIC_KEY_LEN], KeyError> {
    <[u8; ED25519_PUBLIC_KEY_LEN]>::try_from(bytes).map_err(|_| {
        KeyError::InvalidPublicKey(format!(
            "expected {ED25519_PUBLIC_KEY_LEN} bytes, got {}",
            bytes.len()
        ))
    })
}

/// The DER `SubjectPublicKeyInfo` of an Ed25519 public key (44 bytes).
pub fn public_key_spki_der(public_key: &[u8; ED25519_PUBLIC_KEY_LEN]) -> Vec<u8> {
    let mut der = Vec::with_capacity(ED25519_SPKI_PREFIX.len() + ED25519_PUBLIC_KEY_LEN);
    der.extend_from_slice(&ED25519_SPKI_PREFIX);
    der.extend_from_slice(public_key);
    der
}

/// An Ed25519 public key as a `-----BEGIN PUBLIC KEY-----` PEM file.
pub fn public_key_pem(public_key: &[u8; ED25519_PUBLIC_KEY_LEN]) -> String {
    pem::encode("PUBLIC KEY", &public_key_spki_der(public_key))
}

/// A PKCS#8 private key as a `-----BEGIN PRIVATE KEY-----` PEM file (the
/// form `openssl genpkey` writes). Keep it out of logs and repositories.
pub fn private_key_pem(pkcs8_der: &[u8]) -> String {
    pem::encode("PRIVATE KEY", pkcs8_der)
}

/// The PKCS#8 DER inside a `-----BEGIN PRIVATE KEY-----` PEM file.
pub fn private_key_der(pem_text: &str) -> Result<Vec<u8>, KeyError> {
    pem::decode("PRIVATE KEY", pem_text)
}

fn key_id_of(public_key: [u8; ED25519_PUBLIC_KEY_LEN]) -> Hash {
    let digest = ring::digest::digest(&ring::digest::SHA256, &public_key_spki_der(&public_key));
    let mut out = [0u8; HASH_LEN];
    for (o, b) in out.iter_mut().zip(digest.as_ref()) {
        *o = *b;
    }
    Hash(out)
}

/// Minimal RFC 7468 PEM: one labelled block, base64 body, lines of 64.
mod pem {
    use super::{KeyError, STANDARD};
    use base64::Engine;

    pub fn encode(label: &str, der: &[u8]) -> String {
        let body = STANDARD.encode(der);
        let mut out = format!("-----BEGIN {label}-----\n");
        let mut rest = body.as_str();
        while !rest.is_empty() {
            // base64 text is ASCII, so any byte offset is a char boundary.
            let (line, tail) = rest.split_at(rest.len().min(64));
            out.push_str(line);
            out.push('\n');
            rest = tail;
        }
        out.push_str(&format!("-----END {label}-----\n"));
        out
    }

    /// The DER inside the first `label` block; text around it is ignored.
    pub fn decode(label: &str, text: &str) -> Result<Vec<u8>, KeyError> {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let start = text
            .find(&begin)
            .ok_or_else(|| KeyError::Pem(format!("no {begin} line")))?
            + begin.len();
        let tail = text.get(start..).unwrap_or_default();
        let stop = tail
            .find(&end)
            .ok_or_else(|| KeyError::Pem(format!("no {end} line")))?;
        let body: String = tail
            .get(..stop)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        STANDARD
            .decode(body.as_bytes())
            .map_err(|e| KeyError::Pem(format!("bad base64: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use base64::Engine;

    fn head() -> TreeHead {
        TreeHead {
            tree_size: 0x0102_0304_0506_0708,
            root_hash: leaf_hash(b"root"),
            timestamp_ms: 0x1112_1314_1516_1718,
        }
    }

    fn signer() -> TreeHeadSigner {
        TreeHeadSigner::from_pkcs8(&TreeHeadSigner::generate_pkcs8().unwrap()).unwrap()
    }

    #[test]
    fn signing_bytes_follow_rfc6962_tree_head_signature() {
        let h = head();
        let b = h.signing_bytes();
        assert_eq!(b.len(), 50);
        assert_eq!(b[0], 0, "version v1");
        assert_eq!(b[1], 1, "signature_type tree_hash");
        assert_eq!(&b[2..10], &[0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]);
        assert_eq!(&b[10..18], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&b[18..50], h.root_hash.as_bytes());
    }

    #[test]
    fn sign_then_verify() {
        let s = signer();
        let sth = s.sign(&head());
        assert_eq!(sth.signature.len(), 64);
        assert_eq!(sth.key_id, s.key_id());
        s.verifier().verify(&sth).unwrap();
        // The same check through raw bytes: ring's verifier over the 50 bytes.
        UnparsedPublicKey::new(&ED25519, s.public_key_bytes())
            .verify(&head().signing_bytes(), &sth.signature)
            .unwrap();
    }

    #[test]
    fn any_change_fails() {
        let s = signer();
        let v = s.verifier();
        let sth = s.sign(&head());

        let mut t = sth.clone();
        t.head.tree_size += 1;
        assert_eq!(v.verify(&t), Err(SthError::BadSignature));

        let mut t = sth.clone();
        t.head.timestamp_ms ^= 1;
        assert_eq!(v.verify(&t), Err(SthError::BadSignature));

        let mut t = sth.clone();
        t.head.root_hash.0[31] ^= 1;
        assert_eq!(v.verify(&t), Err(SthError::BadSignature));

        for i in 0..64 {
            let mut t = sth.clone();
            t.signature[i] ^= 0x40;
            assert_eq!(v.verify(&t), Err(SthError::BadSignature), "byte {i}");
        }

        let mut t = sth.clone();
        t.signature.truncate(63);
        assert_eq!(v.verify(&t), Err(SthError::BadSignature));
        t.signature.clear();
        assert_eq!(v.verify(&t), Err(SthError::BadSignature));

        let other = signer();
        assert!(matches!(
            other.verifier().verify(&sth),
            Err(SthError::KeyIdMismatch { .. })
        ));
        // Re-labelled with the other key's id: still the wrong signature.
        let mut t = sth.clone();
        t.key_id = other.key_id();
        assert_eq!(other.verifier().verify(&t), Err(SthError::BadSignature));
    }

    #[test]
    fn json_round_trip() {
        let s = signer();
        let sth = s.sign(&head());
        let json = serde_json::to_string(&sth).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["head"]["tree_size"], 0x0102_0304_0506_0708u64);
        assert_eq!(value["key_id"], s.key_id().to_hex());
        assert_eq!(value["signature"], STANDARD.encode(&sth.signature));
        let back: SignedTreeHead = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sth);
        s.verifier().verify(&back).unwrap();

        let bad = json.replace(&value["signature"].as_str().unwrap()[..4], "!!!!");
        assert!(serde_json::from_str::<SignedTreeHead>(&bad).is_err());
    }

    #[test]
    fn public_key_pem_round_trip_and_key_id() {
        let s = signer();
        let pem = s.public_key_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
        let v = TreeHeadVerifier::from_public_key_pem(&pem).unwrap();
        assert_eq!(v.public_key_bytes(), s.public_key_bytes());
        assert_eq!(v.key_id(), s.key_id());
        assert_eq!(v.public_key_pem(), pem);
        // key id = SHA-256 of the DER inside the PEM.
        let der = public_key_spki_der(&s.public_key_bytes());
        assert_eq!(der.len(), 44);
        assert_eq!(
            s.key_id().0.as_slice(),
            ring::digest::digest(&ring::digest::SHA256, &der).as_ref()
        );
        // CRLF line endings and text around the block are tolerated.
        let crlf = format!("comment\r\n{}", pem.replace('\n', "\r\n"));
        assert_eq!(
            TreeHeadVerifier::from_public_key_pem(&crlf)
                .unwrap()
                .key_id(),
            s.key_id()
        );
    }

    #[test]
    fn openssl_style_keys() {
        // RFC 8410 §10.3 example public key.
        let pem = "-----BEGIN PUBLIC KEY-----\n\
                   MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                   -----END PUBLIC KEY-----\n";
        let v = TreeHeadVerifier::from_public_key_pem(pem).unwrap();
        assert_eq!(
            hex::encode(v.public_key_bytes()),
            "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
        );
        // RFC 8410 §10.3 example private key (PKCS#8 v1, no public key).
        let private = "-----BEGIN PRIVATE KEY-----\n\
                       MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                       -----END PRIVATE KEY-----\n";
        let s = TreeHeadSigner::from_pkcs8_pem(private).unwrap();
        // It and the RFC's public key are one key pair (RFC 8410 §10.3).
        assert_eq!(s.public_key_bytes(), v.public_key_bytes());
        v.verify(&s.sign(&head())).unwrap();
        assert_eq!(
            TreeHeadSigner::from_pkcs8_pem(&private_key_pem(
                &pem::decode("PRIVATE KEY", private).unwrap()
            ))
            .unwrap()
            .key_id(),
            s.key_id()
        );
    }

    #[test]
    fn bad_keys_are_errors() {
        assert!(TreeHeadSigner::from_pkcs8(b"").is_err());
        assert!(TreeHeadSigner::from_pkcs8(&[0u8; 85]).is_err());
        assert!(TreeHeadVerifier::from_public_key(&[0u8; 31]).is_err());
        assert!(TreeHeadVerifier::from_spki_der(&[0u8; 44]).is_err());
        assert!(TreeHeadVerifier::from_public_key_pem("").is_err());
        assert!(TreeHeadVerifier::from_public_key_pem("-----BEGIN PUBLIC KEY-----").is_err());
        assert!(
            TreeHeadVerifier::from_public_key_pem(
                "-----BEGIN PUBLIC KEY-----\n%%%\n-----END PUBLIC KEY-----"
            )
            .is_err()
        );
        // A valid PEM of the wrong kind of key (a P-256 SPKI header).
        let p256 = pem::encode("PUBLIC KEY", &[0x30, 0x59, 0x30, 0x13]);
        assert!(TreeHeadVerifier::from_public_key_pem(&p256).is_err());
        // An all-zero "public key" builds but verifies nothing.
        let v = TreeHeadVerifier::from_public_key(&[0u8; 32]).unwrap();
        let mut sth = signer().sign(&head());
        sth.key_id = v.key_id();
        assert_eq!(v.verify(&sth), Err(SthError::BadSignature));
    }

    #[test]
    fn generated_keys_are_pkcs8_v1_like_openssl() {
        let der = TreeHeadSigner::generate_pkcs8().unwrap();
        assert_eq!(der.len(), 48);
        assert!(der.starts_with(&ED25519_PKCS8_V1_PREFIX));
        let pem = private_key_pem(&der);
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let a = TreeHeadSigner::from_pkcs8(&der).unwrap();
        let b = TreeHeadSigner::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(a.key_id(), b.key_id());
        // ring's own v2 documents are still accepted.
        let rng = SystemRandom::new();
        let v2 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        TreeHeadSigner::from_pkcs8(v2.as_ref()).unwrap();
        // A v2 document whose public key does not match is refused.
        let mut bad = v2.as_ref().to_vec();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(
            TreeHeadSigner::from_pkcs8(&bad).unwrap_err(),
            KeyError::InvalidPkcs8
        );
    }

    #[test]
    fn debug_does_not_print_the_private_key() {
        let der = TreeHeadSigner::generate_pkcs8().unwrap();
        let s = TreeHeadSigner::from_pkcs8(&der).unwrap();
        let debug = format!("{s:?}");
        assert!(debug.contains(&s.key_id().to_hex()));
        assert!(!debug.contains(&hex::encode(&der[16..48])));
    }
}
