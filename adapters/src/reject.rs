//! How the readers report what they refused.
//!
//! Two kinds of failure, kept apart on purpose:
//! - a [`RecordReject`]: one record broke one or more rules. The reader
//!   reports it (with the record's position) and carries on with the next
//!   record; the rejected record is never returned in part and never
//!   "repaired" with defaults.
//! - a [`FatalError`]: the file itself cannot be read on (not well-formed
//!   XML, a limit that protects memory was exceeded, the header is unusable).
//!   The stream ends there, with the byte position of the failure.
//!
//! Guarantee: no message built here contains a value taken from the input.
//! Messages name the record (by index and byte offset), the field (by its
//! element name in the partner format) and the rule; never a name, an
//! identifier, an address or a date of birth. Even element names found in
//! the input are not echoed unless they are names this crate defines.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// A rule a record can break. `code()` is stable: it is meant for reports,
/// dashboards and tests, and does not change when messages are reworded.
///
/// Codes `NCCIS-n` carry the error number the NCCIS Management Information
/// Requirement (Appendix D) gives the same check, as implemented by the
/// open-source CCISTool checker (github.com/Brianetta/CCISTool); codes
/// `GW-n` are checks this gateway adds (structure, limits, identifiers) or
/// rules stated in the gateway specification without an NCCIS number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CheckerRule {
    // ---- structure and limits (any XML format) ----
    /// An element this layout does not define.
    UnknownElement,
    /// A single-valued element (or a repeated code) appears more than once.
    DuplicateElement,
    /// Text where elements were expected, an element inside a text field,
    /// or attributes on an element that takes none.
    UnexpectedContent,
    /// More activities, history entries or elements than the limits allow.
    TooManyEntries,
    /// Element text longer than the limit.
    TextTooLong,
    /// Control characters, an undeclared entity, an invalid character
    /// reference, or a blank value where text is required.
    InvalidText,
    /// A required field is absent or empty.
    MissingField,
    /// A date that is not `CCYY-MM-DD` or not a calendar date.
    DateFormat,
    /// An identifier failed its format or check-character rule.
    InvalidIdentifier,
    /// A value that is not in its code list.
    InvalidCode,

    // ---- NCCIS checker rules ----
    /// YoungPersonsID is not 13 digits.
    YoungPersonsIdFormat,
    /// The first three digits of YoungPersonsID are not a DatabaseID of the header.
    DatabaseIdMismatch,
    /// YoungPersonsID repeated in the file.
    DuplicateYoungPersonsId,
    /// CohortStatus T without TransferredToLACode.
    TransferWithoutDestination,
    /// TransferredToLACode is 004 (unknown).
    TransferToUnknownLa,
    /// TransferredToLACode equals LeadLEA.
    TransferToLeadLa,
    /// A NEET activity without NEETStartDate.
    NeetStartDateMissing,
    /// NEETStartDate later than the activity's StartDate.
    NeetStartDateAfterStart,
    /// NEETStartDate on an activity that is not NEET.
    NeetStartDateNotNeet,
    /// DateAscertained later than DateVerified.
    AscertainedAfterVerified,
    /// StartDate later than DateVerified.
    StartAfterVerified,
    /// CurrencyLapsed = Y but DueToLapseDate is absent or after PeriodEnd.
    LapsedNotDue,
    /// CurrencyLapsed = N but DueToLapseDate is before PeriodEnd.
    DueNotLapsed,
    /// Activity 620 (young carer) without characteristic 140.
    YoungCarerWithoutCharacteristic,
    /// Activity 630 (teenage parent) without characteristic 120.
    TeenageParentWithoutCharacteristic,
    /// Activity 650 (pregnancy) without characteristic 180.
    PregnancyWithoutCharacteristic,
    /// Activity 720 (refugee/asylum seeker) without characteristic 130.
    RefugeeWithoutCharacteristic,
    /// Characteristic 180 (pregnant) recorded for a male.
    PregnantMale,
    /// Activity 440 (DWP programme) begun before the 18th birthday.
    DwpProgrammeUnder18,
    /// Younger than the minimum cohort age on the reference date.
    TooYoung,
    /// Older than the maximum cohort age on the reference date.
    TooOld,
    /// Aged 20 or over on the reference date without SEND.
    AdultWithoutSend,
    /// UniqueLearnerNo repeated in the file.
    DuplicateUln,

    // ---- CTF ----
    /// UPN repeated in the file.
    DuplicateUpn,
}

