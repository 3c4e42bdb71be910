//! Key pairs that partners' identity providers sign their access tokens with.

use crate::PkiError;

/// The asymmetric algorithms the dev PKI makes token keys for (the gateway also accepts RS256
/// keys that partners bring themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKeyAlgorithm {
    Es256,
    EdDsa,
}

impl TokenKeyAlgorithm {
    /// The JOSE `alg` name.
    pub fn jose_name(self) -> &'static str {
        match self {
            TokenKeyAlgorithm::Es256 => "ES256",
            TokenKeyAlgorithm::EdDsa => "EdDSA",
        }
    }
}

/// A token signing key pair as PEM: PKCS#8 private key and SubjectPublicKeyInfo public key.
pub struct TokenSigningKey {
    pub algorithm: TokenKeyAlgorithm,
    pub private_pem: String,
    pub public_pem: String,
}

impl std::fmt::Debug for TokenSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigningKey")
            .field("algorithm", &self.algorithm)
            .field("private_pem", &"<redacted>")
            .finish()
    }
}

impl TokenSigningKey {
    pub fn generate(algorithm: TokenKeyAlgorithm) -> Result<Self, PkiError> {
        let alg = match algorithm {
            TokenKeyAlgorithm::Es256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            TokenKeyAlgorithm::EdDsa => &rcgen::PKCS_ED25519,
        };
        let pair = rcgen::KeyPair::generate_for(alg)?;
        Ok(TokenSigningKey {
            algorithm,
            private_pem: pair.serialize_pem(),
            public_pem: pair.public_key_pem(),
        })
    }
}
