//! Any bytes as each JSON message type (YOT request and answer, JCP
//! registration confirmation).
#![no_main]

use gateway_adapters::jcp::RegistrationConfirmation;
use gateway_adapters::yot::{EetStatusAnswer, EetStatusRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = EetStatusRequest::from_json(data).map_err(|e| e.to_string());
    let _ = EetStatusAnswer::from_json(data).map_err(|e| e.to_string());
    let _ = RegistrationConfirmation::from_json(data).map_err(|e| e.to_string());
});
