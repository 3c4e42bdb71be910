//! One log entry: what was decided, for whom, about whom (pseudonymously), and on what basis.
//!
//! An entry never holds a name, identifier or address: the subject is a keyed hash
//! ([`crate::Pseudonymiser`]), and request and response bodies appear only as SHA-256 hashes.
//! Its bytes are canonical JSON: fields in declaration order, empty optional fields omitted,
//! sets as sorted lists; the log index is the first field, so an entry moved to another
//! position no longer matches the index it is stored at.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A partner asked an exchange about a young person.
    Disclosure,
    /// A record sent to (or received from) another authority.
    Transfer,
    /// A consent recorded or withdrawn.
    ConsentChange,
    /// An objection recorded or withdrawn.
    ObjectionChange,
    /// A Gillick-competence assessment recorded.
    CompetenceAssessment,
    /// A partner suspended or re-activated.
    PartnerStatusChange,
    /// A break-glass alert reviewed by the data protection officer.
    AlertReview,
    /// The log's signing key replaced (`gateway keys rotate`): the entry names both keys and
    /// is committed by a head signed with the old one; later heads are signed with the new.
    KeyRotation,
}

/// The decision the entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every requested category released.
    Permit,
    /// Some released, some withheld.
    PartialPermit,
    /// Nothing released.
    Deny,
    /// The request named nobody uniquely; nothing released.
    NoUniqueMatch,
    /// Released under a safeguarding override (Children Act 1989 s.47).
    BreakGlass,
    /// A change recorded (consent, objection, competence, partner status, review).
    Recorded,
}

/// The entry as the gateway builds it; the log adds the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub event: Event,
    pub outcome: Outcome,
    /// The request id (also the problem `instance` and `x-request-id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The partner (registry id) that asked or acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// The officer (token `sub`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<String>,
    /// The subject's pseudonymous id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Data categories released.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub released: Vec<String>,
    /// Data categories asked for (or implied by the exchange) and withheld.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
    /// The Cedar policy ids that determined the decisions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_set: Option<String>,
    /// Consent ids relied on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<String>,
    /// The data sharing agreement relied on (its reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lawful_basis: Option<String>,
    /// SHA-256 (hex) of the request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_sha256: Option<String>,
    /// SHA-256 (hex) of the `disclosure` member of the response body, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_sha256: Option<String>,
    /// A stable, non-personal note: "consent withdrawn", "objection limits release", the
    /// break-glass alert id, the no-match reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The cross-border transfer this entry records (the same id on both authorities' logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_id: Option<String>,
    /// The signing keys of a [`Event::KeyRotation`] entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_rotation: Option<KeyRotation>,
}

/// The subject column a key-rotation entry is filed under, so an audit finds every rotation
/// with one indexed lookup before it reads the log. Never a pseudonym (those start `ps1:`).
pub const KEY_ROTATION_SUBJECT: &str = "log:signing-key";

/// The keys of a rotation: raw Ed25519 public keys, standard base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotation {
    /// The key that signed the heads up to and including the one that commits to this entry.
    pub previous_key: String,
    /// The key that signs every later head.
    pub next_key: String,
}

impl LogEntry {
    /// An entry of `event` with `outcome` at `time`, every other field empty.
    pub fn new(time: OffsetDateTime, event: Event, outcome: Outcome) -> Self {
        LogEntry {
            time,
            event,
            outcome,
            request_id: None,
            partner: None,
            officer: None,
            role: None,
            purpose: None,
            case_reference: None,
            exchange: None,
            subject: None,
            released: Vec::new(),
            withheld: Vec::new(),
            policies: Vec::new(),
            policy_set: None,
            consents: Vec::new(),
            agreement: None,
            lawful_basis: None,
            request_sha256: None,
            response_sha256: None,
            note: None,
            transfer_id: None,
            key_rotation: None,
        }
    }
}

/// An entry with its index, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedEntry {
    pub index: u64,
    #[serde(flatten)]
    pub entry: LogEntry,
}

impl IndexedEntry {
    /// The canonical bytes that are hashed into the tree.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// SHA-256 of some bytes, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn bytes_are_canonical_and_start_with_the_index() {
        let mut entry = LogEntry::new(
            datetime!(2026-11-24 10:00 UTC),
            Event::Disclosure,
            Outcome::PartialPermit,
        );
        entry.released = vec!["activity".into(), "identity".into()];
        entry.withheld = vec!["send".into()];
        let indexed = IndexedEntry { index: 7, entry };
        let bytes = indexed.to_bytes().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(r#"{"index":7,"time":"2026-11-24T10:00:00Z","event":"disclosure","outcome":"partial_permit""#), "{text}");
        assert!(
            !text.contains("officer"),
            "empty fields are omitted: {text}"
        );
        let back = IndexedEntry::from_bytes(&bytes).unwrap();
        assert_eq!(back, indexed);
        assert_eq!(
            back.to_bytes().unwrap(),
            bytes,
            "re-serialising gives the same bytes"
        );
    }

    #[test]
    fn sha256_hex_is_the_standard_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
