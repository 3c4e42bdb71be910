//! Differential: every record the reader accepts must be written by the
//! writer and read back unchanged.
#![no_main]

use gateway_adapters::Limits;
use gateway_adapters::nccis::{NccisReader, NccisWriter, WriterOptions, carried};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = NccisReader::new(data, Limits::default()) else {
        return;
    };
    let header = reader.header().clone();
    let accepted: Vec<_> = reader.filter_map(Result::ok).collect();
    let mut w = NccisWriter::new(Vec::new(), header, WriterOptions::default()).expect("header the reader accepted");
    for p in &accepted {
        w.write(p).expect("a record the reader accepted is writable");
    }
    let bytes = w.finish().expect("finish");
    let back: Vec<_> = NccisReader::new(&bytes[..], Limits::default())
        .expect("own header")
        .map(|r| r.expect("own record"))
        .collect();
    assert_eq!(back.len(), accepted.len());
    for (a, b) in back.iter().zip(&accepted) {
        assert!(*a == carried(b));
    }
});
