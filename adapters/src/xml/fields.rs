//! Turning a record subtree into typed values, collecting violations.
//!
//! Every getter here reports a problem as a [`Violation`] naming the element
//! and the rule, and never copies the offending value into the message.

use std::fmt::Display;

use time::Date;

use super::input::{Node, NodeIssue, is_xml_whitespace};
use super::text::{TextProblem, check_text, parse_date};
use crate::reject::{CheckerRule, Violation};

/// Report what the tree builder noticed about a node.
fn issue_violation(node: Node<'_>, field: &'static str, v: &mut Vec<Violation>) {
    if let Some(issue) = node.issue() {
        v.push(match issue {
            NodeIssue::TextTooLong => Violation::new(field, CheckerRule::TextTooLong),
            NodeIssue::BadReference => Violation::with(
                field,
                CheckerRule::InvalidText,
                "undeclared entity or invalid character reference",
            ),
            NodeIssue::MixedContent => Violation::with(
                field,
                CheckerRule::UnexpectedContent,
                "text mixed with child elements",
            ),
            NodeIssue::Attributes => Violation::with(
                field,
                CheckerRule::UnexpectedContent,
                "attributes are not part of this layout",
            ),
            NodeIssue::TooManyElements => Violation::with(
                field,
                CheckerRule::TooManyEntries,
                "more elements than max_elements_per_record",
            ),
        });
    }
}

/// The children of a container element, checked against the names it may hold.
pub(crate) struct Fields<'n> {
    entries: Vec<(&'static str, Node<'n>)>,
}

impl<'n> Fields<'n> {
    /// Group `parent`'s children. Children not in `allowed` are reported as
    /// [`CheckerRule::UnknownElement`]; a second occurrence of a name not in
    /// `repeatable` as [`CheckerRule::DuplicateElement`].
    pub(crate) fn of(
        parent: Node<'n>,
        parent_name: &'static str,
        allowed: &[&'static str],
        repeatable: &[&'static str],
        v: &mut Vec<Violation>,
    ) -> Fields<'n> {
        Self::build(parent, parent_name, allowed, repeatable, v, None)
    }

    /// As [`Fields::of`], but an element outside `allowed` is a warning in
    /// `warnings` (naming the element when its name is plain) and is
    /// otherwise ignored: the record is not rejected for it.
    pub(crate) fn tolerant(
        parent: Node<'n>,
        parent_name: &'static str,
        allowed: &[&'static str],
        repeatable: &[&'static str],
        v: &mut Vec<Violation>,
        warnings: &mut Vec<Violation>,
    ) -> Fields<'n> {
        Self::build(parent, parent_name, allowed, repeatable, v, Some(warnings))
    }

    fn build(
        parent: Node<'n>,
        parent_name: &'static str,
        allowed: &[&'static str],
        repeatable: &[&'static str],
        v: &mut Vec<Violation>,
        mut warnings: Option<&mut Vec<Violation>>,
    ) -> Fields<'n> {
        issue_violation(parent, parent_name, v);
        if !parent.has_children() && !is_xml_whitespace(parent.text()) {
            v.push(Violation::with(
                parent_name,
                CheckerRule::UnexpectedContent,
                "text where elements were expected",
            ));
        }
        let mut entries: Vec<(&'static str, Node<'n>)> = Vec::new();
        for child in parent.children() {
            match child.name() {
                Some(name) if allowed.contains(&name) => {
                    if !repeatable.contains(&name) && entries.iter().any(|(n, _)| *n == name) {
                        v.push(Violation::new(name, CheckerRule::DuplicateElement));
                    } else {
                        entries.push((name, child));
                    }
                }
                Some(name) => {
                    let viol = Violation::with(
                        name,
                        CheckerRule::UnknownElement,
                        format!("element {name} is not allowed inside {parent_name}"),
                    );
                    match warnings.as_deref_mut() {
                        Some(w) => w.push(viol),
                        None => v.push(viol),
                    }
                }
                None => {
                    let message = match (child.unknown_name(), warnings.is_some()) {
                        (Some(raw), true) => format!(
                            "element {raw} inside {parent_name} is not part of the NCCIS schema; ignored"
                        ),
                        _ => {
                            format!("an element inside {parent_name} is not part of this layout")
                        }
                    };
                    let viol = Violation::with(parent_name, CheckerRule::UnknownElement, message);
                    match warnings.as_deref_mut() {
                        Some(w) => w.push(viol),
                        None => v.push(viol),
                    }
                }
            }
        }
        Fields { entries }
    }

    pub(crate) fn one(&self, name: &str) -> Option<Node<'n>> {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, node)| *node)
    }

    pub(crate) fn all(&self, name: &'static str) -> impl Iterator<Item = Node<'n>> + '_ {
        self.entries
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, node)| *node)
    }

    pub(crate) fn count(&self, name: &str) -> usize {
        self.entries.iter().filter(|(n, _)| *n == name).count()
    }
}

/// The text of a leaf element, or `None` (with a violation) if the node
/// has children or a problem. Empty text is returned as `Some("")`.
pub(crate) fn leaf<'n>(
    node: Node<'n>,
    field: &'static str,
    v: &mut Vec<Violation>,
) -> Option<&'n str> {
    let before = v.len();
    issue_violation(node, field, v);
    if node.has_children() {
        v.push(Violation::with(
            field,
            CheckerRule::UnexpectedContent,
            "element inside a text field",
        ));
    }
    (v.len() == before).then_some(node.text())
}

