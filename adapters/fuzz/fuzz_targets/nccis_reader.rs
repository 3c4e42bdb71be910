//! Any bytes through the NCCIS reader: no panic, bounded memory (small
//! limits make limit paths reachable), the stream always ends.
#![no_main]

use gateway_adapters::Limits;
use gateway_adapters::nccis::NccisReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_text_len: 256,
        max_event_bytes: 8192,
        max_depth: 10,
        max_activities: 8,
        max_elements_per_record: 128,
        max_records: Some(1000),
    };
    if let Ok(reader) = NccisReader::new(data, limits) {
        for item in reader {
            let _ = item.map_err(|e| e.to_string());
        }
    }
});
