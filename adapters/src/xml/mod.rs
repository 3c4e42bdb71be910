//! Shared XML machinery: bounded reading, strict field parsing, escaping writer.

pub(crate) mod fields;
pub(crate) mod guard;
pub(crate) mod input;
pub(crate) mod text;

/// Limits that bound the memory and work a reader spends on any input.
///
/// Worst-case memory of a reader is roughly
/// `max_event_bytes + max_elements_per_record × (max_text_len + ~100 bytes)`
/// plus, for NCCIS, 16 bytes per accepted record for the uniqueness checks
/// (bounded by `max_records` when set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest text of one element, in bytes after entity decoding. A
    /// longer value rejects the record (the stream goes on). Default 1024.
    pub max_text_len: usize,
    /// Most bytes one XML event (a tag, a text run, a comment, a DOCTYPE)
    /// may span in the input. Beyond it the input is not buffered further
    /// and the stream ends with a fatal error. Default 64 KiB.
    pub max_event_bytes: usize,
    /// Deepest element nesting. Deeper is fatal. Default 16.
    pub max_depth: usize,
    /// Most activities (NCCIS) or history entries (CTF SEN and school
    /// history) in one record. More rejects the record. Default 64.
    pub max_activities: usize,
    /// Most elements stored for one record; surplus elements are read,
    /// discarded and the record rejected. Default 1024.
    pub max_elements_per_record: usize,
    /// Most records in one file; more is fatal. Default: no limit.
    pub max_records: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text_len: 1024,
            max_event_bytes: 64 * 1024,
            max_depth: 16,
            max_activities: 64,
            max_elements_per_record: 1024,
            max_records: None,
        }
    }
}
