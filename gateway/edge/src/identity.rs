//! The identity a client certificate proves, extracted once at the handshake.

use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// Who is on the other end of a connection, as its certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    /// SHA-256 of the end-entity certificate's DER: pinned in the registry and matched
    /// against a token's `cnf.x5t#S256`.
    pub fingerprint: [u8; 32],
    /// The subject as an RFC 4514 string, e.g. `CN=Kent Youth Offending Team,O=...`.
    pub subject: String,
    /// subjectAltName URIs, e.g. `urn:ccis-gateway:partner:kent-yot`.
    pub san_uris: Vec<String>,
    /// subjectAltName DNS names.
    pub san_dns: Vec<String>,
    /// End of validity, unix seconds.
    pub not_after: i64,
}

/// The certificate could not be read (rustls has already verified it, so this is rare).
#[derive(Debug, Clone, thiserror::Error)]
#[error("client certificate could not be parsed")]
pub struct IdentityError;

impl PeerIdentity {
    pub fn from_der(der: &[u8]) -> Result<Self, IdentityError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|_| IdentityError)?;
        let mut san_uris = Vec::new();
        let mut san_dns = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::URI(uri) => san_uris.push((*uri).to_owned()),
                    GeneralName::DNSName(dns) => san_dns.push((*dns).to_owned()),
                    _ => {}
                }
            }
        }
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut fingerprint = [0u8; 32];
        fingerprint.copy_from_slice(digest.as_ref());
        Ok(PeerIdentity {
            fingerprint,
            subject: cert.subject().to_string(),
            san_uris,
            san_dns,
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    /// The fingerprint as lower-case hex, the form the registry pins.
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint)
    }
}
