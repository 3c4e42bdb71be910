//! Any bytes as a DWP notice: no panic, and a refusal never echoes the
//! notice's string values.
#![no_main]

use gateway_adapters::jcp::DwpNotice;
use libfuzzer_sys::fuzz_target;
use time::macros::date;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = DwpNotice::parse(data, date!(2025 - 03 - 31)) {
        let _ = e.to_string();
    }
});
