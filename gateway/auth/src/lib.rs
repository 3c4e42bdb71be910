//! Access tokens: verifying a partner's JWT, and minting one for development.
//!
//! Guarantees of [`verify`]: the signature is checked with the partner's own keys under the
//! one asymmetric algorithm pinned for its issuer (so `alg: none`, HS256 made with a public
//! key, or any other algorithm fail before claims are read); `iss` is the authenticated
//! partner's issuer; `aud` is this gateway; `exp`, `nbf` and `iat` hold within a small
//! leeway and the token lives no longer than the configured maximum; and the token is bound
//! to the client certificate of the connection (RFC 8705 `cnf.x5t#S256`); a `crit` header is
//! refused (RFC 7515 §4.1.11); `sub`, `role`, `purpose`, `case_ref` and `jti` are 1-128
//! characters of a safe set ([`claim_char_allowed`]), because they are copied into the log. What it does not
//! do: replay detection (`jti`), which needs shared state and belongs to the caller.
//!
//! Errors carry a stable [`TokenError::code`] and nothing from the token itself.

mod keys;
pub mod mint;
mod verify;

pub use keys::{IssuerKeys, KeyError};
pub use verify::{
    MAX_CLAIM_CHARS, TokenError, TokenPolicy, VerifiedToken, bounded_claim, claim_char_allowed,
    verify,
};

/// The RFC 8705 thumbprint form: base64url (no padding) of SHA-256 over the certificate DER.
pub fn x5t_s256(thumbprint: &[u8; 32]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(thumbprint)
}
