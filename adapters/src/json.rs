//! Bounded JSON parsing with errors that never echo input values.
//!
//! serde_json's messages quote the offending value ("invalid type: string
//! \"Jane Smith\", expected ..."), so they are never passed on. A
//! [`JsonError`] keeps the position and a fixed description; field names
//! are echoed only when they look like field names and not like an
//! identifier (a sender may put data in a key).

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

/// A key fit to appear in an error: shaped like one of our own field names
/// (lower-case snake_case, no digits, at most 64 bytes). Anything else may carry
/// data (a sender can put a name or an identifier in a key, whole or as part of
/// a longer key), so it is withheld. Every identifier the gateway knows has a
/// digit, and a personal name has a capital or is not snake_case data we accept.
pub(crate) fn printable_key(key: &str) -> String {
    let ours = !key.is_empty()
        && key.len() <= 64
        && key.bytes().all(|b| b == b'_' || b.is_ascii_lowercase())
        && !key.starts_with('_');
    if ours {
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
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
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

    #[test]
    fn only_our_own_field_names_are_echoed() {
        assert_eq!(printable_key("young_person"), "young_person");
        assert_eq!(printable_key("nino"), "nino");
        for data in [
            "H801200001001",
            "H801200001001x",
            "upn_H801200001001",
            "Amy",
            "ME141XQ",
            "_x",
            "",
        ] {
            assert_eq!(printable_key(data), "<field name withheld>", "{data}");
        }
    }

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
