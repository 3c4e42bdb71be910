//! Minting partner tokens, for development and tests (`gateway token mint`).
//!
//! In production each partner's own identity provider issues its tokens; the gateway only
//! verifies them. This exists so an operator can try the gateway with the dev PKI.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::x5t_s256;

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("the signing key is not a PKCS#8 PEM key for {0}")]
    BadKey(&'static str),
    #[error("algorithm must be ES256 or EdDSA for dev tokens")]
    UnsupportedAlgorithm,
    #[error("signing failed")]
    Sign,
}

/// The claims of a partner token, bound to one client certificate.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub issuer: String,
    pub audience: String,
    pub officer: String,
    pub role: String,
    pub purpose: String,
    pub case_reference: Option<String>,
    pub cert_thumbprint: [u8; 32],
    pub issued_at: i64,
    pub lifetime_secs: i64,
}

impl TokenRequest {
    /// The JSON claims set, with a fresh random `jti`. Tests may alter it before [`sign`].
    pub fn claims(&self) -> Value {
        let mut claims = json!({
            "iss": self.issuer,
            "aud": self.audience,
            "sub": self.officer,
            "role": self.role,
            "purpose": self.purpose,
            "iat": self.issued_at,
            "nbf": self.issued_at,
            "exp": self.issued_at + self.lifetime_secs,
            "jti": uuid::Uuid::new_v4().to_string(),
            "cnf": { "x5t#S256": x5t_s256(&self.cert_thumbprint) },
        });
        if let Some(case) = &self.case_reference {
            claims["case_ref"] = json!(case);
        }
        claims
    }
}

/// Signs `claims` with a PKCS#8 PEM private key under `algorithm` (`ES256` or `EdDSA`).
pub fn sign(claims: &Value, private_pem: &str, algorithm: &str) -> Result<String, MintError> {
    let (alg, key) = match algorithm {
        "ES256" => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(private_pem.as_bytes())
                .map_err(|_| MintError::BadKey("ES256"))?,
        ),
        "EdDSA" => (
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(private_pem.as_bytes())
                .map_err(|_| MintError::BadKey("EdDSA"))?,
        ),
        _ => return Err(MintError::UnsupportedAlgorithm),
    };
    encode(&Header::new(alg), claims, &key).map_err(|_| MintError::Sign)
}
