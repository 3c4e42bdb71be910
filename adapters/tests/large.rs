//! A generated 100,000-record NCCIS return parses completely.

// Helpers outside #[test] functions unwrap too: this is test code.
#![allow(clippy::unwrap_used)]

#[path = "common/big.rs"]
mod big;

use gateway_adapters::Limits;
use gateway_adapters::nccis::{NccisReader, carried};

#[test]
fn hundred_thousand_records_parse_completely() {
    const N: u64 = 100_000;
    // Compact (no indentation): the same records, fewer events to read.
    let bytes = big::big_file(N, false);
    let templates = big::templates(1000);
    let mut reader = NccisReader::new(&bytes[..], Limits::default()).expect("header");
    let mut accepted = 0u64;
    for (i, item) in (&mut reader).enumerate() {
        let p = item.unwrap_or_else(|e| panic!("record {i}: {e}"));
        // Spot-check content: every 997th record equals what was written.
        if i % 997 == 0 {
            assert_eq!(p, carried(&big::person(&templates, i as u64)));
        }
        accepted += 1;
    }
    let stats = reader.stats();
    assert_eq!(accepted, N);
    assert_eq!(stats.records, N);
    assert_eq!(stats.accepted, N);
    assert_eq!(stats.rejected, 0);
    eprintln!("{} records, {} bytes", N, bytes.len());
}
