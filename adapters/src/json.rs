//! Bounded JSON parsing with errors that never echo input values.
//!
//! serde_json's messages quote the offending value ("invalid type: string
//! \"Jane Smith\", expected ..."), so they are never passed on. A
//! [`JsonError`] keeps the position and a fixed description; field names
//! are echoed only when they look like field names and not like an
//! identifier (a sender may put data in a key).

use gateway_domain::{NhsNumber, Nino, Postcode, Uln, Upn};
use serde::de::DeserializeOwned;

/// Largest JSON document the adapters accept, in bytes.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// Why a JSON document was refused. Carries positions and field names of
/// our own schema only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    #[error("JSON document is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("not valid JSON (line {line}, column {column})")]
    Syntax { line: usize, column: usize },
    #[error("JSON document ends early")]
    Eof,
    #[error("{problem} (line {line}, column {column})")]
    Data {
        problem: String,
        line: usize,
        column: usize,
    },
}

/// A key fit to appear in an error: shaped like a field name and not
/// parseable as any identifier the gateway knows.
pub(crate) fn printable_key(key: &str) -> String {
    let shaped = !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
    let looks_like_id = Nino::parse(key).is_ok()
        || NhsNumber::parse(key).is_ok()
        || Uln::parse(key).is_ok()
        || Upn::parse(key).is_ok()
        || Postcode::parse(key).is_ok();
    if shaped && !looks_like_id {
        key.to_owned()
    } else {
        "<field name withheld>".to_owned()
    }
}

/// Reduce a serde_json data error to a description free of values.
fn describe(message: &str) -> String {
    for prefix in ["unknown field `", "missing field `", "duplicate field `"] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let name = rest.split('`').next().unwrap_or_default();
            return format!("{}`{}`", prefix.trim_end_matches('`'), printable_key(name));
        }
    }
    for (prefix, text) in [
        ("invalid type", "invalid type"),
        ("invalid length", "invalid length"),
        ("unknown variant", "unknown variant"),
        ("invalid value", "invalid value"),
    ] {
        if message.starts_with(prefix) {
            return text.to_owned();
        }
    }
    "invalid value".to_owned()
}

pub(crate) fn map_error(e: &serde_json::Error) -> JsonError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => JsonError::Eof,
        Category::Syntax | Category::Io => JsonError::Syntax {
            line: e.line(),
            column: e.column(),
        },
        Category::Data => JsonError::Data {
            problem: describe(&e.to_string()),
            line: e.line(),
            column: e.column(),
        },
    }
}

/// Parse a JSON document of at most [`MAX_JSON_BYTES`].
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    if bytes.len() > MAX_JSON_BYTES {
        return Err(JsonError::TooLarge {
            max: MAX_JSON_BYTES,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| map_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        purpose: Purpose,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Purpose {
        A,
    }

    #[test]
    fn errors_do_not_echo_values() {
        let e = from_slice::<T>(br#"{"purpose": "Jane Smith"}"#).unwrap_err();
        assert!(!e.to_string().contains("Jane"), "{e}");
        let e = from_slice::<T>(br#"{"purpose": 12345}"#).unwrap_err();
        assert!(!e.to_string().contains("12345"), "{e}");
        let e = from_slice::<T>(br#"{"nino": "AB123456C", "purpose": "a"}"#).unwrap_err();
        assert!(e.to_string().contains("`nino`"), "{e}");
        let e = from_slice::<T>(br#"{"AB123456C": 1, "purpose": "a"}"#).unwrap_err();
        assert!(!e.to_string().contains("AB123456C"), "{e}");
        let e = from_slice::<T>(br#"{"Jane Smith": 1}"#).unwrap_err();
        assert!(!e.to_string().contains("Jane"), "{e}");
        assert!(matches!(
            from_slice::<T>(&vec![b' '; MAX_JSON_BYTES + 1]),
            Err(JsonError::TooLarge { .. })
        ));
    }
}