impl CheckerRule {
    /// Every rule, in code order within each family.
    pub const ALL: &'static [CheckerRule] = &[
        CheckerRule::UnknownElement,
        CheckerRule::DuplicateElement,
        CheckerRule::UnexpectedContent,
        CheckerRule::TooManyEntries,
        CheckerRule::TextTooLong,
        CheckerRule::InvalidText,
        CheckerRule::MissingField,
        CheckerRule::DateFormat,
        CheckerRule::InvalidIdentifier,
        CheckerRule::InvalidCode,
        CheckerRule::DatabaseIdMismatch,
        CheckerRule::AdultWithoutSend,
        CheckerRule::DuplicateUpn,
        CheckerRule::YoungPersonsIdFormat,
        CheckerRule::TooOld,
        CheckerRule::TooYoung,
        CheckerRule::TransferWithoutDestination,
        CheckerRule::TransferToUnknownLa,
        CheckerRule::TransferToLeadLa,
        CheckerRule::NeetStartDateMissing,
        CheckerRule::NeetStartDateAfterStart,
        CheckerRule::NeetStartDateNotNeet,
        CheckerRule::LapsedNotDue,
        CheckerRule::DueNotLapsed,
        CheckerRule::YoungCarerWithoutCharacteristic,
        CheckerRule::TeenageParentWithoutCharacteristic,
        CheckerRule::PregnancyWithoutCharacteristic,
        CheckerRule::RefugeeWithoutCharacteristic,
        CheckerRule::AscertainedAfterVerified,
        CheckerRule::DwpProgrammeUnder18,
        CheckerRule::StartAfterVerified,
        CheckerRule::PregnantMale,
        CheckerRule::DuplicateYoungPersonsId,
        CheckerRule::DuplicateUln,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        use CheckerRule as R;
        match self {
            R::UnknownElement => "GW-001",
            R::DuplicateElement => "GW-002",
            R::UnexpectedContent => "GW-003",
            R::TooManyEntries => "GW-004",
            R::TextTooLong => "GW-005",
            R::InvalidText => "GW-006",
            R::MissingField => "GW-007",
            R::DateFormat => "GW-008",
            R::InvalidIdentifier => "GW-009",
            R::InvalidCode => "GW-010",
            R::DatabaseIdMismatch => "GW-011",
            R::AdultWithoutSend => "GW-012",
            R::DuplicateUpn => "GW-013",
            R::YoungPersonsIdFormat => "NCCIS-1",
            R::TooOld => "NCCIS-9",
            R::TooYoung => "NCCIS-10",
            R::TransferWithoutDestination => "NCCIS-13",
            R::TransferToUnknownLa => "NCCIS-41",
            R::TransferToLeadLa => "NCCIS-42",
            R::NeetStartDateMissing => "NCCIS-224",
            R::NeetStartDateAfterStart => "NCCIS-225",
            R::NeetStartDateNotNeet => "NCCIS-226",
            R::LapsedNotDue => "NCCIS-231",
            R::DueNotLapsed => "NCCIS-232",
            R::YoungCarerWithoutCharacteristic => "NCCIS-233",
            R::TeenageParentWithoutCharacteristic => "NCCIS-234",
            R::PregnancyWithoutCharacteristic => "NCCIS-235",
            R::RefugeeWithoutCharacteristic => "NCCIS-236",
            R::AscertainedAfterVerified => "NCCIS-237",
            R::DwpProgrammeUnder18 => "NCCIS-253",
            R::StartAfterVerified => "NCCIS-256",
            R::PregnantMale => "NCCIS-260",
            R::DuplicateYoungPersonsId => "NCCIS-902",
            R::DuplicateUln => "NCCIS-907",
        }
    }

    /// What the rule requires, in words.
    pub const fn description(self) -> &'static str {
        use CheckerRule as R;
        match self {
            R::UnknownElement => "element is not part of this layout",
            R::DuplicateElement => "value may appear only once",
            R::UnexpectedContent => "unexpected content (text, nested element or attribute)",
            R::TooManyEntries => "more entries than the configured limit",
            R::TextTooLong => "text is longer than the configured limit",
            R::InvalidText => "text contains control characters, an undeclared entity or is blank",
            R::MissingField => "required field is missing or empty",
            R::DateFormat => "date must be CCYY-MM-DD and a real calendar date",
            R::InvalidIdentifier => "identifier fails its format or check character",
            R::InvalidCode => "value is not in its code list",
            R::YoungPersonsIdFormat => "YoungPersonsID must be 13 digits",
            R::DatabaseIdMismatch => {
                "YoungPersonsID must start with a DatabaseID given in the FileHeader"
            }
            R::DuplicateYoungPersonsId => "YoungPersonsID must be unique within the file",
            R::TransferWithoutDestination => "CohortStatus T requires TransferredToLACode",
            R::TransferToUnknownLa => "TransferredToLACode must not be 004 (unknown)",
            R::TransferToLeadLa => "TransferredToLACode must differ from LeadLEA",
            R::NeetStartDateMissing => "a NEET activity requires NEETStartDate",
            R::NeetStartDateAfterStart => "NEETStartDate must not be after StartDate",
            R::NeetStartDateNotNeet => "NEETStartDate is only for NEET activities",
            R::AscertainedAfterVerified => "DateAscertained must not be after DateVerified",
            R::StartAfterVerified => "StartDate must not be after DateVerified",
            R::LapsedNotDue => "CurrencyLapsed Y requires a DueToLapseDate on or before PeriodEnd",
            R::DueNotLapsed => "CurrencyLapsed N but DueToLapseDate is before PeriodEnd",
            R::YoungCarerWithoutCharacteristic => "activity 620 requires characteristic 140",
            R::TeenageParentWithoutCharacteristic => "activity 630 requires characteristic 120",
            R::PregnancyWithoutCharacteristic => "activity 650 requires characteristic 180",
            R::RefugeeWithoutCharacteristic => "activity 720 requires characteristic 130",
            R::PregnantMale => "characteristic 180 is invalid for a male",
            R::DwpProgrammeUnder18 => "activity 440 cannot start before the 18th birthday",
            R::TooYoung => "younger than the minimum age on the reference date",
            R::TooOld => "older than the maximum age on the reference date",
            R::AdultWithoutSend => "aged 20 or over on the reference date requires SEND",
            R::DuplicateUln => "UniqueLearnerNo must be unique within the file",
            R::DuplicateUpn => "UPN must be unique within the file",
        }
    }
}

