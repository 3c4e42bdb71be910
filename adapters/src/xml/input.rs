//! Bounded pull-parsing over quick-xml.
//!
//! The readers of each format ask this layer for the next top-level
//! element and then for that element's subtree as a small tree of
//! [`Node`]s. Everything here is bounded by [`Limits`]:
//! - one XML event never spans more than `max_event_bytes` of input
//!   ([`Guard`]); beyond that the stream ends with a fatal error;
//! - nesting deeper than `max_depth` is fatal (quick-xml keeps a stack of
//!   open names, so depth is memory);
//! - a subtree keeps at most `max_elements_per_record` nodes and each
//!   node at most `max_text_len` bytes of text; beyond that the node is
//!   marked with a [`NodeIssue`] (the record is rejected, the stream goes on)
//!   and the surplus is read and discarded, not stored.
//!
//! Entities: only the five predefined ones and character references are
//! resolved. A DOCTYPE is allowed before the root element and ignored:
//! entities it declares are never expanded (no external entities, no
//! "billion laughs"), and a reference to one is an [`NodeIssue::BadReference`].

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError};
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::Limits;
use super::guard::Guard;
use super::text::forbidden_char;
use crate::reject::{FatalError, FatalKind};

/// The element names a format defines. Names are matched on the local part
/// (any namespace prefix is ignored).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schema {
    pub(crate) names: &'static [&'static str],
    /// Other spellings of a name, `(variant, name)`: what suppliers write
    /// instead (`NeetStartDate` for `NEETStartDate`, ...).
    pub(crate) aliases: &'static [(&'static str, &'static str)],
    /// Match names (and aliases) ignoring ASCII letter case.
    pub(crate) any_case: bool,
    /// Unknown elements: `true` keeps an empty marker node holding the
    /// element's name (the format decides whether that rejects the record
    /// or warns); `false` skips them without storing anything.
    pub(crate) strict: bool,
}

impl Schema {
    fn lookup(&self, local: &[u8]) -> Option<&'static str> {
        // Exact spelling first: the common case, and the cheapest.
        if let Some(name) = self
            .names
            .iter()
            .copied()
            .find(|name| name.as_bytes() == local)
        {
            return Some(name);
        }
        let same = |a: &str| {
            if self.any_case {
                a.as_bytes().eq_ignore_ascii_case(local)
            } else {
                a.as_bytes() == local
            }
        };
        if self.any_case
            && let Some(name) = self.names.iter().copied().find(|name| same(name))
        {
            return Some(name);
        }
        self.aliases
            .iter()
            .find(|(variant, _)| same(variant))
            .map(|(_, name)| *name)
    }
}

/// Longest unknown element name kept for a warning; longer ones, and names
/// with characters beyond `[A-Za-z0-9_.-]`, are reported without their name.
const MAX_REPORTED_NAME: usize = 64;

/// The name of an unknown element, if it is safe to repeat in a report: a
/// plain XML name, not free text that could carry personal data.
fn reportable_name(local: &[u8]) -> Option<&str> {
    (!local.is_empty()
        && local.len() <= MAX_REPORTED_NAME
        && local
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))
    .then(|| std::str::from_utf8(local).ok())
    .flatten()
}

/// Something wrong inside a node that makes its record unacceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeIssue {
    TextTooLong,
    /// An undeclared entity or an invalid character reference.
    BadReference,
    /// Non-whitespace text next to child elements.
    MixedContent,
    Attributes,
    /// The record had more elements than the limit; the surplus was dropped.
    TooManyElements,
}

const NONE: u32 = u32::MAX;

/// The elements of one record subtree, stored flat: one vector of slots and
/// one string holding every element's text. Both are cleared and reused
/// for the next record, so reading a record allocates nothing once the
/// buffers have grown to the largest record seen (itself bounded by the
/// limits).
#[derive(Debug, Default)]
pub(crate) struct Tree {
    slots: Vec<Slot>,
    text: String,
}

#[derive(Debug)]
struct Slot {
    name: Option<&'static str>,
    text_start: usize,
    text_end: usize,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
    issue: Option<NodeIssue>,
}

