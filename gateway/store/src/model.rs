//! The registry's records: partners, data sharing agreements, token uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Parses one of a closed set of names, and names it back.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = InvalidName;
            fn from_str(s: &str) -> Result<Self, InvalidName> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(InvalidName {
                        what: $what,
                        allowed: &[$($text),+],
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

/// A name outside a closed set. The message lists what is allowed, not what was given.
#[derive(Debug, Clone, thiserror::Error)]
#[error("not a valid {what}; expected one of: {}", allowed.join(", "))]
pub struct InvalidName {
    pub what: &'static str,
    pub allowed: &'static [&'static str],
}

named_enum!(
    /// The kind of agency a partner is; exchanges are open to particular kinds.
    AgencyKind, "agency kind" {
        LocalAuthority => "local_authority",
        YouthOffendingTeam => "youth_offending_team",
        JobcentrePlus => "jobcentre_plus",
        SocialServices => "social_services",
    }
);

named_enum!(
    /// Whether a partner may call the gateway at all.
    PartnerStatus, "partner status" {
        Active => "active",
        Suspended => "suspended",
    }
);

named_enum!(
    /// The signature algorithm a partner's tokens are pinned to. Asymmetric only: a shared
    /// secret would let anyone holding the verification key mint tokens.
    TokenAlgorithm, "token algorithm" {
        Es256 => "ES256",
        EdDsa => "EdDSA",
        Rs256 => "RS256",
    }
);

named_enum!(
    /// The lawful basis an agreement relies on (UK GDPR Art. 6).
    LawfulBasis, "lawful basis" {
        Consent => "consent",
        PublicTask => "public_task",
        LegalObligation => "legal_obligation",
    }
);

/// A partner's id: 2 to 64 characters of lower-case letters, digits and hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartnerId(String);

/// Why a partner id was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("a partner id is 2 to 64 characters of a-z, 0-9 and '-'")]
pub struct InvalidPartnerId;

impl PartnerId {
    pub fn parse(s: &str) -> Result<Self, InvalidPartnerId> {
        let ok = (2..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok {
            Ok(PartnerId(s.to_owned()))
        } else {
            Err(InvalidPartnerId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PartnerId {
    type Error = InvalidPartnerId;
    fn try_from(s: String) -> Result<Self, InvalidPartnerId> {
        PartnerId::parse(&s)
    }
}

impl From<PartnerId> for String {
    fn from(id: PartnerId) -> String {
        id.0
    }
}

impl FromStr for PartnerId {
    type Err = InvalidPartnerId;
    fn from_str(s: &str) -> Result<Self, InvalidPartnerId> {
        PartnerId::parse(s)
    }
}

impl fmt::Display for PartnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// A partner agency as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partner {
    pub id: PartnerId,
    pub display_name: String,
    pub agency_kind: AgencyKind,
    pub la_code: Option<String>,
    pub status: PartnerStatus,
    /// The SAN URI its client certificate carries, if it is identified that way.
    pub cert_san_uri: Option<String>,
    /// The certificate subject (RFC 4514 string), if it is identified that way.
    pub cert_subject: Option<String>,
    /// Pinned certificate fingerprints (lower-case hex SHA-256); empty = any certificate with
    /// the identity above, from the trusted CAs.
    pub cert_fingerprints: Vec<String>,
    pub token_issuer: String,
    pub token_algorithm: TokenAlgorithm,
    /// PEM public key(s), or a JWKS document.
    pub token_keys: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What registering a partner needs.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub id: PartnerId,
    pub display_name: String,
    pub agency_kind: AgencyKind,
    pub la_code: Option<String>,
    pub cert_san_uri: Option<String>,
    pub cert_subject: Option<String>,
    pub cert_fingerprints: Vec<String>,
    pub token_issuer: String,
    pub token_algorithm: TokenAlgorithm,
    pub token_keys: String,
}

/// A data sharing agreement (ICO Data Sharing Code: parties, purposes, data, basis, review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agreement {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    /// Partner ids of the parties other than this authority.
    pub parties: Vec<String>,
    /// Exchanges covered, e.g. `eet-status`.
    pub exchanges: Vec<String>,
    pub purposes: Vec<String>,
    pub data_categories: Vec<String>,
    pub lawful_basis: LawfulBasis,
    pub starts_on: Date,
    pub review_on: Date,
    pub ends_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Agreement {
    /// In force on `day`: started, and not ended. (A passed review date is a warning for the
    /// operator, not an end: the ICO code asks for review, the agreement still stands.)
    pub fn in_force_on(&self, day: Date) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }
}

/// What recording an agreement needs.
#[derive(Debug, Clone)]
pub struct NewAgreement {
    pub reference: String,
    pub title: String,
    pub parties: Vec<String>,
    pub exchanges: Vec<String>,
    pub purposes: Vec<String>,
    pub data_categories: Vec<String>,
    pub lawful_basis: LawfulBasis,
    pub starts_on: Date,
    pub review_on: Date,
    pub ends_on: Option<Date>,
}

/// Whether a token id was seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    First,
    Replayed,
}
