//! A partner issuer's verification keys, parsed once from PEM or a JWKS document.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};

/// Why a partner's registered keys could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyError {
    #[error("algorithm must be one of ES256, EdDSA, RS256")]
    UnsupportedAlgorithm,
    #[error("no public key found in the PEM or JWKS text")]
    NoKeys,
    #[error("a key does not match the pinned algorithm {0}")]
    WrongKeyType(&'static str),
    #[error("the JWKS document is not valid JSON Web Key Set")]
    BadJwks,
}

/// The keys one issuer signs with, all for one pinned algorithm.
pub struct IssuerKeys {
    pub(crate) issuer: String,
    pub(crate) algorithm: Algorithm,
    pub(crate) keys: Vec<(Option<String>, DecodingKey)>,
}

impl std::fmt::Debug for IssuerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKeys")
            .field("algorithm", &self.algorithm)
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

fn pinned(algorithm: &str) -> Result<(Algorithm, &'static str), KeyError> {
    match algorithm {
        "ES256" => Ok((Algorithm::ES256, "ES256")),
        "EdDSA" => Ok((Algorithm::EdDSA, "EdDSA")),
        "RS256" => Ok((Algorithm::RS256, "RS256")),
        _ => Err(KeyError::UnsupportedAlgorithm),
    }
}

impl IssuerKeys {
    /// Parses `text`: one or more PEM public keys (several for key rotation) or a JWKS
    /// document (`{"keys": [...]}`), each of which must suit `algorithm`.
    pub fn parse(issuer: &str, algorithm: &str, text: &str) -> Result<Self, KeyError> {
        let (alg, name) = pinned(algorithm)?;
        let keys = if text.trim_start().starts_with('{') {
            parse_jwks(text, alg, name)?
        } else {
            parse_pem_blocks(text, alg, name)?
        };
        if keys.is_empty() {
            return Err(KeyError::NoKeys);
        }
        Ok(IssuerKeys {
            issuer: issuer.to_owned(),
            algorithm: alg,
            keys,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

fn parse_jwks(
    text: &str,
    alg: Algorithm,
    name: &'static str,
) -> Result<Vec<(Option<String>, DecodingKey)>, KeyError> {
    let set: JwkSet = serde_json::from_str(text).map_err(|_| KeyError::BadJwks)?;
    set.keys
        .iter()
        .map(|jwk| {
            if let Some(key_alg) = jwk.common.key_algorithm
                && key_alg.to_string() != name
            {
                return Err(KeyError::WrongKeyType(name));
            }
            let key = DecodingKey::from_jwk(jwk).map_err(|_| KeyError::WrongKeyType(name))?;
            if key.family() != alg.family() {
                return Err(KeyError::WrongKeyType(name));
            }
            Ok((jwk.common.key_id.clone(), key))
        })
        .collect()
}

fn parse_pem_blocks(
    text: &str,
    alg: Algorithm,
    name: &'static str,
) -> Result<Vec<(Option<String>, DecodingKey)>, KeyError> {
    const END: &str = "-----END PUBLIC KEY-----";
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN PUBLIC KEY-----") {
        let Some(end) = rest[start..].find(END) else {
            break;
        };
        let block = &rest[start..start + end + END.len()];
        let key = match alg {
            Algorithm::ES256 => DecodingKey::from_ec_pem(block.as_bytes()),
            Algorithm::EdDSA => DecodingKey::from_ed_pem(block.as_bytes()),
            _ => DecodingKey::from_rsa_pem(block.as_bytes()),
        }
        .map_err(|_| KeyError::WrongKeyType(name))?;
        keys.push((None, key));
        rest = &rest[start + end + END.len()..];
    }
    Ok(keys)
}
