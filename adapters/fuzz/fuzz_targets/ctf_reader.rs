//! Any bytes through the CTF reader; accepted pupils must survive a
//! write/read round trip.
#![no_main]

use gateway_adapters::Limits;
use gateway_adapters::ctf::{CtfReader, CtfWriter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = CtfReader::new(data, Limits::default()) else {
        return;
    };
    let header = reader.header().clone();
    let pupils: Vec<_> = reader.filter_map(Result::ok).collect();
    let Ok(mut w) = CtfWriter::new(Vec::new(), &header, Limits::default()) else {
        return;
    };
    for p in &pupils {
        w.write(p).expect("a pupil the reader accepted is writable");
    }
    let bytes = w.finish().expect("finish");
    let back: Vec<_> = CtfReader::new(&bytes[..], Limits::default())
        .expect("own header")
        .map(|r| r.expect("own pupil"))
        .collect();
    assert!(back == pupils);
});
