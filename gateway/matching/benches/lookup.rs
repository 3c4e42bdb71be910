//! Lookup latency among 1,000,000 synthetic young people.
//!
//! `CARGO_TARGET_DIR=$PWD/target-matching CARGO_BUILD_JOBS=1 \
//!  cargo bench -p gateway-matching --bench lookup -- --measurement-time 3 --warm-up-time 1`
//!
//! Set `MATCHING_BENCH_PEOPLE` to change the cohort size. Cohort
//! generation, index build time and memory are printed to stderr before
//! the measurements.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use gateway_domain::{LaCode, SubjectRef, YoungPerson, synthetic};
use gateway_matching::{IndexEntry, MatchRequest, SubjectIndex};
use time::macros::date;

/// Resident set size in bytes, from /proc (Linux); 0 elsewhere.
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// One insertion, deletion, substitution or transposition, deterministic.
fn typo(name: &str, salt: usize) -> String {
    let mut c: Vec<char> = name.chars().collect();
    let at = salt % c.len().max(1);
    match salt % 4 {
        0 if c.len() > 4 => {
            c.remove(at);
        }
        1 => c.insert(at, 'x'),
        2 if at + 1 < c.len() && c[at] != c[at + 1] => c.swap(at, at + 1),
        _ => c[at] = if c[at] == 'q' { 'z' } else { 'q' },
    }
    c.into_iter().collect()
}

fn demographics(p: &YoungPerson, given: String, family: String, postcode: bool) -> MatchRequest {
    MatchRequest::Demographics {
        given_name: given,
        family_name: family,
        date_of_birth: p.date_of_birth,
        postcode: if postcode {
            p.address.postcode().cloned()
        } else {
            None
        },
    }
}

fn lookups(c: &mut Criterion) {
    let n: usize = std::env::var("MATCHING_BENCH_PEOPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let today = date!(2025 - 03 - 15);
    let la = LaCode::parse("886").expect("valid LA code");

    let started = Instant::now();
    let generated = synthetic::cohort(1, n, today, la.clone()).count();
    let generate_time = started.elapsed();

    let rss_before = rss_bytes();
    let started = Instant::now();
    let mut index = SubjectIndex::new();
    index.reserve(n);
    let mut sample: Vec<YoungPerson> = Vec::new();
    for (i, p) in synthetic::cohort(1, n, today, la).enumerate() {
        index.insert(IndexEntry::from(&p)).expect("index has room");
        if i % 997 == 0 {
            sample.push(p);
        }
    }
    let build_time = started.elapsed();
    let rss_after = rss_bytes();
    eprintln!(
        "cohort: {generated} people generated in {:.2} s; generate + index in {:.2} s \
         (index alone about {:.2} s)",
        generate_time.as_secs_f64(),
        build_time.as_secs_f64(),
        (build_time.saturating_sub(generate_time)).as_secs_f64()
    );
    eprintln!(
        "memory: RSS grew {:.0} MiB while building; the index's own estimate is {:.0} MiB \
         (+ about {:.0} MiB for CcisId key strings)",
        mib(rss_after.saturating_sub(rss_before)),
        mib(index.heap_size_estimate()),
        mib(index.len() * 64)
    );

    let by_upn: Vec<MatchRequest> = sample
        .iter()
        .filter_map(|p| p.upn.clone())
        .map(|u| MatchRequest::Identifier(SubjectRef::Upn(u)))
        .collect();
    let exact_pc: Vec<MatchRequest> = sample
        .iter()
        .map(|p| demographics(p, p.given_name.clone(), p.family_name.clone(), true))
        .collect();
    let exact_no_pc: Vec<MatchRequest> = sample
        .iter()
        .map(|p| demographics(p, p.given_name.clone(), p.family_name.clone(), false))
        .collect();
    let family_typo_pc: Vec<MatchRequest> = sample
        .iter()
        .enumerate()
        .map(|(i, p)| demographics(p, p.given_name.clone(), typo(&p.family_name, i), true))
        .collect();
    let given_typo_no_pc: Vec<MatchRequest> = sample
        .iter()
        .enumerate()
        .map(|(i, p)| demographics(p, typo(&p.given_name, i), p.family_name.clone(), false))
        .collect();

    for (name, set) in [
        ("upn", &by_upn),
        ("exact+postcode", &exact_pc),
        ("exact, no postcode", &exact_no_pc),
        ("family typo+postcode", &family_typo_pc),
        ("given typo, no postcode", &given_typo_no_pc),
    ] {
        let unique = set.iter().filter(|r| index.find(r).is_unique()).count();
        eprintln!("{name}: {unique}/{} unique among {n}", set.len());
    }

    let mut group = c.benchmark_group(format!("lookup_among_{n}"));
    for (name, set) in [
        ("identifier_upn", &by_upn),
        ("demographic_exact_with_postcode", &exact_pc),
        ("demographic_exact_no_postcode", &exact_no_pc),
        ("demographic_family_typo_with_postcode", &family_typo_pc),
        ("demographic_given_typo_no_postcode", &given_typo_no_pc),
    ] {
        let mut i = 0usize;
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % set.len();
                black_box(index.find(black_box(&set[i])))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, lookups);
criterion_main!(benches);