/// One element of a [`Tree`].
#[derive(Clone, Copy)]
pub(crate) struct Node<'t> {
    tree: &'t Tree,
    index: usize,
}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl<'t> Node<'t> {
    fn slot(&self) -> Option<&'t Slot> {
        self.tree.slots.get(self.index)
    }

    /// `None` for an element the schema does not define (strict schemas only).
    pub(crate) fn name(&self) -> Option<&'static str> {
        self.slot().and_then(|s| s.name)
    }

    /// For an element the schema does not define: its name, when it is a
    /// plain name (see [`reportable_name`]); the element's content is never kept.
    pub(crate) fn unknown_name(&self) -> Option<&'t str> {
        if self.name().is_some() {
            return None;
        }
        let t = self.text();
        (!t.is_empty()).then_some(t)
    }

    pub(crate) fn text(&self) -> &'t str {
        self.slot()
            .and_then(|s| self.tree.text.get(s.text_start..s.text_end))
            .unwrap_or_default()
    }

    pub(crate) fn issue(&self) -> Option<NodeIssue> {
        self.slot().and_then(|s| s.issue)
    }

    pub(crate) fn has_children(&self) -> bool {
        self.slot().is_some_and(|s| s.first_child != NONE)
    }

    pub(crate) fn children(&self) -> Children<'t> {
        Children {
            tree: self.tree,
            next: self.slot().map_or(NONE, |s| s.first_child),
        }
    }
}

/// Iterator over the children of a [`Node`], in document order.
pub(crate) struct Children<'t> {
    tree: &'t Tree,
    next: u32,
}

impl<'t> Iterator for Children<'t> {
    type Item = Node<'t>;
    fn next(&mut self) -> Option<Node<'t>> {
        if self.next == NONE {
            return None;
        }
        let index = usize::try_from(self.next).ok()?;
        self.next = self.tree.slots.get(index).map_or(NONE, |s| s.next_sibling);
        Some(Node {
            tree: self.tree,
            index,
        })
    }
}

impl Tree {
    /// The subtree's root, once built.
    pub(crate) fn root(&self) -> Option<Node<'_>> {
        (!self.slots.is_empty()).then_some(Node {
            tree: self,
            index: 0,
        })
    }

    fn clear(&mut self) {
        self.slots.clear();
        self.text.clear();
    }

    fn add(&mut self, name: Option<&'static str>) -> u32 {
        let at = self.text.len();
        self.slots.push(Slot {
            name,
            text_start: at,
            text_end: at,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
            issue: None,
        });
        u32::try_from(self.slots.len() - 1).unwrap_or(NONE)
    }

    fn slot_mut(&mut self, index: u32) -> Option<&mut Slot> {
        self.slots.get_mut(usize::try_from(index).ok()?)
    }

    fn flag(&mut self, index: u32, issue: NodeIssue) {
        if let Some(s) = self.slot_mut(index)
            && s.issue.is_none()
        {
            s.issue = Some(issue);
        }
    }

    fn attach(&mut self, parent: u32, child: u32) {
        let Some(p) = self.slot_mut(parent) else {
            return;
        };
        let previous = p.last_child;
        p.last_child = child;
        if previous == NONE {
            p.first_child = child;
            let (start, end) = (p.text_start, p.text_end);
            p.text_end = p.text_start;
            let mixed = !is_xml_whitespace(self.text.get(start..end).unwrap_or_default());
            if mixed {
                self.flag(parent, NodeIssue::MixedContent);
            }
        } else if let Some(prev) = self.slot_mut(previous) {
            prev.next_sibling = child;
        }
    }

    fn push_text(&mut self, index: u32, s: &str, max_len: usize) {
        let Some(slot) = self.slots.get(usize::try_from(index).unwrap_or(usize::MAX)) else {
            return;
        };
        if slot.first_child != NONE {
            if !is_xml_whitespace(s) {
                self.flag(index, NodeIssue::MixedContent);
            }
            return;
        }
        if slot.issue == Some(NodeIssue::TextTooLong) {
            return;
        }
        let (start, end) = (slot.text_start, slot.text_end);
        if (end - start).saturating_add(s.len()) > max_len {
            let existing_ws = is_xml_whitespace(self.text.get(start..end).unwrap_or_default());
            if !(existing_ws && is_xml_whitespace(s)) {
                self.flag(index, NodeIssue::TextTooLong);
                if let Some(slot) = self.slot_mut(index) {
                    slot.text_end = slot.text_start;
                }
            }
            return;
        }
        // The open childless element is the only one appending, so its
        // text is the tail of the buffer.
        self.text.push_str(s);
        let new_end = self.text.len();
        if let Some(slot) = self.slot_mut(index) {
            slot.text_end = new_end;
        }
    }
}

pub(crate) fn is_xml_whitespace(s: &str) -> bool {
    for &b in s.as_bytes() {
        if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            return false;
        }
    }
    true
}