fn text_violation(field: &'static str, p: TextProblem) -> Violation {
    match p {
        TextProblem::Blank => Violation::with(field, CheckerRule::MissingField, "value is blank"),
        TextProblem::Control => Violation::with(field, CheckerRule::InvalidText, p.message()),
        TextProblem::TooLong => Violation::new(field, CheckerRule::TextTooLong),
    }
}

/// A required free-text value (kept exactly as written).
pub(crate) fn req_text(
    f: &Fields<'_>,
    field: &'static str,
    max_len: usize,
    v: &mut Vec<Violation>,
) -> Option<String> {
    let Some(node) = f.one(field) else {
        v.push(Violation::new(field, CheckerRule::MissingField));
        return None;
    };
    let s = leaf(node, field, v)?;
    match check_text(s, max_len) {
        Ok(()) => Some(s.to_owned()),
        Err(p) => {
            v.push(text_violation(field, p));
            None
        }
    }
}

/// A required free-text value with surrounding XML whitespace (space, tab,
/// CR, LF: suppliers indent values) removed before it is checked.
pub(crate) fn req_trimmed_text(
    f: &Fields<'_>,
    field: &'static str,
    max_len: usize,
    v: &mut Vec<Violation>,
) -> Option<String> {
    let Some(node) = f.one(field) else {
        v.push(Violation::new(field, CheckerRule::MissingField));
        return None;
    };
    let s = trim_xml(leaf(node, field, v)?);
    match check_text(s, max_len) {
        Ok(()) => Some(s.to_owned()),
        Err(p) => {
            v.push(text_violation(field, p));
            None
        }
    }
}

/// An optional free-text value, trimmed as [`req_trimmed_text`]; absent,
/// empty or blank is `None`.
pub(crate) fn opt_trimmed_text(
    f: &Fields<'_>,
    field: &'static str,
    max_len: usize,
    v: &mut Vec<Violation>,
) -> Option<String> {
    let s = trim_xml(leaf(f.one(field)?, field, v)?);
    match check_text(s, max_len) {
        Ok(()) => Some(s.to_owned()),
        Err(TextProblem::Blank) => None,
        Err(p) => {
            v.push(text_violation(field, p));
            None
        }
    }
}

fn trim_xml(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// An optional free-text value; an absent, empty or blank element is `None`.
pub(crate) fn opt_text(
    f: &Fields<'_>,
    field: &'static str,
    max_len: usize,
    v: &mut Vec<Violation>,
) -> Option<String> {
    let s = leaf(f.one(field)?, field, v)?;
    match check_text(s, max_len) {
        Ok(()) => Some(s.to_owned()),
        Err(TextProblem::Blank) => None,
        Err(p) => {
            v.push(text_violation(field, p));
            None
        }
    }
}

/// A required value parsed by `parse`; `rule` is reported with the parser's
/// message (parsers here never echo their input).
pub(crate) fn req<T, E: Display>(
    f: &Fields<'_>,
    field: &'static str,
    rule: CheckerRule,
    parse: impl FnOnce(&str) -> Result<T, E>,
    v: &mut Vec<Violation>,
) -> Option<T> {
    let Some(node) = f.one(field) else {
        v.push(Violation::new(field, CheckerRule::MissingField));
        return None;
    };
    let s = leaf(node, field, v)?;
    if s.trim().is_empty() {
        v.push(Violation::new(field, CheckerRule::MissingField));
        return None;
    }
    match parse(s) {
        Ok(t) => Some(t),
        Err(e) => {
            v.push(Violation::with(field, rule, e.to_string()));
            None
        }
    }
}

/// An optional parsed value: absent or empty is `Ok(None)`; unparseable is
/// `Err(())` with the violation recorded.
pub(crate) fn opt<T, E: Display>(
    f: &Fields<'_>,
    field: &'static str,
    rule: CheckerRule,
    parse: impl FnOnce(&str) -> Result<T, E>,
    v: &mut Vec<Violation>,
) -> Result<Option<T>, ()> {
    let Some(node) = f.one(field) else {
        return Ok(None);
    };
    let Some(s) = leaf(node, field, v) else {
        return Err(());
    };
    if s.trim().is_empty() {
        return Ok(None);
    }
    match parse(s) {
        Ok(t) => Ok(Some(t)),
        Err(e) => {
            v.push(Violation::with(field, rule, e.to_string()));
            Err(())
        }
    }
}

/// The error of a date that is not `CCYY-MM-DD`.
#[derive(Debug)]
pub(crate) struct BadDate;

impl Display for BadDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(CheckerRule::DateFormat.description())
    }
}

/// A date, with surrounding whitespace ignored (suppliers indent values).
pub(crate) fn date(s: &str) -> Result<Date, BadDate> {
    parse_date(s.trim()).ok_or(BadDate)
}

pub(crate) fn req_date(
    f: &Fields<'_>,
    field: &'static str,
    v: &mut Vec<Violation>,
) -> Option<Date> {
    req(f, field, CheckerRule::DateFormat, date, v)
}

pub(crate) fn opt_date(
    f: &Fields<'_>,
    field: &'static str,
    v: &mut Vec<Violation>,
) -> Result<Option<Date>, ()> {
    opt(f, field, CheckerRule::DateFormat, date, v)
}
