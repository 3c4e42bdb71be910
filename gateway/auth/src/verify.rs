//! Token verification: signature, issuer, audience, time, and certificate binding.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Validation, decode, decode_header};
use serde::Deserialize;

use crate::{IssuerKeys, x5t_s256};

/// What this gateway accepts.
#[derive(Debug, Clone)]
pub struct TokenPolicy {
    /// This gateway's audience (`aud`).
    pub audience: String,
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: u64,
    /// The longest `exp - iat` accepted, in seconds: long-lived tokens are refused even when
    /// signed properly, because a stolen one would be useful for too long.
    pub max_lifetime_secs: u64,
}

/// Why a token was refused. Deliberately coarse: a caller learns which family of check
/// failed (so a partner's developer can fix it) but nothing about keys or expected values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("no bearer token was presented")]
    Missing,
    #[error("the token is not valid for this gateway")]
    Invalid,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not yet valid (nbf or iat in the future)")]
    NotYetValid,
    #[error("the token is not bound to the client certificate presented")]
    NotBound,
    #[error("the token has already been used")]
    Replayed,
    /// A claim the gateway copies into its log (`sub`, `role`, `purpose`, `case_ref`, `jti`)
    /// is empty, longer than [`MAX_CLAIM_CHARS`], or holds a character outside
    /// [`claim_char_allowed`]'s set; or `case_ref` is not a valid case reference.
    #[error("a claim of the token is empty, too long or holds characters that are not allowed")]
    ClaimsInvalid,
}

impl TokenError {
    /// A stable machine-readable code for problem+json bodies and metrics.
    pub fn code(self) -> &'static str {
        match self {
            TokenError::Missing => "token-missing",
            TokenError::Invalid => "token-invalid",
            TokenError::Expired => "token-expired",
            TokenError::NotYetValid => "token-not-yet-valid",
            TokenError::NotBound => "token-not-bound",
            TokenError::Replayed => "token-replayed",
            TokenError::ClaimsInvalid => "token-claims-invalid",
        }
    }
}

/// The longest `sub`, `role`, `purpose`, `case_ref` or `jti` accepted, in characters. These
/// values go into the append-only disclosure log, so an unbounded one would grow it for ever.
pub const MAX_CLAIM_CHARS: usize = 128;

/// The characters allowed in those claims: ASCII letters and digits and `. _ - @ : / +`.
///
/// That covers what partners' identity providers put there: directory account names
/// (`j.smith`, `jsmith_2`), user principal names and e-mail addresses (`j.smith+yot@kent.gov.uk`),
/// GUID object ids, staff numbers, role and purpose names or URNs (`case_worker`,
/// `urn:kent:role:yot-officer`) and case references (`YOT/2025-001`). It leaves out
/// whitespace and control characters (log injection), quotes, angle brackets, `%`, `\` and
/// everything outside ASCII (look-alike letters that would make two officers read the same).
pub fn claim_char_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | ':' | '/' | '+')
}

/// Whether `value` is a bounded claim: 1 to [`MAX_CLAIM_CHARS`] allowed characters.
pub fn bounded_claim(value: &str) -> bool {
    // Every allowed character is one byte, so the byte length is the character count.
    (1..=MAX_CLAIM_CHARS).contains(&value.len()) && value.chars().all(claim_char_allowed)
}

/// What a verified token says about the person behind the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The officer (`sub`): the partner's identifier for its staff member.
    pub officer: String,
    pub role: String,
    pub purpose: String,
    /// The partner's case reference, if it sent one.
    pub case_reference: Option<String>,
    pub jti: String,
    /// `exp`, unix seconds.
    pub expires_at: i64,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
    jti: String,
    role: String,
    purpose: String,
    #[serde(default)]
    case_ref: Option<String>,
    cnf: Confirmation,
}

#[derive(Deserialize)]
struct Confirmation {
    #[serde(rename = "x5t#S256")]
    x5t_s256: String,
}

/// Verifies `token` from the partner whose keys are `keys`, presented on a connection whose
/// client certificate has SHA-256 `cert_thumbprint`, at unix time `now`.
pub fn verify(
    token: &str,
    keys: &IssuerKeys,
    policy: &TokenPolicy,
    cert_thumbprint: &[u8; 32],
    now: i64,
) -> Result<VerifiedToken, TokenError> {
    // The header's alg must be the pinned one before any key is touched.
    let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
    if header.alg != keys.algorithm {
        return Err(TokenError::Invalid);
    }
    // RFC 7515 §4.1.11: a recipient that does not understand every extension `crit` names
    // must refuse the token. This gateway implements no extension, so any `crit` (even an
    // empty list, which the RFC forbids) is refused.
    if header.crit.is_some() {
        return Err(TokenError::Invalid);
    }
    let mut validation = Validation::new(keys.algorithm);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[keys.issuer.as_str()]);
    validation.set_audience(&[policy.audience.as_str()]);
    validation.leeway = policy.leeway_secs;
    validation.validate_nbf = true;

    let candidates = keys
        .keys
        .iter()
        .filter(|(kid, _)| header.kid.is_none() || kid.is_none() || *kid == header.kid);
    let mut outcome = Err(TokenError::Invalid);
    for (_, key) in candidates {
        match decode::<Claims>(token, key, &validation) {
            Ok(data) => {
                outcome = Ok(data.claims);
                break;
            }
            Err(err) => {
                outcome = Err(match err.kind() {
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                    _ => TokenError::Invalid,
                });
                // A bad signature may just be the wrong key of several; anything else
                // (time, audience) is final.
                if !matches!(err.kind(), ErrorKind::InvalidSignature) {
                    break;
                }
            }
        }
    }
    let claims = outcome?;

    let leeway = i64::try_from(policy.leeway_secs).unwrap_or(i64::MAX);
    let max_lifetime = i64::try_from(policy.max_lifetime_secs).unwrap_or(i64::MAX);
    if claims.iat > now.saturating_add(leeway) {
        return Err(TokenError::NotYetValid);
    }
    if claims.exp.saturating_sub(claims.iat) > max_lifetime {
        return Err(TokenError::Invalid);
    }
    // A certificate thumbprint is public, so a plain comparison is fine here.
    if claims.cnf.x5t_s256 != x5t_s256(cert_thumbprint) {
        return Err(TokenError::NotBound);
    }
    let bounded = [&claims.sub, &claims.role, &claims.purpose, &claims.jti]
        .into_iter()
        .chain(claims.case_ref.as_ref())
        .all(|claim| bounded_claim(claim));
    if !bounded {
        return Err(TokenError::ClaimsInvalid);
    }
    Ok(VerifiedToken {
        officer: claims.sub,
        role: claims.role,
        purpose: claims.purpose,
        case_reference: claims.case_ref,
        jti: claims.jti,
        expires_at: claims.exp,
    })
}