/// A start tag at the level the caller is reading.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StartTag {
    pub(crate) name: Option<&'static str>,
    pub(crate) offset: u64,
    /// `<Name/>`: no content, no end tag.
    pub(crate) empty: bool,
    pub(crate) attributes: bool,
}

/// What [`XmlInput::next_top`] found.
#[derive(Debug)]
pub(crate) enum Top {
    Start(StartTag),
    End,
    Eof,
}

pub(crate) struct XmlInput<R> {
    reader: Reader<Guard<R>>,
    buf: Vec<u8>,
    depth: usize,
    limits: Limits,
    prolog_done: bool,
    skipped: u64,
    /// Open elements of the subtree being read (indexes into the tree).
    stack: Vec<u32>,
}

impl<R> std::fmt::Debug for XmlInput<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmlInput")
            .field("depth", &self.depth)
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

fn has_attributes(e: &BytesStart<'_>) -> bool {
    !is_xml_whitespace(e.attributes_raw())
}

fn ill_formed(e: &IllFormedError) -> &'static str {
    match e {
        IllFormedError::MissingDeclVersion(_) => "XML declaration without a version",
        IllFormedError::UnknownVersion => "unknown XML version",
        IllFormedError::MissingDoctypeName => "DOCTYPE without a name",
        IllFormedError::MissingEndTag(_) => "an element is not closed",
        IllFormedError::UnmatchedEndTag(_) => "end tag without a start tag",
        IllFormedError::MismatchedEndTag { .. } => "end tag does not match its start tag",
        IllFormedError::DoubleHyphenInComment => "'--' inside a comment",
        IllFormedError::UnclosedReference => "'&' without a closing ';'",
    }
}

