//! Field-level parsing and writing shared by the XML formats: strict dates,
//! free-text checks, and an escaping element writer.

use std::io::Write;

use time::{Date, Month};

/// Parse a date written exactly `CCYY-MM-DD` (ten ASCII characters, a real
/// calendar date). No surrounding whitespace, no time part, no other order.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            part.iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')),
        )
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let day = u8::try_from(num(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Format a date as `CCYY-MM-DD`. Years outside 0..=9999 cannot be written
/// in that form; callers validate before writing.
pub(crate) fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Whether a date can be written as `CCYY-MM-DD`.
pub(crate) fn date_writable(d: Date) -> bool {
    (0..=9999).contains(&d.year())
}

/// Why a piece of free text is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextProblem {
    /// Control characters (including tab and newline) or non-characters.
    Control,
    /// Empty or only whitespace.
    Blank,
    /// Longer than the limit (in bytes of UTF-8).
    TooLong,
}

impl TextProblem {
    pub(crate) fn message(self) -> &'static str {
        match self {
            TextProblem::Control => "text contains control characters",
            TextProblem::Blank => "text is blank",
            TextProblem::TooLong => "text is longer than the configured limit",
        }
    }
}

/// A character that may not appear in a text field: C0/C1 controls
/// (tab and newline included: no field here is multi-line) and the XML
/// non-characters U+FFFE, U+FFFF.
pub(crate) fn forbidden_char(c: char) -> bool {
    c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// Check a free-text value (a name, an address line).
pub(crate) fn check_text(s: &str, max_len: usize) -> Result<(), TextProblem> {
    if s.len() > max_len {
        return Err(TextProblem::TooLong);
    }
    if s.chars().any(forbidden_char) {
        return Err(TextProblem::Control);
    }
    if s.trim().is_empty() {
        return Err(TextProblem::Blank);
    }
    Ok(())
}

/// Writes elements with escaped text, indented (`pretty`) or with no
/// whitespace between elements. Every value must already have been checked
/// (no control characters), so the output is well-formed.
pub(crate) struct ElementWriter<W> {
    pub(crate) out: W,
    depth: usize,
    pretty: bool,
    /// Write like a CCIS supplier: absent optional values as empty
    /// elements (`<X></X>`, or `<X />` when `self_closing`), values padded
    /// with spaces. For tests of the tolerant reader.
    pub(crate) habits: bool,
    pub(crate) self_closing: bool,
}

impl<W: Write> ElementWriter<W> {
    pub(crate) fn new(out: W, pretty: bool) -> Self {
        ElementWriter {
            out,
            depth: 0,
            pretty,
            habits: false,
            self_closing: false,
        }
    }

    /// An element with no content, as suppliers write absent values.
    pub(crate) fn empty(&mut self, name: &str) -> std::io::Result<()> {
        self.indent()?;
        if self.self_closing {
            write!(self.out, "<{name} />")?;
        } else {
            write!(self.out, "<{name}></{name}>")?;
        }
        self.newline()
    }

    /// Raw markup (a DOCTYPE, a comment) written as is.
    pub(crate) fn raw(&mut self, markup: &str) -> std::io::Result<()> {
        self.out.write_all(markup.as_bytes())
    }

    fn indent(&mut self) -> std::io::Result<()> {
        const SPACES: &[u8] = b"                                ";
        if !self.pretty {
            return Ok(());
        }
        let n = (self.depth * 2).min(SPACES.len());
        self.out.write_all(SPACES.get(..n).unwrap_or_default())
    }

    fn newline(&mut self) -> std::io::Result<()> {
        if self.pretty {
            self.out.write_all(b"\n")
        } else {
            Ok(())
        }
    }

    pub(crate) fn declaration(&mut self) -> std::io::Result<()> {
        self.out
            .write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    }

    pub(crate) fn open(&mut self, name: &str) -> std::io::Result<()> {
        self.indent()?;
        write!(self.out, "<{name}>")?;
        self.newline()?;
        self.depth += 1;
        Ok(())
    }

    pub(crate) fn close(&mut self, name: &str) -> std::io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        self.indent()?;
        write!(self.out, "</{name}>")?;
        self.newline()
    }

    pub(crate) fn leaf(&mut self, name: &str, value: &str) -> std::io::Result<()> {
        self.indent()?;
        let pad = if self.habits { " " } else { "" };
        write!(
            self.out,
            "<{name}>{pad}{}{pad}</{name}>",
            quick_xml::escape::partial_escape(value)
        )?;
        self.newline()
    }

    pub(crate) fn leaf_opt(&mut self, name: &str, value: Option<&str>) -> std::io::Result<()> {
        match value {
            Some(v) => self.leaf(name, v),
            None if self.habits => self.empty(name),
            None => Ok(()),
        }
    }

    pub(crate) fn date(&mut self, name: &str, value: Date) -> std::io::Result<()> {
        self.leaf(name, &format_date(value))
    }

    pub(crate) fn date_opt(&mut self, name: &str, value: Option<Date>) -> std::io::Result<()> {
        match value {
            Some(v) => self.date(name, v),
            None if self.habits => self.empty(name),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn strict_dates() {
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        for bad in [
            "2023-02-29",
            "2024-2-29",
            "29/02/2024",
            " 2024-02-29",
            "2024-02-29T00:00",
            "2024-13-01",
            "2024-00-10",
            "+024-01-01",
            "２０２４-01-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(format_date(date!(0999 - 01 - 05)), "0999-01-05");
        assert_eq!(
            parse_date(&format_date(date!(2008 - 12 - 31))),
            Some(date!(2008 - 12 - 31))
        );
    }

    #[test]
    fn text_checks() {
        assert_eq!(check_text("O'Brien & Sons <Ltd>", 64), Ok(()));
        assert_eq!(check_text("a\tb", 64), Err(TextProblem::Control));
        assert_eq!(check_text("   ", 64), Err(TextProblem::Blank));
        assert_eq!(check_text("abcdef", 3), Err(TextProblem::TooLong));
        assert_eq!(check_text("\u{FFFE}", 8), Err(TextProblem::Control));
    }
}