impl fmt::Display for CheckerRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for CheckerRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One broken rule: which field, which rule, and a message free of input values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The element name in the partner format (e.g. `NEETStartDate`), or a
    /// short path when the name alone is ambiguous (`Cohort[2]/StartDate`
    /// is reported as field `StartDate` with the entry number in the message).
    pub field: &'static str,
    pub rule: CheckerRule,
    pub message: Cow<'static, str>,
}

impl Violation {
    pub(crate) fn new(field: &'static str, rule: CheckerRule) -> Self {
        Violation {
            field,
            rule,
            message: Cow::Borrowed(rule.description()),
        }
    }

    pub(crate) fn with(
        field: &'static str,
        rule: CheckerRule,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Violation {
            field,
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]: {}", self.field, self.rule.code(), self.message)
    }
}

/// A record the reader (or writer) refused, with where it was.
///
/// `field`, `rule` and `message` describe the first violation found;
/// `further` lists any others. There is deliberately no identifier of the
/// young person here: the record is located by `record_index` and
/// `byte_offset`, which are enough to find it in the file the sender holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordReject {
    /// 0-based position of the record among the records of the file.
    pub record_index: u64,
    /// Byte offset of the record's start tag in the input (0 for the writer).
    pub byte_offset: u64,
    pub field: &'static str,
    pub rule: CheckerRule,
    pub message: Cow<'static, str>,
    /// Further violations of the same record, in the order found.
    pub further: Vec<Violation>,
}

