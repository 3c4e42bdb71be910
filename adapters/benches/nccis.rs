//! Parse rate of a 100,000-record in-memory NCCIS return.
//!
//! Run: `CARGO_TARGET_DIR=target-adapters CARGO_BUILD_JOBS=1 cargo bench -p gateway-adapters --bench nccis`
//! Criterion reports time per iteration and, with the throughput set to
//! the record count, records per second ("thrpt ... elem/s").

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gateway_adapters::Limits;
use gateway_adapters::nccis::NccisReader;

#[path = "../tests/common/big.rs"]
#[allow(dead_code)]
mod big;

const RECORDS: u64 = 100_000;

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("nccis");
    group.throughput(Throughput::Elements(RECORDS));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for (name, pretty) in [
        ("parse_100k_records_indented", true),
        ("parse_100k_records_compact", false),
    ] {
        let bytes = big::big_file(RECORDS, pretty);
        group.bench_function(name, |b| {
            b.iter(|| {
                let reader =
                    NccisReader::new(black_box(&bytes[..]), Limits::default()).expect("header");
                let mut accepted = 0u64;
                for item in reader {
                    if item.is_ok() {
                        accepted += 1;
                    }
                }
                assert_eq!(accepted, RECORDS);
                accepted
            });
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
