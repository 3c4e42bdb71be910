//! RFC 6962 / RFC 9162 hashing with SHA-256.
//!
//! The log hashes are domain-separated so that a leaf can never be passed
//! off as an interior node (the second-preimage defence of RFC 6962 §2.1):
//!
//! - `leaf_hash(d)    = SHA-256(0x00 || d)`
//! - `node_hash(l, r) = SHA-256(0x01 || l || r)`
//! - `empty_root()    = SHA-256("")` (the root of the tree with no leaves)
//!
//! What is guaranteed: these are exactly the RFC 6962 functions, so roots and
//! proofs produced here verify with any other RFC 6962 implementation (the
//! known-answer tests pin this). [`Hash`] prints and serialises as 64
//! lowercase hex characters.
//!
//! What is not: the hashes are not secret and are compared in variable time;
//! nothing here is keyed. A leaf hash reveals whatever can be guessed about
//! the entry bytes, so the entries themselves must not hold direct
//! identifiers (that is the caller's business).

use std::fmt;
use std::str::FromStr;

use ring::digest::{Context, SHA256};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Length of a SHA-256 hash in bytes.
pub const HASH_LEN: usize = 32;

/// Prefix byte of a leaf hash (RFC 6962 §2.1).
pub const LEAF_PREFIX: u8 = 0x00;

/// Prefix byte of an interior node hash (RFC 6962 §2.1).
pub const NODE_PREFIX: u8 = 0x01;

/// A SHA-256 hash: a leaf hash, a node hash, a tree root or a key id.
///
/// `Display`, `Debug` and serde all use 64 lowercase hex characters; parsing
/// accepts either case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; HASH_LEN]);

/// A string or byte slice that is not a SHA-256 hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    /// Not exactly 64 hex characters (or 32 bytes).
    #[error("a hash is 32 bytes or 64 hex characters, got length {0}")]
    WrongLength(usize),
    /// A character that is not a hex digit.
    #[error("a hash is hex: {0}")]
    NotHex(String),
}

impl Hash {
    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// A hash from exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, HashParseError> {
        <[u8; HASH_LEN]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| HashParseError::WrongLength(bytes.len()))
    }

    /// 64 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex characters (either case).
    pub fn from_hex(text: &str) -> Result<Self, HashParseError> {
        if text.len() != HASH_LEN * 2 {
            return Err(HashParseError::WrongLength(text.len()));
        }
        let mut out = [0u8; HASH_LEN];
        hex::decode_to_slice(text, &mut out).map_err(|e| HashParseError::NotHex(e.to_string()))?;
        Ok(Hash(out))
    }
}

impl From<[u8; HASH_LEN]> for Hash {
    fn from(bytes: [u8; HASH_LEN]) -> Self {
        Hash(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

impl FromStr for Hash {
    type Err = HashParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hash::from_hex(s)
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HexVisitor;

        impl Visitor<'_> for HexVisitor {
            type Value = Hash;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SHA-256 hash as 64 hex characters")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Hash, E> {
                Hash::from_hex(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(HexVisitor)
    }
}

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut ctx = Context::new(&SHA256);
    for part in parts {
        ctx.update(part);
    }
    let digest = ctx.finish();
    let mut out = [0u8; HASH_LEN];
    // SHA-256 always yields 32 bytes; `zip` keeps this free of length panics.
    for (o, b) in out.iter_mut().zip(digest.as_ref()) {
        *o = *b;
    }
    Hash(out)
}

/// `SHA-256(0x00 || data)`: the hash of one log entry (RFC 6962 §2.1).
pub fn leaf_hash(data: &[u8]) -> Hash {
    sha256(&[&[LEAF_PREFIX], data])
}

/// `SHA-256(0x01 || left || right)`: an interior node (RFC 6962 §2.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    sha256(&[&[NODE_PREFIX], &left.0, &right.0])
}

/// `SHA-256("")`: the root of the empty tree (RFC 6962 §2.1).
pub fn empty_root() -> Hash {
    sha256(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_of_empty_entry() {
        // SHA-256(0x00): the RFC 6962 root of the one-leaf tree over "".
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn hex_round_trip_and_case() {
        let h = leaf_hash(b"x");
        let text = h.to_string();
        assert_eq!(text, text.to_lowercase());
        assert_eq!(text.len(), 64);
        assert_eq!(Hash::from_hex(&text).unwrap(), h);
        assert_eq!(Hash::from_hex(&text.to_uppercase()).unwrap(), h);
        assert_eq!(format!("{h:?}"), format!("Hash({text})"));
    }

    #[test]
    fn bad_hex_is_an_error_not_a_panic() {
        assert!(matches!(
            Hash::from_hex(""),
            Err(HashParseError::WrongLength(0))
        ));
        assert!(Hash::from_hex(&"g".repeat(64)).is_err());
        // Multi-byte characters: 64 bytes but not 64 hex digits.
        assert!(Hash::from_hex(&"é".repeat(32)).is_err());
        assert!(Hash::from_slice(&[0u8; 31]).is_err());
        assert!(Hash::from_slice(&[0u8; 33]).is_err());
    }

    #[test]
    fn serde_is_lowercase_hex() {
        let h = node_hash(&leaf_hash(b"a"), &leaf_hash(b"b"));
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{}\"", h.to_hex()));
        let back: Hash = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        assert!(serde_json::from_str::<Hash>("\"abc\"").is_err());
        assert!(serde_json::from_str::<Hash>("42").is_err());
    }

    #[test]
    fn leaf_and_node_are_domain_separated() {
        let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
        let mut concat = a.0.to_vec();
        concat.extend_from_slice(&b.0);
        assert_ne!(leaf_hash(&concat), node_hash(&a, &b));
    }
}