/// Resolve a reference: the five predefined entities and character
/// references to characters allowed in text. Anything else is `None`.
fn resolve_reference(r: &BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if !forbidden_char(c) => Some(c),
            _ => None,
        };
    }
    match &**r {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

impl<R: BufRead> XmlInput<R> {
    pub(crate) fn new(read: R, limits: Limits) -> Self {
        let mut reader = Reader::from_reader(Guard::new(read, limits.max_event_bytes));
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        XmlInput {
            reader,
            buf: Vec::new(),
            depth: 0,
            limits,
            prolog_done: false,
            skipped: 0,
            stack: Vec::new(),
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Elements skipped because the (non-strict) schema does not carry them.
    pub(crate) fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Current byte position in the input.
    pub(crate) fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    pub(crate) fn fatal(&self, kind: FatalKind) -> FatalError {
        FatalError {
            kind,
            byte_offset: self.reader.buffer_position(),
            record_index: None,
        }
    }

    fn xml_error(&self, e: &XmlError) -> FatalError {
        let byte_offset = self
            .reader
            .error_position()
            .max(self.reader.buffer_position());
        let kind = if self.reader.get_ref().tripped() {
            FatalKind::Limit {
                limit: "max_event_bytes (one tag, text run, comment or DOCTYPE is too long)",
            }
        } else {
            match e {
                XmlError::Io(io) => FatalKind::Io {
                    problem: io.kind().to_string(),
                },
                XmlError::Syntax(s) => FatalKind::Xml {
                    problem: match s {
                        quick_xml::errors::SyntaxError::InvalidBangMarkup => {
                            "unknown markup after '<!'"
                        }
                        quick_xml::errors::SyntaxError::UnclosedPI => {
                            "unclosed processing instruction"
                        }
                        quick_xml::errors::SyntaxError::UnclosedXmlDecl => {
                            "unclosed XML declaration"
                        }
                        quick_xml::errors::SyntaxError::UnclosedComment => "unclosed comment",
                        quick_xml::errors::SyntaxError::UnclosedDoctype => "unclosed DOCTYPE",
                        quick_xml::errors::SyntaxError::UnclosedCData => "unclosed CDATA section",
                        quick_xml::errors::SyntaxError::UnclosedTag => "unclosed tag",
                        quick_xml::errors::SyntaxError::UnclosedSingleQuotedAttributeValue
                        | quick_xml::errors::SyntaxError::UnclosedDoubleQuotedAttributeValue => {
                            "unclosed attribute value"
                        }
                    },
                },
                XmlError::IllFormed(i) => FatalKind::Xml {
                    problem: ill_formed(i),
                },
                XmlError::InvalidAttr(_) => FatalKind::Xml {
                    problem: "invalid attribute",
                },
                XmlError::Encoding(_) => FatalKind::Xml {
                    problem: "input is not valid UTF-8",
                },
                XmlError::Escape(_) => FatalKind::Xml {
                    problem: "invalid escape",
                },
                XmlError::Namespace(_) => FatalKind::Xml {
                    problem: "namespace error",
                },
            }
        };
        FatalError {
            kind,
            byte_offset,
            record_index: None,
        }
    }

    fn enter(&mut self) -> Result<(), FatalError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(self.fatal(FatalKind::Limit {
                limit: "max_depth (elements nested too deeply)",
            }));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn eof_inside(&self) -> FatalError {
        self.fatal(FatalKind::Xml {
            problem: "unexpected end of input inside an element",
        })
    }

    /// The next element start or end at the current level, skipping
    /// comments, processing instructions and whitespace. The XML
    /// declaration and DOCTYPE are accepted before the root only.
    pub(crate) fn next_top(&mut self, names: &'static [&'static str]) -> Result<Top, FatalError> {
        self.next_top_with(|local| names.iter().copied().find(|n| *n == local))
    }

    /// As [`Self::next_top`], with a caller-supplied name matcher (used for
    /// root elements whose name carries a version, such as `NCCIS2015`).
    pub(crate) fn next_top_with(
        &mut self,
        matcher: impl Fn(&str) -> Option<&'static str>,
    ) -> Result<Top, FatalError> {
        loop {
            self.buf.clear();
            self.reader.get_mut().reset();
            let offset = self.reader.buffer_position();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => return Err(self.xml_error(&e)),
            };
            match event {
                Event::Start(e) => {
                    let tag = StartTag {
                        name: matcher(e.local_name().as_ref()),
                        offset,
                        empty: false,
                        attributes: has_attributes(&e),
                    };
                    self.prolog_done = true;
                    self.enter()?;
                    return Ok(Top::Start(tag));
                }
                Event::Empty(e) => {
                    let tag = StartTag {
                        name: matcher(e.local_name().as_ref()),
                        offset,
                        empty: true,
                        attributes: has_attributes(&e),
                    };
                    self.prolog_done = true;
                    return Ok(Top::Start(tag));
                }
                Event::End(_) => {
                    self.leave();
                    return Ok(Top::End);
                }
                Event::Text(t) => {
                    if !is_xml_whitespace(&t) {
                        return Err(self.fatal(FatalKind::Structure {
                            problem: "text outside any record",
                        }));
                    }
                }
                Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(self.fatal(FatalKind::Structure {
                        problem: "text outside any record",
                    }));
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(d) => {
                    if self.prolog_done {
                        return Err(self.fatal(FatalKind::Xml {
                            problem: "XML declaration after the start of the document",
                        }));
                    }
                    let utf8 = match d.encoding() {
                        None => true,
                        Some(Ok(enc)) => {
                            enc.eq_ignore_ascii_case("utf-8")
                                || enc.eq_ignore_ascii_case("utf8")
                                || enc.eq_ignore_ascii_case("us-ascii")
                        }
                        Some(Err(_)) => false,
                    };
                    if !utf8 {
                        return Err(self.fatal(FatalKind::Xml {
                            problem: "only UTF-8 input is accepted",
                        }));
                    }
                    self.prolog_done = true;
                }
                Event::DocType(_) => {
                    if self.depth > 0 {
                        return Err(self.fatal(FatalKind::Xml {
                            problem: "DOCTYPE inside an element",
                        }));
                    }
                    self.prolog_done = true;
                }
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(self.eof_inside());
                    }
                    return Ok(Top::Eof);
                }
            }
        }
    }

    /// Skip an element the schema does not carry, counting it.
    pub(crate) fn skip_unknown(&mut self, tag: StartTag) -> Result<(), FatalError> {
        self.skipped += 1;
        if tag.empty {
            Ok(())
        } else {
            self.skip_current()
        }
    }

    /// Read and discard the content of the element just started (whose
    /// start tag was returned by [`Self::next_top`] or met inside a subtree).
    pub(crate) fn skip_current(&mut self) -> Result<(), FatalError> {
        let mut open = 1usize;
        loop {
            self.buf.clear();
            self.reader.get_mut().reset();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => return Err(self.xml_error(&e)),
            };
            match event {
                Event::Start(_) => {
                    self.enter()?;
                    open += 1;
                }
                Event::End(_) => {
                    self.leave();
                    open -= 1;
                    if open == 0 {
                        return Ok(());
                    }
                }
                Event::Eof => return Err(self.eof_inside()),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.fatal(FatalKind::Xml {
                        problem: "declaration inside an element",
                    }));
                }
                _ => {}
            }
        }
    }

    /// A start tag met inside a subtree: store it, mark the record, or skip it.
    fn start_in_subtree(
        &mut self,
        tree: &mut Tree,
        count: &mut usize,
        (name, attributes, raw_name): (Option<&'static str>, bool, Option<&str>),
        empty: bool,
        schema: Schema,
        max_elements: usize,
    ) -> Result<(), FatalError> {
        if name.is_none() && !schema.strict {
            self.skipped += 1;
            if !empty {
                self.skip_current()?;
            }
            return Ok(());
        }
        *count += 1;
        if *count > max_elements {
            tree.flag(0, NodeIssue::TooManyElements);
            if !empty {
                self.skip_current()?;
            }
            return Ok(());
        }
        let parent = self.stack.last().copied().unwrap_or(0);
        let node = tree.add(name);
        tree.attach(parent, node);
        if name.is_none()
            && let Some(raw) = raw_name
        {
            // The marker node's text is its name: its content is skipped.
            tree.push_text(node, raw, MAX_REPORTED_NAME);
        }
        if attributes {
            tree.flag(node, NodeIssue::Attributes);
        }
        if !empty {
            if name.is_none() {
                self.skip_current()?;
            } else {
                self.stack.push(node);
            }
        }
        Ok(())
    }

    /// Read the subtree of the element whose start tag was just returned
    /// into `tree` (cleared first); its root is `tree.root()`.
    pub(crate) fn read_subtree(
        &mut self,
        start: StartTag,
        schema: Schema,
        max_elements: usize,
        tree: &mut Tree,
    ) -> Result<(), FatalError> {
        tree.clear();
        self.stack.clear();
        let root = tree.add(start.name);
        if start.attributes {
            tree.flag(root, NodeIssue::Attributes);
        }
        if start.empty {
            return Ok(());
        }
        self.stack.push(root);
        let max_text = self.limits.max_text_len;
        let mut count = 1usize;
        loop {
            self.buf.clear();
            self.reader.get_mut().reset();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => return Err(self.xml_error(&e)),
            };
            let top = self.stack.last().copied().unwrap_or(root);
            match event {
                Event::Start(e) => {
                    let local_name = e.local_name();
                    let local: &[u8] = local_name.into_inner().as_bytes();
                    let name = schema.lookup(local);
                    // Copied (rarely: unknown elements only) before the buffer is reused.
                    let raw = name
                        .is_none()
                        .then(|| reportable_name(local).map(str::to_owned))
                        .flatten();
                    let attributes = has_attributes(&e);
                    self.enter()?;
                    self.start_in_subtree(
                        tree,
                        &mut count,
                        (name, attributes, raw.as_deref()),
                        false,
                        schema,
                        max_elements,
                    )?;
                }
                Event::Empty(e) => {
                    let local_name = e.local_name();
                    let local: &[u8] = local_name.into_inner().as_bytes();
                    let name = schema.lookup(local);
                    // Copied (rarely: unknown elements only) before the buffer is reused.
                    let raw = name
                        .is_none()
                        .then(|| reportable_name(local).map(str::to_owned))
                        .flatten();
                    let attributes = has_attributes(&e);
                    self.start_in_subtree(
                        tree,
                        &mut count,
                        (name, attributes, raw.as_deref()),
                        true,
                        schema,
                        max_elements,
                    )?;
                }
                Event::End(_) => {
                    self.leave();
                    self.stack.pop();
                    if self.stack.is_empty() {
                        return Ok(());
                    }
                }
                Event::Text(t) => {
                    // Indentation between elements is the common case:
                    // settle it before normalising line ends.
                    let childless = tree.root().is_some()
                        && tree
                            .slots
                            .get(usize::try_from(top).unwrap_or(usize::MAX))
                            .is_some_and(|s| s.first_child == NONE);
                    if childless || !is_xml_whitespace(&t) {
                        tree.push_text(top, &t.xml10_content(), max_text);
                    }
                }
                Event::CData(c) => tree.push_text(top, &c.xml10_content(), max_text),
                Event::GeneralRef(r) => match resolve_reference(&r) {
                    Some(c) => {
                        let mut tmp = [0u8; 4];
                        tree.push_text(top, c.encode_utf8(&mut tmp), max_text);
                    }
                    None => tree.flag(top, NodeIssue::BadReference),
                },
                Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.fatal(FatalKind::Xml {
                        problem: "declaration inside an element",
                    }));
                }
                Event::Eof => return Err(self.eof_inside()),
            }
        }
    }
}
