//! Certificates and keys for the gateway's public key infrastructure.
//!
//! This crate makes what an operator needs to try the gateway, and what the tests need to
//! exercise it: a certificate authority, server and client certificates, certificate
//! revocation lists, and the key pairs partners sign their tokens with.
//!
//! Guarantees: every private key is generated here, at run time, from the operating system's
//! random source; nothing in this crate embeds key material. Files holding private keys are
//! written with owner-only permissions on Unix.
//!
//! Not a production CA: a local authority's partner certificates come from the partners' own
//! CAs (or the authority's), and the gateway only needs their bundle and CRLs.

mod authority;
pub mod dev;
mod error;
mod token_keys;

pub use authority::{CertificateAuthority, ClientCertSpec, IssuedCert, Revocation};
pub use error::PkiError;
pub use token_keys::{TokenKeyAlgorithm, TokenSigningKey};

/// SHA-256 over a certificate's DER encoding: the fingerprint pinned in the partner registry
/// and the `x5t#S256` confirmation claim of RFC 8705.
pub fn certificate_thumbprint(der: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// The DER of the first certificate in a PEM text.
pub fn pem_certificate_der(pem: &str) -> Option<Vec<u8>> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|der| der.to_vec())
}
