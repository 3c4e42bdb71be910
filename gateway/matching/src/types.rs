//! What goes into the index, what a request asks, and what comes back.

use std::fmt;

use gateway_domain::{CcisId, IdKind, Nino, Postcode, SubjectRef, Uln, Upn, YoungPerson};
use serde::{Deserialize, Serialize};
use time::Date;

/// The part of a young person's record the matcher needs. `K` is the
/// store's own handle for the person (the CCIS id by default).
///
/// `Debug` shows the key only (a [`CcisId`] key prints redacted).
#[derive(Clone, PartialEq, Eq)]
pub struct IndexEntry<K = CcisId> {
    pub key: K,
    pub upn: Option<Upn>,
    pub uln: Option<Uln>,
    pub ccis_id: Option<CcisId>,
    pub nino: Option<Nino>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub postcode: Option<Postcode>,
}

impl<K> IndexEntry<K> {
    /// The entry for `person` under the store's own `key`.
    pub fn from_person(key: K, person: &YoungPerson) -> Self {
        IndexEntry {
            key,
            upn: person.upn.clone(),
            uln: person.uln.clone(),
            ccis_id: Some(person.ccis_id.clone()),
            nino: person.nino.clone(),
            given_name: person.given_name.clone(),
            family_name: person.family_name.clone(),
            date_of_birth: person.date_of_birth,
            postcode: person.address.postcode().cloned(),
        }
    }
}

/// The entry for `person`, keyed by its CCIS id.
impl From<&YoungPerson> for IndexEntry<CcisId> {
    fn from(person: &YoungPerson) -> Self {
        IndexEntry::from_person(person.ccis_id.clone(), person)
    }
}

impl<K: fmt::Debug> fmt::Debug for IndexEntry<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexEntry")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// How a request names its subject.
///
/// Serialised externally tagged: `{"identifier": {"upn": "..."}}` or
/// `{"demographics": {"given_name": ..., "date_of_birth": "2008-07-03", ...}}`.
/// `Debug` prints no names, dates or identifiers.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRequest {
    /// Exact match on one identifier (already normalised by its type).
    Identifier(SubjectRef),
    /// Conservative match on names, date of birth and optionally postcode.
    Demographics {
        given_name: String,
        family_name: String,
        #[serde(with = "gateway_domain::dates::iso")]
        date_of_birth: Date,
        #[serde(default)]
        postcode: Option<Postcode>,
    },
}

impl fmt::Debug for MatchRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchRequest::Identifier(r) => f.debug_tuple("Identifier").field(r).finish(),
            MatchRequest::Demographics { postcode, .. } => f
                .debug_struct("Demographics")
                .field("postcode_given", &postcode.is_some())
                .finish_non_exhaustive(),
        }
    }
}

/// How a unique match was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    /// Exactly one person holds this identifier.
    Identifier(IdKind),
    /// Demographics: the winner's score, its lead over the next candidate
    /// (`None` when no other candidate was found at all), and the kind of
    /// agreement that allowed it.
    Demographic {
        score: i32,
        margin: Option<i32>,
        path: MatchPath,
    },
}

/// Which rule allowed a demographic match. Every path also needs the score
/// threshold and the margin over every other indexed person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchPath {
    /// DOB exact or day/month exchanged; both names at least close (equal,
    /// one typo, or one's words among the other's) and one of them equal.
    /// The postcode, if given, may be anywhere in the same area.
    Standard,
    /// A typo in each name; DOB and postcode exact.
    TyposInBothNames,
    /// Two edits in a name of five to nine letters that nobody in the index
    /// bears; the other name, the DOB and the postcode exact.
    TwoEditsInLongName,
    /// One edit in a name under four letters that nobody in the index
    /// bears; the other name, the DOB and the postcode exact.
    OneEditInShortName,
    /// One digit of the DOB's day or month changed, same year; names and
    /// postcode exact.
    DobDigitChanged,
    /// Given and family names exchanged, both otherwise equal; DOB exact;
    /// the postcode, if given, in the same area.
    NamesSwapped,
}

/// Why there is no unique match. For the audit log only: every requester
/// gets the same "no unique match" answer whatever the reason, so that the
/// answer does not reveal whether the gateway knows someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoMatchReason {
    /// Nobody holds the identifier, or nobody resembles the demographics.
    NoCandidate,
    /// Two or more people fit (equally, or too nearly), or an identifier is
    /// held by more than one person (a data error to be fixed at source).
    Ambiguous,
    /// Somebody resembles the request, but not closely enough.
    BelowThreshold,
    /// A name is empty after normalisation or too long to be a name.
    InsufficientDetail,
    /// More candidates than the configured cap would need examining.
    TooManyCandidates,
}

/// The answer to "who is this?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchOutcome<K = CcisId> {
    Unique { key: K, method: MatchMethod },
    NoUniqueMatch { reason: NoMatchReason },
}

impl<K> MatchOutcome<K> {
    /// The matched key, if the match is unique.
    pub fn key(&self) -> Option<&K> {
        match self {
            MatchOutcome::Unique { key, .. } => Some(key),
            MatchOutcome::NoUniqueMatch { .. } => None,
        }
    }

    pub fn is_unique(&self) -> bool {
        matches!(self, MatchOutcome::Unique { .. })
    }

    /// The reason there is no unique match, if there is none.
    pub fn reason(&self) -> Option<NoMatchReason> {
        match self {
            MatchOutcome::Unique { .. } => None,
            MatchOutcome::NoUniqueMatch { reason } => Some(*reason),
        }
    }

    pub(crate) fn none(reason: NoMatchReason) -> Self {
        MatchOutcome::NoUniqueMatch { reason }
    }
}

/// Why the index refused a change. The index is unchanged after an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    #[error("the index holds the maximum number of people or names")]
    Capacity,
    #[error("no entry with this key to update")]
    UnknownKey,
}
