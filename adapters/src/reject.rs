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

pub use crate::nccis::checker::table::Outcome;

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
    /// A numbered rule of the NCCIS checker (`nccis::checker::table`).
    Nccis(u16),

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
        CheckerRule::DuplicateUpn,
    ];

    /// Every numbered NCCIS rule, in number order.
    pub fn nccis_rules() -> impl Iterator<Item = CheckerRule> {
        crate::nccis::checker::table::RULES
            .iter()
            .map(|r| CheckerRule::Nccis(r.number))
    }

    /// The table entry of a numbered rule.
    pub fn nccis(self) -> Option<&'static crate::nccis::checker::table::NccisRule> {
        match self {
            CheckerRule::Nccis(n) => crate::nccis::checker::table::rule(n),
            _ => None,
        }
    }

    /// The rule's priority: the table's for a numbered rule; for the
    /// gateway's own checks 1 when they reject by default, 2 otherwise.
    pub fn priority(self) -> u8 {
        match self.nccis() {
            Some(r) => r.priority,
            None if self.default_outcome() == Outcome::Reject => 1,
            None => 2,
        }
    }

    /// What breaking the rule does to a record unless the reader says
    /// otherwise (an optional identifier is dropped, not the record).
    pub fn default_outcome(self) -> Outcome {
        match self {
            CheckerRule::Nccis(n) => {
                crate::nccis::checker::table::rule(n).map_or(Outcome::Reject, |r| r.outcome)
            }
            CheckerRule::UnknownElement => Outcome::Warn,
            _ => Outcome::Reject,
        }
    }

    /// The stable code.
    pub fn code(self) -> &'static str {
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
            R::DuplicateUpn => "GW-013",
            R::Nccis(n) => crate::nccis::checker::table::rule(n).map_or("NCCIS-?", |r| r.code),
        }
    }

    /// What the rule requires, in words.
    pub fn description(self) -> &'static str {
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
            R::Nccis(n) => {
                crate::nccis::checker::table::rule(n).map_or("unknown NCCIS rule", |r| r.text)
            }
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

/// One broken rule: which field, which rule, what it does to the record,
/// and a message free of input values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The element name in the partner format (e.g. `NEETStartDate`), or a
    /// short path when the name alone is ambiguous (`Cohort[2]/StartDate`
    /// is reported as field `StartDate` with the entry number in the message).
    pub field: &'static str,
    pub rule: CheckerRule,
    pub outcome: Outcome,
    pub message: Cow<'static, str>,
}

impl Serialize for Violation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Violation", 5)?;
        st.serialize_field("rule", &self.rule)?;
        st.serialize_field("priority", &self.rule.priority())?;
        st.serialize_field("field", self.field)?;
        st.serialize_field("outcome", &self.outcome)?;
        st.serialize_field("message", &self.message)?;
        st.end()
    }
}

impl Violation {
    pub(crate) fn new(field: &'static str, rule: CheckerRule) -> Self {
        Violation {
            field,
            rule,
            outcome: rule.default_outcome(),
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
            outcome: rule.default_outcome(),
            message: message.into(),
        }
    }

    /// A numbered NCCIS rule, with the table's element and words.
    pub(crate) fn nccis(number: u16) -> Self {
        let rule = CheckerRule::Nccis(number);
        let field = rule.nccis().map_or("YoungPersonsRecord", |r| r.field);
        Violation::new(field, rule)
    }

    /// The same problem with another outcome (an optional value dropped
    /// rather than the record).
    pub(crate) fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
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
/// young person here but the YoungPersonsID (the CCIS's own key, which the
/// data manager needs to find the record), and that only when it is plain
/// digits; the record is also located by `record_index` and `byte_offset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordReject {
    /// 0-based position of the record among the records of the file.
    pub record_index: u64,
    /// Byte offset of the record's start tag in the input (0 for the writer).
    pub byte_offset: u64,
    /// The record's YoungPersonsID when it is plain digits (what a data
    /// manager looks the record up by); never any other value.
    pub young_persons_id: Option<String>,
    pub field: &'static str,
    pub rule: CheckerRule,
    pub outcome: Outcome,
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
            young_persons_id: None,
            field: first.field,
            rule: first.rule,
            outcome: first.outcome,
            message: first.message,
            further: violations,
        })
    }

    /// Every violation, first one first.
    pub fn violations(&self) -> impl Iterator<Item = Violation> + '_ {
        std::iter::once(Violation {
            field: self.field,
            rule: self.rule,
            outcome: self.outcome,
            message: self.message.clone(),
        })
        .chain(self.further.iter().cloned())
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
        let codes: HashSet<_> = CheckerRule::ALL
            .iter()
            .copied()
            .chain(CheckerRule::nccis_rules())
            .map(|r| r.code())
            .collect();
        assert_eq!(codes.len(), CheckerRule::ALL.len() + 82);
        // Every variant is in ALL: the match in `code` is exhaustive, and
        // this count must be raised whenever a variant is added.
        assert_eq!(CheckerRule::ALL.len(), 11);
        assert_eq!(CheckerRule::nccis_rules().count(), 82);
    }

    #[test]
    fn reject_display_has_position_and_rule() {
        let r =
            RecordReject::from_violations(3, 120, vec![Violation::nccis(225), Violation::nccis(9)])
                .unwrap();
        let s = r.to_string();
        assert!(s.contains("record 3") && s.contains("NCCIS-225") && s.contains("1 more"));
        assert!(r.broke(CheckerRule::Nccis(9)));
        assert!(RecordReject::from_violations(0, 0, vec![]).is_none());
    }
}
