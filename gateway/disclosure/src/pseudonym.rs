//! The subject's pseudonymous id in the disclosure log: HMAC-SHA256 of the CCIS
//! YoungPersonsID under a key only the gateway holds.
//!
//! Without the key nobody can link a log entry to a person, or test a guess (the id space
//! is small enough to enumerate, so a plain hash would not do). With it, the gateway can
//! answer "who saw my record" by computing the pseudonym of one id and looking it up.
//! Every node of a deployment must use the same key.

use ring::hmac;

/// Bytes of a generated key.
pub const KEY_LEN: usize = 32;

/// Computes subject pseudonyms. `Debug` does not show the key.
pub struct Pseudonymiser {
    key: hmac::Key,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(<key>)")
    }
}

impl Pseudonymiser {
    /// A pseudonymiser from key bytes (at least 32).
    pub fn new(key: &[u8]) -> Result<Self, crate::KeyFileError> {
        if key.len() < KEY_LEN {
            return Err(crate::KeyFileError::TooShort);
        }
        Ok(Pseudonymiser {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
        })
    }

    /// A value that identifies the key without revealing it: HMAC-SHA256 of a fixed label
    /// (no CCIS id has that form), in hex. Stored with the log by `gateway keys init` so a
    /// gateway started with another key is refused.
    pub fn check_value(&self) -> String {
        let tag = hmac::sign(&self.key, b"gateway subject-pseudonym key check v1");
        hex::encode(tag.as_ref())
    }

    /// The pseudonym of a CCIS YoungPersonsID: `ps1:` and 64 hex digits.
    pub fn pseudonym(&self, ccis_id: &str) -> String {
        let tag = hmac::sign(&self.key, format!("ccis-young-person:{ccis_id}").as_bytes());
        format!("ps1:{}", hex::encode(tag.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pseudonyms_are_stable_per_key_and_differ_between_keys_and_ids() {
        let a = Pseudonymiser::new(&[1u8; 32]).unwrap();
        let b = Pseudonymiser::new(&[2u8; 32]).unwrap();
        let p = a.pseudonym("8860000000001");
        assert_eq!(p, a.pseudonym("8860000000001"));
        assert_ne!(p, a.pseudonym("8860000000002"));
        assert_ne!(p, b.pseudonym("8860000000001"));
        assert!(p.starts_with("ps1:") && p.len() == 68);
        assert!(!p.contains("8860000000001"));
        assert!(Pseudonymiser::new(&[0u8; 16]).is_err());
        assert_eq!(
            a.check_value(),
            Pseudonymiser::new(&[1u8; 32]).unwrap().check_value()
        );
        assert_ne!(a.check_value(), b.check_value());
    }
}