impl RecordReject {
    /// Build from a non-empty list of violations; `None` when there are none.
    pub(crate) fn from_violations(
        record_index: u64,
        byte_offset: u64,
        mut violations: Vec<Violation>,
    ) -> Option<RecordReject> {
        if violations.is_empty() {
            return None;
        }
        let first = violations.remove(0);
        Some(RecordReject {
            record_index,
            byte_offset,
            field: first.field,
            rule: first.rule,
            message: first.message,
            further: violations,
        })
    }

    /// Every rule this record broke, first one first.
    pub fn rules(&self) -> impl Iterator<Item = CheckerRule> + '_ {
        std::iter::once(self.rule).chain(self.further.iter().map(|v| v.rule))
    }

    /// Whether the record broke `rule`.
    pub fn broke(&self, rule: CheckerRule) -> bool {
        self.rules().any(|r| r == rule)
    }
}

impl fmt::Display for RecordReject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {} (byte {}) rejected: {} [{}]: {}",
            self.record_index,
            self.byte_offset,
            self.field,
            self.rule.code(),
            self.message
        )?;
        if !self.further.is_empty() {
            write!(f, " (and {} more)", self.further.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for RecordReject {}

/// Why a file could not be read on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FatalKind {
    /// Not well-formed XML (or not UTF-8).
    Xml { problem: &'static str },
    /// Reading from the caller's source failed.
    Io { problem: String },
    /// A limit that bounds memory was exceeded.
    Limit { limit: &'static str },
    /// Well-formed XML, but not this format's document structure.
    Structure { problem: &'static str },
    /// The file header is missing or unusable.
    Header {
        field: &'static str,
        problem: Cow<'static, str>,
    },
}

impl fmt::Display for FatalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FatalKind::Xml { problem } => write!(f, "not well-formed XML: {problem}"),
            FatalKind::Io { problem } => write!(f, "read failed: {problem}"),
            FatalKind::Limit { limit } => write!(f, "limit exceeded: {limit}"),
            FatalKind::Structure { problem } => {
                write!(f, "unexpected document structure: {problem}")
            }
            FatalKind::Header { field, problem } => write!(f, "file header {field}: {problem}"),
        }
    }
}

/// The error that ends a stream: what went wrong and the byte where it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("at byte {byte_offset}: {kind}")]
pub struct FatalError {
    pub kind: FatalKind,
    /// Byte offset in the input where the problem was detected.
    pub byte_offset: u64,
    /// The record being read when it happened, if any.
    pub record_index: Option<u64>,
}

/// What a reader yields in place of a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// This record is refused; the stream continues.
    #[error("{0}")]
    Rejected(RecordReject),
    /// The stream ends here.
    #[error("{0}")]
    Fatal(FatalError),
}

impl ReadError {
    pub fn is_fatal(&self) -> bool {
        matches!(self, ReadError::Fatal(_))
    }

    pub fn as_reject(&self) -> Option<&RecordReject> {
        match self {
            ReadError::Rejected(r) => Some(r),
            ReadError::Fatal(_) => None,
        }
    }
}

/// Why a writer refused a record or failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The record breaks a rule; nothing of it was written.
    #[error("{0}")]
    Rejected(RecordReject),
    /// The header cannot be written (a value the reader would refuse).
    #[error("header {field}: {problem}")]
    Header {
        field: &'static str,
        problem: &'static str,
    },
    /// The caller's sink failed.
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_all_is_complete() {
        let codes: HashSet<_> = CheckerRule::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), CheckerRule::ALL.len());
        // Every variant is in ALL: the match in `code` is exhaustive, and
        // this count must be raised whenever a variant is added.
        assert_eq!(CheckerRule::ALL.len(), 34);
    }

    #[test]
    fn reject_display_has_position_and_rule() {
        let r = RecordReject::from_violations(
            3,
            120,
            vec![
                Violation::new("NEETStartDate", CheckerRule::NeetStartDateAfterStart),
                Violation::new("DOB", CheckerRule::TooOld),
            ],
        )
        .unwrap();
        let s = r.to_string();
        assert!(s.contains("record 3") && s.contains("NCCIS-225") && s.contains("1 more"));
        assert!(r.broke(CheckerRule::TooOld));
        assert!(RecordReject::from_violations(0, 0, vec![]).is_none());
    }
}
